"""WebVTT subtitles (.vtt): read by the W3C WebVTT parsing rules, cue text translated as sentences
(mt.formats.subtitles), everything else kept byte for byte: the WEBVTT header line and its metadata, NOTE,
STYLE and REGION blocks, cue identifiers, timings and cue settings.

What the spec's parser does, this one does (https://www.w3.org/TR/webvtt1/#file-parsing): lines end at CR, LF
or CRLF; the header block runs to the first empty line; a block is a run of non-empty lines, and it is a cue
when its first or second line holds ``-->`` (the first then being the cue's identifier); a cue's text ends at
an empty line or at a line holding ``-->`` (which starts the next cue); the timing line is two timestamps
(``[HH:]MM:SS.mmm``) around ``-->``, and what follows is the cue settings, which the spec parses leniently
(an unknown setting, a bad value, ``align:middle``, a capital letter, a space after the colon are ignored): they
are not read here at all, only kept as they are. Other blocks (NOTE, STYLE, REGION, lines of spaces) are kept;
one of text without a timing line is kept too, untranslated, with a warning.

Cue text has HTML character references (``&amp; &lt; &lrm;``): they are decoded for translation and the
translated text is escaped again (``& < >``). A file without the WEBVTT header, or a cue whose timestamps do
not parse, is a one-line error (with the cue number and line; the spec would drop such a cue, its text with
it); so is a cue that ends before it starts. An SRT file named .vtt gets a hint to use --input-format srt.
"""

from __future__ import annotations

import logging
import re

from mt.errors import InputError
from mt.formats.charset import decode_document
from mt.formats.document import DocumentFormat, FormatOptions
from mt.formats.subtitles import Cue, SubtitleDocument

LOG = logging.getLogger(__name__)

_KIND = "WebVTT subtitles"
_HEADER = re.compile(r"\ufeff?WEBVTT(?:[ \t][^\r\n]*)?")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")
_TIMESTAMP = re.compile(r"(?:(\d+):)?(\d{2}):(\d{2})\.(\d{3})(?!\d)")
_WHITESPACE = " \t\f"
_SRT_START = re.compile(r"\A\s*\d+\s*\r?\n\s*\d\d:\d\d:\d\d,\d\d\d\s*-->")


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of every line, its line ending excluded (CR, LF and CRLF end a line, as the spec says)."""
    spans = []
    for match in _LINE.finditer(text):
        if match.start() == len(text):
            break
        spans.append((match.start(), match.start() + len(match.group(0).rstrip("\r\n"))))
    return spans


def _timestamp(line: str, position: int) -> tuple[float, int] | None:
    """The spec's "collect a WebVTT timestamp": seconds and the position after it, or None."""
    match = _TIMESTAMP.match(line, position)
    if match is None:
        return None
    hours, minutes, seconds, millis = match.groups()
    if int(minutes) > 59 or int(seconds) > 59:
        return None
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000, match.end()


def parse_timing(line: str) -> tuple[float, float] | None:
    """Start and end of a cue timing line, its settings ignored (the spec's "collect WebVTT cue timings and
    settings" up to the settings); None where the timings do not parse."""
    position = len(line) - len(line.lstrip(_WHITESPACE))
    start = _timestamp(line, position)
    if start is None:
        return None
    position = start[1]
    while position < len(line) and line[position] in _WHITESPACE:
        position += 1
    if not line.startswith("-->", position):
        return None
    position += 3
    while position < len(line) and line[position] in _WHITESPACE:
        position += 1
    end = _timestamp(line, position)
    if end is None:
        return None
    return start[0], end[0]


class VttFormat(DocumentFormat):
    name = "vtt"
    extensions = (".vtt",)

    def parse(self, data: bytes, name: str, options: FormatOptions) -> SubtitleDocument:
        decoded = decode_document(data, name, _KIND, option=options.encoding)
        text = decoded.text
        if _SRT_START.match(text):
            raise InputError(f"{name}: an SRT file, not WebVTT; name it .srt or use --input-format srt")
        lines = _lines(text)
        if not lines or not _HEADER.fullmatch(text[lines[0][0] : lines[0][1]]):
            raise InputError(f"{name}: not a WebVTT file (it must begin with the line 'WEBVTT')")
        content = [text[start:end] for start, end in lines]
        cues: list[Cue] = []
        index = 1
        while index < len(lines) and content[index] and "-->" not in content[index]:
            index += 1  # the header's metadata lines
        while index < len(lines):
            if not content[index]:
                index += 1
                continue
            timing = next(
                (k for k in (index, index + 1) if k < len(lines) and content[k] and "-->" in content[k]), None
            )
            if timing is None:  # NOTE, STYLE, REGION, a line of spaces: kept as it is
                if not content[index].startswith(("NOTE", "STYLE", "REGION")) and content[index].strip():
                    LOG.warning(
                        "%s: line %d: a block without a timing line, kept as it is, untranslated (WebVTT "
                        "players ignore it)",
                        name,
                        index + 1,
                    )
                while index < len(lines) and content[index]:
                    index += 1
                continue
            end = timing + 1
            while end < len(lines) and content[end] and "-->" not in content[end]:
                end += 1
            cues.append(self._cue(name, text, lines, content, index, timing, end, len(cues) + 1))
            index = end
        return SubtitleDocument(decoded, cues, entities=True, escape=True)

    @staticmethod
    def _cue(
        name: str,
        text: str,
        lines: list[tuple[int, int]],
        content: list[str],
        first: int,
        timing: int,
        end: int,
        number: int,
    ) -> Cue:
        """The cue of lines ``first`` (its identifier, if not the timing line) to ``end`` (exclusive)."""
        times = parse_timing(content[timing])
        if times is None:
            raise InputError(
                f"{name}: cue {number} (line {timing + 1}) has a broken timing line (expected "
                "'HH:MM:SS.mmm --> HH:MM:SS.mmm [settings]')"
            )
        label = content[first] if timing > first else str(number)
        if times[1] < times[0]:
            raise InputError(f"{name}: cue {number} ({label[:40]}) ends before it starts (line {timing + 1})")
        at = lines[timing][1]
        span = (lines[timing + 1][0], lines[end - 1][1]) if end > timing + 1 else (at, at)
        return Cue(number, label, times[0], times[1], span)
