"""Do aligned term pairs link to each other?  A self-made gold for word aligners from a term table.

For each sentence pair holding the source form of a term and its target form (matched on the aligner's
normalised token keys, so Arabic clitics, diacritics and English case do not matter), the two token spans
are a known correspondence. An instance counts as *linked* when some link joins the two spans, and as
*contained* when, in addition, every link that touches a token of the target span stays inside the source
span (no stray links out of the term).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from mt.alignment.pharaoh import Link
from mt.alignment.tokenize import normalize_for_statistics, tokenize


@dataclass(frozen=True)
class TermInstance:
    """One occurrence of a term pair: sentence index, source token span and target token span."""

    sentence: int
    term: int
    src_span: tuple[int, int]
    tgt_span: tuple[int, int]


@dataclass(frozen=True)
class TermLinkScore:
    """How many term instances the links join (``linked``) and keep inside the term (``contained``)."""

    instances: int
    linked: int
    contained: int

    @property
    def linked_rate(self) -> float:
        return self.linked / self.instances if self.instances else 0.0

    @property
    def contained_rate(self) -> float:
        return self.contained / self.instances if self.instances else 0.0


def _keys(tokens: Sequence[str], lang: str) -> list[str]:
    return [normalize_for_statistics(t, lang) or t for t in tokens]


def _find(keys: list[str], pattern: list[str]) -> tuple[int, int] | None:
    n = len(pattern)
    if n == 0:
        return None
    for start in range(len(keys) - n + 1):
        if keys[start : start + n] == pattern:
            return start, start + n
    return None


def find_term_instances(
    src_tokens: Sequence[Sequence[str]],
    tgt_tokens: Sequence[Sequence[str]],
    terms: Sequence[tuple[str, str]],
    *,
    src_lang: str = "ar",
    tgt_lang: str = "en",
) -> list[TermInstance]:
    """Instances of (source form, target form) term pairs occurring in both sides of a sentence pair (first
    occurrence per side; terms whose forms occur more than once in a sentence are skipped as ambiguous)."""
    patterns = [(_keys(tokenize(s, src_lang), src_lang), _keys(tokenize(t, tgt_lang), tgt_lang)) for s, t in terms]
    instances = []
    for k, (src, tgt) in enumerate(zip(src_tokens, tgt_tokens)):
        src_keys, tgt_keys = _keys(src, src_lang), _keys(tgt, tgt_lang)
        for term, (sp, tp) in enumerate(patterns):
            s_span = _find(src_keys, sp)
            if s_span is None:
                continue
            t_span = _find(tgt_keys, tp)
            if t_span is None:
                continue
            if _find(src_keys[s_span[1] :], sp) or _find(tgt_keys[t_span[1] :], tp):
                continue
            instances.append(TermInstance(k, term, s_span, t_span))
    return instances


def score_term_links(instances: Sequence[TermInstance], links: Sequence[set[Link]]) -> TermLinkScore:
    """Score alignments on term instances (see the module docstring)."""
    linked = contained = 0
    for inst in instances:
        s0, s1 = inst.src_span
        t0, t1 = inst.tgt_span
        touching = [(i, j) for i, j in links[inst.sentence] if t0 <= j < t1]
        inside = [(i, j) for i, j in touching if s0 <= i < s1]
        if inside:
            linked += 1
            if len(inside) == len(touching):
                contained += 1
    return TermLinkScore(len(instances), linked, contained)
