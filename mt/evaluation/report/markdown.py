"""The Markdown report (GitHub-flavoured tables); file text is escaped so it cannot break a table or inject HTML."""

from __future__ import annotations

import html
import re

from mt.evaluation.report.common import comparison_rows, p_text, pct, score_text, shorten, tests_run, \
    worst_metric_note
from mt.evaluation.result import EvaluationResult

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")


def md(text: str) -> str:
    """Escape ``text`` for a Markdown table cell: HTML entities, Markdown punctuation, pipes, line breaks."""
    text = html.escape(text, quote=False).replace("\r", " ").replace("\n", " ")
    return _SPECIAL.sub(r"\\\1", text)


def _table(header: list[str], rows: list[list[str]], right: set[int] = frozenset()) -> list[str]:
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---:" if i in right else "---" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines + [""]


def render_markdown(result: EvaluationResult, text_width: int = 80) -> str:
    systems = result.systems
    out = ["# Evaluation report", "",
           f"{len(systems)} system(s), {result.segments} segments, {len(result.references)} reference(s) "
           f"({', '.join(md(r) for r in result.references)}), target `{result.lang}`, "
           f"BLEU tokenizer `{result.tokenize}`, sacrebleu {result.settings.get('sacrebleu_version', '')}.", ""]
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
        rows.append(["reference (ceiling)"] + [""] * len(result.metrics) + [f"{pct(ref.accuracy)} ({ref.hits}/{ref.total})"])
    out += ["## Scores", ""] + _table(header, rows, set(range(1, len(header))))

    if result.comparisons:
        tests = tests_run(result)
        header = ["system", "metric", "delta"] + [f"p ({t})" for t in tests]
        rows = [[md(system), metric, delta] + [p_text(by[t]) if t in by else "" for t in tests]
                for system, metric, delta, by in comparison_rows(result)]
        out += ["## Paired tests", "", f"Against the baseline {md(systems[0].name)}; * marks p < 0.05.", ""]
        out += _table(header, rows, set(range(2, len(header))))

    out += ["## Signatures", ""]
    out += [f"- {m}: `{systems[0].scores[m].signature}`" for m in result.metrics]
    seen = set()
    for c in result.comparisons:
        if (c.metric, c.test) not in seen:
            seen.add((c.metric, c.test))
            out.append(f"- {c.metric} {c.test}: `{c.signature}`")
    out.append("")

    if result.terminology and result.terminology.rows:
        t = result.terminology
        header = ["term", "source", "n"] + [md(s.name) for s in systems] + ["reference"]
        rows = [[md(r.preferred or r.concept_id), md(", ".join(r.sources)), str(r.occurrences)]
                + [str(r.hits[s.name]) for s in systems] + [str(r.reference_hits)] for r in t.rows]
        out += ["## Terminology", "", f"Glossary {md(t.glossary)}: hits out of source-term occurrences "
                "(WMT21 exact match).", ""] + _table(header, rows, set(range(2, len(header))))

    if result.length:
        metric = result.sentence_metric
        header = ["length", "segments"] + [md(s.name) for s in systems]
        rows = [[md(b.label), str(b.segments)]
                + [f"{b.scores[s.name][metric]:.2f}" if b.segments else "-" for s in systems]
                for b in result.length.buckets]
        out += [f"## {metric} by reference length ({result.length.unit})", ""]
        out += _table(header, rows, set(range(1, len(header))))

    if result.frequency:
        f = result.frequency
        first = f.systems[systems[0].name]
        header = ["frequency", "ref words"] + [md(s.name) for s in systems]
        rows = [[md(label), str(first[i].ref_words)] + [f"{f.systems[s.name][i].f_measure:.4f}" for s in systems]
                for i, label in enumerate(f.labels)]
        out += ["## Word F-measure by frequency", "", f"Frequencies from {md(f.frequency_source)}.", ""]
        out += _table(header, rows, set(range(1, len(header))))

    if result.differences:
        rows = [[str(d.line), md(d.system), f"{d.delta:+.1f}",
                 md(shorten(systems[0].hypotheses[d.line - 1], text_width)),
                 md(shorten(result.system(d.system).hypotheses[d.line - 1], text_width))]
                for d in result.differences]
        out += ["## Segments where the systems differ most", "", f"By {md(worst_metric_note(result))}.", ""]
        out += _table(["line", "system", "delta", "baseline output", "system output"], rows, {0, 2})

    if result.worst:
        metric = result.sentence_metric
        rows = []
        for i in result.worst:
            row = [str(i + 1)]
            if result.sources is not None:
                row.append(md(shorten(result.sources[i], text_width)))
            row.append(md(shorten(result.reference_lines[0][i], text_width)))
            row += [f"{md(shorten(s.hypotheses[i], text_width))} ({s.segment_scores[metric][i]:.1f})" for s in systems]
            rows.append(row)
        header = ["line"] + (["source"] if result.sources is not None else []) + ["reference"] + [md(s.name) for s in systems]
        out += ["## Worst segments", "", f"Lowest mean sentence {metric} over the systems.", ""]
        out += _table(header, rows, {0})

    if result.warnings:
        out += ["## Warnings", ""] + [f"- {md(w)}" for w in result.warnings] + [""]
    return "\n".join(out)
