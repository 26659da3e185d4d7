"""The house reads top-down: cli -> pipeline -> decoding -> backends -> models / text. A lower layer never
imports a higher one (checked on the source, so a lazy import inside a function counts too)."""

from __future__ import annotations

import ast

import pytest

from tests.conftest import REPO

MT = REPO / "mt"
FORBIDDEN = {  # package -> the mt modules it must not import
    "models": ("mt.backends", "mt.decoding", "mt.pipeline", "mt.cli", "mt.glossary", "mt.alignment"),
    "backends": ("mt.decoding", "mt.pipeline", "mt.cli", "mt.glossary", "mt.alignment"),
    "decoding": ("mt.pipeline", "mt.cli", "mt.alignment"),
    "glossary": ("mt.decoding", "mt.pipeline", "mt.backends", "mt.cli"),
    "text": ("mt.decoding", "mt.pipeline", "mt.backends", "mt.models", "mt.glossary", "mt.cli"),
    "engines": ("mt.cli",),  # engines sit between the CLI and the pipeline
}


def _imports(path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_upward_imports(package):
    bad = sorted((path.relative_to(REPO).as_posix(), name) for path in (MT / package).rglob("*.py")
                 for name in _imports(path) if name.startswith(FORBIDDEN[package]))
    assert not bad, bad


def test_models_metadata_needs_no_third_party_package():
    assert {n for n in _imports(MT / "models" / "metadata.py") if not n.startswith("mt.")} <= {
        "__future__", "json", "logging", "dataclasses", "pathlib"}


@pytest.mark.parametrize("old", ["mt.batching", "mt.glossary.enforce"])
def test_moved_modules_left_no_shim_and_no_user(old):
    assert not (REPO / (old.replace(".", "/") + ".py")).exists()
    users = [path.relative_to(REPO).as_posix() for folder in ("mt", "tests", "eval")
             for path in (REPO / folder).rglob("*.py") if old in _imports(path)]
    assert not users, users
