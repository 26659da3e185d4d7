"""A document as the translator sees it: segments of plain text whose inline markup is lifted out as tags.

Every document format (mt.formats.<name>) has one :class:`DocumentFormat` subclass: ``parse`` turns the file's
bytes into a :class:`Document` (its translatable :class:`Segment` s, plus whatever the format needs to rebuild
the file), and ``Document.render`` writes the file back with a :class:`TranslatedSegment` for each segment.
The model never sees markup: a segment's ``text`` is what a reader reads (inline elements removed, their
places kept as :class:`Tag` offsets); after decoding, the pipeline puts every tag back at the target words its
source words align to (mt.decoding.markup), so a format only maps its own markup to tags and back.

    fmt = format_for(Path("report.docx"))          # mt.formats.registry
    document = fmt.load(Path("report.docx"), FormatOptions())
    translations = translator.translate_segments(document.segments, to="en")
    data = document.render(translations, FormatOptions(target="en"))

With the identity translation (:func:`identity`) ``render`` gives back the input's bytes, or differs only where
the format's writer normalises (each format's round-trip test names those differences).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Sequence

from mt.errors import InputError
from mt.results import SentenceResult

MAX_DOCUMENT_BYTES = 512 * 1024 * 1024  # a larger input is refused before it is read
KEPT_NO_ARABIC = "no Arabic"  # TranslatedSegment.kept of a segment without an Arabic letter


@dataclass(frozen=True)
class Tag:
    """An inline code lifted out of a segment's text, by character offsets into that text.

    id: unique within its segment (the format's own id where it has one, e.g. XLIFF's ``id``; else a counter).
    paired: True for markup that wraps text (bold run, ``<a>``, ``<g>``/``<pc>``): it covers ``text[start:end]``
        (may be empty). False for a point (``<x/>``, ``<ph/>``, ``<br>``, a subtitle cue boundary): start == end.
    Paired tags of one segment nest properly (no partial overlap); the pipeline keeps them so in the target.
    """

    id: str
    start: int
    end: int
    paired: bool = True

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end or (not self.paired and self.start != self.end):
            raise ValueError(f"bad tag offsets {self!r}")


@dataclass(frozen=True)
class Segment:
    """One unit to translate: a paragraph, a table cell, a trans-unit, a PO message, a subtitle sentence.

    location: where it is, for --report rows and messages ("word/document.xml p 12", "unit 7", "cue 3-4",
        "msgid line 41"); unique within the document.
    text: the plain source text (markup lifted out, entities decoded); may hold several sentences. Never empty:
        a format skips segments without letters to translate (they stay as they are).
    tags: the inline markup, by offsets into ``text``.
    """

    location: str
    text: str
    tags: tuple[Tag, ...] = ()

    def __post_init__(self) -> None:
        for tag in self.tags:
            if tag.end > len(self.text):
                raise ValueError(f"tag {tag.id} ends past the text of {self.location}")


@dataclass
class TranslatedSegment:
    """A segment's translation: the target text and the same tags (same ids) at target offsets.

    sentences: the sentence results (score, terms, origin) for --report; empty for the identity translation.
    displaced: ids of tags that could not be put at an aligned place and were put at the nearest valid point
        (reported on stderr and in --report).
    kept: why the segment was left as it is, untranslated (``KEPT_NO_ARABIC``: it has no Arabic letter); its
        text and tags are then the source's, and a format with targets beside sources (XLIFF) writes none.
    """

    segment: Segment
    text: str
    tags: tuple[Tag, ...] = ()
    sentences: list[SentenceResult] = field(default_factory=list)
    displaced: tuple[str, ...] = ()
    kept: str | None = None

    def tag(self, tag_id: str) -> Tag:
        for tag in self.tags:
            if tag.id == tag_id:
                return tag
        raise KeyError(tag_id)


def identity(segment: Segment) -> TranslatedSegment:
    """The segment "translated" into itself: what round-trip tests render (output = input)."""
    return TranslatedSegment(segment, segment.text, segment.tags)


@dataclass(frozen=True)
class FormatOptions:
    """What a reader or writer may need beyond the bytes.

    target: the target language ("en", "zh"); set when rendering (None while reading).
    encoding: --encoding, for formats that may come in a legacy encoding (PO, SRT, VTT); None: the declared
        encoding, else UTF-8 (else a one-line error naming --encoding).
    overwrite_targets: XLIFF/TMX: replace existing targets (default: leave them and skip those units).
    mark_fuzzy: PO: mark machine-translated entries fuzzy (--no-fuzzy turns it off).
    state: XLIFF: the state to give new targets (None: needs-review-translation in 1.2, translated in 2.x).
    review_comments: DOCX: a Word comment on each paragraph quality estimation flagged, naming the reason
        (mt translate --qe-comments; mt.formats.docx.comments).
    """

    target: str | None = None
    encoding: str | None = None
    overwrite_targets: bool = False
    mark_fuzzy: bool = True
    state: str | None = None
    review_comments: bool = False


class Document(ABC):
    """A parsed document: its segments, in reading order, and how to write it back."""

    segments: list[Segment]

    @abstractmethod
    def render(self, translations: Sequence[TranslatedSegment], options: FormatOptions) -> bytes:
        """The whole output file, with ``translations[i]`` in place of ``segments[i]`` (same length, same
        order), in the target language ``options.target`` (language and direction attributes set for it)."""


class DocumentFormat(ABC):
    """One document format: a name, its file extensions, and a parser."""

    name: ClassVar[str]  # "docx", "xliff", "po", "srt", "vtt", "html", "markdown", "tmx"
    extensions: ClassVar[tuple[str, ...]]  # lower case, with the dot: (".xlf", ".xliff")

    def load(self, path: Path, options: FormatOptions) -> Document:
        """Read and parse a file; every problem is a one-line :class:`InputError` naming the file."""
        path = Path(path)
        try:
            size = path.stat().st_size
            if size > MAX_DOCUMENT_BYTES:
                raise InputError(f"{path}: {size} bytes is more than the {MAX_DOCUMENT_BYTES} a document may have")
            data = path.read_bytes()
        except OSError as error:
            raise InputError(f"{path}: cannot read: {error.strerror or error}") from error
        return self.parse(data, str(path), options)

    @abstractmethod
    def parse(self, data: bytes, name: str, options: FormatOptions) -> Document:
        """Parse a file's bytes (``name`` is for messages). Raise InputError with a one-line message on a
        corrupt, truncated, unsafe (XML entities) or mislabelled file; never leak the file's content."""
