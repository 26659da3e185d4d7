"""One self-contained HTML page: inline CSS and SVG charts, no scripts, no external resources.

Every piece of text from files (segments, names, glossary terms) goes through :func:`html.escape`.
"""

from __future__ import annotations

import html
from typing import AbstractSet, Sequence

from mt.evaluation.report.common import comparison_rows, p_text, pct, score_text, tests_run, worst_metric_note
from mt.evaluation.result import EvaluationResult

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans Arabic","Noto Sans SC",sans-serif;
margin:2rem auto;max-width:1200px;padding:0 1rem;color:#222;line-height:1.4}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.25rem .5rem;vertical-align:top;text-align:left}
th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
code{font-size:.85rem;background:#f6f6f6;padding:0 .2rem}.sig{color:#080;font-weight:600}
.muted{color:#666;font-size:.85rem}.charts{display:flex;flex-wrap:wrap;gap:1rem}
.seg td{max-width:24rem}.legend span{display:inline-block;margin-right:1rem}
.legend i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:middle}
.warn{color:#a60}
"""


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _legend(names: Sequence[str]) -> str:
    items = "".join(f'<span><i style="background:{_color(i)}"></i>{esc(n)}</span>' for i, n in enumerate(names))
    return f'<p class="legend">{items}</p>'


def ci_chart(
    title: str,
    names: Sequence[str],
    scores: Sequence[float],
    lows: Sequence[float | None],
    highs: Sequence[float | None],
    width: int = 360,
) -> str:
    """Horizontal bars (one per system) with 95% CI whiskers, on a 0..100 scale (or the largest value)."""
    bar_h, gap, left, top = 18, 8, 10, 24
    top_value = max([100.0] + [h for h in highs if h is not None] + list(scores))
    plot_w = width - left - 60
    height = top + len(names) * (bar_h + gap) + 20

    def x(v: float) -> float:
        return left + plot_w * max(0.0, v) / top_value

    parts = [
        f'<svg width="{width}" height="{height}" role="img" aria-label="{esc(title)}"><title>{esc(title)}</title>',
        f'<text x="{left}" y="15" font-size="13" font-weight="600">{esc(title)}</text>',
    ]
    for i, (name, score, low, high) in enumerate(zip(names, scores, lows, highs)):
        y = top + i * (bar_h + gap)
        parts.append(
            f'<rect x="{left}" y="{y}" width="{x(score) - left:.1f}" height="{bar_h}" '
            f'fill="{_color(i)}" opacity="0.8"><title>{esc(name)}: {score:.2f}</title></rect>'
        )
        if low is not None and high is not None:
            cy = y + bar_h / 2
            parts.append(
                f'<line x1="{x(low):.1f}" y1="{cy}" x2="{x(high):.1f}" y2="{cy}" stroke="#000" '
                f'stroke-width="1.5"/><line x1="{x(low):.1f}" y1="{y + 3}" x2="{x(low):.1f}" '
                f'y2="{y + bar_h - 3}" stroke="#000"/><line x1="{x(high):.1f}" y1="{y + 3}" '
                f'x2="{x(high):.1f}" y2="{y + bar_h - 3}" stroke="#000"/>'
            )
        parts.append(
            f'<text x="{x(max(score, high or score)) + 4:.1f}" y="{y + bar_h - 5}" font-size="11">{score:.2f}</text>'
        )
    parts.append(f'<line x1="{left}" y1="{top - 4}" x2="{left}" y2="{height - 18}" stroke="#999"/>')
    parts.append(
        f'<text x="{left}" y="{height - 4}" font-size="10" fill="#666">0</text>'
        f'<text x="{left + plot_w}" y="{height - 4}" font-size="10" fill="#666" text-anchor="end">'
        f"{top_value:.0f}</text></svg>"
    )
    return "".join(parts)


def grouped_bars(
    title: str,
    categories: Sequence[str],
    series: Sequence[Sequence[float | None]],
    names: Sequence[str],
    y_max: float,
    width: int = 560,
    height: int = 240,
) -> str:
    """Vertical bars grouped by category, one colour per series (system); None leaves a gap."""
    left, right, top, bottom = 40, 10, 24, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    group_w = plot_w / max(1, len(categories))
    bar_w = max(2.0, (group_w - 6) / max(1, len(series)))
    parts = [
        f'<svg width="{width}" height="{height}" role="img" aria-label="{esc(title)}"><title>{esc(title)}</title>',
        f'<text x="{left}" y="15" font-size="13" font-weight="600">{esc(title)}</text>',
    ]
    for tick in range(0, 5):
        value = y_max * tick / 4
        y = top + plot_h - plot_h * tick / 4
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#eee"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end" fill="#666">'
            f"{value:g}</text>"
        )
    for c, category in enumerate(categories):
        gx = left + c * group_w + 3
        for s, values in enumerate(series):
            bar = values[c]
            if bar is None:
                continue
            h = plot_h * max(0.0, min(bar, y_max)) / y_max
            parts.append(
                f'<rect x="{gx + s * bar_w:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 1:.1f}" '
                f'height="{h:.1f}" fill="{_color(s)}"><title>{esc(names[s])}, {esc(category)}: '
                f"{bar:.3g}</title></rect>"
            )
        parts.append(
            f'<text x="{gx + group_w / 2 - 3:.1f}" y="{top + plot_h + 14}" font-size="10" '
            f'text-anchor="middle">{esc(category)}</text>'
        )
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#999"/></svg>'
    )
    return "".join(parts)


def _table(
    header: Sequence[str], rows: Sequence[Sequence[str]], numeric: AbstractSet[int] = frozenset(), css: str = ""
) -> str:
    """A table from already escaped cells."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    cls = f' class="{css}"' if css else ""
    return f"<table{cls}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(result: EvaluationResult, top_text: int = 400) -> str:
    """The report as one HTML page; segments are cut to ``top_text`` characters."""
    names = [s.name for s in result.systems]
    body = [
        *_overview(result),
        *_scores_section(result),
        *_comparisons_section(result),
        *_signatures_section(result),
        *_terminology_section(result),
        *_length_section(result),
        *_frequency_section(result),
        *_worst_section(result, top_text),
        *_differences_section(result, top_text),
    ]
    if result.warnings:
        body += [
            "<h2>Warnings</h2>",
            "<ul>" + "".join(f'<li class="warn">{esc(w)}</li>' for w in result.warnings) + "</ul>",
        ]
    title = f"Evaluation: {', '.join(names)}"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def _overview(result: EvaluationResult) -> list[str]:
    return [
        "<h1>Evaluation report</h1>",
        f"<p>{len(result.systems)} system(s), {result.segments} segments, {len(result.references)} reference(s) "
        f"({esc(', '.join(result.references))}), target <code>{esc(result.lang)}</code>, BLEU tokenizer "
        f"<code>{esc(result.tokenize)}</code>, sacrebleu {esc(result.settings.get('sacrebleu_version', ''))}.</p>",
    ]


def _scores_section(result: EvaluationResult) -> list[str]:
    """The scores table (with terminology accuracy and its reference ceiling) and one CI chart per metric."""
    systems = result.systems
    names = [s.name for s in systems]
    ci = result.settings.get("confidence_samples")
    header = ["system"] + [esc(f"{m} (± 95% CI)" if ci else m) for m in result.metrics]
    if result.terminology:
        header.append("terms")
    rows = []
    for i, s in enumerate(systems):
        row = [("<b>baseline</b>: " if i == 0 and len(systems) > 1 else "") + esc(s.name)]
        row += [esc(score_text(s.scores[m])) for m in result.metrics]
        if result.terminology:
            acc = result.terminology.totals[s.name]
            row.append(esc(f"{pct(acc.accuracy)} ({acc.hits}/{acc.total})"))
        rows.append(row)
    if result.terminology:
        ref = result.terminology.reference
        rows.append(
            ["reference (ceiling)"]
            + [""] * len(result.metrics)
            + [esc(f"{pct(ref.accuracy)} ({ref.hits}/{ref.total})")]
        )
    charts = []
    for m in result.metrics:
        scores = [s.scores[m] for s in systems]
        charts.append(
            ci_chart(
                f"{m}" + (" (lower is better)" if m == "TER" else "") + (" with 95% CI" if ci else ""),
                names,
                [x.score for x in scores],
                [x.ci.low if x.ci else None for x in scores],
                [x.ci.high if x.ci else None for x in scores],
            )
        )
    return [
        "<h2>Scores</h2>",
        _table(header, rows, set(range(1, len(header)))),
        _legend(names),
        f'<div class="charts">{"".join(charts)}</div>',
    ]


def _comparisons_section(result: EvaluationResult) -> list[str]:
    if not result.comparisons:
        return []
    tests = tests_run(result)
    header = ["system", "metric", "delta"] + [esc(f"p ({t})") for t in tests]
    rows = [
        [esc(system), esc(metric), esc(delta)] + [esc(p_text(by[t])) if t in by else "" for t in tests]
        for system, metric, delta, by in comparison_rows(result)
    ]
    return [
        "<h2>Paired significance tests</h2>",
        f"<p>Each system against the baseline {esc(result.systems[0].name)}; * marks p &lt; 0.05.</p>",
        _table(header, rows, set(range(2, len(header)))),
    ]


def _signatures_section(result: EvaluationResult) -> list[str]:
    """sacrebleu's signature of each metric, then of each paired test (once per metric and test)."""
    sig_rows = [[esc(m), f"<code>{esc(result.systems[0].scores[m].signature)}</code>"] for m in result.metrics]
    seen = set()
    for c in result.comparisons:
        if (c.metric, c.test) not in seen:
            seen.add((c.metric, c.test))
            sig_rows.append([esc(f"{c.metric} {c.test}"), f"<code>{esc(c.signature)}</code>"])
    return ["<h2>sacrebleu signatures</h2>", _table(["metric", "signature"], sig_rows)]


def _terminology_section(result: EvaluationResult) -> list[str]:
    t = result.terminology
    if t is None:
        return []
    names = [s.name for s in result.systems]
    body = [
        "<h2>Terminology</h2>",
        f"<p>Glossary {esc(t.glossary)}; {t.lines_with_terms} lines contain glossary terms. Hits out "
        "of source-term occurrences (WMT21 exact match); the reference is the ceiling.</p>",
    ]
    if t.rows:
        header = ["term", "source", "n"] + [esc(n) for n in names] + ["reference"]
        rows = [
            [
                esc(r.preferred or r.concept_id),
                f'<span dir="rtl">{esc(", ".join(r.sources))}</span>',
                str(r.occurrences),
            ]
            + [str(r.hits[n]) for n in names]
            + [str(r.reference_hits)]
            for r in t.rows
        ]
        body.append(_table(header, rows, set(range(2, len(header)))))
    return body


def _length_section(result: EvaluationResult) -> list[str]:
    if not result.length:
        return []
    names = [s.name for s in result.systems]
    metric = result.ranking_metric()
    labels = [b.label for b in result.length.buckets]
    series = [[b.scores[n][metric] if b.segments else None for b in result.length.buckets] for n in names]
    header = ["length", "segments"] + [esc(n) for n in names]
    rows = [
        [esc(b.label), str(b.segments)] + [f"{b.scores[n][metric]:.2f}" if b.segments else "-" for n in names]
        for b in result.length.buckets
    ]
    return [
        f"<h2>{esc(metric)} by reference length</h2>",
        _legend(names),
        grouped_bars(f"{metric} by reference length ({result.length.unit})", labels, series, names, 100.0),
        _table(header, rows, set(range(1, len(header)))),
    ]


def _frequency_section(result: EvaluationResult) -> list[str]:
    f = result.frequency
    if f is None:
        return []
    names = [s.name for s in result.systems]
    series = [[w.f_measure for w in f.systems[n]] for n in names]
    first = f.systems[names[0]]
    header = ["frequency", "ref words"] + [esc(n) for n in names]
    rows = [
        [esc(label), str(first[i].ref_words)] + [f"{f.systems[n][i].f_measure:.4f}" for n in names]
        for i, label in enumerate(f.labels)
    ]
    return [
        "<h2>Word F-measure by frequency</h2>",
        f"<p>Frequencies from {esc(f.frequency_source)}; words are BLEU tokens.</p>",
        _legend(names),
        grouped_bars("word F-measure by frequency bucket", f.labels, series, names, 1.0, width=680),
        _table(header, rows, set(range(1, len(header)))),
    ]


def _worst_section(result: EvaluationResult, top_text: int) -> list[str]:
    """The worst segments, the source (when given), the reference and every system's output side by side."""
    if not result.worst:
        return []
    metric = result.ranking_metric()
    header = (
        ["line"]
        + (["source"] if result.sources is not None else [])
        + ["reference"]
        + [esc(s.name) for s in result.systems]
    )
    rows = []
    for i in result.worst:
        row = [str(i + 1)]
        if result.sources is not None:
            row.append(f'<span dir="auto">{esc(result.sources[i][:top_text])}</span>')
        row.append(esc(result.reference_lines[0][i][:top_text]))
        row += [
            f'{esc(s.hypotheses[i][:top_text])}<br><span class="muted">{metric} '
            f"{s.segment_scores[metric][i]:.1f}</span>"
            for s in result.systems
        ]
        rows.append(row)
    return [
        "<h2>Worst segments, side by side</h2>",
        f"<p>Lowest mean {esc(worst_metric_note(result))} over the systems.</p>",
        _table(header, rows, {0}, css="seg"),
    ]


def _differences_section(result: EvaluationResult, top_text: int) -> list[str]:
    if not result.differences:
        return []
    baseline = result.systems[0]
    rows = [
        [
            str(d.line),
            esc(d.system),
            f"{d.delta:+.1f}",
            esc(result.reference_lines[0][d.line - 1][:top_text]),
            esc(baseline.hypotheses[d.line - 1][:top_text]),
            esc(result.system(d.system).hypotheses[d.line - 1][:top_text]),
        ]
        for d in result.differences
    ]
    return [
        "<h2>Segments where the systems differ most</h2>",
        f"<p>By {esc(worst_metric_note(result))}: first where each system beats the baseline most, "
        "then where it loses most.</p>",
        _table(["line", "system", "delta", "reference", "baseline output", "system output"], rows, {0, 2}, css="seg"),
    ]
