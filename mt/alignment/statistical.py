"""Statistical word alignment for corpora, without a translation model.

Two backends, both run in the two directions and symmetrised (grow-diag-final-and by default):

- ``eflomal`` (Östling & Tiedemann 2016; Bayesian HMM with fertility, collapsed Gibbs sampling): the better
  aligner. GPL-3, so it is an optional extra (``pip install tarjama[align]`` / ``pip install eflomal``).
- ``fastalign``: a vectorised numpy reimplementation of fast_align (Dyer et al. 2013): IBM Model 2 with a
  diagonal-favouring prior ``exp(-lambda |i/m - j/n|)`` and a fixed null probability. By default the two
  directions are trained jointly, *alignment by agreement* (Liang, Taskar & Klein 2006: each E-step counts a
  link by the product of its two directional posteriors; maximum-likelihood M-step); ``agreement=False``
  trains them apart with mean-field (variational Bayes) updates as fast_align -v does. Always available;
  deterministic.

The aligner sees normalised word *types* (:func:`mt.alignment.tokenize.normalize_for_statistics`), so
statistics pool over case, Arabic diacritics and article/proclitic forms, while indices stay those of the
tokens given. Chinese tokens are split into the tokeniser's units (characters; numbers and Latin runs whole)
for the statistics, so pre-segmented words (a ``--tokenized`` gold set), jieba words and the default
characters share one vocabulary with an extra corpus tokenised by the tool; a given token is linked wherever
one of its units is. Directional links are mapped to the given tokens before symmetrisation. Extra unlabelled
parallel text improves the statistics; only the main pairs are returned.

Measured on the Tsinghua zh-en gold (450 news pairs, pre-segmented) with 10,418 extra zh-en pairs from
eval/data: fastalign AER 28.7, eflomal 22.2 (eval/results/align.md).
"""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from mt.alignment.pharaoh import Link
from mt.alignment.symmetrize import symmetrize
from mt.alignment.tokenize import normalize_for_statistics, split_chinese
from mt.errors import InputError

log = logging.getLogger(__name__)

BACKENDS = ("auto", "eflomal", "fastalign")
EFLOMAL_MAX_TOKENS = 1023  # eflomal writes a sentence of 1,024 units or more as an empty one: no link

Tokens = Sequence[str]


def eflomal_available() -> bool:
    """Whether the optional eflomal backend can be imported."""
    try:
        import eflomal  # noqa: F401, PLC0415
    except ImportError:
        return False
    return True


