"""Markdown documents: prose translated, code, URLs, HTML blocks and front matter untouched, structure kept.

Most "translations" here are made by hand or by a stand-in that writes each segment's words in Latin letters
(the model is beside the point: what is tested is that the format puts text and markup back where they were);
the end-to-end test at the bottom runs `mt translate` with the tiny models and the seed glossary.
"""

from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt

from mt.decoding.markup import place_tags
from mt.errors import InputError
from mt.formats.document import FormatOptions, Tag, TranslatedSegment, identity
from mt.formats.markdown import MarkdownFormat
from mt.formats.registry import format_for
from tests.conftest import DATA, REPO, SEEDS

AR = (SEEDS / "article.ar.txt").read_text(encoding="utf-8").splitlines()
EN = (SEEDS / "article.en.txt").read_text(encoding="utf-8").splitlines()
FLORES = (DATA / "flores200" / "flores200.dev.arb_Arab").read_text(encoding="utf-8").splitlines()
ARABIC = re.compile(r"[\u0600-\u06FF]+")

HARD_BREAK = "  "  # two trailing spaces: a Markdown hard line break (spelt out: editors strip them)
FRONT = "---\ntitle: مقال عن التجارة\ntags: [تجارة, صين]\n---\n"
CODE = '```python\nprint("مرحبا بالعالم")  # تعليق\n```\n'
HTML_BLOCK = '<div class="note">\nكتلة HTML لا تترجم\n</div>\n'
DOCUMENT = f"""{FRONT}
# التجارة **الإلكترونية** في الصين #

{AR[0].split("،")[0]}، كما قال *وانغ جيان* في [جامعة الأعمال](https://uibe.edu.cn/ar "الجامعة") ويستخدم `api.sales()` الآن.
{FLORES[0].split(":")[0]}.

> اقتباس مع ![شعار علي بابا](https://img.example/logo.png) وصورة
> سطر ثان\\*ليس مائلا\\* &amp; نهاية{HARD_BREAK}
> بعد فاصل السطر

- بند أول <span lang="ar">مهم</span>
- بند ثان <https://www.aliexpress.com> هنا
  1. بند فرعي __عريض__ و ~~محذوف~~

| الشركة | المبيعات \\| الحصة |
|:-------|------:|
| علي بابا | `35.78` مليون |

{CODE}
{HTML_BLOCK}
عنوان ثانوي
-----------

راجع [المصدر][xinhua] و [شينخوا].

    كتلة شيفرة بمسافة بادئة

[xinhua]: https://arabic.news.cn/2016-11/17/c_135836000.htm
[شينخوا]: https://arabic.news.cn
"""


def _parse(data: bytes, **options):
    return MarkdownFormat().parse(data, "doc.md", FormatOptions(**options))


def _latin(segment) -> TranslatedSegment:
    """The stand-in translator: every Arabic word becomes "w" + its length, tags at the same word offsets."""
    words = {}
    text = ARABIC.sub(lambda m: words.setdefault(m.group(0), "w" * len(m.group(0))), segment.text)
    return TranslatedSegment(segment, text, segment.tags)


def _words(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]


def _blocks(source: str) -> list[tuple[str, str]]:
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    return [(token.type, token.tag) for token in md.parse(source)]


def _inline_kinds(source: str) -> list[str]:
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    return [child.type for token in md.parse(source) if token.type == "inline" for child in token.children or []]


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
def test_identity_round_trip_is_byte_for_byte(eol):
    data = DOCUMENT.replace("\n", eol).encode()
    document = _parse(data)
    assert not document.warnings
    assert document.render([identity(s) for s in document.segments], FormatOptions(target="en")) == data


