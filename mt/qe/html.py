"""The review page: one self-contained HTML file (no network), sentences sorted by risk, the Arabic source
(right to left) beside its translation, flagged spans highlighted, a filter by kind and the counts on top.
`mt qe -f html` writes it from assessments, `mt translate --report FILE.html` from the translated sentences
(:func:`sentence_rows`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from html import escape
from typing import Sequence

from mt.qe.estimator import Assessment
from mt.qe.model import KINDS, Flag, Span
from mt.results import SentenceResult

_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.3em} .counts{margin:.5em 0 1em} .counts label{margin-right:1em;white-space:nowrap}
table{border-collapse:collapse;width:100%} td,th{border-top:1px solid #ddd;padding:.45em;vertical-align:top}
th{text-align:left;background:#f4f4f4} td.line{width:3em} td.risk{font-variant-numeric:tabular-nums;width:3.5em}
td.src{direction:rtl;text-align:right;width:42%;font-size:1.1em} td.tgt{width:48%} td.src,td.tgt{overflow-wrap:anywhere}
.flag{display:inline-block;margin:0 .3em .2em 0;padding:0 .35em;border-radius:.3em;font-size:.85em;background:#eee}
mark{background:#ffc94d;border-radius:.2em} mark.weak{background:#fff0c2}
tr.ok td.risk{color:#2a7} tr.flagged td.risk{color:#c22;font-weight:bold}
tr.hidden{display:none} .empty-text{color:#999;font-style:italic}
"""

_SCRIPT = """
function applyFilter(){
  var boxes=document.querySelectorAll('input[data-kind]'), on={};
  boxes.forEach(function(b){on[b.dataset.kind]=b.checked;});
  var all=document.getElementById('show-ok').checked;
  document.querySelectorAll('tbody tr').forEach(function(r){
    var kinds=r.dataset.kinds?r.dataset.kinds.split(' '):[];
    var show=kinds.length?kinds.some(function(k){return on[k];}):all;
    r.classList.toggle('hidden',!show);
  });
}
document.querySelectorAll('input').forEach(function(b){b.addEventListener('change',applyFilter);});
"""


#: kinds whose spans are words without a counterpart (many, and a hint): highlighted lightly
WEAK_KINDS = frozenset({"omission", "hallucination"})


@dataclass(frozen=True)
class ReviewRow:
    """One row of the page: where the sentence is (a line number, or "file: location"), its place in the input
    (equal risks keep that order), the pair, its risk and its flags."""

    where: str
    order: int
    source: str
    translation: str
    risk: float
    flags: tuple[Flag, ...] = ()

    @classmethod
    def of(cls, assessment: Assessment) -> ReviewRow:
        a = assessment
        return cls(str(a.line), a.line, a.source, a.translation, a.risk, tuple(a.flags))


def flag_of(data: dict) -> Flag:
    """A flag back from its JSON form (SentenceResult.flags)."""
    spans = tuple(Span(s["side"], s["start"], s["end"]) for s in data.get("spans", ()))
    return Flag(data["kind"], data["detail"], spans)


def sentence_rows(where: str, sentences: Sequence[SentenceResult], first: int = 0) -> list[ReviewRow]:
    """The rows of translated sentences that quality estimation scored (``risk`` set), ordered from ``first``."""
    return [
        ReviewRow(where, first + k, s.source, s.translation, risk, tuple(flag_of(f) for f in s.flags))
        for k, (s, risk) in enumerate((s, s.risk) for s in sentences if s.risk is not None)
    ]


def _marked(text: str, ranges: list[tuple[int, int, bool]]) -> str:
    """``text`` escaped, with the character ranges ``(start, end, weak)`` wrapped in <mark> (overlaps merged,
    strong over weak)."""
    if not text:
        return '<span class="empty-text">(empty)</span>'
    merged: list[list] = []
    for start, end, weak in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            merged[-1][2] = merged[-1][2] and weak
        else:
            merged.append([start, end, weak])
    out, position = [], 0
    for start, end, weak in merged:
        tag = '<mark class="weak">' if weak else "<mark>"
        out += [escape(text[position:start]), tag, escape(text[start:end]), "</mark>"]
        position = end
    out.append(escape(text[position:]))
    return "".join(out)


def _row(a: ReviewRow) -> str:
    spans = [(span, flag.kind in WEAK_KINDS) for flag in a.flags for span in flag.spans]
    source = _marked(a.source, [(s.start, s.end, weak) for s, weak in spans if s.side == "source"])
    target = _marked(a.translation, [(s.start, s.end, weak) for s, weak in spans if s.side == "translation"])
    kinds = " ".join(dict.fromkeys(flag.kind for flag in a.flags))
    flags = "".join(
        f'<span class="flag" title="{escape(f.detail)}">{escape(f.kind)}: {escape(f.detail)}</span>' for f in a.flags
    )
    state = "flagged" if a.flags else "ok"
    return (
        f'<tr class="{state}" data-kinds="{kinds}"><td class="line">{escape(a.where)}</td>'
        f'<td class="risk">{a.risk:.2f}</td>'
        f'<td class="src" lang="ar" dir="rtl">{source}</td><td class="tgt">{target}<div>{flags}</div></td></tr>'
    )


def render_html(items: Sequence[Assessment | ReviewRow], title: str = "Quality estimation", where: str = "line") -> str:
    """The whole page as one string (inline CSS and script; nothing is fetched); ``where``: the heading of the
    first column."""
    assessments = [item if isinstance(item, ReviewRow) else ReviewRow.of(item) for item in items]
    ordered = sorted(assessments, key=lambda a: (-a.risk, a.order))
    counts = Counter(kind for a in assessments for kind in dict.fromkeys(f.kind for f in a.flags))
    flagged = sum(1 for a in assessments if a.flags)
    boxes = "".join(
        f'<label><input type="checkbox" checked data-kind="{kind}"> {kind} ({counts[kind]})</label>'
        for kind in KINDS
        if counts[kind]
    )
    summary = (
        f"{len(assessments)} sentences, {flagged} flagged, {len(assessments) - flagged} without flags. "
        "Sorted by risk, highest first."
    )
    rows = "\n".join(_row(a) for a in ordered)
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1><p>{summary}</p>"
        f'<div class="counts">{boxes}<label><input type="checkbox" checked id="show-ok"> without flags '
        f"({len(assessments) - flagged})</label></div>"
        f"<table><thead><tr><th>{escape(where)}</th><th>risk</th><th>source</th><th>translation and flags</th>"
        "</tr></thead>"
        f"<tbody>\n{rows}\n</tbody></table><script>{_SCRIPT}</script></body></html>\n"
    )
