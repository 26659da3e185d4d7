"""Read plain-text input safely: strict UTF-8, no binary, lines split on LF only, streamed.

`open_text_lines` validates the whole input first (one pass in constant memory: NUL bytes, UTF-8 errors with
their byte offset and line) so that a bad file is refused before any output exists, then yields its lines.
"""

from __future__ import annotations

import codecs
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

from mt.errors import InputError

BLOCK = 1 << 20
BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class TextInfo:
    """What a validation pass learnt about an input."""

    lines: int                 # number of lines (a last line without LF counts)
    ends_with_newline: bool    # whether the last line has its LF


def _check_path(path: Path) -> None:
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not a text file")
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: permission denied")


def validate(stream: BinaryIO, name: str) -> TextInfo:
    """Check that a byte stream is UTF-8 text; raise InputError naming the first problem."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    offset, newlines, last = 0, 0, b""
    while block := stream.read(BLOCK):
        nul = block.find(b"\x00")
        if nul != -1:
            raise InputError(f"{name}: binary file (NUL byte at offset {offset + nul}), expected UTF-8 text")
        try:
            decoder.decode(block)
        except UnicodeDecodeError as error:
            at = offset + error.start
            line = newlines + block[: error.start].count(b"\n") + 1
            raise InputError(f"{name}: invalid UTF-8 at byte {at} (line {line}); convert the file to UTF-8") from None
        newlines += block.count(b"\n")
        offset += len(block)
        last = block[-1:]
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise InputError(f"{name}: invalid UTF-8 at the end of the file (truncated character)") from None
    if offset == 0:
        return TextInfo(0, True)
    ends = last == b"\n"
    return TextInfo(newlines + (0 if ends else 1), ends)


def _iter_lines(stream: BinaryIO) -> Iterator[str]:
    first = True
    for raw in stream:
        if first:
            raw = raw[len(BOM):] if raw.startswith(BOM) else raw
            first = False
        yield raw.decode("utf-8").rstrip("\n").removesuffix("\r")


class TextInput:
    """A validated text input (a file path, or '-' for standard input) whose lines can be streamed."""

    def __init__(self, name: str, stdin: BinaryIO | None = None) -> None:
        self.name = name
        if name == "-":
            import sys

            data = (stdin or sys.stdin.buffer).read()
            self._data: bytes | None = data
            self.info = validate(io.BytesIO(data), "<stdin>")
        else:
            path = Path(name)
            _check_path(path)
            self._data = None
            with path.open("rb") as handle:
                self.info = validate(handle, name)

    @property
    def display_name(self) -> str:
        return "<stdin>" if self.name == "-" else self.name

    def lines(self) -> Iterator[str]:
        """Yield the lines, without their line ends."""
        if self._data is not None:
            yield from _iter_lines(io.BytesIO(self._data))
            return
        with open(self.name, "rb") as handle:
            yield from _iter_lines(handle)
