"""compare-mt-style analysis: scores by sentence-length bucket, word F-measure by frequency bucket, and the
segments where two systems differ most.

Buckets reuse the per-segment sufficient statistics of :mod:`mt.evaluation.metrics`, so a bucket's BLEU is a
real corpus BLEU over the bucket's segments, not an average of sentence scores. Words are the tokens of the
BLEU tokenizer for the target language (13a for English; one token per Chinese character with ``zh``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np
from sacrebleu.metrics import BLEU

from mt.evaluation.metrics import SegmentMetric

#: compare-mt's defaults.
LENGTH_CUTOFFS = (10, 20, 30, 40, 50, 60)
FREQUENCY_CUTOFFS = (1, 2, 3, 4, 5, 10, 100, 1000)


def bucket_labels(cutoffs: Sequence[int]) -> list[str]:
    """Labels for integer buckets split at ``cutoffs``: ``<c0``, ``c`` for one-wide buckets, ``[a,b)``, ``>=cN``."""
    labels = []
    for i, cut in enumerate(cutoffs):
        if i == 0:
            labels.append(f"<{cut}")
        elif cut - 1 == cutoffs[i - 1]:
            labels.append(str(cut - 1))
        else:
            labels.append(f"[{cutoffs[i - 1]},{cut})")
    labels.append(f">={cutoffs[-1]}")
    return labels


def bucket_of(value: float, cutoffs: Sequence[int]) -> int:
    """Index of the bucket holding ``value``."""
    for i, cut in enumerate(cutoffs):
        if value < cut:
            return i
    return len(cutoffs)


def word_tokenizer(lang: str, tokenize: str | None = None) -> Callable[[str], list[str]]:
    """Split a segment into the words BLEU sees (sacrebleu's tokenizer for the target language)."""
    tokenizer = BLEU(tokenize=tokenize or ("zh" if lang == "zh" else "13a"), trg_lang=lang).tokenizer
    return lambda line: tokenizer(line.rstrip()).split()


@dataclass
class LengthBucket:
    """Segments whose first reference has a length in this bucket, with each system's scores on them."""

    label: str
    segments: int
    scores: dict[str, dict[str, float]] = field(default_factory=dict)  # system -> metric name -> score


@dataclass
class LengthAnalysis:
    cutoffs: tuple[int, ...]
    buckets: list[LengthBucket]
    unit: str = "reference tokens"


def length_buckets(
    ref_tokens: Sequence[Sequence[str]],
    stats: Mapping[str, Mapping[str, Sequence]],
    metrics: Sequence[SegmentMetric],
    cutoffs: Sequence[int] = LENGTH_CUTOFFS,
) -> LengthAnalysis:
    """Score every system on the segments of each reference-length bucket.

    ``stats[system][metric name]`` holds per-segment sufficient statistics; a bucket's score is computed from
    their sum, exactly like a corpus score restricted to those segments. Empty buckets are kept (0 segments,
    no scores) so that every report shows the same buckets.
    """
    members: list[list[int]] = [[] for _ in range(len(cutoffs) + 1)]
    for i, tokens in enumerate(ref_tokens):
        members[bucket_of(len(tokens), cutoffs)].append(i)
    buckets = []
    for label, idx in zip(bucket_labels(cutoffs), members):
        bucket = LengthBucket(label=label, segments=len(idx))
        if idx:
            for system, per_metric in stats.items():
                bucket.scores[system] = {
                    m.name: m.score_of(np.asarray(per_metric[m.name], dtype="float64")[idx].sum(0)) for m in metrics
                }
        buckets.append(bucket)
    return LengthAnalysis(cutoffs=tuple(cutoffs), buckets=buckets)


@dataclass
class WordAccuracy:
    """compare-mt's word accuracy for one frequency bucket: matched, reference and output word counts."""

    label: str
    matches: int
    ref_words: int
    hyp_words: int

    @property
    def recall(self) -> float:
        return self.matches / self.ref_words if self.ref_words else 0.0

    @property
    def precision(self) -> float:
        return self.matches / self.hyp_words if self.hyp_words else 0.0

    @property
    def f_measure(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class FrequencyAnalysis:
    cutoffs: tuple[int, ...]
    labels: list[str]
    frequency_source: str
    systems: dict[str, list[WordAccuracy]]


def count_words(lines: Iterable[Sequence[str]]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for tokens in lines:
        counts.update(tokens)
    return counts


def word_accuracy(
    ref_tokens: Sequence[Sequence[str]],
    hyp_tokens: Sequence[Sequence[str]],
    frequencies: Mapping[str, int],
    cutoffs: Sequence[int] = FREQUENCY_CUTOFFS,
) -> list[WordAccuracy]:
    """Precision, recall and F-measure of output words, bucketed by each word's frequency.

    Per segment, a word matches as many times as it occurs in both output and reference (multiset
    intersection, as compare-mt); matched and reference words are bucketed by the word's frequency in
    ``frequencies``, unmatched output words likewise (0 when unseen).
    """
    labels = bucket_labels(cutoffs)
    matches = [0] * len(labels)
    ref_total = [0] * len(labels)
    hyp_total = [0] * len(labels)

    def bucket(word: str) -> int:
        return bucket_of(frequencies.get(word, 0), cutoffs)

    for ref, hyp in zip(ref_tokens, hyp_tokens):
        ref_counts, hyp_counts = Counter(ref), Counter(hyp)
        for word, n in ref_counts.items():
            b = bucket(word)
            ref_total[b] += n
            matches[b] += min(n, hyp_counts.get(word, 0))
        for word, n in hyp_counts.items():
            hyp_total[bucket(word)] += n
    return [WordAccuracy(label, m, r, h) for label, m, r, h in zip(labels, matches, ref_total, hyp_total)]


@dataclass
class SegmentDifference:
    """One segment where a system and the baseline differ, by a sentence-level metric."""

    line: int  # 1-based
    baseline: str
    system: str
    metric: str
    baseline_score: float
    system_score: float

    @property
    def delta(self) -> float:
        return self.system_score - self.baseline_score


def largest_differences(
    baseline: str,
    system: str,
    metric: str,
    baseline_scores: Sequence[float],
    system_scores: Sequence[float],
    top_n: int = 10,
    lower_is_better: bool = False,
) -> list[SegmentDifference]:
    """The ``top_n`` segments where ``system`` beats the baseline most, then the ``top_n`` where it loses most.

    Ties keep file order; segments with no difference are never listed, so fewer than ``top_n`` may come back.
    """
    sign = -1.0 if lower_is_better else 1.0
    diffs = [
        SegmentDifference(i + 1, baseline, system, metric, float(b), float(s))
        for i, (b, s) in enumerate(zip(baseline_scores, system_scores))
    ]
    better = sorted((d for d in diffs if sign * d.delta > 0), key=lambda d: (-sign * d.delta, d.line))[:top_n]
    worse = sorted((d for d in diffs if sign * d.delta < 0), key=lambda d: (sign * d.delta, d.line))[:top_n]
    return better + worse


def worst_segments(
    segment_scores: Mapping[str, Sequence[float]], top_n: int = 10, lower_is_better: bool = False
) -> list[int]:
    """0-based indices of the ``top_n`` segments with the worst score averaged over systems (file order on ties)."""
    matrix = np.asarray(list(segment_scores.values()), dtype="float64")
    if matrix.size == 0:
        return []
    mean = matrix.mean(axis=0)
    order = sorted(range(len(mean)), key=lambda i: (-mean[i] if lower_is_better else mean[i], i))
    return order[:top_n]
