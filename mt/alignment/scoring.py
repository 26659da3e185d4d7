"""Alignment scorers.

Word level: alignment error rate (Och & Ney 2003) with sure links S and possible links P (S is a subset of
P): precision = |A & P| / |A|, recall = |A & S| / |S|, AER = 1 - (|A & S| + |A & P|) / (|A| + |S|), summed over
the corpus before dividing.

Sentence level: precision, recall and F1, strict and lax, as defined by Sennrich & Volk (2011) and implemented
by vecalign's score.py: a predicted bead is a strict hit if the gold has exactly that bead, a lax hit if it
shares at least one source and one target sentence with a gold bead. Precision counts every predicted bead
that is not empty on both sides; recall swaps the roles and ignores insertions and deletions (beads with an
empty side) on both sides.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Sequence

from mt.alignment.pharaoh import Alignment, Link

Bead = tuple[tuple[int, ...], tuple[int, ...]]


@dataclass(frozen=True)
class AERScore:
    """Corpus-level word-alignment scores (fractions in [0, 1]) and the counts behind them."""

    aer: float
    precision: float
    recall: float
    predicted: int
    sure: int
    hits_sure: int
    hits_possible: int


def _div(num: float, den: float, empty: float) -> float:
    return num / den if den else empty


def score_aer(gold: Sequence[Alignment], predicted: Sequence[Alignment | Iterable[Link]]) -> AERScore:
    """Score predicted links against gold sure/possible links, summed over all sentence pairs."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold alignments but {len(predicted)} predicted")
    n_pred = n_sure = hit_s = hit_p = 0
    for gold_alignment, pred in zip(gold, predicted):
        links = pred.links if isinstance(pred, Alignment) else set(pred)
        sure = gold_alignment.sure
        possible = gold_alignment.links
        n_pred += len(links)
        n_sure += len(sure)
        hit_s += len(links & sure)
        hit_p += len(links & possible)
    precision = _div(hit_p, n_pred, 0.0)
    recall = _div(hit_s, n_sure, 0.0)
    aer = 1.0 - _div(hit_s + hit_p, n_pred + n_sure, 1.0)
    return AERScore(aer, precision, recall, n_pred, n_sure, hit_s, hit_p)


@dataclass(frozen=True)
class SentenceAlignmentScore:
    """Strict and lax precision, recall and F1 of sentence beads."""

    precision_strict: float
    recall_strict: float
    f1_strict: float
    precision_lax: float
    recall_lax: float
    f1_lax: float


def _bead_counts(gold: Iterable[Bead], test: Iterable[Bead]) -> tuple[int, int, int, int]:
    """Return (strict hits, strict misses, lax hits, lax misses) of the test beads against the gold."""
    test_set = {(tuple(s), tuple(t)) for s, t in test if len(s) or len(t)}
    gold_set = {(tuple(s), tuple(t)) for s, t in gold if len(s) or len(t)}
    gold_targets_of_source: dict[int, set[int]] = defaultdict(set)
    for src, tgt in gold_set:
        for i in src:
            gold_targets_of_source[i].update(tgt)
    tp_strict = fp_strict = tp_lax = fp_lax = 0
    for src, tgt in test_set:
        if (src, tgt) in gold_set:
            tp_strict += 1
            tp_lax += 1
            continue
        fp_strict += 1
        reachable = set()
        for i in src:
            reachable |= gold_targets_of_source[i]
        if reachable.intersection(tgt):
            tp_lax += 1
        else:
            fp_lax += 1
    return tp_strict, fp_strict, tp_lax, fp_lax


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def score_sentence_alignment(gold: Sequence[Bead], predicted: Sequence[Bead]) -> SentenceAlignmentScore:
    """Score the predicted beads of one document against its gold beads."""
    return score_sentence_documents([gold], [predicted])


def score_sentence_documents(
    gold_docs: Sequence[Sequence[Bead]], predicted_docs: Sequence[Sequence[Bead]]
) -> SentenceAlignmentScore:
    """Score several documents at once (counts are summed before dividing, as vecalign does)."""
    if len(gold_docs) != len(predicted_docs):
        raise ValueError(f"{len(gold_docs)} gold documents but {len(predicted_docs)} predicted")
    p = [0, 0, 0, 0]
    r = [0, 0, 0, 0]
    for gold_doc, pred_doc in zip(gold_docs, predicted_docs):
        for k, value in enumerate(_bead_counts(gold_doc, pred_doc)):
            p[k] += value
        gold_no_del = [(s, t) for s, t in gold_doc if len(s) and len(t)]
        pred_no_del = [(s, t) for s, t in pred_doc if len(s) and len(t)]
        for k, value in enumerate(_bead_counts(pred_no_del, gold_no_del)):
            r[k] += value
    ps, pl = _div(p[0], p[0] + p[1], 0.0), _div(p[2], p[2] + p[3], 0.0)
    rs, rl = _div(r[0], r[0] + r[1], 0.0), _div(r[2], r[2] + r[3], 0.0)
    return SentenceAlignmentScore(ps, rs, _f1(ps, rs), pl, rl, _f1(pl, rl))
