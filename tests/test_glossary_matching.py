"""Source-side matching: clitics, orthographic variants, negatives, the seed article, TICO-19, English side."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import DATA, REPO, SEEDS
from mt.glossary import Glossary, make_concept
from mt.glossary.tico import load_tico19, split_cell
from mt.text.arabic import normalize, normalize_token

ECOMMERCE = REPO / "glossaries" / "ecommerce.tsv"


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return Glossary.load(ECOMMERCE)


@pytest.fixture(scope="module")
def article() -> str:
    return (SEEDS / "article.ar.txt").read_text(encoding="utf-8")


def ids(glossary: Glossary, text: str) -> list[str]:
    return [m.concept.id for m in glossary.match(text)]


def only(glossary: Glossary, text: str):
    matches = glossary.match(text)
    assert len(matches) == 1, (text, [(m.text, m.concept.id) for m in matches])
    m = matches[0]
    assert text[m.start : m.end] == m.text
    return m


# -- clitics ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("clitic", ["", "و", "ف", "ب", "ك", "ل", "وب", "ول", "وك", "فب", "فل"])
def test_clitics_before_a_bare_term(glossary, clitic):
    m = only(glossary, f"قال الباحث {clitic}جامعة تشينغهوا أمس")
    assert m.concept.id == "tsinghua-university"
    assert m.text == "جامعة تشينغهوا" and m.clitic == clitic


@pytest.mark.parametrize(
    "written,clitic",
    [
        ("البنك", ""),
        ("والبنك", "و"),
        ("بالبنك", "ب"),
        ("فالبنك", "ف"),
        ("كالبنك", "ك"),
        ("للبنك", "لل"),
        ("وللبنك", "ولل"),
        ("وبالبنك", "وب"),
        ("فبالبنك", "فب"),
    ],
)
def test_clitics_before_a_term_with_the_article(glossary, written, clitic):
    text = f"بمساعدة {written} الآسيوي للاستثمار في البنية الأساسية في آسيا"
    m = only(glossary, text)
    assert m.concept.id == "aiib" and m.clitic == clitic
    assert m.text.endswith("الآسيوي للاستثمار في البنية الأساسية")
    assert text[m.start - len(clitic) : m.start] == clitic


@pytest.mark.parametrize(
    "text",
    ["والحزام والطريق", "بالحزام والطريق", "للحزام والطريق", "الحزام و الطريق", "الحزام  والطريق", "الحزام و  الطريق"],
)
def test_belt_and_road_forms(glossary, text):
    assert only(glossary, f"الدول على طول {text} اليوم").concept.id == "belt-and-road"


@pytest.mark.parametrize("word", ["ببكين", "لبكين", "وبكين", "وببكين", "فبكين"])
def test_single_token_name_with_clitics(glossary, word):
    m = only(glossary, f"المعرض {word} الأسبوع الماضي")
    assert m.concept.id == "beijing" and m.text == "بكين"


# -- orthography -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "written",
    [
        "جَامِعَةُ تْشِينْغْهُوَا",  # harakat
        "جامعـــة تشينغـهوا",  # tatweel
        "جامعه تشينغهوا",  # ta marbuta written as ha
        "جامعة\u200c تشينغ\u200dهوا",  # ZWNJ / ZWJ
        "\u200fجامعة تشينغهوا\u200e",  # RLM / LRM around the term
        "ﺟﺎﻣﻌﺔ ﺗﺸﻴﻨﻐﻬﻮا",  # presentation forms (NFKC)
    ],
)
def test_orthographic_variants(glossary, written):
    text = f"قال البروفسور في {written}، إن"
    m = only(glossary, text)
    assert m.concept.id == "tsinghua-university"
    assert normalize(m.text).text.replace(" ", "") == normalize("جامعة تشينغهوا").text.replace(" ", "")


@pytest.mark.parametrize(
    "written", ["البنك الآسيوي", "البنك الاسيوي", "البنك الأسيوي", "ٱلبنك الآسيوي", "البنك الإسيوي"]
)
def test_alef_forms(glossary, written):
    assert only(glossary, f"{written} للاستثمار في البنية التحتية").concept.id == "aiib"


def test_persian_letters_fold():
    g = Glossary([make_concept("peking-university", ["جامعة بكين"], ["Peking University"], ["北京大学"])])
    assert [m.text for m in g.match("درس في جامعة بکین منذ")] == ["جامعة بکین"]  # Persian kaf and yeh


@pytest.mark.parametrize("digits", ["19", "١٩", "۱۹"])
def test_digits_fold(digits):
    g = Glossary([make_concept("covid-19", ["كوفيد-19"], ["COVID-19"], ["新冠肺炎"])])
    text = f"انتشار كوفيد-{digits} في العالم"
    m = only(g, text)
    assert m.text == f"كوفيد-{digits}"


def test_several_variants_of_one_concept(glossary):
    for text in ("علي اكسبريس", "علي إكسبريس", "علي أكسبريس", "علي اكسبرس", "AliExpress"):
        assert only(glossary, f"منصة {text} الدولية").concept.id == "aliexpress"


# -- negatives ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "الطلاب البكينيون",  # term inside a longer word
        "منتجات تاوباوية",
        "سبكين",  # a non-clitic letter before the term
        "جامعة تشينغهواوي",
        "علي . بابا",  # punctuation between the tokens of a term
    ],
)
def test_no_match_inside_other_words(glossary, text):
    assert glossary.match(text) == []


def test_ala_is_not_ali():
    g = Glossary(
        [
            make_concept("ali", ["علي"], ["Ali"], ["阿里"], type="person"),
            make_concept("alibaba", ["علي بابا"], ["Alibaba"], ["阿里巴巴"], type="organisation"),
        ]
    )
    assert g.match("وضع الكتاب على الطاولة") == []
    assert g.match("على بابا البيت") == []  # 'on the door of the house' stays unmatched
    assert [m.concept.id for m in g.match("قال علي إن")] == ["ali"]
    assert [m.concept.id for m in g.match("وعلى هذا")] == []
    assert [(m.concept.id, m.clitic) for m in g.match("وعلي بابا")] == [("alibaba", "و")]


def test_term_with_ala_does_not_match_ali(glossary):
    centre = "مركز دراسة الترويج والنشر على وسائل الإعلام الجديدة"
    assert ids(glossary, centre) == ["pku-new-media-centre"]
    assert ids(glossary, centre.replace("على", "علي")) == []


def test_final_alef_maqsura_folds_in_names():
    assert normalize_token("مصطفى") == normalize_token("مصطفي")
    assert normalize_token("على") != normalize_token("علي")
    assert normalize_token("إلى") != normalize_token("الي")
    g = Glossary([make_concept("mustafa", ["مصطفى كمال"], ["Mustafa Kamal"], ["穆斯塔法·卡迈勒"], type="person")])
    assert len(g.match("التقى مصطفي كمال")) == 1 and len(g.match("التقى مصطفى كمال")) == 1


def test_longest_match_wins(glossary):
    text = "دعم مبادرة الحزام والطريق"
    assert ids(glossary, text) == ["belt-and-road-initiative"]
    g = Glossary(
        [
            make_concept("a", ["الولايات المتحدة"], ["United States"], ["美国"]),
            make_concept("b", ["المتحدة الأمريكية للتجارة"], ["X"], ["X"]),
        ]
    )
    # overlapping candidates: the longer one wins, the other is dropped (no overlap)
    matches = g.match("الولايات المتحدة الأمريكية للتجارة")
    assert [m.concept.id for m in matches] == ["b"]


# -- the seed article -----------------------------------------------------------------------------------------
SEED_TERMS = [
    ("هانغتشو", "hangzhou"),
    ("علي بابا", "alibaba"),
    ("جينغدونغ", "jd-com"),
    ("سونينغ", "suning"),
    ("علي اكسبريس", "aliexpress"),
    ("وانغ جيان", "wang-jian"),
    ("جامعة الأعمال والاقتصاد الدوليين", "uibe"),
    ("بكين", "beijing"),
    ("منتدى بوآو الآسيوي", "boao-forum-for-asia"),
    ("ما يون", "jack-ma"),
    ("إي دبليو تي بي", "ewtp"),
    ("ما تشي جيان", "ma-qiji"),
    ("جامعة بكين", "peking-university"),
    ("خبي", "hebei"),
    ("يي وو", "yiwu"),
    ("تشجيانغ", "zhejiang"),
    ("تاوباو", "taobao"),
    ("شن يانغ", "shen-yang"),
    ("جامعة تشينغهوا", "tsinghua-university"),
    ("الحزام والطريق", "belt-and-road"),
    ("البنك الآسيوي للاستثمار في البنية الأساسية", "aiib"),
    ("الصندوق الصيني للاستثمار في الانترنت", "china-internet-investment-fund"),
]


def test_seed_article_names(glossary, article):
    matches = glossary.match(article)
    found = {(m.text, m.concept.id) for m in matches}
    for surface, cid in SEED_TERMS:
        assert surface in article
        assert (surface, cid) in found, surface
    for m in matches:
        assert article[m.start : m.end] == m.text
    counts = {cid: sum(m.concept.id == cid for m in matches) for cid in ("alibaba", "belt-and-road", "jack-ma")}
    assert counts == {"alibaba": 3, "belt-and-road": 3, "jack-ma": 1}
    # ما تشي جيان is not Jack Ma, and each match sits where the article writes it
    ma = [m for m in matches if m.concept.id == "ma-qiji"][0]
    assert article[ma.start : ma.end] == "ما تشي جيان"
    ebay_like = [m for m in matches if m.concept.id == "ewtp"][0]
    assert article[ebay_like.start - 3 : ebay_like.start] == "ـ( "


def test_seed_article_clitic_spans(glossary, article):
    by = {(m.concept.id, m.clitic): m for m in glossary.match(article)}
    assert ("alibaba", "ل") in by and ("jd-com", "و") in by and ("beijing", "ب") in by
    assert ("tsinghua-university", "ب") in by and ("peking-university", "ل") in by
    m = by[("beijing", "ب")]
    assert article[m.start - 1 : m.end] == "ببكين"


# -- English side ---------------------------------------------------------------------------------------------
def test_english_matching(glossary):
    text = (
        "AliExpress's record: the Belt and Road initiative, the belt and road countries, "
        "Tsinghua University and the Belt and Road Initiative; aliexpressed is not a term."
    )
    matches = glossary.match(text, lang="en")
    got = [(m.text, m.concept.id) for m in matches]
    assert ("AliExpress", "aliexpress") in got
    assert ("Belt and Road Initiative", "belt-and-road-initiative") in got
    assert ("the belt and road", "belt-and-road") in got
    assert ("Tsinghua University", "tsinghua-university") in got
    assert all(text[m.start : m.end] == m.text for m in matches)
    assert not any(m.text.lower() == "aliexpressed" for m in matches)
    assert glossary.match("U.S. and US and USA", lang="en")[0].text == "U.S."


# -- TICO-19 --------------------------------------------------------------------------------------------------
def test_tico_cells_split():
    assert split_cell("可传染 : 有传染性") == ["可传染", "有传染性"]
    assert split_cell("艾滋病（AIDS）") == ["艾滋病（AIDS）", "艾滋病"]
    assert split_cell("新型冠状病毒 (COVID-19) [when referring COVID-19] : 冠状病毒 [x]") == [
        "新型冠状病毒 (COVID-19)",
        "新型冠状病毒",
        "冠状病毒",
    ]


def test_tico_terms_match_tico_dev():
    g = load_tico19(DATA / "tico19")
    assert len(g) > 400
    assert any(len(c.zh) > 1 for c in g)
    text = (DATA / "tico19" / "tico19.dev.ar").read_text(encoding="utf-8")
    matches = g.match(text)
    assert len(matches) > 800
    assert len({m.concept.id for m in matches}) > 100
    assert all(text[m.start : m.end] == m.text for m in matches)
    assert any(m.concept.preferred("en") == "World Health Organization" for m in matches)
    assert all(a.end <= b.start for a, b in zip(matches, matches[1:]))


# -- properties -----------------------------------------------------------------------------------------------
_WORDS = [
    "علي",
    "على",
    "بابا",
    "اكسبريس",
    "جامعة",
    "بكين",
    "تشينغهوا",
    "الحزام",
    "والطريق",
    "و",
    "الطريق",
    "البنك",
    "الآسيوي",
    "للاستثمار",
    "في",
    "البنية",
    "الأساسية",
    "يي",
    "وو",
    "ما",
    "يون",
    "AliExpress",
    "١٩",
]
_PIECES = st.one_of(
    st.sampled_from(_WORDS),
    st.sampled_from(["", "و", "ب", "لل", "وال", "ـ", "\u064e", "\u200c", "ة", "ى", "إ"]),
    st.sampled_from([" ", "  ", "، ", ". ", "-", "\n", "(", ")"]),
    st.text(max_size=3),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_matches_never_overlap_or_leave_the_text(glossary, text):
    for lang in ("ar", "en"):
        matches = glossary.match(text, lang=lang)
        for m in matches:
            assert 0 <= m.start < m.end <= len(text)
            assert text[m.start : m.end] == m.text
            assert m.start >= len(m.clitic) and text[m.start - len(m.clitic) : m.start] == m.clitic
        assert all(a.end <= b.start for a, b in zip(matches, matches[1:]))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_normalize_offsets_point_into_the_original(text):
    n = normalize(text)
    assert len(n.offsets) == len(n.text) + 1
    assert list(n.offsets[:-1]) == sorted(n.offsets[:-1])
    assert all(0 <= o <= len(text) for o in n.offsets)
    for i in range(len(n.text)):
        s, e = n.span(i, i + 1)
        assert 0 <= s < e <= len(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFFEF), max_size=12))
def test_token_key_fast_path_equals_per_character_normalisation(token):
    from mt.text.arabic import _map_char, fold_final_yeh

    slow = fold_final_yeh("".join(_map_char(c) for c in token if not c.isspace()))
    assert normalize_token(token) == slow
