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
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the mode a plain open() would
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
