"""Reading a source file and its translation, line-parallel, with the project's one line reader."""

from __future__ import annotations

from pathlib import Path

from mt.errors import InputError
from mt.text.lines import read_lines


def read_pairs(source: str | Path, translation: str | Path) -> tuple[list[str], list[str]]:
    """Both files' lines (binary or invalid UTF-8 refused by the reader); differing line counts are one
    error naming both counts. Empty files give no pairs."""
    sources = read_lines(source)
    translations = read_lines(translation)
    if len(sources) != len(translations):
        raise InputError(
            f"line counts differ: {source} has {len(sources)} lines, {translation} has {len(translations)}"
        )
    return sources, translations
