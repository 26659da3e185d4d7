"""python -m mt.testing OUT_DIR --size tiny|opus-mt-ar-en --pair ar-en|en-zh [--seed N] [--ends-sentences]"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from mt.testing.build import SIZES

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@app.command(help="Build a Marian model with random weights offline, for tests and benchmarks.")
def main(
    out_dir: Path = typer.Argument(..., help="Directory to write the model into (created if missing)."),
    size: str = typer.Option("tiny", help=f"Architecture: {', '.join(SIZES)}."),
    pair: str = typer.Option("ar-en", help="Language pair: ar-en, en-zh or ar-zh."),
    seed: int = typer.Option(0, help="Seed of the random weights."),
    data_dir: Path = typer.Option(
        None, help="Folder of parallel data to train the tokenisers on (default: eval/data of the checkout)."
    ),
    ends_sentences: bool = typer.Option(
        False,
        "--ends-sentences",
        help="End every sentence after a number of pieces that grows with its "
        "source (on the tiny size, 7-50 pieces for 26-115 source pieces), "
        "deterministically, for a quick and quiet demo. Without it, random "
        "weights never emit </s> and every sentence runs to the decoding limit "
        "(what the tests and benchmarks use).",
    ),
) -> None:
    from mt.testing.build import build_model

    if size not in SIZES:
        typer.echo(f"mt.testing: error: unknown size {size!r}; choose from {', '.join(SIZES)}", err=True)
        raise typer.Exit(1)
    if pair not in ("ar-en", "en-zh", "ar-zh"):
        typer.echo(f"mt.testing: error: unknown pair {pair!r}; choose from ar-en, en-zh, ar-zh", err=True)
        raise typer.Exit(1)
    if out_dir.exists() and not out_dir.is_dir():
        typer.echo(f"mt.testing: error: {out_dir} exists and is not a directory", err=True)
        raise typer.Exit(1)
    try:
        path = build_model(out_dir, size=size, pair=pair, seed=seed, data_dir=data_dir, ends_sentences=ends_sentences)
    except (FileNotFoundError, ValueError) as error:
        typer.echo(f"mt.testing: error: {error}", err=True)
        raise typer.Exit(1) from error
    typer.echo(str(path))


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.exit(app())
