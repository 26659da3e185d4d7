"""The DOCX format: segments from every part, the identity round trip, translations written back with their
formatting, direction and language, and every bad input refused. Documents are built by tests/docx_builder.py
from the seed article with python-docx (plus lxml for footnotes, endnotes, fields, bookmarks, a text box and
right-to-left settings) and read back with python-docx and lxml.

Most translations here are made by hand (a letter-for-letter transliteration, or an English sentence with its
tags placed by the test), so what is checked is the writer, not a model; the end-to-end tests at the bottom
translate with the tiny models and the seed glossary through Translator.translate_segments."""

from __future__ import annotations

import io
import re
import shutil
import struct
import subprocess
import tracemalloc
import zipfile
from collections import Counter
from pathlib import Path

import docx
import pytest
from lxml import etree

from mt.errors import InputError
from mt.formats import registry
from mt.formats.document import FormatOptions, Segment, Tag, TranslatedSegment, identity
from mt.formats.docx import DocxFormat, package as docx_package
from mt.formats.docx.language import east_asian_font
from mt.formats.docx.ooxml import RPR_ORDER
from mt.formats.docx.paragraph import read_paragraph, write_paragraph
from mt.glossary import Glossary
from mt.glossary.verify import concept_spans
from mt.pipeline import Translator
from tests import docx_builder as built
from tests.conftest import REPO

W = built.W
NS = {"w": W, "mc": built.NS["mc"]}
ARABIC = re.compile(r"[\u0600-\u06ff]")
TEXT_PARTS = [
    "word/document.xml",
    "word/header1.xml",
    "word/footer1.xml",
    "word/footnotes.xml",
    "word/endnotes.xml",
    "word/comments.xml",
]


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    return built.build(tmp_path_factory.mktemp("docx") / "report.docx")


def entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def xml(data: bytes, part: str) -> etree._Element:
    return etree.fromstring(entries(data)[part])


def transliterate(text: str) -> str:
    """Each Arabic character becomes one Latin letter: same length, so every tag keeps its offsets."""
    return "".join(chr(ord("a") + ord(char) % 26) if ARABIC.match(char) else char for char in text)


def by_transliteration(segment: Segment) -> TranslatedSegment:
    return TranslatedSegment(segment, transliterate(segment.text), segment.tags)


def placed(segment: Segment, text: str, spans: dict[str, str | int]) -> TranslatedSegment:
    """A hand translation: paired tags over the named words of ``text``, points at an offset or after a word."""
    tags = []
    for tag in segment.tags:
        where = spans[tag.id]
        if isinstance(where, int):
            tags.append(Tag(tag.id, where, where, tag.paired))
        else:
            start = text.index(where)
            end = start + len(where)
            tags.append(Tag(tag.id, start, end, True) if tag.paired else Tag(tag.id, end, end, False))
    return TranslatedSegment(segment, text, tuple(tags))


def tag_over(segment: Segment, prefix: str, words: str) -> str:
    """The id of the paired tag whose source text is ``words``."""
    found = [tag.id for tag in segment.tags if tag.id.startswith(prefix) and segment.text[tag.start : tag.end] == words]
    assert len(found) == 1, (prefix, words, segment.tags)
    return found[0]


# ---- reading -------------------------------------------------------------------------------------------------


def test_every_part_is_read_once_with_its_location(source):
    segments = DocxFormat().load(source, FormatOptions()).segments
    parts = [segment.location.rsplit(" p ", 1)[0] for segment in segments]
    assert sorted(set(parts)) == ["comments", "document", "endnotes", "footer1", "footnotes", "header1"]
    texts = [segment.text for segment in segments]
    assert texts.count(built.TEXT_BOX) == 1  # the VML fallback of the text box is not read twice
    assert [cell for row in built.CELLS for cell in row] == [t for t in texts if t in sum(built.CELLS, [])]
    assert built.HEADER in texts and built.COMMENT in texts
    assert any(built.FOOTNOTE in text for text in texts) and any(built.ENDNOTE in text for text in texts)
    assert len({segment.location for segment in segments}) == len(segments)
    assert all(ARABIC.search(text) for text in texts)


def test_a_paragraph_is_one_segment_across_its_runs(source):
    first = DocxFormat().load(source, FormatOptions()).segments[0]
    assert first.location == "document p 1"
    for words in (built.BOLD, built.ITALIC, built.UNDERLINED, built.COLOURED, built.LINKED, built.FIELD_RESULT):
        assert words in first.text
    # the bold words are two runs that differ only in rsid and language (a spell-check split): one tag
    assert tag_over(first, "fmt", built.BOLD)
    assert tag_over(first, "link", built.LINKED) and tag_over(first, "field", built.FIELD_RESULT)
    kinds = {re.sub(r"\d+$", "", tag.id) for tag in first.tags if not tag.paired}
    assert kinds == {"bookmarkStart", "bookmarkEnd", "footnoteReference", "endnoteReference"}
    assert "REF" not in first.text  # the field code is not text to translate
    start = next(tag for tag in first.tags if tag.id.startswith("bookmarkStart"))
    end = next(tag for tag in first.tags if tag.id.startswith("bookmarkEnd"))
    assert first.text[start.start : end.start] == built.BOOKMARKED


