"""Helpers shared by the CLI commands: the error console and the progress bar (both on stderr), option checks and
the decoding options built from mt.settings."""

from __future__ import annotations

import math
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from mt.settings import RANGES, DecodingSettings

err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def warn(message: str) -> None:
    """Print a one-line warning on stderr."""
    err_console.print(f"mt: warning: {message}", markup=False)


@contextmanager
def progress_bar(description: str, total: int | None, enabled: bool = True) -> Iterator["callable"]:
    """Yield an ``advance(n)`` function that drives a rich progress bar on stderr.

    The bar is shown only when enabled and stderr is a terminal or MT_PROGRESS=1 forces it.
    """
    import os

    show = enabled and (sys.stderr.isatty() or os.environ.get("MT_PROGRESS") == "1")
    if not show:
        yield lambda n=1: None
        return
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=err_console, transient=False) as progress:
        task = progress.add_task(description, total=total)
        yield lambda n=1: progress.advance(task, n)


MEMORY_SIBLINGS = ("-wal", "-shm", "-journal")  # the files SQLite keeps beside a database (and deletes at close)


def memory_files(tm: Optional[Path]) -> list[Path]:
    """A translation memory in use and the files SQLite keeps beside it: no output may be one of them."""
    return [] if tm is None else [tm, *(Path(f"{tm}{suffix}") for suffix in MEMORY_SIBLINGS)]


def model_directories(to: str, models: dict) -> list[Path]:
    """The local directories of the models that translate into ``to`` (a directory given, or a hub model's
    cached snapshot): every file in them is an input, never an output."""
    from mt.models.registry import route

    found = []
    for _, model in route(to, models):
        path = Path(model).expanduser()
        if path.is_dir():
            found.append(path)
        elif model.count("/") == 1:  # a hub id: the hub client (mt.models.hub) is imported only for one
            from mt.models.hub import cached_path

            if (cached := cached_path(model)) is not None:
                found.append(cached)
    return found


def load_glossaries(paths: list[Path]):
    """The glossaries of `mt translate -g` (merged when several), each refused as `mt glossary check` refuses
    it: one line naming the first error (a source term in two concepts, a duplicate id, ...)."""
    from mt.errors import GlossaryError
    from mt.glossary import Glossary
    from mt.glossary.lint import lint

    glossaries = []
    for path in paths:
        glossary = Glossary.load(path)
        errors = [issue for issue in lint(glossary.concepts) if issue.level == "error"]
        if errors:
            first = errors[0]
            line = glossary.lines.get(first.concept_id)
            raise GlossaryError(f"{path}{f':{line}' if line else ''}: {first.concept_id}: {first.message} "
                                f"({len(errors)} error(s); `mt glossary check {path}` lists them)")
        glossaries.append(glossary)
    return glossaries[0] if len(glossaries) == 1 else Glossary.merge(glossaries)


def finite(value: Optional[float]) -> Optional[float]:
    """A typer callback: refuse nan and infinity, which every range check lets through (nan < x is False)."""
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not a number")
    return value


def positive(value: Optional[float]) -> Optional[float]:
    """A typer callback: a finite number above 0."""
    if finite(value) is not None and value <= 0:
        raise typer.BadParameter(f"{value} is not above 0")
    return value


def decoding_option(field: str) -> Any:
    """The typer option of a DecodingSettings field, with the default, range and help declared once in
    mt.settings (RANGES; typer's help shows the range): a value out of range is refused before any work."""
    bounds = RANGES[field]
    default = DecodingSettings.__dataclass_fields__[field].default
    if bounds.above_low:  # typer has no open lower bound (its help would show only x<=high); positive refuses nan
        return typer.Option(default, bounds.option, max=bounds.high, callback=positive,
                            help=f"{bounds.help} Range: {bounds.describe()}.")
    return typer.Option(default, bounds.option, min=bounds.low, max=bounds.high, help=bounds.help)
