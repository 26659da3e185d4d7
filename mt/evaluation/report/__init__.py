"""Reports of an :class:`~mt.evaluation.result.EvaluationResult`: text (rich), JSON, Markdown, HTML."""

from __future__ import annotations

from mt.errors import InputError
from mt.evaluation.report.html import render_html
from mt.evaluation.report.json import render_json
from mt.evaluation.report.markdown import render_markdown
from mt.evaluation.report.text import render_text
from mt.evaluation.result import EvaluationResult

FORMATS = ("text", "json", "markdown", "html")


def render(result: EvaluationResult, fmt: str = "text", width: int = 120) -> str:
    """The report as a string in format ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "text":
        return render_text(result, width=width)
    if fmt == "json":
        return render_json(result)
    if fmt in ("markdown", "md"):
        return render_markdown(result)
    if fmt == "html":
        return render_html(result)
    raise InputError(f"unknown report format {fmt!r}; choose from {', '.join(FORMATS)}")


__all__ = ["FORMATS", "render"]
