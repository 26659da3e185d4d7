"""Paired significance tests between systems, run by sacrebleu's own :class:`sacrebleu.significance.PairedTest`.

Paired bootstrap resampling (Koehn 2004; 1,000 resamples) and paired approximate randomisation (Riezler &
Maxwell 2005; 10,000 trials), seeded like sacrebleu ($SACREBLEU_SEED, default 12345). The first system is the
baseline; each other system is compared with it. The p-values are those ``sacrebleu --paired-bs`` /
``--paired-ar`` print on the same files.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from sacrebleu.significance import PairedTest, Result

from mt.errors import InputError
from mt.evaluation.metrics import SegmentMetric

log = logging.getLogger(__name__)

#: Test keys (sacrebleu's ``test_type``) and their report names.
TESTS = {"bs": "paired-bs", "ar": "paired-ar"}
DEFAULT_SAMPLES = dict(PairedTest._DEFAULT_SAMPLES)  # noqa: SLF001 - {"ar": 10000, "bs": 1000}
ALPHA = 0.05


@dataclass(frozen=True)
class Comparison:
    """One system against the baseline on one metric, by one paired test."""

    baseline: str
    system: str
    metric: str
    test: str  # "paired-bs" or "paired-ar"
    samples: int
    baseline_score: float
    system_score: float
    p_value: float
    signature: str

    @property
    def delta(self) -> float:
        return self.system_score - self.baseline_score

    @property
    def significant(self) -> bool:
        """p < 0.05 and a non-zero difference.

        sacrebleu (after Multeval) counts resampled statistics strictly greater than the observed difference, so
        a system identical to the baseline gets the smallest possible p-value (jhclark/multeval#5); ``p_value``
        keeps sacrebleu's number, but a zero difference is never called significant.
        """
        return self.p_value < ALPHA and self.delta != 0.0


def parse_tests(value: str | Sequence[str] | None, n_systems: int) -> list[str]:
    """Which tests to run: "bs", "ar", "both", "none" or "auto" (paired bootstrap when there are 2+ systems)."""
    if value is None or value == "auto":
        return ["bs"] if n_systems > 1 else []
    values = [value] if isinstance(value, str) else list(value)
    tests: list[str] = []
    for item in values:
        for part in item.split(","):
            key = part.strip().lower()
            key = {"paired-bs": "bs", "paired-ar": "ar"}.get(key, key)
            if key == "none":
                continue
            chosen = ["bs", "ar"] if key == "both" else [key]
            for test in chosen:
                if test not in TESTS:
                    raise InputError(f"unknown significance test {part.strip()!r}; choose bs, ar, both or none")
                if test not in tests:
                    tests.append(test)
    if tests and n_systems < 2:
        raise InputError("paired significance tests need at least two systems (hypothesis files)")
    return tests


class _KnownStatistics:
    """A sacrebleu metric that serves per-segment statistics already extracted for the systems under test.

    PairedTest re-extracts every system's statistics for every test; TER's extraction is by far the slowest part
    of an evaluation, and the statistics are already known. Everything else is delegated to the metric itself.
    """

    def __init__(self, metric: Any, known: Mapping[int, list]):
        self._metric = metric
        self._known = known

    def _extract_corpus_statistics(self, hypotheses: Sequence[str], references: Any) -> list:
        if references is None and id(hypotheses) in self._known:
            return self._known[id(hypotheses)]
        return self._metric._extract_corpus_statistics(hypotheses, references)  # noqa: SLF001

    def __getattr__(self, name: str) -> Any:
        return getattr(self._metric, name)


def paired_test(
    systems: Sequence[tuple[str, Sequence[str]]],
    metrics: Sequence[SegmentMetric],
    test: str,
    n_samples: int | None = None,
    statistics: Mapping[str, Mapping[str, list]] | None = None,
) -> list[Comparison]:
    """Compare every system with the first one (the baseline) on every metric with sacrebleu's PairedTest.

    The metrics already hold the references (sacrebleu's reference cache), as in sacrebleu's CLI.
    ``statistics[system][metric name]``, when given, are the per-segment statistics already extracted with
    these metrics; they are reused instead of being extracted again.
    """
    if test not in TESTS:
        raise InputError(f"unknown significance test {test!r}")
    named: list[tuple[str, Sequence[str]]] = [(name, list(lines)) for name, lines in systems]
    by_name: dict[str, Any] = {}
    for m in metrics:
        known = {
            id(lines): statistics[name][m.name]
            for name, lines in named
            if statistics and name in statistics and m.name in statistics[name]
        }
        by_name[m.name] = _KnownStatistics(m.metric, known) if known else m.metric
    log.info("running %s over %d systems", TESTS[test], len(systems))
    tester = PairedTest(named, by_name, references=None, test_type=test, n_samples=n_samples or 0, n_ar_confidence=-1)
    signatures, results = tester()
    names = [name for name in results["System"] if isinstance(name, str)]  # the column of system names
    comparisons = []
    for metric in metrics:
        column = [result for result in results[metric.name] if isinstance(result, Result)]  # a metric's: Results
        baseline = column[0]
        signature = signatures[metric.name].format()
        for name, result in zip(names[1:], column[1:]):
            if result.p_value is None:  # sacrebleu gives every system but the baseline one
                raise ValueError(f"no p-value for {name}")
            comparisons.append(
                Comparison(
                    baseline=names[0],
                    system=name,
                    metric=metric.name,
                    test=TESTS[test],
                    samples=tester.n_samples,
                    baseline_score=float(baseline.score),
                    system_score=float(result.score),
                    p_value=float(result.p_value),
                    signature=signature,
                )
            )
    return comparisons
