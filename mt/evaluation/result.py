"""The result of an evaluation: typed dataclasses, and their stable JSON form (:meth:`EvaluationResult.to_dict`).

JSON keys that outside tools rely on (schema ``tarjama.evaluation/1``): a top-level ``systems`` list, each with
``name`` and ``scores``, a mapping from sacrebleu's metric name (``BLEU``, ``chrF2``, ``chrF2++``, ``TER``) to
an object with ``score`` and ``signature`` (and ``ci`` when confidence intervals were computed); a
``comparisons`` list, each with ``baseline``, ``system``, ``metric``, ``test`` and ``p_value``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mt.evaluation.analysis import FrequencyAnalysis, LengthAnalysis, SegmentDifference, WordAccuracy
from mt.evaluation.metrics import Interval
from mt.evaluation.significance import Comparison
from mt.evaluation.terminology import SegmentTerms, TerminologyResult

SCHEMA = "tarjama.evaluation/1"


@dataclass
class MetricScore:
    """A corpus score with its sacrebleu signature (plain corpus-score signature) and optional 95% CI."""

    name: str
    score: float
    signature: str
    verbose: str = ""
    ci: Interval | None = None
    ci_signature: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"score": self.score, "signature": self.signature}
        if self.verbose:
            out["verbose"] = self.verbose
        if self.ci is not None:
            out["ci"] = {
                "mean": self.ci.mean,
                "half_width": self.ci.half_width,
                "low": self.ci.low,
                "high": self.ci.high,
                "samples": self.ci.samples,
                "seed": self.ci.seed,
                "signature": self.ci_signature,
            }
        return out


@dataclass
class SystemResult:
    """One system: its corpus scores, its per-segment scores and its terminology hits."""

    name: str
    hypotheses: list[str] = field(repr=False)
    scores: dict[str, MetricScore]
    segment_scores: dict[str, list[float]] = field(repr=False)  # metric name -> one score per segment
    terms: list[SegmentTerms] | None = field(default=None, repr=False)

    def to_dict(self, terminology: TerminologyResult | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "scores": {k: v.to_dict() for k, v in self.scores.items()}}
        if terminology is not None and self.name in terminology.totals:
            acc = terminology.totals[self.name]
            out["terminology"] = {"hits": acc.hits, "total": acc.total, "accuracy": acc.accuracy}
        return out


@dataclass
class EvaluationResult:
    """Everything `mt evaluate` reports. ``systems[0]`` is the baseline of the comparisons."""

    lang: str
    tokenize: str
    metrics: list[str]
    references: list[str]  # reference names (paths for files)
    reference_lines: list[list[str]] = field(repr=False)
    systems: list[SystemResult]
    comparisons: list[Comparison] = field(default_factory=list)
    terminology: TerminologyResult | None = None
    length: LengthAnalysis | None = None
    frequency: FrequencyAnalysis | None = None
    differences: list[SegmentDifference] = field(default_factory=list)
    worst: list[int] = field(default_factory=list)  # 0-based segment indices, worst first
    sentence_metric: str | None = None  # the metric ranking differences and worst segments
    sentence_signatures: dict[str, str] = field(default_factory=dict)
    sources: list[str] | None = field(default=None, repr=False)
    warnings: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def segments(self) -> int:
        return len(self.reference_lines[0]) if self.reference_lines else 0

    def ranking_metric(self) -> str:
        """:attr:`sentence_metric`, which every analysis that ranks or buckets segments has."""
        if self.sentence_metric is None:
            raise ValueError("this evaluation has no sentence metric (no segment analysis was run)")
        return self.sentence_metric

    def system(self, name: str) -> SystemResult:
        for system in self.systems:
            if system.name == name:
                return system
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """The machine-readable report (stable keys; floats unrounded)."""
        out: dict[str, Any] = {
            "schema": SCHEMA,
            "lang": self.lang,
            "tokenize": self.tokenize,
            "segments": self.segments,
            "references": list(self.references),
            "metrics": list(self.metrics),
            "settings": dict(self.settings),
            "systems": [s.to_dict(self.terminology) for s in self.systems],
            "comparisons": [_comparison_dict(c) for c in self.comparisons],
            "warnings": list(self.warnings),
        }
        if self.terminology is not None:
            out["terminology"] = _terminology_dict(self.terminology)
        out["analysis"] = self._analysis_dict()
        return out

    def _analysis_dict(self) -> dict[str, Any]:
        analysis: dict[str, Any] = {}
        if self.length is not None:
            analysis["length_buckets"] = {
                "unit": self.length.unit,
                "cutoffs": list(self.length.cutoffs),
                "buckets": [
                    {"label": b.label, "segments": b.segments, "scores": b.scores} for b in self.length.buckets
                ],
            }
        if self.frequency is not None:
            f = self.frequency
            analysis["word_f_by_frequency"] = {
                "frequency_source": f.frequency_source,
                "cutoffs": list(f.cutoffs),
                "labels": f.labels,
                "systems": {name: [_word_f_dict(w) for w in rows] for name, rows in f.systems.items()},
            }
        if self.sentence_metric:
            analysis["sentence_metric"] = self.sentence_metric
            analysis["differences"] = [
                {
                    "line": d.line,
                    "baseline": d.baseline,
                    "system": d.system,
                    "metric": d.metric,
                    "baseline_score": d.baseline_score,
                    "system_score": d.system_score,
                    "delta": d.delta,
                }
                for d in self.differences
            ]
            analysis["worst_segments"] = [i + 1 for i in self.worst]
        return analysis

    def segment_records(self) -> list[dict[str, Any]]:
        """Per-segment records (one per system and line) for the JSONL file."""
        records = []
        for system in self.systems:
            for i, hyp in enumerate(system.hypotheses):
                record: dict[str, Any] = {"system": system.name, "line": i + 1, "hypothesis": hyp}
                for metric, scores in system.segment_scores.items():
                    record[metric] = scores[i]
                if system.terms is not None:
                    t = system.terms[i]
                    record["terms"] = {"found": t.found, "hit": t.hit, "missed": t.missed}
                records.append(record)
        return records


def _comparison_dict(c: Comparison) -> dict[str, Any]:
    return {
        "baseline": c.baseline,
        "system": c.system,
        "metric": c.metric,
        "test": c.test,
        "samples": c.samples,
        "baseline_score": c.baseline_score,
        "system_score": c.system_score,
        "delta": c.delta,
        "p_value": c.p_value,
        "significant": c.significant,
        "signature": c.signature,
    }


def _terminology_dict(t: TerminologyResult) -> dict[str, Any]:
    return {
        "glossary": t.glossary,
        "lines_with_terms": t.lines_with_terms,
        "reference": {"hits": t.reference.hits, "total": t.reference.total, "accuracy": t.reference.accuracy},
        "systems": {name: {"hits": a.hits, "total": a.total, "accuracy": a.accuracy} for name, a in t.totals.items()},
        "terms": [
            {
                "id": r.concept_id,
                "target": r.preferred,
                "sources": r.sources,
                "occurrences": r.occurrences,
                "hits": r.hits,
                "reference_hits": r.reference_hits,
            }
            for r in t.rows
        ],
    }


def _word_f_dict(w: WordAccuracy) -> dict[str, Any]:
    return {
        "label": w.label,
        "matches": w.matches,
        "ref_words": w.ref_words,
        "hyp_words": w.hyp_words,
        "precision": w.precision,
        "recall": w.recall,
        "f_measure": w.f_measure,
    }
