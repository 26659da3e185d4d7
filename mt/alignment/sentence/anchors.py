"""Anchors: tokens that survive translation unchanged, used as evidence that two sentences correspond.

Per sentence, a set of anchor keys: numbers (Arabic-Indic and Eastern digits mapped to ASCII, thousands
separators dropped, decimal separators unified; years, counts, dates), Latin-script tokens of two or more
letters (names, acronyms, URLs; lowercased), marks that translations keep in every script (question and
exclamation marks, opening parentheses, quotation marks, colons: Arabic ؟, Chinese full-width forms and
「」 count as the same mark), and glossary concepts found on both sides (``concept:<id>``).
"""

from __future__ import annotations

import re
from typing import Iterable, Protocol, Sequence

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹０１２３４５６７８９", "0123456789" * 3)
_NUMBER = re.compile(r"\d+(?:[.,\u066b\u066c]\d+)*")
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9]+")
_PUNCT = {"?": "?", "\u061f": "?", "\uff1f": "?", "!": "!", "\uff01": "!", "(": "(", "\uff08": "(",
          "\"": "\"", "\u00ab": "\"", "\u00bb": "\"", "\u201c": "\"", "\u201d": "\"", "\u300c": "\"",
          "\u300d": "\"", "\u300e": "\"", "\u300f": "\"", ":": ":", "\uff1a": ":"}


class TermSource(Protocol):
    """What anchors need from a glossary: source matches with concepts, and a target check."""

    def match(self, text: str, lang: str = "ar") -> list: ...


def _numbers(text: str) -> list[str]:
    keys = []
    for match in _NUMBER.finditer(text.translate(_DIGITS)):
        raw = match.group()
        parts = re.split(r"[.,\u066b\u066c]", raw)
        # "1,000" / "1.000" / "1٬000" -> 1000 (groups of three); "3.5" / "3,5" / "٣٫٥" -> 3.5
        if len(parts) > 1 and all(len(p) == 3 for p in parts[1:]):
            key = "".join(parts)
        else:
            key = ".".join(parts)
        key = key.lstrip("0") or "0"
        keys.append(f"#{key}")
    return keys


def _latin(text: str) -> list[str]:
    return [f"@{m.group().lower()}" for m in _LATIN.finditer(text)]


def _punctuation(text: str) -> list[str]:
    return [f"%{_PUNCT[ch]}" for ch in set(text) if ch in _PUNCT]


def sentence_anchors(text: str) -> frozenset[str]:
    """Number, Latin-token and punctuation anchors of one sentence."""
    return frozenset(_numbers(text) + _latin(text) + _punctuation(text))


def document_anchors(src: Sequence[str], tgt: Sequence[str], *, glossary: TermSource | None = None,
                     tgt_lang: str = "en") -> tuple[list[frozenset[str]], list[frozenset[str]]]:
    """Anchor sets for every source and target sentence.

    Anchors that occur on one side only anywhere in the document carry no evidence and are dropped, so
    only keys seen on both sides remain. With a glossary, each concept matched in a source sentence whose
    target form occurs in some target sentence becomes an anchor on both.
    """
    src_sets = [set(sentence_anchors(s)) for s in src]
    tgt_sets = [set(sentence_anchors(t)) for t in tgt]
    if glossary is not None:
        _add_terms(src, tgt, src_sets, tgt_sets, glossary, tgt_lang)
    shared = set().union(*src_sets) & set().union(*tgt_sets) if src_sets and tgt_sets else set()
    return ([frozenset(s & shared) for s in src_sets], [frozenset(t & shared) for t in tgt_sets])


def _add_terms(src: Sequence[str], tgt: Sequence[str], src_sets: list[set[str]], tgt_sets: list[set[str]],
               glossary: TermSource, tgt_lang: str) -> None:
    from mt.glossary import has_target  # noqa: PLC0415 - only when a glossary is used

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


def merge_anchor_sets(sets: Iterable[frozenset[str]]) -> frozenset[str]:
    """Union of anchor sets (a coarse block's anchors)."""
    out: set[str] = set()
    for s in sets:
        out |= s
    return frozenset(out)
