"""Sentence alignment of two documents: Gale-Church length cost + anchors + optional translation similarity,
searched with the banded multi-resolution DP of :mod:`mt.alignment.sentence.dp`."""

from __future__ import annotations

import logging
import time
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from mt.alignment.sentence.anchors import TermSource, document_anchors, merge_anchor_sets, sentence_ends
from mt.alignment.sentence.dp import PathBead, banded_dp, full_band, project_band
from mt.alignment.sentence.lengths import BEADS, LengthModel, char_length, length_model, prior_cost
from mt.alignment.sentence.similarity import f_score, ngram_profiles

log = logging.getLogger(__name__)

Translate = Callable[[list[str]], list[str]]


@dataclass(frozen=True)
class SentenceBead:
    """One aligned unit: source and target line numbers (0-based; either may be empty) and a score
    (minus the bead's cost: 0 is perfect, lower is worse)."""

    src: tuple[int, ...]
    tgt: tuple[int, ...]
    score: float

    def as_pair(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """``(src, tgt)`` as the scorers take it."""
        return self.src, self.tgt


@dataclass
class SentenceAligner:
    """Align sentences of a source document with those of its translation.

    Options (defaults in brackets): ``pair`` picks the length model ["ar-en"; "ar-zh" too];
    ``beads`` [1-1, 1-0, 0-1, 1-2, 2-1, 2-2]; ``anchor_bonus`` cost subtracted per anchor shared by the two
    sides of a bead [2.0]; ``anchor_penalty`` cost added per anchor of the bead left unmatched [0.5];
    ``mt_weight`` weight of translation similarity when translations are given [8.0], ``mt_threshold`` the
    F-score at which it is neutral [0.35]; ``skip_cost`` cost added to the prior of 1-0 and 0-1 beads [0.0;
    chosen on the development documents (UN devset, TICO-19 dev; eval/bench_align.py --parts dev): before
    ``ends_weight``, 2.0/0.5/0.0/-1.0 gave strict F1 en 0.959/0.964/0.966/0.968, zh 0.953/0.960/0.963/0.967;
    with it, 0.0 and -1.0 are within 0.001, and 0.0 is the milder]; ``ends_weight`` cost per sentence-final
    mark by which the two sides of a bead differ [3.0]: a line holding two sentences has two marks, half a
    sentence none, so a 2-1 bead that swallows a deleted sentence, or a half sentence paired with a whole one,
    pays for it (dev strict F1, default and split-perturbed documents averaged, skip_cost 2.0: weight
    0/0.5/1/2/3/5 gave en 0.957/0.960/0.961/0.965/0.965/0.964, zh 0.949/0.955/0.957/0.962/0.965/0.968; with
    skip_cost 0.0, 3 and 4 gave en 0.967/0.966, zh 0.970/0.970); ``ends_split_weight`` the cost instead when a
    1-1 bead's target has exactly one mark more than its source (a translation that split the sentence in two,
    common in FLORES Chinese) [2.5; dev strict F1 zh default/shuffled 1.5/2.0/2.5/3.0 gave
    0.9778/0.9717, 0.9779/0.9719, 0.9781/0.9726, 0.9780/0.9726, en unchanged at 2.5]; ``names`` transliterated
    person names as anchors (:mod:`mt.alignment.sentence.anchors`) [True];
    ``adapt_ratio`` take the length ratio from the two documents' total lengths rather than the pair's fitted
    value (the ratio varies by genre: ar-zh 0.37 on UN text, 0.44 on FLORES) [True]; ``variance_scale``
    multiplies the fitted variance [2.0]: the normal model's tails are too thin for real length differences,
    and 2.0 gave the best F1 on development documents built from UN and TICO-19 (FLORES, the news test, was
    not used to choose it: 1.0/1.5/2.0/3.0 gave en 0.923/0.932/0.937/0.937, zh 0.937/0.942/0.940/0.934);
    ``band`` half-width of the search window around the coarse path in
    sentences [12]; ``full_dp_cells`` lattice size up to which the whole lattice is searched [250,000];
    ``realign`` [False]: when no translations are given, learn a word list from the confident 1-1 beads of a
    first pass (:mod:`mt.alignment.sentence.lexicon`), gloss the source with it and align again with the
    glosses as translations (weight ``realign_weight`` [8.0], neutral F-score ``realign_threshold`` [0.2]),
    searching a band around the first path; about 2.5x the time; run only when the first pass has at least
    ``realign_min_pairs`` 1-1 beads to learn from [100] (a word list from a short article is noise), within
    ``realign_band`` sentences of the first path [6; 12 gave the same dev F1 within 0.0005 in more time]; helps
    ar-en and long ar-zh documents (see eval/results/align.md).
    """

    pair: str = "ar-en"
    length: LengthModel | None = None
    beads: tuple[tuple[int, int], ...] = BEADS
    anchor_bonus: float = 2.0
    anchor_penalty: float = 0.5
    mt_weight: float = 8.0
    mt_threshold: float = 0.35
    skip_cost: float = 0.0
    adapt_ratio: bool = True
    realign: bool = False
    realign_weight: float = 8.0
    realign_threshold: float = 0.2
    realign_min_pairs: int = 100
    realign_band: int = 6
    variance_scale: float = 2.0
    ends_weight: float = 3.0
    ends_split_weight: float = 2.5
    band: int = 12
    full_dp_cells: int = 250_000
    glossary: TermSource | None = None
    names: bool = True
    stats: dict = field(default_factory=dict)  # the last alignment's seconds, sizes and lattice cells searched
    _cells: int = field(default=0, init=False, repr=False)

    def align(
        self, src: Sequence[str], tgt: Sequence[str], *, translations: Sequence[str] | None = None
    ) -> list[SentenceBead]:
        """Align two documents (one sentence per item). ``translations``: machine translations of the source
        sentences into the target language (enables the Bleualign-style similarity cost)."""
        started, self._cells = time.perf_counter(), 0
        if translations is not None and len(translations) != len(src):
            raise ValueError(f"{len(translations)} translations for {len(src)} source sentences")
        model = self.length or length_model(self.pair)
        tgt_lang = self.pair.partition("-")[2] or "en"
        src_anchor, tgt_anchor = document_anchors(
            src,
            tgt,
            glossary=self.glossary,
            tgt_lang=tgt_lang,
            names=self.names and self.pair.partition("-")[0] == "ar",
        )
        level = _Level(
            src_len=np.array([char_length(s) for s in src], dtype=np.float64),
            tgt_len=np.array([char_length(t) for t in tgt], dtype=np.float64),
            src_anchor=src_anchor,
            tgt_anchor=tgt_anchor,
            src_end=np.array([sentence_ends(s) for s in src], dtype=np.float64),
            tgt_end=np.array([sentence_ends(t) for t in tgt], dtype=np.float64),
        )
        if self.adapt_ratio and self.length is None:
            model = _adapt(model, level.src_len.sum(), level.tgt_len.sum())
        model = LengthModel(model.c, model.s2 * self.variance_scale)
        if translations is not None:
            min_order = 1 if tgt_lang == "zh" else 2
            level.hyp = ngram_profiles(translations, min_order=min_order)
            level.ref = ngram_profiles(tgt, min_order=min_order)
        mt_weight, mt_threshold = self.mt_weight, self.mt_threshold
        path = self._align_level(level, model, depth=0, mt_weight=mt_weight, mt_threshold=mt_threshold)
        ones = [b for b in path if b.x1 - b.x0 == 1 and b.y1 - b.y0 == 1]
        if self.realign and translations is None and len(ones) >= self.realign_min_pairs:
            from mt.alignment.sentence.lexicon import gloss, learn_glossary  # noqa: PLC0415

            words = learn_glossary([src[b.x0] for b in ones], [tgt[b.y0] for b in ones], tgt_lang=tgt_lang)
            glosses = gloss(src, words, tgt_lang=tgt_lang)
            min_order = 1 if tgt_lang == "zh" else 2
            level.hyp = ngram_profiles(glosses, min_order=min_order)
            level.ref = ngram_profiles(tgt, min_order=min_order)
            path = self._align_level(
                level, model, depth=0, guide=path, mt_weight=self.realign_weight, mt_threshold=self.realign_threshold
            )
        beads = [SentenceBead(tuple(range(b.x0, b.x1)), tuple(range(b.y0, b.y1)), round(-b.cost, 4)) for b in path]
        self.stats = {
            "seconds": time.perf_counter() - started,
            "source": len(src),
            "target": len(tgt),
            "cells": self._cells,
        }
        log.info("aligned %d x %d sentences in %.2f s", len(src), len(tgt), self.stats["seconds"])
        return beads

    # --------------------------------------------------------------------------------------------------
    def _align_level(
        self,
        level: "_Level",
        model: LengthModel,
        depth: int,
        *,
        guide: list[PathBead] | None = None,
        mt_weight: float = 0.0,
        mt_threshold: float = 0.0,
    ) -> list[PathBead]:
        n, m = level.n, level.m
        if n == 0 or m == 0:
            return [PathBead(i, i + 1, 0, 0, 0.0) for i in range(n)] + [PathBead(n, n, j, j + 1, 0.0) for j in range(m)]
        if guide is not None:
            lo, hi = project_band(guide, 1, n, m, self.realign_band)
        elif (n + 1) * (m + 1) <= self.full_dp_cells or min(n, m) < 4:
            lo, hi = full_band(n, m)
        else:
            coarse_path = self._align_level(level.coarsen(), model, depth + 1)
            lo, hi = project_band(coarse_path, 2, n, m, self.band)
        cost = _BeadCost(self, level, model, lo, hi, mt_weight=mt_weight, mt_threshold=mt_threshold)
        log.debug("level %d: %d x %d, mean window %.1f", depth, n, m, float(np.mean(hi - lo + 1)))
        self._cells += int(np.sum(hi - lo + 1))  # lattice cells searched: what the alignment's time grows with
        return banded_dp(n, m, self.beads, cost, lo, hi)


@dataclass
class _Level:
    """The documents at one resolution: lengths and anchors per (possibly merged) sentence."""

    src_len: np.ndarray
    tgt_len: np.ndarray
    src_anchor: list[frozenset[str]]
    tgt_anchor: list[frozenset[str]]
    src_end: np.ndarray | None = None  # sentence-final marks per line
    tgt_end: np.ndarray | None = None
    hyp: np.ndarray | None = None  # cumulative n-gram profiles of the source translations
    ref: np.ndarray | None = None  # cumulative n-gram profiles of the target sentences

    @property
    def n(self) -> int:
        return len(self.src_len)

    @property
    def m(self) -> int:
        return len(self.tgt_len)

    def coarsen(self) -> "_Level":
        """Merge sentences 2k and 2k+1 on both sides (translation similarity is used at full resolution only)."""
        return _Level(
            _pair_sums(self.src_len),
            _pair_sums(self.tgt_len),
            [merge_anchor_sets(self.src_anchor[i : i + 2]) for i in range(0, self.n, 2)],
            [merge_anchor_sets(self.tgt_anchor[j : j + 2]) for j in range(0, self.m, 2)],
            None if self.src_end is None else _pair_sums(self.src_end),
            None if self.tgt_end is None else _pair_sums(self.tgt_end),
        )


def _adapt(model: LengthModel, src_total: float, tgt_total: float, prior_chars: float = 3000.0) -> LengthModel:
    """The length model with the documents' own character ratio, shrunk towards the fitted one as if the fitted
    ratio had been seen on ``prior_chars`` more source characters (short documents keep close to the fitted
    value); the variance scales with the ratio (it grows with the expected target length)."""
    if src_total <= 0 or tgt_total <= 0:
        return model
    ratio = (tgt_total + model.c * prior_chars) / (src_total + prior_chars)
    ratio = min(max(ratio, model.c / 1.5), model.c * 1.5)
    return LengthModel(c=ratio, s2=model.s2 * ratio / model.c)


def _postings(sets: Sequence[frozenset[str]]) -> dict[str, list[int]]:
    """Key -> numbers of the sets that hold it, ascending."""
    postings: dict[str, list[int]] = {}
    for t, keys in enumerate(sets):
        for key in keys:
            postings.setdefault(key, []).append(t)
    return postings


def _pair_sums(values: np.ndarray) -> np.ndarray:
    padded = np.append(values, 0.0) if len(values) % 2 else values
    return padded.reshape(-1, 2).sum(axis=1)


class _BeadCost:
    """Cost of beads ending at a row of nodes: length + prior + anchors (+ translation similarity)."""

    def __init__(
        self,
        options: SentenceAligner,
        level: _Level,
        model: LengthModel,
        lo: np.ndarray,
        hi: np.ndarray,
        *,
        mt_weight: float = 0.0,
        mt_threshold: float = 0.0,
    ) -> None:
        self.options = options
        self.mt_weight = mt_weight
        self.mt_threshold = mt_threshold
        self.level = level
        self.model = model
        self.src_cum = np.concatenate(([0.0], np.cumsum(level.src_len)))
        self.tgt_cum = np.concatenate(([0.0], np.cumsum(level.tgt_len)))
        self.src_anchor_cum = np.concatenate(([0], np.cumsum([len(a) for a in level.src_anchor])))
        self.tgt_anchor_cum = np.concatenate(([0], np.cumsum([len(a) for a in level.tgt_anchor])))
        src_end = level.src_end if level.src_end is not None else np.ones(level.n)
        tgt_end = level.tgt_end if level.tgt_end is not None else np.ones(level.m)
        self.src_end_cum = np.concatenate(([0.0], np.cumsum(src_end)))
        self.tgt_end_cum = np.concatenate(([0.0], np.cumsum(tgt_end)))
        self.priors = {bead: prior_cost(bead) for bead in options.beads}
        self.max_b = max(b for _, b in options.beads)
        # anchors that two neighbouring sentences both hold: a two-sentence side holds them once
        src_dup = [a & b for a, b in zip(level.src_anchor, level.src_anchor[1:])] + [frozenset()]
        tgt_dup = [a & b for a, b in zip(level.tgt_anchor, level.tgt_anchor[1:])] + [frozenset()]
        self.src_dup = np.array([len(d) for d in src_dup], dtype=np.float64)
        self.tgt_dup = np.array([len(d) for d in tgt_dup], dtype=np.float64)
        n = level.n
        self.base = lo[1:] - self.max_b  # target sentence index of column 0, per source sentence
        self.width = int((hi[1:] - lo[1:]).max()) + self.max_b + 1 if n else 1
        tgt_postings = _postings(level.tgt_anchor)
        self.shared = self._shared_matrix(level.src_anchor, tgt_postings)
        self.shared_src_dup = self._shared_matrix(src_dup, tgt_postings) if self.src_dup.any() else None
        self.shared_tgt_dup = self._shared_matrix(level.src_anchor, _postings(tgt_dup)) if self.tgt_dup.any() else None

    def _shared_matrix(self, src_sets: Sequence[frozenset[str]], postings: dict[str, list[int]]) -> np.ndarray:
        """shared[s, t - base[s]]: anchors shared by source set s and the target sets t (``postings``: key ->
        target set numbers, ascending), for the targets that beads through row s+1 can reach."""
        shared = np.zeros((len(src_sets), self.width), dtype=np.float64)
        base = self.base.tolist()
        width = self.width
        for s, keys in enumerate(src_sets):
            if not keys:
                continue
            first = base[s]
            last = first + width
            row = shared[s]
            for key in keys:
                ts = postings.get(key)
                if ts is None:
                    continue
                a = bisect_left(ts, first)
                b = bisect_left(ts, last, a)
                if b - a == 1:
                    row[ts[a] - first] += 1.0
                elif b > a:
                    row[np.asarray(ts[a:b]) - first] += 1.0
        return shared

    def _lookup(self, matrix: np.ndarray | None, ok: np.ndarray, s: np.ndarray, t: np.ndarray) -> np.ndarray:
        if matrix is None:
            return np.zeros(len(s))
        s = np.maximum(s, 0)
        col = t - self.base[s]
        good = ok & (col >= 0) & (col < self.width)
        return np.where(good, matrix[s, np.clip(col, 0, self.width - 1)], 0.0)

    def __call__(self, a: int, b: int, x: int, ys: np.ndarray) -> np.ndarray:
        """Costs of beads (a, b) ending at nodes (x, y) for y in ys (inf where impossible)."""
        return self.flat(a, b, np.full(len(ys), x, dtype=np.int64), np.asarray(ys, dtype=np.int64))

    def flat(self, a: int, b: int, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """Costs of beads (a, b) ending at nodes (xs[k], ys[k]), all at once (the DP asks for every node of
        the band in one call per bead type, which keeps the per-row Python work small)."""
        opts = self.options
        ok = (xs >= a) & (ys >= b)
        x1, y1 = np.where(ok, xs, 0), np.where(ok, ys, 0)  # impossible nodes read row/column 0
        x0, y0 = np.where(ok, xs - a, 0), np.where(ok, ys - b, 0)
        l1 = self.src_cum[x1] - self.src_cum[x0]
        l2 = self.tgt_cum[y1] - self.tgt_cum[y0]
        if a and b:
            cost = self.model.cost(l1, l2) + self.priors[(a, b)]
        else:
            # a deletion/insertion has no length evidence: Gale-Church's delta of l vs 0 only says "long"
            cost = np.full(len(xs), self.priors[(a, b)] + opts.skip_cost)
        n_src = self.src_anchor_cum[x1] - self.src_anchor_cum[x0]
        n_tgt = self.tgt_anchor_cum[y1] - self.tgt_anchor_cum[y0]
        if a and b:
            shared = np.zeros(len(xs))
            for i in range(1, a + 1):
                for d in range(1, b + 1):
                    shared += self._lookup(self.shared, ok, x1 - i, y1 - d)
            # pairs are counted separately, so an anchor that both sentences of a two-sentence side hold is taken
            # off once per sentence of the other side it meets (inclusion-exclusion over neighbours; exact for 2-1
            # and 1-2, a lower bound for 2-2), and the side's anchor count is that of the union of its sentences
            if a == 2:
                n_src = n_src - self.src_dup[np.minimum(x0, len(self.src_dup) - 1)] * ok
                for d in range(1, b + 1):
                    shared -= self._lookup(self.shared_src_dup, ok, x0, y1 - d)
            if b == 2:
                n_tgt = n_tgt - self.tgt_dup[np.minimum(y0, len(self.tgt_dup) - 1)] * ok
                for i in range(1, a + 1):
                    shared -= self._lookup(self.shared_tgt_dup, ok, x1 - i, y0)
            shared = np.clip(shared, 0.0, np.minimum(n_src, n_tgt))
            unmatched = np.maximum(n_src + n_tgt - 2 * shared, 0.0)
            cost = cost - opts.anchor_bonus * shared + opts.anchor_penalty * unmatched
            if opts.ends_weight:
                ends_src = self.src_end_cum[x1] - self.src_end_cum[x0]
                ends_tgt = self.tgt_end_cum[y1] - self.tgt_end_cum[y0]
                diff = ends_tgt - ends_src
                if a == 1 and b == 1 and opts.ends_split_weight != opts.ends_weight:
                    cost = cost + np.where(diff == 1, opts.ends_split_weight, opts.ends_weight * np.abs(diff))
                else:
                    cost = cost + opts.ends_weight * np.abs(diff)
        else:
            cost = cost + opts.anchor_penalty * (n_src + n_tgt)
        if a and b and self.level.hyp is not None:
            cost = cost + self.mt_weight * (self.mt_threshold - self._similarity(a, b, x1, y1, self.mt_threshold))
        return np.where(ok, cost, np.inf)

    def _similarity(self, a: int, b: int, x1: np.ndarray, y1: np.ndarray, neutral: float) -> np.ndarray:
        """Translation similarity of the beads, one source span (row) at a time: the hypothesis profile of a
        row is shared by all its nodes. A span with an empty translation (a gloss that knows none of its words)
        gets the ``neutral`` value: no evidence either way."""
        out = np.zeros(len(x1))
        if not len(x1):
            return out
        hyp, ref = self.level.hyp, self.level.ref
        if hyp is None or ref is None:
            raise ValueError("no n-gram profiles at this level to compare translations with")
        cuts = np.flatnonzero(np.diff(x1)) + 1
        for lo, hi in zip(np.concatenate(([0], cuts)), np.concatenate((cuts, [len(x1)]))):
            x = x1[lo]
            ys = y1[lo:hi]
            span = hyp[x] - hyp[max(x - a, 0)]
            out[lo:hi] = f_score(span, ref[ys] - ref[np.maximum(ys - b, 0)]) if span.any() else neutral
        return out


def align_sentences(
    src: Sequence[str],
    tgt: Sequence[str],
    *,
    pair: str = "ar-en",
    translations: Sequence[str] | None = None,
    translate: Translate | None = None,
    glossary: TermSource | None = None,
    **options,
) -> list[SentenceBead]:
    """Align two documents given as lists of sentences; see :class:`SentenceAligner` for ``options``.

    ``translate``: a function mapping source sentences to target-language translations (for example
    ``lambda lines: [r.translation for r in Translator(...).translate(lines, to="en")]``); used when
    ``translations`` is not given.
    """
    if translations is None and translate is not None:
        translations = list(translate(list(src)))
    aligner = SentenceAligner(pair=pair, glossary=glossary, **options)
    return aligner.align(src, tgt, translations=translations)