def test_a_line_break_reads_as_a_space(source):
    second = DocxFormat().load(source, FormatOptions()).segments[1]
    br = next(tag for tag in second.tags if tag.id.startswith("br"))
    assert second.text[br.start] == " " and second.text[: br.start] == "وبهذا الخصوص"


# ---- (a) identity -------------------------------------------------------------------------------------------


def test_identity_round_trip_keeps_every_part_byte_identical(source):
    data = source.read_bytes()
    document = DocxFormat().parse(data, str(source), FormatOptions())
    out = document.render([identity(segment) for segment in document.segments], FormatOptions())
    assert entries(out) == entries(data)  # every part, byte for byte, in the same order
    with zipfile.ZipFile(io.BytesIO(data)) as before, zipfile.ZipFile(io.BytesIO(out)) as after:
        assert [(i.filename, i.compress_type, i.date_time) for i in before.infolist()] == [
            (i.filename, i.compress_type, i.date_time) for i in after.infolist()
        ]
    # the one normalisation: the zip is written anew, so compressed bytes may differ from another zip writer's


def test_identity_with_a_target_rebuilds_runs_but_keeps_the_text_and_structure(source):
    data = source.read_bytes()
    document = DocxFormat().parse(data, str(source), FormatOptions())
    out = document.render([identity(segment) for segment in document.segments], FormatOptions(target="en"))
    before, after = docx.Document(io.BytesIO(data)), docx.Document(io.BytesIO(out))
    assert [p.text for p in after.paragraphs] == [p.text for p in before.paragraphs]
    bold = [run.text for run in after.paragraphs[0].runs if run.bold]
    assert bold == [built.BOLD]  # the spell-check split is one run now
    again = DocxFormat().parse(out, "out.docx", FormatOptions())
    assert [s.text for s in again.segments] == [s.text for s in document.segments]
    kinds = [[t.id[:4] for t in s.tags] for s in document.segments]
    assert [[t.id[:4] for t in s.tags] for s in again.segments] == kinds


# ---- (b) a translation placed by hand ------------------------------------------------------------------------

ENGLISH = (
    "On the same day AliExpress set a record, while e-commerce giants such as Alibaba, JD and Suning "
    "leapt in the shopping festival online. Hangzhou, 17 November 2016."
)


def english_first(segment: Segment) -> TranslatedSegment:
    spans: dict[str, str | int] = {
        tag_over(segment, "fmt", built.BOLD): "e-commerce",
        tag_over(segment, "fmt", built.ITALIC): "Alibaba",
        tag_over(segment, "fmt", built.UNDERLINED): "JD",
        tag_over(segment, "fmt", built.COLOURED): "Suning",
        tag_over(segment, "link", built.LINKED): "AliExpress",
        tag_over(segment, "field", built.FIELD_RESULT): "the shopping festival",
    }
    for tag in segment.tags:
        if tag.id.startswith("bookmarkStart"):
            spans[tag.id] = ENGLISH.index("Hangzhou")
        elif tag.id.startswith("bookmarkEnd"):
            spans[tag.id] = ENGLISH.index("Hangzhou") + len("Hangzhou")
        elif tag.id.startswith("footnoteReference"):
            spans[tag.id] = "record"
        elif tag.id.startswith("endnoteReference"):
            spans[tag.id] = len(ENGLISH)
    return placed(segment, ENGLISH, spans)


@pytest.fixture(scope="module")
def translated(source) -> dict[str, bytes]:
    data = source.read_bytes()
    document = DocxFormat().parse(data, str(source), FormatOptions())
    out = {}
    for target in ("en", "zh"):
        translations = [english_first(document.segments[0])]
        translations += [by_transliteration(segment) for segment in document.segments[1:]]
        out[target] = document.render(translations, FormatOptions(target=target))
    return out


