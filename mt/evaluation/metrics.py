"""The metrics, as thin wrappers over sacrebleu's own classes (sacrebleu is the engine and the reference).

Each :class:`SegmentMetric` binds one sacrebleu metric to the references and splits the work the way sacrebleu
does: sufficient statistics per segment (computed once per system), then any score from statistics - the corpus
score, sentence scores, bucket scores and bootstrap resamples all come from the same statistics.

Private sacrebleu API used here and in :mod:`mt.evaluation.significance` (why pyproject bounds sacrebleu to
``>=2.4,<3``; tests/test_evaluate_conformance.py is the guard): ``Metric._extract_corpus_statistics``,
``Metric._aggregate_and_compute``, ``Metric._compute_score_from_stats`` and ``PairedTest._DEFAULT_SAMPLES``.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
from sacrebleu.metrics import BLEU, CHRF, TER
from sacrebleu.metrics.base import Metric

from mt.errors import InputError

log = logging.getLogger(__name__)

#: Metric keys accepted on the command line and in the API, in report order, with sacrebleu's score names.
METRIC_NAMES = {"bleu": "BLEU", "chrf": "chrF2", "chrf++": "chrF2++", "ter": "TER"}
DEFAULT_METRICS = ("bleu", "chrf", "chrf++", "ter")
_ALIASES = {"chrf2": "chrf", "chrf2++": "chrf++", "chrfpp": "chrf++", "chrf+": "chrf++"}
#: BLEU tokenizers that work offline (the spBLEU ones download a model; the MeCab ones need dictionaries).
OFFLINE_TOKENIZERS = ("13a", "zh", "intl", "char", "none")
#: TER's shift search (sacrebleu's, as tercom's) costs far more than the square of a segment's length: one line
#: of 500 random words took 47 s, 1,000 took 107 s and 2,000 took 281 s (306 MB) on the shared 2-core machine,
#: and one 1.1 MB line grew to 23 GB. A longer segment (hypothesis or reference, in TER's own words) is refused
#: in one line; sacrebleu's CLI has no such limit and runs on.
MAX_TER_WORDS = 1000

#: The most resampled statistics (float32 values) a bootstrap holds at once: 4 MB.
RESAMPLE_BLOCK_VALUES = 1 << 20

#: Metrics where a lower score is better.
LOWER_IS_BETTER = frozenset({"TER"})


def parse_metrics(values: Iterable[str] | str | None) -> list[str]:
    """Normalise metric keys: repeated and/or comma-separated, case-insensitive, duplicates dropped."""
    if values is None:
        return list(DEFAULT_METRICS)
    if isinstance(values, str):
        values = [values]
    keys: list[str] = []
    for value in values:
        for part in value.split(","):
            key = part.strip().lower()
            if not key:
                continue
            key = _ALIASES.get(key, key)
            if key not in METRIC_NAMES:
                raise InputError(f"unknown metric {part.strip()!r}; choose from {', '.join(METRIC_NAMES)}")
            if key not in keys:
                keys.append(key)
    if not keys:
        raise InputError(f"no metric given; choose from {', '.join(METRIC_NAMES)}")
    return keys


def is_metric_name(value: str) -> bool:
    """Whether ``value`` is one metric key or alias (case-insensitive), e.g. "chrF2" or "ter"."""
    key = value.strip().lower()
    return _ALIASES.get(key, key) in METRIC_NAMES


def bleu_tokenizer(lang: str, tokenize: str | None = None) -> str:
    """The BLEU tokenizer: ``tokenize`` if given, else ``zh`` for Chinese and ``13a`` otherwise (as sacrebleu)."""
    if tokenize is not None:
        if tokenize not in OFFLINE_TOKENIZERS:
            raise InputError(
                f"unknown or unsupported BLEU tokenizer {tokenize!r}; choose from {', '.join(OFFLINE_TOKENIZERS)}"
            )
        return tokenize
    return "zh" if lang == "zh" else "13a"


def ter_asian(lang: str, asian: bool | None = None) -> bool:
    """Whether TER splits CJK characters: yes for Chinese unless told otherwise.

    sacrebleu's TER keeps an unsegmented Chinese line as one or two "words" (a near-meaningless edit rate);
    ``asian_support`` only acts together with ``normalized``, so both are switched on, exactly as
    ``sacrebleu --ter-normalized --ter-asian-support`` (the signature then reads ``norm:yes|asian:yes``).
    """
    return lang == "zh" if asian is None else asian


def _make(
    key: str,
    lang: str,
    tokenize: str,
    references: Sequence[Sequence[str]] | None,
    sentence: bool = False,
    asian: bool = False,
) -> Metric:
    """Build the sacrebleu metric for ``key`` exactly as sacrebleu's CLI would with the matching options."""
    if key == "bleu":
        return BLEU(tokenize=tokenize, trg_lang=lang, effective_order=sentence, references=references)
    if key == "chrf":
        return CHRF(references=references)
    if key == "chrf++":
        return CHRF(word_order=2, references=references)
    if key == "ter":
        return TER(normalized=asian, asian_support=asian, references=references)
    raise InputError(f"unknown metric {key!r}")


def sacrebleu_seed() -> int | None:
    """The RNG seed sacrebleu uses for resampling: $SACREBLEU_SEED, default 12345 ("none": unseeded)."""
    seed = os.environ.get("SACREBLEU_SEED", "12345")
    return None if seed.lower() == "none" else int(seed)


@dataclass(frozen=True)
class Interval:
    """A bootstrap estimate in sacrebleu's convention: the mean of the resampled scores and the half-width
    of the 95% interval, ``0.5 * (s[n - n//40 - 1] - s[n//40])`` over the sorted resampled scores."""

    mean: float
    half_width: float
    samples: int
    seed: int | None

    @property
    def low(self) -> float:
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        return self.mean + self.half_width