def test_segments_are_prose_headings_items_cells_with_markup_as_tags():
    document = _parse(DOCUMENT.encode())
    by_location = {s.location: s for s in document.segments}
    heading = by_location["line 6"]
    assert heading.text == "التجارة الإلكترونية في الصين"
    assert [(heading.text[t.start : t.end], t.paired) for t in heading.tags] == [("الإلكترونية", True)]
    paragraph = by_location["line 8"]  # two source lines, one segment; the inline code a point
    assert "api.sales" not in paragraph.text and "https" not in paragraph.text and "\n" not in paragraph.text
    assert paragraph.text.endswith(FLORES[0].split(":")[0] + ".")
    paired = [paragraph.text[t.start : t.end] for t in paragraph.tags if t.paired]
    assert paired == ["وانغ جيان", "جامعة الأعمال"]
    assert sum(not t.paired for t in paragraph.tags) == 1
    quote = by_location["line 11"]
    assert "شعار علي بابا" in quote.text and "*ليس مائلا* & نهاية" in quote.text  # alt text; escapes decoded
    cells = [s.text for s in document.segments if "cell" in s.location]
    assert cells == ["الشركة", "المبيعات | الحصة", "علي بابا", "مليون"]
    assert by_location["line 31"].text == "عنوان ثانوي"  # setext heading
    assert by_location["line 34"].text == "راجع المصدر و ."  # [شينخوا] is a reference label: kept whole
    everything = " ".join(s.text for s in document.segments)
    for untouched in ("مقال عن التجارة", "مرحبا بالعالم", "كتلة HTML", "كتلة شيفرة", "35.78"):
        assert untouched not in everything


def test_translated_document_keeps_structure_code_urls_html_and_front_matter():
    document = _parse(DOCUMENT.encode())
    out = document.render([_latin(s) for s in document.segments], FormatOptions(target="en")).decode()
    assert out.startswith(FRONT)
    for kept in (
        CODE,
        HTML_BLOCK,
        "`api.sales()`",
        '(https://uibe.edu.cn/ar "الجامعة")',
        "(https://img.example/logo.png)",
        "<https://www.aliexpress.com>",
        "`35.78`",
        '<span lang="ar">',
        "[xinhua]: https://arabic.news.cn/2016-11/17/c_135836000.htm",
        "[شينخوا].",
        "    كتلة شيفرة بمسافة بادئة\n",
        "|:-------|------:|",
    ):
        assert kept in out, kept
    assert _blocks(out) == _blocks(DOCUMENT)
    body, source_body = out[len(FRONT) :], DOCUMENT[len(FRONT) :]  # (this parser does not know front matter)
    markup = ("text", "softbreak")  # a translated paragraph is one line: its text runs merge
    assert [k for k in _inline_kinds(body) if k not in markup] == [
        k for k in _inline_kinds(source_body) if k not in markup
    ]
    # Arabic is left only where it must be: front matter, code, HTML block, link title, reference label
    left = out
    for kept in (FRONT, CODE, HTML_BLOCK, '"الجامعة"', "[شينخوا]", "    كتلة شيفرة بمسافة بادئة"):
        left = left.replace(kept, "")
    assert not ARABIC.search(left), ARABIC.findall(left)


def test_hand_translation_puts_tags_on_the_target_words_and_escapes_text():
    source = f"قال *ما يون* إن [علي بابا](https://www.alibaba.com) ستستخدم `eWTP` قريبا.\n\n{AR[1]}\n"
    document = _parse(source.encode())
    first, second = document.segments
    assert first.text == "قال ما يون إن علي بابا ستستخدم قريبا."
    english = "Jack Ma said that Alibaba will use soon."
    tags = (Tag("m1", 0, 7), Tag("m2", 18, 25), Tag("m3", 35, 35, False))
    translations = [
        TranslatedSegment(first, english, tags),
        TranslatedSegment(second, "1. * Wang Jian said [trade] <grows> #1 `now` a_b"),
    ]
    out = document.render(translations, FormatOptions(target="en")).decode()
    assert out.split("\n\n")[0] == "*Jack Ma* said that [Alibaba](https://www.alibaba.com) will use `eWTP` soon."
    escaped = out.split("\n\n")[1].rstrip("\n")
    assert escaped == r"1\. \* Wang Jian said \[trade\] \<grows\> #1 \`now\` a\_b"
    assert _blocks(out) == _blocks(source)  # still two paragraphs: no list, no emphasis, no code
    assert _inline_kinds(escaped) == ["text"]


