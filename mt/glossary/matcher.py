"""Source-side term matching over normalised word tokens: clitic-aware for Arabic, case-insensitive for English.

The matcher indexes every source variant by its first normalised token (a dict of first token -> candidate
terms), so matching costs one dict look-up per text token and proclitic reading, whatever the glossary size.
All candidate matches are collected, then chosen longest first (ties: earliest start), never overlapping.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, NamedTuple

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
    variant: str = ""  # the glossary variant that matched
    clitic: str = ""  # the proclitics written before the term in the original text (e.g. "و", "لل")


class _Token(NamedTuple):
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


_GAP_CACHE: dict[str, str] = {}


def _gap_class(gap: str) -> str:
    """The punctuation that separates two tokens, spaces, hyphens and invisible marks removed."""
    cls = _GAP_CACHE.get(gap)
    if cls is None:
        cls = _GAP_KEEP.sub("", gap)
        if len(_GAP_CACHE) < 65536:
            _GAP_CACHE[gap] = cls
    return cls


def _tokens(text: str, lang: str) -> list[_Token]:
    """Word tokens of ``text`` with their matching keys; for Arabic a lone و is glued to the next word."""
    return [_Token(*t) for t in _token_tuples(text, lang)]


def _token_tuples(text: str, lang: str) -> list[tuple[int, int, str, str]]:
    """:func:`_tokens` as plain (start, end, key, gap) tuples: the matcher's hot path."""
    out: list[tuple[int, int, str, str]] = []
    append = out.append
    prev_end = 0
    pending_start = -1  # a lone و waiting for its word
    pending_gap = ""
    arabic = lang == "ar"
    key_of = normalize_token if arabic else str.lower
    for m in TOKEN_RE.finditer(text):
        start, end = m.span()
        key = key_of(m.group())
        if not key:
            continue
        raw_gap = text[prev_end:start]
        gap = "" if raw_gap == " " else _gap_class(raw_gap)
        prev_end = end
        if pending_start >= 0:
            if gap == "":
                append((pending_start, end, _WAW + key, pending_gap))
                pending_start = -1
                continue
            append((pending_start, pending_start + 1, _WAW, pending_gap))
            pending_start = -1
        if arabic and key == _WAW:
            pending_start, pending_gap = start, gap
        else:
            append((start, end, key, gap))
    if pending_start >= 0:
        append((pending_start, pending_start + 1, _WAW, pending_gap))
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
                tail = variant[toks[-1].end :].strip()
                entry = _Entry(
                    tuple(t.key for t in toks),
                    tuple(t.gap for t in toks[1:]),
                    concept,
                    variant,
                    tail if tail and not _GAP_KEEP.search(tail) else "",
                )
                self._index.setdefault(entry.keys[0], []).append(entry)
        for entries in self._index.values():
            entries.sort(key=lambda e: -len(e.keys))
        self._proclitics = PROCLITICS if lang == "ar" else ()
        self._reading_cache: dict[str, list[tuple[str, list[_Entry]]]] = {}

    def __len__(self) -> int:
        return sum(len(v) for v in self._index.values())

    def _readings(self, key: str) -> list[tuple[str, list[_Entry]]]:
        """(proclitic, candidate entries) for each reading of a text token key that starts some term (cached)."""
        cached = self._reading_cache.get(key)
        if cached is not None:
            return cached
        index = self._index
        readings: list[tuple[str, list[_Entry]]] = []
        if key in index:
            readings.append(("", index[key]))
        for p in self._proclitics:
            if key.startswith(p) and len(key) - len(p) >= 2:
                rest = key[len(p) :]
                if rest in index:
                    readings.append((p, index[rest]))
                if p.endswith("لل") and "ال" + rest in index:
                    readings.append((p, index["ال" + rest]))
        if len(self._reading_cache) < 1 << 20:
            self._reading_cache[key] = readings
        return readings

    def candidates(self, text: str) -> list[TermMatch]:
        """Every match at every position (they may overlap); :meth:`match` chooses among them."""
        tokens = _token_tuples(text, self.lang)
        found: list[TermMatch] = []
        n = len(tokens)
        cache = self._reading_cache
        for i, tok in enumerate(tokens):
            readings = cache.get(tok[2])
            if readings is None:
                readings = self._readings(tok[2])
            if not readings:
                continue
            for clitic, entries in readings:
                for entry in entries:
                    k = len(entry.keys)
                    if i + k > n:
                        continue
                    ok = True
                    for j in range(1, k):
                        t = tokens[i + j]
                        if t[2] != entry.keys[j] or t[3] != entry.gaps[j - 1]:
                            ok = False
                            break
                    if not ok:
                        continue
                    start = tok[0] + self._clitic_chars(text, tok[0], tok[1], len(clitic))
                    end = tokens[i + k - 1][1]
                    if entry.tail and text.startswith(entry.tail, end):
                        end += len(entry.tail)
                    found.append(
                        TermMatch(
                            start, end, text[start:end], entry.concept, self.lang, entry.variant, text[tok[0] : start]
                        )
                    )
        return found

    @staticmethod
    def _clitic_chars(text: str, tok_start: int, tok_end: int, clitic_len: int) -> int:
        """How many original characters of ``tok`` the proclitic occupies (marks and tatweel included)."""
        if clitic_len == 0:
            return 0
        raw = text[tok_start:tok_end]
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
            if 1 in taken[m.start : m.end]:
                continue
            taken[m.start : m.end] = b"\x01" * (m.end - m.start)
            chosen.append(m)
        chosen.sort(key=lambda m: m.start)
        return chosen
