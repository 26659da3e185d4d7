"""Test documents with known gold beads, built from sentence-aligned parallel text.

Starting from 1-1 pairs, sentences are deleted on one side (gold 1-0 / 0-1 beads) and neighbours are merged
into one line on one side (gold 2-1 / 1-2 beads; merging on the source side is a split as seen from the
target). Chinese sentences are joined without a space.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Sequence

Bead = tuple[tuple[int, ...], tuple[int, ...]]


@dataclass(frozen=True)
class Perturbation:
    """Per-pair probabilities of each edit (the rest stay 1-1)."""

    delete_source: float = 0.02
    delete_target: float = 0.02
    merge_source: float = 0.04
    merge_target: float = 0.04


@dataclass
class TestDocuments:
    """Two documents and their gold beads."""

    src: list[str]
    tgt: list[str]
    gold: list[Bead]


def _join(a: str, b: str, lang: str) -> str:
    return a + b if lang == "zh" else f"{a} {b}"


def build_documents(src_lines: Sequence[str], tgt_lines: Sequence[str], *, tgt_lang: str = "en",
                    perturbation: Perturbation = Perturbation(), seed: int = 0) -> TestDocuments:
    """Build a perturbed document pair from parallel lines (line i of each is a translation of the other)."""
    if len(src_lines) != len(tgt_lines):
        raise ValueError("parallel inputs must have the same number of lines")
    rng = random.Random(seed)
    p = perturbation
    src: list[str] = []
    tgt: list[str] = []
    gold: list[Bead] = []
    k = 0
    total = len(src_lines)
    while k < total:
        r = rng.random()
        if r < p.delete_source:
            gold.append(((), (len(tgt),)))
            tgt.append(tgt_lines[k])
            k += 1
        elif r < p.delete_source + p.delete_target:
            gold.append(((len(src),), ()))
            src.append(src_lines[k])
            k += 1
        elif r < p.delete_source + p.delete_target + p.merge_source and k + 1 < total:
            gold.append(((len(src),), (len(tgt), len(tgt) + 1)))
            src.append(_join(src_lines[k], src_lines[k + 1], "ar"))
            tgt.extend(tgt_lines[k:k + 2])
            k += 2
        elif r < p.delete_source + p.delete_target + p.merge_source + p.merge_target and k + 1 < total:
            gold.append(((len(src), len(src) + 1), (len(tgt),)))
            src.extend(src_lines[k:k + 2])
            tgt.append(_join(tgt_lines[k], tgt_lines[k + 1], tgt_lang))
            k += 2
        else:
            gold.append(((len(src),), (len(tgt),)))
            src.append(src_lines[k])
            tgt.append(tgt_lines[k])
            k += 1
    return TestDocuments(src, tgt, gold)
