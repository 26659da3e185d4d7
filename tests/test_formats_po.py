"""PO catalogues with Arabic msgids: msgstr filled in the target's plural rule, everything else kept.

Most translations are hand-made (the seed article's English and Chinese references, short UI strings): what
is tested is the format, not a model; the end-to-end test at the bottom uses the tiny models and the glossary.
"""

from __future__ import annotations

import logging
import re
from collections import Counter

import polib
import pytest

from mt.errors import InputError
from mt.formats.document import FormatOptions, Tag, TranslatedSegment, identity
from mt.formats.po import PLACEHOLDER, PLURAL_FORMS, PoFormat
from mt.formats.registry import format_for
from mt.glossary import Glossary
from mt.pipeline import Translator
from tests.conftest import REPO, SEEDS

AR = (SEEDS / "article.ar.txt").read_text(encoding="utf-8").splitlines()
EN = (SEEDS / "article.en.txt").read_text(encoding="utf-8").splitlines()
ZH = (SEEDS / "article.zh.txt").read_text(encoding="utf-8").splitlines()

CATALOGUE = f'''# Arabic source catalogue of the shop.
# Copyright (C) 2026
msgid ""
msgstr ""
"Project-Id-Version: shop 1.0\\n"
"Language: ar\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"Plural-Forms: nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 "
"&& n%100<=10 ? 3 : n%100>=11 ? 4 : 5);\\n"

#. The news article shown on the home page.
#: templates/home.html:12
msgid ""
"{AR[1][:120]}"
"{AR[1][120:]}"
msgstr ""

#: shop/cart.py:40
#, python-format
msgctxt "cart"
msgid "مرحبا %(name)s، لديك {{count}} رسائل جديدة في %s"
msgstr ""

#: shop/cart.py:41
#, c-format
msgid "تم حذف ملف واحد"
msgid_plural "تم حذف %d ملفات"
msgstr[0] ""
msgstr[1] ""
msgstr[2] ""

# A translator's note.
#: shop/cart.py:50
msgctxt "button"
msgid "افتح"
msgstr "Open"

#: shop/cart.py:60
msgid "سطر أول\\nسطر ثان\\n"
msgstr ""

#: shop/cart.py:70
msgid "%s"
msgstr ""

#~ msgid "قديم"
#~ msgstr "Old"
'''


def _parse(data: bytes, **options):
    return PoFormat().parse(data, "shop.po", FormatOptions(**options))


def _without_translation(text: str) -> list[str]:
    """A catalogue's lines less what translation may change: msgstr blocks, flags lines, the header's msgstr."""
    kept, in_msgstr = [], False
    for line in text.splitlines():
        if line.startswith("msgstr"):
            in_msgstr = True
            continue
        if in_msgstr and line.startswith('"'):
            continue
        in_msgstr = False
        if not line.startswith("#,"):
            kept.append(line)
    return kept


def test_segments_are_the_untranslated_msgids_with_placeholders_as_tags():
    document = _parse(CATALOGUE.encode())
    locations = [s.location for s in document.segments]
    assert locations == ["msgid line 15", "msgid line 23", "msgid line 28", "msgid_plural line 28", "msgid line 41"]
    article, greeting, one, many, lines = document.segments
    assert article.text == AR[1] and not article.tags
    assert greeting.text == "مرحبا ، لديك رسائل جديدة في" and len(greeting.tags) == 3
    assert all(not tag.paired for tag in greeting.tags)
    assert many.text == "تم حذف ملفات" and many.tags == (Tag("ph1", 7, 7, False),)
    assert lines.text == "سطر أول سطر ثان" and len(lines.tags) == 1  # the inner \n; the final one is kept aside


def test_identity_round_trip_changes_only_msgstr_flags_and_header():
    """The named differences: msgstr lines (filled), ``#,`` lines (fuzzy added) and the header's msgstr
    (Language, Plural-Forms); every other line, msgid, comment, context, reference and blank, is the input's."""
    data = CATALOGUE.encode()
    document = _parse(data)
    out = document.render([identity(s) for s in document.segments], FormatOptions(target="en")).decode()
    assert _without_translation(out) == _without_translation(CATALOGUE)
    catalogue, source = polib.pofile(out), polib.pofile(CATALOGUE)
    assert [(e.msgctxt, e.msgid, e.msgid_plural, e.comment, e.tcomment, e.occurrences) for e in catalogue] == [
        (e.msgctxt, e.msgid, e.msgid_plural, e.comment, e.tcomment, e.occurrences) for e in source
    ]
    for entry in catalogue:
        if entry.msgid in (
            "افتح",
            "%s",
            "قديم",
        ):  # translated / no words / obsolete: left alone  # already translated / no words: left alone
            assert "fuzzy" not in entry.flags
            continue
        assert "fuzzy" in entry.flags
        forms = [entry.msgstr] if not entry.msgid_plural else [entry.msgstr_plural[0], entry.msgstr_plural[1]]
        assert forms == ([entry.msgid] if not entry.msgid_plural else [entry.msgid, entry.msgid_plural])
    assert catalogue.obsolete_entries()[0].msgstr == "Old"
    assert catalogue.metadata["Language"] == "en" and catalogue.metadata["Plural-Forms"] == PLURAL_FORMS["en"]
    assert catalogue.metadata["Project-Id-Version"] == "shop 1.0"


