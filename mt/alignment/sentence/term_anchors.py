"""Glossary-concept anchors of the sentence aligner (see :mod:`mt.alignment.sentence.anchors`): apart, so that
`mt align sentences` without a glossary never imports the glossary's target check and its tables."""

from __future__ import annotations

from typing import Sequence

from mt.alignment.sentence.anchors import TermSource
from mt.glossary.verify import has_target


def add_term_anchors(
    src: Sequence[str],
    tgt: Sequence[str],
    src_sets: list[set[str]],
    tgt_sets: list[set[str]],
    glossary: TermSource,
    tgt_lang: str,
) -> None:
    """Add ``concept:<id>`` to the anchors of every source sentence where ``glossary`` matches a concept that has
    a ``tgt_lang`` form, and of every target sentence holding one of that concept's accepted forms."""
    concepts = {}
    for k, text in enumerate(src):
        for match in glossary.match(text, "ar"):
            concept = match.concept
            if concept.targets(tgt_lang):
                concepts[concept.id] = concept
                src_sets[k].add(f"concept:{concept.id}")
    if not concepts:
        return
    for k, text in enumerate(tgt):
        for concept_id, concept in concepts.items():
            if has_target(text, concept, tgt_lang):
                tgt_sets[k].add(f"concept:{concept_id}")