@pytest.mark.parametrize("target", ["en", "zh"])
def test_structure_is_kept(source, translated, target):
    before, after = entries(source.read_bytes()), entries(translated[target])
    assert list(after) == list(before)
    changed = {name for name in before if before[name] != after[name]}
    assert changed == set(TEXT_PARTS) | {"word/styles.xml"}  # images, rels, content types, theme ... as read
    old, new = docx.Document(io.BytesIO(source.read_bytes())), docx.Document(io.BytesIO(translated[target]))
    assert len(new.paragraphs) == len(old.paragraphs)
    assert [[len(row.cells) for row in table.rows] for table in new.tables] == [
        [len(row.cells) for row in table.rows] for table in old.tables
    ]
    assert len(new.inline_shapes) == len(old.inline_shapes) == 1
    assert len(new.sections) == 1 and len(list(new.comments)) == 1
    for part in TEXT_PARTS:
        root = etree.fromstring(after[part])
        texts = "".join(root.xpath("//w:t/text()", namespaces=NS))
        assert not ARABIC.search(texts), part
        assert_run_properties_in_schema_order(root)
    assert_run_properties_in_schema_order(etree.fromstring(after["word/styles.xml"]))


def assert_run_properties_in_schema_order(root: etree._Element) -> None:
    """Word refuses a file whose w:rPr children are out of the schema's order (CT_RPr)."""
    for rpr in root.iter(f"{{{W}}}rPr"):
        names = [etree.QName(child).localname for child in rpr if etree.QName(child).namespace == W]
        ranks = [RPR_ORDER.index(name) for name in names]
        assert ranks == sorted(ranks) and len(set(names)) == len(names), names


@pytest.mark.parametrize("target", ["en", "zh"])
def test_formatting_lands_on_the_translated_words(translated, target):
    out = translated[target]
    first = docx.Document(io.BytesIO(out)).paragraphs[0]
    assert first.text == ENGLISH
    runs = [(run.text, run.bold, run.italic, run.underline, run.font.color.rgb) for run in first.runs if run.text]
    assert [text for text, bold, *_ in runs if bold] == ["e-commerce"]
    assert [text for text, _, italic, *_ in runs if italic] == ["Alibaba"]
    assert [text for text, _, _, underline, _ in runs if underline] == ["JD"]
    assert [str(colour) for text, *_, colour in runs if colour is not None] == ["C00000"]
    assert [text for text, *_, colour in runs if colour is not None] == ["Suning"]
    assert [(link.text, link.address) for link in first.hyperlinks] == [("AliExpress", "https://www.aliexpress.com/")]
    body = xml(out, "word/document.xml")
    paragraph = body.find(".//w:p", NS)
    sequence = [
        (etree.QName(e).localname, e.text or e.get(f"{{{W}}}fldCharType") or e.get(f"{{{W}}}name") or "")
        for e in paragraph.iter(
            f"{{{W}}}t",
            f"{{{W}}}instrText",
            f"{{{W}}}fldChar",
            f"{{{W}}}bookmarkStart",
            f"{{{W}}}bookmarkEnd",
            f"{{{W}}}footnoteReference",
        )
    ]
    field = sequence.index(("fldChar", "begin"))
    assert sequence[field : field + 5] == [
        ("fldChar", "begin"),
        ("instrText", " REF dateline \\h "),
        ("fldChar", "separate"),
        ("t", "the shopping festival"),
        ("fldChar", "end"),
    ]
    mark = sequence.index(("bookmarkStart", "dateline"))
    assert sequence[mark + 1 : mark + 3] == [("t", "Hangzhou"), ("bookmarkEnd", "")]
    note = sequence.index(("footnoteReference", ""))
    assert sequence[note - 1][1].endswith("set a record")


@pytest.mark.parametrize("target", ["en", "zh"])
def test_text_box_choice_and_fallback_say_the_same(translated, target):
    body = xml(translated[target], "word/document.xml")
    choice = "".join(body.xpath("//mc:Choice//w:txbxContent//w:t/text()", namespaces=NS))
    fallback = "".join(body.xpath("//mc:Fallback//w:txbxContent//w:t/text()", namespaces=NS))
    assert choice == fallback == transliterate(built.TEXT_BOX)


