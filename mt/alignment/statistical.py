"""Statistical word alignment for corpora, without a translation model.

Two backends, both run in the two directions and symmetrised (grow-diag-final-and by default):

- ``eflomal`` (Östling & Tiedemann 2016; Bayesian HMM with fertility, collapsed Gibbs sampling): the better
  aligner. GPL-3, so it is an optional extra (``pip install tarjama[align]`` / ``pip install eflomal``).
- ``fastalign``: a vectorised numpy reimplementation of fast_align (Dyer et al. 2013): IBM Model 2 with a
  diagonal-favouring prior ``exp(-lambda |i/m - j/n|)``, a fixed null probability and mean-field (variational
  Bayes) updates of the translation table. Always available; used when eflomal is not installed.

The aligner sees normalised word *types* (:func:`mt.alignment.tokenize.normalize_for_statistics`), so
statistics pool over case, Arabic diacritics and article/proclitic forms, while indices stay those of the
tokens given. Extra unlabelled parallel text improves the statistics; only the main pairs are returned.
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
from mt.alignment.tokenize import normalize_for_statistics
from mt.errors import InputError

log = logging.getLogger(__name__)

BACKENDS = ("auto", "eflomal", "fastalign")

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
    fastalign is deterministic; eflomal's sampler takes no seed, so its links can differ slightly between runs.
    """

    backend: str = "fastalign"  # deterministic; eflomal (opt-in) is stronger but its sampler takes no seed
    symmetrization: str = "grow-diag-final-and"
    iterations: int | None = None
    src_lang: str = "ar"
    tgt_lang: str = "en"
    diagonal_tension: float = 4.0
    null_probability: float = 0.08

    def resolved_backend(self) -> str:
        """The backend that :meth:`align` will use."""
        if self.backend not in BACKENDS:
            raise InputError(f"unknown statistical backend {self.backend!r}: expected one of {', '.join(BACKENDS)}")
        if self.backend == "auto":
            return "eflomal" if eflomal_available() else "fastalign"
        if self.backend == "eflomal" and not eflomal_available():
            raise InputError("the eflomal backend is not installed: pip install 'tarjama[align]' (GPL-3) "
                             "or use --backend fastalign")
        return self.backend

    def align(self, src: Sequence[Tokens], tgt: Sequence[Tokens], *,
              extra_src: Sequence[Tokens] = (), extra_tgt: Sequence[Tokens] = ()) -> list[set[Link]]:
        """Return one link set ``{(i, j)}`` per main sentence pair (token indices as given)."""
        if len(src) != len(tgt):
            raise InputError(f"{len(src)} source sentences but {len(tgt)} target sentences")
        if len(extra_src) != len(extra_tgt):
            raise InputError(f"extra corpus: {len(extra_src)} source sentences but {len(extra_tgt)} target")
        extra = [(s, t) for s, t in zip(extra_src, extra_tgt) if len(s) and len(t)]
        all_src = [self._keys(s, self.src_lang) for s in src] + [self._keys(s, self.src_lang) for s, _ in extra]
        all_tgt = [self._keys(t, self.tgt_lang) for t in tgt] + [self._keys(t, self.tgt_lang) for _, t in extra]
        backend = self.resolved_backend()
        started = time.perf_counter()
        if backend == "eflomal":
            forward, backward = _eflomal_links(all_src, all_tgt, len(src), self.iterations)
        else:
            iterations = self.iterations or 5
            forward = _fastalign_links(all_src, all_tgt, len(src), iterations, self.diagonal_tension,
                                       self.null_probability)
            flipped = _fastalign_links(all_tgt, all_src, len(src), iterations, self.diagonal_tension,
                                       self.null_probability)
            backward = [{(i, j) for j, i in links} for links in flipped]
        log.info("%s aligned %d pairs (%d with extra) in %.1f s", backend, len(src), len(all_src),
                 time.perf_counter() - started)
        return [symmetrize(f, b, self.symmetrization) for f, b in zip(forward, backward)]

    @staticmethod
    def _keys(tokens: Tokens, lang: str) -> list[str]:
        keys = []
        for token in tokens:
            key = normalize_for_statistics(token, lang) or token
            keys.append(key.replace(" ", "_"))
        return keys