def _translations(document, target: str) -> list[TranslatedSegment]:
    article, greeting, one, many, lines = document.segments
    if target == "en":
        return [
            TranslatedSegment(article, EN[1]),
            TranslatedSegment(
                greeting,
                "Hello, you have new messages in",
                (Tag("ph1", 5, 5, False), Tag("ph2", 15, 15, False), Tag("ph3", 31, 31, False)),
            ),
            TranslatedSegment(one, "One file was deleted"),
            TranslatedSegment(many, "files were deleted", (Tag("ph1", 0, 0, False),)),
            TranslatedSegment(lines, "First line second line", (Tag("ph1", 11, 11, False),)),
        ]
    return [
        TranslatedSegment(article, ZH[1]),
        TranslatedSegment(
            greeting,
            "你好，你在有条新消息",
            (Tag("ph1", 2, 2, False), Tag("ph2", 6, 6, False), Tag("ph3", 5, 5, False)),
        ),
        TranslatedSegment(one, "删除了一个文件"),
        TranslatedSegment(many, "删除了个文件", (Tag("ph1", 3, 3, False),)),
        TranslatedSegment(lines, "第一行第二行", (Tag("ph1", 3, 3, False),)),
    ]


@pytest.mark.parametrize("target", ["en", "zh"])
def test_translation_fills_msgstr_in_the_targets_plural_rule(target):
    data = CATALOGUE.encode()
    document = _parse(data)
    out = document.render(_translations(document, target), FormatOptions(target=target)).decode()
    catalogue = polib.pofile(out)
    entries = {(e.msgctxt, e.msgid): e for e in catalogue}
    plural = entries[(None, "تم حذف ملف واحد")]
    if target == "en":
        assert plural.msgstr_plural == {0: "One file was deleted", 1: "%d files were deleted"}
    else:
        assert plural.msgstr_plural == {0: "删除了%d个文件"}
    assert catalogue.metadata["Plural-Forms"] == PLURAL_FORMS[target]
    assert catalogue.metadata["Language"] == {"en": "en", "zh": "zh_CN"}[target]
    assert f'"Plural-Forms: {PLURAL_FORMS[target]}\\n"' in out
    for entry in catalogue:  # every placeholder of the message is in its msgstr, exactly
        if entry.obsolete or entry.msgid in ("افتح", "%s"):
            continue
        if not entry.msgid_plural:
            pairs = [(entry.msgid, entry.msgstr)]
        elif target == "en":
            pairs = [(entry.msgid, entry.msgstr_plural[0]), (entry.msgid_plural, entry.msgstr_plural[1])]
        else:
            pairs = [(entry.msgid_plural, entry.msgstr_plural[0])]
        for source, text in pairs:
            assert Counter(PLACEHOLDER.findall(text)) == Counter(PLACEHOLDER.findall(source)), (source, text)
    greeting = entries[("cart", "مرحبا %(name)s، لديك {count} رسائل جديدة في %s")]
    assert greeting.msgstr == (
        "Hello %(name)s, you have {count} new messages in %s"
        if target == "en"
        else "你好%(name)s，你在%s有{count}条新消息"
    )
    assert entries[(None, "سطر أول\nسطر ثان\n")].msgstr.endswith("\n")
    assert entries[(None, "سطر أول\nسطر ثان\n")].msgstr.count("\n") == 2
    assert entries[("button", "افتح")].msgstr == "Open" and "fuzzy" not in entries[("button", "افتح")].flags
    assert entries[(None, "%s")].msgstr == ""
    assert catalogue.obsolete_entries()[0].msgstr == "Old"
    assert _without_translation(out) == _without_translation(CATALOGUE)


def test_no_fuzzy_and_overwrite_targets():
    document = _parse(CATALOGUE.encode(), overwrite_targets=True)
    assert "msgid line 37" in [s.location for s in document.segments]  # "افتح", already translated
    translations = [identity(s) for s in document.segments]
    out = document.render(translations, FormatOptions(target="en", mark_fuzzy=False)).decode()
    catalogue = polib.pofile(out)
    assert not any("fuzzy" in e.flags for e in catalogue)
    assert {e.msgid: e.msgstr for e in catalogue}["افتح"] == "افتح"
    assert "#, python-format" in out and "#, c-format" in out


