"""Small file helpers shared by the aligners: strict line reading and atomic writes."""

from __future__ import annotations

from pathlib import Path

from mt.formats.writing import write_text_atomic  # noqa: F401 - re-exported for the aligners
from mt.text.lines import LineRules
from mt.text.lines import read_lines as _read_lines


def read_lines(path: str | Path, *, allow_empty: bool = True) -> list[str]:
    """Read a UTF-8 text file as lines (no line ends), under the rules of :mod:`mt.text.lines`. Raise InputError
    on a missing file, a directory, a binary file, bad encoding or, unless ``allow_empty``, an empty line (naming
    the file and line)."""
    return _read_lines(path, LineRules(empty_lines="allow" if allow_empty else "refuse"), label=str(path))
