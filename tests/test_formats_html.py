"""HTML documents (mt.formats.html): a page of the seed article with scripts, styles, code/pre, translate="no",
translatable attributes, nested inline elements, entities, comments and RTL (tests/data/html/seed.html). The
identity translation gives the input byte for byte; hand-placed translations land with their markup, attributes
escaped, lang/dir switched and untouched parts untouched; bad input is one line."""

from __future__ import annotations

import html
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from mt.errors import InputError
from mt.formats.document import FormatOptions, Tag, TranslatedSegment, identity
from mt.formats.html import HtmlFormat
from mt.formats.registry import format_for

PAGE = Path(__file__).parent / "data" / "html" / "seed.html"
ARABIC = re.compile(r"[\u0600-\u06FF]")
UNTOUCHED = [
    "<style>p { color: red; }</style>",
    '<script>var s = "<p>لا تترجم</p>";</script>',
    "<pre>لا تترجم هذا</pre>",
    '<div translate="no">علي اكسبريس</div>',
    "<code>ls -l</code>",
    '<span translate="no">Tarjama</span>',
    "<!-- a comment -->",
    "<!-- note -->",
]


def load(path: Path = PAGE, **options):
    return HtmlFormat().load(path, FormatOptions(**options))


def by_location(document) -> dict[str, object]:
    return {s.location: s for s in document.segments}


class Elements(HTMLParser):
    """The start tags of a page, in order, with their attributes (a check independent of mt.formats.html)."""

    def __init__(self, text: str):
        super().__init__()
        self.starts: list[tuple[str, dict]] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.starts.append((tag, dict(attrs)))


# -- reading ---------------------------------------------------------------------------------------------------


def test_segments_text_attributes_and_untouched_parts():
    document = load()
    texts = [s.text for s in document.segments]
    assert "مهرجان الشراء على الانترنت & علي بابا" in texts  # meta description, &amp; decoded
    assert "التجارة الالكترونية" in texts and "عنوان المقال" in texts  # <title>, a title attribute
    assert {"موقع علي بابا", "صورة الشعار", "ابحث هنا", "بحث"} <= set(texts)  # title, alt, placeholder, aria-label
    assert "كل النص عريض" in texts  # <strong> around the whole paragraph stays outside the segment
    joined = "\n".join(texts)
    for kept in ("لا تترجم", "علي اكسبريس", "ls -l", "Tarjama", "color", "note"):
        assert kept not in joined
    paragraph = next(s for s in document.segments if s.text.startswith("شهد عمالقة"))
    assert "\n" not in paragraph.text and "كبيرة. قال" in paragraph.text  # a line break inside <p>: one space
    assert "<البروفسور>" in paragraph.text and "وجينغدونغ\xa0وسونينغ" in paragraph.text  # references decoded
    spans = {paragraph.text[t.start : t.end] for t in paragraph.tags if t.paired}
    assert spans == {"التجارة الالكترونية", "الالكترونية", "علي بابا"}  # <b>, <i> inside it, <a>
    assert sum(not t.paired for t in paragraph.tags) == 2  # <br> and the inline <code>
    item = next(s for s in document.segments if s.text.startswith("دعا"))
    assert "— © 2016" in item.text and item.text.count("  ") == 1  # the comment's place between two spaces


def test_identity_round_trip_is_byte_identical():
    data = PAGE.read_bytes()
    document = load()
    assert document.render([identity(s) for s in document.segments], FormatOptions()) == data


def test_identity_to_english_changes_only_lang_and_dir():
    data = PAGE.read_text(encoding="utf-8")
    document = load()
    out = document.render([identity(s) for s in document.segments], FormatOptions(target="en")).decode()
    assert out == data.replace('<html lang="ar" dir="rtl">', '<html lang="en" dir="ltr">').replace(
        '<p dir="rtl">', '<p dir="ltr">'
    )


def test_html_without_lang_gets_one():
    data = "<html><body><p>مرحبا بكم</p></body></html>".encode()
    document = HtmlFormat().parse(data, "a.html", FormatOptions())
    out = document.render([TranslatedSegment(s, "Welcome") for s in document.segments], FormatOptions(target="zh"))
    assert out == b'<html lang="zh"><body><p>Welcome</p></body></html>'


