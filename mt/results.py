"""What a translation returns: per line, per sentence, per term. The JSONL output is `to_dict()` of these."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence


@dataclass
class TermResult:
    """A glossary term found in a sentence's source and what became of it in the translation.

    start/end: character offsets of the term in the sentence's source. status: "verified" (the model produced
    an accepted form), "enforced" (placed by the repair), or "missing" (soft mode, or a target the model's
    vocabulary cannot spell).
    """

    concept_id: str
    source: str
    start: int
    end: int
    target: str | None
    status: str
    lang: str = "ar"
    concept: object = field(default=None, repr=False, compare=False)  # the mt.glossary.Concept, not serialised
    # where the target stands in the sentence's translation (characters), when found there; not serialised
    target_span: tuple[int, int] | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict:
        return {
            "concept": self.concept_id,
            "source": self.source,
            "start": self.start,
            "end": self.end,
            "target": self.target,
            "status": self.status,
        }


@dataclass
class SentenceResult:
    """One translation unit: a sentence, or a chunk of a sentence too long for the model."""

    source: str
    translation: str
    score: float | None  # the model's (mean log-probability per token); None for a human translation from a TM
    terms: list[TermResult] = field(default_factory=list)
    intermediate: str | None = None  # the English of the ar -> en -> zh pivot
    chunked: bool = False
    complete: bool = True  # False when the decoder stopped at the length limit without </s>
    origin: str | None = None  # with a translation memory: "tm-human", "tm-mt" (reused) or "mt" (decoded)
    # per leg, what decoded it (source pieces, output pieces, alignment head or None) when asked for (inline tags
    # are placed with it: mt.segments); None otherwise. Not serialised
    decoded: list | None = field(default=None, repr=False, compare=False)
    # the source's digit numbers (concepts "number-<value>", mt.qe.number_terms), reported like the terms
    numbers: list[TermResult] = field(default_factory=list)
    # with quality estimation (mt translate --qe, mt.qe): the risk in [0, 1] and what a reviewer should check
    # ({"kind", "detail"} objects; empty under the threshold); None and [] without it
    risk: float | None = None
    flags: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        out = {
            "source": self.source,
            "translation": self.translation,
            "score": None if self.score is None else round(self.score, 6),
            "terms": [t.to_dict() for t in self.terms],
        }
        if self.numbers:
            out["numbers"] = [t.to_dict() for t in self.numbers]
        if self.intermediate is not None:
            out["intermediate"] = self.intermediate
        if self.chunked:
            out["chunked"] = True
        if not self.complete:
            out["complete"] = False
        if self.origin is not None:
            out["origin"] = self.origin
        if self.risk is not None:
            out["risk"] = self.risk
            out["flags"] = self.flags
        return out


@dataclass
class LineResult:
    """One input line: its translation and the sentences it was split into."""

    source: str
    translation: str
    sentences: list[SentenceResult] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "translation": self.translation,
            "sentences": [s.to_dict() for s in self.sentences],
        }


REVIEW_PREFIX = "mt-qe:"  # opens the review note of a flagged segment (PO translator comment, XLIFF note)


def review_note(sentences: Sequence[SentenceResult]) -> str | None:
    """Why a segment needs review (quality estimation flagged one of its sentences): its highest risk and every
    flag, or None when none is flagged (or QE did not run)."""
    flags = [flag for sentence in sentences for flag in sentence.flags]
    if not flags:
        return None
    risk = max(sentence.risk or 0.0 for sentence in sentences)
    return f"{REVIEW_PREFIX} risk {risk:.2f}: " + "; ".join(f"{f['kind']}: {f['detail']}" for f in flags)
