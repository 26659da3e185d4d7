"""Training pairs that contradict a glossary: the source holds a concept's Arabic variant, the target none of the
concept's accepted forms (preferred or alternative, matched as `mt translate` verifies them). Training on them
would teach the model the rendering the glossary forbids, so they are reported and left out unless kept."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from mt.formats.writing import atomic_writer
from mt.glossary.glossary import Glossary
from mt.glossary.verify import has_target
from mt.memory import Segment

CONTRADICTIONS_FILE = "glossary-contradictions.tsv"


@dataclass(frozen=True)
class Contradiction:
    """A pair whose target lacks every accepted form of a concept its source holds."""

    pair: Segment
    concept: str
    source_term: str
    expected: tuple[str, ...]


def find_contradictions(pairs: Sequence[Segment], glossary: Glossary) -> list[Contradiction]:
    """Every (pair, concept) where the source matches the concept and the target has none of its forms; a
    concept without a form in the pair's target language is not checked."""
    found = []
    for pair in pairs:
        for match in glossary.match(pair.source, pair.source_lang):
            expected = match.concept.targets(pair.target_lang)
            if expected and not has_target(pair.target, match.concept, pair.target_lang):
                found.append(Contradiction(pair, match.concept.id, match.text, expected))
    return found


def split_contradicting(
    pairs: Sequence[Segment], contradictions: Sequence[Contradiction]
) -> tuple[list[Segment], list[Segment]]:
    """(pairs without a contradiction, pairs with one)."""
    bad = {id(c.pair) for c in contradictions}
    return [p for p in pairs if id(p) not in bad], [p for p in pairs if id(p) in bad]


def write_contradictions(path: Path, contradictions: Sequence[Contradiction]) -> None:
    """A TSV with a header: concept, source term, expected forms (|-separated), source, target."""
    with atomic_writer(path) as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(["concept", "source_term", "expected", "source", "target"])
        for c in contradictions:
            writer.writerow([c.concept, c.source_term, "|".join(c.expected), c.pair.source, c.pair.target])
