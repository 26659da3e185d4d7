"""Reading evaluation inputs strictly: UTF-8 text, one segment per line, no binary, no silent surprises.

Lines are split on ``\\n`` only and trailing whitespace is stripped from each line, which is exactly what
sacrebleu's command line does, so scores on the same files are identical. A UTF-8 byte-order mark at the start
of a file is dropped (sacrebleu would keep it as part of the first segment).
"""

from __future__ import annotations

import gzip
import logging
import zlib
from pathlib import Path

from mt.errors import InputError

log = logging.getLogger(__name__)

_BOM = "\ufeff"


def read_lines(path: str | Path, role: str = "file") -> list[str]:
    """Return the segments of a UTF-8 text file (``.gz`` allowed), one per line.

    ``role`` names the file in error messages ("hypothesis", "reference", ...). Raises InputError with a
    one-line message for a missing file, a directory, an empty file, a NUL byte or invalid UTF-8 (with the
    byte offset).
    """
    path = Path(path)
    label = f"{role} {str(path)!r}"
    if not path.exists():
        raise InputError(f"{label} does not exist")
    if path.is_dir():
        raise InputError(f"{label} is a directory, not a text file")
    try:
        raw = path.read_bytes()
        if path.suffix == ".gz":
            raw = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise InputError(f"cannot read {label}: {reason}") from None
    return decode_lines(raw, label)


def decode_lines(raw: bytes, label: str) -> list[str]:
    """Decode bytes read from ``label`` into stripped lines (see :func:`read_lines`)."""
    if not raw:
        raise InputError(f"{label} is empty")
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise InputError(f"{label} looks binary (NUL byte at byte offset {nul}); expected UTF-8 text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        bad = raw[error.start:error.start + 4].hex(" ")
        raise InputError(f"{label} is not valid UTF-8 at byte offset {error.start} (bytes {bad})") from None
    if text.startswith(_BOM):
        log.info("%s: dropped a UTF-8 byte-order mark", label)
        text = text[1:]
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise InputError(f"{label} is empty")
    return [line.rstrip() for line in lines]


def check_parallel(named: dict[str, list[str]], expected: int, expected_from: str) -> None:
    """Raise InputError unless every stream in ``named`` has ``expected`` lines."""
    for name, lines in named.items():
        if len(lines) != expected:
            raise InputError(f"{name} has {len(lines)} lines but {expected_from} has {expected}; "
                             "every file must have one line per segment")
