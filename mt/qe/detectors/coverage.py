"""Coverage detectors from the lexical table: source words with no counterpart (omission), translation words
with no counterpart (hallucination: a translation detached from its source), and the length ratio.

``unrelated`` weighs each checkable word by how telling its coverage is: a word whose translations are common
(a Chinese character that many Arabic words translate into) would look covered by an unrelated sentence too.
Per word, with ``hit`` the share of checkable words covered in real pairs and ``chance`` the probability that an
unrelated sentence of the same length covers it (:class:`mt.qe.lexicon.ChanceModel`), a covered word adds
log(chance / hit) and an uncovered one log((1 - chance) / (1 - hit)); the sum over both sides is the log
likelihood ratio "unrelated sentence" against "translation" (words taken as independent), high for a translation
detached from its source whatever the language's word unit.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from mt.qe.lexicon import LexicalTable
from mt.qe.model import Detection, Flag, Pair, Span

MIN_KNOWN = 2  # fewer checkable words than this give no coverage judgement (the feature is 0)
MIN_TAIL = 4  # fewer checkable source words than this give no judgement of where the uncovered ones are
_LATIN = re.compile(r"[a-z]")
CHANCE_FLOOR = 1e-3  # chance probabilities are kept in [0.001, 0.999]
MAX_SQ = 25.0  # the squared length deviations stop growing at 5 sd


def uncovered(
    keys: list[str], other: set[str], table: dict[str, frozenset[str]], stop: frozenset[str], latin: bool = True
) -> tuple[list[int], int]:
    """Indices of checkable words (in the table, no function word) without a translation among ``other``,
    and how many words were checkable. A Latin word the table does not know is checkable when ``latin`` (it
    is covered when present on both sides); in Chinese it is not (a name glossed in Latin, ``普罗文扎诺
    (Provenzano)``, says nothing of coverage; the script detector speaks for Latin in Chinese)."""
    missing, known = [], 0
    for index, key in enumerate(keys):
        if not key or key in stop:
            continue
        translations = table.get(key)
        if translations is None:
            if latin and _LATIN.match(key):
                known += 1
                if key not in other:
                    missing.append(index)
            continue
        known += 1
        if not translations & other:
            missing.append(index)
    return missing, known


def latin_checkable(lang: str) -> bool:
    """Whether Latin words unknown to the table are checked for a counterpart in ``lang`` (not in Chinese)."""
    return lang != "zh"


def _evidence(
    keys: list[str],
    other: list[str],
    table: dict[str, frozenset[str]],
    stop: frozenset[str],
    mass: dict[str, float],
    hit: float,
) -> float:
    """Sum over the checkable words of ``keys`` of log P(seen | unrelated) / P(seen | translation)."""
    total, size, present = 0.0, len(other), set(other)
    for key in keys:
        q = mass.get(key)
        if q is None or key in stop:
            continue
        chance = min(max(1.0 - (1.0 - q) ** size, CHANCE_FLOOR), 1.0 - CHANCE_FLOOR)
        expected = max(hit, chance)  # a real translation covers a word at least as often as chance does
        covered = bool(table[key] & present)
        missed = (1.0 - chance) / (1.0 - expected + CHANCE_FLOOR)
        total += math.log(chance / expected) if covered else math.log(missed)
    return total


def _share(missing: list[int], known: int) -> float:
    return len(missing) / known if known >= MIN_KNOWN else 0.0


def tail_gap(keys: list[str], missing: list[int], table: dict[str, frozenset[str]], stop: frozenset[str]) -> float:
    """How much more of the source's second half than of its first lacks a counterpart: the share of uncovered
    checkable words in the later half minus that in the earlier half (0 with fewer than MIN_TAIL checkable
    words). A translation that stops halfway keeps its final mark but not the source's end: the gap is high;
    word order moving a clause across the middle makes a clean pair's gap small on either side of 0."""
    checkable = [i for i, key in enumerate(keys) if key and key not in stop and key in table]
    if len(checkable) < MIN_TAIL:
        return 0.0
    lost, half = set(missing), len(checkable) // 2
    early = sum(i in lost for i in checkable[:half]) / half
    late = sum(i in lost for i in checkable[half:]) / (len(checkable) - half)
    return late - early


