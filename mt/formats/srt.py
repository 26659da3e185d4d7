"""SubRip subtitles (.srt): cues read with the ``srt`` library's grammar, text translated as sentences
(mt.formats.subtitles), everything else kept byte for byte.

A block that does not parse (a broken timing line, a stray line of text between cues, a block without a timing
line, a cue whose index is not a number) is a one-line error with its line; so is a cue that ends before it
starts. The ``srt`` library would read a block after a blank line as more text of the cue before it unless it
starts with an index and a timing line; here such a block is an error instead (a cue's text never holds a
blank line). CR CR LF (a CRLF file converted once more) is a line end like CRLF. A WebVTT file named .srt is
refused with a hint to use --input-format vtt.
"""

from __future__ import annotations

import re

import srt

from mt.errors import InputError
from mt.formats.charset import decode_document
from mt.formats.document import DocumentFormat, FormatOptions
from mt.formats.subtitles import Cue, SubtitleDocument

_KIND = "SRT subtitles"
# srt's own grammar, with CR CR LF as a line end too (a CRLF file whose line ends were converted once more)
_CUE = re.compile(srt.SRT_REGEX.pattern.replace(r"\r?\n", r"\r*\n"), srt.SRT_REGEX.flags)
_BLANK_THEN_TEXT = re.compile(r"\r*\n[ \t]*\r*\n\s*(\S[^\r\n]*)")
_NOT_AN_INDEX = re.compile(r"[^\r\n]*\r*\n[^\r\n]*-->")


class SrtFormat(DocumentFormat):
    name = "srt"
    extensions = (".srt",)

    def parse(self, data: bytes, name: str, options: FormatOptions) -> SubtitleDocument:
        decoded = decode_document(data, name, _KIND, option=options.encoding)
        text = decoded.text
        if text.lstrip("\ufeff \t\r\n").startswith("WEBVTT"):
            raise InputError(f"{name}: a WebVTT file, not SRT; name it .vtt or use --input-format vtt")
        cues: list[Cue] = []
        expected = 0
        for match in _CUE.finditer(text):
            _check_contiguous(text, expected, match.start(), name, len(cues) + 1)
            _check_one_block(text, match.span(5), name)
            raw_index, raw_start, raw_end = match.group(1), match.group(2), match.group(3)
            start = srt.srt_timestamp_to_timedelta(raw_start).total_seconds()
            end = srt.srt_timestamp_to_timedelta(raw_end).total_seconds()
            number = len(cues) + 1
            label = raw_index.strip() if raw_index else str(number)
            if end < start:
                raise InputError(
                    f"{name}: cue {number} (index {label}) ends ({raw_end}) before it starts ({raw_start})"
                )
            cues.append(Cue(number, label, start, end, match.span(5)))
            expected = match.end()
        _check_contiguous(text, expected, len(text), name, len(cues) + 1)
        if not cues:
            raise InputError(
                f"{name}: no subtitle cue (an index, a '00:00:01,000 --> 00:00:02,000' timing line and "
                "text); not an SRT file"
            )
        return SubtitleDocument(decoded, cues, entities=False, escape=False)


def _check_contiguous(text: str, expected: int, actual: int, name: str, number: int) -> None:
    """What srt.parse checks: nothing but white space between two cues; else an error at cue ``number``."""
    if expected == actual or not text[expected:actual].strip(" \t\r\n\ufeff"):
        return
    line = text.count("\n", 0, expected + len(text[expected:actual]) - len(text[expected:actual].lstrip())) + 1
    if expected == 0 and actual == len(text):
        raise InputError(
            f"{name}: no subtitle cue (an index, a '00:00:01,000 --> 00:00:02,000' timing line and "
            "text); not an SRT file"
        )
    raise InputError(
        f"{name}: cue {number} (line {line}) does not parse: a broken timing line or text outside a "
        "cue (expected 'INDEX', then 'HH:MM:SS,mmm --> HH:MM:SS,mmm')"
    )


def _check_one_block(text: str, span: tuple[int, int], name: str) -> None:
    """A cue's text holds no blank line: what follows one is a block without an index and timing line (srt
    would take it as more text of this cue), or a cue whose index is not a number."""
    stray = _BLANK_THEN_TEXT.search(text, span[0], span[1])
    if stray is None:
        return
    line = text.count("\n", 0, stray.start(1)) + 1
    if _NOT_AN_INDEX.match(text, stray.start(1)):
        raise InputError(f"{name}: line {line}: the cue index {stray.group(1).strip()[:20]!r} is not a number")
    raise InputError(
        f"{name}: line {line}: a block without a timing line (expected 'INDEX', then "
        "'HH:MM:SS,mmm --> HH:MM:SS,mmm', then the text)"
    )