@pytest.mark.parametrize("target", ["en", "zh"])
def test_right_to_left_settings_become_left_to_right(source, translated, target):
    before, after = entries(source.read_bytes()), entries(translated[target])
    assert b"<w:bidi/>" in before["word/document.xml"] and b"<w:rtl/>" in before["word/document.xml"]
    for part in [*TEXT_PARTS, "word/styles.xml"]:
        root = etree.fromstring(after[part])
        for setting in (
            "w:pPr/w:bidi",
            "w:rPr/w:rtl",
            "w:rPr/w:cs",
            "w:rPr/w:bCs",
            "w:rPr/w:iCs",
            "w:tblPr/w:bidiVisual",
            "w:sectPr/w:bidi",
        ):
            assert not root.xpath(f"//{setting}", namespaces=NS), (part, setting)
    language = {"en": "en-US", "zh": "zh-CN"}[target]
    body = etree.fromstring(after["word/document.xml"])
    text_runs = body.xpath("//w:r[w:t]", namespaces=NS)
    assert text_runs and all(run.xpath("string(w:rPr/w:lang/@w:val)", namespaces=NS) == language for run in text_runs)
    assert not body.xpath("//w:lang/@w:bidi", namespaces=NS)
    italic = [run for run in text_runs if run.xpath("string(w:t)", namespaces=NS) == "Alibaba"]
    assert italic[0].find("w:rPr/w:i", NS) is not None  # w:iCs was the italic of the Arabic: it became w:i
    styles = etree.fromstring(after["word/styles.xml"])
    assert styles.xpath("string(//w:docDefaults//w:lang/@w:val)", namespaces=NS) == language
    assert styles.xpath("string(//w:style[@w:styleId='Normal']/w:rPr/w:lang/@w:val)", namespaces=NS) == language


def test_chinese_gets_an_east_asian_font_and_language(source, translated):
    theme = xml(source.read_bytes(), "word/theme/theme1.xml")
    font = east_asian_font(None, theme)
    assert (
        font
        == theme.xpath("string(//a:minorFont/a:font[@script='Hans']/@typeface)", namespaces={"a": built.NS["a"]})
        != ""
    )
    body = xml(translated["zh"], "word/document.xml")
    text_runs = body.xpath("//w:r[w:t]", namespaces=NS)
    assert all(run.xpath("string(w:rPr/w:rFonts/@w:eastAsia)", namespaces=NS) == font for run in text_runs)
    assert all(run.xpath("string(w:rPr/w:lang/@w:eastAsia)", namespaces=NS) == "zh-CN" for run in text_runs)
    styles = xml(translated["zh"], "word/styles.xml")
    # the defaults take the East Asian font from the theme (whose Simplified Chinese font is ``font``): kept so
    assert styles.xpath("string(//w:docDefaults//w:rFonts/@w:eastAsiaTheme)", namespaces=NS) == "minorEastAsia"
    assert styles.xpath("string(//w:docDefaults//w:lang/@w:eastAsia)", namespaces=NS) == "zh-CN"
    english = xml(translated["en"], "word/document.xml")
    assert not english.xpath("//w:rFonts/@w:eastAsia", namespaces=NS)


def test_east_asian_font_defaults_to_simsun():
    assert east_asian_font(None, None) == "SimSun"


def test_field_code_and_footer_page_field_are_untouched(source, translated):
    before, after = xml(source.read_bytes(), "word/footer1.xml"), xml(translated["en"], "word/footer1.xml")
    assert (
        after.xpath("//w:fldSimple/@w:instr", namespaces=NS)
        == before.xpath("//w:fldSimple/@w:instr", namespaces=NS)
        == [" PAGE "]
    )
    assert after.xpath("string(//w:fldSimple)", namespaces=NS) == "1"


def test_a_tag_the_translation_lost_is_kept_at_the_end(source):
    data = source.read_bytes()
    document = DocxFormat().parse(data, str(source), FormatOptions())
    second = document.segments[1]
    br = next(tag for tag in second.tags if tag.id.startswith("br"))
    translations = [identity(segment) for segment in document.segments]
    translations[1] = TranslatedSegment(second, "In this respect in this respect", (Tag(br.id, 15, 15, False),))
    out = document.render(translations, FormatOptions(target="en"))
    body = xml(out, "word/document.xml")
    assert len(body.xpath("//mc:AlternateContent", namespaces=NS)) == 1  # the text box is not dropped
    assert DocxFormat().parse(out, "out.docx", FormatOptions()).segments[1].text == "In this respect in this respect"


def test_render_refuses_translations_that_do_not_match(source):
    document = DocxFormat().load(source, FormatOptions())
    with pytest.raises(ValueError):
        document.render([identity(segment) for segment in document.segments[1:]], FormatOptions())


def test_registry_picks_docx_by_extension():
    assert isinstance(registry.format_for("Report.DOCX"), DocxFormat)
    assert registry.format_for("notes.txt") is None
    assert "docx" in registry.format_names()


# ---- (d) bad input -------------------------------------------------------------------------------------------

SECRET = "SECRET-CONTENT-42"


