"""The risk model: a logistic regression over the detectors' features, fitted on a synthetic corruption set.

The shipped coefficients (mt/data/qe/risk.ar-<lang>.json) say how they were fitted; ``threshold`` is the risk
at and above which a pair is flagged, chosen on the fitting set for a target share of clean pairs flagged.
:func:`mt.qe.training.fit_risk` refits it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from mt.errors import InputError

#: The flag kind each feature speaks for.
FEATURE_KIND = {"empty": "empty", "untranslated": "untranslated", "script": "script", "number_missing": "number",
                "number_added": "number", "detached": "hallucination", "too_short_sq": "length", "too_long_sq": "length",
                "term": "term", "repetition": "repetition", "omission": "omission",
                "hallucination": "hallucination", "too_short": "length", "too_long": "length",
                "model": "hallucination"}


@dataclass(frozen=True)
class RiskModel:
    """risk = sigmoid(bias + sum of weight * feature); flagged when risk >= threshold."""

    weights: Mapping[str, float]
    bias: float
    threshold: float
    meta: dict = field(default_factory=dict)

    def contributions(self, features: Mapping[str, float]) -> dict[str, float]:
        """Each feature's share of the logit (features the model does not know contribute nothing)."""
        return {name: self.weights[name] * value for name, value in features.items() if name in self.weights}

    def risk(self, features: Mapping[str, float]) -> float:
        logit = self.bias + sum(self.contributions(features).values())
        return 1.0 / (1.0 + math.exp(-max(min(logit, 60.0), -60.0)))

    def to_json(self) -> dict:
        return {"weights": dict(self.weights), "bias": self.bias, "threshold": self.threshold, "meta": self.meta}

    @classmethod
    def load(cls, path: Path) -> "RiskModel":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(data["weights"], float(data["bias"]), float(data["threshold"]), data.get("meta", {}))
        except (OSError, ValueError, KeyError) as error:
            raise InputError(f"{path}: not a risk model ({error})") from error
