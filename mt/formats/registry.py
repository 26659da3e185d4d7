"""Which document format reads a file: chosen by extension, or named with --input-format."""

from __future__ import annotations

from pathlib import Path

from mt.errors import InputError
from mt.formats.document import DocumentFormat
from mt.formats.markdown import MarkdownFormat
from mt.formats.po import PoFormat
from mt.formats.srt import SrtFormat
from mt.formats.tmx import TmxFormat
from mt.formats.vtt import VttFormat

# One instance per format: each format module's class is imported above and listed here, sorted by name.
_ALL: tuple[DocumentFormat, ...] = (
    MarkdownFormat(),
    PoFormat(),
    SrtFormat(),
    TmxFormat(),
    VttFormat(),
)
FORMATS: dict[str, DocumentFormat] = {fmt.name: fmt for fmt in _ALL}

# Plain text and JSONL are read line by line by mt.text.lines, not as documents.
TEXT_EXTENSIONS = (".txt", ".text", ".ar", ".jsonl")


def format_names() -> list[str]:
    return sorted(FORMATS)


def format_for(path: str | Path, override: str | None = None) -> DocumentFormat | None:
    """The document format of ``path`` (None: plain text, read line by line). ``override`` (--input-format)
    wins over the extension; an unknown override is a one-line error."""
    if override is not None:
        if override in ("txt", "text"):
            return None
        if override not in FORMATS:
            raise InputError(f"unknown --input-format {override!r}; choose txt or one of {', '.join(format_names())}")
        return FORMATS[override]
    suffix = Path(str(path)).suffix.lower()
    for fmt in FORMATS.values():
        if suffix in fmt.extensions:
            return fmt
    return None
