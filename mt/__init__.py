"""Tarjama: Arabic -> English / Chinese machine translation with enforced terminology.

The public API is imported lazily so that `import mt` (and `mt --help`) stays fast:

    from mt import Translator, Glossary, evaluate
"""

from __future__ import annotations

__version__ = "0.1.0"

_LAZY = {
    "Translator": ("mt.pipeline", "Translator"),
    "Glossary": ("mt.glossary", "Glossary"),
    "evaluate": ("mt.evaluation", "evaluate"),
}

__all__ = ["Translator", "Glossary", "evaluate", "__version__"]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module_name, attr = _LAZY[name]
        return getattr(importlib.import_module(module_name), attr)
    raise AttributeError(f"module 'mt' has no attribute {name!r}")
