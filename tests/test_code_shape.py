"""The shape of the code (issue 22): no function in mt/ whose body runs over 60 lines; pipeline.py (the
Translator, which composes its parts) at most 300 lines.

The body is counted from its first statement after the docstring to its last line: ruff format lays a signature
out one parameter per line (a typer command's options are its signature), so the signature is not counted."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import mt

MAX_BODY_LINES = 60
PACKAGE = Path(mt.__file__).parent


def body_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    body = node.body
    first = body[0]
    if len(body) > 1 and isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        if isinstance(first.value.value, str):
            first = body[1]
    assert node.end_lineno is not None
    return node.end_lineno - first.lineno + 1


def long_functions(source: str, name: str) -> list[str]:
    return [
        f"{name}:{node.lineno} {node.name} ({body_lines(node)} lines)"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and body_lines(node) > MAX_BODY_LINES
    ]


def test_no_function_body_over_60_lines():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        found += long_functions(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE.parent)))
    assert not found, "functions over 60 lines: " + "; ".join(found)


@pytest.mark.parametrize(("statements", "expected"), [(60, []), (61, ["f.py:1 f (61 lines)"])])
def test_the_count_starts_after_the_docstring(statements, expected):
    source = 'def f(\n    a,\n    b,\n):\n    """Doc\n    string."""\n' + "    a += 1\n" * statements
    assert long_functions(source, "f.py") == expected


def test_the_pipeline_stays_a_composition():
    lines = (PACKAGE / "pipeline.py").read_text(encoding="utf-8").count("\n")
    assert lines <= 300, f"mt/pipeline.py has {lines} lines"
