"""The progress bar of the CLI commands: rich, on stderr (lines printed meanwhile with mt.cli.common.say go above it)."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import Callable, Iterator

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from mt.cli.rich_output import literal_console


@contextmanager
def progress_bar(description: str, total: int | None, enabled: bool = True) -> Iterator[Callable[[int], None]]:
    """Yield an ``advance(n)`` function that drives a rich progress bar on stderr.

    The bar is shown only when enabled and stderr is a terminal or MT_PROGRESS=1 forces it.
    """
    show = enabled and (sys.stderr.isatty() or os.environ.get("MT_PROGRESS") == "1")
    if not show:
        yield _no_bar
        return
    columns = [TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=literal_console(stderr=True), transient=False) as progress:
        task = progress.add_task(description, total=total)

        def advance(n: int = 1) -> None:
            progress.advance(task, n)

        yield advance


def _no_bar(n: int = 1) -> None:
    """progress_bar's advance when no bar is shown."""
