"""`mt models convert` and `mt translate` on CTranslate2 directories made from tiny random models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SEEDS

SEED = SEEDS / "article.ar.txt"
FAST = ["--max-length-ratio", "0.5", "--max-length-extra", "4"]


def _one_line_error(code: int, err: str, needle: str) -> None:
    assert code == 1, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("mt: error:") and needle in lines[0], err


@pytest.fixture(scope="module")
def converted(tiny_ar_en, tiny_en_zh, tmp_path_factory) -> dict[str, Path]:
    """Both tiny legs converted with the CLI: ar-en in int8 and float32, en-zh in int8."""
    from mt.cli import main

    root = tmp_path_factory.mktemp("ct2")
    out = {"ar-en-int8": root / "ar-en-int8", "ar-en-float32": root / "ar-en-float32", "en-zh-int8": root / "en-zh"}
    for (name, path), source in zip(out.items(), (tiny_ar_en, tiny_ar_en, tiny_en_zh)):
        assert main(["models", "convert", str(source), str(path), "--quantization", name.rsplit("-", 1)[1]]) == 0
    return out


@pytest.mark.parametrize("quantization", ["int8", "float32"])
def test_convert_then_translate_the_seed_article_into_both_targets(run_cli, converted, quantization, tmp_path):
    ar_en, en_zh = converted[f"ar-en-{quantization}"], converted["en-zh-int8"]
    info = json.loads((ar_en / "tarjama.json").read_text(encoding="utf-8"))
    assert info["quantization"] == quantization and info["pair"] == "ar-en" and info["max_positions"] == 512
    for name in ("model.bin", "source.spm", "target.spm", "vocab.json", "tokenizer_config.json"):
        assert (ar_en / name).exists()
    assert json.loads((en_zh / "tarjama.json").read_text(encoding="utf-8"))["target_token"] == ">>cmn_Hans<<"
    source = SEED.read_text(encoding="utf-8").split("\n")
    for target, models in (
        ("en", ["--model", f"ar-en={ar_en}"]),
        ("zh", ["--model", f"ar-en={ar_en}", "--model", f"en-zh={en_zh}"]),
    ):
        out = tmp_path / f"seed.{target}.jsonl"
        code, _, err = run_cli("translate", SEED, "--to", target, "-o", out, *models, *FAST, "--threads", "1")
        assert code == 0, err
        records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert [r["source"] for r in records] == source and len(records) == 9
        assert all(r["translation"].strip() for r in records)
        assert len(records[4]["sentences"]) == 2
        for sentence in (s for r in records for s in r["sentences"]):
            assert sentence["score"] <= 0.0
            assert ("intermediate" in sentence) == (target == "zh")


def test_a_converted_directory_is_detected_and_the_zh_leg_gets_its_language_token(converted):
    from mt.models.loading import model_kind
    from mt.pipeline import Translator

    assert model_kind(converted["ar-en-int8"]) == "ct2"
    translator = Translator({"ar-en": str(converted["ar-en-int8"]), "en-zh": str(converted["en-zh-int8"])})
    first, second = translator.legs("zh")
    assert first.backend.name == second.backend.name == "ct2"
    assert first.prefix == [] and second.prefix == [">>cmn_Hans<<"]
    assert first.backend.max_positions == 512
    assert first.backend.compute_type.startswith("int8")


def test_ct2_and_hf_backends_are_refused_on_the_other_kind(run_cli, converted, tiny_ar_en, tmp_path):
    code, _, err = run_cli(
        "translate",
        SEED,
        "--to",
        "en",
        "--model",
        f"ar-en={converted['ar-en-int8']}",
        "--backend",
        "hf",
        "-o",
        tmp_path / "x.txt",
    )
    _one_line_error(code, err, "cannot run on the transformers backend")
    code, _, err = run_cli(
        "translate", SEED, "--to", "en", "--model", f"ar-en={tiny_ar_en}", "--backend", "ct2", "-o", tmp_path / "y.txt"
    )
    _one_line_error(code, err, "mt models convert")
    assert not (tmp_path / "x.txt").exists() and not (tmp_path / "y.txt").exists()


def test_convert_errors_are_one_line(run_cli, converted, tiny_ar_en, tmp_path):
    existing = converted["ar-en-int8"]
    before = (existing / "model.bin").read_bytes()
    code, _, err = run_cli("models", "convert", tiny_ar_en, existing)
    _one_line_error(code, err, "already exists; pass --force")
    assert (existing / "model.bin").read_bytes() == before

    bert = tmp_path / "bert"
    bert.mkdir()
    (bert / "config.json").write_text(json.dumps({"model_type": "bert"}), encoding="utf-8")
    code, _, err = run_cli("models", "convert", bert, tmp_path / "out")
    _one_line_error(code, err, "not a Marian model")
    code, _, err = run_cli("models", "convert", tmp_path / "missing", tmp_path / "out")
    _one_line_error(code, err, "no such model directory")
    code, _, err = run_cli("models", "convert", existing, tmp_path / "out")
    _one_line_error(code, err, "already a CTranslate2 directory")
    code, _, err = run_cli("models", "convert", tiny_ar_en, tmp_path / "out", "--quantization", "int4")
    _one_line_error(code, err, "unknown quantization")
    code, _, err = run_cli("models", "convert", tiny_ar_en, tmp_path / "no" / "such" / "out")
    _one_line_error(code, err, "no such directory")
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("config.json", "source.spm", "target.spm", "vocab.json", "tokenizer_config.json"):
        (broken / name).write_bytes((tiny_ar_en / name).read_bytes())
    (broken / "model.safetensors").write_bytes(b"not weights")
    code, _, err = run_cli("models", "convert", broken, tmp_path / "out")
    _one_line_error(code, err, "conversion failed")
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging directory left behind


def test_force_replaces_atomically(run_cli, tiny_ar_en, tmp_path):
    out = tmp_path / "model"
    out.mkdir()
    (out / "stale.txt").write_text("old", encoding="utf-8")
    code, _, err = run_cli("models", "convert", tiny_ar_en, out, "-q", "float32", "--force")
    assert code == 0, err
    assert (out / "model.bin").exists() and not (out / "stale.txt").exists()
    assert json.loads((out / "tarjama.json").read_text(encoding="utf-8"))["quantization"] == "float32"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
    code, out_text, _ = run_cli("models", "convert", "--help")
    assert code == 0 and "--quantization" in out_text and "--force" in out_text
