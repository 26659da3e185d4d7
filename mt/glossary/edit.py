"""Adding a concept the way ``mt glossary add`` does, for every caller (the CLI, the server's /v1 API).

concept, warnings = new_concept(glossary, ar=["..."], en=["..."], name="news.tsv")
glossary.add(concept); glossary.save()
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, TypedDict

from mt.errors import GlossaryError
from mt.glossary.formats import format_for
from mt.glossary.glossary import Glossary
from mt.glossary.lint import Issue, check_against, check_concept
from mt.glossary.model import Concept, make_concept, slug


def check_editable(path: str | Path, fmt: str | None = None) -> None:
    """Refuse to edit a CSV glossary in place: CSV keeps no ids, types, notes or alternatives, and one target
    language only, so rewriting it would lose data (and needs a language `add` has no option for)."""
    path = Path(path)
    if format_for(path, fmt) == "csv":
        raise GlossaryError(
            f"{path}: a CSV glossary cannot be edited in place (it keeps no ids, types, notes or "
            f"second language); convert it first: mt glossary import {path} -o "
            f"{path.with_suffix('.tsv')}"
        )


class ConceptFields(TypedDict):
    """Every keyword of :func:`new_concept` that describes the concept (the server's concept body)."""

    ar: list[str]
    en: list[str]
    zh: list[str]
    concept_id: str | None
    type: str
    note: str
    forbidden_en: list[str]
    forbidden_zh: list[str]


def new_concept(
    glossary: Glossary,
    *,
    ar: Iterable[str],
    en: Iterable[str] = (),
    zh: Iterable[str] = (),
    concept_id: str | None = None,
    type: str = "other",
    note: str = "",
    forbidden_en: Iterable[str] = (),
    forbidden_zh: Iterable[str] = (),
    name: str = "glossary",
) -> tuple[Concept, list[Issue]]:
    """A validated concept ready for ``glossary.add``, and its warnings.

    The id defaults to a slug of the first English term. GlossaryError (a one-line message that starts with
    ``name``) on a malformed concept, an id already taken, or a lint error against the glossary (a source
    variant another concept claims with other targets, an unknown type). Vocabulary checks (TargetVocab)
    give warnings only and are the caller's to add.
    """
    en, zh = list(en), list(zh)
    cid = concept_id or (slug(en[0]) if en else "")
    if not cid:
        raise GlossaryError("no id given and no English term to make one from")
    concept = make_concept(
        id=cid, ar=ar, en=en, zh=zh, forbidden_en=forbidden_en, forbidden_zh=forbidden_zh, type=type, note=note
    )
    if concept.id in glossary:
        raise GlossaryError(f"{name}: concept id {concept.id!r} already exists (give another id)")
    issues = check_concept(concept) + check_against(concept, glossary.concepts)
    errors = [i for i in issues if i.level == "error"]
    if errors:
        raise GlossaryError(f"{name}: cannot add {concept.id!r}: {errors[0].message}")
    return concept, issues