@dataclass
class StatisticalAligner:
    """Align tokenised sentence pairs with a statistical model trained on them (plus optional extra text).

    ``backend``: auto (eflomal if installed, else fastalign), eflomal or fastalign. ``symmetrization``: see
    :data:`mt.alignment.symmetrize.METHODS`. ``iterations``: EM iterations for fastalign [5], or Gibbs
    iterations per model for eflomal (None: eflomal's own schedule, which shrinks as the corpus grows).
    ``zh_chars``: Chinese statistics over characters whatever the given segmentation. ``agreement``: fastalign
    trains its two directions jointly. fastalign is deterministic; eflomal's sampler takes no seed, so its links
    can differ slightly between runs.
    """

    backend: str = "fastalign"  # deterministic; eflomal (opt-in) is stronger but its sampler takes no seed
    symmetrization: str = "grow-diag-final-and"
    iterations: int | None = None
    src_lang: str = "ar"
    tgt_lang: str = "en"
    diagonal_tension: float = 4.0
    null_probability: float = 0.08
    zh_chars: bool = True
    agreement: bool = True

    def resolved_backend(self) -> str:
        """The backend that :meth:`align` will use."""
        if self.backend not in BACKENDS:
            raise InputError(f"unknown statistical backend {self.backend!r}: expected one of {', '.join(BACKENDS)}")
        if self.backend == "auto":
            return "eflomal" if eflomal_available() else "fastalign"
        if self.backend == "eflomal" and not eflomal_available():
            raise InputError(
                "the eflomal backend is not installed: pip install 'tarjama[align]' (GPL-3) or use --backend fastalign"
            )
        return self.backend

    def align(
        self,
        src: Sequence[Tokens],
        tgt: Sequence[Tokens],
        *,
        extra_src: Sequence[Tokens] = (),
        extra_tgt: Sequence[Tokens] = (),
    ) -> list[set[Link]]:
        """Return one link set ``{(i, j)}`` per main sentence pair (token indices as given)."""
        forward, backward, owners = self.directional(src, tgt, extra_src=extra_src, extra_tgt=extra_tgt)
        result = []
        for f, b, (own_s, own_t) in zip(forward, backward, owners):
            # map each direction to the caller's tokens first, so the heuristic grows over those tokens
            f_tokens = {(own_s[i], own_t[j]) for i, j in f}
            b_tokens = {(own_s[i], own_t[j]) for i, j in b}
            result.append(symmetrize(f_tokens, b_tokens, self.symmetrization))
        return result

    def directional(
        self,
        src: Sequence[Tokens],
        tgt: Sequence[Tokens],
        *,
        extra_src: Sequence[Tokens] = (),
        extra_tgt: Sequence[Tokens] = (),
    ) -> tuple[list[set[Link]], list[set[Link]], list[tuple[list[int], list[int]]]]:
        """The two directional alignments of the main pairs over statistics units (source-target
        orientation), and per pair the token index of every source and target unit."""
        if len(src) != len(tgt):
            raise InputError(f"{len(src)} source sentences but {len(tgt)} target sentences")
        if len(extra_src) != len(extra_tgt):
            raise InputError(f"extra corpus: {len(extra_src)} source sentences but {len(extra_tgt)} target")
        if not src:  # no pairs: nothing to link (eflomal would divide by zero on an empty corpus)
            self.resolved_backend()
            return [], [], []
        extra = [(s, t) for s, t in zip(extra_src, extra_tgt) if len(s) and len(t)]
        main_src = [self._units(s, self.src_lang) for s in src]
        main_tgt = [self._units(t, self.tgt_lang) for t in tgt]
        all_src = [keys for keys, _ in main_src] + [self._units(s, self.src_lang)[0] for s, _ in extra]
        all_tgt = [keys for keys, _ in main_tgt] + [self._units(t, self.tgt_lang)[0] for _, t in extra]
        backend = self.resolved_backend()
        started = time.perf_counter()
        if backend == "eflomal":
            forward, backward = _eflomal_links(all_src, all_tgt, len(src), self.iterations)
            self._fastalign_long_pairs(all_src, all_tgt, len(src), forward, backward)
        else:
            forward, backward = self._fastalign(all_src, all_tgt, len(src))
        log.info(
            "%s aligned %d pairs (%d with extra) in %.1f s",
            backend,
            len(src),
            len(all_src),
            time.perf_counter() - started,
        )
        return forward, backward, [(own_s, own_t) for (_, own_s), (_, own_t) in zip(main_src, main_tgt)]

    def _fastalign(
        self, all_src: list[list[str]], all_tgt: list[list[str]], keep: int
    ) -> tuple[list[set[Link]], list[set[Link]]]:
        """fast_align's two directions (or its agreement training) over the corpus, for the first ``keep`` pairs."""
        iterations = self.iterations or 5
        if self.agreement:
            return _fastalign_agreement(
                all_src, all_tgt, keep, iterations, self.diagonal_tension, self.null_probability
            )
        forward = _fastalign_links(all_src, all_tgt, keep, iterations, self.diagonal_tension, self.null_probability)
        flipped = _fastalign_links(all_tgt, all_src, keep, iterations, self.diagonal_tension, self.null_probability)
        return forward, [{(i, j) for j, i in links} for links in flipped]

    def _fastalign_long_pairs(
        self,
        all_src: list[list[str]],
        all_tgt: list[list[str]],
        keep: int,
        forward: list[set[Link]],
        backward: list[set[Link]],
    ) -> None:
        """eflomal skips a sentence over EFLOMAL_MAX_TOKENS units (it leaves it without a link, silently): such
        pairs get fast_align's links (trained on the same corpus), with a warning."""
        long = [k for k in range(keep) if max(len(all_src[k]), len(all_tgt[k])) > EFLOMAL_MAX_TOKENS]
        if not long:
            return
        log.warning(
            "%d line(s) longer than eflomal's %d tokens (line %s%s) aligned with fast_align instead",
            len(long),
            EFLOMAL_MAX_TOKENS,
            ", ".join(str(k + 1) for k in long[:5]),
            ", ..." if len(long) > 5 else "",
        )
        fast_forward, fast_backward = self._fastalign(all_src, all_tgt, keep)
        for k in long:
            forward[k], backward[k] = fast_forward[k], fast_backward[k]

    def _units(self, tokens: Tokens, lang: str) -> tuple[list[str], list[int]]:
        """Statistics keys for one sentence and, per key, the index of the token it came from. Chinese
        tokens are split into characters (``zh_chars``), so pre-segmented words, jieba words and characters
        all share one vocabulary; a link of any character is a link of its word."""
        keys: list[str] = []
        owner: list[int] = []
        for index, token in enumerate(tokens):
            pieces = split_chinese(token) if lang == "zh" and self.zh_chars else [token]
            for piece in pieces:
                key = normalize_for_statistics(piece, lang) or piece
                keys.append(key.replace(" ", "_"))
                owner.append(index)
        return keys, owner


