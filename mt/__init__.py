"""Tarjama: Arabic -> English / Chinese machine translation with enforced terminology.

The public API is imported lazily so that `import mt` (and `mt --help`) stays fast:

    from mt import Translator, Glossary, evaluate
"""

from __future__ import annotations

from typing import Any

from mt.plugins import Plugin

__version__ = "0.1.0"

_LAZY = {  # imported on first use (mt.plugins)
    "Translator": Plugin("mt.pipeline:Translator"),
    "Glossary": Plugin("mt.glossary:Glossary"),
    "evaluate": Plugin("mt.evaluation:evaluate"),
}

__all__ = ["Translator", "Glossary", "evaluate", "__version__"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return _LAZY[name].load()
    raise AttributeError(f"module 'mt' has no attribute {name!r}")