@dataclass
class CoverageDetector:
    """Omission and hallucination as the share of checkable words without a counterpart on the other side;
    ``detached``, their product, is high only when neither side accounts for the other."""

    table: LexicalTable
    omission_cut: float = 0.5
    hallucination_cut: float = 0.5
    features: tuple[str, ...] = ("omission", "hallucination", "detached", "unrelated", "tail_gap")

    def detect(self, pair: Pair) -> Detection:
        source_keys, target_keys = pair.source_keys, pair.translation_keys
        lost, src_known = uncovered(source_keys, set(target_keys), self.table.forward, self.table.src_stop)
        extra, tgt_known = uncovered(
            target_keys,
            set(source_keys),
            self.table.backward,
            self.table.tgt_stop,
            latin=latin_checkable(self.table.tgt_lang),
        )
        omission, hallucination = _share(lost, src_known), _share(extra, tgt_known)
        flags: list[Flag] = []
        if not pair.translation.strip():  # the empty detector speaks for an empty translation
            return Detection(
                (),
                {
                    "omission": omission,
                    "hallucination": hallucination,
                    "detached": 0.0,
                    "unrelated": 0.0,
                    "tail_gap": 0.0,
                },
            )
        if omission >= self.omission_cut:
            spans = tuple(Span("source", pair.source_tokens[i].start, pair.source_tokens[i].end) for i in lost)
            flags.append(Flag("omission", f"{len(lost)} of {src_known} source words have no counterpart", spans))
        if hallucination >= self.hallucination_cut:
            spans = tuple(
                Span("translation", pair.translation_tokens[i].start, pair.translation_tokens[i].end) for i in extra
            )
            flags.append(
                Flag(
                    "hallucination",
                    f"{len(extra)} of {tgt_known} translation words have no counterpart in the source",
                    spans,
                )
            )
        gap = tail_gap(source_keys, lost, self.table.forward, self.table.src_stop)
        return Detection(
            tuple(flags),
            {
                "omission": omission,
                "hallucination": hallucination,
                "detached": omission * hallucination,
                "unrelated": self.unrelated(pair),
                "tail_gap": gap,
            },
        )

    def unrelated(self, pair: Pair) -> float:
        """The log likelihood ratio "unrelated" against "translation" of both sides' coverage (module docstring);
        0 without a chance model."""
        chance = self.table.chance
        if chance is None:
            return 0.0
        source = [k for k in pair.source_keys if k]
        target = [k for k in pair.translation_keys if k]
        table = self.table
        return _evidence(source, target, table.forward, table.src_stop, chance.forward, chance.hit[0]) + _evidence(
            target, source, table.backward, table.tgt_stop, chance.backward, chance.hit[1]
        )


@dataclass
class LengthDetector:
    """An implausible length ratio for the direction: standard deviations from the mean log ratio (an acronym the
    source spells out counts as the words it stands for: :meth:`mt.qe.lexicon.LengthModel.z`)."""

    table: LexicalTable
    cut: float = 2.5
    features: tuple[str, ...] = ("too_short", "too_long", "too_short_sq", "too_long_sq")

    def detect(self, pair: Pair) -> Detection:
        if not pair.source.strip() or not pair.translation.strip():
            return Detection((), dict.fromkeys(self.features, 0.0))
        z = self.table.length.z(pair.source, pair.translation)
        flags: tuple[Flag, ...] = ()
        if abs(z) >= self.cut:
            word = "short" if z < 0 else "long"
            flags = (Flag("length", f"translation too {word} for its source ({z:+.1f} sd)"),)
        short, long = max(-z, 0.0), max(z, 0.0)
        return Detection(
            flags,
            {
                "too_short": short,
                "too_long": long,
                "too_short_sq": min(short * short, MAX_SQ),
                "too_long_sq": min(long * long, MAX_SQ),
            },
        )
