"""Reading evaluation inputs strictly: UTF-8 text, one segment per line, no binary, no silent surprises.

Lines are split on ``\\n`` and trailing whitespace is stripped from each line, which is exactly what sacrebleu's
command line does, so scores on the same files are identical. Two departures, both from the shared reader
(:mod:`mt.text.lines`): a UTF-8 byte-order mark at the start of a file is dropped (sacrebleu would keep it as part
of the first segment), and a file with old Mac line ends (CR only) is split at them (sacrebleu would read one
segment).
"""

from __future__ import annotations

from pathlib import Path

from mt.text.lines import LineRules
from mt.text.lines import read_lines as _read_lines

#: sacrebleu's reading: trailing whitespace stripped from each line; an evaluation file may not be empty.
EVALUATION_RULES = LineRules(strip="trailing-space", empty_file="refuse", gzip=True)


def read_lines(path: str | Path, role: str = "file") -> list[str]:
    """Return the segments of a UTF-8 text file (``.gz`` allowed), one per line, trailing whitespace stripped.

    ``role`` names the file in error messages ("hypothesis", "reference", ...). Raises InputError with a
    one-line message for a missing file, a directory, an empty file, a NUL byte or invalid UTF-8 (with the
    byte offset); see :mod:`mt.text.lines` for the rules every reader shares.
    """
    return _read_lines(path, EVALUATION_RULES, label=f"{role} {str(path)!r}")
