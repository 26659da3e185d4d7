"""A corruption suite from clean parallel text: the failures QE must catch, built where the truth is known.

From each clean pair (Arabic source, human reference) come, where they apply: ``copy`` (the source copied),
``loop`` (a phrase of the reference repeated as a decoder loops), ``number`` (one number of the reference that
matches the source changed), ``detached`` (another sentence's reference), ``halved`` (the first half of the
reference), ``term`` (a glossary term's target removed), ``script`` (the reference in the other target
language) and ``empty``. The clean reference itself is kind ``clean``. Deterministic for a seed.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Iterator, Sequence

from mt.glossary import Glossary, find_target
from mt.qe.numbers import find_numbers
from mt.text.numbers import DIGITS

CORRUPTIONS = ("copy", "loop", "number", "detached", "halved", "term", "script", "empty")
MIN_HALVED_UNITS = 8


@dataclass(frozen=True)
class Case:
    """One suite item: which kind, the index of the clean pair it came from, source and translation."""

    kind: str
    index: int
    source: str
    translation: str

    @property
    def corrupted(self) -> bool:
        return self.kind != "clean"


def _units(text: str, lang: str) -> list[str]:
    """Words (English) or characters (Chinese), joinable back with :func:`_join`."""
    return text.split() if lang == "en" else list(text)


def _join(units: Sequence[str], lang: str) -> str:
    return (" " if lang == "en" else "").join(units)


def loop(text: str, lang: str, rng: random.Random) -> str | None:
    units = _units(text, lang)
    size = rng.randint(1, 4) if lang == "en" else rng.randint(2, 6)
    if len(units) < size + 2:
        return None
    start = rng.randrange(0, max(1, len(units) * 2 // 3 - size + 1))
    unit = units[start : start + size]
    return _join(units[: start + size] + unit * rng.randint(4, 8), lang)


def change_number(source: str, text: str, lang: str, rng: random.Random) -> str | None:
    source_readings = {r for n in find_numbers(source, "ar") if not n.soft for r in n.readings}
    matched = [n for n in find_numbers(text, lang) if not n.soft and n.readings & source_readings]
    if not matched:
        return None
    number = rng.choice(matched)
    digits = [i for i in range(number.start, number.end) if number.text[i - number.start].translate(DIGITS).isdigit()]
    position = rng.choice(digits)
    old = text[position].translate(DIGITS)
    new = rng.choice([d for d in "0123456789" if d != old and (d != "0" or position != digits[0])])
    return text[:position] + new + text[position + 1 :]


def halve(text: str, lang: str) -> str | None:
    units = _units(text, lang)
    if len(units) < MIN_HALVED_UNITS:
        return None
    return _join(units[: len(units) // 2], lang)


def drop_term(source: str, text: str, lang: str, glossary: Glossary | None) -> str | None:
    if glossary is None:
        return None
    for match in glossary.match(source, "ar"):
        spans = find_target(text, match.concept, lang)
        if spans:
            for start, end in sorted(spans, reverse=True):
                text = text[:start] + text[end:]
            return re.sub(r"  +", " ", text).strip()
    return None


def corruption_suite(
    sources: Sequence[str],
    references: Sequence[str],
    other_references: Sequence[str],
    lang: str,
    *,
    glossary: Glossary | None = None,
    seed: int = 1,
) -> Iterator[Case]:
    """Clean cases and their corruptions, pair by pair (``other_references``: the same sentences in the
    other target language, for ``script``)."""
    rng = random.Random(seed)
    count = len(sources)
    for index, (source, reference) in enumerate(zip(sources, references)):
        if not source.strip() or not reference.strip():
            continue
        made = {
            "clean": reference,
            "copy": source,
            "loop": loop(reference, lang, rng),
            "number": change_number(source, reference, lang, rng),
            "detached": references[(index + count // 2) % count] if count > 1 else None,
            "halved": halve(reference, lang),
            "term": drop_term(source, reference, lang, glossary),
            "script": other_references[index],
            "empty": "",
        }
        for kind, translation in made.items():
            if translation is not None:
                yield Case(kind, index, source, translation)