def align_statistical(
    src: Sequence[Tokens],
    tgt: Sequence[Tokens],
    *,
    extra_src: Sequence[Tokens] = (),
    extra_tgt: Sequence[Tokens] = (),
    src_lang: str = "ar",
    tgt_lang: str = "en",
    backend: str = "fastalign",
    symmetrization: str = "grow-diag-final-and",
) -> list[set[Link]]:
    """Convenience wrapper around :class:`StatisticalAligner`."""
    aligner = StatisticalAligner(backend=backend, symmetrization=symmetrization, src_lang=src_lang, tgt_lang=tgt_lang)
    return aligner.align(src, tgt, extra_src=extra_src, extra_tgt=extra_tgt)


# ---------------------------------------------------------------------------------------------- eflomal
def _eflomal_links(
    src: list[list[str]], tgt: list[list[str]], keep: int, iterations: int | None
) -> tuple[list[set[Link]], list[set[Link]]]:
    import eflomal  # noqa: PLC0415 - optional, GPL-3

    aligner = eflomal.Aligner(n_iterations=None if iterations is None else (iterations,) * 3)
    with tempfile.TemporaryDirectory(prefix="mt-eflomal-") as tmp:
        fwd_path, rev_path = Path(tmp) / "fwd", Path(tmp) / "rev"
        aligner.align(
            [" ".join(s) for s in src],
            [" ".join(t) for t in tgt],
            links_filename_fwd=str(fwd_path),
            links_filename_rev=str(rev_path),
            quiet=True,
        )
        forward = _read_links(fwd_path, keep)
        backward = _read_links(rev_path, keep)
    return forward, backward


def _read_links(path: Path, keep: int) -> list[set[Link]]:
    lines = path.read_text(encoding="utf-8").split("\n")[:keep]
    lines += [""] * (keep - len(lines))
    result = []
    for line in lines:
        links = set()
        for token in line.split():
            i, j = token.split("-")
            links.add((int(i), int(j)))
        result.append(links)
    return result


# ---------------------------------------------------------------------------------------------- fast_align
def _digamma(x: np.ndarray) -> np.ndarray:
    """Digamma for positive arrays (recurrence up to 6, then the asymptotic series)."""
    x = np.asarray(x, dtype=np.float64).copy()
    result = np.zeros_like(x)
    for _ in range(6):
        small = x < 6.0
        if not small.any():
            break
        result[small] -= 1.0 / x[small]
        x[small] += 1.0
    inv = 1.0 / x
    inv2 = inv * inv
    result += np.log(x) - 0.5 * inv - inv2 * (1.0 / 12 - inv2 * (1.0 / 120 - inv2 / 252))
    return result


