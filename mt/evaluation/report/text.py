"""The terminal report: plain-text tables, one section after another.

The tables are tabulate's (the library sacrebleu prints its own tables with, loaded with it): cells are printed as
they are written (a file name is never read as markup), and with wcwidth installed (a dependency) tabulate counts a
Chinese character as two columns, as a terminal shows it. Only the outputs quoted in the differences section are
cut to the width (a terminal's, else 120 columns), by columns too.
"""

from __future__ import annotations

from typing import Sequence

from tabulate import tabulate
from wcwidth import wcwidth

from mt.evaluation.analysis import FrequencyAnalysis, LengthAnalysis
from mt.evaluation.report.common import comparison_rows, p_text, pct, score_text, tests_run, worst_metric_note
from mt.evaluation.result import EvaluationResult
from mt.evaluation.terminology import TerminologyResult

STYLE = "simple_outline"  # box-drawing rules around the table and under the header


def clip(text: str, columns: int) -> str:
    """``text`` in at most ``columns`` terminal columns (a Chinese character takes two), cut with "…" when longer."""
    widths = [max(0, wcwidth(char)) for char in text]
    if sum(widths) <= columns:
        return text
    used, end = 1, 0  # the ellipsis takes one column
    while end < len(text) and used + widths[end] <= columns:
        used += widths[end]
        end += 1
    return text[:end] + "…"


def _table(
    title: str, headers: Sequence[str], rows: Sequence[Sequence[str]], right: frozenset[int] = frozenset()
) -> str:
    """A section: its title on a line of its own, then the table (``right``: the columns aligned right)."""
    width = len(headers) if headers else max((len(row) for row in rows), default=0)
    table = tabulate(
        [list(row) for row in rows],
        headers=list(headers),
        tablefmt=STYLE,
        colalign=["right" if i in right else "left" for i in range(width)],
        disable_numparse=True,  # the cells are formatted here: "1.50" stays "1.50", "007" stays "007"
    )
    return f"{title}\n{table}"


def _scores(result: EvaluationResult) -> str:
    ci = result.settings.get("confidence_samples")
    headers = ["system", *[f"{m} (± 95% CI)" if ci else m for m in result.metrics]]
    if result.terminology:
        headers.append("terms")
    rows = []
    for i, system in enumerate(result.systems):
        row = [("baseline: " if i == 0 and len(result.systems) > 1 else "") + system.name]
        row += [score_text(system.scores[m]) for m in result.metrics]
        if result.terminology:
            acc = result.terminology.totals[system.name]
            row.append(f"{pct(acc.accuracy)} ({acc.hits}/{acc.total})")
        rows.append(row)
    if result.terminology:
        ref = result.terminology.reference
        rows.append(
            ["reference (ceiling)", *[""] * len(result.metrics), f"{pct(ref.accuracy)} ({ref.hits}/{ref.total})"]
        )
    title = (
        f"{len(result.systems)} system(s), {result.segments} segments, {len(result.references)} reference(s), "
        f"target {result.lang}, BLEU tokenizer {result.tokenize}"
    )
    return _table(title, headers, rows, right=frozenset(range(1, len(headers))))


def _comparisons(result: EvaluationResult) -> str:
    tests = tests_run(result)
    headers = ["system", "metric", "delta"]
    for test in tests:
        n = next(c.samples for c in result.comparisons if c.test == test)
        headers.append(f"p ({test}, n={n})")
    rows = [
        [system, metric, delta, *[p_text(by_test[t]) if t in by_test else "" for t in tests]]
        for system, metric, delta, by_test in comparison_rows(result)
    ]
    title = f"paired tests against the baseline {result.systems[0].name} (* p < 0.05)"
    return _table(title, headers, rows, right=frozenset(range(2, len(headers))))


def _signatures(result: EvaluationResult) -> str:
    rows = [[metric, result.systems[0].scores[metric].signature] for metric in result.metrics]
    seen = set()
    for c in result.comparisons:
        if (c.metric, c.test) not in seen:
            seen.add((c.metric, c.test))
            rows.append([f"{c.metric} {c.test}", c.signature])
    return _table("sacrebleu signatures", [], rows)


def _terminology(result: EvaluationResult, t: TerminologyResult) -> str:
    headers = ["term", "source", "n", *[clip(s.name, 20) for s in result.systems], "reference"]
    rows = [
        [
            row.preferred or row.concept_id,
            ", ".join(row.sources),
            str(row.occurrences),
            *[str(row.hits[s.name]) for s in result.systems],
            str(row.reference_hits),
        ]
        for row in t.rows
    ]
    return _table(
        f"terminology ({t.glossary}): hits out of occurrences", headers, rows, right=frozenset(range(2, len(headers)))
    )


def _length(result: EvaluationResult, length: LengthAnalysis) -> str:
    metric = result.ranking_metric()
    headers = ["length", "segments", *[clip(s.name, 20) for s in result.systems]]
    rows = [
        [
            bucket.label,
            str(bucket.segments),
            *[f"{bucket.scores[s.name][metric]:.2f}" if bucket.segments else "-" for s in result.systems],
        ]
        for bucket in length.buckets
    ]
    return _table(
        f"{metric} by reference length ({length.unit})", headers, rows, right=frozenset(range(1, len(headers)))
    )


def _frequency(result: EvaluationResult, f: FrequencyAnalysis) -> str:
    headers = ["frequency", "ref words", *[clip(s.name, 20) for s in result.systems]]
    first = f.systems[result.systems[0].name]
    rows = [
        [label, str(first[i].ref_words), *[f"{f.systems[s.name][i].f_measure:.4f}" for s in result.systems]]
        for i, label in enumerate(f.labels)
    ]
    title = f"word F-measure by frequency bucket (frequency from {f.frequency_source})"
    return _table(title, headers, rows, right=frozenset(range(1, len(headers))))


def _differences(result: EvaluationResult, text_width: int) -> str:
    headers = ["line", "system", "delta", "baseline output", "system output"]
    rows = [
        [
            str(d.line),
            d.system,
            f"{d.delta:+.1f}",
            clip(result.systems[0].hypotheses[d.line - 1], text_width),
            clip(result.system(d.system).hypotheses[d.line - 1], text_width),
        ]
        for d in result.differences
    ]
    title = f"segments where the systems differ most, by {worst_metric_note(result)}"
    return _table(title, headers, rows, right=frozenset({0, 2}))


def sections(result: EvaluationResult, text_width: int = 60) -> list[str]:
    """The report's sections, in order (``text_width``: the most characters of an output shown in a cell)."""
    out = [_scores(result)]
    if result.comparisons:
        out.append(_comparisons(result))
    out.append(_signatures(result))
    if result.terminology and result.terminology.rows:
        out.append(_terminology(result, result.terminology))
    if result.length:
        out.append(_length(result, result.length))
    if result.frequency:
        out.append(_frequency(result, result.frequency))
    if result.differences:
        out.append(_differences(result, text_width))
    out += [f"warning: {warning}" for warning in result.warnings]
    return out


def render_text(result: EvaluationResult, width: int = 120) -> str:
    """The report as plain text, an output shown in at most about half of ``width`` columns."""
    return "\n\n".join(sections(result, text_width=max(20, (width - 30) // 2))) + "\n"
