"""Issue 20 item 5: hostile input that used to get through. JSON nested 100,000 deep (a glossary, a JSONL
row, a training line) is one line, never RecursionError; a JSONL row whose text holds a lone surrogate is a bad
row reported by id while the others are translated (--engine local here, ray in tests/test_ray.py)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import DATA
from tests.ray_support import ending_ct2_model

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return ending_ct2_model(tmp_path_factory.mktemp("hostile-models"))


def _one_line(code: int, err: str, *needles: str) -> str:
    assert code == 1, err
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("mt: warning: ")]
    assert len(lines) == 1 and lines[0].startswith("mt: error: "), err
    for needle in needles:
        assert needle in lines[0], err
    return lines[0]


def test_deeply_nested_json_glossary_is_one_line(run_cli, model, tmp_path):
    glossary = tmp_path / "deep.json"
    glossary.write_text('{"concepts": ' + DEEP + "}", encoding="utf-8")
    source = tmp_path / "in.txt"
    source.write_text("مرحبا بكم في هانغتشو.\n", encoding="utf-8")
    code, _, err = run_cli("glossary", "check", glossary)
    _one_line(code, err, "deep.json", "nested too deeply")
    code, _, err = run_cli("translate", source, "--to", "en", "-m", model, "-g", glossary)
    _one_line(code, err, "deep.json", "nested too deeply")


def test_deeply_nested_training_line_is_one_line(run_cli, model, tmp_path):
    train = tmp_path / "train.jsonl"
    train.write_text(json.dumps({"source": "مرحبا", "translation": "hello"}) + "\n" + DEEP + "\n", encoding="utf-8")
    code, _, err = run_cli(
        "finetune", "--base", model.parent / "tiny-ar-en-ends", "--train", train, "--out", tmp_path / "out", "-q"
    )
    assert code == 1, err
    _one_line(code, err, "train.jsonl:2", "nested too deeply")


def test_deep_and_surrogate_rows_are_bad_rows_and_the_rest_is_translated(run_cli, model, tmp_path):
    source = tmp_path / "rows.jsonl"
    source.write_text(
        '{"id": 1, "text": "مرحبا بكم في هانغتشو."}\n'
        + DEEP
        + "\n"
        + '{"id": "s", "text": "علي \\ud800 اكسبريس"}\n'
        + '{"id": 4, "text": "علي اكسبريس شركة كبيرة."}\n',
        encoding="utf-8",
    )
    code, _, err = run_cli(
        "translate", source, "--to", "en", "-m", model, "--engine", "local", "-q", "-o", tmp_path / "out.jsonl"
    )
    assert code == 1, err
    assert "row 'line 2': JSON nested too deeply" in err
    assert "row 's': 'text' holds a lone surrogate (U+D800 at character 5)" in err
    assert err.strip().splitlines()[-1].startswith("mt: error: 2 bad rows")
    rows = [json.loads(r) for r in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == [1, "line 2", "s", 4]
    assert [("error" in r, bool(r.get("translation"))) for r in rows] == [
        (False, True),
        (True, False),
        (True, False),
        (False, True),
    ]


def test_translate_refuses_a_glossary_that_glossary_check_refuses(run_cli, model, tmp_path):
    glossary = tmp_path / "two.tsv"  # one Arabic term in two concepts with different English
    glossary.write_text(
        "id\tar\ten\tzh\nali\tعلي بابا\tAlibaba\t阿里巴巴\nstory\tعلي بابا\tAli Baba\t阿里巴巴\n", encoding="utf-8"
    )
    source = tmp_path / "in.txt"
    source.write_text("علي بابا شركة كبيرة.\n", encoding="utf-8")
    code, out, _ = run_cli("glossary", "check", glossary)
    assert code == 1 and "conflicting source variant 'علي بابا'" in out
    for engine in ([], ["--engine", "local"]):
        code, _, err = run_cli(
            "translate", source, "--to", "en", "-m", model, "-g", glossary, "-o", tmp_path / "out.txt", *engine
        )
        _one_line(code, err, "two.tsv:3", "conflicting source variant 'علي بابا'", "mt glossary check")
        assert not (tmp_path / "out.txt").exists()


def test_evaluate_refuses_a_segment_too_long_for_ter_in_one_line(run_cli, tmp_path):
    """TER's shift search on one 1.1 MB line grew to 23 GB: a segment over 1,000 words is refused for TER (the
    other metrics score it)."""
    english = (DATA / "flores200" / "flores200.dev.eng_Latn").read_text(encoding="utf-8").split()
    ref, hyp = tmp_path / "ref.en", tmp_path / "hyp.en"
    ref.write_text("A short line.\n" + " ".join(english[:1200]) + "\n", encoding="utf-8")
    hyp.write_text("A short line.\n" + " ".join(english[5:1205]) + "\n", encoding="utf-8")
    code, _, err = run_cli("evaluate", "-r", ref, hyp, "--confidence-n", "0")
    line = _one_line(code, err, "TER: segment 2 of a reference has 1,2", "--metrics bleu,chrf,chrf++")
    assert "limit of 1,000" in line
    code, out, err = run_cli("evaluate", "-r", ref, hyp, "--confidence-n", "0", "--metrics", "bleu,chrf")
    assert code == 0, err