def test_a_placeholder_the_translation_lost_is_appended_and_logged(caplog):
    document = _parse(CATALOGUE.encode())
    translations = [identity(s) for s in document.segments]
    translations[3] = TranslatedSegment(document.segments[3], "files were deleted")  # no tag: %d lost
    with caplog.at_level(logging.WARNING, logger="mt.formats.po"):
        out = document.render(translations, FormatOptions(target="en")).decode()
    entry = {e.msgid: e for e in polib.pofile(out)}["تم حذف ملف واحد"]
    assert entry.msgstr_plural[1] == "files were deleted %d"
    assert any("%d" in record.getMessage() for record in caplog.records)


def test_header_added_when_missing_and_crlf_kept():
    data = 'msgid "مرحبا بكم"\r\nmsgstr ""\r\n\r\nmsgid "وداعا"\r\nmsgstr ""\r\n'.encode()
    document = _parse(data)
    out = document.render(
        [TranslatedSegment(document.segments[0], "Welcome"), TranslatedSegment(document.segments[1], "Goodbye")],
        FormatOptions(target="zh"),
    )
    text = out.decode()
    assert "\n" not in text.replace("\r\n", "")
    catalogue = polib.pofile(text)
    assert catalogue.metadata["Plural-Forms"] == PLURAL_FORMS["zh"]
    assert [(e.msgid, e.msgstr, e.flags) for e in catalogue] == [
        ("مرحبا بكم", "Welcome", ["fuzzy"]),
        ("وداعا", "Goodbye", ["fuzzy"]),
    ]


def test_legacy_encodings_declared_or_given():
    cp1256 = CATALOGUE.replace("charset=UTF-8", "charset=CP1256").encode("cp1256")
    document = _parse(cp1256)
    assert document.segments[0].text == AR[1]
    out = document.render([identity(s) for s in document.segments], FormatOptions(target="en")).decode("utf-8")
    assert polib.pofile(out).metadata["Content-Type"] == "text/plain; charset=UTF-8"
    undeclared = CATALOGUE.encode("cp1256")  # says UTF-8, is cp1256
    with pytest.raises(InputError) as error:
        _parse(undeclared)
    assert "--encoding" in str(error.value) and "\n" not in str(error.value)
    assert _parse(undeclared, encoding="cp1256").segments[0].text == AR[1]
    latin = 'msgid ""\nmsgstr "Content-Type: text/plain; charset=windows-1252\\n"\n\n# café\nmsgid "مقهى"\nmsgstr ""\n'
    latin_bytes = latin.replace("مقهى", "caf\u00e9 %s").encode("windows-1252")
    document = _parse(latin_bytes)
    assert document.segments[0].text == "café"
    out = document.render([identity(s) for s in document.segments], FormatOptions(target="en")).decode("utf-8")
    assert "# café" in out and 'msgstr "café %s"' in out and "charset=UTF-8" in out


@pytest.mark.parametrize(
    "suffix,data,message",
    [
        (".po", 'msgid "مرحبا"\nmsgstr "Hello\n'.encode(), "syntax error at line 2"),
        (".po", 'msgid "أ"\nmsgstr ""\nkeyword "ب"\n'.encode(), "syntax error at line 3"),
        (".po", 'msgid "أ"\nmsgstr ""\n\nmsgid "أ"\nmsgstr ""\n'.encode(), "duplicate entry"),
        (".po", b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "binary data"),
        (".pot", "# عنوان\n\nفقرة من نص Markdown\n".encode(), "syntax error at line 3"),
        (".po", b"", "no PO entries"),
        (".po", CATALOGUE.encode("cp1256"), "--encoding"),
    ],
    ids=["unterminated", "keyword", "duplicate", "zip", "markdown", "empty", "cp1256"],
)
def test_bad_catalogues_are_one_line_errors_without_content(tmp_path, suffix, data, message):
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(data)
    with pytest.raises(InputError) as error:
        format_for(path).load(path, FormatOptions())
    text = str(error.value)
    assert message in text and str(path) in text and "\n" not in text
    assert not re.search(r"[\u0600-\u06FF]", text)


# -- end to end: the tiny models and the seed glossary ------------------------------------------------------------
FAST = {"max_length_ratio": 0.5, "max_length_extra": 4}
GLOSSARY = REPO / "glossaries" / "ecommerce.tsv"
SMALL = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

#: news.py:1
msgid "أعلنت شركة علي بابا عن أرباح كبيرة في الصين."
msgstr ""

#: shop.py:2
#, python-format
msgctxt "banner"
msgid "مرحبا %(name)s، زار {count} مشتر موقع علي اكسبريس"
msgstr ""

