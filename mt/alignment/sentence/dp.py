"""Banded dynamic programming for sentence alignment, near-linear in document length.

The lattice node (x, y) means "x source and y target sentences consumed"; a bead (a, b) moves from
(x-a, y-b) to (x, y). Every row x has a window [lo[x], hi[x]] of allowed y. Rows are processed in order with
numpy over the window; 0-1 beads (insertions inside a row) are solved with a running-minimum scan.

The band comes from a multi-resolution pass (as vecalign does): when the full lattice is larger than
``full_dp_cells``, both documents are coarsened by merging neighbouring sentences in pairs (lengths add,
anchors unite), the coarse pair is aligned recursively, and its path, projected back and widened by
``band`` nodes on each side, is the window of the finer level. Work and memory are O((n + m) * band).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable, Protocol, Sequence, runtime_checkable

import numpy as np

log = logging.getLogger(__name__)

# cost(a, b, x, ys) -> costs of beads (a, b) ending at nodes (x, y) for y in ys (inf where impossible)
CostFunction = Callable[[int, int, int, np.ndarray], np.ndarray]


@runtime_checkable
class FlatCost(Protocol):
    """A cost function that also gives the costs of one bead type at many nodes (xs[i], ys[i]) in one call."""

    def __call__(self, a: int, b: int, x: int, ys: np.ndarray) -> np.ndarray: ...

    def flat(self, a: int, b: int, xs: np.ndarray, ys: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class PathBead:
    """One bead of a lattice path: source sentences [x0, x1), target sentences [y0, y1), and its cost."""

    x0: int
    x1: int
    y0: int
    y1: int
    cost: float


def full_band(n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """The window of every row when the whole lattice is searched."""
    return np.zeros(n + 1, dtype=np.int64), np.full(n + 1, m, dtype=np.int64)


def project_band(path: Sequence[PathBead], factor: int, n: int, m: int, band: int) -> tuple[np.ndarray, np.ndarray]:
    """Windows of the fine lattice (n x m) around a coarse path whose blocks hold ``factor`` sentences."""
    lo = np.full(n + 1, m, dtype=np.int64)
    hi = np.zeros(n + 1, dtype=np.int64)
    for bead in path:
        fx0, fx1 = min(bead.x0 * factor, n), min(bead.x1 * factor, n)
        fy0, fy1 = min(bead.y0 * factor, m), min(bead.y1 * factor, m)
        lo[fx0 : fx1 + 1] = np.minimum(lo[fx0 : fx1 + 1], fy0)
        hi[fx0 : fx1 + 1] = np.maximum(hi[fx0 : fx1 + 1], fy1)
    lo = np.clip(lo - band, 0, m)
    hi = np.clip(hi + band, 0, m)
    lo = np.minimum.accumulate(lo[::-1])[::-1]  # non-decreasing
    hi = np.maximum.accumulate(hi)
    lo[0], hi[n] = 0, m
    return lo, hi


def banded_dp(
    n: int, m: int, beads: Sequence[tuple[int, int]], cost: CostFunction, lo: np.ndarray, hi: np.ndarray
) -> list[PathBead]:
    """Cheapest path from (0, 0) to (n, m) through the windows, as a list of beads in document order."""
    vertical = [k for k, (a, _) in enumerate(beads) if a > 0]
    has_insert = (0, 1) in beads
    table: dict[tuple[int, int], np.ndarray] | None = None
    starts: list[int] = []  # where each row's nodes start in the table's arrays
    if isinstance(cost, FlatCost):  # every node's cost in one call per bead type
        lens = hi - lo + 1
        offset = np.concatenate(([0], np.cumsum(lens)))
        xs = np.repeat(np.arange(n + 1), lens)
        ys_all = lo[xs] + np.arange(offset[-1]) - offset[xs]
        table = {bead: cost.flat(bead[0], bead[1], xs, ys_all) for bead in beads}
        starts = offset.tolist()
    totals: list[np.ndarray] = []
    choice: list[np.ndarray] = []
    chain: list[np.ndarray] = []
    lo_, hi_ = lo.tolist(), hi.tolist()
    for x in range(n + 1):
        first, last = lo_[x], hi_[x]
        ys = np.arange(first, last + 1)
        best = np.full(len(ys), np.inf)
        which = np.full(len(ys), -1, dtype=np.int64)
        if x == 0:
            best[ys == 0] = 0.0
        for k in vertical:
            a, b = beads[k]
            r = x - a
            if r < 0:
                continue
            # nodes (x, y) whose predecessor (r, y - b) is inside row r's window: one contiguous run of columns
            c0 = max(lo_[r] + b, first) - first
            c1 = min(hi_[r] + b, last) - first + 1
            if c1 <= c0:
                continue
            p0 = c0 + first - b - lo_[r]
            step = table[(a, b)][starts[x] + c0 : starts[x] + c1] if table else cost(a, b, x, ys[c0:c1])
            candidate = totals[r][p0 : p0 + c1 - c0] + step
            better = candidate < best[c0:c1]
            np.copyto(best[c0:c1], candidate, where=better)
            which[c0:c1][better] = k
        if has_insert and len(ys) > 1:
            step = table[(0, 1)][starts[x] : starts[x + 1]].copy() if table else cost(0, 1, x, ys)
            step[0] = 0.0
            step = np.where(np.isfinite(step), step, 1e9)
            prefix = np.cumsum(step)
            value = best - prefix
            running = np.minimum.accumulate(value)
            start = np.maximum.accumulate(np.where(value == running, np.arange(len(ys)), 0))
            best = np.where(np.isfinite(running), prefix + running, np.inf)
            chain.append(start)
        else:
            chain.append(np.arange(len(ys)))
        totals.append(best)
        choice.append(which)
    if not np.isfinite(totals[n][m - lo[n]]):
        raise RuntimeError("no path through the band (this is a bug)")
    return _backtrace(n, m, beads, totals, choice, chain, lo)


def _backtrace(n, m, beads, totals, choice, chain, lo) -> list[PathBead]:
    path: list[PathBead] = []
    x, y = n, m
    while x > 0 or y > 0:
        col = y - lo[x]
        start = int(chain[x][col]) + lo[x]
        if start < y:
            for t in range(y, start, -1):
                c = totals[x][t - lo[x]] - totals[x][t - 1 - lo[x]]
                path.append(PathBead(x, x, t - 1, t, float(c)))
            y = start
            continue
        k = int(choice[x][col])
        if k < 0:
            raise RuntimeError(f"broken back-pointer at ({x}, {y}) (this is a bug)")
        a, b = beads[k]
        c = totals[x][col] - totals[x - a][y - b - lo[x - a]]
        path.append(PathBead(x - a, x, y - b, y, float(c)))
        x, y = x - a, y - b
    path.reverse()
    return path
