"""The Markdown report (GitHub-flavoured tables); file text is escaped so it cannot break a table or inject HTML."""

from __future__ import annotations

import html
import re
from typing import AbstractSet

from mt.evaluation.report.common import comparison_rows, p_text, pct, score_text, shorten, tests_run, worst_metric_note
from mt.evaluation.result import EvaluationResult

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")


def md(text: str) -> str:
    """Escape ``text`` for a Markdown table cell: HTML entities, Markdown punctuation, pipes, line breaks."""
    text = html.escape(text, quote=False).replace("\r", " ").replace("\n", " ")
    return _SPECIAL.sub(r"\\\1", text)


def _table(header: list[str], rows: list[list[str]], right: AbstractSet[int] = frozenset()) -> list[str]:
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---:" if i in right else "---" for i in range(len(header))) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines + [""]


def render_markdown(result: EvaluationResult, text_width: int = 80) -> str:
    """The report as Markdown; segments are shortened to ``text_width`` characters."""
    out = [
        *_overview(result),
        *_scores_section(result),
        *_comparisons_section(result),
        *_signatures_section(result),
        *_terminology_section(result),
        *_length_section(result),
        *_frequency_section(result),
        *_differences_section(result, text_width),
        *_worst_section(result, text_width),
    ]
    if result.warnings:
        out += ["## Warnings", ""] + [f"- {md(w)}" for w in result.warnings] + [""]
    return "\n".join(out)


def _overview(result: EvaluationResult) -> list[str]:
    return [
        "# Evaluation report",
        "",
        f"{len(result.systems)} system(s), {result.segments} segments, {len(result.references)} reference(s) "
        f"({', '.join(md(r) for r in result.references)}), target `{result.lang}`, "
        f"BLEU tokenizer `{result.tokenize}`, sacrebleu {result.settings.get('sacrebleu_version', '')}.",
        "",
    ]


def _scores_section(result: EvaluationResult) -> list[str]:
    """The scores table, with terminology accuracy and its reference ceiling when a glossary was given."""
    systems = result.systems
    ci = result.settings.get("confidence_samples")
    header = ["system"] + [f"{m} (± 95% CI)" if ci else m for m in result.metrics]
    if result.terminology:
        header.append("terms")
    rows = []
    for i, system in enumerate(systems):
        row = [("baseline: " if i == 0 and len(systems) > 1 else "") + md(system.name)]
        row += [score_text(system.scores[m]) for m in result.metrics]
        if result.terminology:
            acc = result.terminology.totals[system.name]
            row.append(f"{pct(acc.accuracy)} ({acc.hits}/{acc.total})")
        rows.append(row)
    if result.terminology:
        ref = result.terminology.reference
        rows.append(
            ["reference (ceiling)"] + [""] * len(result.metrics) + [f"{pct(ref.accuracy)} ({ref.hits}/{ref.total})"]
        )
    return ["## Scores", ""] + _table(header, rows, set(range(1, len(header))))


def _comparisons_section(result: EvaluationResult) -> list[str]:
    if not result.comparisons:
        return []
    tests = tests_run(result)
    header = ["system", "metric", "delta"] + [f"p ({t})" for t in tests]
    rows = [
        [md(system), metric, delta] + [p_text(by[t]) if t in by else "" for t in tests]
        for system, metric, delta, by in comparison_rows(result)
    ]
    return [
        "## Paired tests",
        "",
        f"Against the baseline {md(result.systems[0].name)}; * marks p < 0.05.",
        "",
    ] + _table(header, rows, set(range(2, len(header))))


def _signatures_section(result: EvaluationResult) -> list[str]:
    """sacrebleu's signature of each metric, then of each paired test (once per metric and test)."""
    out = ["## Signatures", ""]
    out += [f"- {m}: `{result.systems[0].scores[m].signature}`" for m in result.metrics]
    seen = set()
    for c in result.comparisons:
        if (c.metric, c.test) not in seen:
            seen.add((c.metric, c.test))
            out.append(f"- {c.metric} {c.test}: `{c.signature}`")
    return out + [""]


def _terminology_section(result: EvaluationResult) -> list[str]:
    t = result.terminology
    if not (t and t.rows):
        return []
    systems = result.systems
    header = ["term", "source", "n"] + [md(s.name) for s in systems] + ["reference"]
    rows = [
        [md(r.preferred or r.concept_id), md(", ".join(r.sources)), str(r.occurrences)]
        + [str(r.hits[s.name]) for s in systems]
        + [str(r.reference_hits)]
        for r in t.rows
    ]
    return [
        "## Terminology",
        "",
        f"Glossary {md(t.glossary)}: hits out of source-term occurrences (WMT21 exact match).",
        "",
    ] + _table(header, rows, set(range(2, len(header))))


def _length_section(result: EvaluationResult) -> list[str]:
    if not result.length:
        return []
    metric = result.ranking_metric()
    header = ["length", "segments"] + [md(s.name) for s in result.systems]
    rows = [
        [md(b.label), str(b.segments)]
        + [f"{b.scores[s.name][metric]:.2f}" if b.segments else "-" for s in result.systems]
        for b in result.length.buckets
    ]
    return [f"## {metric} by reference length ({result.length.unit})", ""] + _table(
        header, rows, set(range(1, len(header)))
    )


def _frequency_section(result: EvaluationResult) -> list[str]:
    f = result.frequency
    if not f:
        return []
    systems = result.systems
    first = f.systems[systems[0].name]
    header = ["frequency", "ref words"] + [md(s.name) for s in systems]
    rows = [
        [md(label), str(first[i].ref_words)] + [f"{f.systems[s.name][i].f_measure:.4f}" for s in systems]
        for i, label in enumerate(f.labels)
    ]
    return ["## Word F-measure by frequency", "", f"Frequencies from {md(f.frequency_source)}.", ""] + _table(
        header, rows, set(range(1, len(header)))
    )


def _differences_section(result: EvaluationResult, text_width: int) -> list[str]:
    if not result.differences:
        return []
    rows = [
        [
            str(d.line),
            md(d.system),
            f"{d.delta:+.1f}",
            md(shorten(result.systems[0].hypotheses[d.line - 1], text_width)),
            md(shorten(result.system(d.system).hypotheses[d.line - 1], text_width)),
        ]
        for d in result.differences
    ]
    return ["## Segments where the systems differ most", "", f"By {md(worst_metric_note(result))}.", ""] + _table(
        ["line", "system", "delta", "baseline output", "system output"], rows, {0, 2}
    )


def _worst_section(result: EvaluationResult, text_width: int) -> list[str]:
    """The worst segments: the source (when given), the reference and every system's output with its score."""
    if not result.worst:
        return []
    systems = result.systems
    metric = result.ranking_metric()
    rows = []
    for i in result.worst:
        row = [str(i + 1)]
        if result.sources is not None:
            row.append(md(shorten(result.sources[i], text_width)))
        row.append(md(shorten(result.reference_lines[0][i], text_width)))
        row += [f"{md(shorten(s.hypotheses[i], text_width))} ({s.segment_scores[metric][i]:.1f})" for s in systems]
        rows.append(row)
    header = (
        ["line"] + (["source"] if result.sources is not None else []) + ["reference"] + [md(s.name) for s in systems]
    )
    return ["## Worst segments", "", f"Lowest mean sentence {metric} over the systems.", ""] + _table(header, rows, {0})