def rezip(data: bytes, changes: dict[str, bytes | None]) -> bytes:
    """The package with parts replaced, added or (None) removed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as before, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as after:
        for info in before.infolist():
            if info.filename in changes:
                if changes[info.filename] is not None:
                    after.writestr(info.filename, changes[info.filename])
            else:
                after.writestr(info, before.read(info))
        for name, content in changes.items():
            if name not in before.namelist() and content is not None:
                after.writestr(name, content)
    return out.getvalue()


def corrupt(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 20
    return data[:start] + bytes(b ^ 0xFF for b in data[start : start + 40]) + data[start + 40 :]


def _entity_part() -> bytes:
    return (
        f'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY e SYSTEM "file:///etc/passwd">'
        f'<!ENTITY s "{SECRET}">]><w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>&e;&s;</w:t></w:r></w:p>'
        f"</w:body></w:document>"
    ).encode()


def _content_type(data: bytes, main: bytes) -> bytes:
    types = entries(data)["[Content_Types].xml"]
    return rezip(data, {"[Content_Types].xml": types.replace(b"wordprocessingml.document.main+xml", main)})


def _strict(data: bytes) -> bytes:
    """The package as Word saves it in Strict Open XML: the Strict namespaces and relationship types."""
    changes = {}
    for name, content in entries(data).items():
        if name.endswith((".xml", ".rels")):
            content = content.replace(
                b"http://schemas.openxmlformats.org/wordprocessingml/2006/main",
                b"http://purl.oclc.org/ooxml/wordprocessingml/main",
            )
            changes[name] = content.replace(
                b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                b"http://purl.oclc.org/ooxml/officeDocument/relationships",
            )
    return rezip(data, changes)


BAD_INPUTS = {  # case: (the file made from the good one, what the message says)
    "text file": (lambda data: f"{SECRET}\n".encode(), "not a DOCX file (a text file"),
    "pdf renamed": (lambda data: b"%PDF-1.7\n" + SECRET.encode(), "not a DOCX file (a PDF"),
    "old doc": (lambda data: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + SECRET.encode(), "an OLE file"),
    "empty": (lambda data: b"", "an empty file"),
    "truncated": (lambda data: data[: len(data) // 2], "corrupt or truncated DOCX"),
    "corrupt": (corrupt, "corrupt or truncated DOCX"),
    "docm by macros": (lambda data: rezip(data, {"word/vbaProject.bin": SECRET.encode()}), "macro-enabled"),
    "docm by content type": (
        lambda data: _content_type(data, b"wordprocessingml.document.macroEnabled.main+xml"),
        "macro-enabled",
    ),
    "entities": (lambda data: rezip(data, {"word/document.xml": _entity_part()}), "declares XML entities"),
    "entities in another part": (
        lambda data: rezip(data, {"word/settings.xml": _entity_part()}),
        "declares XML entities",
    ),
    "no document": (lambda data: rezip(data, {"word/document.xml": None}), "no main part word/document.xml"),
    "workbook": (lambda data: _content_type(data, b"spreadsheetml.sheet.main+xml"), "not a Word document"),
    "bomb": (lambda data: rezip(data, {"word/media/bomb.bin": bytes(20 * 1024 * 1024)}), "zip bomb"),
    "strict": (lambda data: _strict(data), "Strict Open XML document"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_one_line_and_leaks_nothing(source, tmp_path, case):
    make, expected = BAD_INPUTS[case]
    data = make(source.read_bytes())
    path = tmp_path / "bad.docx"
    path.write_bytes(data)
    with pytest.raises(InputError) as caught:
        DocxFormat().load(path, FormatOptions())
    message = str(caught.value)
    assert expected in message and message.startswith(str(path))
    assert "\n" not in message and SECRET not in message and "passwd" not in message
    assert list(tmp_path.iterdir()) == [path]  # nothing written


def test_declared_sizes_are_capped_before_reading(source, monkeypatch):
    data = source.read_bytes()
    total = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist())
    monkeypatch.setattr(docx_package, "MAX_TOTAL_BYTES", total - 1)
    with pytest.raises(InputError, match="zip bomb"):
        DocxFormat().parse(data, "big.docx", FormatOptions())
    monkeypatch.setattr(docx_package, "MAX_TOTAL_BYTES", total)
    assert DocxFormat().parse(data, "big.docx", FormatOptions()).segments


# ---- (c) end to end with the tiny models --------------------------------------------------------------------

FAST = {"max_length_ratio": 0.5, "max_length_extra": 4}


@pytest.fixture(scope="module")
def seed_glossary() -> Glossary:
    return Glossary.load(REPO / "glossaries" / "ecommerce.tsv")


@pytest.fixture(scope="module")
def model_output(source, tiny_ar_en, tiny_en_zh, seed_glossary) -> dict[str, tuple[list, bytes]]:
    """The test document translated by the tiny random models (ar->en, and the pivot to zh) with the seed
    glossary: what the model writes is noise, what is checked is what the document path keeps."""
    translator = Translator(
        {"ar-en": str(tiny_ar_en), "en-zh": str(tiny_en_zh)}, glossary=seed_glossary, beam_size=1, **FAST
    )
    document = DocxFormat().load(source, FormatOptions())
    out = {}
    for target in ("en", "zh"):
        translations = translator.translate_segments(document.segments, to=target)
        out[target] = (translations, document.render(translations, FormatOptions(target=target)))
    return out


@pytest.mark.parametrize("target", ["en", "zh"])
def test_end_to_end_keeps_structure_and_leaves_no_arabic(source, model_output, target):
    _, out = model_output[target]
    before, after = entries(source.read_bytes()), entries(out)
    assert list(after) == list(before)
    assert {name for name in before if before[name] != after[name]} == set(TEXT_PARTS) | {"word/styles.xml"}
    old, new = docx.Document(io.BytesIO(source.read_bytes())), docx.Document(io.BytesIO(out))
    assert len(new.paragraphs) == len(old.paragraphs)
    assert [[len(row.cells) for row in table.rows] for table in new.tables] == [
        [len(row.cells) for row in table.rows] for table in old.tables
    ]
    assert len(new.inline_shapes) == 1 and len(list(new.comments)) == 1
    assert [link.address for link in new.paragraphs[0].hyperlinks] == ["https://www.aliexpress.com/"]
    for part in TEXT_PARTS:  # the generated models never write Arabic: none is left anywhere
        root = etree.fromstring(after[part])
        assert not ARABIC.search("".join(root.xpath("//w:t/text()", namespaces=NS))), part
    body = etree.fromstring(after["word/document.xml"])
    for kept in (
        "//w:bookmarkStart[@w:name='dateline']",
        "//w:bookmarkEnd",
        "//w:footnoteReference",
        "//w:endnoteReference",
        "//w:commentRangeStart",
        "//w:commentRangeEnd",
        "//w:commentReference",
        "//w:br",
        "//mc:AlternateContent/mc:Choice",
        "//mc:AlternateContent/mc:Fallback",
        "//w:drawing",
    ):
        assert body.xpath(kept, namespaces=NS), kept
    assert body.xpath("//w:instrText/text()", namespaces=NS) == [" REF dateline \\h "]
    choice = "".join(body.xpath("//mc:Choice//w:txbxContent//w:t/text()", namespaces=NS))
    assert choice and choice == "".join(body.xpath("//mc:Fallback//w:txbxContent//w:t/text()", namespaces=NS))
    assert not body.xpath("//w:pPr/w:bidi | //w:rPr/w:rtl", namespaces=NS)


@pytest.mark.parametrize("target", ["en", "zh"])
def test_end_to_end_every_glossary_term_is_in_the_document(source, model_output, seed_glossary, target):
    translations, out = model_output[target]
    written = {segment.location: segment.text for segment in DocxFormat().parse(out, "out", FormatOptions()).segments}
    # every paragraph says what the model wrote, none is left in Arabic (checked above)
    assert set(written) == {translation.segment.location for translation in translations}
    checked = 0
    for translation in translations:
        assert translation.text != translation.segment.text
        matches = [m for m in seed_glossary.match(translation.segment.text) if m.concept.targets(target)]
        expected = Counter(m.concept.id for m in matches)
        text = written[translation.segment.location]
        # what was translated is what the document says (a line break reads back as a space: spaces aside)
        assert text.split() == translation.text.split() or "".join(text.split()) == "".join(translation.text.split())
        found = concept_spans(text, {m.concept.id: m.concept for m in matches}, target, expected)
        for concept_id, count in expected.items():
            assert len(found[concept_id]) >= count, (concept_id, text)
            checked += count
    assert checked >= 8  # the seed's names: Hangzhou, e-commerce, Alibaba (bold, italic, linked across tags) ...


# ---- the CLI -------------------------------------------------------------------------------------------------


def test_cli_translates_a_docx_with_a_report(run_cli, fast_tiny, tmp_path):
    import json

    document = docx.Document()
    paragraph = document.add_paragraph(built.ARTICLE[0].split("،")[0] + " ")
    paragraph.add_run(built.ITALIC).bold = True
    document.add_table(rows=1, cols=1).rows[0].cells[0].text = built.CELLS[0][1]
    document.sections[0].header.paragraphs[0].text = built.HEADER
    source = tmp_path / "report.docx"
    document.save(str(source))
    (tmp_path / "out").mkdir()
    report = tmp_path / "review.jsonl"
    code, _, err = run_cli(
        "translate", source, "--to", "en", "-o", tmp_path / "out", "--report", report, "-q", *fast_tiny
    )
    assert code == 0, err
    out = tmp_path / "out" / "report.en.docx"
    translated = docx.Document(str(out))
    assert len(translated.paragraphs) == 1 and len(translated.tables) == 1
    assert [run.text for run in translated.paragraphs[0].runs if run.bold]  # the bold run is still there
    rows = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    assert [row["location"] for row in rows] == ["document p 1", "document p 2", "header1 p 1"]
    assert rows[2]["source"] == built.HEADER and all(row["translation"] for row in rows)
    written = {s.location: s.text for s in DocxFormat().load(out, FormatOptions()).segments}
    assert [written[row["location"]].split() for row in rows] == [row["translation"].split() for row in rows]


@pytest.mark.parametrize("case", ["pdf renamed", "docm by macros", "truncated", "entities"])
def test_cli_bad_docx_is_one_line_and_writes_nothing(run_cli, fast_tiny, source, tmp_path, case):
    make, expected = BAD_INPUTS[case]
    bad = tmp_path / "bad.docx"
    bad.write_bytes(make(source.read_bytes()))
    out = tmp_path / "out.docx"
    code, stdout, err = run_cli("translate", bad, "--to", "en", "-o", out, *fast_tiny)
    assert code == 1 and expected in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err and SECRET not in err + stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.docx"]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_the_translations(translated, tmp_path):
    for target, data in translated.items():
        (tmp_path / f"report.{target}.docx").write_bytes(data)
    run = subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            "txt:Text",
            "--outdir",
            str(tmp_path / "txt"),
            str(tmp_path / "report.en.docx"),
            str(tmp_path / "report.zh.docx"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    for target in translated:
        text = (tmp_path / "txt" / f"report.{target}.txt").read_text(encoding="utf-8-sig")
        assert ENGLISH.replace("record", "record1") in text  # the footnote mark follows "record"
        assert transliterate(built.CELLS[1][1]) in text and not ARABIC.search(text)


# ---- one paragraph, read and rebuilt ------------------------------------------------------------------------


def paragraph(inner: str) -> etree._Element:
    return etree.fromstring(f"<w:p {built.DECLARATIONS}><w:pPr><w:bidi/></w:pPr>{inner}</w:p>")


def rebuilt(element: etree._Element, text: str, spans: dict[str, str | int]) -> etree._Element:
    model = read_paragraph(element, "test p 1")
    write_paragraph(model, placed(model.segment, text, spans))
    return element


def shape(element: etree._Element) -> list[tuple]:
    """The paragraph as (element, text or attribute) in document order, runs' properties left out."""
    out = []
    for node in element.iter():
        name = etree.QName(node).localname
        if name in ("t", "delText", "instrText"):
            out.append((name, node.text))
        elif name in (
            "hyperlink",
            "sdt",
            "sdtContent",
            "bookmarkStart",
            "bookmarkEnd",
            "del",
            "fldChar",
            "b",
            "drawing",
        ):
            out.append((name, node.get(f"{{{W}}}fldCharType") or node.get(f"{{{W}}}name") or ""))
    return out


