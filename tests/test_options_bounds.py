"""Issue 20 item 5: every option has a documented range, checked before any work: a value out of it (or nan)
is one line on stderr and a non-zero exit. `--beam 100000` once grew to 15.5 GB; `--max-length-ratio nan` and
`--threads -1` were internal errors (exit 3)."""

from __future__ import annotations

import pytest

from tests.conftest import SEEDS

SEED_AR = SEEDS / "article.ar.txt"

TRANSLATE = [["--beam", "100000"], ["--beam", "0"], ["--max-length-ratio", "nan"], ["--max-length-ratio", "inf"],
             ["--max-length-ratio", "-1"], ["--max-length-ratio", "0"], ["--max-length-extra", "-1"],
             ["--threads", "-1"], ["--threads", "0"], ["--batch-tokens", "0"], ["--max-input-tokens", "0"],
             ["--fuzzy-min", "nan"]]


def _refused(code: int, err: str, option: str) -> None:
    assert code not in (0, 3), err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("mt: error: ") and option in lines[0], err


@pytest.mark.parametrize("bad", TRANSLATE, ids=lambda bad: " ".join(bad))
@pytest.mark.parametrize("engine", [[], ["--engine", "local"]], ids=["plain", "engine"])
def test_translate_refuses_out_of_range_decoding_options(run_cli, tiny_models, tmp_path, bad, engine):
    out = tmp_path / "out.txt"
    code, _, err = run_cli("translate", SEED_AR, "--to", "en", *tiny_models, "-o", out, *engine, *bad)
    _refused(code, err, bad[0])
    assert not out.exists()


@pytest.mark.parametrize("bad", [["--paired-bs-n", "0"], ["--paired-bs-n", "1000000000"], ["--paired-ar-n", "-5"],
                                 ["--confidence-n", "-1"], ["--confidence-n", "1000000000"], ["--top", "-1"]],
                         ids=lambda bad: " ".join(bad))
def test_evaluate_bounds(run_cli, tmp_path, bad):
    ref = tmp_path / "ref.en"
    ref.write_text("a cat sat\n", encoding="utf-8")
    code, _, err = run_cli("evaluate", "-r", ref, ref, *bad)
    _refused(code, err, bad[0])


@pytest.mark.parametrize("bad", [["--beam", "100000"], ["--max-length-ratio", "nan"], ["--threads", "-1"],
                                 ["--batch-wait-ms", "nan"], ["--body-limit-mb", "inf"],
                                 ["--file-expiry-min", "nan"]], ids=lambda bad: " ".join(bad))
def test_serve_bounds(run_cli, bad):
    code, _, err = run_cli("serve", *bad)
    _refused(code, err, bad[0])


@pytest.mark.parametrize("bad", [["--epochs", "100000000"], ["--max-ratio", "nan"], ["--threads", "100000"],
                                 ["--batch-tokens", "1000000000"]], ids=lambda bad: " ".join(bad))
def test_finetune_bounds(run_cli, tiny_ar_en, tmp_path, bad):
    train = tmp_path / "train.tsv"
    train.write_text("ar\ten\nمرحبا بكم\twelcome\n", encoding="utf-8")
    code, _, err = run_cli("finetune", "--base", tiny_ar_en, "--train", train, "--out", tmp_path / "out", *bad)
    _refused(code, err, bad[0])
    assert not (tmp_path / "out").exists()


def test_align_words_batch_size(run_cli, tmp_path):
    src, tgt = tmp_path / "a.ar", tmp_path / "a.en"
    src.write_text("مرحبا\n", encoding="utf-8")
    tgt.write_text("hello\n", encoding="utf-8")
    code, _, err = run_cli("align", "words", src, tgt, "--batch-size", "0")
    _refused(code, err, "--batch-size")
