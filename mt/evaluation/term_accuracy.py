"""Terminology accuracy, WMT21 style: for each glossary term found in the source, is an accepted target form
present in the translation?

Exact match on the surface form, as in the WMT21 terminology task, with the glossary's own target matcher
(English: case-insensitive, possessive and plural; Chinese: after OpenCC t2s and NFKC). When a concept occurs
``k`` times in a source line and its target forms occur ``m`` times in the translation, the line scores
``min(k, m)`` hits out of ``k``. The same measure on the reference(s) is the ceiling: a term the human
translator rendered differently cannot fairly be expected of the system.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from pathlib import Path
from typing import Any, Mapping, Sequence

from mt.evaluation.terminology import Accuracy, SegmentTerms, SourceTerm, TermRow, TerminologyResult
from mt.glossary import Glossary, find_target

log = logging.getLogger(__name__)


def load_glossary(glossary: Any) -> tuple[Any, str]:
    """A Glossary object and a display name from a path or an already loaded glossary."""
    if isinstance(glossary, (str, Path)):
        return Glossary.load(glossary), str(glossary)
    return glossary, getattr(glossary, "name", None) or type(glossary).__name__


def source_terms(glossary: Any, sources: Sequence[str]) -> list[list[SourceTerm]]:
    """Group the glossary's matches in each Arabic source line by concept, in order of first occurrence."""
    per_line: list[list[SourceTerm]] = []
    for i, line in enumerate(sources):
        grouped: OrderedDict[str, list] = OrderedDict()
        for match in glossary.match(line, lang="ar"):
            grouped.setdefault(str(match.concept.id), []).append(match)
        per_line.append(
            [
                SourceTerm(
                    line=i, concept_id=cid, count=len(ms), sources=tuple(m.text for m in ms), concept=ms[0].concept
                )
                for cid, ms in grouped.items()
            ]
        )
    return per_line


def _hits(text: str, term: SourceTerm, lang: str, find_target: Any) -> int:
    return min(term.count, len(find_target(text, term.concept, lang)))


def term_accuracy(
    glossary: Any,
    sources: Sequence[str],
    systems: Mapping[str, Sequence[str]],
    references: Sequence[Sequence[str]],
    lang: str,
) -> TerminologyResult:
    """Terminology accuracy of every system and of the references (best reference per line).

    ``glossary`` is a path (loaded with ``Glossary.load``) or a loaded Glossary; ``sources`` are the Arabic
    source lines, parallel to each system's lines and each reference stream.
    """
    glossary, name = load_glossary(glossary)
    found = source_terms(glossary, sources)
    totals = {system: Accuracy() for system in systems}
    reference = Accuracy()
    rows: OrderedDict[str, TermRow] = OrderedDict()
    segments: dict[str, list[SegmentTerms]] = {system: [] for system in systems}
    for i, terms in enumerate(found):
        for term in terms:
            row = rows.get(term.concept_id)
            if row is None:
                targets = tuple(term.concept.targets(lang))
                row = rows[term.concept_id] = TermRow(term.concept_id, targets[0] if targets else "", [])
                row.hits = {system: 0 for system in systems}
            row.occurrences += term.count
            for source in term.sources:
                if source not in row.sources:
                    row.sources.append(source)
            ref_hits = max((_hits(ref[i], term, lang, find_target) for ref in references), default=0)
            row.reference_hits += ref_hits
            reference.add(ref_hits, term.count)
        for system, hyps in systems.items():
            hit, missed = 0, []
            for term in terms:
                h = _hits(hyps[i], term, lang, find_target)
                row = rows[term.concept_id]
                row.hits[system] += h
                totals[system].add(h, term.count)
                hit += h
                if h < term.count:
                    missed.append(term.concept_id)
            segments[system].append(SegmentTerms(found=sum(t.count for t in terms), hit=hit, missed=missed))
    log.info("terminology: %d concepts in %d of %d lines", len(rows), sum(1 for t in found if t), len(sources))
    return TerminologyResult(
        glossary=name,
        lang=lang,
        totals=totals,
        reference=reference,
        rows=list(rows.values()),
        segments=segments,
        lines_with_terms=sum(1 for t in found if t),
    )
