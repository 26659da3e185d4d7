"""The risk model: one small logistic regression per kind of failure, fitted on a synthetic corruption set;
``risk`` is the probability that at least one part fires (noisy-OR: 1 - the product of 1 - p), so that every
part moves the ranking while the strongest one dominates, and the kind of the strongest part names the signal.

Each part reads only the features that bear on its failure (the loop part the repetition and the length, the
detached part the two coverages and the length, ...), so one part's noise never dilutes another's evidence.
The shipped coefficients (mt/data/qe/risk.ar-<lang>.json) say how they were fitted; ``threshold`` is the risk at
and above which a pair is flagged, chosen on the fitting set for a target share of clean pairs flagged.
:func:`mt.qe.training.fit_risk` refits them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from mt.errors import InputError

#: The parts of the risk model: the flag kind each speaks for, and the features it reads. (A missing glossary
#: term is a rule, not an estimate: see mt.qe.estimator.RULE_FEATURES.)
PARTS: dict[str, tuple[str, ...]] = {
    "empty": ("empty",),
    "untranslated": ("untranslated",),
    "script": ("script",),
    "number": ("number_missing", "number_added"),
    "repetition": ("repetition", "too_long", "too_long_sq"),
    "omission": ("omission", "hallucination", "too_short", "too_short_sq", "tail_gap"),
    "hallucination": ("omission", "hallucination", "detached", "unrelated", "too_short", "too_long"),
    "truncation": ("unfinished", "too_short", "omission", "tail_gap"),
}
#: Parts that speak for another flag kind: a translation that stops mid-sentence has lost its end (an omission).
#: Truncation is its own part so that the omission part keeps learning from coverage and length alone (fitted
#: together, the sentence-final mark took over and omissions that keep it were caught less often).
PART_KIND = {"truncation": "omission"}

#: The model's forced-decoding score (mt.qe.model_score, `mt qe --model`) and the part that reads it. The part is
#: fitted per model (mt.qe.model_score.calibrate), never shipped; without its feature it stays silent.
MODEL_FEATURE = "model_score"
MODEL_PART = "model"


@dataclass(frozen=True)
class Part:
    """One logistic regression: probability = sigmoid(bias + sum of weight * feature)."""

    weights: Mapping[str, float]
    bias: float

    def logit(self, features: Mapping[str, float]) -> float:
        return self.bias + sum(w * features.get(name, 0.0) for name, w in self.weights.items())

    def probability(self, features: Mapping[str, float]) -> float:
        return 1.0 / (1.0 + math.exp(-max(min(self.logit(features), 60.0), -60.0)))


@dataclass(frozen=True)
class RiskModel:
    """risk = 1 - prod(1 - part probability) (noisy-OR); flagged when risk >= threshold."""

    parts: Mapping[str, Part]
    threshold: float
    meta: dict = field(default_factory=dict)

    def probabilities(self, features: Mapping[str, float]) -> dict[str, float]:
        """Each part's probability, by kind."""
        return {
            kind: part.probability(features)
            for kind, part in self.parts.items()
            if kind != MODEL_PART or MODEL_FEATURE in features
        }

    def strongest(self, features: Mapping[str, float]) -> str:
        """The flag kind of the part that gives the highest probability."""
        probabilities = self.probabilities(features)
        part = max(probabilities, key=lambda kind: probabilities[kind])
        return PART_KIND.get(part, part)

    def risk(self, features: Mapping[str, float]) -> float:
        quiet = 1.0
        for probability in self.probabilities(features).values():
            quiet *= 1.0 - probability
        return 1.0 - quiet

    def to_json(self) -> dict:
        return {
            "parts": {kind: {"weights": dict(part.weights), "bias": part.bias} for kind, part in self.parts.items()},
            "threshold": self.threshold,
            "meta": self.meta,
        }

    @classmethod
    def load(cls, path: Path) -> "RiskModel":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            parts = {kind: Part(p["weights"], float(p["bias"])) for kind, p in data["parts"].items()}
            return cls(parts, float(data["threshold"]), data.get("meta", {}))
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise InputError(f"{path}: not a risk model ({error})") from error
