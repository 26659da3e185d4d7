"""TM files: TMX 1.4, XLIFF 1.2 / 2.0, TSV / CSV and parallel pairs built from real UN and FLORES text; hostile XML
(external entity, billion laughs) and a TMX without the target language refused with the memory untouched; TMX
and TSV export round-trips."""

from __future__ import annotations

import hashlib
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from mt.formats.writing import atomic_writer
from mt.memory import MtKey, Segment, TranslationMemory, TranslationMemoryError
from mt.formats.document import FormatOptions
from mt.formats.language import language_of
from mt.formats.tmx import TmxFormat
from mt.memory.formats import read_file, write_tmx, write_tsv
from tests.conftest import DATA

UN = DATA / "un_v1.0" / "UNv1.0.devset"
FLORES = DATA / "flores200" / "flores200.dev"


def lines(path: Path, start: int = 0, n: int = 40) -> list[str]:
    return path.read_text(encoding="utf-8").rstrip("\n").split("\n")[start : start + n]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def un(start: int = 0, n: int = 40) -> tuple[list[str], list[str], list[str]]:
    return lines(Path(f"{UN}.ar"), start, n), lines(Path(f"{UN}.en"), start, n), lines(Path(f"{UN}.zh"), start, n)


def tmx(units: list[dict[str, str]], doctype: str = '<!DOCTYPE tmx SYSTEM "tmx14.dtd">') -> str:
    body = []
    for unit in units:
        tuvs = "".join(f'<tuv xml:lang="{lang}"><seg>{seg}</seg></tuv>' for lang, seg in unit.items())
        body.append(f"<tu>{tuvs}</tu>")
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}\n<tmx version="1.4"><header creationtool="test" '
        f'creationtoolversion="1" segtype="sentence" o-tmf="x" adminlang="en-US" srclang="ar-SA" '
        f'datatype="plaintext"/><body>\n' + "\n".join(body) + "\n</body></tmx>\n"
    )


@pytest.fixture()
def un_tmx(tmp_path) -> tuple[Path, list[str], list[str], list[str]]:
    ar, en, zh = un()
    units = [{"ar-SA": escape(a), "en-US": escape(e), "zh-CN": escape(z)} for a, e, z in zip(ar, en, zh)]
    # inline codes: a placeholder's native code is dropped, emphasis keeps its text
    units[1]["en-US"] = '<ph x="1">&lt;br/&gt;</ph>' + escape(en[1])
    units[2]["ar-SA"] = '<hi type="b">' + escape(ar[2]) + "</hi>"
    units.append({"ar-SA": "جملة بلا ترجمة"})  # no target: skipped
    units.append({"fr-FR": "Une phrase", "en-US": "A sentence"})  # no Arabic: skipped
    path = tmp_path / "un.tmx"
    path.write_text(tmx(units), encoding="utf-8")
    return path, ar, en, zh


def test_lang_tags():
    assert [language_of(t) for t in ("ar", "ara", "ar-SA", "AR_sa", "AR", "arb_Arab")] == ["ar"] * 6
    assert [language_of(t) for t in ("en", "eng", "en-US", "en_US", "eng_Latn")] == ["en"] * 5
    assert [language_of(t) for t in ("zh", "zh-Hans", "zh-CN", "cmn", "zho", "chi", "zho_Hans")] == ["zh"] * 7
    assert language_of("zh-TW") == language_of("zh-Hant") == language_of("zh_Hant_HK") == "zh-Hant"
    assert language_of("fr-FR") == "fr" and language_of(None) == language_of("") == ""


@pytest.mark.parametrize(
    "arabic, english", [("ar", "en"), ("ara", "eng"), ("ar-SA", "en-US"), ("AR_sa", "EN_us"), ("arb", "en_GB")]
)
def test_tm_import_and_translate_read_the_same_tmx_language_tags(tmp_path, arabic, english):
    """`mt tm import` (mt.memory.formats) and `mt translate x.tmx` (mt.formats.tmx) share one language rule: the
    Arabic of a tu tagged ``ara`` or ``ar-SA`` is imported AND translated; an English tuv tagged ``eng`` is the
    existing target that `mt translate --to en` leaves alone (until --overwrite-targets)."""
    ar, en, _ = un(n=3)
    units = [{arabic: escape(a), english: escape(e)} for a, e in zip(ar[:2], en[:2])] + [{arabic: escape(ar[2])}]
    path = tmp_path / "tags.tmx"
    path.write_text(tmx(units), encoding="utf-8")
    imported = read_file([path], target_lang="en")
    assert [(s.source, s.target) for s in imported.segments] == list(zip(ar[:2], en[:2]))
    document = TmxFormat().parse(path.read_bytes(), path.name, FormatOptions(target="en"))
    assert [s.text for s in document.segments] == [ar[2]]  # the two with English are left as they are
    overwrite = TmxFormat().parse(path.read_bytes(), path.name, FormatOptions(target="en", overwrite_targets=True))
    assert [s.text for s in overwrite.segments] == ar[:3]


