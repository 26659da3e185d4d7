"""Learning the model-free QE resources from parallel text: the lexical table and the risk model's weights.

:func:`build_table` word-aligns sentence pairs with the project's statistical aligner and keeps each word's
likely translations (see :mod:`mt.qe.lexicon`); :func:`fit_risk` fits the logistic regression of
:mod:`mt.qe.risk` (Newton's method with a small L2 penalty). eval/build_qe_table.py drives both.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Mapping, Sequence

import numpy as np

from mt.alignment.statistical import StatisticalAligner
from mt.alignment.tokenize import tokenize
from mt.errors import InputError
from mt.qe.detectors.coverage import latin_checkable, uncovered
from mt.qe.lexicon import ChanceModel, LengthModel, LexicalTable, log_ratio, text_length
from mt.qe.risk import Part, RiskModel
from mt.qe.words import word_key, word_keys

MIN_LENGTH_CHARS = 30  # shorter pairs (Tatoeba's "نعم." / "Yes.") say little about a direction's ratio


def _keys(tokens: Sequence[str], lang: str) -> list[str]:
    return [word_key(token, lang) for token in tokens]


def _link_counts(
    src: list[list[str]], tgt: list[list[str]], links: list[set[tuple[int, int]]], src_lang: str, tgt_lang: str
) -> tuple[Counter, Counter, Counter]:
    pairs: Counter = Counter()
    src_count: Counter = Counter()
    tgt_count: Counter = Counter()
    for s_tokens, t_tokens, pair_links in zip(src, tgt, links):
        s_keys, t_keys = _keys(s_tokens, src_lang), _keys(t_tokens, tgt_lang)
        src_count.update(k for k in s_keys if k)
        tgt_count.update(k for k in t_keys if k)
        for i, j in pair_links:
            if s_keys[i] and t_keys[j]:
                pairs[s_keys[i], t_keys[j]] += 1
    return pairs, src_count, tgt_count


def _best(
    pairs: Counter, totals: Counter, stop: frozenset[str], flip: bool, top_k: int, min_share: float, min_count: int
) -> dict[str, frozenset[str]]:
    by_word: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for (s, t), count in pairs.items():
        word, other = (t, s) if flip else (s, t)
        if count >= min_count and other not in stop and count >= min_share * totals[word]:
            by_word[word].append((-count, other))
    return {w: frozenset(o for _, o in sorted(c)[:top_k]) for w, c in by_word.items() if w not in stop}


def _union(table: dict[str, frozenset[str]], other: dict[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    """``table`` plus the links of the other direction read backwards (a translation either way counts)."""
    merged: dict[str, set[str]] = defaultdict(set)
    for word, translations in table.items():
        merged[word].update(translations)
    for word, translations in other.items():
        for translation in translations:
            merged[translation].add(word)
    return {word: frozenset(translations) for word, translations in merged.items()}


def build_table(
    src_lines: Sequence[str],
    tgt_lines: Sequence[str],
    *,
    src_lang: str = "ar",
    tgt_lang: str = "en",
    top_k: int = 10,
    min_share: float = 0.03,
    min_count: int = 2,
    stop_words: int = 60,
    meta: dict | None = None,
) -> LexicalTable:
    """Align the pairs statistically and keep each word's likely translations (see the module docstring)."""
    if len(src_lines) != len(tgt_lines):
        raise InputError(f"{len(src_lines)} source lines but {len(tgt_lines)} target lines")
    src = [tokenize(line, src_lang) for line in src_lines]
    tgt = [tokenize(line, tgt_lang) for line in tgt_lines]
    aligner = StatisticalAligner(backend="fastalign", src_lang=src_lang, tgt_lang=tgt_lang)
    links = aligner.align(src, tgt)
    pairs, src_count, tgt_count = _link_counts(src, tgt, links, src_lang, tgt_lang)
    src_stop = frozenset(k for k, _ in src_count.most_common(stop_words))
    tgt_stop = frozenset(k for k, _ in tgt_count.most_common(stop_words))
    forward = _best(pairs, src_count, tgt_stop, False, top_k, min_share, min_count)
    backward = _best(pairs, tgt_count, src_stop, True, top_k, min_share, min_count)
    forward, backward = _union(forward, backward), _union(backward, forward)
    table = LexicalTable(
        src_lang,
        tgt_lang,
        forward,
        backward,
        src_stop,
        tgt_stop,
        length_model(src_lines, tgt_lines, tgt_lang),
        dict(meta or {}, pairs=len(src_lines)),
    )
    return with_chance(table, src_lines, tgt_lines)


def length_model(src_lines: Sequence[str], tgt_lines: Sequence[str], tgt_lang: str) -> LengthModel:
    """Mean and sd of the pairs' log length ratio (sources of 30+ characters), and the target length per source
    word (:class:`mt.qe.lexicon.LengthModel`); Chinese counted in zh-units."""
    unit = "zh-units" if tgt_lang == "zh" else "chars"
    kept = [(s, t) for s, t in zip(src_lines, tgt_lines) if len(s) >= MIN_LENGTH_CHARS and t.strip()]
    ratios = [log_ratio(s, t, unit) for s, t in kept]
    mean = sum(ratios) / len(ratios)
    sd = math.sqrt(sum((r - mean) ** 2 for r in ratios) / max(len(ratios) - 1, 1)) or 1.0
    per_word = sum(text_length(t, unit) for _, t in kept) / max(sum(len(s.split()) for s, _ in kept), 1)
    return LengthModel(mean, sd, unit, round(per_word, 4))


