"""Issue 20 item 5: every option has a documented range, checked before any work: a value out of it (or nan)
is one line on stderr and a non-zero exit. `--beam 100000` once grew to 15.5 GB; `--max-length-ratio nan` and
`--threads -1` were internal errors (exit 3)."""

from __future__ import annotations

import pytest

from tests.conftest import SEEDS

SEED_AR = SEEDS / "article.ar.txt"

TRANSLATE = [
    ["--beam", "100000"],
    ["--beam", "0"],
    ["--max-length-ratio", "nan"],
    ["--max-length-ratio", "inf"],
    ["--max-length-ratio", "-1"],
    ["--max-length-ratio", "0"],
    ["--max-length-extra", "-1"],
    ["--threads", "-1"],
    ["--threads", "0"],
    ["--batch-tokens", "0"],
    ["--max-input-tokens", "0"],
    ["--fuzzy-min", "nan"],
]


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


@pytest.mark.parametrize(
    "bad",
    [
        ["--paired-bs-n", "0"],
        ["--paired-bs-n", "1000000000"],
        ["--paired-ar-n", "-5"],
        ["--confidence-n", "-1"],
        ["--confidence-n", "1000000000"],
        ["--top", "-1"],
    ],
    ids=lambda bad: " ".join(bad),
)
def test_evaluate_bounds(run_cli, tmp_path, bad):
    ref = tmp_path / "ref.en"
    ref.write_text("a cat sat\n", encoding="utf-8")
    code, _, err = run_cli("evaluate", "-r", ref, ref, *bad)
    _refused(code, err, bad[0])


@pytest.mark.parametrize(
    "bad",
    [
        ["--beam", "100000"],
        ["--max-length-ratio", "nan"],
        ["--threads", "-1"],
        ["--batch-wait-ms", "nan"],
        ["--body-limit-mb", "inf"],
        ["--file-expiry-min", "nan"],
    ],
    ids=lambda bad: " ".join(bad),
)
def test_serve_bounds(run_cli, bad):
    code, _, err = run_cli("serve", *bad)
    _refused(code, err, bad[0])


@pytest.mark.parametrize(
    "bad",
    [["--epochs", "100000000"], ["--max-ratio", "nan"], ["--threads", "100000"], ["--batch-tokens", "1000000000"]],
    ids=lambda bad: " ".join(bad),
)
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


# -- issue 22: each decoding range is declared once (mt.settings.RANGES); the commands' options follow it --------------
@pytest.mark.parametrize("module,function", [("mt.cli.serve", "serve"), ("mt.cli.translate", "translate")])
def test_decoding_options_take_their_range_default_and_help_from_the_settings(module, function):
    import importlib
    import inspect

    import typer

    from mt.settings import RANGES, DecodingSettings

    # each option's declaration as typer reads it (the OptionInfo default of the command function's parameter:
    # default, min, max, help), the same under every typer version
    declared = [
        p.default for p in inspect.signature(getattr(importlib.import_module(module), function)).parameters.values()
    ]
    options = {
        decl: info for info in declared if isinstance(info, typer.models.OptionInfo) for decl in info.param_decls
    }
    shown = [(field, bounds) for field, bounds in RANGES.items() if bounds.option in options]
    assert {"--beam", "--max-length-ratio", "--max-length-extra", "--threads"} <= {b.option for _, b in shown}
    for field, bounds in shown:
        info = options[bounds.option]
        assert info.default == DecodingSettings.__dataclass_fields__[field].default, field
        assert info.max == bounds.high and info.help.startswith(bounds.help), field
        assert info.min == (None if bounds.above_low else bounds.low), field


def test_translate_accepts_the_whole_documented_range(run_cli, fast_tiny, tmp_path):
    """--batch-tokens 16,777,216 is in the documented range (DecodingSettings accepts it); the command line
    refused it (its own bound: 1,000,000) before the ranges were declared once."""
    out = tmp_path / "out.txt"
    code, _, err = run_cli(
        "translate",
        SEED_AR,
        "--to",
        "en",
        *fast_tiny,
        "-o",
        out,
        "--batch-tokens",
        "16777216",
        "--threads",
        "1",
        "--quiet",
    )
    assert code == 0, err
    assert len(out.read_text(encoding="utf-8").splitlines()) == len(SEED_AR.read_text(encoding="utf-8").splitlines())


def test_serve_builds_one_decoding_settings_from_its_options(run_cli, tiny_ending_ct2, monkeypatch):
    """mt serve hands its decoding options to the server as one DecodingSettings (the Translator's settings)."""
    import uvicorn

    from mt.settings import DecodingSettings

    served = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **_: served.setdefault("app", app))
    code, _, err = run_cli(
        "serve",
        "--target",
        "en",
        "--model",
        f"ar-en={tiny_ending_ct2['ar-en']}",
        "--beam",
        "2",
        "--max-length-ratio",
        "1.5",
        "--max-length-extra",
        "3",
        "--threads",
        "1",
    )
    assert code == 0, err
    translator = served["app"].state.service.translator
    assert translator.settings == DecodingSettings(beam_size=2, max_length_ratio=1.5, max_length_extra=3, threads=1)
