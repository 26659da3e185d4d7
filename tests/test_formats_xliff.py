"""XLIFF 1.2 and 2.0 documents (mt.formats.xliff): segments and tags read from hand-written files with nested
inline codes (tests/data/xliff, sentences of the seed article), targets written back with their ids, states,
notes and languages, schema-valid against the OASIS XLIFF 1.2 strict and 2.0 core schemas
(tests/data/xliff/README.md), and bad inputs refused with one line."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from mt.errors import InputError
from mt.formats.document import FormatOptions, Tag, TranslatedSegment, identity
from mt.formats.registry import format_for
from mt.formats.xliff import XLIFF_12, XLIFF_2, XliffFormat

DATA = Path(__file__).parent / "data" / "xliff"
V12 = DATA / "seed-1.2.xlf"
V20 = DATA / "seed-2.0.xlf"
INLINE_12 = {"g", "x", "bx", "ex", "bpt", "ept", "ph", "it", "mrk"}
INLINE_2 = {"pc", "sc", "ec", "ph", "mrk", "sm", "em", "cp"}
ARABIC = re.compile(r"[\u0600-\u06FF]")


def load(path: Path, **options):
    return XliffFormat().load(path, FormatOptions(**options))


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data)


def schema_2() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(DATA / "xliff_core_2.0.xsd")))


def schema_12() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(DATA / "xliff-core-1.2-strict.xsd")))


def test_the_test_files_are_schema_valid():
    assert schema_12().validate(etree.parse(str(V12))) and schema_2().validate(etree.parse(str(V20)))
    assert schema_12().validate(etree.parse(str(DATA / "segmented-1.2.xlf")))


def inline_ids(element: etree._Element, names: set[str]) -> Counter:
    """(element name, id) of every inline code under ``element``, counted."""
    found = Counter()
    for node in element.iter():
        if isinstance(node.tag, str) and etree.QName(node).localname in names:
            name = etree.QName(node).localname
            found[(name, node.get("id") or node.get("mid") or node.get("startRef"))] += 1
    return found


def translated(document, texts: dict[str, tuple[str, tuple[Tag, ...]]]) -> list[TranslatedSegment]:
    return [TranslatedSegment(s, *texts[s.location]) if s.location in texts else identity(s) for s in document.segments]


# -- reading ---------------------------------------------------------------------------------------------------


def test_12_segments_tags_and_skips():
    document = load(V12)
    assert [s.location for s in document.segments] == ["unit 1", "unit 2", "unit 5"]  # 3: translate="no";
    # 4: has a target; 6: no letters
    first = document.segments[0]
    assert "<" not in first.text and first.text.startswith("هانغتشو 17 نوفمبر 2016")
    tags = {t.id: t for t in first.tags}
    assert first.text[tags["g1"].start : tags["g1"].end] == "التجارة الالكترونية"
    assert first.text[tags["g2"].start : tags["g2"].end] == "الالكترونية"
    assert tags["b1"].paired and first.text[tags["b1"].start : tags["b1"].end] == "علي بابا"  # a bpt/ept pair
    second = {t.id: t for t in document.segments[1].tags}
    assert not second["x1"].paired and not second["p1"].paired and second["mrk#2"].paired  # mrk without mid
    assert "{0}" not in document.segments[1].text  # native code content is not text to translate
    third = {t.id: t for t in document.segments[2].tags}
    assert {"bx1", "ex1", "i1"} <= set(third) and not any(t.paired for t in third.values())


def test_20_segments_tags_and_skips():
    document = load(V20)
    assert [s.location for s in document.segments] == [
        "unit u1 segment 1",
        "unit u1 segment 2",
        "unit u3 segment 2",
        "unit u4 segment 1",
    ]
    tags = {t.id: t for t in document.segments[1].tags}
    text = document.segments[1].text
    assert tags["sc1"].paired and text[tags["sc1"].start : tags["sc1"].end] == "تداول البضائع"  # sc/ec pair
    assert not tags["ph1"].paired
    last = {t.id: t for t in document.segments[3].tags}
    assert last["sm1"].paired and not last["sc9"].paired  # sm/em pair; an isolated sc is a point


def test_overwrite_targets_reads_translated_units_too():
    assert "unit 4" in [s.location for s in load(V12, overwrite_targets=True).segments]
    assert "unit u3 segment 1" in [s.location for s in load(V20, overwrite_targets=True).segments]


# -- round trip --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [V12, V20], ids=["1.2", "2.0"])
def test_identity_changes_nothing_but_insertions(path):
    """The identity output is the input plus the targets, states, notes and target language, nothing else:
    taking those out gives the input byte for byte."""
    data = path.read_bytes()
    document = load(path)
    out = document.render([identity(s) for s in document.segments], FormatOptions(target="en"))
    additions = [
        r'\s*<target state="needs-review-translation" state-qualifier="mt-suggestion">.*?</target>',
        r"\s*<target>(?!Jack Ma).*?</target>",
        r' target-language="en"',
        r' trgLang="en"',
        r' state="translated"',
        r'<notes><note category="mt">[^<]*</note></notes>\s*',
        r'\s*<note category="mt">[^<]*</note>',
    ]
    text = out.decode()
    counts = []
    for pattern in additions:
        text, count = re.subn(pattern, "", text, flags=re.S)
        counts.append(count)
    assert text.encode() == data
    expected = [3, 0, 1, 0, 0, 0, 0] if path == V12 else [0, 4, 0, 1, 4, 2, 1]
    assert counts == expected
    # and each new target holds its source's content exactly (same text, same codes, same attributes)
    root = parse(out)
    ns = XLIFF_12 if path == V12 else XLIFF_2
    strip = re.compile(r"^<(source|target)[^>]*>|</(source|target)>$")
    compared = 0
    for target in root.iter(f"{{{ns}}}target"):
        holder = target.getparent()
        if "Jack Ma" in (target.text or ""):
            continue
        source = holder.find(f"{{{ns}}}source")
        assert strip.sub("", etree.tostring(target, with_tail=False).decode()) == strip.sub(
            "", etree.tostring(source, with_tail=False).decode()
        )
        compared += 1
    assert compared == len(document.segments)


def test_a_file_with_nothing_to_translate_comes_back_byte_for_byte():
    data = V12.read_bytes().replace(b'source-language="ar"', b'source-language="ar" target-language="en"')
    data = re.sub(rb"<trans-unit id=\"[1256]\">.*?</trans-unit>\s*", b"", data, flags=re.S)
    document = XliffFormat().parse(data, "x.xlf", FormatOptions())
    assert document.segments == []
    assert document.render([], FormatOptions(target="en")) == data


def test_lxml_normalisations_are_the_named_ones():
    """Input written otherwise than lxml writes comes back in lxml's style, and only there."""
    data = (
        "<?xml version='1.0' encoding='utf-8'?>\n<xliff xmlns='urn:oasis:names:tc:xliff:document:1.2' "
        "version='1.2'><file original='a' source-language='ar' target-language='en' datatype='plaintext'>"
        "<body><trans-unit id='1'><source>&#1575;<x id='1' /></source><target>a</target></trans-unit>"
        "</body></file></xliff>\n<!-- after -->\n"
    ).encode()
    document = XliffFormat().parse(data, "x.xlf", FormatOptions(overwrite_targets=True))
    out = document.render([identity(s) for s in document.segments], FormatOptions(target="en"))
    assert out.startswith(b"<?xml version='1.0' encoding='utf-8'?>\n")  # the declaration is the input's
    assert out.endswith(b"</xliff>\n<!-- after -->\n")
    assert b'<source>\xd8\xa7<x id="1"/></source>' in out  # double quotes, <x/>, the character itself
    untouched = XliffFormat().parse(data, "x.xlf", FormatOptions())  # nothing to write: the input's own bytes
    assert not untouched.segments and untouched.render([], FormatOptions(target="en")) == data


