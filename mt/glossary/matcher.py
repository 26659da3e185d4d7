"""Source-side term matching over normalised word tokens: clitic-aware for Arabic, case-insensitive for English.

The matcher indexes every source variant by its first normalised token (a dict of first token -> candidate
terms), so matching costs one dict look-up per text token and proclitic reading, whatever the glossary size.
All candidate matches are collected, then chosen longest first (ties: earliest start), never overlapping.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from mt.glossary.model import Concept
from mt.text.arabic import PROCLITICS, TOKEN_RE, normalize_map, normalize_token

_GAP_KEEP = re.compile(r"[\s\-\u2010-\u2015\u00ad\u200b-\u200f\u061c\u2066-\u2069\u202a-\u202e\u0640]")
# Arabic conjunction written apart from the next word: "الحزام و الطريق" == "الحزام والطريق".
_WAW = "و"


@dataclass(frozen=True)
class TermMatch:
    """A glossary term found in a text: ``text == original[start:end]`` (the term without its proclitics)."""

    start: int
    end: int
    text: str
    concept: Concept
    lang: str
    variant: str = ""   # the glossary variant that matched
    clitic: str = ""    # the proclitics written before the term in the original text (e.g. "و", "لل")


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    key: str
    gap: str  # punctuation (other than spaces and hyphens) between the previous token and this one


@dataclass(frozen=True)
class _Entry:
    keys: tuple[str, ...]
    gaps: tuple[str, ...]
    concept: Concept
    variant: str
    tail: str = ""  # punctuation that ends the variant ("U.S."): included in the span when the text has it


def _gap_class(gap: str) -> str:
    return _GAP_KEEP.sub("", gap)


def _tokens(text: str, lang: str) -> list[_Token]:
    """Word tokens of ``text`` with their matching keys; for Arabic a lone و is glued to the next word."""
    out: list[_Token] = []
    prev_end = 0
    pending: tuple[int, str] | None = None  # a lone و waiting for its word
    for m in TOKEN_RE.finditer(text):
        key = normalize_token(m.group()) if lang == "ar" else m.group().lower()
        if not key:
            continue
        gap = _gap_class(text[prev_end:m.start()])
        if pending is not None:
            if gap == "":
                out.append(_Token(pending[0], m.end(), _WAW + key, pending[1]))
                pending = None
                prev_end = m.end()
                continue
            out.append(_Token(pending[0], pending[0] + 1, _WAW, pending[1]))
            pending = None
        if lang == "ar" and key == _WAW:
            pending = (m.start(), gap)
        else:
            out.append(_Token(m.start(), m.end(), key, gap))
        prev_end = m.end()
    if pending is not None:
        out.append(_Token(pending[0], pending[0] + 1, _WAW, pending[1]))
    return out


class Matcher:
    """Finds the terms of a set of concepts in running text (build once, match many times)."""

    def __init__(self, concepts: Iterable[Concept], lang: str = "ar") -> None:
        if lang not in ("ar", "en"):
            raise ValueError(f"source matching supports 'ar' and 'en', not {lang!r}")
        self.lang = lang
        self._index: dict[str, list[_Entry]] = {}
        for concept in concepts:
            for variant in concept.targets(lang):
                toks = _tokens(variant, lang)
                if not toks:
                    continue
                tail = variant[toks[-1].end:].strip()
                entry = _Entry(tuple(t.key for t in toks), tuple(t.gap for t in toks[1:]), concept, variant,
                               tail if tail and not _GAP_KEEP.search(tail) else "")
                self._index.setdefault(entry.keys[0], []).append(entry)
        for entries in self._index.values():
            entries.sort(key=lambda e: -len(e.keys))
        # proclitic readings only for prefixes that can precede some indexed first token
        self._proclitics = PROCLITICS if lang == "ar" else ()

    def __len__(self) -> int:
        return sum(len(v) for v in self._index.values())

    def _readings(self, key: str) -> list[tuple[str, str]]:
        """(stem, proclitic) readings of a text token key, the bare token first."""
        readings = [(key, "")]
        index = self._index
        for p in self._proclitics:
            if key.startswith(p) and len(key) - len(p) >= 2:
                rest = key[len(p):]
                if rest in index:
                    readings.append((rest, p))
                if p.endswith("لل"):
                    with_article = "ال" + rest
                    if with_article in index:
                        readings.append((with_article, p))
        return readings

    def candidates(self, text: str) -> list[TermMatch]:
        """Every match at every position (they may overlap); :meth:`match` chooses among them."""
        tokens = _tokens(text, self.lang)
        index = self._index
        found: list[TermMatch] = []
        n = len(tokens)
        for i, tok in enumerate(tokens):
            readings = self._readings(tok.key) if self._proclitics else [(tok.key, "")]
            for stem, clitic in readings:
                entries = index.get(stem)
                if not entries:
                    continue
                for entry in entries:
                    k = len(entry.keys)
                    if i + k > n:
                        continue
                    ok = True
                    for j in range(1, k):
                        t = tokens[i + j]
                        if t.key != entry.keys[j] or t.gap != entry.gaps[j - 1]:
                            ok = False
                            break
                    if not ok:
                        continue
                    start = tok.start + self._clitic_chars(text, tok, len(clitic), stem)
                    end = tokens[i + k - 1].end
                    if entry.tail and text.startswith(entry.tail, end):
                        end += len(entry.tail)
                    match = TermMatch(start, end, text[start:end], entry.concept, self.lang, entry.variant,
                                      text[tok.start:start])
                    found.append(match)
        return found

    @staticmethod
    def _clitic_chars(text: str, tok: _Token, clitic_len: int, stem: str) -> int:
        """How many original characters of ``tok`` the proclitic occupies (marks and tatweel included)."""
        if clitic_len == 0:
            return 0
        raw = text[tok.start:tok.end]
        norm, idx = normalize_map(raw)
        # normalize_map keeps spaces; drop them the way normalize_token does
        # (for the لل reading the term's article is fused with the preposition: the span starts after لل)
        pairs = [(c, i) for c, i in zip(norm, idx) if not c.isspace()]
        if clitic_len >= len(pairs):
            return 0
        return pairs[clitic_len][1]

    def match(self, text: str) -> list[TermMatch]:
        """Non-overlapping matches sorted by start; longer matches win, then earlier ones, then fewer clitics."""
        cands = self.candidates(text)
        cands.sort(key=lambda m: (-(m.end - m.start), m.start, len(m.clitic)))
        taken = bytearray(len(text))
        chosen: list[TermMatch] = []
        for m in cands:
            if 1 in taken[m.start:m.end]:
                continue
            taken[m.start:m.end] = b"\x01" * (m.end - m.start)
            chosen.append(m)
        chosen.sort(key=lambda m: m.start)
        return chosen


def match_concepts(concepts: Sequence[Concept], text: str, lang: str = "ar") -> list[TermMatch]:
    """One-off matching without a cached matcher (build a :class:`Matcher` to match many texts)."""
    return Matcher(concepts, lang).match(text)
