"""Translations that stop mid-sentence: the ending detector, the truncation part of the risk model beside the
omission part, and real halved Chinese translations the estimator missed before it (risk 0.67 and 0.88 under a
threshold of 0.94).

Real text: TICO-19 dev (CC0) and UN v1.0 devset (eval/data, each with its licence)."""

from __future__ import annotations

import pytest

from mt.qe.detectors.ending import EndingDetector
from mt.qe.estimator import QualityEstimator
from mt.qe.model import Pair
from mt.qe.synthetic import halve
from mt.qe.training import fit_risk
from tests.conftest import DATA


def _line(corpus, lang, number):
    return (DATA / f"{corpus}.{lang}").read_text(encoding="utf-8").split("\n")[number - 1]


@pytest.fixture(scope="module")
def zh():
    return QualityEstimator("zh")


@pytest.mark.parametrize("corpus, number", [("tico19/tico19.dev", 128), ("un_v1.0/UNv1.0.devset", 3)])
def test_a_halved_chinese_translation_that_stops_mid_sentence_is_flagged(zh, corpus, number):
    # TICO 128: "we also produce an annual report." halved to "we also will pro-"; UN 3: "no reform of the UN
    # may redefine the principles of the Charter or undermine their application." halved after "the Charter"
    source, reference = _line(corpus, "ar", number), _line(corpus, "zh", number)
    halved = halve(reference, "zh")
    verdict = zh.assess(source, halved)
    assert verdict.risk >= zh.threshold and "omission" in {flag.kind for flag in verdict.flags}
    assert any("stops mid-sentence" in flag.detail for flag in verdict.flags)
    assert not zh.assess(source, reference).flags  # the whole reference is not flagged


@pytest.mark.parametrize(
    "source, translation, unfinished",
    [
        ("سأرسل إليك صورة على شاشتك.", "我会发一张图", 1.0),
        ("وهل ينتقل هذا الألم من الصدر؟", "这种疼痛是从您胸部延伸出来的吗？", 0.0),
        ('قال: "نعم."', "他说：“是的。”", 0.0),  # closing quotes are looked through on both sides
        ("(بريمر، 1998).", "（布雷默，1998年）。", 0.0),
        ("برنامج الأمم المتحدة الإنمائي", "联合国开发计", 0.0),  # a title ends with no mark: not judged
        ("سأرسل إليك صورة.", "", 0.0),  # the empty detector speaks for an empty translation
    ],
)
def test_unfinished_when_the_source_ends_its_sentence_and_the_translation_does_not(source, translation, unfinished):
    detection = EndingDetector().detect(Pair(source, translation, "zh"))
    assert detection.features == {"unfinished": unfinished}
    assert bool(detection.flags) == bool(unfinished)


def test_one_corruption_kind_can_teach_two_parts_and_a_part_can_speak_for_another_kind():
    rows = [{"a": 0.1 * (i % 5), "b": 0.0} for i in range(100)] + [{"a": 2.0, "b": 3.0}] * 40
    kinds = ["clean"] * 100 + ["cut"] * 40
    model = fit_risk(rows, kinds, {"omission": ("a",), "truncation": ("b",)}, {"cut": ("omission", "truncation")})
    assert model.parts["omission"].weights["a"] > 0 and model.parts["truncation"].weights["b"] > 0
    assert model.strongest({"a": 0.0, "b": 3.0}) == "omission"  # truncation speaks for the omission kind


@pytest.mark.parametrize("corpus, number", [("tico19/tico19.dev", 143), ("un_v1.0/UNv1.0.devset", 3)])
def test_a_halved_chinese_translation_that_keeps_its_final_mark_is_flagged(zh, corpus, number):
    # the first half of the reference with its final 。 put back: the ending detector sees a finished sentence,
    # and before the tail gap the risk stayed under the threshold (0.916 and 0.938 against 0.961); the source's
    # uncovered words sit in its second half (tail_gap 1.00 and 0.83)
    source, reference = _line(corpus, "ar", number), _line(corpus, "zh", number)
    halved = halve(reference, "zh").rstrip("，、；：") + "。"
    features, _ = zh.features(source, halved)
    assert features["unfinished"] == 0.0 and features["tail_gap"] >= 0.8
    verdict = zh.assess(source, halved)
    assert verdict.risk >= zh.threshold and "omission" in {flag.kind for flag in verdict.flags}
    assert zh.features(source, reference)[0]["tail_gap"] <= 0.2 and not zh.assess(source, reference).flags


def test_tail_gap_is_where_the_uncovered_source_words_are():
    from mt.qe.detectors.coverage import tail_gap

    table = {key: frozenset({key.upper()}) for key in "abcdefgh"}
    keys = list("abcdefgh")
    assert tail_gap(keys, [4, 5, 6, 7], table, frozenset()) == 1.0  # the second half has no counterpart
    assert tail_gap(keys, [0, 1, 2, 3], table, frozenset()) == -1.0
    assert tail_gap(keys, [1, 6], table, frozenset()) == 0.0
    assert tail_gap(list("abc"), [2], table, frozenset()) == 0.0  # too few checkable words to say
    assert tail_gap(keys + ["x", "y"], [4, 5, 6, 7], table, frozenset("d")) == 1.0  # unknown and stop words skipped
