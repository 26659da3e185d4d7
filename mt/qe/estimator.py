"""The quality estimator: run the detectors on a pair, combine their features into ``risk``, pick the flags."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Protocol, Sequence

from mt.data import qe_risk, qe_table
from mt.errors import InputError
from mt.glossary import Glossary
from mt.qe.detectors.coverage import CoverageDetector, LengthDetector
from mt.qe.detectors.ending import EndingDetector
from mt.qe.detectors.numbers import NumberDetector
from mt.qe.detectors.repetition import RepetitionDetector
from mt.qe.detectors.surface import EmptyDetector, ScriptDetector, UntranslatedDetector
from mt.qe.detectors.terms import TermDetector
from mt.qe.lexicon import LexicalTable
from mt.qe.model import KINDS, Detector, Flag, Pair
from mt.qe.risk import MODEL_FEATURE, MODEL_PART, RiskModel

TARGETS = ("en", "zh")
#: Decimals of a reported risk. The threshold is rounded up to them, so that a reported risk is at or above the
#: threshold exactly when the pair is flagged (0.79891 would flag a pair shown as 0.7989).
RISK_DIGITS = 4
#: Features that break a stated requirement (a glossary term, a source number missing from the translation, a
#: translation of an empty line): the pair is always flagged, its risk at least the threshold.
RULE_FEATURES = ("term", "number_missing", "unsourced")
#: Flags that are hints rather than evidence (word coverage, length): shown only when one of these parts of the
#: risk model reaches the threshold itself, so a pair flagged for a number does not also list every unknown word.
HINT_PARTS = {
    "omission": ("omission", "truncation"),
    "hallucination": ("hallucination",),
    "length": ("omission", "hallucination", "repetition", "truncation"),
    "model": (MODEL_PART,),
}


@dataclass
class Assessment:
    """One pair's verdict: ``risk`` in [0, 1] and the flags a reviewer should check (empty when the risk is
    under the threshold); ``features`` are the detectors' values behind the risk."""

    line: int
    source: str
    translation: str
    risk: float
    flags: list[Flag]
    features: dict[str, float] = field(default_factory=dict)
    scores: dict[str, float | None] = field(default_factory=dict)  # the scorers' values (None: not scored)

    def to_json(self) -> dict:
        data = {
            "line": self.line,
            "source": self.source,
            "translation": self.translation,
            "risk": round(self.risk, RISK_DIGITS),
            "flags": [flag.to_json() for flag in self.flags],
        }
        data.update({name: None if value is None else round(value, 4) for name, value in self.scores.items()})
        return data


def on_grid(threshold: float) -> float:
    """``threshold`` rounded up to RISK_DIGITS decimals."""
    scale = 10**RISK_DIGITS
    return min(math.ceil(round(threshold * scale, 6)) / scale, 1.0)


class PairScorer(Protocol):
    """An extra feature source over whole batches (the model's forced-decoding score, say)."""

    feature: str

    def score(self, sources: Sequence[str], translations: Sequence[str]) -> list[float | None]: ...


def default_detectors(table: LexicalTable, glossary: Glossary | None = None) -> list[Detector]:
    """The model-free detectors; the term detector only with a glossary."""
    detectors: list[Detector] = [
        EmptyDetector(),
        UntranslatedDetector(),
        ScriptDetector(),
        NumberDetector(),
        RepetitionDetector(),
        CoverageDetector(table),
        LengthDetector(table),
        EndingDetector(),
    ]
    if glossary is not None:
        detectors.append(TermDetector(glossary))
    return detectors


class QualityEstimator:
    """Score translations of Arabic sentences into ``tgt_lang`` with no reference (see docs/qe.md).

    ``threshold`` overrides the risk model's default; ``table`` and ``risk_model`` default to the shipped ones.
    """

    def __init__(
        self,
        tgt_lang: str,
        *,
        glossary: Glossary | None = None,
        threshold: float | None = None,
        table: LexicalTable | None = None,
        risk_model: RiskModel | None = None,
    ) -> None:
        if tgt_lang not in TARGETS:
            raise InputError(f"unknown target language {tgt_lang!r}: expected en or zh")
        if threshold is not None and not 0.0 <= threshold <= 1.0:
            raise InputError(f"threshold {threshold}: expected a number from 0 to 1")
        self.tgt_lang = tgt_lang
        self.table = table or LexicalTable.load(qe_table(tgt_lang))
        self.risk_model = risk_model or RiskModel.load(qe_risk(tgt_lang))
        self.threshold = on_grid(self.risk_model.threshold if threshold is None else threshold)
        self.detectors = default_detectors(self.table, glossary)

    def features(self, source: str, translation: str) -> tuple[dict[str, float], list[Flag]]:
        """All detectors' features and candidate flags for one pair."""
        pair = Pair(source, translation, self.tgt_lang)
        features: dict[str, float] = {}
        flags: list[Flag] = []
        for detector in self.detectors:
            detection = detector.detect(pair)
            features.update(detection.features)
            flags.extend(detection.flags)
        return features, flags

    def judge(
        self, line: int, source: str, translation: str, features: dict[str, float], flags: list[Flag]
    ) -> Assessment:
        """Combine features into risk; keep the flags when the risk reaches the threshold."""
        risk = self.risk_model.risk(features)
        if any(features.get(name) for name in RULE_FEATURES):
            risk = max(risk, self.threshold)
        if risk < self.threshold:
            return Assessment(line, source, translation, risk, [], features)
        empty = [flag for flag in flags if flag.kind == "empty"]
        flags = empty or flags  # an empty translation misses everything: that one flag says it all
        probabilities = self.risk_model.probabilities(features)
        flags = [
            flag
            for flag in flags
            if flag.kind not in HINT_PARTS
            or any(probabilities.get(part, 0.0) >= self.threshold for part in HINT_PARTS[flag.kind])
        ]
        if not flags:
            kind = self.risk_model.strongest(features)
            flags = [Flag(kind, f"risk {risk:.2f}: the {kind} signal is the strongest")]
        flags = sorted(flags, key=lambda f: KINDS.index(f.kind) if f.kind in KINDS else len(KINDS))
        return Assessment(line, source, translation, risk, flags, features)

    def assess(self, source: str, translation: str, line: int = 1) -> Assessment:
        """Score one pair."""
        features, flags = self.features(source, translation)
        return self.judge(line, source, translation, features, flags)

    def assess_all(
        self, sources: Sequence[str], translations: Sequence[str], *, scorers: Iterable[PairScorer] = ()
    ) -> Iterator[Assessment]:
        """Score line-parallel sentences in order (line numbers from 1); scorers add batch features."""
        if len(sources) != len(translations):
            raise InputError(f"{len(sources)} source lines but {len(translations)} translations")
        extra = [(scorer.feature, scorer.score(sources, translations)) for scorer in scorers]
        for index, (source, translation) in enumerate(zip(sources, translations)):
            features, flags = self.features(source, translation)
            scores = {name: values[index] for name, values in extra}
            features.update({name: value for name, value in scores.items() if value is not None})
            if features.get(MODEL_FEATURE) is not None:  # a hint: listed when the model's part reaches the threshold
                flags.append(Flag("model", f"mean log-prob {features[MODEL_FEATURE]:.2f} under the model"))
            assessment = self.judge(index + 1, source, translation, features, flags)
            assessment.scores = scores
            yield assessment


def load_glossary(path: str | Path | None) -> Glossary | None:
    """The glossary at ``path`` (any format the glossary package reads), or None."""
    return None if path is None else Glossary.load(path)
