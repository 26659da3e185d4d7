"""Formatting shared by the human-readable reports."""

from __future__ import annotations

from mt.evaluation.result import EvaluationResult, MetricScore
from mt.evaluation.significance import Comparison


def score_text(score: MetricScore, decimals: int = 2) -> str:
    """``77.82 ± 1.74`` (score, then the 95% CI half-width around the bootstrap mean, as sacrebleu)."""
    text = f"{score.score:.{decimals}f}"
    if score.ci is not None:
        text += f" ± {score.ci.half_width:.{decimals}f}"
    return text


def p_text(comparison: Comparison) -> str:
    mark = "*" if comparison.significant else ""
    return f"{comparison.p_value:.4f}{mark}"


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def comparison_rows(result: EvaluationResult) -> list[tuple[str, str, str, dict[str, Comparison]]]:
    """(system, metric, delta, {test: comparison}) rows, grouped by system then metric."""
    rows: dict[tuple[str, str], dict[str, Comparison]] = {}
    for c in result.comparisons:
        rows.setdefault((c.system, c.metric), {})[c.test] = c
    out = []
    for (system, metric), tests in rows.items():
        any_c = next(iter(tests.values()))
        out.append((system, metric, f"{any_c.delta:+.2f}", tests))
    return out


def tests_run(result: EvaluationResult) -> list[str]:
    seen: list[str] = []
    for c in result.comparisons:
        if c.test not in seen:
            seen.append(c.test)
    return seen


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def worst_metric_note(result: EvaluationResult) -> str:
    metric = result.sentence_metric or ""
    signature = result.sentence_signatures.get(metric, "")
    return f"sentence {metric} ({signature})" if signature else f"sentence {metric}"