def test_tmx_import_all_targets(un_tmx):
    path, ar, en, zh = un_tmx
    parsed = read_file([path])
    assert {(s.source, s.target, s.target_lang) for s in parsed.segments} == {(a, e, "en") for a, e in zip(ar, en)} | {
        (a, z, "zh") for a, z in zip(ar, zh)
    }
    assert parsed.skipped == {"no source and target variant": 2}
    only_zh = read_file([path], target_lang="zh")
    assert {s.target_lang for s in only_zh.segments} == {"zh"} and len(only_zh.segments) == 40


def test_tmx_without_target_language_is_refused_memory_untouched(tmp_path):
    ar, en, _ = un(n=5)
    path = tmp_path / "en-only.tmx"
    path.write_text(tmx([{"ar": escape(a), "en": escape(e)} for a, e in zip(ar, en)]), encoding="utf-8")
    tm = tmp_path / "x.tm"
    with TranslationMemory.open(tm) as memory:
        memory.add_human([Segment(ar[0], en[0], "en")])
    before = digest(tm)
    with pytest.raises(TranslationMemoryError, match="no segment in the target language zh"):
        read_file([path], target_lang="zh")
    french = tmp_path / "fr.tmx"
    french.write_text(tmx([{"ar": "نص", "fr": "texte"}]), encoding="utf-8")
    with pytest.raises(TranslationMemoryError, match="target language Tarjama produces"):
        read_file([french])
    assert digest(tm) == before


XXE = """<?xml version="1.0"?>
<!DOCTYPE tmx [<!ENTITY secret SYSTEM "file://{secret}">]>
<tmx version="1.4"><header srclang="ar"/><body>
<tu><tuv xml:lang="ar"><seg>سر</seg></tuv><tuv xml:lang="en"><seg>&secret;</seg></tuv></tu>
</body></tmx>
"""

LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE tmx [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<tmx version="1.4"><header srclang="ar"/><body>
<tu><tuv xml:lang="ar"><seg>ضحك</seg></tuv><tuv xml:lang="en"><seg>&lol9;</seg></tuv></tu>
</body></tmx>
"""


@pytest.mark.parametrize("kind", ["external entity", "billion laughs"])
def test_hostile_xml_is_refused_memory_untouched(tmp_path, run_cli, kind):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE\n", encoding="utf-8")
    path = tmp_path / "hostile.tmx"
    path.write_text(XXE.format(secret=secret) if kind == "external entity" else LAUGHS, encoding="utf-8")
    with pytest.raises(TranslationMemoryError, match="ENTITY"):
        read_file([path])
    tm = tmp_path / "keep.tm"
    with TranslationMemory.open(tm) as memory:
        memory.add_human([Segment("نص", "text", "en")])
    before = digest(tm)
    code, out, err = run_cli("tm", "import", path, "--tm", tm)
    assert code == 1 and err.startswith("mt: error: ") and len(err.strip().splitlines()) == 1, err
    assert "TOP-SECRET" not in out + err
    assert digest(tm) == before
    code, _, _ = run_cli("tm", "import", path, "--tm", tmp_path / "new.tm")
    assert code == 1 and not (tmp_path / "new.tm").exists()  # a refused import creates no memory


def test_malformed_xml_and_wrong_root(tmp_path):
    broken = tmp_path / "broken.tmx"
    broken.write_text(tmx([{"ar": "نص", "en": "text"}])[:-20], encoding="utf-8")
    with pytest.raises(TranslationMemoryError, match="not well-formed"):
        read_file([broken])
    other = tmp_path / "other.tmx"
    other.write_text('<?xml version="1.0"?><xliff version="1.2"/>', encoding="utf-8")
    with pytest.raises(TranslationMemoryError, match="not a TMX"):
        read_file([other])


def xliff12(ar: list[str], en: list[str]) -> str:
    units = []
    for i, (a, e) in enumerate(zip(ar, en)):
        attrs, state = {
            0: ('approved="yes"', "translated"),
            1: ("", "final"),
            2: ("", "signed-off"),
            3: ("", "needs-review-translation"),
            4: ('approved="no"', "translated"),
        }[i % 5]
        units.append(
            f'<trans-unit id="{i}" {attrs}><source>{escape(a)}</source>'
            f'<target state="{state}"><g id="b">{escape(e)}</g><x id="x{i}"/></target></trans-unit>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<xliff version="1.2" '
        'xmlns="urn:oasis:names:tc:xliff:document:1.2"><file original="un.txt" source-language="ar" '
        'target-language="en-US" datatype="plaintext"><body>' + "".join(units) + "</body></file></xliff>"
    )


def xliff2(ar: list[str], zh: list[str]) -> str:
    units = []
    for i, (a, z) in enumerate(zip(ar, zh)):
        state = ("final", "reviewed", "translated", "initial")[i % 4]
        units.append(
            f'<unit id="u{i}"><segment state="{state}"><source>{escape(a)}</source>'
            f'<target><pc id="1">{escape(z)}</pc><ph id="2"/></target></segment></unit>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<xliff version="2.0" '
        'xmlns="urn:oasis:names:tc:xliff:document:2.0" srcLang="ar" trgLang="zh-CN"><file id="f1">'
        + "".join(units)
        + "</file></xliff>"
    )


def test_xliff_12_imports_approved_and_final_only(tmp_path):
    ar, en, _ = un(n=20)
    path = tmp_path / "un.xlf"
    path.write_text(xliff12(ar, en), encoding="utf-8")
    parsed = read_file([path])
    expected = [(a, e) for i, (a, e) in enumerate(zip(ar, en)) if i % 5 in (0, 1, 2)]
    assert [(s.source, s.target) for s in parsed.segments] == expected
    assert {s.target_lang for s in parsed.segments} == {"en"} and parsed.skipped == {"not approved or final": 8}
    with pytest.raises(TranslationMemoryError, match="target language zh"):
        read_file([path], target_lang="zh")


def test_xliff_2_imports_final_only(tmp_path):
    ar, _, zh = un(n=20)
    path = tmp_path / "un.xliff"
    path.write_text(xliff2(ar, zh), encoding="utf-8")
    parsed = read_file([path])
    assert [(s.source, s.target, s.target_lang) for s in parsed.segments] == [
        (a, z, "zh") for i, (a, z) in enumerate(zip(ar, zh)) if i % 4 == 0
    ]


def test_tsv_and_csv(tmp_path):
    ar, en, zh = un(n=30)
    tsv = tmp_path / "un.tsv"
    tsv.write_text("ar\tzh\n" + "".join(f"{a}\t{z}\n" for a, z in zip(ar, zh)), encoding="utf-8")
    assert [(s.source, s.target, s.target_lang) for s in read_file([tsv]).segments] == [
        (a, z, "zh") for a, z in zip(ar, zh)
    ]
    headless = tmp_path / "headless.tsv"
    headless.write_text("".join(f"{a}\t{e}\n" for a, e in zip(ar, en)), encoding="utf-8")
    with pytest.raises(TranslationMemoryError, match="give --tgt"):
        read_file([headless])
    assert len(read_file([headless], target_lang="en").segments) == 30
    csv_path = tmp_path / "un.csv"
    quoted = ['"' + e.replace('"', '""') + '"' for e in en]  # UN English has commas and quotes
    csv_path.write_text("ar,en\n" + "".join(f"{a},{q}\n" for a, q in zip(ar, quoted)), encoding="utf-8")
    assert [s.target for s in read_file([csv_path]).segments] == en
    bad = tmp_path / "bad.tsv"
    bad.write_text(f"ar\ten\n{ar[0]}\t{en[0]}\n{ar[1]}\t{en[1]}\textra\n", encoding="utf-8")
    with pytest.raises(TranslationMemoryError, match=r"bad.tsv:3: expected 2 columns"):
        read_file([bad])


def test_parallel_pair_language_from_extension(tmp_path):
    src, tgt = tmp_path / "dev.arb_Arab", tmp_path / "dev.zho_Hans"
    src.write_text("\n".join(lines(Path(f"{FLORES}.arb_Arab"), 0, 25)) + "\n", encoding="utf-8")
    tgt.write_text("\n".join(lines(Path(f"{FLORES}.zho_Hans"), 0, 25)) + "\n", encoding="utf-8")
    parsed = read_file([src, tgt])
    assert len(parsed.segments) == 25 and {s.target_lang for s in parsed.segments} == {"zh"}
    short = tmp_path / "short.en"
    short.write_text("\n".join(lines(Path(f"{FLORES}.eng_Latn"), 0, 24)) + "\n", encoding="utf-8")
    with pytest.raises(TranslationMemoryError, match="25 lines but .* has 24"):
        read_file([src, short])


def test_tmx_round_trip(tmp_path, un_tmx):
    path, ar, en, zh = un_tmx
    first = tmp_path / "first.tm"
    with TranslationMemory.open(first) as memory:
        memory.add_human(read_file([path]).segments)
        memory.store_mt([Segment(ar[0], "machine " + en[0], "en", score=-1.25)], MtKey("m/x", "r1", "g", "d"))
        exported = tmp_path / "out.tmx"
        with atomic_writer(exported) as handle:
            assert write_tmx(memory.entries(), handle) == 81
        originals = {(e.source, e.target, e.target_lang, e.origin) for e in memory.entries()}
    text = exported.read_text(encoding="utf-8")
    assert '<prop type="x-model">m/x</prop>' in text and '<prop type="x-score">-1.25</prop>' in text
    human_only = tmp_path / "human.tmx"
    with TranslationMemory.open(first) as memory, atomic_writer(human_only) as handle:
        write_tmx(memory.entries(origin="human"), handle)
    with TranslationMemory.open(tmp_path / "second.tm") as memory:
        memory.add_human(read_file([human_only]).segments)
        again = {(e.source, e.target, e.target_lang, e.origin) for e in memory.entries()}
    assert again == {o for o in originals if o[3] == "human"} and len(again) == 80


def test_tsv_round_trip(tmp_path):
    ar, en, _ = un(40, 60)
    with TranslationMemory.open(tmp_path / "a.tm") as memory:
        memory.add_human([Segment(a, e, "en") for a, e in zip(ar, en)])
        out = tmp_path / "a.tsv"
        with atomic_writer(out) as handle:
            assert write_tsv(memory.entries(), handle, "en") == (len(set(ar)), 0)
    with TranslationMemory.open(tmp_path / "b.tm") as memory:
        memory.add_human(read_file([out]).segments)
        assert {(e.source, e.target) for e in memory.entries()} == set(zip(ar, en))


def test_tmx_round_trip_keeps_mt_entries_with_their_flags(tmp_path, run_cli):
    """Exported MT entries carry complete/score/model/fingerprints as <prop>s and come back as MT entries (a
    run with the same key reuses them, reporting the same flags); human entries stay human."""
    ar, en, zh = un(100, 8)
    key, other = MtKey("opus-mt-ar-en", "r1", "g1", "d1"), MtKey("opus-mt-en-zh", "r2", "", "d2")
    first = tmp_path / "first.tm"
    with TranslationMemory.open(first) as memory:
        memory.add_human([Segment(ar[0], en[0], "en")])
        memory.store_mt(
            [
                Segment(ar[1], en[1], "en", score=-0.8125, complete=False),
                Segment(ar[2], en[2], "en", score=-1.0 / 3, complete=True),
                Segment(ar[3], en[3], "en"),
            ],
            key,
        )
        memory.store_mt([Segment(ar[4], zh[4], "zh", score=-2.5, complete=False)], other)
    exported = tmp_path / "all.tmx"
    code, _, err = run_cli("tm", "export", "--tm", first, "-o", exported)
    assert code == 0, err
    text = exported.read_text(encoding="utf-8")
    assert text.count('<prop type="x-complete">false</prop>') == 2 and text.count('"x-complete">true<') == 1
    parsed = read_file([exported])
    assert len(parsed.segments) == 1 and len(parsed.machine) == 4
    code, out, err = run_cli("tm", "import", exported, "--tm", tmp_path / "second.tm")
    assert code == 0 and "1 added" in out and "4 MT entries (4 added" in out, (out, err)

    def rows(path):
        with TranslationMemory.open(path) as memory:
            return sorted(
                (e.source, e.target, e.target_lang, e.origin, e.key, e.score, e.complete) for e in memory.entries()
            )

    assert rows(tmp_path / "second.tm") == rows(first)
    with TranslationMemory.open(tmp_path / "second.tm") as memory:
        hits = memory.lookup(ar[:4], "en", key)
        assert [h.origin for h in hits] == ["human", "mt", "mt", "mt"] and [h.complete for h in hits[1:]] == [
            False,
            True,
            None,
        ]
