"""Reports of an :class:`~mt.evaluation.result.EvaluationResult`: text (rich), JSON, Markdown, HTML.

Each format's renderer is found by name in :data:`RENDERERS` (mt.plugins) and imported when that format is asked
for: `mt evaluate` printing text imports neither the HTML nor the Markdown report.
"""

from __future__ import annotations

from mt.errors import InputError
from mt.evaluation.result import EvaluationResult
from mt.plugins import Plugin

FORMATS = ("text", "json", "markdown", "html")
RENDERERS = {
    "text": Plugin("mt.evaluation.report.text:render_text"),
    "json": Plugin("mt.evaluation.report.json:render_json"),
    "markdown": Plugin("mt.evaluation.report.markdown:render_markdown"),
    "md": Plugin("mt.evaluation.report.markdown:render_markdown"),
    "html": Plugin("mt.evaluation.report.html:render_html"),
}


def render(result: EvaluationResult, fmt: str = "text", width: int = 120) -> str:
    """The report as a string in format ``fmt`` (one of :data:`FORMATS`)."""
    if fmt not in RENDERERS:
        raise InputError(f"unknown report format {fmt!r}; choose from {', '.join(FORMATS)}")
    renderer = RENDERERS[fmt].load()
    return renderer(result, width=width) if fmt == "text" else renderer(result)


__all__ = ["FORMATS", "RENDERERS", "render"]
