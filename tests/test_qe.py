"""Quality estimation (`mt qe`, mt.qe): numbers, detectors, the shipped risk model and the command line.

Real text: UN v1.0 devset, FLORES-200 dev and the seed article (eval/data, seeds/, each with its licence)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys

import pytest

from mt.errors import InputError
from mt.glossary import Glossary
from mt.qe.estimator import QualityEstimator
from mt.qe.numbers import find_numbers
from mt.qe.synthetic import corruption_suite
from mt.qe.training import build_table, fit_risk
from mt.qe.words import word_key
from tests.conftest import DATA, REPO, SEEDS


def _lines(path, count=None):
    return path.read_text(encoding="utf-8").split("\n")[:-1][:count]


def _values(text, lang):
    return [sorted(n.readings) for n in find_numbers(text, lang) if not n.soft]


# ----------------------------------------------------------------------------------------------- numbers
def test_un_style_groups_read_right_to_left_in_arabic_and_left_to_right_in_chinese():
    # UN devset line 156: ar "918 483" and "616 196", en 483,918 and 196,616, zh "483 918" and "196 616"
    ar, en, zh = (_lines(DATA / f"un_v1.0/UNv1.0.devset.{lang}")[155] for lang in ("ar", "en", "zh"))
    assert any("483918" in v for v in _values(ar, "ar")) and any("196616" in v for v in _values(ar, "ar"))
    assert any("483918" in v for v in _values(en, "en")) and any("196616" in v for v in _values(en, "en"))
    assert ["483918"] in _values(zh, "zh") and ["196616"] in _values(zh, "zh")


def test_arabic_indic_digits_separators_magnitudes_and_chinese_numerals():
    assert _values("بلغ ٣٫٥ مليون و ١٬٢٠٠ في عام ٢٠١٦", "ar") == [["3.5", "3500000"], ["1200"], ["2016"]]
    assert ["25000", "2.5"] == sorted(_values("2.5万人", "zh")[0], reverse=True)
    soft = [sorted(n.readings) for n in find_numbers("百分之五十的人", "zh") if n.soft]
    assert ["50"] in soft
    assert _values("between 10-20 per cent", "en") == [["10"], ["20"]]


def test_arabic_comma_between_groups_of_three_separates_thousands_and_more_than_before_a_chinese_magnitude():
    # FLORES-200 dev: Turkey's area, written with Arabic commas as thousands separators; the English reference
    # writes 783,562 and 300,948 (found by eval/bench_qe.py's clean references, flagged before)
    ar = next(line for line in _lines(DATA / "flores200/flores200.dev.arb_Arab") if "783،562" in line)
    assert ["783562"] in _values(ar, "ar") and ["300948"] in _values(ar, "ar") and ["23764"] in _values(ar, "ar")
    assert _values("الأعوام 1990، 1995، 2000 و3،5", "ar") == [["1990"], ["1995"], ["2000"], ["3"], ["5"]]
    features, _ = QualityEstimator("en").features(
        ar,
        "Turkey covers 783,562 square kilometres (300,948 sq mi), "
        "755,688 km2 (291,773 sq mi) in Asia and 23,764 km2 (9,174 sq mi) in Europe.",
    )
    assert not features["number_missing"] and not features["number_added"]
    assert _values("全国有200多万人", "zh") == [["200", "2000000"]] and ["300", "30000000000"] in _values(
        "300余亿元", "zh"
    )


@pytest.mark.parametrize(
    "translation, flagged",
    [
        ("WHO delivered medicines for 483,918 people, including 196,616 cross line.", False),
        ("WHO delivered medicines for 483,918 people, including 196,617 cross line.", True),
        ("WHO delivered medicines for 483,918 people across the country.", True),
    ],
)
def test_number_detector_on_a_un_line(translation, flagged):
    source = _lines(DATA / "un_v1.0/UNv1.0.devset.ar")[155]
    features, flags = QualityEstimator("en").features(source, translation)
    assert bool(features["number_missing"] or features["number_added"]) is flagged
    assert any(f.kind == "number" for f in flags) is flagged


# ----------------------------------------------------------------------------------------------- verdicts
@pytest.fixture(scope="module")
def flores():
    return {
        lang: _lines(DATA / f"flores200/flores200.dev.{name}", 60)
        for lang, name in (("ar", "arb_Arab"), ("en", "eng_Latn"), ("zh", "zho_Hans"))
    }


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_gross_corruptions_are_flagged_and_most_clean_references_are_not(flores, lang):
    other = "zh" if lang == "en" else "en"
    estimator = QualityEstimator(lang)
    flagged: dict[str, list[bool]] = {}
    for case in corruption_suite(flores["ar"], flores[lang], flores[other], lang, seed=3):
        flagged.setdefault(case.kind, []).append(bool(estimator.assess(case.source, case.translation).flags))
    assert sum(flagged["clean"]) <= 0.1 * len(flagged["clean"])
    for kind in ("copy", "loop", "script", "empty"):
        assert sum(flagged[kind]) >= 0.9 * len(flagged[kind]), kind


def test_kinds_and_spans_point_at_the_problem(flores):
    estimator = QualityEstimator("en")
    source = flores["ar"][0]
    copied = estimator.assess(source, source)
    assert [f.kind for f in copied.flags][0] == "untranslated" and "copied" in copied.flags[0].detail
    looped = estimator.assess(source, "The study was published in the the the the the the the the journal.")
    loop = next(f for f in looped.flags if f.kind == "repetition")
    start, end = loop.spans[0].start, loop.spans[0].end
    assert looped.translation[start:end].split() == ["the"] * 8
    wrong = estimator.assess(source, flores["zh"][0])
    assert "script" in [f.kind for f in wrong.flags]
    assert [f.kind for f in estimator.assess(source, "  ").flags] == ["empty"]
    assert [f.kind for f in estimator.assess(" ", "The study was published.").flags] == ["hallucination"]
    assert not estimator.assess("", "").flags


def test_a_missing_glossary_term_is_always_flagged():
    glossary = Glossary.load(REPO / "glossaries" / "ecommerce.tsv")
    source = _lines(SEEDS / "article.ar.txt")[0]
    reference = _lines(SEEDS / "article.en.txt")[0]
    estimator = QualityEstimator("en", glossary=glossary)
    assert not [f for f in estimator.assess(source, reference).flags if f.kind == "term"]
    damaged = reference.replace("AliExpress", "the platform")
    verdict = estimator.assess(source, damaged)
    terms = [f for f in verdict.flags if f.kind == "term"]
    assert terms and "AliExpress" in terms[0].detail
    assert verdict.risk >= estimator.threshold


def test_threshold_zero_flags_every_pair_with_a_reason(flores):
    estimator = QualityEstimator("en", threshold=0.0)
    verdicts = list(estimator.assess_all(flores["ar"][:5], flores["en"][:5]))
    assert [v.line for v in verdicts] == [1, 2, 3, 4, 5]
    assert all(v.flags for v in verdicts)
    with pytest.raises(InputError):
        QualityEstimator("fr")


# ----------------------------------------------------------------------------------------------- learning
def test_the_lexical_table_is_learned_by_the_statistical_aligner():
    src = _lines(DATA / "un_v1.0/UNv1.0.devset.ar", 600)
    tgt = _lines(DATA / "un_v1.0/UNv1.0.devset.en", 600)
    table = build_table(src, tgt, tgt_lang="en")
    assert "health" in table.forward[word_key("الصحة", "ar")]
    assert "the" in table.tgt_stop and "the" not in table.forward[word_key("الصحة", "ar")]
    assert 0.0 < table.length.mean < 0.5 and table.length.sd > 0


def test_fit_risk_fits_one_part_per_kind_and_sets_the_threshold_for_the_clean_share():
    rows = (
        [{"a": 0.1 * (i % 5), "b": 0.0} for i in range(100)]
        + [{"a": 2.0 + 0.1 * (i % 5), "b": 0.0} for i in range(50)]
        + [{"a": 0.0, "b": 3.0}] * 20
    )
    kinds = ["clean"] * 100 + ["big_a"] * 50 + ["big_b"] * 20
    model = fit_risk(rows, kinds, {"A": ("a",), "B": ("b",)}, {"big_a": "A", "big_b": "B"}, clean_flagged=0.05)
    assert model.parts["A"].weights["a"] > 0 and model.parts["B"].weights["b"] > 0
    assert sum(model.risk(r) >= model.threshold for r in rows[:100]) <= 5
    assert all(model.risk(r) >= model.threshold for r in rows[100:])
    assert model.strongest({"a": 0.0, "b": 3.0}) == "B" and model.strongest({"a": 2.5, "b": 0.0}) == "A"


# ----------------------------------------------------------------------------------------------- CLI
@pytest.fixture
def pair(tmp_path, flores):
    src, tgt = tmp_path / "src.ar", tmp_path / "tgt.en"
    # the last pair is a clean one well under the threshold (FLORES line 4, a transliterated name, sits at it)
    src.write_text("\n".join(flores["ar"][:3] + [flores["ar"][6]]) + "\n", encoding="utf-8")
    tgt.write_text("\n".join([flores["en"][0], flores["ar"][1], "", flores["en"][6]]) + "\n", encoding="utf-8")
    return src, tgt


def test_cli_jsonl_one_object_per_line_in_order(run_cli, pair):
    code, out, err = run_cli("qe", *pair, "--to", "en")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["line"] for r in rows] == [1, 2, 3, 4]
    assert set(rows[0]) == {"line", "source", "translation", "risk", "flags"}
    assert all(0.0 <= r["risk"] <= 1.0 for r in rows)
    assert "untranslated" in [f["kind"] for f in rows[1]["flags"]]
    assert [f["kind"] for f in rows[2]["flags"]] == ["empty"]
    assert not rows[0]["flags"] and not rows[3]["flags"]


def test_cli_tsv_and_html_outputs(run_cli, pair, tmp_path):
    code, out, _ = run_cli("qe", *pair, "--to", "en", "-f", "tsv")
    assert code == 0 and out.splitlines()[0].split("\t")[:3] == ["line", "risk", "kinds"]
    assert len(out.splitlines()) == 5 and all(len(r.split("\t")) == 6 for r in out.splitlines())
    page = tmp_path / "review.html"
    assert run_cli("qe", *pair, "--to", "en", "-o", page)[0] == 0
    html = page.read_text(encoding="utf-8")
    assert 'dir="rtl"' in html and "<mark>" in html and 'data-kind="empty"' in html
    assert "http://" not in html and "https://" not in html and "<script src" not in html
    code, _, err = run_cli("qe", *pair, "--to", "en", "-o", page)
    assert code != 0 and "already exists" in err


def test_cli_bad_input_is_one_line(run_cli, pair, tmp_path):
    src, tgt = pair
    short = tmp_path / "short.en"
    short.write_text("one line\n", encoding="utf-8")
    code, _, err = run_cli("qe", src, short, "--to", "en")
    assert code != 0 and err.strip().count("\n") == 0 and "4 lines" in err and "has 1" in err
    binary = tmp_path / "binary.ar"
    binary.write_bytes(b"\xd8\xa7\x00\n")
    code, _, err = run_cli("qe", binary, tgt, "--to", "en")
    assert code != 0 and "binary" in err and err.strip().count("\n") == 0
    invalid = tmp_path / "invalid.ar"
    invalid.write_bytes(b"\xff\xfe\n" * 4)
    code, _, err = run_cli("qe", invalid, tgt, "--to", "en")
    assert code != 0 and "UTF-8" in err
    code, _, err = run_cli("qe", src, tgt, "--to", "fr")
    assert code != 0 and "en or zh" in err


def test_cli_empty_files_give_empty_output(run_cli, tmp_path):
    src, tgt = tmp_path / "a", tmp_path / "b"
    src.write_bytes(b"")
    tgt.write_bytes(b"")
    assert run_cli("qe", src, tgt, "--to", "zh") == (0, "", "")


def test_qe_imports_no_model_runtime():
    code = (
        "import sys, mt.qe.estimator, mt.qe.html, mt.qe.output, mt.qe.reading\n"
        "print(sorted(m for m in ('torch', 'transformers', 'ctranslate2') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip() == "[]"
    # the command module itself (mt.cli loads every command, which the start-up work handles) reaches only these
    tree = ast.parse((REPO / "mt" / "cli" / "qe.py").read_text(encoding="utf-8"))
    modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert all(
        m.startswith(("mt.qe", "mt.errors", "mt.formats.writing", "mt.cli.common", "__future__", "pathlib", "typing"))
        for m in modules
    ), modules


def test_the_pivot_widens_a_word_through_english():
    from mt.qe.lexicon import LengthModel, LexicalTable
    from mt.qe.training import compose_pivot

    def table(src, tgt, forward, backward, stop=frozenset()):
        return LexicalTable(src, tgt, forward, backward, frozenset(), stop, LengthModel(0.0, 1.0))

    direct = table("ar", "zh", {"صح": frozenset({"卫"})}, {"卫": frozenset({"صح"})}, stop=frozenset({"的"}))
    first = table(
        "ar",
        "en",
        {"صح": frozenset({"health"}), "بنك": frozenset({"bank"})},
        {"health": frozenset({"صح"}), "bank": frozenset({"بنك"})},
    )
    second = table(
        "en",
        "zh",
        {"health": frozenset({"健", "康", "的"}), "bank": frozenset({"银", "行"})},
        {"健": frozenset({"health"}), "银": frozenset({"bank"})},
    )
    wide = compose_pivot(direct, first, second)
    assert wide.forward["صح"] == {"卫", "健", "康"}  # the function word 的 stays out
    assert wide.forward["بنك"] == {"银", "行"} and wide.backward["银"] == {"بنك"}
    assert wide.backward["卫"] == {"صح"} and wide.src_stop == direct.src_stop


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_flagged_pair_reports_a_risk_at_or_above_the_threshold(lang):
    # a missing number is a rule: its risk is raised to the threshold; the shipped en threshold was 0.79891, which
    # a reported (4-decimal) risk of 0.7989 fell under
    estimator = QualityEstimator(lang, threshold=0.79891)
    shipped = QualityEstimator(lang).threshold
    assert estimator.threshold == 0.799 and shipped == round(shipped, 4)
    source = "بلغ عدد السكان 20 مليونا في عام 2016."
    translation = "The population reached twenty million." if lang == "en" else "人口达到两千万。"
    verdict = estimator.assess(source, translation)
    assert verdict.flags and verdict.to_json()["risk"] >= estimator.threshold
