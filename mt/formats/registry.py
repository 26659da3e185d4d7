"""Which document format reads a file: chosen by extension, or named with --input-format. A format's module is
imported only when a file of that format is read (a plain-text translation imports no document parser)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from mt.errors import InputError
from mt.formats.document import DocumentFormat
from mt.plugins import Plugin


@dataclass(frozen=True)
class FormatEntry:
    """A document format known by name and extensions; its module (and the parser library it uses: lxml,
    markdown-it, srt, ...) is imported when a file of that format is read (see mt.plugins)."""

    plugin: Plugin
    extensions: tuple[str, ...]


# One entry per format, sorted by name; the extensions are the format class's own (tests/test_startup.py checks).
ENTRIES: dict[str, FormatEntry] = {
    "docx": FormatEntry(Plugin("mt.formats.docx:DocxFormat"), (".docx",)),
    "html": FormatEntry(Plugin("mt.formats.html:HtmlFormat"), (".html", ".htm")),
    "markdown": FormatEntry(Plugin("mt.formats.markdown:MarkdownFormat"), (".md", ".markdown")),
    "po": FormatEntry(Plugin("mt.formats.po:PoFormat"), (".po", ".pot")),
    "srt": FormatEntry(Plugin("mt.formats.srt:SrtFormat"), (".srt",)),
    "tmx": FormatEntry(Plugin("mt.formats.tmx:TmxFormat"), (".tmx",)),
    "vtt": FormatEntry(Plugin("mt.formats.vtt:VttFormat"), (".vtt",)),
    "xliff": FormatEntry(Plugin("mt.formats.xliff:XliffFormat"), (".xlf", ".xliff")),
}


class _Formats(Mapping[str, DocumentFormat]):
    """Name -> one instance of each format, each made (its module imported) on first access."""

    def __init__(self) -> None:
        self._made: dict[str, DocumentFormat] = {}

    def __getitem__(self, name: str) -> DocumentFormat:
        if name not in self._made:
            self._made[name] = ENTRIES[name].plugin.load()()
        return self._made[name]

    def __iter__(self) -> Iterator[str]:
        return iter(ENTRIES)

    def __len__(self) -> int:
        return len(ENTRIES)


FORMATS: Mapping[str, DocumentFormat] = _Formats()

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
    for name, entry in ENTRIES.items():
        if suffix in entry.extensions:
            return FORMATS[name]
    return None