# -- hand-placed translations ------------------------------------------------------------------------------------


def english(document) -> list[TranslatedSegment]:
    """Translations written by hand, tags at the English words."""
    out = []
    for segment in document.segments:
        if segment.text.startswith("شهد عمالقة"):
            text = "Giants of e-commerce such as Alibaba & JD leapt. Wang Jian said <professor> that  works."
            at = text.index
            tags = (
                Tag("t1", at("e-com"), at(" such")),
                Tag("t2", at("commerce"), at(" such")),
                Tag("t3", at("Alibaba"), at(" & JD")),
                Tag("t4", at(" Wang"), at(" Wang"), False),
                Tag("t5", at("  works") + 1, at("  works") + 1, False),
            )
            out.append(TranslatedSegment(segment, text, tags))
        elif segment.text.startswith("دعا"):
            text = "Jack Ma, chairman of Alibaba, called for a global e-commerce platform — © 2016"
            ids = {t.id: t for t in segment.tags}
            at = text.index
            tags = (
                Tag(ids["t1"].id, 0, 7),
                Tag(ids["t2"].id, at("Alibaba"), at(", called")),
                Tag(ids["t3"].id, at("Alibaba"), at("baba")),
                Tag(ids["t4"].id, at("— ©"), at("— ©"), False),
            )
            out.append(TranslatedSegment(segment, text, tags))
        elif segment.text.startswith("استخدم"):
            out.append(TranslatedSegment(segment, "Use  now", (Tag("t1", 4, 4, False),)))
        else:
            out.append(TranslatedSegment(segment, f'EN "{len(out)}" & more', ()))
    return out


def test_translation_keeps_markup_untouched_parts_and_escapes():
    document = load()
    out = document.render(english(document), FormatOptions(target="en")).decode()
    source = PAGE.read_text(encoding="utf-8")
    for kept in UNTOUCHED:
        assert out.count(kept) == source.count(kept) == 1, kept
    assert not ARABIC.search(re.sub("|".join(map(re.escape, UNTOUCHED)), "", out))
    assert '<b>e-<i>commerce</i></b> such as <a href="https://example.com/?a=1&amp;b=2" title="EN' in out
    assert "Alibaba</a> &amp; JD leapt.<br> Wang" in out  # & escaped; the <a> closes after its word
    assert "said &lt;professor&gt; that <code>ls -l</code> works." in out  # written as the source wrote < and >
    assert '<em>Jack Ma</em>, chairman of <a href="/alibaba"><strong>Ali</strong>baba</a>' in out
    assert "platform <!-- note -->&#8212; &copy; 2016</li>" in out  # the source's references, and the comment
    assert '<p dir="ltr">Use <span translate="no">Tarjama</span> now <img src="x.png" alt="EN' in out
    starts = Elements(out).starts
    assert [name for name, _ in starts] == [name for name, _ in Elements(source).starts]  # same outline
    attributes = {(name, key): value for name, attrs in starts for key, value in attrs.items()}
    assert attributes[("html", "lang")] == "en" and attributes[("html", "dir")] == "ltr"
    assert re.fullmatch(r'EN "\d+" & more', attributes[("meta", "content")])  # quotes escaped, read back whole
    assert re.fullmatch(r'EN "\d+" & more', attributes[("input", "aria-label")])  # single-quoted value
    assert "&quot;" in out and "&#39;" not in out


def test_legacy_encoding_declared_in_meta_and_chinese_as_references():
    page = (
        '<html lang="ar"><head><meta charset="windows-1256"><title>التجارة</title></head>'
        "<body><p>علي بابا &amp; سونينغ</p></body></html>"
    )
    data = page.encode("cp1256")
    document = HtmlFormat().parse(data, "legacy.html", FormatOptions())
    assert [s.text for s in document.segments] == ["التجارة", "علي بابا & سونينغ"]
    assert document.render([identity(s) for s in document.segments], FormatOptions()) == data
    out = document.render(
        [TranslatedSegment(s, "阿里巴巴 & 苏宁") for s in document.segments], FormatOptions(target="zh")
    )
    assert out == (
        b'<html lang="zh"><head><meta charset="windows-1256"><title>&#38463;&#37324;&#24052;&#24052; '
        b"&amp; &#33487;&#23425;</title></head><body><p>&#38463;&#37324;&#24052;&#24052; &amp; "
        b"&#33487;&#23425;</p></body></html>"
    )


