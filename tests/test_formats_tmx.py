"""TMX as a document format: a target tuv per Arabic tu, nothing else changed; inline codes as tags; bad input."""

from __future__ import annotations

import re

import pytest
from lxml import etree

from mt.errors import InputError
from mt.formats.document import FormatOptions, Tag, TranslatedSegment, identity
from mt.formats.registry import format_for
from mt.formats.tmx import TmxFormat
from tests.conftest import DATA

FLORES = (DATA / "flores200" / "flores200.dev.arb_Arab").read_text(encoding="utf-8").splitlines()
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

TMX = f"""<?xml version='1.0' encoding='UTF-8'?>
<!DOCTYPE tmx SYSTEM "tmx14.dtd">
<tmx version="1.4">
  <header creationtool="hand" creationtoolversion="1" segtype="sentence" o-tmf="x" adminlang="en-US"
          srclang="ar" datatype="plaintext"/>
  <body>
    <!-- a comment with </tu> in it -->
    <tu tuid="1">
      <prop type="x-domain">news</prop>
      <tuv xml:lang="ar"><seg>{FLORES[0]}</seg></tuv>
    </tu>
    <tu tuid="2">
      <tuv xml:lang="ar">
        <seg>مرحبا <bpt i="1">&lt;b&gt;</bpt>بالعالم<ept i="1">&lt;/b&gt;</ept> و<hi type="x-it">الناس <ph x="1">&lt;br/&gt;</ph>جميعا</hi>.</seg>
      </tuv>
      <tuv xml:lang="fr"><seg>Bonjour</seg></tuv>
    </tu>
    <tu tuid="3">
      <tuv xml:lang="ar"><seg>{FLORES[1]}</seg></tuv>
      <tuv xml:lang="en-US"><seg>Existing human translation &amp; more</seg></tuv>
    </tu>
    <tu tuid="4"><tuv xml:lang="ar"><seg>2024 - 15</seg></tuv></tu>
    <tu tuid="5"><tuv xml:lang="de"><seg>Nur Deutsch</seg></tuv></tu>
  </body>
</tmx>
"""


def parse(text: str = TMX, **options):
    return TmxFormat().parse(text.encode("utf-8"), "test.tmx", FormatOptions(**options))


def test_registered_by_extension():
    assert isinstance(format_for("memory.TMX"), TmxFormat)
    assert isinstance(format_for("x.txt", "tmx"), TmxFormat)


def test_segments_tags_and_skipped_units():
    document = parse(target="en")
    assert [s.location for s in document.segments] == ["tu 1 (tuid 1)", "tu 2 (tuid 2)"]  # tu 3 has en-US
    coded = document.segments[1]
    assert coded.text == "مرحبا بالعالم والناس جميعا."
    by_id = {t.id: t for t in coded.tags}
    assert coded.text[by_id["pair1"].start : by_id["pair1"].end] == "بالعالم"
    assert coded.text[by_id["hi1"].start : by_id["hi1"].end] == "الناس جميعا"
    assert by_id["ph1"].paired is False and by_id["ph1"].start == coded.text.index("جميعا")
    overwrite = parse(target="en", overwrite_targets=True)
    assert [s.location for s in overwrite.segments] == ["tu 1 (tuid 1)", "tu 2 (tuid 2)", "tu 3 (tuid 3)"]


def test_identity_round_trip_adds_only_target_tuvs():
    document = parse(target="zh")
    out = document.render([identity(s) for s in document.segments], FormatOptions(target="zh")).decode("utf-8")
    # the only difference: a zh-CN tuv after the last tuv of tu 1, 2, 3 (no zh there) and the number-only tu 4,
    # indented as the Arabic tuv; the German-only tu is left alone
    added = re.findall(r'(?:\n *)?<tuv xml:lang="zh-CN">.*?</tuv>', out, flags=re.S)
    assert len(added) == 4 and added[0].startswith("\n      <tuv")
    assert re.sub(r'(?:\n *)?<tuv xml:lang="zh-CN">.*?</tuv>', "", out, flags=re.S) == TMX
    root = etree.fromstring(out.encode("utf-8"))
    for tu in root.iter("tu"):
        by_lang = {tuv.get(XML_LANG): tuv.find("seg") for tuv in tu.iter("tuv")}
        if "ar" in by_lang:  # the target seg is the Arabic one, codes and all
            assert etree.tostring(by_lang["zh-CN"]) == etree.tostring(by_lang["ar"], with_tail=False)
        else:
            assert "zh-CN" not in by_lang


def test_translation_with_moved_tags_and_language_convention():
    document = parse(target="en")
    first, coded = document.segments
    translations = [
        TranslatedSegment(first, "Monday news"),
        TranslatedSegment(
            coded, "Hello world and all people.", (Tag("pair1", 6, 11), Tag("hi1", 16, 26), Tag("ph1", 20, 20, False))
        ),
    ]
    out = document.render(translations, FormatOptions(target="en")).decode("utf-8")
    root = etree.fromstring(out.encode("utf-8"))
    segs = {tu.get("tuid"): {tuv.get(XML_LANG): tuv.find("seg") for tuv in tu.iter("tuv")} for tu in root.iter("tu")}
    assert "en" not in segs["3"] and segs["3"]["en-US"].text.startswith("Existing")  # left alone
    assert segs["1"]["en-US"].text == "Monday news"  # the file's spelling of English
    seg = segs["2"]["en-US"]
    assert etree.tostring(seg, encoding="unicode") == (
        '<seg>Hello <bpt i="1">&lt;b&gt;</bpt>world<ept i="1">&lt;/b&gt;</ept> and <hi type="x-it">all '
        '<ph x="1">&lt;br/&gt;</ph>people</hi>.</seg>'
    )
    assert segs["4"]["en-US"].text == "2024 - 15"