def test_bold_inside_a_link_nests_in_it_and_moves_with_it():
    link = '<w:rPr><w:rStyle w:val="Hyperlink"/></w:rPr>'
    element = paragraph(
        f'<w:hyperlink r:id="rId5"><w:r>{link}<w:t xml:space="preserve">علي </w:t></w:r>'
        f'<w:r><w:rPr><w:rStyle w:val="Hyperlink"/><w:b/></w:rPr><w:t>بابا</w:t></w:r></w:hyperlink>'
        f'<w:r><w:t xml:space="preserve"> في الصين</w:t></w:r>'
    )
    segment = read_paragraph(element, "test p 1").segment
    assert segment.text == "علي بابا في الصين"
    assert [(t.id, t.start, t.end) for t in segment.tags] == [("link1", 0, 8), ("fmt2", 4, 8)]
    rebuilt(element, "In China, Ali Baba", {"link1": "Ali Baba", "fmt2": "Baba"})
    assert shape(element) == [("t", "In China, "), ("hyperlink", ""), ("t", "Ali "), ("b", ""), ("t", "Baba")]
    assert element.find("w:hyperlink", NS).get(f"{{{built.NS['r']}}}id") == "rId5"
    runs = element.findall("w:hyperlink/w:r", NS)
    assert [run.find("w:rPr/w:rStyle", NS).get(f"{{{W}}}val") for run in runs] == ["Hyperlink", "Hyperlink"]
    assert element.find("w:pPr/w:bidi", NS) is not None  # paragraph properties are the format's, not the writer's


