"""Target-side checks: where do a concept's accepted (or forbidden) renderings occur in a translation?

English: case-insensitive, at word boundaries, with possessive ('s, ’s, s') and plural (s, es, y -> ies) forms.
Chinese: substring search after NFKC and OpenCC t2s on both the text and the term (traditional matches simplified).
Spans are offsets into the text as given, non-overlapping, longest form first.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from collections import Counter
from typing import Iterable

from opencc import OpenCC

from mt.errors import GlossaryError
from mt.glossary.model import Concept

_SUFFIX = r"(?:(?:s|es)?(?:['’]s|['’])?)"


@lru_cache(maxsize=1)
def _t2s():
    return OpenCC("t2s")


@lru_cache(maxsize=65536)
def _en_pattern(form: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in re.split(r"[\s\-‐–]+", form.strip()) if w]
    body = r"[\s\-‐–]+".join(words)
    if form and form[-1].lower() == "y" and len(form) > 2:
        body = f"(?:{body}|{body[:-1]}ies)"
    left = r"(?<!\w)" if form[:1].isalnum() or form[:1] == "_" else ""
    right = r"(?!\w)" if form[-1:].isalnum() else ""
    return re.compile(f"{left}{body}{_SUFFIX if right else ''}{right}", re.IGNORECASE)


def zh_normalize(text: str) -> tuple[str, list[int]]:
    """NFKC + OpenCC t2s; returns the normalised text and the original index of each normalised character."""
    out: list[str] = []
    idx: list[int] = []
    for i, ch in enumerate(text):
        rep = unicodedata.normalize("NFKC", ch)
        out.append(rep)
        idx.extend([i] * len(rep))
    nfkc = "".join(out)
    converted = _t2s().convert(nfkc)
    if len(converted) != len(nfkc):  # a phrase conversion changed the length: convert character by character
        converted = "".join(_t2s().convert(c) or c for c in nfkc)
        if len(converted) != len(nfkc):
            converted = nfkc
    return converted, idx


def _zh_norm_term(term: str) -> str:
    return zh_normalize(term)[0]


def _spans(text: str, forms: Iterable[str], lang: str) -> list[tuple[int, int]]:
    forms = [f for f in forms if f.strip()]
    if not forms or not text:
        return []
    hits: list[tuple[int, int]] = []
    if lang == "en":
        for form in forms:
            hits.extend(m.span() for m in _en_pattern(form).finditer(text))
    elif lang == "zh":
        norm, idx = zh_normalize(text)
        idx.append(len(text))
        for form in forms:
            key = _zh_norm_term(form)
            start = norm.find(key)
            while start != -1:
                end = start + len(key)
                hits.append((idx[start], idx[end - 1] + 1))
                start = norm.find(key, end)
    else:
        raise GlossaryError(f"target verification supports 'en' and 'zh', not {lang!r}")
    return _longest_non_overlapping(hits)


def _longest_non_overlapping(hits: list[tuple[int, int]]) -> list[tuple[int, int]]:
    hits = sorted(set(hits), key=lambda s: (-(s[1] - s[0]), s[0]))
    chosen: list[tuple[int, int]] = []
    for s, e in hits:
        if all(e <= cs or s >= ce for cs, ce in chosen):
            chosen.append((s, e))
    return sorted(chosen)


def find_target(text: str, concept: Concept, lang: str) -> list[tuple[int, int]]:
    """Spans of ``text`` holding an accepted ``lang`` form of ``concept`` (preferred or alternative)."""
    return _spans(text, concept.targets(lang), lang)


def find_forbidden(text: str, concept: Concept, lang: str) -> list[tuple[int, int]]:
    """Spans holding a forbidden rendering, ignoring those inside an accepted form (速卖通 inside 全球速卖通)."""
    bad = _spans(text, concept.forbidden(lang), lang)
    if not bad:
        return []
    good = find_target(text, concept, lang)
    return [(s, e) for s, e in bad if not any(gs <= s and e <= ge for gs, ge in good)]


def has_target(text: str, concept: Concept, lang: str) -> bool:
    """True when an accepted form of ``concept`` occurs in ``text``."""
    return bool(find_target(text, concept, lang))


def concept_spans(
    translation: str, concepts: dict, lang: str, expected: Counter | None = None, first: Counter | None = None
) -> dict[str, list[tuple[int, int]]]:
    """Where each concept's accepted forms occur in a translation.

    A form inside a longer form of another concept does not count ("China" inside "China Internet Investment
    Fund"). With `expected` counts, a span that two concepts accept (spread: 传播|扩散, contagion: 扩散;
    vaccine, whose plural is vaccines) is given to one of them, so that as many expected occurrences as
    possible are covered (a maximum matching of spans to concepts); the `first` counts (the terms a repair
    placed) are matched before the others, so that a shortfall falls on a term that can still be placed.
    """
    raw = {cid: find_target(translation, concept, lang) for cid, concept in concepts.items()}
    everything = [(s, e, cid) for cid, found in raw.items() for s, e in found]
    raw = {
        cid: [
            (s, e)
            for s, e in found
            if not any(o != cid and os_ <= s and e <= oe and (oe - os_) > (e - s) for os_, oe, o in everything)
        ]
        for cid, found in raw.items()
    }
    if expected is None:
        return raw
    owner: dict[tuple[int, int], str] = {}  # a maximum matching of spans to concepts, up to the expected counts

    def place(cid: str, seen: set[tuple[int, int]]) -> bool:
        for span in raw[cid]:
            if span in seen:
                continue
            seen.add(span)
            if span not in owner or place(owner[span], seen):
                owner[span] = cid
                return True
        return False

    first = first or Counter()
    for rounds in (first, expected - first):
        for cid in sorted(raw):
            for _ in range(min(rounds[cid], expected[cid])):
                if not place(cid, set()):
                    break
    out: dict[str, list[tuple[int, int]]] = {cid: [] for cid in raw}
    for span, cid in owner.items():
        out[cid].append(span)
    for cid, found in raw.items():  # occurrences beyond what the source asks for stay visible
        out[cid] = sorted(out[cid] + [span for span in found if span not in owner])
    return out
