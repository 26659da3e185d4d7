"""Documents through a translator: a file (DOCX, XLIFF, PO, SRT/VTT, HTML, Markdown, TMX) or its segments
(mt.formats.document), translated line by line with ``translate_stream`` and their inline tags placed on the
target words their source words align to (mt.segments). :class:`mt.pipeline.Translator` calls these for its
``translate_file`` and ``translate_segments``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterator, Protocol, Sequence

from mt.blocks import TranslationStats
from mt.decoding import Leg
from mt.errors import InputError
from mt.formats.document import Document, FormatOptions
from mt.formats.document import Segment as DocumentSegment
from mt.formats.document import TranslatedSegment
from mt.formats.registry import format_for
from mt.formats.writing import atomic_writer, check_output, write_bytes_atomic
from mt.qe.sentences import SentenceAssessor
from mt.results import LineResult
from mt.segments import assemble, has_arabic, kept_as_is, place_markup, segment_lines

PLACE_GROUP = 64  # the tags of this many segments are placed at a time (memory stays flat)


class StreamTranslator(Protocol):
    """What documents need of a translator (mt.pipeline.Translator)."""

    stats: TranslationStats
    assessor: SentenceAssessor | None

    def legs(self, to: str) -> list[Leg]: ...

    def translate_stream(
        self,
        lines: Sequence[str],
        to: str = "en",
        progress: Callable[[int], None] | None = None,
        *,
        attention: bool = False,
    ) -> Iterator[LineResult]: ...


@dataclass
class FileTranslation:
    """What :func:`translate_file` did: the file it read and wrote, its format, and every segment's translation
    (tags placed, sentence results, displaced tags) for reports."""

    input: Path
    output: Path | None
    format: str
    translations: list[TranslatedSegment] = field(default_factory=list)

    @property
    def segments(self) -> int:
        return len(self.translations)

    @property
    def displaced(self) -> list[tuple[str, tuple[str, ...]]]:
        """(location, tag ids) of the segments with tags put at the nearest valid point."""
        return [(t.segment.location, t.displaced) for t in self.translations if t.displaced]


def translate_segments(
    translator: StreamTranslator,
    segments: Sequence[DocumentSegment],
    to: str,
    progress: Callable[[int], None] | None = None,
) -> list[TranslatedSegment]:
    """Translate document segments (mt.formats.document): one TranslatedSegment per segment, in order.

    Every segment's text goes through ``translate_stream`` (a "\\n" inside a segment separates lines and stays a
    "\\n" in its translation), so sentences, chunking, batching, glossary enforcement and the translation memory
    apply as to plain lines. The tags of a segment are then put at the target words their source words align to
    (the model's alignment head, mt.segments); segments without tags cost nothing more. ``progress`` is called
    with the number of segments finished. A segment without an Arabic letter is not translated: it comes back as
    it is, marked ``kept`` (mt.segments.kept_as_is)."""
    arabic = [segment for segment in segments if has_arabic(segment.text)]
    if progress and len(arabic) < len(segments):
        progress(len(segments) - len(arabic))
    translated = iter(_translate_arabic(translator, arabic, to, progress))
    return [next(translated) if has_arabic(segment.text) else kept_as_is(segment) for segment in segments]


def _translate_arabic(
    translator: StreamTranslator, segments: Sequence[DocumentSegment], to: str, progress: Callable[[int], None] | None
) -> list[TranslatedSegment]:
    """translate_segments of segments that all have Arabic letters (none: no model is loaded). The decoder keeps
    its pieces and alignment head for this call only when a segment has tags."""
    if not segments:
        return []
    counts = []
    lines: list[str] = []
    for segment in segments:
        parts = segment_lines(segment)
        counts.append(len(parts))
        lines.extend(parts)
    legs = translator.legs(to)
    out: list[TranslatedSegment] = []
    pending: list = []  # assembled segments whose tags are placed a group at a time (the heads' rows then go)
    results = translator.translate_stream(lines, to=to, attention=any(segment.tags for segment in segments))
    for segment, count in zip(segments, counts):
        pending.append(assemble(segment, [next(results) for _ in range(count)], to))
        if progress:
            progress(1)
        if len(pending) >= PLACE_GROUP:
            out += _placed(translator, pending, legs, to)
            pending = []
    return out + _placed(translator, pending, legs, to)


def _placed(translator: StreamTranslator, assembled: list, legs: list[Leg], to: str) -> list[TranslatedSegment]:
    """Assembled segments with their tags placed; with quality estimation, a sentence holding a tag that could
    not be placed on its words gets a ``tags`` flag (mt.qe.sentences), counted as flagged."""
    placed = place_markup(assembled, legs)
    if translator.assessor is None:
        return placed
    out = [translator.assessor.flag_displaced(translated, to) for translated in placed]
    translator.stats.flagged += sum(bool(s.flags) for t in out for s in t.sentences) - sum(
        bool(s.flags) for t in placed for s in t.sentences
    )
    return out


def translate_file(
    translator: StreamTranslator,
    path: str | Path,
    to: str = "en",
    out: str | Path | None = None,
    *,
    input_format: str | None = None,
    options: FormatOptions = FormatOptions(),
    force: bool = False,
    progress: Callable[[int], None] | None = None,
    document: Document | None = None,
) -> FileTranslation:
    """Translate a document (DOCX, XLIFF, PO, SRT/VTT, HTML, Markdown, TMX: chosen by extension, or
    ``input_format``) into ``out`` in the same format, written atomically; ``out="-"`` writes it to standard output,
    ``out=None`` translates without writing. The output is checked first: never the input, never an existing file
    unless ``force``. ``options`` go to the format's reader and writer (its ``target`` is set to ``to``);
    ``document``: the file already parsed with them (the CLI reads every input before loading a model)."""
    path = Path(path)
    fmt = format_for(path, input_format)
    if fmt is None:
        raise InputError(
            f"{path}: not a document format (by its extension); translate text with "
            "translate_stream, or name the format (input_format=)"
        )
    to_stdout = out is not None and str(out) == "-"
    if out is not None and not to_stdout:
        check_output(Path(out), force, [path])
    options = replace(options, target=to)
    document = document if document is not None else fmt.load(path, options)
    translations = translate_segments(translator, document.segments, to=to, progress=progress)
    data = document.render(translations, options)
    if to_stdout:
        with atomic_writer(None, binary=True) as handle:
            handle.write(data)
    elif out is not None:
        write_bytes_atomic(out, data)
    return FileTranslation(path, Path(out) if out is not None and not to_stdout else None, fmt.name, translations)
