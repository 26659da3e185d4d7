"""Chinese detached and halved translations, the chance-weighted coverage behind them, the length model in
Chinese units with acronyms, and the number readings that kept clean Chinese references from being flagged.

Real text: TICO-19 dev (CC0), UN v1.0 devset and FLORES-200 dev (eval/data, each with its licence). The TICO
pairs were missed by the estimator before (risk 0.30 and 0.82 under a threshold of 0.98)."""

from __future__ import annotations

import pytest

from mt.data import qe_table
from mt.qe.detectors.coverage import CoverageDetector
from mt.qe.detectors.numbers import NumberDetector
from mt.qe.estimator import QualityEstimator
from mt.qe.lexicon import LengthModel, LexicalTable, text_length
from mt.qe.model import Pair
from tests.conftest import DATA


def _lines(path):
    return path.read_text(encoding="utf-8").split("\n")[:-1]


@pytest.fixture(scope="module")
def tico():
    return {lang: _lines(DATA / f"tico19/tico19.dev.{lang}") for lang in ("ar", "zh")}


@pytest.fixture(scope="module")
def zh():
    return QualityEstimator("zh")


def test_a_detached_chinese_translation_is_flagged(tico, zh):
    # TICO line 203 (a patient told not to come to the clinic) given line 688's reference (air tickets to the US)
    source, other = tico["ar"][202], tico["zh"][687]
    verdict = zh.assess(source, other)
    assert verdict.flags and verdict.risk >= zh.threshold
    assert {f.kind for f in verdict.flags} & {"hallucination", "omission"}
    assert not zh.assess(source, tico["zh"][202]).flags  # its own reference is not flagged


@pytest.mark.parametrize("line", [114, 722])
def test_a_halved_chinese_translation_is_flagged(tico, zh, line):
    source, reference = tico["ar"][line - 1], tico["zh"][line - 1]
    halved = reference[: len(reference) // 2]  # as mt.qe.synthetic halves Chinese: by characters
    assert zh.assess(source, halved).flags
    assert zh.assess(source, halved).risk > zh.assess(source, reference).risk


def test_unrelated_weighs_coverage_by_chance(tico):
    """A Chinese character that many Arabic words translate into covers an unrelated sentence too: the evidence
    (a log likelihood ratio) is positive for a detached pair and below it for the pair's own reference; over
    the first 200 TICO lines, the typical reference is negative and the typical detached pair positive."""
    detector = CoverageDetector(LexicalTable.load(qe_table("zh")))
    assert detector.table.chance is not None and 0.5 < detector.table.chance.hit[0] < 1.0
    source = tico["ar"][202]
    assert detector.unrelated(Pair(source, tico["zh"][687], "zh")) > 20.0 + detector.unrelated(
        Pair(source, tico["zh"][202], "zh")
    )
    clean = sorted(detector.unrelated(Pair(a, z, "zh")) for a, z in zip(tico["ar"][:200], tico["zh"][:200]))
    detached = sorted(detector.unrelated(Pair(a, z, "zh")) for a, z in zip(tico["ar"][:200], tico["zh"][485:685]))
    assert clean[100] < 0.0 < detached[100] and detached[20] > clean[100]


def test_chinese_length_counts_characters_and_latin_runs_once():
    assert text_length("普罗文扎诺（Provenzano）。", "zh-units") == 6
    assert text_length("RNA 病毒", "zh-units") == 3 and text_length("RNA 病毒") == 5


def test_an_acronym_the_source_spells_out_counts_as_its_words(tico):
    # TICO line 180: the Arabic spells out RCGP RSC (the college's research and surveillance centre)
    index = next(i for i, zh in enumerate(tico["zh"]) if zh.startswith("RCGP RSC 对 ILI 的定义"))
    source, reference = tico["ar"][index], tico["zh"][index]
    table = LexicalTable.load(qe_table("zh"))
    plain = LengthModel(table.length.mean, table.length.sd, table.length.unit)
    assert table.length.unit == "zh-units" and table.length.per_word > 0
    assert plain.z(source, reference) < -3.0 < table.length.z(source, reference)


@pytest.mark.parametrize(
    "source_file, target_file, line",
    [
        ("flores200/flores200.dev.arb_Arab", "flores200/flores200.dev.zho_Hans", 305),  # الستينيات: 20 世纪 60 年代
        ("tico19/tico19.dev.ar", "tico19/tico19.dev.zh", 856),  # 1930 من القرن العشرين: 20 世纪 30 年代
        ("un_v1.0/UNv1.0.devset.ar", "un_v1.0/UNv1.0.devset.zh", 1209),  # حزيران/يونيه: 6月
        ("flores200/flores200.dev.arb_Arab", "flores200/flores200.dev.zho_Hans", 142),  # كوفيد-19: 新冠
        ("flores200/flores200.dev.arb_Arab", "flores200/flores200.dev.zho_Hans", 9),  # 11:00: 11 点
    ],
)
def test_centuries_months_names_and_minutes_are_no_number_errors(source_file, target_file, line):
    source, target = _lines(DATA / source_file)[line - 1], _lines(DATA / target_file)[line - 1]
    detection = NumberDetector().detect(Pair(source, target, "zh"))
    assert not detection.flags, detection.flags


def test_a_chinese_decade_matches_its_year_and_a_changed_one_is_caught():
    source = _lines(DATA / "tico19/tico19.dev.ar")[855]  # في 1930 من القرن العشرين
    target = _lines(DATA / "tico19/tico19.dev.zh")[855]  # 20 世纪 30 年代
    assert not NumberDetector().detect(Pair(source, target, "zh")).flags
    changed = target.replace("20 世纪 30 年代", "20 世纪 50 年代")
    assert NumberDetector().detect(Pair(source, changed, "zh")).flags
