"""Writing assessments: JSON Lines (one object per input line, in order), TSV, and a review page (HTML)."""

from __future__ import annotations

import json
from typing import IO, Iterable

from mt.qe.estimator import Assessment

FORMATS = ("jsonl", "tsv", "html")
EXTENSIONS = {".jsonl": "jsonl", ".json": "jsonl", ".tsv": "tsv", ".html": "html", ".htm": "html"}
TSV_HEADER = ("line", "risk", "kinds", "details", "source", "translation")


def write_jsonl(assessments: Iterable[Assessment], handle: IO[str]) -> int:
    """One JSON object per assessment; returns how many were written."""
    count = 0
    for assessment in assessments:
        handle.write(json.dumps(assessment.to_json(), ensure_ascii=False) + "\n")
        count += 1
    return count


def _cell(text: str) -> str:
    """A TSV cell: tabs and line breaks become spaces (the column count never changes)."""
    return " ".join(text.replace("\t", " ").splitlines())


def write_tsv(assessments: Iterable[Assessment], handle: IO[str]) -> int:
    """A header, then one row per assessment: line, risk, flag kinds, details, source, translation."""
    handle.write("\t".join(TSV_HEADER) + "\n")
    count = 0
    for a in assessments:
        kinds = ",".join(dict.fromkeys(flag.kind for flag in a.flags))
        details = "; ".join(f"{flag.kind}: {flag.detail}" for flag in a.flags)
        row = (str(a.line), f"{a.risk:.4f}", kinds, details, a.source, a.translation)
        handle.write("\t".join(_cell(cell) for cell in row) + "\n")
        count += 1
    return count