def test_legacy_encoding_without_declaration_needs_the_option():
    data = "<p>علي بابا</p>".encode("cp1256")
    with pytest.raises(InputError, match="not valid UTF-8 at byte 3; .* --encoding"):
        HtmlFormat().parse(data, "legacy.html", FormatOptions())
    document = HtmlFormat().parse(data, "legacy.html", FormatOptions(encoding="cp1256"))
    assert [s.text for s in document.segments] == ["علي بابا"]


# -- bad input ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, message",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "not an HTML file: it holds binary data"),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + bytes(range(256)), "binary data"),
        (
            '<?xml version="1.0"?><xliff version="1.2"><file><body><trans-unit id="1"><source>مرحبا</source>'
            "</trans-unit></body></file></xliff>".encode(),
            r"no HTML element found \(its first element is <xliff>\)",
        ),
        (b'<html><meta charset="klingon"><p>x</p></html>', "unknown encoding 'klingon'"),
    ],
    ids=["png", "zip", "xliff-named-html", "unknown-charset"],
)
def test_bad_input_is_one_line_without_content(tmp_path, data, message):
    path = tmp_path / "page.html"
    path.write_bytes(data)
    fmt = format_for(path)
    assert isinstance(fmt, HtmlFormat)
    with pytest.raises(InputError, match=message) as caught:
        fmt.load(path, FormatOptions())
    assert "\n" not in str(caught.value) and str(path) in str(caught.value) and "مرحبا" not in str(caught.value)


# -- end to end with the tiny models -----------------------------------------------------------------------------

GLOSSARY = Path(__file__).parent.parent / "glossaries" / "ecommerce.tsv"


@pytest.mark.parametrize("to", ["en", "zh"])
def test_cli_translates_the_page_with_markup_terms_and_no_arabic(run_cli, fast_tiny, tmp_path, to):
    import json

    from mt.glossary import Glossary

    out, report = tmp_path / f"seed.{to}.html", tmp_path / "report.jsonl"
    code, _, err = run_cli(
        "translate", PAGE, "--to", to, "-o", out, "--glossary", GLOSSARY, "--report", report, "-q", *fast_tiny
    )
    assert code == 0, err
    source, translated = PAGE.read_text(encoding="utf-8"), out.read_text(encoding="utf-8")
    for kept in UNTOUCHED:
        assert translated.count(kept) == 1, kept
    rest = re.sub("|".join(map(re.escape, UNTOUCHED)), "", translated)
    assert not ARABIC.search(rest)  # the generated models never write Arabic (mt.testing)
    for segment in load().segments:
        assert segment.text not in rest and html.escape(segment.text, quote=False) not in rest
    before, after = Elements(source).starts, Elements(translated).starts
    assert after[0] == ("html", {"lang": to, "dir": "ltr"})
    translatable = {"title", "alt", "placeholder", "aria-label", "content", "lang", "dir"}

    def outline(starts):  # every element once, with its attributes other than the translatable ones
        return sorted(
            (name, sorted((k, v if k not in translatable else "") for k, v in attrs.items())) for name, attrs in starts
        )

    assert outline(after) == outline(before)  # the same elements (inline ones may move with their words)
    rows = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    assert [r["location"] for r in rows] == [s.location for s in load().segments]
    glossary = Glossary.load(GLOSSARY)
    terms = [(t, r["translation"]) for r in rows for t in r["terms"]]
    assert len(terms) >= 3
    for term, translation in terms:
        assert any(form in translation for form in glossary.get(term["concept"]).targets(to)), (term, translation)
        assert any(form in translated for form in glossary.get(term["concept"]).targets(to))


