"""A bilingual word list learnt from a first alignment pass, for a second, lexically informed pass.

Like hunalign's ``-realign``: the confident 1-1 beads of a length/anchor pass are treated as parallel text;
each source word type gets the target word type with the highest Dice coefficient of sentence co-occurrence
(2 C(s,t) / (C(s) + C(t)), at least ``min_count`` sentences and ``min_dice``). Each source sentence is then
"glossed" word by word, and the glosses serve as a crude translation for the translation-similarity cost.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from mt.alignment.tokenize import normalize_for_statistics, tokenize


class _Words:
    """Word keys of sentences: the tool's tokenisation and normalisation, memoised per distinct raw token
    (documents repeat their words; this is most of the second pass's preparation time)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.cache: dict[str, str | None] = {}

    def __call__(self, text: str) -> list[str]:
        out = []
        cache = self.cache
        for token in tokenize(text, self.lang):
            key = cache.get(token, "")
            if key == "":
                key = normalize_for_statistics(token, self.lang) if any(c.isalnum() for c in token) else None
                cache[token] = key
            if key is not None:
                out.append(key)
        return out


def _keys(text: str, lang: str, words: _Words | None = None) -> set[str]:
    tokens = (words or _Words(lang))(text)
    keys = set(tokens)
    if lang == "zh":  # Chinese words are mostly two characters: bigrams make better glosses than characters
        keys |= {a + b for a, b in zip(tokens, tokens[1:]) if len(a) == len(b) == 1}
    return keys


def _types(sentences: Sequence[str], lang: str) -> tuple[list[np.ndarray], list[str]]:
    vocab: dict[str, int] = {}
    out = []
    splitter = _Words(lang)
    for text in sentences:
        keys = _keys(text, lang, splitter)
        # ids in a fixed order (a set's order follows Python's per-process string hashing): ties in the Dice
        # score go to the lowest id, so the word list, and --realign, must not depend on the process
        out.append(np.array(sorted(vocab.setdefault(k, len(vocab)) for k in sorted(keys) if k), dtype=np.int64))
    words = [""] * len(vocab)
    for word, i in vocab.items():
        words[i] = word
    return out, words


def learn_glossary(
    src: Sequence[str],
    tgt: Sequence[str],
    *,
    src_lang: str = "ar",
    tgt_lang: str = "en",
    min_count: int = 2,
    min_dice: float = 0.3,
) -> dict[str, str]:
    """Source word key -> most associated target word key, from parallel sentences."""
    src_ids, src_words = _types(src, src_lang)
    tgt_ids, tgt_words = _types(tgt, tgt_lang)
    if not src_words or not tgt_words:
        return {}
    n_tgt = len(tgt_words)
    src_count = np.bincount(np.concatenate(src_ids), minlength=len(src_words))
    tgt_count = np.bincount(np.concatenate(tgt_ids), minlength=n_tgt)
    # a pair seen fewer than min_count times cannot be kept: words seen less often need not be paired at all
    src_ids = [s[src_count[s] >= min_count] for s in src_ids]
    tgt_ids = [t[tgt_count[t] >= min_count] for t in tgt_ids]
    dtype: type[np.unsignedinteger | np.signedinteger] = (
        np.uint32 if len(src_words) * n_tgt < 2**32 else np.int64
    )  # half the bytes to sort
    codes = [
        np.add.outer(s.astype(dtype) * dtype(n_tgt), t.astype(dtype)).ravel()
        for s, t in zip(src_ids, tgt_ids)
        if len(s) and len(t)
    ]
    if not codes:
        return {}
    uniq, pair_count = np.unique(np.concatenate(codes), return_counts=True)
    uniq = uniq.astype(np.int64)
    s, t = uniq // n_tgt, uniq % n_tgt
    dice = 2.0 * pair_count / (src_count[s] + tgt_count[t])
    keep = (pair_count >= min_count) & (dice >= min_dice)
    s, t, dice = s[keep], t[keep], dice[keep]
    order = np.lexsort((-dice, s))  # by source, best first
    s, t = s[order], t[order]
    first = np.ones(len(s), dtype=bool)
    first[1:] = s[1:] != s[:-1]
    return {src_words[i]: tgt_words[j] for i, j in zip(s[first].tolist(), t[first].tolist())}


def gloss(
    sentences: Sequence[str], glossary: dict[str, str], *, src_lang: str = "ar", tgt_lang: str = "en"
) -> list[str]:
    """Word-by-word glosses of source sentences (unknown words are dropped)."""
    joiner = "" if tgt_lang == "zh" else " "
    out = []
    cache: dict[str, str | None] = {}
    for text in sentences:
        words = []
        for token in tokenize(text, src_lang):
            if token not in cache:
                cache[token] = glossary.get(normalize_for_statistics(token, src_lang))
            found = cache[token]
            if found:
                words.append(found)
        out.append(joiner.join(words))
    return out
