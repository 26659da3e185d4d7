"""Glossary file formats: the canonical TSV, TBX (ISO 30042, TBX-Basic), 2-column / multilingual CSV, and JSON.

Each format module has ``loads(text, name, **options) -> list[Concept]`` and ``dumps(concepts, **options) -> str``.
"""

from __future__ import annotations

from pathlib import Path

from mt.errors import GlossaryError

FORMATS: tuple[str, ...] = ("tsv", "tbx", "csv", "json")
_EXTENSIONS = {
    ".tsv": "tsv",
    ".tab": "tsv",
    ".txt": "tsv",
    ".tbx": "tbx",
    ".xml": "tbx",
    ".csv": "csv",
    ".json": "json",
}


def format_for(path: str | Path, format: str | None = None) -> str:
    """The format named by ``format`` or else by the file extension."""
    if format:
        fmt = format.lower().lstrip(".")
        if fmt not in FORMATS:
            raise GlossaryError(f"unknown glossary format {format!r} (expected one of {', '.join(FORMATS)})")
        return fmt
    by_extension = _EXTENSIONS.get(Path(path).suffix.lower())
    if by_extension is None:
        raise GlossaryError(
            f"{path}: cannot tell the glossary format from the extension "
            f"(use .tsv, .tbx, .csv or .json, or give --format)"
        )
    return by_extension


def module_for(fmt: str):
    """The module implementing ``fmt``."""
    from mt.glossary.formats import csv as csv_fmt
    from mt.glossary.formats import json as json_fmt
    from mt.glossary.formats import tbx, tsv

    return {"tsv": tsv, "tbx": tbx, "csv": csv_fmt, "json": json_fmt}[fmt]
