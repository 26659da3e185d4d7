"""Pharaoh word-alignment format: one sentence pair per line, links ``i-j`` (source i, target j, 0-based).

Sure links are written ``i-j``. Possible links (gold files only) are read in every notation in common use:
``i-jP`` / ``i-j-P`` (lilt alignment-scripts style, either case), ``ipj`` / ``iPj`` (awesome-align, Tsinghua
gold), ``i-p-j`` and ``i?j`` (Moses/RWTH). They are written back as ``i-jP``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from mt.alignment.io import write_text_atomic
from mt.errors import InputError
from mt.text.lines import read_lines

Link = tuple[int, int]

_SURE = re.compile(r"^(\d+)-(\d+)$")
_POSSIBLE = (
    re.compile(r"^(\d+)-(\d+)-?[pP]$"),  # i-jP, i-j-P
    re.compile(r"^(\d+)[pP?](\d+)$"),  # ipj, iPj, i?j
    re.compile(r"^(\d+)-[pP]-(\d+)$"),  # i-p-j
)


@dataclass
class Alignment:
    """The word links of one sentence pair: ``sure`` links, and ``possible`` ones (gold only; never sure)."""

    sure: set[Link] = field(default_factory=set)
    possible: set[Link] = field(default_factory=set)

    @property
    def links(self) -> set[Link]:
        """Every link, sure or possible (the set P of the AER definition)."""
        return self.sure | self.possible

    def reversed(self) -> "Alignment":
        """The same alignment with source and target swapped."""
        return Alignment({(j, i) for i, j in self.sure}, {(j, i) for i, j in self.possible})

    def __str__(self) -> str:
        return format_links(self.sure, self.possible)


def parse_link(token: str) -> tuple[Link, bool]:
    """Parse one link token; return ``((i, j), is_sure)``. Raise ValueError when it is no link."""
    match = _SURE.match(token)
    if match:
        return (int(match.group(1)), int(match.group(2))), True
    for pattern in _POSSIBLE:
        match = pattern.match(token)
        if match:
            return (int(match.group(1)), int(match.group(2))), False
    raise ValueError(f"not an alignment link: {token!r}")


def parse_line(line: str, *, one_based: bool = False, reverse: bool = False) -> Alignment:
    """Parse one Pharaoh line. ``one_based`` shifts indices down by one; ``reverse`` swaps i and j."""
    alignment = Alignment()
    for token in line.split():
        (i, j), sure = parse_link(token)
        if one_based:
            if i == 0 or j == 0:
                raise ValueError(f"index 0 in a one-based link: {token!r}")
            i, j = i - 1, j - 1
        if reverse:
            i, j = j, i
        (alignment.sure if sure else alignment.possible).add((i, j))
    alignment.possible -= alignment.sure
    return alignment


def format_links(sure: Iterable[Link], possible: Iterable[Link] = ()) -> str:
    """Format links as one Pharaoh line, sorted by source then target index."""
    parts = [(i, j, "") for i, j in sure] + [(i, j, "P") for i, j in possible]
    return " ".join(f"{i}-{j}{mark}" for i, j, mark in sorted(parts))


def read_alignments(path: str | Path, *, one_based: bool = False, reverse: bool = False) -> list[Alignment]:
    """Read a Pharaoh file (one line per sentence pair, empty line = no links)."""
    alignments = []
    for number, line in enumerate(read_lines(path, label=str(path)), start=1):  # the shared reader's rules
        try:
            alignments.append(parse_line(line, one_based=one_based, reverse=reverse))
        except ValueError as error:
            raise InputError(f"{path}:{number}: {error}") from error
    return alignments


def check_ranges(alignments: list[Alignment], src_lengths: list[int], tgt_lengths: list[int], path: str | Path) -> None:
    """Raise InputError naming file and line for the first link outside its sentence's token range."""
    for number, (alignment, n_src, n_tgt) in enumerate(zip(alignments, src_lengths, tgt_lengths), start=1):
        for i, j in sorted(alignment.links):
            if i >= n_src or j >= n_tgt:
                raise InputError(
                    f"{path}:{number}: link {i}-{j} out of range for {n_src} source and {n_tgt} target tokens"
                )


def write_alignments(path: str | Path, alignments: Iterable[Alignment | Iterable[Link]]) -> None:
    """Write alignments (or plain link sets) as Pharaoh lines, atomically."""
    lines = []
    for alignment in alignments:
        if isinstance(alignment, Alignment):
            lines.append(str(alignment))
        else:
            lines.append(format_links(alignment))
    write_text_atomic(path, "".join(line + "\n" for line in lines))