# -- hand-placed translations ------------------------------------------------------------------------------------


def test_12_translation_keeps_every_code_once_nested_with_state_and_language():
    document = load(V12)
    english = "Giants of e-commerce such as Alibaba saw big jumps."
    tags = (Tag("g1", 10, 20), Tag("g2", 12, 20), Tag("b1", 29, 36))
    out = document.render(translated(document, {"unit 1": (english, tags)}), FormatOptions(target="en"))
    root = parse(out)
    schema = schema_12()
    assert schema.validate(root.getroottree()), schema.error_log
    ns = {"x": XLIFF_12}
    assert root.find("x:file", ns).get("target-language") == "en"
    unit = root.find(".//x:trans-unit[@id='1']", ns)
    target = unit.find("x:target", ns)
    assert target.get("state") == "needs-review-translation" and target.get("state-qualifier") == "mt-suggestion"
    assert inline_ids(target, INLINE_12) == inline_ids(unit.find("x:source", ns), INLINE_12)
    outer = target.find("x:g[@id='g1']", ns)
    assert outer.find("x:g[@id='g2']", ns).text == "commerce"  # nesting kept: g2 inside g1
    assert "".join(outer.itertext()) == "e-commerce"
    bpt, ept = target.find("x:bpt", ns), target.find("x:ept", ns)
    assert bpt.text == "<b>" and ept.text == "</b>" and bpt.tail == "Alibaba"  # native code verbatim, in order
    assert unit.getchildren().index(target) == 1  # right after the source
    untouched = root.find(".//x:trans-unit[@id='4']/x:target", ns)
    assert untouched.get("state") == "final" and untouched.text.startswith("Jack Ma")
    assert root.find(".//x:trans-unit[@id='3']/x:target", ns) is None  # translate="no"


