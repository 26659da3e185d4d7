"""Translation similarity for sentence alignment (Bleualign-style: translate the source, compare with the target).

The comparison is a character n-gram F-score in the spirit of chrF (Popović 2015; n = 1..4 for Chinese
targets, 2..4 otherwise, where single letters say little; beta = 2; spaces removed), computed on hashed n-gram
count vectors so that a whole band of candidate beads is scored with a few numpy operations: the profile of a
multi-sentence span is the sum of its sentences' profiles. Hash collisions (``dims`` buckets) make it a close
approximation of chrF, not sacrebleu's exact value; n-gram orders are pooled rather than averaged.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np


def ngram_profiles(texts: Sequence[str], *, min_order: int = 1, max_order: int = 4, dims: int = 1024) -> np.ndarray:
    """Cumulative hashed character n-gram counts: row k holds the counts of texts[:k] (shape (n+1, dims))."""
    profiles = np.zeros((len(texts) + 1, dims), dtype=np.float32)
    for k, text in enumerate(texts, start=1):
        chars = "".join(text.split()).lower()
        codes = np.frombuffer(chars.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        hashed = []
        value = np.zeros(0, dtype=np.uint64)
        for order in range(1, min(max_order, len(codes)) + 1):
            # polynomial hash of each n-gram, extended by one character per order
            value = (
                codes[: len(codes) - order + 1]
                if order == 1
                else (value[: len(codes) - order + 1] * np.uint64(1_000_003) + codes[order - 1 :])
                % np.uint64(2**61 - 1)
            )
            if order >= min_order:
                hashed.append((value * np.uint64(order * 2_654_435_761 + 1)) % np.uint64(dims))
        if hashed:
            profiles[k] = np.bincount(np.concatenate(hashed).astype(np.int64), minlength=dims)
    np.cumsum(profiles, axis=0, out=profiles)
    return profiles


def f_score(hyp: np.ndarray, refs: np.ndarray, beta: float = 2.0) -> np.ndarray:
    """chrF-like F_beta between one hypothesis profile (dims,) and reference profiles (k, dims)."""
    overlap = np.minimum(hyp[None, :], refs).sum(axis=1)
    hyp_total = float(hyp.sum())
    ref_total = refs.sum(axis=1)
    precision = overlap / max(hyp_total, 1e-9)
    recall = overlap / np.maximum(ref_total, 1e-9)
    b2 = beta * beta
    den = b2 * precision + recall
    return np.where(den > 0, (1 + b2) * precision * recall / np.where(den > 0, den, 1.0), 0.0)
