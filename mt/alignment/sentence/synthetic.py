"""Test documents with known gold beads, built from sentence-aligned parallel text.

Starting from 1-1 pairs, sentences are deleted on one side (gold 1-0 / 0-1 beads), neighbours are merged
into one line on one side (gold 1-2 / 2-1 beads), and sentences are split into two lines on one side at the
clause boundary nearest their middle (a comma or semicolon in any script, a colon, or else the space, or for
Chinese the character, nearest the middle; gold 2-1 / 1-2 beads whose lines are half sentences). Chinese
sentences are joined without a space.
"""

from __future__ import annotations

import random
import re
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
    split_source: float = 0.0
    split_target: float = 0.0


@dataclass
class TestDocuments:
    """Two documents and their gold beads."""

    src: list[str]
    tgt: list[str]
    gold: list[Bead]


def _join(a: str, b: str, lang: str) -> str:
    return a + b if lang == "zh" else f"{a} {b}"


_CLAUSE = re.compile(r"[,;:\u060c\u061b\uff0c\uff1b\uff1a\u3001]")


def split_sentence(text: str) -> tuple[str, str] | None:
    """Two halves of a sentence cut after the clause mark nearest its middle (each half keeping at least a
    quarter of the characters), else at the space nearest the middle, else (unspaced text such as Chinese) at
    the middle character; None when the text is too short to split."""
    text = text.strip()
    if len(text) < 8:
        return None
    middle = len(text) / 2
    quarter = len(text) / 4
    cuts = [m.end() for m in _CLAUSE.finditer(text) if quarter <= m.end() <= len(text) - quarter]
    if not cuts:
        cuts = [k for k, ch in enumerate(text) if ch.isspace() and quarter <= k <= len(text) - quarter]
    if not cuts:
        cuts = [round(middle)]
    cut = min(cuts, key=lambda k: abs(k - middle))
    left, right = text[:cut].strip(), text[cut:].strip()
    return (left, right) if left and right else None


def build_documents(
    src_lines: Sequence[str],
    tgt_lines: Sequence[str],
    *,
    tgt_lang: str = "en",
    perturbation: Perturbation = Perturbation(),
    seed: int = 0,
) -> TestDocuments:
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
    merge_end = p.delete_source + p.delete_target + p.merge_source + p.merge_target
    split_src_end = merge_end + p.split_source
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
            tgt.extend(tgt_lines[k : k + 2])
            k += 2
        elif r < p.delete_source + p.delete_target + p.merge_source + p.merge_target and k + 1 < total:
            gold.append(((len(src), len(src) + 1), (len(tgt),)))
            src.extend(src_lines[k : k + 2])
            tgt.append(_join(tgt_lines[k], tgt_lines[k + 1], tgt_lang))
            k += 2
        elif merge_end <= r < split_src_end and (halves := split_sentence(src_lines[k])):
            gold.append(((len(src), len(src) + 1), (len(tgt),)))
            src.extend(halves)
            tgt.append(tgt_lines[k])
            k += 1
        elif split_src_end <= r < split_src_end + p.split_target and (halves := split_sentence(tgt_lines[k])):
            gold.append(((len(src),), (len(tgt), len(tgt) + 1)))
            src.append(src_lines[k])
            tgt.extend(halves)
            k += 1
        else:
            gold.append(((len(src),), (len(tgt),)))
            src.append(src_lines[k])
            tgt.append(tgt_lines[k])
            k += 1
    return TestDocuments(src, tgt, gold)