def _mass(table: dict[str, frozenset[str]], counts: Counter) -> dict[str, float]:
    total = sum(counts.values()) or 1
    return {word: float(f"{sum(counts[t] for t in translations) / total:.3g}") for word, translations in table.items()}


def with_chance(table: LexicalTable, src_lines: Sequence[str], tgt_lines: Sequence[str]) -> LexicalTable:
    """``table`` with its chance model (:class:`mt.qe.lexicon.ChanceModel`) measured on these pairs: each word's
    share of the other side's word tokens, and the share of checkable words covered in the pairs themselves."""
    src = [word_keys(line, table.src_lang) for line in src_lines]
    tgt = [word_keys(line, table.tgt_lang) for line in tgt_lines]
    hits = [0, 0, 0, 0]  # uncovered and checkable source words, then target words
    latin = latin_checkable(table.tgt_lang)
    for s_keys, t_keys in zip(src, tgt):
        for side, (keys, other, lookup, stop) in enumerate(
            ((s_keys, t_keys, table.forward, table.src_stop), (t_keys, s_keys, table.backward, table.tgt_stop))
        ):
            missing, known = uncovered(keys, set(other), lookup, stop, latin=side == 0 or latin)
            hits[2 * side] += len(missing)
            hits[2 * side + 1] += known
    hit = (round(1.0 - hits[0] / max(hits[1], 1), 4), round(1.0 - hits[2] / max(hits[3], 1), 4))
    chance = ChanceModel(
        _mass(table.forward, Counter(k for keys in tgt for k in keys)),
        _mass(table.backward, Counter(k for keys in src for k in keys)),
        hit,
    )
    return LexicalTable(
        table.src_lang,
        table.tgt_lang,
        table.forward,
        table.backward,
        table.src_stop,
        table.tgt_stop,
        table.length,
        table.meta,
        chance,
    )


def _fit_part(x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float, iterations: int) -> np.ndarray:
    """Weighted L2-penalised logistic regression by Newton's method; column 0 of ``x`` is the intercept."""
    beta = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ beta, -60, 60)))
        gradient = x.T @ (w * (p - y)) + penalty * beta
        hessian = (x * (w * p * (1 - p))[:, None]).T @ x + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta


def _parts(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else value


def fit_risk(
    rows: Sequence[Mapping[str, float]],
    kinds: Sequence[str],
    parts: Mapping[str, Sequence[str]],
    part_of: Mapping[str, str | tuple[str, ...]],
    *,
    l2: float = 0.1,
    iterations: int = 50,
    clean_flagged: float = 0.03,
    meta: dict | None = None,
) -> RiskModel:
    """Fit one part per kind of failure: the clean rows (kind ``clean``) against the rows whose corruption kind
    maps to that part (``part_of``: one part or a tuple of parts per kind), each side weighing the same; the
    threshold flags ``clean_flagged`` of the clean rows."""
    clean = np.array([kind == "clean" for kind in kinds])
    fitted = {}
    for part, names in parts.items():
        mine = np.array([part in _parts(part_of.get(kind, ())) for kind in kinds])
        if not mine.any():
            continue
        keep = clean | mine
        x = np.array([[1.0] + [float(row.get(n, 0.0)) for n in names] for row, k in zip(rows, keep) if k])
        y = mine[keep].astype(float)
        w = np.where(y > 0, clean.sum() / mine.sum(), 1.0)
        beta = _fit_part(x, y, w, l2, iterations)
        fitted[part] = Part({n: round(float(b), 6) for n, b in zip(names, beta[1:])}, round(float(beta[0]), 6))
    model = RiskModel(fitted, 0.5)
    scores = sorted(model.risk(row) for row, is_clean in zip(rows, clean) if is_clean)
    index = min(int(math.ceil(len(scores) * (1 - clean_flagged))), len(scores) - 1)
    threshold = scores[index] + 1e-6 if scores else 0.5
    return RiskModel(fitted, round(threshold, 6), dict(meta or {}))


def compose_pivot(direct: LexicalTable, first: LexicalTable, second: LexicalTable) -> LexicalTable:
    """``direct`` (ar -> zh) widened through a pivot: an Arabic word also accepts the translations (``second``,
    en -> zh) of its translations (``first``, ar -> en), and a target word the Arabic words that translate its
    translations back; function words of ``direct`` stay out. Stop lists and length model stay ``direct``'s."""
    forward = _widened(direct.forward, first.forward, second.forward, direct.src_stop, direct.tgt_stop)
    backward = _widened(direct.backward, second.backward, first.backward, direct.tgt_stop, direct.src_stop)
    meta = dict(direct.meta, pivot={"first": first.meta, "second": second.meta})
    return LexicalTable(
        direct.src_lang, direct.tgt_lang, forward, backward, direct.src_stop, direct.tgt_stop, direct.length, meta
    )


def _widened(
    table: dict[str, frozenset[str]],
    hop: dict[str, frozenset[str]],
    onward: dict[str, frozenset[str]],
    skip: frozenset[str],
    drop: frozenset[str],
) -> dict[str, frozenset[str]]:
    """``table`` where each word also reaches what its ``hop`` words reach in ``onward`` (less ``drop``); the
    words in ``skip`` (function words) keep only their own entries."""
    widened = {word: set(values) for word, values in table.items()}
    for word, middles in hop.items():
        if word not in skip:
            widened.setdefault(word, set()).update({t for m in middles for t in onward.get(m, ())} - drop)
    return {word: frozenset(values) for word, values in widened.items() if values}