def test_20_translation_keeps_every_code_once_with_state_note_language_and_schema():
    document = load(V20)
    english = "Wang Jian said that the circulation of goods can inject more vitality."
    tags = (Tag("ph1", 14, 14, paired=False), Tag("sc1", 24, 44))
    out = document.render(
        translated(document, {"unit u1 segment 2": (english, tags)}), FormatOptions(target="zh", state="reviewed")
    )
    root = parse(out)
    schema = schema_2()
    assert schema.validate(root.getroottree()), schema.error_log
    ns = {"x": XLIFF_2}
    assert root.get("trgLang") == "zh"
    segment = root.find(".//x:unit[@id='u1']/x:segment[@id='s2']", ns)
    assert segment.get("state") == "reviewed"
    target = segment.find("x:target", ns)
    assert inline_ids(target, INLINE_2) == inline_ids(segment.find("x:source", ns), INLINE_2)
    sc, ec = target.find("x:sc", ns), target.find("x:ec", ns)
    assert sc.tail == "circulation of goods" and ec.get("startRef") == "sc1" and ec.get("dataRef") == "d2"
    notes = root.findall(".//x:unit[@id='u1']/x:notes/x:note[@category='mt']", ns)
    assert len(notes) == 1  # one note per unit, however many of its segments were translated
    assert root.find(".//x:unit[@id='u3']/x:notes", ns).getchildren()[0].get("category") == "context"
    final = root.find(".//x:unit[@id='u3']/x:segment[@state='final']/x:target", ns)
    assert final.text.startswith("Jack Ma")


def test_the_schema_checks_can_fail():
    """The validators used above reject a target before its source and an unknown state."""
    document = load(V20)
    out = document.render([identity(s) for s in document.segments], FormatOptions(target="en"))
    root = parse(out)
    schema = schema_2()
    segment = root.find(f".//{{{XLIFF_2}}}segment")
    segment.insert(0, segment[1])  # target first
    assert not schema.validate(root.getroottree())
    bad = parse(out.replace(b'state="translated"', b'state="needs-review-translation"', 1))
    assert not schema.validate(bad.getroottree())
    document = load(V12)
    out = document.render([identity(s) for s in document.segments], FormatOptions(target="en"))
    assert schema_12().validate(parse(out).getroottree())
    assert not schema_12().validate(parse(out.replace(b'state="needs-review', b'state="machine', 1)).getroottree())
    root = parse(out)
    unit = root.find(f".//{{{XLIFF_12}}}trans-unit")
    unit.insert(0, unit[1])  # target first
    assert not schema_12().validate(root.getroottree())


