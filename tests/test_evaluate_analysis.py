"""compare-mt-style analysis, the Python API and the running score line for `mt translate --ref`."""

from __future__ import annotations

from pathlib import Path

import pytest
from sacrebleu.metrics import BLEU, CHRF

from mt.errors import InputError
from mt.evaluation import evaluate, summary_line
from mt.evaluation.analysis import bucket_labels, largest_differences, word_accuracy, worst_segments

REPO = Path(__file__).resolve().parents[1]  # as tests/conftest.py
DATA = REPO / "eval" / "data"


def _lines(path, n):
    return path.read_text(encoding="utf-8").split("\n")[:n]


@pytest.fixture(scope="module")
def flores():
    ref = _lines(DATA / "flores200" / "flores200.dev.eng_Latn", 200)
    hyp = [" ".join(w for i, w in enumerate(line.split()) if i % 5 != 2) for line in ref]  # every 5th word dropped
    return ref, hyp


def test_bucket_labels_are_compare_mts():
    assert bucket_labels([1, 2, 3, 4, 5, 10, 100, 1000]) == [
        "<1",
        "1",
        "2",
        "3",
        "4",
        "[5,10)",
        "[10,100)",
        "[100,1000)",
        ">=1000",
    ]
    assert bucket_labels([10, 20, 30, 40, 50, 60]) == [
        "<10",
        "[10,20)",
        "[20,30)",
        "[30,40)",
        "[40,50)",
        "[50,60)",
        ">=60",
    ]


def test_word_accuracy_by_hand():
    refs = [["the", "cat", "sat", "the"], ["a", "dog"]]
    hyps = [["the", "cat", "the", "the"], ["dog", "barked"]]
    freq = {"the": 2, "cat": 1, "sat": 1, "a": 1, "dog": 5}
    rows = {r.label: r for r in word_accuracy(refs, hyps, freq, cutoffs=[1, 2, 3])}
    # "the" (freq 2): ref 2, hyp 3, matched 2 | cat, sat, a (freq 1): ref 3, hyp 1, matched 1
    # dog (freq 5 -> >=3): ref 1, hyp 1, matched 1 | barked (unseen, <1): hyp 1
    assert (rows["2"].matches, rows["2"].ref_words, rows["2"].hyp_words) == (2, 2, 3)
    assert (rows["1"].matches, rows["1"].ref_words, rows["1"].hyp_words) == (1, 3, 1)
    assert (rows[">=3"].matches, rows[">=3"].f_measure) == (1, 1.0)
    assert (rows["<1"].hyp_words, rows["<1"].f_measure) == (1, 0.0)
    assert rows["2"].f_measure == pytest.approx(2 * (2 / 3) * 1 / (2 / 3 + 1))


def test_length_bucket_scores_are_corpus_scores_of_the_bucket(flores):
    ref, hyp = flores
    result = evaluate(hyp, ref, metrics="bleu,chrf", confidence=0)
    tokenize = BLEU(tokenize="13a").tokenizer
    lengths = [len(tokenize(r).split()) for r in ref]
    buckets = {b.label: b for b in result.length.buckets}
    assert sum(b.segments for b in buckets.values()) == 200
    idx = [i for i, n in enumerate(lengths) if 20 <= n < 30]
    assert buckets["[20,30)"].segments == len(idx) > 10
    expected = BLEU().corpus_score([hyp[i] for i in idx], [[ref[i] for i in idx]]).score
    assert buckets["[20,30)"].scores["system"]["BLEU"] == pytest.approx(expected)
    expected = CHRF().corpus_score([hyp[i] for i in idx], [[ref[i] for i in idx]]).score
    assert buckets["[20,30)"].scores["system"]["chrF2"] == pytest.approx(expected)


def test_frequency_from_a_training_file_changes_buckets(flores):
    ref, hyp = flores
    from_ref = evaluate(hyp, ref, metrics="chrf", confidence=0)
    from_train = evaluate(
        hyp, ref, metrics="chrf", confidence=0, frequency_corpus=["the the the of"] * 400, frequency_source="train.en"
    )
    assert from_ref.frequency.frequency_source.startswith("reference")
    assert from_train.frequency.frequency_source == "train.en"
    rows = {r.label: r for r in from_train.frequency.systems["system"]}
    assert rows[">=1000"].ref_words > 0  # "the" occurs 1,200 times in the training text
    assert rows["<1"].ref_words > rows[">=1000"].ref_words  # most reference words are unseen there


def test_largest_differences_and_worst_segments():
    diffs = largest_differences("base", "new", "chrF2", [50, 60, 10, 40], [70, 20, 10, 45], top_n=1)
    assert [(d.line, d.delta) for d in diffs] == [(1, 20), (2, -40)]
    ter = largest_differences("base", "new", "TER", [50, 60], [70, 20], top_n=5, lower_is_better=True)
    assert [d.line for d in ter] == [2, 1]  # lower TER is the improvement, listed first
    assert worst_segments({"a": [50, 10, 90], "b": [40, 30, 80]}, top_n=2) == [1, 0]


def test_api_accepts_mappings_and_pairs_and_reports_differences(flores):
    ref, hyp = flores
    result = evaluate([("drop", hyp), ("ref", ref)], [ref], metrics=["chrf"], confidence=0, top_n=3)
    assert [s.name for s in result.systems] == ["drop", "ref"]
    assert result.system("ref").scores["chrF2"].score == pytest.approx(100.0)
    assert len(result.differences) == 3 and all(d.delta > 0 for d in result.differences)
    assert result.comparisons[0].p_value < 0.05 and result.comparisons[0].significant
    with pytest.raises(InputError):
        evaluate({"x": hyp[:10]}, [ref], confidence=0)


def test_summary_line_for_translate_ref(flores):
    ref, hyp = flores
    line = summary_line(hyp[:50], ref)  # the reference may be longer: lines arrive one by one
    bleu = BLEU().corpus_score(hyp[:50], [ref[:50]]).score
    chrf = CHRF().corpus_score(hyp[:50], [ref[:50]]).score
    assert line == f"BLEU {bleu:.1f} | chrF2 {chrf:.1f} | 50 segments | tok:13a"
    zh = _lines(DATA / "flores200" / "flores200.dev.zho_Hans", 5)
    assert summary_line(zh, zh).endswith("5 segments | tok:zh")
    assert summary_line([], ref) == "0 segments"
    with pytest.raises(InputError):
        summary_line(hyp[:5], ref[:3])


def test_identical_systems_are_never_significant(flores):
    ref, hyp = flores
    warnings = []
    result = evaluate(
        {"a": hyp[:40], "copy": hyp[:40]},
        [ref[:40]],
        metrics="bleu",
        significance="both",
        confidence=0,
        on_warning=warnings.append,
    )
    # sacrebleu's own p-values for a zero difference are the minimum, 1/(n+1) (inherited from Multeval) ...
    assert sorted(c.p_value for c in result.comparisons) == pytest.approx([1 / 10001, 1 / 1001])
    # ... so the report keeps them but does not call the difference significant, and says why
    assert not any(c.significant for c in result.comparisons)
    assert any("identical to the baseline" in w for w in warnings)
