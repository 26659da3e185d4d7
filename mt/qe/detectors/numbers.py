"""The number detector: every number of the source in the translation, and no number the source lacks."""

from __future__ import annotations

from dataclasses import dataclass

from mt.qe.model import Detection, Flag, Pair, Span
from mt.qe.numbers import Number, find_numbers

MAX_COUNT = 3.0


def _readings(numbers: list[Number]) -> set[str]:
    return {reading for number in numbers for reading in number.readings}


def _unmatched(numbers: list[Number], other: set[str]) -> list[Number]:
    """Digit numbers none of whose readings occurs among ``other`` (soft numbers are never required)."""
    return [n for n in numbers if not n.soft and not (n.readings & other)]


@dataclass
class NumberDetector:
    """Missing, changed or added numbers (see :mod:`mt.qe.numbers` for what counts as the same number)."""

    features: tuple[str, ...] = ("number_missing", "number_added")

    def detect(self, pair: Pair) -> Detection:
        source = find_numbers(pair.source, "ar")
        target = find_numbers(pair.translation, pair.tgt_lang)
        missing = _unmatched(source, _readings(target))
        added = _unmatched(target, _readings(source))
        if not missing and not added:
            return Detection((), {"number_missing": 0.0, "number_added": 0.0})
        parts = []
        if missing:
            parts.append("missing " + ", ".join(n.text for n in missing))
        if added:
            parts.append("not in the source " + ", ".join(n.text for n in added))
        spans = tuple(Span("source", n.start, n.end) for n in missing) + tuple(
            Span("translation", n.start, n.end) for n in added
        )
        kind = "changed" if missing and added else "number"
        detail = ("number changed: " if kind == "changed" else "") + "; ".join(parts)
        return Detection(
            (Flag("number", detail, spans),),
            {"number_missing": min(float(len(missing)), MAX_COUNT), "number_added": min(float(len(added)), MAX_COUNT)},
        )