#: shop.py:3
#, c-format
msgid "مشتر واحد من روسيا"
msgid_plural "%d مشترين من روسيا"
msgstr[0] ""
msgstr[1] ""
"""


@pytest.fixture(scope="module")
def translator(tiny_ar_en, tiny_en_zh):
    return Translator({"ar-en": str(tiny_ar_en), "en-zh": str(tiny_en_zh)}, glossary=Glossary.load(GLOSSARY), **FAST)


@pytest.mark.parametrize("to", ["en", "zh"])
def test_end_to_end_with_the_tiny_models_and_the_seed_glossary(translator, to, tmp_path):
    """Every msgstr filled, placeholders exact, glossary terms present, all else kept, no Arabic in any
    msgstr (the generated models never write the source's pieces), none equal to its msgid."""
    source, target = tmp_path / "shop.po", tmp_path / f"shop.{to}.po"
    source.write_text(SMALL, encoding="utf-8")
    done = translator.translate_file(source, to=to, out=target)
    assert done.format == "po" and len(done.translations) == 4
    out = target.read_text(encoding="utf-8")
    assert _without_translation(out) == _without_translation(SMALL)
    catalogue = polib.pofile(out)
    assert catalogue.metadata["Plural-Forms"] == PLURAL_FORMS[to]
    glossary = Glossary.load(GLOSSARY)
    for entry in catalogue:
        assert entry.flags[0] == "fuzzy"
        if entry.msgid_plural:
            pairs = (
                [(entry.msgid, entry.msgstr_plural[0]), (entry.msgid_plural, entry.msgstr_plural[1])]
                if to == "en"
                else [(entry.msgid_plural, entry.msgstr_plural[0])]
            )
            assert len(entry.msgstr_plural) == (2 if to == "en" else 1)
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for msgid, msgstr in pairs:
            assert msgstr.strip() and msgstr != msgid
            assert Counter(PLACEHOLDER.findall(msgstr)) == Counter(PLACEHOLDER.findall(msgid)), (msgid, msgstr)
            assert not re.search(r"[\u0600-\u06FF]", msgstr), msgstr
    texts = " ".join(t.text for t in done.translations)
    terms = [t for translation in done.translations for s in translation.sentences for t in s.terms]
    assert {"alibaba", "china", "aliexpress", "russia"} <= {t.concept_id for t in terms}
    for term in terms:
        assert term.status in ("verified", "enforced"), term
        assert any(form in texts for form in glossary.get(term.concept_id).targets(to)), term


# -- issue 20: an --encoding against the declared charset, a second header ----------------------------------------
def test_an_encoding_that_contradicts_the_declared_charset_is_refused(run_cli, tmp_path):
    """The catalogue declares UTF-8 and is UTF-8: decoding it as cp1256 would turn every msgid into mojibake."""
    source = tmp_path / "shop.po"
    source.write_text(CATALOGUE, encoding="utf-8")
    with pytest.raises(InputError) as error:
        format_for(source).load(source, FormatOptions(encoding="cp1256"))
    text = str(error.value)
    assert "charset=UTF-8" in text and "--encoding cp1256" in text and "\n" not in text
    code, _, err = run_cli("translate", source, "--encoding", "cp1256", "--to", "en", "-o", tmp_path / "out.po")
    assert code != 0 and "charset=UTF-8" in err and not (tmp_path / "out.po").exists()
    assert len(_parse(CATALOGUE.encode(), encoding="utf-8").segments) == len(_parse(CATALOGUE.encode()).segments)


def test_a_second_header_is_refused():
    second = CATALOGUE + '\nmsgid ""\nmsgstr ""\n"Plural-Forms: nplurals=6; plural=(n==0 ? 0 : 5);\\n"\n'
    with pytest.raises(InputError) as error:
        _parse(second.encode())
    line = len(second.splitlines()) - 2
    assert f'a second header (msgid "") at line {line}' in str(error.value)
    assert "first is at line 3" in str(error.value)
    contexts = CATALOGUE + '\nmsgctxt "menu"\nmsgid ""\nmsgstr ""\n\nmsgctxt "menu"\nmsgid "افتح"\nmsgstr ""\n'
    assert len(_parse(contexts.encode()).segments) == len(_parse(CATALOGUE.encode()).segments) + 1


def test_a_header_that_is_not_the_first_entry_is_updated_in_place():
    """polib's test_unusual_metadata_location.po layout: gettext finds the header wherever it stands."""
    data = (
        'msgid "مرحبا"\nmsgstr ""\n\nmsgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Plural-Forms: nplurals=6; plural=(n==0 ? 0 : 5);\\n"\n'
    )
    document = _parse(data.encode())
    out = document.render([TranslatedSegment(document.segments[0], "Hello")], FormatOptions(target="en")).decode()
    assert out.count('msgid ""') == 1 and out.startswith('#, fuzzy\nmsgid "مرحبا"\nmsgstr "Hello"\n')
    assert polib.pofile(out).metadata["Plural-Forms"] == PLURAL_FORMS["en"]
