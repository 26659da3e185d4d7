"""`mt models`: list the known models, download one into the Hugging Face cache, convert one for CTranslate2."""

from __future__ import annotations

import sys

import typer
from rich.table import Table

from mt.cli.common import say
from mt.cli.rich_output import literal_console
from mt.models.hub import cached_path, fetch
from mt.models.loading import model_kind
from mt.models.registry import REGISTRY
from mt.plugins import Plugin

app = typer.Typer(help="List, download and convert translation models.", no_args_is_help=True)
CONVERT = Plugin(
    "mt.models.convert:convert", extra="hf", needs=("torch", "transformers"), what="mt models convert"
)  # reads the Hugging Face model with transformers (and torch)


@app.command("list", help="Show the known models per language pair and whether each is in the local cache.")
def list_models() -> None:
    columns = ("pair", "model", "default", "cached", "about")
    rows = [
        (info.pair, info.id, "yes" if info.default else "", "yes" if cached_path(info.id) else "no", info.description)
        for info in REGISTRY
    ]
    if not sys.stdout.isatty():  # piped: whole values, one tab-separated row per model (a table would cut ids)
        for row in (columns, *rows):
            typer.echo("\t".join(row))
        return
    table = Table(title="Tarjama models (ar->zh without a direct model: ar-en then en-zh)")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*row)
    literal_console().print(table)


@app.command("pull", help="Download a model (hub id) into the Hugging Face cache, with a progress bar.")
def pull(model_id: str = typer.Argument(..., help="Hub id, e.g. Helsinki-NLP/opus-mt-ar-en.")) -> None:
    path = fetch(model_id)
    model_kind(path)
    say(f"mt: {model_id} is ready in {path}")


@app.command(
    "convert",
    help="Convert a Hugging Face Marian model (hub id or directory) into a CTranslate2 "
    "directory that `mt translate --model` accepts (faster on CPU; int8 by default). The tokenizer files "
    "and the pair travel with it; OUT is written atomically.",
)
def convert(
    source: str = typer.Argument(..., help="Hub id (e.g. Helsinki-NLP/opus-mt-ar-en) or Marian model directory."),
    out: str = typer.Argument(..., help="Directory to create for the CTranslate2 model."),
    quantization: str = typer.Option(
        "int8", "--quantization", "-q", help="Weight type: int8 (fastest on CPU), int16, float16 or float32."
    ),
    force: bool = typer.Option(False, "--force", help="Replace OUT if it already exists."),
) -> None:
    path = CONVERT.load()(source, out, quantization=quantization, force=force)
    say(f"mt: converted {source} ({quantization}) into {path}")