def test_chinese_target_gets_no_spaces_around_points():
    document = _parse("استخدم `pip` الآن.\n".encode())
    segment = document.segments[0]
    out = document.render(
        [TranslatedSegment(segment, "现在使用。", (Tag("m1", 2, 2, False),))], FormatOptions(target="zh")
    )
    assert out.decode() == "现在`pip`使用。\n"
    out = document.render(
        [TranslatedSegment(segment, "Use now.", (Tag("m1", 4, 4, False),))], FormatOptions(target="en")
    )
    assert out.decode() == "Use `pip` now.\n"


def test_multi_line_code_spans_and_html_are_points():
    source = "* بند\n  متابعة `شيفرة\nمتعددة` نهاية <span\nclass=x>مهم</span>.\n"
    document = _parse(source.encode())
    segment = document.segments[0]
    assert segment.text == "بند متابعة نهاية مهم." and len(segment.tags) == 3
    out = document.render(
        [
            TranslatedSegment(
                segment,
                "Item continued end important.",
                (Tag("m1", 15, 15, False), Tag("m2", 19, 19, False), Tag("m3", 28, 28, False)),
            )
        ],
        FormatOptions(target="en"),
    )
    assert out.decode() == "* Item continued `شيفرة\nمتعددة` end <span\nclass=x>important</span>.\n"


def test_a_run_that_cannot_be_mapped_is_left_and_reported():
    # a tab that the block parser expands inside a list item's continuation line
    source = "- بند\n\tتابع\n\n" + "فقرة عادية.\n"
    document = _parse(source.encode())
    assert [s.text for s in document.segments] == ["فقرة عادية."]
    assert len(document.warnings) == 1 and document.warnings[0].startswith("line 1: left untranslated")
    out = document.render([identity(s) for s in document.segments], FormatOptions(target="en"))
    assert out == source.encode()


@pytest.mark.parametrize(
    "data,message",
    [
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00word/document.xml", "binary data"),
        ("# عنوان\n\nنص".encode("cp1256"), "--encoding"),
    ],
    ids=["docx-named-md", "cp1256"],
)
def test_bad_markdown_is_a_one_line_error(tmp_path, data, message):
    path = tmp_path / "bad.md"
    path.write_bytes(data)
    with pytest.raises(InputError) as error:
        format_for(path).load(path, FormatOptions())
    text = str(error.value)
    assert message in text and str(path) in text and "\n" not in text and "word/document" not in text


def test_legacy_encoding_given():
    document = _parse("# عنوان المقال\n".encode("cp1256"), encoding="cp1256")
    assert document.segments[0].text == "عنوان المقال"
    assert (
        document.render([identity(s) for s in document.segments], FormatOptions(target="en"))
        == "# عنوان المقال\n".encode()
    )


# -- end to end: the tiny models and the seed glossary, through the CLI -----------------------------------------
SMALL = f"""{FRONT}
# أرباح **علي بابا** في الصين

أعلنت [شركة علي بابا](https://www.alibaba.com) عن أرباح كبيرة، وقال `ما يون` إن التجارة تنمو.

- زار المشترون من روسيا موقع علي اكسبريس.

| الشركة | البلد |
|---|---|
| جينغدونغ | الصين |

{CODE}"""


@pytest.mark.parametrize("to", ["en", "zh"])
def test_cli_end_to_end_with_the_tiny_models_and_the_seed_glossary(run_cli, fast_tiny, tmp_path, to):
    """Code, URLs and front matter as they were, block structure kept, glossary terms present. No Arabic is left in the
    translated text (the generated models never write the source's pieces)."""
    import json

    from mt.glossary import Glossary

    source = tmp_path / "news.md"
    source.write_text(SMALL, encoding="utf-8")
    report = tmp_path / "report.jsonl"
    code, _, err = run_cli(
        "translate",
        source,
        "--to",
        to,
        "-o",
        tmp_path / "out.md",
        "--glossary",
        REPO / "glossaries" / "ecommerce.tsv",
        "--report",
        report,
        "-q",
        *fast_tiny,
    )
    assert code == 0, err
    out = (tmp_path / "out.md").read_text(encoding="utf-8")
    assert out.startswith(FRONT) and out.endswith(CODE)
    for kept in ("](https://www.alibaba.com)", "`ما يون`", "|---|---|", "# "):
        assert kept in out
    assert _blocks(out) == _blocks(SMALL)
    rows = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    assert [r["location"] for r in rows] == [
        "line 6",
        "line 8",
        "line 10",
        "line 12 cell 1",
        "line 12 cell 2",
        "line 14 cell 1",
        "line 14 cell 2",
    ]
    glossary = Glossary.load(REPO / "glossaries" / "ecommerce.tsv")
    concepts = set()
    for row in rows:
        assert row["translation"] and row["translation"] != row["source"]
        for term in row["terms"]:
            concepts.add(term["concept"])
            assert term["status"] in ("verified", "enforced")
            assert any(form in row["translation"] for form in glossary.get(term["concept"]).targets(to))
    assert {"alibaba", "china", "russia", "aliexpress", "jd-com"} <= concepts
    translated = out[len(FRONT) : -len(CODE)].replace("`ما يون`", "")
    assert not ARABIC.search(translated), ARABIC.findall(translated)


