"""The results of terminology accuracy (:mod:`mt.evaluation.term_accuracy` computes them): per system, per term
and per line. Apart from the computation so that a result, and `mt evaluate` without a glossary, never import the
glossary's matcher."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class SourceTerm:
    """A glossary concept found in one source line."""

    line: int  # 0-based
    concept_id: str
    count: int
    sources: tuple[str, ...]  # the source text of each occurrence
    concept: Any = field(repr=False, compare=False, default=None)


@dataclass
class Accuracy:
    """Hits out of source-term occurrences."""

    hits: int = 0
    total: int = 0

    @property
    def accuracy(self) -> float | None:
        return self.hits / self.total if self.total else None

    def add(self, hits: int, total: int) -> None:
        self.hits += hits
        self.total += total


@dataclass
class TermRow:
    """Per-concept totals over the corpus: occurrences and hits per system and in the reference."""

    concept_id: str
    preferred: str
    sources: list[str]
    occurrences: int = 0
    hits: dict[str, int] = field(default_factory=dict)  # system name -> hits
    reference_hits: int = 0


@dataclass
class SegmentTerms:
    """Terms of one line for one system: found in the source, hit in the output, the missed concept ids."""

    found: int
    hit: int
    missed: list[str]


@dataclass
class TerminologyResult:
    glossary: str
    lang: str
    totals: dict[str, Accuracy]  # system name -> accuracy
    reference: Accuracy  # the ceiling: the best reference per line
    rows: list[TermRow]
    segments: dict[str, list[SegmentTerms]]  # system name -> one entry per line
    lines_with_terms: int