def test_overwrite_replaces_an_existing_target():
    document = load(V12, overwrite_targets=True)
    out = document.render(
        translated(document, {"unit 4": ("Jack Ma called for a platform.", ())}), FormatOptions(target="en")
    )
    target = parse(out).find(f".//{{{XLIFF_12}}}trans-unit[@id='4']/{{{XLIFF_12}}}target")
    assert target.text == "Jack Ma called for a platform." and target.get("state") == "needs-review-translation"


def test_state_must_belong_to_the_version():
    document = load(V20)
    with pytest.raises(InputError, match=r"--state 'needs-review-translation' is not an XLIFF 2.x state"):
        document.render(
            [identity(s) for s in document.segments], FormatOptions(target="en", state="needs-review-translation")
        )


def test_a_file_for_another_target_language_is_refused():
    data = V20.read_bytes().replace(b'srcLang="ar"', b'srcLang="ar" trgLang="fr"')
    document = XliffFormat().parse(data, "fr.xlf", FormatOptions())
    with pytest.raises(InputError, match="trgLang is 'fr', not 'en'"):
        document.render([identity(s) for s in document.segments], FormatOptions(target="en"))
    same = XliffFormat().parse(data.replace(b'"fr"', b'"en-US"'), "us.xlf", FormatOptions())
    assert (
        parse(same.render([identity(s) for s in same.segments], FormatOptions(target="en"))).get("trgLang") == "en-US"
    )


# -- bad input ---------------------------------------------------------------------------------------------------

EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE xliff [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" version="1.2"><file original="a" source-language="ar"
datatype="plaintext"><body><trans-unit id="1"><source>&secret;</source></trans-unit></body></file></xliff>"""
BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE xliff [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="ar"><file id="f"><unit id="u">
<segment><source>&d;</source></segment></unit></file></xliff>"""


@pytest.mark.parametrize(
    "data, message",
    [
        (EXTERNAL, "declares XML entities"),
        (BOMB, "declares XML entities"),
        (b"<xliff xmlns='urn:oasis:names:tc:xliff:document:1.2' version='1.2'><file>", "not well-formed XML"),
        (b"<xliff xmlns='urn:oasis:names:tc:xliff:document:1.1' version='1.1'/>", "XLIFF version 1.1 .* not supported"),
        (
            b"<xliff xmlns='urn:oasis:names:tc:xliff:document:2.2' version='2.2' srcLang='ar'/>",
            "XLIFF version 2.2 .* not supported",
        ),
        (
            b"<!DOCTYPE html><html><body><p>\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7<br></p></body></html>",
            "not well-formed XML",
        ),
        (b"<tmx version='1.4'><body/></tmx>", r"not an XLIFF file \(its root element is <tmx>"),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + bytes(range(256)), "not well-formed XML"),
    ],
    ids=[
        "external-entity",
        "entity-bomb",
        "malformed",
        "version-1.1",
        "version-2.2",
        "html-named-xlf",
        "tmx-named-xlf",
        "zip-named-xlf",
    ],
)
def test_bad_input_is_one_line_without_content(tmp_path, data, message):
    path = tmp_path / "bad.xlf"
    path.write_bytes(data)
    fmt = format_for(path)
    assert isinstance(fmt, XliffFormat)
    with pytest.raises(InputError, match=message) as caught:
        fmt.load(path, FormatOptions())
    text = str(caught.value)
    assert "\n" not in text and str(path) in text
    assert "passwd" not in text and "root:" not in text and "aaaa" not in text


# -- end to end with the tiny models -----------------------------------------------------------------------------

GLOSSARY = Path(__file__).parent.parent / "glossaries" / "ecommerce.tsv"


def _text_of(element: etree._Element, native: set[str]) -> str:
    """The translatable text of a source or target: native code content (bpt/ept/ph/it) left out."""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str) and etree.QName(child).localname not in native:
            parts.append(_text_of(child, native))
        parts.append(child.tail or "")
    return "".join(parts)


