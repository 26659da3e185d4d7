"""Small file helpers shared by the aligners: strict line reading and atomic writes."""

from __future__ import annotations

from pathlib import Path

from mt.errors import InputError
from mt.formats.writing import write_text_atomic  # noqa: F401 - re-exported for the aligners


def read_lines(path: str | Path, *, allow_empty: bool = True) -> list[str]:
    """Read a UTF-8 text file as lines (no line ends). Raise InputError on a missing file, a directory, a binary
    file, bad encoding or, unless ``allow_empty``, an empty line (naming the file and line)."""
    from mt.formats.reading import TextInput

    lines = list(TextInput(str(path)).lines())
    if not allow_empty:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                raise InputError(f"{path}:{number}: empty line")
    return lines
