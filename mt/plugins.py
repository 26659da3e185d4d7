"""Implementations found by name and imported when first used: backends, engines and the CLI's commands.

Tarjama pays only for what a command uses: `mt glossary list` never imports torch, `mt translate` on a CTranslate2
model never imports transformers, and only `mt serve` imports FastAPI. So a table that names what can be chosen
(a backend, an engine, a sub-command) holds a :class:`Plugin` for each entry, the place of the implementation
as ``"package.module:Attribute"``, instead of the implementation itself, and :meth:`Plugin.load` imports it when
it is chosen. This is CTranslate2's ``@register_loader`` table of converters turned around: there each module
registers itself when imported, which means importing every module to fill the table; here the table is written
out and nothing is imported to read it.

    BACKENDS = {"hf": Plugin("mt.backends.hf:TransformersBackend", extra="hf", needs=("torch", "transformers"),
                             what="the transformers backend")}
    backend_class = BACKENDS["hf"].load()   # imports mt.backends.hf (and torch) now; a one-line error without them

:meth:`Plugin.load` is the one place where Tarjama imports code by name. The tables: backends
(mt/backends/loading.py), engines (mt/engines/base.py), sub-commands (mt/cli/commands.py), document formats
(mt/formats/registry.py), the hub client (mt/models/loading.py), terminology accuracy (mt/evaluation/evaluator.py:
`mt evaluate` imports the glossary's matcher only with a glossary), the sentence aligner's glossary anchors
(mt/alignment/sentence/anchors.py), and the lazily exported names of mt and
mt.server (their __init__ modules).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from mt.errors import MissingExtraError


@dataclass(frozen=True)
class Plugin:
    """Where an implementation lives (``target``, ``"package.module:Attribute"``), what it needs that a core
    install may lack (the top-level packages ``needs``, which the extra ``extra`` installs) and what a user calls
    it (``what``, for the error when they are missing)."""

    target: str
    extra: str | None = None
    needs: tuple[str, ...] = ()
    what: str = ""

    @property
    def module(self) -> str:
        return self.target.partition(":")[0]

    @property
    def name(self) -> str:
        """The attribute's name (a class name such as ``CTranslate2Backend``), known without importing it."""
        return self.target.partition(":")[2]

    def load(self) -> Any:
        """Import the module and return the attribute. A missing package among ``needs`` becomes a
        :class:`MissingExtraError` that names the extra to install; any other import error propagates."""
        try:
            module = importlib.import_module(self.module)
        except ModuleNotFoundError as error:
            missing = (error.name or "").partition(".")[0]
            if missing not in self.needs:
                raise
            install = f'pip install "tarjama[{self.extra}]"' if self.extra else f"pip install {missing}"
            raise MissingExtraError(
                f"{self.what or self.name} needs {missing}, which is not installed: {install}"
            ) from error
        return getattr(module, self.name)
