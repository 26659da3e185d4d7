"""The one line reader: UTF-8 text in, lines out, with the same rules for every command.

Rules every reader applies (not options):

* a file that does not exist, a directory or an unreadable file is refused with a one-line message;
* a NUL byte anywhere means a binary file and is refused; so is invalid UTF-8 (the message gives the byte
  offset, the line and the offending bytes);
* a UTF-8 byte-order mark at the very start is dropped;
* line ends: LF, with a CR before it dropped (CRLF); an input whose *first* line end is a lone CR uses old
  Mac line ends, and then CR, CRLF and LF all end a line. In an LF input a lone CR stays inside its line, as
  sacrebleu reads it;
* a last line without a line end is still a line (:attr:`TextInfo.ends_with_newline` records it);
* '-' is standard input, read as a stream: lines are handed on as they arrive, and :meth:`TextInput.segments`
  ends a segment wherever the input pauses, so `tail -f`-style input is translated as it comes.

Options (:class:`LineRules`): strip trailing whitespace as well as the line end (sacrebleu's rule, for
evaluation), refuse an empty file, refuse empty lines, decompress ``.gz``.

A file is validated in one pass before any line is handed on (constant memory), so a bad file is refused
before any output exists; standard input is validated as it streams (a redirected regular file is validated
first, as a file is).
"""

from __future__ import annotations

import codecs
import gzip
import os
import re
import select
import stat
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator, Literal

from mt.errors import InputError

BLOCK = 1 << 20
BOM = b"\xef\xbb\xbf"
STDIN = "-"
PAUSE_S = 0.1  # how long standard input may be silent before the lines read so far are handed on

_ANY_END = re.compile(rb"\r\n|\r|\n")


@dataclass(frozen=True)
class LineRules:
    """What a reader does beyond the fixed rules (see the module docstring)."""

    strip: Literal["line-end", "trailing-space"] = "line-end"  # trailing-space: also rstrip() each line
    empty_file: Literal["allow", "refuse"] = "allow"
    empty_lines: Literal["allow", "refuse"] = "allow"  # refuse: a line with only whitespace names file:line
    gzip: bool = False  # decompress a NAME.gz file

    def __post_init__(self) -> None:
        if self.strip not in ("line-end", "trailing-space"):
            raise ValueError(f"strip must be 'line-end' or 'trailing-space', not {self.strip!r}")
        for name in ("empty_file", "empty_lines"):
            if getattr(self, name) not in ("allow", "refuse"):
                raise ValueError(f"{name} must be 'allow' or 'refuse', not {getattr(self, name)!r}")


@dataclass(frozen=True)
class TextInfo:
    """What a validation pass learnt about an input."""

    lines: int  # number of lines (a last line without a line end counts)
    ends_with_newline: bool  # whether the last line has its line end


class _Splitter:
    """Split a byte stream into lines (without line ends) under the line-end rules, incrementally."""

    def __init__(self) -> None:
        self.mode: Literal["lf", "cr"] | None = None  # decided by the first line end
        self._rest = b""
        self._skip_lf = False  # CR mode: the last chunk ended with CR, so a leading LF belongs to it
        self._first = True

    def _decide(self, data: bytes) -> None:
        lf, cr = data.find(b"\n"), data.find(b"\r")
        if cr != -1 and (lf == -1 or cr < lf):
            if cr + 1 < len(data):
                self.mode = "lf" if data[cr + 1 : cr + 2] == b"\n" else "cr"
        elif lf != -1:
            self.mode = "lf"

    def feed(self, chunk: bytes) -> list[bytes]:
        data = self._rest + chunk
        if self._first and len(data) >= len(BOM) or self._first and not BOM.startswith(data):
            data = data.removeprefix(BOM)
            self._first = False
        if self._skip_lf and data:
            data = data.removeprefix(b"\n")
            self._skip_lf = False
        if self.mode is None:
            self._decide(data)
            if self.mode is None:
                self._rest = data
                return []
        if self.mode == "lf":
            lines = data.split(b"\n")
            self._rest = lines.pop()
            return [line[:-1] if line.endswith(b"\r") else line for line in lines]
        lines, pos = [], 0
        for match in _ANY_END.finditer(data):
            lines.append(data[pos : match.start()])
            pos = match.end()
        self._skip_lf = pos == len(data) and data.endswith(b"\r")
        self._rest = data[pos:]
        return lines

    def finish(self) -> tuple[list[bytes], bytes | None]:
        """The lines still held at the end of the input: complete ones, and the last one when it has no line
        end (None when the input ended with a line end)."""
        rest = self._rest.removeprefix(BOM) if self._first else self._rest
        self._rest = b""
        if self.mode is None and rest.endswith(b"\r"):  # "text\r" and nothing after: a CR input
            self.mode = "cr"
        if self.mode == "cr" and rest.endswith(b"\r"):
            return [rest[:-1]], None
        return [], rest or None

    @property
    def pending(self) -> bool:
        """Whether bytes of an unfinished line are held."""
        return bool(self._rest)


