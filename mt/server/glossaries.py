"""The server's glossaries: loaded once, by name (the file's stem), editable through the /v1 API.

The default glossary (used when a request names none) is the one file given, or all of them merged. An edit
adds the concept to the named glossary, writes that file atomically, and bumps ``version`` so the worker
builds its translators (and the merged default) again: the new term is enforced from the next request on.
Edits run on the translation worker's thread, so no request is matched against a half-edited glossary.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Iterable

from mt.errors import GlossaryError, InputError
from mt.glossary import Concept, Glossary
from mt.glossary.edit import ConceptFields, check_editable, new_concept
from mt.glossary.lint import Issue


def concept_dict(concept: Concept) -> dict:
    """A concept as JSON: every field, term lists as lists."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(concept).items()}


class GlossaryStore:
    """Named glossaries, the default one, and concept edits written back to their files."""

    def __init__(self, paths: Iterable[str | Path] = ()) -> None:
        self._glossaries: dict[str, Glossary] = {}
        self._paths: dict[str, Path] = {}
        for path in paths:
            path = Path(path)
            name = path.stem
            if name in self._glossaries:
                raise InputError(f"two glossaries are named {name!r} (by their file names); rename one")
            self._glossaries[name] = Glossary.load(path)
            self._paths[name] = path
        self.version = 0
        self._default: Glossary | None = None
        self._default_version = -1

    @property
    def names(self) -> list[str]:
        return list(self._glossaries)

    def __contains__(self, name: object) -> bool:
        return name in self._glossaries

    def get(self, name: str) -> Glossary:
        try:
            return self._glossaries[name]
        except KeyError:
            raise InputError(f"no glossary named {name!r}; the server has {self._known()}") from None

    def _known(self) -> str:
        return ", ".join(repr(n) for n in self._glossaries) or "none"

    def default(self) -> Glossary | None:
        """The glossary of requests that name none: the only one, or all merged (None: no glossary)."""
        if len(self._glossaries) <= 1:
            return next(iter(self._glossaries.values()), None)
        if self._default_version != self.version:
            self._default = Glossary.merge(self._glossaries.values())
            self._default_version = self.version
        return self._default

    def editable(self, name: str) -> bool:
        try:
            check_editable(self._paths[name])
        except GlossaryError:
            return False
        return True

    def add(self, name: str, fields: ConceptFields) -> tuple[Concept, list[Issue]]:
        """Validate a concept as `mt glossary add` does (``fields``: new_concept's keywords), add it to the
        glossary ``name``, write the file atomically; messages name the glossary, never its path."""
        glossary = self.get(name)
        if not self.editable(name):
            raise GlossaryError(
                f"glossary {name!r} is a CSV file, which cannot be edited in place "
                "(convert it to TSV with mt glossary import)"
            )
        concept, issues = new_concept(glossary, name=f"glossary {name!r}", **fields)
        glossary.add(concept)
        try:
            glossary.save(self._paths[name])
        except BaseException:
            glossary.remove(concept.id)  # the file is as it was (atomic write): so is the glossary in memory
            raise
        self.version += 1
        return concept, issues
