"""The one line reader (mt.text.lines): the same rules for every command, on files, gzip and standard input."""

from __future__ import annotations

import gzip
import io
import os
import threading
import time

import pytest

from mt.errors import InputError
from mt.text.lines import LineRules, TextInput, _Splitter, read_lines

SEED_AR = "seeds/article.ar.txt"

# bytes -> (lines, line count, ends with a line end)
CASES = [
    (b"", [], 0, True),
    (b"a\nb\n", ["a", "b"], 2, True),
    (b"a\nb", ["a", "b"], 2, False),
    (b"a\r\nb\r\n", ["a", "b"], 2, True),
    (b"a\rb\r", ["a", "b"], 2, True),  # old Mac line ends: one line per CR
    (b"a\rb", ["a", "b"], 2, False),
    (b"a\rb\nc\r\nd", ["a", "b", "c", "d"], 4, False),  # first line end a lone CR: CR, LF and CRLF all end lines
    (b"a\r\nb\rc\n", ["a", "b\rc"], 2, True),  # an LF input keeps a lone CR inside its line (as sacrebleu)
    (b"\xef\xbb\xbfx\ny", ["x", "y"], 2, False),  # BOM dropped
    (b"\xef\xbb\xbf", [], 0, True),
    (b"\r", [""], 1, True),
    (b"\n\n", ["", ""], 2, True),
    ("سلام\rعليكم\r".encode(), ["سلام", "عليكم"], 2, True),
]


def _write(tmp_path, data: bytes, name: str = "in.txt"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("data, lines, count, ends", CASES)
def test_line_end_rules_for_files_stdin_and_any_chunking(tmp_path, data, lines, count, ends):
    source = TextInput(str(_write(tmp_path, data)))
    assert source.info.lines == count and source.info.ends_with_newline == ends
    assert list(source.lines()) == lines
    stdin = TextInput("-", stdin=io.BytesIO(data))
    assert stdin.is_stream and stdin.info is None
    assert list(stdin.lines()) == lines
    assert stdin.info == source.info
    assert stdin.unterminated == (None if ends else count - 1)
    splitter, fed = _Splitter(), []  # one byte at a time: a line end split across reads gives the same lines
    for byte in data:
        fed += splitter.feed(bytes([byte]))
    complete, last = splitter.finish()
    fed += complete + ([last] if last is not None else [])
    assert [raw.decode() for raw in fed] == lines


def test_cr_only_file_of_real_text_gives_one_line_per_cr_line(tmp_path):
    arabic = open(SEED_AR, encoding="utf-8").read().splitlines()
    cr = _write(tmp_path, "\r".join(arabic).encode() + b"\r")
    assert read_lines(cr) == arabic
    assert read_lines(_write(tmp_path, "\r\n".join(arabic).encode(), "crlf.txt")) == arabic


def test_bad_inputs_are_one_line_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        TextInput(str(tmp_path / "missing.txt"))
    with pytest.raises(InputError, match="is a directory"):
        TextInput(str(tmp_path))
    with pytest.raises(InputError, match=r"binary file \(NUL byte at offset 3\)"):
        TextInput(str(_write(tmp_path, b"abc\x00def\n")))
    latin1 = _write(tmp_path, "ok\ncaf\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"invalid UTF-8 at byte 6 \(line 2\): bytes e9 0a") as caught:
        TextInput(str(latin1))
    assert isinstance(caught.value.__cause__, UnicodeDecodeError)  # the cause is kept
    with pytest.raises(InputError, match="truncated character"):
        TextInput(str(_write(tmp_path, "ok\n\u0645".encode()[:-1])))
    cr_latin1 = _write(tmp_path, b"a\rb\r\xff\r")  # line numbers follow the input's line ends
    with pytest.raises(InputError, match=r"\(line 3\)"):
        TextInput(str(cr_latin1))


def test_standard_input_is_checked_as_it_streams():
    source = TextInput("-", stdin=io.BytesIO(b"good\n\x00bad\n"))
    with pytest.raises(InputError, match="<stdin>: binary file"):
        list(source.lines())


def test_options(tmp_path):
    path = _write(tmp_path, b"a b  \r\n\t\nc\n")
    assert read_lines(path) == ["a b  ", "\t", "c"]
    assert read_lines(path, LineRules(strip="trailing-space")) == ["a b", "", "c"]
    with pytest.raises(InputError, match=r"in.txt:2: empty line"):
        read_lines(path, LineRules(empty_lines="refuse"))
    empty = _write(tmp_path, b"", "empty.txt")
    assert read_lines(empty) == []
    with pytest.raises(InputError, match="hypothesis 'e': is empty"):
        read_lines(empty, LineRules(empty_file="refuse"), label="hypothesis 'e'")
    packed = _write(tmp_path, gzip.compress(b"x\ry\r"), "in.txt.gz")
    assert read_lines(packed, LineRules(gzip=True)) == ["x", "y"]
    with pytest.raises(InputError, match="cannot read"):
        read_lines(_write(tmp_path, gzip.compress(b"x\n")[:-6], "broken.gz"), LineRules(gzip=True))
    with pytest.raises(ValueError):
        LineRules(strip="all")


def test_a_pause_on_standard_input_ends_a_segment():
    read_fd, write_fd = os.pipe()
    with os.fdopen(read_fd, "rb") as stdin, os.fdopen(write_fd, "wb", buffering=0) as writer:
        source = TextInput("-", stdin=stdin)
        writer.write(b"one\ntwo\n")
        segments = source.segments()
        started = time.monotonic()
        assert list(next(segments)) == ["one", "two"]  # returned although the pipe is still open
        assert time.monotonic() - started < 5

        def later() -> None:
            time.sleep(0.3)
            writer.write(b"three")
            writer.close()

        threading.Thread(target=later).start()
        rest = [line for segment in segments for line in segment]
    assert rest == ["three"]
    assert source.info.lines == 3 and not source.info.ends_with_newline and source.unterminated == 2
