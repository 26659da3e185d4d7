"""`mt models`: list the known models, download one into the Hugging Face cache."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from mt.cli.common import err_console

app = typer.Typer(help="List, download and convert translation models.", no_args_is_help=True)


@app.command("list", help="Show the known models per language pair and whether each is in the local cache.")
def list_models() -> None:
    from mt.models.registry import REGISTRY

    from mt.models.loading import cached_path

    table = Table(title="Tarjama models (ar->zh without a direct model: ar-en then en-zh)")
    for column in ("pair", "model", "default", "cached", "about"):
        table.add_column(column)
    for info in REGISTRY:
        path = cached_path(info.id)
        table.add_row(info.pair, info.id, "yes" if info.default else "", "yes" if path else "no", info.description)
    Console().print(table)


@app.command("pull", help="Download a model (hub id) into the Hugging Face cache, with a progress bar.")
def pull(model_id: str = typer.Argument(..., help="Hub id, e.g. Helsinki-NLP/opus-mt-ar-en.")) -> None:
    from mt.models.loading import fetch, model_kind

    path = fetch(model_id)
    model_kind(path)
    err_console.print(f"mt: {model_id} is ready in {path}", markup=False)
