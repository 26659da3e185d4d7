"""The house reads top-down: cli -> pipeline -> decoding -> backends -> models / text. A lower layer never
imports a higher one (checked on the source, so a lazy import inside a function counts too).

Every package and top-level module of mt/ has a layer in LAYERS (a new one must be placed), imports only from
lower layers, and no two of them import each other through any chain (no package circle). The root ``mt``
(``__version__`` and the lazy public API) is importable from everywhere.
"""

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
    "qe": ("mt.cli", "mt.pipeline", "mt.engines", "mt.server"),  # QE reads text, glossary and alignment
}

LAYERS = [  # bottom first; a unit imports only units of lower layers
    {"errors", "data", "results"},
    # settings: the decoding settings, validated (imports only errors); plugins: implementations by name, imported
    # when chosen (it imports only errors; the tables sit above)
    {"plugins", "settings"},
    {"text", "models", "testing"},
    {"formats", "backends"},
    {"glossary"},
    {"evaluation", "memory", "alignment"},
    # qe: text, glossary and alignment below it; the CLI and the pipeline above; memory_session: a translator's use
    # of mt.memory
    {"decoding", "report", "qe", "memory_session"},
    # routing: models, legs, the pivot, an enforcer per leg; blocks: blocks of lines and their driver
    {"segments", "routing", "blocks"},
    # block_translation: one block of lines through the memory, the legs and quality estimation
    {"block_translation"},
    {"documents"},  # files and segments through a translator (beside the pipeline, which calls it)
    {"pipeline"},
    {"engines", "server", "training"},
    {"cli"},
    {"__main__"},
]
LAYER = {unit: rank for rank, units in enumerate(LAYERS) for unit in units}


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
    bad = sorted(
        (path.relative_to(REPO).as_posix(), name)
        for path in (MT / package).rglob("*.py")
        for name in _imports(path)
        if name.startswith(FORBIDDEN[package])
    )
    assert not bad, bad


def test_models_metadata_needs_no_third_party_package():
    assert {n for n in _imports(MT / "models" / "metadata.py") if not n.startswith("mt.")} <= {
        "__future__",
        "json",
        "logging",
        "dataclasses",
        "pathlib",
    }


@pytest.mark.parametrize("old", ["mt.batching", "mt.glossary.enforce"])
def test_moved_modules_left_no_shim_and_no_user(old):
    assert not (REPO / (old.replace(".", "/") + ".py")).exists()
    users = [
        path.relative_to(REPO).as_posix()
        for folder in ("mt", "tests", "eval")
        for path in (REPO / folder).rglob("*.py")
        if old in _imports(path)
    ]
    assert not users, users


def _unit(path) -> str:
    """The package (mt/formats/tmx.py -> formats) or top-level module (mt/report.py -> report) of a file."""
    return path.relative_to(MT).with_suffix("").parts[0]


def _unit_graph() -> dict[str, set[str]]:
    """unit -> the other units of mt/ it imports (the root ``mt``, mt/__init__.py, left out)."""
    graph: dict[str, set[str]] = {}
    for path in set(MT.rglob("*.py")) - {MT / "__init__.py"}:
        unit = _unit(path)
        imported = {name.split(".")[1] for name in _imports(path) if name.startswith("mt.")}
        graph.setdefault(unit, set()).update(imported - {unit})
    return graph


def find_circle(graph: dict[str, set[str]]) -> list[str] | None:
    """A chain of imports that comes back to where it started (``[a, b, a]``), or None."""
    state: dict[str, str] = {}  # "open" while on the current path, "done" once explored
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for neighbour in sorted(graph.get(node, ())):
            if state.get(neighbour) == "open":
                return path[path.index(neighbour) :] + [neighbour]
            if neighbour not in state and (circle := visit(neighbour)):
                return circle
        path.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (circle := visit(node)):
            return circle
    return None


def test_every_package_and_module_has_a_layer():
    assert sorted(set(_unit_graph()) - set(LAYER)) == []


def test_imports_only_look_down():
    upward = sorted(
        f"{unit} -> {other}"
        for unit, others in _unit_graph().items()
        for other in others
        if LAYER.get(other, len(LAYERS)) >= LAYER.get(unit, -1)
    )
    assert not upward, upward


def test_no_package_circle():
    assert find_circle(_unit_graph()) is None


def test_find_circle_finds_one():
    assert find_circle({"report": {"memory"}, "memory": {"formats"}, "formats": {"memory"}}) == [
        "formats",
        "memory",
        "formats",
    ]
    assert find_circle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_language_tags_have_one_home():
    """One normaliser of language tags (mt.formats.language): no other module spells out ISO 639 aliases."""
    spelled = sorted(
        path.relative_to(REPO).as_posix()
        for path in MT.rglob("*.py")
        if path != MT / "formats" / "language.py" and '"ara"' in path.read_text(encoding="utf-8")
    )
    assert spelled == ["mt/models/loading.py"], spelled  # a model's tokenizer_config (models sit below formats)