def align_statistical(src: Sequence[Tokens], tgt: Sequence[Tokens], *, extra_src: Sequence[Tokens] = (),
                      extra_tgt: Sequence[Tokens] = (), src_lang: str = "ar", tgt_lang: str = "en",
                      backend: str = "fastalign", symmetrization: str = "grow-diag-final-and") -> list[set[Link]]:
    """Convenience wrapper around :class:`StatisticalAligner`."""
    aligner = StatisticalAligner(backend=backend, symmetrization=symmetrization, src_lang=src_lang,
                                 tgt_lang=tgt_lang)
    return aligner.align(src, tgt, extra_src=extra_src, extra_tgt=extra_tgt)


# ---------------------------------------------------------------------------------------------- eflomal
def _eflomal_links(src: list[list[str]], tgt: list[list[str]], keep: int,
                   iterations: int | None) -> tuple[list[set[Link]], list[set[Link]]]:
    import eflomal  # noqa: PLC0415 - optional, GPL-3

    aligner = eflomal.Aligner(n_iterations=None if iterations is None else (iterations,) * 3)
    with tempfile.TemporaryDirectory(prefix="mt-eflomal-") as tmp:
        fwd_path, rev_path = Path(tmp) / "fwd", Path(tmp) / "rev"
        aligner.align([" ".join(s) for s in src], [" ".join(t) for t in tgt],
                      links_filename_fwd=str(fwd_path), links_filename_rev=str(rev_path), quiet=True)
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


def _fastalign_links(src: list[list[str]], tgt: list[list[str]], keep: int, iterations: int,
                     tension: float, p_null: float, alpha: float = 0.01) -> list[set[Link]]:
    """One direction: for every target token j choose a source token i (or NULL); return {(i, j)}."""
    src_flat, src_len, _ = _ids(src, null=True)  # M_k = m_k + 1
    tgt_flat, tgt_len, n_tgt_types = _ids(tgt, null=False)
    pairs = np.flatnonzero((src_len > 1) & (tgt_len > 0))
    src_off = np.concatenate(([0], np.cumsum(src_len)[:-1]))
    tgt_off = np.concatenate(([0], np.cumsum(tgt_len)[:-1]))

    m_full, n = src_len[pairs], tgt_len[pairs]
    sizes = m_full * n
    total = int(sizes.sum())
    if total == 0:
        return [set() for _ in range(keep)]
    pair_of = np.repeat(np.arange(len(pairs)), sizes)
    local = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    m_e = m_full[pair_of]
    j = local // m_e  # target-major: each target token's candidates are contiguous
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
    del m_real, n_e

    table = np.full(cell.max() + 1, 1.0)  # uniform start (IBM1-like first E-step)
    for _ in range(iterations):
        post = table[cell] * prior
        post /= np.add.reduceat(post, group_start)[group]
        counts = np.bincount(cell, weights=post, minlength=len(table))
        totals = np.bincount(cell_src, weights=counts)
        # mean-field VB update (as fast_align -v): exp(psi(c + a)) / exp(psi(sum + a V))
        table = np.exp(_digamma(counts + alpha) - _digamma(totals + alpha * n_tgt_types)[cell_src])

    post = table[cell] * prior
    best = np.maximum.reduceat(post, group_start)
    is_best = np.flatnonzero((post >= best[group]) & (i > 0))
    groups, first = np.unique(group[is_best], return_index=True)
    chosen = is_best[first]
    # keep a real link only where it beats NULL
    null_score = post[group_start[groups]]
    chosen = chosen[post[chosen] > null_score]

    result: list[set[Link]] = [set() for _ in range(keep)]
    for k, si, tj in zip(real_pair[chosen].tolist(), (i[chosen] - 1).tolist(), j[chosen].tolist()):
        if k < keep:
            result[k].add((si, tj))
    return result
