"""Helpers shared by the CLI commands: the error console and the progress bar, both on stderr."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

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
    from mt.models.loading import cached_path  # the hub client, imported only when a command checks outputs
    from mt.models.registry import route

    found = []
    for _, model in route(to, models):
        path = Path(model).expanduser()
        if path.is_dir():
            found.append(path)
        elif model.count("/") == 1 and (cached := cached_path(model)) is not None:
            found.append(cached)
    return found
