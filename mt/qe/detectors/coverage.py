"""Coverage detectors from the lexical table: source words with no counterpart (omission), translation words
with no counterpart (hallucination: a translation detached from its source), and the length ratio."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mt.qe.lexicon import LexicalTable
from mt.qe.model import Detection, Flag, Pair, Span

MIN_KNOWN = 2  # fewer checkable words than this give no coverage judgement (the feature is 0)
_LATIN = re.compile(r"[a-z]")
MAX_SQ = 25.0  # the squared length deviations stop growing at 5 sd


def _uncovered(keys: list[str], other: set[str], table: dict[str, frozenset[str]],
               stop: frozenset[str]) -> tuple[list[int], int]:
    """Indices of checkable words (in the table, no function word) without a translation among ``other``,
    and how many words were checkable. A Latin word or name present on both sides counts as covered."""
    missing, known = [], 0
    for index, key in enumerate(keys):
        if not key or key in stop:
            continue
        translations = table.get(key)
        if translations is None:
            if _LATIN.match(key):
                known += 1
                if key not in other:
                    missing.append(index)
            continue
        known += 1
        if not translations & other:
            missing.append(index)
    return missing, known


def _share(missing: list[int], known: int) -> float:
    return len(missing) / known if known >= MIN_KNOWN else 0.0


@dataclass
class CoverageDetector:
    """Omission and hallucination as the share of checkable words without a counterpart on the other side;
    ``detached``, their product, is high only when neither side accounts for the other."""

    table: LexicalTable
    omission_cut: float = 0.5
    hallucination_cut: float = 0.5
    features: tuple[str, ...] = ("omission", "hallucination", "detached")

    def detect(self, pair: Pair) -> Detection:
        source_keys, target_keys = pair.source_keys, pair.translation_keys
        lost, src_known = _uncovered(source_keys, set(target_keys), self.table.forward, self.table.src_stop)
        extra, tgt_known = _uncovered(target_keys, set(source_keys), self.table.backward, self.table.tgt_stop)
        omission, hallucination = _share(lost, src_known), _share(extra, tgt_known)
        flags: list[Flag] = []
        if not pair.translation.strip():  # the empty detector speaks for an empty translation
            return Detection((), {"omission": omission, "hallucination": hallucination, "detached": 0.0})
        if omission >= self.omission_cut:
            spans = tuple(Span("source", pair.source_tokens[i].start, pair.source_tokens[i].end) for i in lost)
            flags.append(Flag("omission", f"{len(lost)} of {src_known} source words have no counterpart", spans))
        if hallucination >= self.hallucination_cut:
            spans = tuple(Span("translation", pair.translation_tokens[i].start, pair.translation_tokens[i].end)
                          for i in extra)
            flags.append(Flag("hallucination", f"{len(extra)} of {tgt_known} translation words have no "
                              "counterpart in the source", spans))
        return Detection(tuple(flags), {"omission": omission, "hallucination": hallucination,
                                        "detached": omission * hallucination})


@dataclass
class LengthDetector:
    """An implausible length ratio for the direction: standard deviations from the mean log ratio."""

    table: LexicalTable
    cut: float = 2.5
    features: tuple[str, ...] = ("too_short", "too_long", "too_short_sq", "too_long_sq")

    def detect(self, pair: Pair) -> Detection:
        if not pair.source.strip() or not pair.translation.strip():
            return Detection((), dict.fromkeys(self.features, 0.0))
        z = self.table.length.z(pair.source, pair.translation)
        flags = ()
        if abs(z) >= self.cut:
            word = "short" if z < 0 else "long"
            flags = (Flag("length", f"translation too {word} for its source ({z:+.1f} sd)"),)
        short, long = max(-z, 0.0), max(z, 0.0)
        return Detection(flags, {"too_short": short, "too_long": long, "too_short_sq": min(short * short, MAX_SQ),
                                 "too_long_sq": min(long * long, MAX_SQ)})