def test_overwrite_replaces_the_existing_target_in_place():
    document = parse(target="en", overwrite_targets=True)
    translations = [TranslatedSegment(s, f"T{k}", ()) for k, s in enumerate(document.segments)]
    out = document.render(translations, FormatOptions(target="en", overwrite_targets=True)).decode("utf-8")
    assert "Existing human translation" not in out
    assert (
        '<tu tuid="3">\n      <tuv xml:lang="ar">' in out
        and '<tuv xml:lang="en-US"><seg>T2</seg></tuv>\n    </tu>' in out
    )


def test_new_tuv_uses_lang_of_tmx_11_and_default_tag():
    old = TMX.replace('xml:lang="', 'lang="')
    document = parse(old, target="zh")
    out = document.render([identity(s) for s in document.segments], FormatOptions(target="zh")).decode("utf-8")
    assert out.count('<tuv lang="zh-CN">') == 4


BAD = {
    "external entity": (
        '<?xml version="1.0"?><!DOCTYPE tmx [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        '<tmx version="1.4"><header/><body><tu><tuv xml:lang="ar"><seg>&e;</seg></tuv></tu></body></tmx>',
        "entities",
    ),
    "bomb": (
        '<?xml version="1.0"?><!DOCTYPE tmx [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><tmx version="1.4"><header/><body><tu><tuv xml:lang="ar">'
        "<seg>&c;</seg></tuv></tu></body></tmx>",
        "entities",
    ),
    "malformed": (
        '<tmx version="1.4"><header/><body><tu><tuv xml:lang="ar"><seg>نص</tuv></tu></body></tmx>',
        "not well-formed",
    ),
    "no arabic": (
        '<tmx version="1.4"><header/><body><tu><tuv xml:lang="en"><seg>x</seg></tuv></tu></body></tmx>',
        "no <tu> has an Arabic <tuv>",
    ),
    "not tmx": ('<xliff version="1.2"><file/></xliff>', "not a TMX file"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_one_line_without_content(case):
    text, message = BAD[case]
    with pytest.raises(InputError) as error:
        TmxFormat().parse(text.encode("utf-8"), "bad.tmx", FormatOptions())
    assert message in str(error.value) and "\n" not in str(error.value)
    assert "root:" not in str(error.value) and "aaaaaaaaaa" not in str(error.value)


def test_utf16_file_stays_utf16():
    data = TMX.replace("UTF-8", "UTF-16").encode("utf-16")
    document = TmxFormat().parse(data, "u16.tmx", FormatOptions(target="en"))
    out = document.render([identity(s) for s in document.segments], FormatOptions(target="en"))
    assert out[:2] == data[:2] and re.search("en-US", out.decode("utf-16"))


def test_paired_codes_around_nothing_are_written_whole():
    """A displaced paired tag (an empty span) keeps its codes: an empty hi, a bpt/ept pair with nothing between."""
    document = parse(target="en")
    first, coded = document.segments
    translations = [
        TranslatedSegment(first, "x"),
        TranslatedSegment(
            coded,
            "Hello world.",
            (Tag("pair1", 0, 0), Tag("hi1", 5, 5), Tag("ph1", 12, 12, False)),
            displaced=("pair1", "hi1"),
        ),
    ]
    out = document.render(translations, FormatOptions(target="en")).decode("utf-8")
    tu = next(tu for tu in etree.fromstring(out.encode("utf-8")).iter("tu") if tu.get("tuid") == "2")
    seg = next(tuv for tuv in tu.iter("tuv") if tuv.get(XML_LANG) == "en-US").find("seg")
    assert etree.tostring(seg, encoding="unicode") == (
        '<seg><bpt i="1">&lt;b&gt;</bpt><ept i="1">&lt;/b&gt;</ept>Hello<hi type="x-it"/> world.'
        '<ph x="1">&lt;br/&gt;</ph></seg>'
    )


@pytest.mark.parametrize("code", ["ara", "arb", "ar-SA", "AR_sa", "ar"])
def test_arabic_tuv_found_by_the_same_language_rule_as_tm_import(tmp_path, code):
    """`mt translate x.tmx` and `mt tm import x.tmx` read one language-tag rule (mt.formats.language)."""
    from mt.memory.formats import read_tmx

    text = TMX.replace('xml:lang="ar"', f'xml:lang="{code}"')
    document = parse(text, target="en")
    assert [s.location for s in document.segments] == ["tu 1 (tuid 1)", "tu 2 (tuid 2)"]
    path = tmp_path / "m.tmx"
    path.write_text(text, encoding="utf-8")
    assert read_tmx(path).segments  # tu 3 (Arabic + en-US) is read by the TM import too
