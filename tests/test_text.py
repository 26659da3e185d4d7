"""Sentence splitting and chunking on real Arabic, English and Chinese."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mt.text.chunking import chunk
from mt.text.sentences import sentences
from tests.conftest import DATA, SEEDS


def test_numbers_and_abbreviations_stay_whole():
    assert sentences("Dr. Smith went to the U.S. yesterday. He paid 6.21 dollars! Did he? Yes") == [
        "Dr. Smith went to the U.S. yesterday.",
        "He paid 6.21 dollars!",
        "Did he?",
        "Yes",
    ]
    assert sentences("قال د. محمد إن 6.21 مليون مشتر تعاقدوا. هل هذا صحيح؟ نعم!") == [
        "قال د. محمد إن 6.21 مليون مشتر تعاقدوا.",
        "هل هذا صحيح؟",
        "نعم!",
    ]


def test_chinese_marks_split_without_spaces():
    assert sentences("他来了。我们走吧！好吗？“是的。”结束") == ["他来了。", "我们走吧！", "好吗？", "“是的。”", "结束"]


def test_seed_article_sentences_cover_every_word():
    for line in (SEEDS / "article.ar.txt").read_text(encoding="utf-8").splitlines():
        parts = sentences(line)
        assert parts and "".join(parts).replace(" ", "") == line.replace(" ", "")
    fifth = (SEEDS / "article.ar.txt").read_text(encoding="utf-8").splitlines()[4]
    assert len(sentences(fifth)) == 2  # ". إذ أن" starts a new sentence; 6.21 in line 1 does not split


def _count(text: str) -> int:
    return len(text.split()) + 1


def test_long_text_chunks_at_clauses_and_fits():
    line = (DATA / "flores200" / "flores200.dev.arb_Arab").read_text(encoding="utf-8").splitlines()[0]
    text = "، ".join([line] * 40)
    chunks = chunk(text, _count, 50)
    assert len(chunks) > 1
    assert "".join(chunks) == text
    assert all(_count(c.strip()) <= 50 for c in chunks)


def test_a_word_longer_than_the_limit_is_cut_not_dropped():
    text = "ا" * 500 + " كلمة"
    chunks = chunk(text, lambda s: len(s) // 10 + 1, 8)
    assert "".join(chunks) == text
    assert all(len(c.strip()) // 10 + 1 <= 8 for c in chunks)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ابت ،.؟x\u060c", min_size=0, max_size=300), st.integers(min_value=2, max_value=30))
def test_chunks_always_rejoin_and_fit(text, limit):
    chunks = chunk(text, lambda s: len(s) // 3 + 1, limit)
    assert "".join(chunks) == text
    assert all(len(c.strip()) // 3 + 1 <= limit for c in chunks if len(chunks) > 1)


# -- the one script detector (mt.text.script), used by evaluate, align and translate ---------------------------

DETECTOR_FILES = {
    "ar": ["flores200/flores200.dev.arb_Arab", "un_v1.0/UNv1.0.devset.ar", "tico19/tico19.dev.ar"],
    "en": ["flores200/flores200.dev.eng_Latn", "un_v1.0/UNv1.0.devset.en", "tico19/tico19.dev.en"],
    "zh": ["flores200/flores200.dev.zho_Hans", "un_v1.0/UNv1.0.devset.zh", "tico19/tico19.dev.zh"],
}


def test_one_detector_names_the_language_of_real_text_files_and_lines():
    from mt.alignment.tokenize import detect_language
    from mt.evaluation.language import detect_lang, wrong_script
    from mt.text.script import dominant_language

    for lang, names in DETECTOR_FILES.items():
        for name in names:
            lines = (DATA / name).read_text(encoding="utf-8").splitlines()
            assert dominant_language(lines) == detect_language(lines) == lang, name
            assert detect_lang(lines) == (lang if lang != "ar" else None), name
            assert wrong_script(lines, lang) is None, name
            other = "zh" if lang == "en" else "en"
            assert f"not {'Chinese' if other == 'zh' else 'English'}" in wrong_script(lines, other), name
            # line by line too, no line is taken for a third language (a Chinese line may hold more Latin
            # letters than Chinese: names)
            misjudged = sum(dominant_language([line]) not in (lang, "en") for line in lines if line.strip())
            assert misjudged == 0, name


def test_script_watch_warns_once_on_latin_or_chinese_input_to_arabic():
    from mt.text.script import ScriptWatch

    for lang, problem in (("en", "Latin-script"), ("zh", "Chinese")):
        lines = (DATA / DETECTOR_FILES[lang][0]).read_text(encoding="utf-8").splitlines()[:200]
        reports: list[str] = []
        watch = ScriptWatch("ar", reports.append)
        assert list(watch.watch(lines)) == lines  # lines pass through unchanged
        watch.finish()
        assert len(reports) == 1 and problem in reports[0] and "not Arabic" in reports[0]
    arabic = (DATA / DETECTOR_FILES["ar"][0]).read_text(encoding="utf-8").splitlines()[:3]
    reports = []
    watch = ScriptWatch("ar", reports.append)
    list(watch.watch(arabic))
    watch.finish()
    assert reports == []


def test_one_arabic_fold_serves_matching_and_alignment_statistics():
    from mt.alignment.tokenize import normalize_for_statistics
    from mt.text.arabic import fold_coarse, normalize_token

    # the same marks go in both folds: harakat, superscript alef, tatweel
    for word in ("الْمُسْتَشْفَى", "المستشـــفى", "مُحَمَّد", "الرَّحْمٰن"):
        assert normalize_token(word) == normalize_token(fold_coarse(word))
    assert fold_coarse("الْمُسْتَشْفَى") == "المستشفي"  # every alef maqsura folds in the coarse key
    assert normalize_token("على") == "على" and fold_coarse("على") == "علي"  # matching keeps على apart from علي
    assert fold_coarse("أإآٱ مسؤول رئيس مدرسة") == "اااا مسءول رءيس مدرسه"
    assert normalize_for_statistics("والمستشفى", "ar") == "مستشفي"
