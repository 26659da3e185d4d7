"""The machine-readable report: :meth:`EvaluationResult.to_dict` as strict JSON (no NaN), UTF-8 text kept."""

from __future__ import annotations

import json
from typing import Any, Iterable

from mt.evaluation.result import EvaluationResult


def render_json(result: EvaluationResult) -> str:
    return json.dumps(result.to_dict(), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def render_jsonl(records: Iterable[dict[str, Any]]) -> str:
    """One JSON object per line (the per-segment file)."""
    return "".join(json.dumps(record, ensure_ascii=False, allow_nan=False) + "\n" for record in records)