def test_a_point_stays_inside_the_tag_it_was_in_while_that_tag_covers_it():
    element = paragraph(
        '<w:hyperlink w:anchor="x"><w:bookmarkStart w:id="1" w:name="here"/><w:r><w:t>كلمة</w:t>'
        '</w:r></w:hyperlink><w:r><w:t xml:space="preserve"> أخرى</w:t></w:r>'
    )
    segment = read_paragraph(element, "test p 1").segment
    assert [(t.id, t.start) for t in segment.tags] == [("link1", 0), ("bookmarkStart2", 0)]
    rebuilt(element, "word other", {"link1": "word", "bookmarkStart2": 0})
    assert shape(element) == [("hyperlink", ""), ("bookmarkStart", "here"), ("t", "word"), ("t", " other")]


def test_a_field_cut_by_the_paragraph_end_keeps_its_characters_together_and_in_order():
    element = paragraph(
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> TOC \\o </w:instrText>'
        '</w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>مقدمة</w:t></w:r>'
    )
    segment = read_paragraph(element, "test p 1").segment
    assert segment.text == "مقدمة" and [t.id for t in segment.tags] == ["fieldpart1"]
    rebuilt(element, "Introduction", {"fieldpart1": 0})
    assert shape(element) == [
        ("fldChar", "begin"),
        ("instrText", " TOC \\o "),
        ("fldChar", "separate"),
        ("t", "Introduction"),
    ]