# -- nesting, adjacent points, deep input (issue 20 items 4 and 5) -------------------------------------------------
@pytest.mark.parametrize(
    "source",
    [
        "انظر __[جامعة الأعمال](https://uibe.edu.cn)__ الآن.\n",
        "شارة [![شعار علي بابا](https://img.example/logo.png)](https://www.alibaba.com) هنا.\n",
        "قال *__ما يون__* إن **[علي بابا](https://www.alibaba.com)** تنمو.\n",
        "نص ~~*محذوف مائل*~~ و ***عريض مائل*** هنا.\n",
    ],
    ids=["strong-link", "linked-badge", "em-strong-and-strong-link", "strike-em-and-triple"],
)
def test_markup_over_the_same_words_keeps_its_nesting(source):
    document = _parse(source.encode())
    out = document.render([_latin(s) for s in document.segments], FormatOptions(target="en")).decode()
    assert _inline_kinds(out) == _inline_kinds(source)
    assert not ARABIC.search(out.replace("شعار علي بابا", ""))  # all text translated, markup kept


@pytest.mark.parametrize(
    "source,to,text,at",
    [
        ("استخدم `pip`،`uv` الآن.\n", "en", "Use now.", 3),
        ("استخدم `pip` و `uv` الآن.\n", "zh", "现在使用。", 2),
    ],
)
def test_two_code_spans_stay_two_when_the_words_between_them_are_lost(source, to, text, at):
    document = _parse(source.encode())
    segment = document.segments[0]
    tags = tuple(Tag(tag.id, at, at, False) for tag in segment.tags)
    out = document.render([TranslatedSegment(segment, text, tags)], FormatOptions(target=to)).decode()
    assert _inline_kinds(out).count("code_inline") == 2, out
    assert "`pip`" in out and "`uv`" in out


@pytest.mark.parametrize(
    "source",
    [
        "*" * 2000 + "نص عميق" + "*" * 2000,
        "![" * 1000 + "نص عميق" + "](u)" * 1000,
        "[" * 2000 + "نص عميق" + "](u)" * 2000,
        "*_" * 1000 + "نص عميق" + "_*" * 1000,
    ],
    ids=["emphasis", "images", "links", "mixed"],
)
def test_deep_nesting_never_reaches_the_recursion_limit(source):
    data = (source + "\n").encode()
    document = _parse(data)
    assert document.render([identity(s) for s in document.segments], FormatOptions(target="en")) == data
    out = document.render([_latin(s) for s in document.segments], FormatOptions(target="en")).decode()
    assert _inline_kinds(out) == _inline_kinds(source)


@pytest.mark.parametrize(
    "tags,expected",
    [
        ((Tag("m1", 5, 5), Tag("m2", 5, 5)), "Jack ***Ma*** said trade grows.\n"),  # placed around nothing
        ((Tag("m1", 5, 8), Tag("m2", 5, 8)), "Jack ***Ma*** said trade grows.\n"),  # a space inside
        ((Tag("m1", 4, 7), Tag("m2", 5, 7)), "Jack ***Ma*** said trade grows.\n"),
    ],
    ids=["empty", "trailing-space", "leading-space"],
)
def test_emphasis_always_wraps_a_word_without_spaces_inside(tags, expected):
    document = _parse("قال ***ما يون*** إن التجارة تنمو.\n".encode())
    segment = document.segments[0]
    out = document.render([TranslatedSegment(segment, "Jack Ma said trade grows.", tags)], FormatOptions(target="en"))
    assert out.decode() == expected
    assert _inline_kinds(out.decode()) == _inline_kinds("قال ***ما يون*** إن التجارة تنمو.\n")