class _Validator:
    """Check a byte stream is UTF-8 text, chunk by chunk; raise InputError naming the first problem."""

    def __init__(self, label: str) -> None:
        self.label = label
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self._lines = _Splitter()
        self.offset = 0
        self.line_ends = 0
        self.last = b""

    def feed(self, block: bytes) -> None:
        nul = block.find(b"\x00")
        if nul != -1:
            raise InputError(f"{self.label}: binary file (NUL byte at offset {self.offset + nul}), expected UTF-8 text")
        try:
            self._decoder.decode(block)
        except UnicodeDecodeError as error:
            at = self.offset + error.start
            line = self.line_ends + len(self._lines.feed(block[: error.start])) + 1
            bad = block[error.start : error.start + 4].hex(" ")
            raise InputError(
                f"{self.label}: invalid UTF-8 at byte {at} (line {line}): bytes {bad}; convert the file to UTF-8"
            ) from error
        self.line_ends += len(self._lines.feed(block))
        self.offset += len(block)
        if block:
            self.last = block[-1:]

    def finish(self) -> TextInfo:
        try:
            self._decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:
            raise InputError(f"{self.label}: invalid UTF-8 at the end of the file (truncated character)") from error
        complete, last = self._lines.finish()
        return TextInfo(self.line_ends + len(complete) + (last is not None), last is None)


def validate(stream: BinaryIO | gzip.GzipFile, name: str) -> TextInfo:
    """Check that a byte stream is UTF-8 text; raise InputError naming the first problem."""
    validator = _Validator(name)
    while block := stream.read(BLOCK):
        validator.feed(block)
    return validator.finish()


def check_path(path: Path, label: str | None = None) -> None:
    """Raise InputError unless ``path`` is a readable file (not a directory)."""
    label = label or str(path)
    if not path.exists():
        raise InputError(f"{label}: no such file")
    if path.is_dir():
        raise InputError(f"{label}: is a directory, not a text file")
    if not os.access(path, os.R_OK):
        raise InputError(f"{label}: permission denied")


