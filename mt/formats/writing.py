"""Write output atomically: a temporary file beside the target, renamed over it only when complete."""

from __future__ import annotations

import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from mt.errors import InputError


def check_output(path: Path, force: bool) -> None:
    """Refuse an output path that exists (unless forced) or whose folder is missing."""
    if path.is_dir():
        raise InputError(f"{path}: is a directory; give a file name for the output")
    if path.exists() and not force:
        raise InputError(f"{path}: already exists; use --force to overwrite it")
    if not path.parent.exists():
        raise InputError(f"{path.parent}: no such directory for the output")


@contextmanager
def atomic_writer(path: str | Path | None) -> Iterator[IO[str]]:
    """Yield a text handle; on success the content appears at `path` at once, on failure nothing appears.

    `None` or '-' writes to standard output instead.
    """
    if path is None or str(path) == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    path = Path(path)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():  # an edited file keeps its mode
            os.chmod(temp, path.stat().st_mode & 0o777)
        else:  # mkstemp makes 0600; give a new file the mode a plain open() would
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write a whole text to `path` atomically (see atomic_writer); the folder must exist."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise InputError(f"{path}: directory {directory} does not exist")
    with atomic_writer(path) as handle:
        handle.write(text)