def test_an_item_placed_around_nothing_beside_a_sibling_stays_its_sibling():
    source = "قال *ما يون* إن *التجارة* تنمو.\n"
    document = _parse(source.encode())
    segment = document.segments[0]
    tags = (Tag("m1", 0, 7), Tag("m2", 7, 7))  # the second placed around nothing at the first's end
    out = document.render([TranslatedSegment(segment, "Jack Ma said trade grows.", tags)], FormatOptions(target="en"))
    assert out.decode() == "*Jack Ma* *said* trade grows.\n"  # not "*Jack *Ma** ...": no em inside the other


def _hard_break_holders(text: str) -> list[tuple[str, ...]]:
    """The elements holding each hard break markdown-it-py reads in ``text``."""
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    found = []
    for token in md.parse(text):
        holders: list[str] = []
        for child in token.children or []:
            if child.type == "hardbreak":
                found.append(tuple(holders))
            elif child.nesting == 1:
                holders.append(child.type)
            elif child.nesting == -1:
                holders.pop()
    return found


@pytest.mark.parametrize(
    "source,links",
    [
        # tests/data/realworld/python-markdown/links-reference.md (the brackets are text): the word before the break
        # linked to the translation's last word, the word after it to none, as the tiny model linked them
        ("هو [لمنظمة  \nالصحة[] لسامي لك شرابا.\n", {(0, 0), (1, 6), (3, 2), (4, 1), (5, 3)}),
        # inside a link whose words swap places: the break's following word is the link's first target word
        ("هو [لمنظمة  \nالصحة](/url) لسامي لك شرابا.\n", {(0, 0), (1, 4), (2, 3), (3, 1), (4, 2), (5, 5)}),
        ("هو [لمنظمة  \nالصحة][1] لسامي لك.\n\n[1]: /url\n", {(0, 0), (1, 4), (2, 3), (3, 1), (4, 2)}),
    ],
    ids=["links-reference", "inline-link", "full-reference"],
)
def test_a_hard_break_between_words_stays_between_words_in_its_link(source, links):
    document = _parse(source.encode())
    segment = document.segments[0]
    target = "He for Sami drinks health organisation ."
    placement = place_tags(segment.tags, len(segment.text), len(target), _words(segment.text), _words(target), links)
    out = document.render([TranslatedSegment(segment, target, placement.tags)], FormatOptions(target="en"))
    assert _hard_break_holders(out.decode()) == _hard_break_holders(source), out.decode()
    assert _inline_kinds(out.decode()) == _inline_kinds(source)


@pytest.mark.parametrize(
    "line,escaped",
    [
        ("# one", r"\# one"),
        ("- one", r"\- one"),
        ("> one", r"\> one"),
        ("1. one", r"1\. one"),
        ("=", r"\="),
        ("+ one", r"\+ one"),
    ],
)
def test_a_translated_line_after_a_hard_break_never_opens_a_block(line, escaped):
    # the translation's words after a hard break start a line: a heading, list, quote or setext underline there
    # would interrupt the paragraph; they are escaped as a paragraph's first character is
    source = f"قال الرئيس{HARD_BREAK}\nإن النمو سريع.\n"
    document = _parse(source.encode())
    segment = document.segments[0]
    target = f"He said {line}"
    at = len("He said ")
    tags = tuple(Tag(t.id, at, at, False) for t in segment.tags)
    out = document.render([TranslatedSegment(segment, target, tags)], FormatOptions(target="en")).decode()
    assert out.split("\n")[1] == escaped, out
    assert _blocks(out) == _blocks(source)
    assert _hard_break_holders(out) == _hard_break_holders(source)