@pytest.mark.parametrize("path", [V12, V20], ids=["1.2", "2.0"])
@pytest.mark.parametrize("to", ["en", "zh"])
def test_cli_translates_xliff_with_codes_terms_and_no_arabic(run_cli, fast_tiny, tmp_path, path, to):
    import json

    from mt.glossary import Glossary

    out, report = tmp_path / f"seed.{to}.xlf", tmp_path / "report.jsonl"
    code, _, err = run_cli(
        "translate", path, "--to", to, "-o", out, "--glossary", GLOSSARY, "--report", report, "-q", *fast_tiny
    )
    assert code == 0, err
    root = parse(out.read_bytes())
    schema = schema_12() if path == V12 else schema_2()
    assert schema.validate(root.getroottree()), schema.error_log
    assert (root.find(f"{{{XLIFF_12}}}file").get("target-language") if path == V12 else root.get("trgLang")) == to
    ns = XLIFF_12 if path == V12 else XLIFF_2
    native = {"bpt", "ept", "ph", "it"}
    names = INLINE_12 if path == V12 else INLINE_2
    rows = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    assert [r["location"] for r in rows] == [s.location for s in load(path).segments]
    glossary = Glossary.load(GLOSSARY)
    checked_terms = 0
    for row in rows:
        for term in row["terms"]:
            forms = glossary.get(term["concept"]).targets(to)
            assert any(form in row["translation"] for form in forms), (term, row["translation"])
            checked_terms += 1
    assert checked_terms >= 3  # Alibaba, JD.com, Suning, Beijing... are in the seed sentences
    new_targets = 0
    for source in root.iter(f"{{{ns}}}source"):
        holder = source.getparent()
        target = holder.find(f"{{{ns}}}target")
        if target is None or "Jack Ma" in (target.text or ""):
            continue
        new_targets += 1
        text = _text_of(target, native)
        assert not ARABIC.search(text), text  # the generated models never write Arabic (mt.testing)
        assert text != _text_of(source, native) and _text_of(source, native)[:20] not in text
        assert inline_ids(target, names) == inline_ids(source, names)  # every code, once, same ids
    assert new_targets == len(rows)


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("secret.xlf", EXTERNAL, "declares XML entities"),
        ("page.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
    ],
)
def test_cli_bad_document_is_one_line_and_writes_nothing(run_cli, fast_tiny, tmp_path, name, data, message):
    bad = tmp_path / name
    bad.write_bytes(data)
    out = tmp_path / f"out{bad.suffix}"
    code, stdout, err = run_cli("translate", bad, "--to", "en", "-o", out, *fast_tiny)
    assert code != 0 and message in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err and "passwd" not in err
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == [name]


# -- XLIFF 1.2 segmented by a CAT tool (seg-source) ---------------------------------------------------------------

SEGMENTED = DATA / "segmented-1.2.xlf"


def _marks(element: etree._Element) -> dict[str, etree._Element]:
    return {m.get("mid"): m for m in element if etree.QName(m).localname == "mrk" and m.get("mtype") == "seg"}


def test_segmented_12_reads_each_seg_mark_and_skips_translated_ones():
    document = load(SEGMENTED)
    # s2 segment 1 has a target mark with content; s3 segment 2 has no letters; s4 has a whole (unsegmented) target
    assert [s.location for s in document.segments] == [
        "unit s1 segment 1",
        "unit s1 segment 2",
        "unit s2 segment 2",
        "unit s3 segment 1",
    ]
    second = document.segments[1]
    [tag] = second.tags
    assert tag.id == "1" and second.text[tag.start : tag.end] == "التجارة الالكترونية"
    assert second.text.startswith("إذ أن") and "ملحوظة" not in second.text  # the mark's text only
    assert [s.location for s in load(SEGMENTED, overwrite_targets=True).segments] == [
        "unit s1 segment 1",
        "unit s1 segment 2",
        "unit s2 segment 1",
        "unit s2 segment 2",
        "unit s3 segment 1",
        "unit s4 segment 1",
        "unit s4 segment 2",
    ]


