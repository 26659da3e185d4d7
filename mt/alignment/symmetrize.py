"""Symmetrisation of two directional word alignments (Koehn et al. 2005, as in Moses/fast_align atools).

Both inputs are link sets in source-target orientation ``(i, j)``: ``forward`` from the source->target model,
``backward`` from the target->source model already flipped to ``(i, j)``.
"""

from __future__ import annotations

from typing import Iterable

from mt.alignment.pharaoh import Link

METHODS = ("intersection", "union", "grow-diag", "grow-diag-final", "grow-diag-final-and")
_NEIGHBOURS = ((-1, 0), (0, -1), (1, 0), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1))


def symmetrize(forward: Iterable[Link], backward: Iterable[Link], method: str = "grow-diag-final-and") -> set[Link]:
    """Combine two directional alignments with one of :data:`METHODS`."""
    fwd, bwd = set(forward), set(backward)
    if method == "intersection":
        return fwd & bwd
    if method == "union":
        return fwd | bwd
    if method not in METHODS:
        raise ValueError(f"unknown symmetrisation {method!r}: expected one of {', '.join(METHODS)}")
    union = fwd | bwd
    links = fwd & bwd
    aligned_src = {i for i, _ in links}
    aligned_tgt = {j for _, j in links}

    # grow-diag: add neighbouring union links that align a so-far unaligned word, until nothing changes
    changed = True
    while changed:
        changed = False
        for i, j in sorted(links):
            for di, dj in _NEIGHBOURS:
                cand = (i + di, j + dj)
                if cand in union and cand not in links and (cand[0] not in aligned_src or cand[1] not in aligned_tgt):
                    links.add(cand)
                    aligned_src.add(cand[0])
                    aligned_tgt.add(cand[1])
                    changed = True
    if method == "grow-diag":
        return links

    both = method == "grow-diag-final-and"
    for direction in (fwd, bwd):
        for i, j in sorted(direction):
            if both:
                ok = i not in aligned_src and j not in aligned_tgt
            else:
                ok = i not in aligned_src or j not in aligned_tgt
            if ok and (i, j) not in links:
                links.add((i, j))
                aligned_src.add(i)
                aligned_tgt.add(j)
    return links
