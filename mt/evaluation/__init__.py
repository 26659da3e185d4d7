"""Evaluation: sacrebleu metrics (BLEU, chrF, chrF++, TER) with signatures, confidence intervals and paired
significance tests, terminology accuracy, compare-mt-style analysis, and reports (text, JSON, Markdown, HTML).

    from mt.evaluation import evaluate
    result = evaluate({"base": base_lines, "new": new_lines}, [ref_lines], lang="en")
    result.systems[1].scores["BLEU"].score, result.comparisons[0].p_value, result.to_dict()
"""

from mt.evaluation.evaluator import evaluate, evaluate_files, summary_line
from mt.evaluation.metrics import DEFAULT_METRICS, METRIC_NAMES
from mt.evaluation.result import SCHEMA, EvaluationResult, MetricScore, SystemResult
from mt.evaluation.significance import Comparison

__all__ = [
    "evaluate",
    "evaluate_files",
    "summary_line",
    "EvaluationResult",
    "SystemResult",
    "MetricScore",
    "Comparison",
    "METRIC_NAMES",
    "DEFAULT_METRICS",
    "SCHEMA",
]
