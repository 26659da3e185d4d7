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


def _keys(text: str, lang: str) -> set[str]:
    tokens = [normalize_for_statistics(t, lang) for t in tokenize(text, lang) if any(c.isalnum() for c in t)]
    keys = set(tokens)
    if lang == "zh":  # Chinese words are mostly two characters: bigrams make better glosses than characters
        keys |= {a + b for a, b in zip(tokens, tokens[1:]) if len(a) == len(b) == 1}
    return keys


def _types(sentences: Sequence[str], lang: str) -> tuple[list[np.ndarray], list[str]]:
    vocab: dict[str, int] = {}
    out = []
    for text in sentences:
        keys = _keys(text, lang)
        out.append(np.array(sorted(vocab.setdefault(k, len(vocab)) for k in keys if k), dtype=np.int64))
    words = [""] * len(vocab)
    for word, i in vocab.items():
        words[i] = word
    return out, words


def learn_glossary(src: Sequence[str], tgt: Sequence[str], *, src_lang: str = "ar", tgt_lang: str = "en",
                   min_count: int = 2, min_dice: float = 0.3) -> dict[str, str]:
    """Source word key -> most associated target word key, from parallel sentences."""
    src_ids, src_words = _types(src, src_lang)
    tgt_ids, tgt_words = _types(tgt, tgt_lang)
    if not src_words or not tgt_words:
        return {}
    n_tgt = len(tgt_words)
    codes = [np.add.outer(s * n_tgt, t).ravel() for s, t in zip(src_ids, tgt_ids) if len(s) and len(t)]
    if not codes:
        return {}
    uniq, pair_count = np.unique(np.concatenate(codes), return_counts=True)
    src_count = np.bincount(np.concatenate(src_ids), minlength=len(src_words))
    tgt_count = np.bincount(np.concatenate(tgt_ids), minlength=n_tgt)
    s, t = uniq // n_tgt, uniq % n_tgt
    dice = 2.0 * pair_count / (src_count[s] + tgt_count[t])
    keep = (pair_count >= min_count) & (dice >= min_dice)
    s, t, dice = s[keep], t[keep], dice[keep]
    order = np.lexsort((-dice, s))  # by source, best first
    s, t = s[order], t[order]
    first = np.ones(len(s), dtype=bool)
    first[1:] = s[1:] != s[:-1]
    return {src_words[i]: tgt_words[j] for i, j in zip(s[first].tolist(), t[first].tolist())}


def gloss(sentences: Sequence[str], glossary: dict[str, str], *, src_lang: str = "ar",
          tgt_lang: str = "en") -> list[str]:
    """Word-by-word glosses of source sentences (unknown words are dropped)."""
    joiner = "" if tgt_lang == "zh" else " "
    out = []
    for text in sentences:
        words = [glossary.get(normalize_for_statistics(t, src_lang)) for t in tokenize(text, src_lang)]
        out.append(joiner.join(w for w in words if w))
    return out
