"""Small file helpers shared by the aligners: strict line reading and atomic writes."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from mt.errors import InputError


def read_lines(path: str | Path, *, allow_empty: bool = True) -> list[str]:
    """Read a UTF-8 text file as lines (no line ends). Raise InputError on a missing file, bad encoding or,
    unless ``allow_empty``, an empty line (naming the file and line)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror}") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    if not allow_empty:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                raise InputError(f"{path}:{number}: empty line")
    return lines


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write text to path through a temporary file in the same folder and os.replace."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
