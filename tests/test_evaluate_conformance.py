"""The evaluator against sacrebleu: its published test values, and its own CLI run here on real files.

Real text from eval/data; the "systems" are seeded, MT-like degradations of the references made by
eval/evaluate/systems.py (see its docstring), and Tatoeba's real second translations give a multi-reference set.
sacrebleu 2.6.0's `--paired-bs -f json` crashes (numpy float32 is not JSON serialisable), so paired bootstrap
results are read from its text table; `--paired-ar` and the single-system runs are read as JSON.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sacrebleu.metrics import BLEU, CHRF
from sacrebleu.significance import _bootstrap_resample, estimate_ci

from mt.cli import main
from mt.evaluation import evaluate, metrics

N_LINES = 400  # FLORES lines used: enough for stable statistics, quick on two shared cores

REPO = Path(__file__).resolve().parents[1]  # as tests/conftest.py
DATA = REPO / "eval" / "data"


def _systems_module():
    spec = importlib.util.spec_from_file_location("eval_systems", REPO / "eval" / "evaluate" / "systems.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SYSTEMS = _systems_module()


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def sacrebleu_json(*args: str | Path) -> list[dict]:
    """sacrebleu's JSON output as a list (it prints a bare object for a single metric)."""
    out = json.loads(sacrebleu_cli(*args))
    return out if isinstance(out, list) else [out]


def sacrebleu_cli(*args: str | Path) -> str:
    """Run sacrebleu's own command line; return its stdout."""
    done = subprocess.run(
        [sys.executable, "-m", "sacrebleu", *map(str, args)],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
    )
    return done.stdout


