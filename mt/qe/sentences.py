"""Quality estimation of translated sentences (mt translate --qe, the server's "qe": true): each
:class:`~mt.results.SentenceResult` gets its ``risk`` and ``flags`` from the model-free estimator, a function of
the sentence's source and translation alone (a segment's review note: mt.results.review_note)."""

from __future__ import annotations

from dataclasses import replace

from mt.glossary import Glossary
from mt.qe.estimator import QualityEstimator
from mt.results import SentenceResult


class SentenceAssessor:
    """Give sentences into one target language their risk and flags (estimators built once, on first use)."""

    def __init__(self, glossary: Glossary | None = None, threshold: float | None = None) -> None:
        self.glossary = glossary
        self.threshold = threshold
        self._estimators: dict[str, QualityEstimator] = {}

    def estimator(self, to: str) -> QualityEstimator:
        if to not in self._estimators:
            self._estimators[to] = QualityEstimator(to, glossary=self.glossary, threshold=self.threshold)
        return self._estimators[to]

    def assess(self, sentence: SentenceResult, to: str) -> SentenceResult:
        """The sentence with its risk (4 decimals) and flags."""
        verdict = self.estimator(to).assess(sentence.source, sentence.translation)
        return replace(sentence, risk=round(verdict.risk, 4), flags=[flag.to_json() for flag in verdict.flags])