class SegmentMetric:
    """One sacrebleu metric bound to the reference streams.

    ``statistics(hyps)`` gives the per-segment sufficient statistics; everything else is computed from them.
    """

    def __init__(
        self,
        key: str,
        references: Sequence[Sequence[str]],
        lang: str,
        tokenize: str | None = None,
        asian: bool | None = None,
    ):
        self.key = key
        self.name = METRIC_NAMES[key]
        self.lang = lang
        self.tokenize = bleu_tokenizer(lang, tokenize) if key == "bleu" else None
        self._asian = ter_asian(lang, asian)
        if key == "ter":
            for stream in references:
                self._check_ter_length(stream, "reference")
        self.metric = _make(key, lang, self.tokenize or "", references, asian=self._asian)
        # Sentence BLEU uses effective order (as sacrebleu's sentence_bleu and `-sl`); the other metrics score a
        # single segment with the corpus formula.
        self._sentence = _make(key, lang, self.tokenize or "", None, sentence=True) if key == "bleu" else self.metric

    @property
    def lower_is_better(self) -> bool:
        return self.name in LOWER_IS_BETTER

    def signature(self) -> str:
        """sacrebleu's signature string for a plain corpus score with this metric."""
        return self.metric.get_signature().format()

    def sentence_signature(self) -> str:
        """sacrebleu's signature for the per-segment scores (effective order for BLEU)."""
        if self.key == "bleu":
            self._sentence.num_refs = self.metric.num_refs
        return self._sentence.get_signature().format()

    def _check_ter_length(self, segments: Sequence[str], role: str) -> None:
        """Refuse a segment longer than MAX_TER_WORDS TER words (see MAX_TER_WORDS)."""
        tokenizer = TER(normalized=self._asian, asian_support=self._asian).tokenizer
        for number, segment in enumerate(segments, 1):
            if len(segment) > MAX_TER_WORDS and len(tokenizer(segment).split()) > MAX_TER_WORDS:
                words = len(tokenizer(segment).split())
                raise InputError(
                    f"TER: segment {number} of a {role} has {words:,} words, over TER's limit of "
                    f"{MAX_TER_WORDS:,} per segment (its shift search grows faster than the square of "
                    "the length): split long lines into sentences, or leave TER out with "
                    "--metrics bleu,chrf,chrf++"
                )

    def statistics(self, hypotheses: Sequence[str]) -> list[list[float]]:
        """Per-segment sufficient statistics against the cached references (sacrebleu's own extraction)."""
        if self.key == "ter":
            self._check_ter_length(hypotheses, "hypothesis")
        return self.metric._extract_corpus_statistics(hypotheses, None)  # noqa: SLF001 - sacrebleu's split

    def corpus(self, stats: list[list[float]]):
        """The corpus score (a sacrebleu Score) from per-segment statistics."""
        return self.metric._aggregate_and_compute(stats)  # noqa: SLF001

    def score_of(self, summed: np.ndarray) -> float:
        """The score from already summed statistics (a bucket, a resample)."""
        # sacrebleu annotates a list but indexes it only: the summed numpy row is scored as it is (no copy)
        return float(self.metric._compute_score_from_stats(summed).score)  # type: ignore[arg-type]  # noqa: SLF001

    def sentence_scores(self, stats: list[list[float]]) -> list[float]:
        """One score per segment: sentence BLEU with effective order, sentence chrF / TER."""
        scorer = self._sentence
        return [float(scorer._compute_score_from_stats(row).score) for row in stats]  # noqa: SLF001

    def bootstrap(self, stats: Sequence[Sequence[float]], n_samples: int = 1000) -> Interval:
        """95% confidence interval by bootstrap resampling, reproducing sacrebleu's ``-ci`` exactly.

        Same RNG (numpy default_rng with sacrebleu's seed), same index draw, same float32 sums, same
        interval. The index draw is one ``samples x segments`` integer array, as in sacrebleu (drawing it in
        pieces would change the numbers); the statistics are then summed a block of resamples at a time, at
        most :data:`RESAMPLE_BLOCK_VALUES` float32 values per block, where sacrebleu builds the whole
        ``samples x segments x statistics`` array. For 1,000 resamples of 1,000 segments: 8 MB of int64
        indices either way, plus 4 MB of statistics here against sacrebleu's 40 MB for BLEU (10 statistics per
        segment). A small corpus is summed in one block, as sacrebleu does: one resample per numpy call cost
        about 3 ms per metric on the seed (1,000 calls), a tenth of `mt evaluate`'s lead over sacrebleu.
        """
        seed = sacrebleu_seed()
        rng = np.random.default_rng(seed)
        idxs = rng.choice(len(stats), size=(n_samples, len(stats)), replace=True)
        stats_np = np.array(stats, dtype="float32")
        block = max(1, RESAMPLE_BLOCK_VALUES // max(1, stats_np.size))
        sums = (row for start in range(0, n_samples, block) for row in stats_np[idxs[start : start + block]].sum(1))
        scores = np.array([self.score_of(row) for row in sums])
        ordered = np.sort(scores)
        lower_idx = n_samples // 40
        lower, upper = ordered[lower_idx], ordered[n_samples - lower_idx - 1]
        return Interval(
            mean=float(ordered.mean()), half_width=float(0.5 * (upper - lower)), samples=n_samples, seed=seed
        )


def build_metrics(
    keys: Sequence[str],
    references: Sequence[Sequence[str]],
    lang: str,
    tokenize: str | None = None,
    asian: bool | None = None,
) -> list[SegmentMetric]:
    """One :class:`SegmentMetric` per key, references cached once per metric."""
    return [SegmentMetric(key, references, lang, tokenize, asian) for key in keys]