def test_an_inline_content_control_keeps_its_properties():
    element = paragraph(
        '<w:r><w:t xml:space="preserve">الاسم: </w:t></w:r><w:sdt><w:sdtPr><w:alias w:val="Name"/>'
        "</w:sdtPr><w:sdtContent><w:r><w:t>علي</w:t></w:r></w:sdtContent></w:sdt>"
    )
    segment = read_paragraph(element, "test p 1").segment
    assert [t.id for t in segment.tags] == ["sdt1"]
    rebuilt(element, "Name: Ali", {"sdt1": "Ali"})
    assert shape(element) == [("t", "Name: "), ("sdt", ""), ("sdtContent", ""), ("t", "Ali")]
    assert element.find("w:sdt/w:sdtPr/w:alias", NS).get(f"{{{W}}}val") == "Name"


def test_tracked_deletions_and_empty_links_are_kept_as_they_are():
    element = paragraph(
        '<w:r><w:t xml:space="preserve">نص </w:t></w:r><w:del w:id="3" w:author="A">'
        '<w:r><w:delText>قديم</w:delText></w:r></w:del><w:hyperlink r:id="rId9"><w:r><w:drawing/>'
        "</w:r></w:hyperlink><w:r><w:t>جديد</w:t></w:r>"
    )
    segment = read_paragraph(element, "test p 1").segment
    assert segment.text == "نص جديد" and [t.id for t in segment.tags] == ["del1", "hyperlink2"]
    rebuilt(element, "new text", {"del1": 4, "hyperlink2": 4})
    assert shape(element) == [
        ("t", "new "),
        ("del", ""),
        ("delText", "قديم"),
        ("hyperlink", ""),
        ("drawing", ""),
        ("t", "text"),
    ]


def test_tags_that_cross_are_cut_to_nest_and_no_text_is_lost():
    element = paragraph(
        '<w:r><w:rPr><w:b/></w:rPr><w:t>واحد</w:t></w:r><w:r><w:t xml:space="preserve"> </w:t>'
        '</w:r><w:hyperlink r:id="rId2"><w:r><w:t>اثنان</w:t></w:r></w:hyperlink>'
        '<w:r><w:t xml:space="preserve"> ثلاثة</w:t></w:r>'
    )
    model = read_paragraph(element, "test p 1")
    fmt, link = model.segment.tags
    text = "one two three"
    write_paragraph(model, TranslatedSegment(model.segment, text, (Tag(fmt.id, 0, 7), Tag(link.id, 4, 13))))
    assert "".join(element.xpath(".//w:t/text()", namespaces=NS)) == text
    again = read_paragraph(element, "test p 1").segment
    assert again.text == text and {t.id[:3] for t in again.tags} == {"fmt", "lin"}


def test_a_part_that_lies_about_its_size_is_read_no_further_than_declared(source):
    """A bomb that declares a small size in both zip headers: zipfile stops at the declared size and the CRC
    check fails, so the 20 MB behind it are never held in memory."""
    data = bytearray(rezip(source.read_bytes(), {"word/media/bomb.bin": bytes(20 * 1024 * 1024)}))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("word/media/bomb.bin")
        central = archive.start_dir
    struct.pack_into("<I", data, info.header_offset + 22, 1000)  # the local header's size
    while data[central : central + 4] == b"PK\x01\x02":  # the central directory's
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, central + 28)
        if data[central + 46 : central + 46 + name_length] == b"word/media/bomb.bin":
            struct.pack_into("<I", data, central + 24, 1000)
        central += 46 + name_length + extra_length + comment_length
    liar = bytes(data)
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="corrupt or truncated DOCX"):
            DocxFormat().parse(liar, "liar.docx", FormatOptions())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024, peak
