"""Helpers shared by the CLI commands: the error console and the progress bar, both on stderr."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Iterator

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