def _ids(sentences: list[list[str]], null: bool) -> tuple[np.ndarray, np.ndarray, int]:
    """Flatten sentences to type ids (id 0 = NULL, prepended to each sentence when ``null``)."""
    vocab: dict[str, int] = {"<NULL>": 0}
    flat: list[int] = []
    lengths = np.empty(len(sentences), dtype=np.int64)
    for k, sentence in enumerate(sentences):
        if null:
            flat.append(0)
        for word in sentence:
            flat.append(vocab.setdefault(word, len(vocab)))
        lengths[k] = len(sentence) + (1 if null else 0)
    return np.asarray(flat, dtype=np.int64), lengths, len(vocab)


@dataclass
class _Direction:
    """One fast_align direction over a whole corpus, flattened: one element per (pair, target token,
    source candidate incl. NULL), target-major so each target token's candidates are contiguous."""

    cell: np.ndarray  # element -> translation-table cell (source type, target type)
    cell_src: np.ndarray  # cell -> source type
    group: np.ndarray  # element -> target-token group
    group_start: np.ndarray  # group -> first element
    prior: np.ndarray  # element -> fixed diagonal prior p(i | j, m, n)
    i: np.ndarray  # element -> source position (0 = NULL, else 1 + token index)
    j: np.ndarray  # element -> target position
    pair: np.ndarray  # element -> sentence pair index
    n_tgt_types: int
    table: np.ndarray  # cell -> t(target type | source type)

    def posteriors(self) -> np.ndarray:
        """E-step: per element, the posterior that its target token aligns to its source candidate."""
        post = self.table[self.cell] * self.prior
        return post / np.add.reduceat(post, self.group_start)[self.group]

    def update(self, weights: np.ndarray, alpha: float | None) -> None:
        """M-step from expected counts: mean-field VB with a Dirichlet(alpha) prior (as fast_align -v), or
        plain maximum likelihood when ``alpha`` is None."""
        counts = np.bincount(self.cell, weights=weights, minlength=len(self.table))
        totals = np.bincount(self.cell_src, weights=counts)
        if alpha is None:
            self.table = counts / np.maximum(totals[self.cell_src], 1e-300) + 1e-12
        else:  # exp(psi(c + a)) / exp(psi(sum + a V))
            self.table = np.exp(_digamma(counts + alpha) - _digamma(totals + alpha * self.n_tgt_types)[self.cell_src])

    def real_order(self, flip: bool) -> np.ndarray:
        """The non-NULL elements sorted by (pair, source token, target token) of the *corpus* orientation,
        so that the same link has the same rank in both directions (``flip`` for the reverse model)."""
        real = np.flatnonzero(self.i > 0)
        a, b = self.i[real] - 1, self.j[real]
        if flip:
            a, b = b, a
        return real[np.lexsort((b, a, self.pair[real]))]

    def viterbi(self, post: np.ndarray, keep: int) -> list[set[Link]]:
        """Per target token its best source token, where that beats NULL; links ``(i, j)`` of the first
        ``keep`` pairs in this direction's orientation."""
        best = np.maximum.reduceat(post, self.group_start)
        is_best = np.flatnonzero((post >= best[self.group]) & (self.i > 0))
        groups, first = np.unique(self.group[is_best], return_index=True)
        chosen = is_best[first]
        chosen = chosen[post[chosen] > post[self.group_start[groups]]]
        result: list[set[Link]] = [set() for _ in range(keep)]
        for k, si, tj in zip(self.pair[chosen].tolist(), (self.i[chosen] - 1).tolist(), self.j[chosen].tolist()):
            if k < keep:
                result[k].add((si, tj))
        return result


