"""eval/bench.py compares systems on equal work: the same lines, the same decoding steps, counted in each system."""

from __future__ import annotations

import importlib.util
import json

import pytest

from tests.conftest import REPO


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench", REPO / "eval" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tiny_ct2(tiny_ar_en, tmp_path_factory):
    from mt.models.convert import convert

    return convert(str(tiny_ar_en), tmp_path_factory.mktemp("bench") / "ct2", quantization="int8")


def run_child(bench, capsys, system: str, model, steps: int = 6) -> dict:
    bench.main(
        [
            "--child",
            system,
            "--model",
            str(model),
            "--sentences",
            "4",
            "--batch",
            "2",
            "--beam",
            "2",
            "--new-tokens",
            str(steps),
            "--threads",
            "1",
        ]
    )
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_lines_are_held_out_single_sentences(bench):
    from mt.text.sentences import split_sentences

    lines = bench.system_lines("a", 48)
    held_out = bench.HELD_OUT.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 48 and len(set(lines)) == 48
    assert all(len(split_sentences(line)) == 1 for line in lines)
    assert not set(lines) & {line.strip() for line in held_out[: bench.HELD_OUT_FROM]}
    assert bench.system_lines("d", 48) == lines  # every speed system translates the same lines


def test_every_system_decodes_the_same_tokens_after_loading(bench, capsys, tiny_ar_en, tiny_ct2):
    models = {"a": tiny_ar_en, "b": tiny_ar_en, "c": tiny_ct2, "d": tiny_ct2}
    results = {system: run_child(bench, capsys, system, model) for system, model in models.items()}
    for system, result in results.items():
        assert (result["sentences"], result["outputs"], result["tokens"]) == (4, 4, 4 * 6), system
        assert 0 < result["first"] <= result["seconds"] and result["load"] > 0, system


def test_unequal_work_fails_loudly(bench, capsys, tmp_path):
    from mt.testing import build_model

    ending = build_model(tmp_path / "ends", size="tiny", pair="ar-en", ends_sentences=True)
    with pytest.raises(SystemExit, match="did not decode 200 steps"):  # it ends each sentence sooner
        run_child(bench, capsys, "b", ending, steps=200)