class TextInput:
    """A text input (a file path, or '-' for standard input) whose lines can be streamed.

    A file is validated when the TextInput is made, so ``info`` (line count, final line end) is known before
    any line is read; for standard input ``info`` is None until the stream has ended (see :meth:`segments`).
    """

    def __init__(
        self, name: str, rules: LineRules = LineRules(), *, label: str | None = None, stdin: BinaryIO | None = None
    ) -> None:
        self.name = str(name)
        self.rules = rules
        self.label = label or ("<stdin>" if self.name == STDIN else self.name)
        self._stdin = stdin
        self.info: TextInfo | None = None
        self.unterminated: int | None = None  # index of a last line that had no line end, once it is read
        if self.name == STDIN:
            stream = stdin or sys.stdin.buffer
            if _is_regular_file(stream):  # `< file`: validate it first, as a file
                self.info = validate(stream, self.label)
                stream.seek(0)
        else:
            path = Path(self.name)
            check_path(path, self.label)
            try:
                with self._open() as handle:
                    self.info = validate(handle, self.label)
            except (OSError, EOFError, zlib.error) as error:
                reason = getattr(error, "strerror", None) or str(error)
                raise InputError(f"{self.label}: cannot read ({reason})") from error
        self._stream = self.info is None
        if self.info is not None:
            self._check_empty_file(self.info.lines)

    @property
    def display_name(self) -> str:
        return self.label

    @property
    def is_stream(self) -> bool:
        """Whether lines arrive as a stream whose length was not known in advance."""
        return self._stream

    def _open(self) -> BinaryIO | gzip.GzipFile:
        if self.rules.gzip and self.name.endswith(".gz"):
            return gzip.open(self.name, "rb")
        return open(self.name, "rb")

    def _check_empty_file(self, lines: int) -> None:
        if lines == 0 and self.rules.empty_file == "refuse":
            raise InputError(f"{self.label}: is empty")

    def _decode(self, raw: bytes, number: int) -> str:
        line = raw.decode("utf-8")
        line = line.rstrip() if self.rules.strip == "trailing-space" else line
        if self.rules.empty_lines == "refuse" and not line.strip():
            raise InputError(f"{self.label}:{number}: empty line")
        return line

    def _raw_lines(self, *, pause: bool) -> Iterator[bytes | None]:
        """Raw lines; with ``pause``, a None wherever standard input goes quiet."""
        splitter = _Splitter()
        validator = None
        count = 0
        stream: BinaryIO | gzip.GzipFile
        if self.name == STDIN:
            stdin = self._stdin or sys.stdin.buffer
            stream = stdin
            validator = None if self.info is not None else _Validator(self.label)
            chunks = _stdin_chunks(stdin, pause=pause)
        else:
            stream = self._open()
            chunks = iter(lambda: stream.read(BLOCK), b"")
        try:
            for chunk in chunks:
                if chunk is None:
                    yield None
                    continue
                if validator is not None:
                    validator.feed(chunk)
                for raw in splitter.feed(chunk):
                    count += 1
                    yield raw
            if validator is not None:
                validator.finish()
            complete, last = splitter.finish()
            for raw in complete:
                count += 1
                yield raw
            if last is not None:
                self.unterminated = count
                count += 1
                yield last
        finally:
            if self.name != STDIN:
                stream.close()
        if self.info is None:
            self._check_empty_file(count)
            self.info = TextInfo(count, self.unterminated is None)

    def lines(self) -> Iterator[str]:
        """Yield the lines, without their line ends."""
        number = 0
        for raw in self._raw_lines(pause=False):
            if raw is not None:
                number += 1
                yield self._decode(raw, number)

    def segments(self) -> Iterator[Iterator[str]]:
        """The lines in runs that end wherever standard input pauses (a file is one run): hand each run to a
        consumer that batches lines, so lines typed or appended slowly come back without waiting for a batch
        to fill. Read the runs in order, each to its end."""
        raw_lines = self._raw_lines(pause=self.name == STDIN)
        state = {"number": 0, "done": False}

        def run() -> Iterator[str]:
            for raw in raw_lines:
                if raw is None:
                    return
                state["number"] += 1
                yield self._decode(raw, state["number"])
            state["done"] = True

        while not state["done"]:
            yield run()


def _is_regular_file(stream: BinaryIO) -> bool:
    try:
        return stat.S_ISREG(os.fstat(stream.fileno()).st_mode) and stream.seekable()
    except (AttributeError, OSError, ValueError):
        return False


def _stdin_chunks(stream: BinaryIO, *, pause: bool) -> Iterator[bytes | None]:
    """Bytes from standard input as they arrive (a read returns what is there, it does not wait for a full
    block); with ``pause``, a None whenever nothing more arrives within PAUSE_S. Nothing may have read from
    ``stream`` before (its buffer is bypassed)."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):  # an in-memory stream: no pauses to wait for
        while block := stream.read(BLOCK):
            yield block
        return
    while True:
        if pause and not _ready(fd, PAUSE_S):
            yield None  # the input went quiet; the next read waits for it
        block = os.read(fd, BLOCK)
        if not block:
            return
        yield block


def _ready(fd: int, timeout: float | None) -> bool:
    try:
        readable, _, _ = select.select([fd], [], [], timeout)
    except (OSError, ValueError):  # select does not take this descriptor (Windows pipes): read blocks
        return True
    return bool(readable)


def read_lines(path: str | Path, rules: LineRules = LineRules(), *, label: str | None = None) -> list[str]:
    """All lines of a text file ('-': standard input) under the fixed rules and ``rules``."""
    return list(TextInput(str(path), rules, label=label).lines())