# -- messy pages and the tag tree -----------------------------------------------------------------------------------

MESSY = [
    "<p>قال <b>وانغ <i>جيان</b> البروفسور</i> في بكين<p>فقرة بلا إغلاق<li>بند أول<li>بند ثان",
    "<body>\n<script>if (a < b && c) { x = '</p>'; }</script>نص <br/>بعد السكربت <img src=a.png alt=شعار>\n",
    "<div>علي بابا <a href=x title='عنوان &quot;مقتبس&quot;'>رابط</a></span> وجينغدونغ</div><!-- c -->"
    "<p>&#1575;&#x644;&amp;</p>",
    "<P CLASS=x>نص بأحرف كبيرة <B>عريض</B></P><TEXTAREA>لا تترجم</TEXTAREA><p>نص <b>غير مغلق</p>",
]


@pytest.mark.parametrize("page", MESSY, ids=["misnested", "script-and-void", "quotes-and-refs", "upper-case"])
def test_messy_pages_round_trip_and_translate(page):
    data = page.encode()
    document = HtmlFormat().parse(data, "messy.html", FormatOptions())
    assert document.segments
    assert document.render([identity(s) for s in document.segments], FormatOptions()) == data
    # every tag put empty at the start of its translation: the markup stays, the Arabic goes
    translations = [
        TranslatedSegment(s, f"T{i} <&>", tuple(Tag(t.id, 0, 0, t.paired) for t in s.tags))
        for i, s in enumerate(document.segments)
    ]
    out = document.render(translations, FormatOptions(target="en")).decode()
    assert not ARABIC.search(out.replace("لا تترجم", "")), out
    assert all(
        f"T{i} &lt;&amp;>" in out or f"T{i} <&amp;>" in out  # in text; in an attribute value
        for i in range(len(translations))
    )
    assert Counter(re.findall(r"</?[a-zA-Z]+", out)) == Counter(re.findall(r"</?[a-zA-Z]+", page))


def test_tag_tree_keeps_source_order_at_shared_offsets_and_cuts_overlaps():
    from mt.formats.tagtree import Node, SourceOrder, build_tree

    def shape(node: Node) -> str:
        return "".join(c if isinstance(c, str) else f"[{c.tag.id}:{shape(c)}]" for c in node.children)

    tags = (Tag("g", 0, 4), Tag("x", 0, 0, False), Tag("y", 4, 4, False))
    inside = SourceOrder({"g": 0, "x": 1, "y": 2}, {"g": frozenset(), "x": frozenset({"g"}), "y": frozenset({"g"})})
    outside = SourceOrder({"x": 0, "g": 1, "y": 2}, {"g": frozenset(), "x": frozenset(), "y": frozenset()})
    assert shape(build_tree("abcd", tags, inside)) == "[g:[x:]abcd[y:]]"
    assert shape(build_tree("abcd", tags, outside)) == "[x:][g:abcd][y:]"
    crossing = (Tag("a", 0, 3), Tag("b", 2, 5))
    assert shape(build_tree("abcdef", crossing)) == "[a:ab[b:c]]def"  # b cut at a's end: still nested


@pytest.mark.parametrize(
    "page",
    ["<p>مرحبا بكم</p>\n<!-- تعليق لم يغلق\n<p>نص مخفي</p>\n", "<p>مرحبا <!-- تعليق لم يغلق</p>"],
    ids=["after", "inside"],
)
def test_an_unclosed_comment_stays_a_comment_to_the_end(page):
    """HTML's parsing rules: a comment without "-->" runs to the end of the file; none of it is text."""
    data = page.encode()
    document = HtmlFormat().parse(data, "open.html", FormatOptions())
    assert [s.text for s in document.segments] == [
        page[3 : page.index(" ", 4)].strip() if "<!--" in page[3:9] else page[3 : page.index("<", 3)].strip()
    ]
    out = document.render(
        [TranslatedSegment(s, "Welcome", ()) for s in document.segments], FormatOptions(target="en")
    ).decode()
    assert out.endswith(page[page.index("<!--") :]) and "Welcome" in out