def test_segmented_12_target_mirrors_the_seg_source_marks():
    document = load(SEGMENTED)
    texts = {
        "unit s1 segment 1": ("Some economists noted China's achievements.", ()),
        "unit s1 segment 2": ("E-commerce flourished in the countryside.", (Tag("1", 0, 10),)),
        "unit s2 segment 2": ("Shen Yang said poor regions can keep up.", ()),
        "unit s3 segment 1": ("Alibaba.", ()),
    }
    out = document.render(translated(document, texts), FormatOptions(target="en"))
    root = parse(out)
    schema = schema_12()
    assert schema.validate(root.getroottree()), schema.error_log
    ns = {"x": XLIFF_12}
    s1 = root.find(".//x:trans-unit[@id='s1']", ns)
    target = s1.find("x:target", ns)
    assert [etree.QName(c).localname for c in s1] == ["source", "seg-source", "target"]
    assert target.get("state") == "needs-review-translation" and target.get("state-qualifier") == "mt-suggestion"
    marks = _marks(target)
    assert list(marks) == ["1", "2"] and marks["1"].text == texts["unit s1 segment 1"][0]
    assert marks["1"].tail == " " and marks["1"].get("state") is None  # the seg-source's layout; state on target
    assert marks["2"].find("x:g[@id='1']", ns).text == "E-commerce"
    assert "".join(marks["2"].itertext()) == texts["unit s1 segment 2"][0]
    s2 = _marks(root.find(".//x:trans-unit[@id='s2']/x:target", ns))
    assert s2["1"].text == "Jack Ma called for a global e-commerce platform."  # a translated mark is kept
    assert s2["2"].text == texts["unit s2 segment 2"][0]
    s3 = _marks(root.find(".//x:trans-unit[@id='s3']/x:target", ns))
    assert s3["1"].text == "Alibaba." and s3["2"].text == "2016"  # no letters: the source's content
    s4 = root.find(".//x:trans-unit[@id='s4']/x:target", ns)
    assert s4.text == "Tsinghua University. Beijing" and len(s4) == 0 and s4.get("state") is None


def test_segmented_12_overwrite_rebuilds_an_unsegmented_target_with_marks():
    document = load(SEGMENTED, overwrite_targets=True)
    out = document.render(
        [
            TranslatedSegment(s, f"Segment {k}.", (), []) if s.text else identity(s)
            for k, s in enumerate(document.segments)
        ],
        FormatOptions(target="en"),
    )
    root = parse(out)
    assert schema_12().validate(root.getroottree())
    s4 = root.find(f".//{{{XLIFF_12}}}trans-unit[@id='s4']/{{{XLIFF_12}}}target")
    assert s4.text is None and {mid: m.text for mid, m in _marks(s4).items()} == {"1": "Segment 5.", "2": "Segment 6."}


def test_cli_translates_a_segmented_xliff_mark_by_mark(run_cli, fast_tiny, tmp_path):
    out = tmp_path / "segmented.en.xlf"
    code, _, err = run_cli("translate", SEGMENTED, "--to", "en", "-o", out, "--glossary", GLOSSARY, "-q", *fast_tiny)
    assert code == 0, err
    root = parse(out.read_bytes())
    assert schema_12().validate(root.getroottree())
    ns = f"{{{XLIFF_12}}}"
    translated_marks = 0
    for unit in root.iter(f"{ns}trans-unit"):
        sources, targets = _marks(unit.find(f"{ns}seg-source")), unit.find(f"{ns}target")
        if unit.get("id") == "s4":
            assert targets.text == "Tsinghua University. Beijing"
            continue
        marks = _marks(targets)
        assert list(marks) == list(sources)  # every segment's mark, same mids, in order
        for mid, mark in marks.items():
            text = "".join(mark.itertext())
            if unit.get("id") == "s2" and mid == "1" or not re.search(r"[^\W\d_]", "".join(sources[mid].itertext())):
                continue
            translated_marks += 1
            assert text.strip() and not ARABIC.search(text), text
            assert inline_ids(mark, INLINE_12) == inline_ids(sources[mid], INLINE_12)
    assert translated_marks == 4
