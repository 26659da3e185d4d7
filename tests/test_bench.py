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
            "16",
            "--batch",
            "4",
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
        # UN lines with numbers among them: Tarjama's number enforcement is off, as the plain libraries have none
        assert (result["sentences"], result["outputs"], result["tokens"]) == (16, 16, 16 * 6), system
        assert 0 < result["first"] <= result["seconds"] and result["load"] > 0, system


def test_unequal_work_fails_loudly(bench, capsys, tmp_path):
    from mt.testing import build_model

    ending = build_model(tmp_path / "ends", size="tiny", pair="ar-en", ends_sentences=True)
    with pytest.raises(SystemExit, match="did not decode 200 steps"):  # it ends each sentence sooner
        run_child(bench, capsys, "b", ending, steps=200)


@pytest.fixture(scope="module")
def ending_models(tmp_path_factory):
    """A tiny ar-en model that ends its sentences (mt.testing's ends_sentences) and its CTranslate2 int8 form."""
    from mt.models.convert import convert
    from mt.testing import build_model

    root = tmp_path_factory.mktemp("bench-natural")
    hf = build_model(root / "hf", size="tiny", pair="ar-en", seed=1, ends_sentences=True)
    return {"hf": hf, "ct2": convert(str(hf), root / "ct2", quantization="int8")}


def test_natural_lengths_every_system_decodes_the_same_lines(bench, capsys, ending_models):
    models = {"a": "hf", "b": "hf", "c": "ct2", "d": "ct2"}
    runs = {}
    for system, kind in models.items():
        bench.main(
            ["--child", system, "--model", str(ending_models[kind]), "--sentences", "8", "--batch", "4"]
            + ["--beam", "2", "--threads", "1", "--lengths", "natural", "--new-tokens", "200"]
        )
        runs[system] = [json.loads(capsys.readouterr().out.strip().splitlines()[-1])]
    for system, (result,) in runs.items():
        assert (result["sentences"], result["outputs"], len(result["steps"])) == (8, 8, 8), system
        assert sum(result["steps"]) == result["tokens"], system
        assert max(result["steps"]) < 200, system  # every sentence ended by itself, before the limit
        assert len(set(result["steps"])) > 1, system  # lengths follow the sources, not a fixed count
    # Tarjama's rows decode each line as the library it wraps does, in line order (its batches are buckets)
    assert runs["b"][0]["steps"] == runs["a"][0]["steps"]
    assert runs["d"][0]["steps"] == runs["c"][0]["steps"]
    assert bench.check_equal_work(runs) == []


def _run(steps: list[int], seconds: float = 1.0) -> dict:
    return {
        "sentences": len(steps),
        "tokens": sum(steps),
        "steps": steps,
        "seconds": seconds,
        "load": 0.5,
        "first": 0.2,
        "rss_mb": 100.0,
    }


def test_equal_work_check_fails_on_other_lengths(bench):
    """The check itself, on made-up counts (the model is beside the point)."""
    runs = {"a": [_run([5, 9, 7])], "b": [_run([5, 9, 7])], "c": [_run([5, 8, 7])], "d": [_run([5, 8, 7])]}
    assert bench.check_equal_work(runs) == []  # (c) may end elsewhere than (a): another library's search
    runs["d"] = [_run([5, 8, 7]), _run([5, 8, 6])]
    assert bench.check_equal_work(runs) == ["(d) decoded other lengths in another run"]
    runs["d"] = [_run([6, 8, 7])]
    runs["b"] = [_run([5, 9, 8])]
    problems = bench.check_equal_work(runs)
    assert len(problems) == 2
    assert problems[0].startswith("(b) ended 1 of 3 sentences at another step than (a)")
    assert problems[1].startswith("(d) ended 1 of 3 sentences at another step than (c)")
    with pytest.raises(ValueError):
        bench.length_differences([5, 9], [5, 9, 7])


def test_each_table_holds_rows_on_the_same_lines(bench):
    runs = {key: [_run([4, 4], seconds)] for key, seconds in (("a", 4.0), ("c", 1.0), ("t", 1.0), ("e", 2.0))}
    un, tico = [part for part in "\n".join(bench.tables(runs, natural=True)).split("On ") if part]
    assert un.startswith("the held-out UN devset lines") and tico.startswith("the TICO-19 dev lines")
    assert "(a)" in un and "(c)" in un and "(t)" not in un and "(e)" not in un
    assert "vs (a)" not in tico and "vs (t) tokens/s" in tico and "vs (t) sentences/s" in tico
    row = next(line for line in tico.splitlines() if line.startswith("| (e)"))
    assert "| 0.50x |" in row and "| 2/2 |" in row
