"""The bead TSV format of ``mt align sentences``.

One bead per row: source line numbers (0-based, comma-separated, empty for none), target line numbers (same),
score (minus the bead's cost: higher is better, about 0 or above for a confident 1-1 bead, strongly negative
for a doubtful one), source text, target text (texts joined with a space; tabs and newlines inside become spaces). Readers
need only the first two columns. vecalign's ``[0]:[0, 1]`` lines are read too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

from mt.alignment.io import read_lines, write_text_atomic
from mt.alignment.sentence.aligner import SentenceBead
from mt.errors import InputError

Bead = tuple[tuple[int, ...], tuple[int, ...]]
_VECALIGN = re.compile(r"^\[([\d,\s]*)\]:\[([\d,\s]*)\]")


def _clean(text: str) -> str:
    return " ".join(text.replace("\t", " ").split())


def format_beads(beads: Sequence[SentenceBead], src: Sequence[str], tgt: Sequence[str]) -> str:
    """The TSV text for beads over the given documents."""
    rows = []
    for bead in beads:
        src_text = " ".join(_clean(src[i]) for i in bead.src)
        tgt_text = " ".join(_clean(tgt[j]) for j in bead.tgt)
        rows.append(
            "\t".join(
                [",".join(map(str, bead.src)), ",".join(map(str, bead.tgt)), f"{bead.score:.4f}", src_text, tgt_text]
            )
        )
    return "".join(row + "\n" for row in rows)


def write_beads(path: str | Path, beads: Sequence[SentenceBead], src: Sequence[str], tgt: Sequence[str]) -> None:
    """Write beads as TSV, atomically."""
    write_text_atomic(path, format_beads(beads, src, tgt))


def _indices(field: str, path: Path, number: int) -> tuple[int, ...]:
    field = field.strip()
    if not field:
        return ()
    try:
        values = tuple(int(v) for v in field.split(","))
    except ValueError as error:
        raise InputError(f"{path}:{number}: bad line numbers {field!r} (expected e.g. 3 or 3,4)") from error
    if any(v < 0 for v in values):
        raise InputError(f"{path}:{number}: negative line number in {field!r}")
    return values


def read_beads(path: str | Path, *, n_src: int | None = None, n_tgt: int | None = None) -> list[Bead]:
    """Read beads from a TSV (or vecalign) file. Each line number may appear once per side; with ``n_src`` /
    ``n_tgt``, numbers must also be below them. Errors name the file and line."""
    path = Path(path)
    beads: list[Bead] = []
    seen_src: dict[int, int] = {}
    seen_tgt: dict[int, int] = {}
    for number, line in enumerate(read_lines(path), start=1):
        if not line.strip():
            continue
        match = _VECALIGN.match(line)
        if match:
            fields = [match.group(1).replace(" ", ""), match.group(2).replace(" ", "")]
        else:
            fields = line.split("\t")
            if len(fields) < 2:
                raise InputError(f"{path}:{number}: expected at least two tab-separated columns")
        src_ids = _indices(fields[0], path, number)
        tgt_ids = _indices(fields[1], path, number)
        if not src_ids and not tgt_ids:
            raise InputError(f"{path}:{number}: bead with no source and no target line")
        for ids, seen, limit, side in ((src_ids, seen_src, n_src, "source"), (tgt_ids, seen_tgt, n_tgt, "target")):
            for i in ids:
                if limit is not None and i >= limit:
                    raise InputError(f"{path}:{number}: {side} line {i} out of range (document has {limit} lines)")
                if i in seen:
                    raise InputError(f"{path}:{number}: {side} line {i} already used on line {seen[i]}")
                seen[i] = number
        beads.append((src_ids, tgt_ids))
    return beads