def mt_json(tmp: Path, name: str, args: list[str]) -> dict:
    out = tmp / f"{name}.json"
    assert main(["evaluate", *args, "--format", "json", "-o", str(out), "--force"]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- sacrebleu's published values (README, test/)

README_REFS = [
    ["The dog bit the man.", "It was not unexpected.", "The man bit him first."],
    ["The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."],
]
README_SYS = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."]


@pytest.mark.parametrize(
    "tokenize, expected", [(None, 48.530827), ("13a", 48.530827), ("none", 49.1919566), ("intl", 43.91623493)]
)
def test_readme_corpus_bleu(tokenize, expected):
    result = evaluate(README_SYS, README_REFS, lang="en", tokenize=tokenize, metrics="bleu", confidence=0)
    bleu = result.systems[0].scores["BLEU"]
    assert bleu.score == pytest.approx(expected, abs=1e-6)
    assert bleu.signature.startswith("nrefs:2|case:mixed|eff:no|tok:")


def test_readme_chrf_and_empty_hypotheses():
    result = evaluate(README_SYS, README_REFS, lang="en", metrics="chrf", confidence=0)
    assert result.systems[0].scores["chrF2"].score == pytest.approx(59.73, abs=0.005)  # README: chrF2 = 59.73
    empty = evaluate(["", "", ""], README_REFS, lang="en", metrics="bleu", confidence=0, on_warning=lambda m: None)
    assert empty.systems[0].scores["BLEU"].score == 0.0


# sacrebleu test/test_sentence_bleu.py (issue #98): sentence BLEU with effective order.
RO_REF = "produc\u0163ia de zah\u0103r brut se exprim\u0103 \u00een zah\u0103r alb;"
RO_SYS = "Produc\u021bia de zah\u0103r prim\u0103 va fi exprimat\u0103 \u00een ceea ce prive\u0219te zah\u0103rul alb;"


@pytest.mark.parametrize("tokenize, expected", [(None, 8.493), ("none", 7.347), ("intl", 8.493), ("char", 40.8759)])
def test_sentence_bleu_published(tokenize, expected):
    result = evaluate([RO_SYS], [RO_REF], lang="en", tokenize=tokenize, metrics="bleu", confidence=0)
    assert result.systems[0].segment_scores["BLEU"][0] == pytest.approx(expected, abs=1e-3)


def test_ter_published():
    # sacrebleu test/test_ter.py: one shift in eight words; perfect match 0.
    result = evaluate(
        {"shift": ["d e f g h a b c"], "same": ["a b c d e f g h"]},
        ["a b c d e f g h"],
        lang="en",
        metrics="ter",
        confidence=0,
        significance="none",
    )
    assert result.system("shift").scores["TER"].score == pytest.approx(100 / 8)
    assert result.system("same").scores["TER"].score == 0.0


# ---------------------------------------------------------------- sacrebleu's CLI on real files


@pytest.fixture(scope="module")
def english(tmp_path_factory):
    """FLORES-200 dev English (first N_LINES) and two degraded systems; our report with CIs and both tests."""
    tmp = tmp_path_factory.mktemp("en")
    ref = SYSTEMS.read(DATA / "flores200" / "flores200.dev.eng_Latn", N_LINES)
    files = {
        "ref": _write(tmp / "ref.en", ref),
        "a": _write(tmp / "a.en", SYSTEMS.degrade(ref, "A", "en", drop=0.08, substitute=0.04, swap=0.04)),
        "b": _write(tmp / "b.en", SYSTEMS.degrade(ref, "B", "en", drop=0.10, substitute=0.05, swap=0.05)),
    }
    report = mt_json(tmp, "report", ["-r", str(files["ref"]), str(files["a"]), str(files["b"]), "--test", "both"])
    return files, report


def test_english_scores_and_signatures_equal_sacrebleu_cli(english):
    files, report = english
    assert report["lang"] == "en" and report["tokenize"] == "13a"
    for system, path in zip(report["systems"], (files["a"], files["b"])):
        assert system["name"] == str(path)
        theirs = sacrebleu_json(files["ref"], "-i", path, "-m", "bleu", "chrf", "ter", "-w", "6")
        theirs += sacrebleu_json(files["ref"], "-i", path, "-m", "chrf", "-cw", "2", "-w", "6")
        assert [t["name"] for t in theirs] == ["BLEU", "chrF2", "TER", "chrF2++"]
        for t in theirs:
            ours = system["scores"][t["name"]]
            assert round(ours["score"], 6) == pytest.approx(t["score"], abs=1e-9)
            assert ours["signature"] == t["signature"]


def test_english_confidence_intervals_equal_sacrebleu_ci(english):
    files, report = english
    theirs = sacrebleu_json(files["ref"], "-i", files["a"], "-m", "bleu", "chrf", "ter", "-ci", "-w", "4")
    ours = report["systems"][0]["scores"]
    for t in theirs:
        ci = ours[t["name"]]["ci"]
        assert round(ci["mean"], 4) == pytest.approx(t["confidence_mean"], abs=1e-9)
        assert round(ci["half_width"], 4) == pytest.approx(t["confidence_var"], abs=1e-9)
        assert ci["signature"] == t["signature"]  # nrefs:1|bs:1000|seed:12345|...
        assert ci["low"] < ours[t["name"]]["score"] < ci["high"]


def test_paired_bootstrap_equals_sacrebleu_paired_bs(english):
    files, report = english
    text = sacrebleu_cli(
        files["ref"],
        "-i",
        files["a"],
        files["b"],
        "-m",
        "bleu",
        "chrf",
        "ter",
        "--paired-bs",
        "-w",
        "4",
        "-f",
        "text",
        "-nc",
    )
    rows = [line for line in text.splitlines() if line.startswith("│") and "System" not in line]  # no header
    assert "Baseline:" in rows[0]
    base_cells = re.findall(r"([\d.]+) \(([\d.]+) ± ([\d.]+)\)", rows[0])
    sys_cells = re.findall(r"([\d.]+) \(([\d.]+) ± ([\d.]+)\)", rows[1])
    p_values = [float(p) for p in re.findall(r"\(p = ([\d.]+)\)\*?", rows[2])]
    assert len(base_cells) == len(sys_cells) == len(p_values) == 3
    for k, metric in enumerate(["BLEU", "chrF2", "TER"]):
        for system, cells in zip(report["systems"], (base_cells, sys_cells)):
            score = system["scores"][metric]
            assert (f"{score['score']:.4f}", f"{score['ci']['mean']:.4f}", f"{score['ci']['half_width']:.4f}") == cells[
                k
            ]
        (comp,) = [c for c in report["comparisons"] if c["metric"] == metric and c["test"] == "paired-bs"]
        assert round(comp["p_value"], 4) == pytest.approx(p_values[k], abs=1e-9)
        assert comp["baseline"] == str(files["a"]) and comp["system"] == str(files["b"])
        assert comp["samples"] == 1000 and "bs:1000|seed:12345" in comp["signature"]


def test_approximate_randomisation_equals_sacrebleu_paired_ar(english):
    files, report = english
    theirs = sacrebleu_json(files["ref"], "-i", files["a"], files["b"], "-m", "bleu", "chrf", "ter", "--paired-ar")
    assert theirs[0]["system"] == f"Baseline: {files['a']}"
    for metric in ("BLEU", "chrF2", "TER"):
        (comp,) = [c for c in report["comparisons"] if c["metric"] == metric and c["test"] == "paired-ar"]
        assert comp["p_value"] == pytest.approx(theirs[1][metric]["p_value"], rel=1e-12)
        assert comp["system_score"] == pytest.approx(theirs[1][metric]["score"], rel=1e-12)
        assert comp["samples"] == 10000 and "ar:10000|seed:12345" in comp["signature"]
    # The degradations differ by ~1-2 points on 400 segments: the tests must call at least one of them significant.
    assert any(c["significant"] for c in report["comparisons"])


def test_chinese_target_uses_zh_tokenizer_like_sacrebleu(tmp_path):
    ref = SYSTEMS.read(DATA / "flores200" / "flores200.dev.zho_Hans", N_LINES)
    ref_path = _write(tmp_path / "ref.zh", ref)
    hyp_path = _write(tmp_path / "hyp.zh", SYSTEMS.degrade(ref, "A", "zh"))
    report = mt_json(tmp_path, "zh", ["-r", str(ref_path), str(hyp_path), "--confidence-n", "0"])  # lang detected
    assert report["lang"] == "zh" and report["tokenize"] == "zh"
    theirs = sacrebleu_json(
        ref_path,
        "-i",
        hyp_path,
        "-m",
        "bleu",
        "chrf",
        "ter",
        "-l",
        "ar-zh",
        "-w",
        "6",
        "--ter-normalized",
        "--ter-asian-support",
    )
    scores = report["systems"][0]["scores"]
    for t in theirs:
        assert round(scores[t["name"]]["score"], 6) == pytest.approx(t["score"], abs=1e-9)
        assert scores[t["name"]]["signature"] == t["signature"]
    assert "tok:zh" in scores["BLEU"]["signature"] and "norm:yes|punct:yes|asian:yes" in scores["TER"]["signature"]
    plain = mt_json(
        tmp_path, "zh-plain", ["-r", str(ref_path), str(hyp_path), "-m", "ter", "--no-ter-asian", "--confidence-n", "0"]
    )
    (theirs_plain,) = sacrebleu_json(ref_path, "-i", hyp_path, "-m", "ter", "-w", "6")
    assert plain["systems"][0]["scores"]["TER"]["signature"] == theirs_plain["signature"]
    assert round(plain["systems"][0]["scores"]["TER"]["score"], 6) == pytest.approx(theirs_plain["score"], abs=1e-9)
    # unsegmented Chinese is one TER "word" per line: character-level TER is far lower (and meaningful)
    assert scores["TER"]["score"] < plain["systems"][0]["scores"]["TER"]["score"] - 20
    # 13a would split nothing inside Chinese runs: far lower BLEU, which is why the tokenizer matters.
    assert BLEU(tokenize="13a").corpus_score(SYSTEMS.read(hyp_path), [ref]).score < scores["BLEU"]["score"] - 20


def test_multiple_references_tatoeba_equal_sacrebleu(tmp_path):
    _, ref1, ref2 = SYSTEMS.tatoeba_multi_reference()
    assert len(ref1) >= 100
    r1, r2 = _write(tmp_path / "ref1.en", ref1), _write(tmp_path / "ref2.en", ref2)
    hyp = _write(tmp_path / "hyp.en", SYSTEMS.degrade(ref2, "T", "en", drop=0.1))
    report = mt_json(
        tmp_path,
        "multi",
        ["-r", str(r1), "-r", str(r2), str(hyp), "-m", "bleu,chrf", "-m", "ter", "--confidence-n", "0"],
    )
    theirs = sacrebleu_json(r1, r2, "-i", hyp, "-m", "bleu", "chrf", "ter", "-w", "6")
    scores = report["systems"][0]["scores"]
    for t in theirs:
        assert t["signature"].startswith("nrefs:2|")
        assert round(scores[t["name"]]["score"], 6) == pytest.approx(t["score"], abs=1e-9)
        assert scores[t["name"]]["signature"] == t["signature"]
    single = evaluate(SYSTEMS.read(hyp), [ref1], metrics="bleu", confidence=0)
    assert scores["BLEU"]["score"] > single.systems[0].scores["BLEU"].score  # a second reference can only help


def test_sentence_scores_equal_sacrebleu_sentence_level(english):
    files, _ = english
    hyps, ref = SYSTEMS.read(files["b"]), SYSTEMS.read(files["ref"])
    result = evaluate(hyps[:60], ref[:60], metrics="bleu,chrf,chrf++", confidence=0)
    sentence_bleu, chrf, chrfpp = BLEU(effective_order=True), CHRF(), CHRF(word_order=2)
    for i, (h, r) in enumerate(zip(hyps[:60], ref[:60])):
        assert result.systems[0].segment_scores["BLEU"][i] == pytest.approx(sentence_bleu.sentence_score(h, [r]).score)
        assert result.systems[0].segment_scores["chrF2"][i] == pytest.approx(chrf.sentence_score(h, [r]).score)
        assert result.systems[0].segment_scores["chrF2++"][i] == pytest.approx(chrfpp.sentence_score(h, [r]).score)
    # sacrebleu -sl prints the same sentence BLEU (effective order) line by line.
    lines = sacrebleu_cli(
        _write(Path(files["ref"]).with_name("ref60.en"), ref[:60]),
        "-i",
        _write(Path(files["ref"]).with_name("b60.en"), hyps[:60]),
        "-sl",
        "-b",
        "-w",
        "4",
    ).split()
    assert [float(x) for x in lines] == [round(s, 4) for s in result.systems[0].segment_scores["BLEU"]]


def test_three_systems_against_one_baseline_like_sacrebleu(english, tmp_path):
    files, _ = english
    ref = SYSTEMS.read(files["ref"])
    c_path = _write(tmp_path / "c.en", SYSTEMS.degrade(ref, "C", "en", drop=0.09, substitute=0.04, swap=0.04))
    args = [str(files["a"]), str(files["b"]), str(c_path)]
    report = mt_json(
        tmp_path,
        "three",
        ["-r", str(files["ref"]), *args, "-m", "chrf", "--test", "ar", "--paired-ar-n", "2000", "--confidence-n", "0"],
    )
    theirs = sacrebleu_json(files["ref"], "-i", *args, "-m", "chrf", "--paired-ar", "-parn", "2000")
    assert [c["system"] for c in report["comparisons"]] == args[1:]
    for comp, row in zip(report["comparisons"], theirs[1:]):
        assert comp["baseline"] == args[0] and row["system"] == comp["system"]
        assert comp["p_value"] == pytest.approx(row["chrF2"]["p_value"], rel=1e-12)
        assert comp["samples"] == 2000 and "ar:2000" in comp["signature"]


@pytest.mark.parametrize("key", ["bleu", "chrf", "ter"])
@pytest.mark.parametrize("per_block", [1, 7, 1000])  # resamples summed per numpy call: 1000 = all in one
def test_bootstrap_in_blocks_equals_sacrebleu_resampling(key, per_block, monkeypatch):
    """The confidence interval is sacrebleu's to the last bit however the resamples are summed in blocks."""
    refs = SYSTEMS.read(DATA / "flores200" / "flores200.dev.eng_Latn", 60)
    hyps = SYSTEMS.degrade(refs, "A", "en", drop=0.08, substitute=0.04, swap=0.04)
    metric = metrics.build_metrics([key], [refs], "en")[0]
    stats = metric.statistics(hyps)
    monkeypatch.setattr(metrics, "RESAMPLE_BLOCK_VALUES", per_block * len(stats) * len(stats[0]))
    ours = metric.bootstrap(stats)
    _, resampled = _bootstrap_resample(stats, metric.metric, 1000)
    mean, half_width = estimate_ci(np.array([float(score.score) for score in resampled]))  # TER's are float32
    assert (ours.mean, ours.half_width) == (mean, half_width)
