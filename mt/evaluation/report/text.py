"""The terminal report: rich tables (plain text when written to a file or a pipe)."""

from __future__ import annotations

import io

from rich.console import Console, Group, JustifyMethod, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from mt.evaluation.report.common import comparison_rows, p_text, pct, score_text, shorten, tests_run, worst_metric_note
from mt.evaluation.analysis import FrequencyAnalysis, LengthAnalysis
from mt.evaluation.result import EvaluationResult
from mt.evaluation.terminology import TerminologyResult


def _titled(title: str, table: Table) -> RenderableType:
    """The table with its title above it, unwrapped (rich would wrap a title to the table's width)."""
    return Group(Padding(Text(title, style="bold"), (1, 0, 0, 0)), table)


def _row(table: Table, *cells: str) -> None:
    table.add_row(*[Text(cell) for cell in cells])  # Text: no rich markup is read from file content


def _scores(result: EvaluationResult) -> RenderableType:
    ci = result.settings.get("confidence_samples")
    table = Table()
    table.add_column("system", overflow="fold")
    for metric in result.metrics:
        table.add_column(f"{metric} (± 95% CI)" if ci else metric, justify="right")
    if result.terminology:
        table.add_column("terms", justify="right")
    for i, system in enumerate(result.systems):
        row = [("baseline: " if i == 0 and len(result.systems) > 1 else "") + system.name]
        row += [score_text(system.scores[m]) for m in result.metrics]
        if result.terminology:
            acc = result.terminology.totals[system.name]
            row.append(f"{pct(acc.accuracy)} ({acc.hits}/{acc.total})")
        _row(table, *row)
    if result.terminology:
        ref = result.terminology.reference
        _row(table, "reference (ceiling)", *[""] * len(result.metrics), f"{pct(ref.accuracy)} ({ref.hits}/{ref.total})")
    title = (
        f"{len(result.systems)} system(s), {result.segments} segments, {len(result.references)} reference(s), "
        f"target {result.lang}, BLEU tokenizer {result.tokenize}"
    )
    return _titled(title, table)


def _comparisons(result: EvaluationResult) -> RenderableType:
    tests = tests_run(result)
    table = Table()
    columns: list[tuple[str, JustifyMethod]] = [("system", "left"), ("metric", "left"), ("delta", "right")]
    for name, justify in columns:
        table.add_column(name, justify=justify, overflow="fold")
    for test in tests:
        n = next(c.samples for c in result.comparisons if c.test == test)
        table.add_column(f"p ({test}, n={n})", justify="right")
    for system, metric, delta, by_test in comparison_rows(result):
        _row(table, system, metric, delta, *[p_text(by_test[t]) if t in by_test else "" for t in tests])
    return _titled(f"paired tests against the baseline {result.systems[0].name} (* p < 0.05)", table)


def _signatures(result: EvaluationResult) -> RenderableType:
    table = Table(show_header=False)
    table.add_column("metric")
    table.add_column("signature", overflow="fold")
    for metric in result.metrics:
        _row(table, metric, result.systems[0].scores[metric].signature)
    seen = set()
    for c in result.comparisons:
        if (c.metric, c.test) not in seen:
            seen.add((c.metric, c.test))
            _row(table, f"{c.metric} {c.test}", c.signature)
    return _titled("sacrebleu signatures", table)


def _terminology(result: EvaluationResult, t: TerminologyResult) -> RenderableType:
    table = Table()
    for name in ("term", "source", "n"):
        table.add_column(name, justify="right" if name == "n" else "left")
    for system in result.systems:
        table.add_column(shorten(system.name, 20), justify="right")
    table.add_column("reference", justify="right")
    for row in t.rows:
        _row(
            table,
            row.preferred or row.concept_id,
            ", ".join(row.sources),
            str(row.occurrences),
            *[str(row.hits[s.name]) for s in result.systems],
            str(row.reference_hits),
        )
    return _titled(f"terminology ({t.glossary}): hits out of occurrences", table)


def _length(result: EvaluationResult, length: LengthAnalysis) -> RenderableType:
    metric = result.ranking_metric()
    table = Table()
    table.add_column("length")
    table.add_column("segments", justify="right")
    for system in result.systems:
        table.add_column(shorten(system.name, 20), justify="right")
    for bucket in length.buckets:
        _row(
            table,
            bucket.label,
            str(bucket.segments),
            *[f"{bucket.scores[s.name][metric]:.2f}" if bucket.segments else "-" for s in result.systems],
        )
    return _titled(f"{metric} by reference length ({length.unit})", table)


def _frequency(result: EvaluationResult, f: FrequencyAnalysis) -> RenderableType:
    table = Table()
    table.add_column("frequency")
    table.add_column("ref words", justify="right")
    for system in result.systems:
        table.add_column(shorten(system.name, 20), justify="right")
    first = f.systems[result.systems[0].name]
    for i, label in enumerate(f.labels):
        _row(table, label, str(first[i].ref_words), *[f"{f.systems[s.name][i].f_measure:.4f}" for s in result.systems])
    return _titled(f"word F-measure by frequency bucket (frequency from {f.frequency_source})", table)


def _differences(result: EvaluationResult, text_width: int) -> RenderableType:
    table = Table()
    for name in ("line", "system", "delta", "baseline output", "system output"):
        table.add_column(name, overflow="fold", justify="right" if name in ("line", "delta") else "left")
    for d in result.differences:
        _row(
            table,
            str(d.line),
            d.system,
            f"{d.delta:+.1f}",
            shorten(result.systems[0].hypotheses[d.line - 1], text_width),
            shorten(result.system(d.system).hypotheses[d.line - 1], text_width),
        )
    return _titled(f"segments where the systems differ most, by {worst_metric_note(result)}", table)


def renderables(result: EvaluationResult, text_width: int = 60) -> list[RenderableType]:
    """The report's sections, in order."""
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
    out += [Text(f"warning: {warning}") for warning in result.warnings]
    return out


def render_text(result: EvaluationResult, width: int = 120) -> str:
    """The report as plain text (no colours), ``width`` columns wide."""
    buffer = io.StringIO()
    console = Console(
        file=buffer, width=width, color_system=None, force_terminal=False, highlight=False, emoji=False, markup=False
    )
    console.print(Group(*renderables(result)))
    return buffer.getvalue()


def print_text(result: EvaluationResult, console: Console) -> None:
    """Print the report on a rich console (the terminal)."""
    for item in renderables(result):
        console.print(item)
