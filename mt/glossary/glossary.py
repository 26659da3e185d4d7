"""The :class:`Glossary`: a list of concepts with file I/O, merging, editing and cached matchers."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterable, Iterator

from mt.errors import GlossaryError, InputError
from mt.formats.writing import write_text_atomic
from mt.glossary.formats import format_for, module_for
from mt.glossary.matcher import Matcher, TermMatch
from mt.glossary.model import Concept, concept_problem

log = logging.getLogger(__name__)


def write_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same directory and os.replace."""
    try:
        write_text_atomic(path, text)
    except InputError as error:
        raise GlossaryError(str(error)) from error


class Glossary:
    """A term base: ``concepts`` in file order, plus matching (cached per language) and editing.

    Concepts are indexed by id and the matchers cached; edit through :meth:`add` and :meth:`remove`, which keep
    both up to date (``concepts`` is read, not assigned to).
    """

    def __init__(self, concepts: Iterable[Concept] = (), path: str | Path | None = None) -> None:
        self.concepts: list[Concept] = list(concepts)
        self.path = Path(path) if path else None
        self.lines: dict[str, int] = {}
        self._matchers: dict[str, Matcher] = {}
        self._by_id: dict[str, Concept] = {}
        for c in self.concepts:
            if c.id in self._by_id:
                raise GlossaryError(f"{self._where(c.id)}: duplicate concept id {c.id!r}")
            self._by_id[c.id] = c

    # -- files ---------------------------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path, format: str | None = None, **options: object) -> "Glossary":
        """Read a glossary; the format comes from the extension (.tsv .tbx .csv .json) unless given.

        CSV options: ``source_lang`` (ar), ``target_lang`` (en) for 2-column files.
        """
        path = Path(path)
        fmt = format_for(path, format)
        try:
            raw = path.read_bytes()
        except FileNotFoundError as error:
            raise GlossaryError(f"{path}: no such glossary file") from error
        except OSError as error:
            raise GlossaryError(f"{path}: cannot read ({error.strerror})") from error
        if fmt == "tbx":
            data: str | bytes = raw
        else:
            try:
                data = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                line = raw[: error.start].count(b"\n") + 1
                raise GlossaryError(f"{path}:{line}: not UTF-8") from error
        concepts = module_for(fmt).loads(data, name=str(path), **options)
        glossary = cls(concepts, path=path)
        if fmt == "tsv" and isinstance(data, str):  # a TSV is decoded (only TBX stays bytes)
            from mt.glossary.formats.tsv import line_numbers

            glossary.lines = line_numbers(data)
        log.info("loaded %d concepts from %s", len(glossary), path)
        return glossary

    def dumps(self, format: str = "tsv", **options: object) -> str:
        """The glossary as text in ``format``."""
        return module_for(format_for("x." + format, format)).dumps(self.concepts, **options)

    def save(self, path: str | Path | None = None, format: str | None = None, **options: object) -> None:
        """Write atomically (temp file in the same directory + os.replace); nothing is written on error."""
        target = Path(path) if path else self.path
        if target is None:
            raise GlossaryError("no path to save the glossary to")
        text = self.dumps(format_for(target, format), **options)
        write_atomic(target, text)

    @classmethod
    def merge(cls, glossaries: Iterable["Glossary"]) -> "Glossary":
        """One glossary holding the concepts of all; an id seen again keeps the first concept (a warning is logged)."""
        out: list[Concept] = []
        seen: set[str] = set()
        for glossary in glossaries:
            for c in glossary.concepts:
                if c.id in seen:
                    log.warning("merge: concept id %r appears twice; keeping the first", c.id)
                    continue
                seen.add(c.id)
                out.append(c)
        return cls(out)

    # -- access --------------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.concepts)

    def __iter__(self) -> Iterator[Concept]:
        return iter(self.concepts)

    def __contains__(self, concept_id: object) -> bool:
        return isinstance(concept_id, str) and concept_id in self._by_id

    def get(self, concept_id: str) -> Concept:
        """The concept with this id (GlossaryError if none)."""
        concept = self._by_id.get(concept_id)
        if concept is not None:
            return concept
        raise GlossaryError(f"{self.path or 'glossary'}: no concept with id {concept_id!r}")

    def _where(self, concept_id: str) -> str:
        line = self.lines.get(concept_id)
        name = str(self.path) if self.path else "glossary"
        return f"{name}:{line}" if line else name

    # -- editing -------------------------------------------------------------------------------------------
    def add(self, concept: Concept) -> None:
        """Add a concept (its id must be new) and keep the concepts sorted by id."""
        problem = concept_problem(concept)
        if problem:
            raise GlossaryError(problem)
        if concept.id in self:
            raise GlossaryError(f"{self._where(concept.id)}: concept id {concept.id!r} already exists")
        self.concepts.append(concept)
        self.concepts.sort(key=lambda c: c.id)
        self._by_id[concept.id] = concept
        self._matchers.clear()

    def remove(self, concept_id: str) -> Concept:
        """Remove and return the concept with this id."""
        concept = self.get(concept_id)
        self.concepts.remove(concept)
        del self._by_id[concept.id]
        self._matchers.clear()
        return concept

    # -- matching ------------------------------------------------------------------------------------------
    def matcher(self, lang: str = "ar") -> Matcher:
        """The matcher for ``lang`` ("ar" source variants or "en" terms), built once and cached until an edit."""
        matcher = self._matchers.get(lang)
        if matcher is None:
            matcher = self._matchers[lang] = Matcher(self.concepts, lang)
        return matcher

    def match(self, text: str, lang: str = "ar") -> list[TermMatch]:
        """Terms of this glossary in ``text``: sorted by start, non-overlapping, offsets into ``text``."""
        return self.matcher(lang).match(text)