def _direction(src: list[list[str]], tgt: list[list[str]], tension: float, p_null: float) -> _Direction | None:
    """Flatten one direction of the corpus (None when no pair has both sides)."""
    src_flat, src_len, _ = _ids(src, null=True)  # M_k = m_k + 1
    tgt_flat, tgt_len, n_tgt_types = _ids(tgt, null=False)
    pairs = np.flatnonzero((src_len > 1) & (tgt_len > 0))
    src_off = np.concatenate(([0], np.cumsum(src_len)[:-1]))
    tgt_off = np.concatenate(([0], np.cumsum(tgt_len)[:-1]))

    m_full, n = src_len[pairs], tgt_len[pairs]
    sizes = m_full * n
    total = int(sizes.sum())
    if total == 0:
        return None
    pair_of = np.repeat(np.arange(len(pairs)), sizes)
    local = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    m_e = m_full[pair_of]
    j = local // m_e
    i = local - j * m_e  # 0 = NULL
    group = np.repeat(np.arange(int(n.sum())), np.repeat(m_full, n))
    group_start = np.concatenate(([0], np.cumsum(np.repeat(m_full, n))[:-1]))
    real_pair = pairs[pair_of]
    src_word = src_flat[src_off[real_pair] + i]
    tgt_word = tgt_flat[tgt_off[real_pair] + j]
    del local

    codes = src_word * n_tgt_types + tgt_word
    uniq, cell = np.unique(codes, return_inverse=True)
    cell = cell.astype(np.int64).ravel()
    cell_src = uniq // n_tgt_types
    del codes, uniq

    # diagonal prior, fixed: p(i | j, m, n) = p_null for NULL, else (1-p_null) exp(-tension |i/m - j/n|) / Z
    m_real = (m_e - 1).astype(np.float64)
    n_e = n[pair_of].astype(np.float64)
    prior = np.exp(-tension * np.abs(i / np.maximum(m_real, 1.0) - (j + 1) / n_e))
    prior[i == 0] = 0.0
    z = np.add.reduceat(prior, group_start)
    prior = (1.0 - p_null) * prior / z[group]
    prior[i == 0] = p_null
    return _Direction(
        cell, cell_src, group, group_start, prior, i, j, real_pair, n_tgt_types, np.full(cell.max() + 1, 1.0)
    )  # uniform start (IBM1-like first E-step)


def _fastalign_links(
    src: list[list[str]],
    tgt: list[list[str]],
    keep: int,
    iterations: int,
    tension: float,
    p_null: float,
    alpha: float = 0.01,
) -> list[set[Link]]:
    """One direction: for every target token j choose a source token i (or NULL); return {(i, j)}."""
    d = _direction(src, tgt, tension, p_null)
    if d is None:
        return [set() for _ in range(keep)]
    for _ in range(iterations):
        d.update(d.posteriors(), alpha)
    return d.viterbi(d.posteriors(), keep)


def _fastalign_agreement(
    src: list[list[str]], tgt: list[list[str]], keep: int, iterations: int, tension: float, p_null: float
) -> tuple[list[set[Link]], list[set[Link]]]:
    """Both directions trained jointly, alignment by agreement (Liang, Taskar & Klein 2006): in every
    E-step the expected count of a link is the product of its two directional posteriors, so each model
    learns from the links the other also believes in; NULL counts stay each model's own. Maximum-likelihood
    M-step (the VB prior would wipe out the small product counts). Returns the forward links and the
    backward links flipped to source-target orientation."""
    forward = _direction(src, tgt, tension, p_null)
    backward = _direction(tgt, src, tension, p_null)
    if forward is None or backward is None:
        return [set() for _ in range(keep)], [set() for _ in range(keep)]
    rank_f, rank_b = forward.real_order(flip=False), backward.real_order(flip=True)
    for _ in range(iterations):
        post_f, post_b = forward.posteriors(), backward.posteriors()
        agreed = post_f[rank_f] * post_b[rank_b]
        post_f[rank_f] = agreed
        post_b[rank_b] = agreed
        forward.update(post_f, None)
        backward.update(post_b, None)
    links_f = forward.viterbi(forward.posteriors(), keep)
    links_b = [{(i, j) for j, i in links} for links in backward.viterbi(backward.posteriors(), keep)]
    return links_f, links_b
