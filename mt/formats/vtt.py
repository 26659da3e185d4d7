"""WebVTT subtitles (.vtt): validated with ``webvtt-py``, cue text translated as sentences
(mt.formats.subtitles), everything else kept byte for byte: the WEBVTT header line and its metadata, NOTE,
STYLE and REGION blocks, cue identifiers, timings and cue settings (``align:start position:10%``).

Cue text has HTML character references (``&amp; &lt; &lrm;``): they are decoded for translation and the
translated text is escaped again (``& < >``). A file without the WEBVTT header, or a cue block whose timing
line does not parse, is a one-line error (with the cue number); an SRT file named .vtt gets a hint to use
--input-format srt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from mt.errors import InputError
from mt.formats.charset import decode_document
from mt.formats.document import DocumentFormat, FormatOptions
from mt.formats.subtitles import Cue, SubtitleDocument

_KIND = "WebVTT subtitles"
_TIMING = re.compile(r"^\s*(\S+)\s+-->\s+(\S+)")
_SRT_START = re.compile(r"\A\s*\d+\s*\r?\n\s*\d\d:\d\d:\d\d,\d\d\d\s*-->")


@dataclass(frozen=True)
class _Block:
    """A run of non-empty lines: (start, end) character offsets of each line, end-of-line excluded."""

    lines: list[tuple[int, int]]


def _blocks(text: str) -> list[_Block]:
    blocks: list[_Block] = []
    current: list[tuple[int, int]] = []
    position = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        if body:
            current.append((position, position + len(body)))
        elif current:
            blocks.append(_Block(current))
            current = []
        position += len(line)
    if current:
        blocks.append(_Block(current))
    return blocks


class VttFormat(DocumentFormat):
    name = "vtt"
    extensions = (".vtt",)

    def parse(self, data: bytes, name: str, options: FormatOptions) -> SubtitleDocument:
        decoded = decode_document(data, name, _KIND, option=options.encoding)
        text = decoded.text
        if _SRT_START.match(text):
            raise InputError(f"{name}: an SRT file, not WebVTT; name it .srt or use --input-format srt")
        try:
            captions = webvtt.from_string(text, strict=False).captions
        except MalformedFileError:
            raise InputError(f"{name}: not a WebVTT file (it must begin with the line 'WEBVTT')") from None
        cues: list[Cue] = []
        for block in _blocks(text)[1:]:
            lines = [text[start:end] for start, end in block.lines]
            timing = next((i for i, line in enumerate(lines[:2]) if "-->" in line), None)
            if timing is None:
                continue  # NOTE, STYLE, REGION: kept as they are
            number = len(cues) + 1
            try:
                webvtt.from_string("WEBVTT\n\n" + "\n".join(lines[:timing + 1]) + "\n", strict=True)
            except MalformedCaptionError:
                raise InputError(f"{name}: cue {number} (line {text.count(chr(10), 0, block.lines[timing][0]) + 1}) "
                                 "has a broken timing line (expected 'HH:MM:SS.mmm --> HH:MM:SS.mmm [settings]')"
                                 ) from None
            caption = captions[number - 1]
            start = caption.start_time.in_milliseconds() / 1000
            end = caption.end_time.in_milliseconds() / 1000
            label = lines[0] if timing == 1 else str(number)
            if end < start:
                raise InputError(f"{name}: cue {number} ({label}) ends ({caption.end}) before it starts "
                                 f"({caption.start})")
            content = block.lines[timing + 1:]
            span = (content[0][0], content[-1][1]) if content else (block.lines[timing][1], block.lines[timing][1])
            cues.append(Cue(number, label, start, end, span))
        if len(cues) != len(captions):
            raise InputError(f"{name}: {len(captions)} cues for webvtt-py but {len(cues)} cue blocks; a malformed "
                             "cue block (a timing line where it cannot be)")
        return SubtitleDocument(decoded, cues, entities=True, escape=True)
