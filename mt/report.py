"""`mt translate --report FILE.jsonl`: one row per translated segment, so a reviewer checks a DOCX as a text file.

A row (JSON object, one per line, in input order):

    {"input": "report.docx", "location": "word/document.xml p 12", "source": "...", "translation": "...",
     "score": -0.41, "terms": [{"concept": ..., "source": ..., "target": ..., "status": ...}, ...],
     "displaced": ["b2"], "origin": "mt", "fuzzy": {"source": ..., "target": ..., "similarity": 91.2,
     "origin": "human"}}

- location: the document format's (part and paragraph, unit id, cue index, msgid line), "line N" for text;
- score: the mean of the segment's sentence scores (the model's mean log-probability per token; null when no
  sentence has one, e.g. all human translations from a memory);
- terms: every glossary term of its sentences, as in ``--format jsonl``;
- risk, flags (with ``--qe``): the highest risk of its sentences and all their flags (mt.qe);
- numbers: every digit number of its sentences (``--numbers``), reported as the terms are, when there are any;
- displaced: ids of inline tags that could not be put at aligned words (also a warning line on stderr; with
  ``--qe`` a ``tags`` flag on their sentence);
- kept: only on a segment left as it is, untranslated, and why ("no Arabic": it has no Arabic letter; its
  translation is its source);
- origin (with a translation memory): "mt", "tm-mt" or "tm-human" when every sentence has it, else "mixed";
- fuzzy (with a translation memory): the best entry at or above ``--fuzzy-min`` whose source resembles the
  segment's, other than the MT this run's settings make (which is the translation itself), or null.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from mt.formats.document import TranslatedSegment
from mt.memory import MtKey, TranslationMemory
from mt.results import LineResult, SentenceResult


@dataclass
class FuzzyLookup:
    """Where --report looks for fuzzy matches: a memory, the target language, the floor, the key to leave out."""

    tm: TranslationMemory
    target_lang: str
    min_similarity: float = 75.0
    own_key: MtKey | None = None

    def best(self, source: str) -> dict | None:
        text = " ".join(source.split())
        for match in self.tm.fuzzy(text, self.target_lang, min_similarity=self.min_similarity, limit=5):
            entry = match.entry
            if entry.origin == "mt" and self.own_key is not None and entry.key == self.own_key:
                continue
            return {
                "source": entry.source,
                "target": entry.target,
                "similarity": round(match.similarity, 1),
                "origin": entry.origin,
            }
        return None


def _score(sentences: Sequence[SentenceResult]) -> float | None:
    scores = [s.score for s in sentences if s.score is not None]
    return round(sum(scores) / len(scores), 6) if scores else None


def _origin(sentences: Sequence[SentenceResult]) -> str | None:
    origins = {s.origin for s in sentences if s.origin is not None}
    if not origins:
        return None
    return origins.pop() if len(origins) == 1 else "mixed"


def row(
    input_name: str,
    location: str,
    source: str,
    translation: str,
    sentences: Sequence[SentenceResult],
    displaced: Sequence[str] = (),
    fuzzy: FuzzyLookup | None = None,
) -> dict:
    """One report row (see the module docstring)."""
    out: dict[str, Any] = {
        "input": input_name,
        "location": location,
        "source": source,
        "translation": translation,
        "score": _score(sentences),
        "terms": [t.to_dict() for s in sentences for t in s.terms],
        "displaced": list(displaced),
    }
    numbers = [t.to_dict() for s in sentences for t in s.numbers]
    if numbers:
        out["numbers"] = numbers
    risks = [s.risk for s in sentences if s.risk is not None]
    if risks:
        out["risk"] = max(risks)
        out["flags"] = [flag for s in sentences for flag in s.flags]
    origin = _origin(sentences)
    if origin is not None:
        out["origin"] = origin
    if fuzzy is not None:
        out["fuzzy"] = fuzzy.best(source)
    return out


def segment_row(input_name: str, translated: TranslatedSegment, fuzzy: FuzzyLookup | None = None) -> dict:
    segment = translated.segment
    out = row(
        input_name, segment.location, segment.text, translated.text, translated.sentences, translated.displaced, fuzzy
    )
    if translated.kept is not None:
        out["kept"] = translated.kept
    return out


def line_row(input_name: str, number: int, result: LineResult, fuzzy: FuzzyLookup | None = None) -> dict | None:
    """The row of a text line (None for a line without sentences: blank, or passed through as it is)."""
    if not result.sentences:
        return None
    return row(input_name, f"line {number}", result.source, result.translation, result.sentences, (), fuzzy)
