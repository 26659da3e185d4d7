"""The term base: one :class:`Concept` per row, several source variants, preferred and accepted targets."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Mapping

from mt.errors import GlossaryError

TYPES: tuple[str, ...] = ("person", "organisation", "place", "product", "event", "other")
LANGS: tuple[str, ...] = ("ar", "en", "zh")
ID_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_FORBIDDEN_CHARS = ("\t", "\n", "\r", "|")


@dataclass(frozen=True)
class Concept:
    """One concept: Arabic source variants, English and Chinese targets (preferred first), forbidden renderings."""

    id: str
    ar: tuple[str, ...]
    en: tuple[str, ...]
    zh: tuple[str, ...]
    forbidden_en: tuple[str, ...] = ()
    forbidden_zh: tuple[str, ...] = ()
    type: str = "other"
    note: str = ""

    def targets(self, lang: str) -> tuple[str, ...]:
        """All accepted forms in ``lang`` (for "ar": the source variants), preferred first."""
        if lang not in LANGS:
            raise GlossaryError(f"unknown language {lang!r} (expected one of {', '.join(LANGS)})")
        return getattr(self, lang)

    def preferred(self, lang: str) -> str:
        """The preferred form in ``lang`` ('' when the concept has none)."""
        forms = self.targets(lang)
        return forms[0] if forms else ""

    def forbidden(self, lang: str) -> tuple[str, ...]:
        """Renderings that must not appear in ``lang`` output."""
        return {"en": self.forbidden_en, "zh": self.forbidden_zh}.get(lang, ())


def clean_term(term: str) -> str:
    """NFC and collapse inner whitespace (terms are compared after this)."""
    return " ".join(unicodedata.normalize("NFC", term).split())


def _dedupe(terms: Iterable[str]) -> tuple[str, ...]:
    seen: list[str] = []
    for t in terms:
        t = clean_term(t)
        if t and t not in seen:
            seen.append(t)
    return tuple(seen)


def make_concept(
    id: str,
    ar: Iterable[str],
    en: Iterable[str] = (),
    zh: Iterable[str] = (),
    forbidden_en: Iterable[str] = (),
    forbidden_zh: Iterable[str] = (),
    type: str = "other",
    note: str = "",
) -> Concept:
    """Build a :class:`Concept` from loose values (strings are cleaned, duplicates dropped) and validate it."""
    concept = Concept(
        id=id.strip(),
        ar=_dedupe(ar),
        en=_dedupe(en),
        zh=_dedupe(zh),
        forbidden_en=_dedupe(forbidden_en),
        forbidden_zh=_dedupe(forbidden_zh),
        type=(type or "other").strip().lower(),
        note=" ".join(note.split()),
    )
    problem = concept_problem(concept)
    if problem:
        raise GlossaryError(problem)
    return concept


def concept_from_fields(texts: Mapping[str, str], lists: Mapping[str, Iterable[str]]) -> Concept:
    """:func:`make_concept` from a reader's fields by name: ``texts`` the text fields (id, type, note), ``lists``
    the term lists (ar, en, zh, forbidden_en, forbidden_zh); a field left out takes make_concept's default."""
    return make_concept(
        texts.get("id", ""),
        lists.get("ar", ()),
        lists.get("en", ()),
        lists.get("zh", ()),
        lists.get("forbidden_en", ()),
        lists.get("forbidden_zh", ()),
        texts.get("type", "other"),
        texts.get("note", ""),
    )


def concept_problem(concept: Concept) -> str | None:
    """Why ``concept`` is malformed, or None. Used by every reader and by ``mt glossary add``."""
    if not concept.id:
        return "empty id"
    if not ID_RE.match(concept.id):
        return f"bad id {concept.id!r} (letters, digits, _ . - ; must not start with a digit or -)"
    if not concept.ar:
        return f"concept {concept.id}: no Arabic source variant"
    if not concept.en and not concept.zh:
        return f"concept {concept.id}: neither an English nor a Chinese target"
    if concept.type not in TYPES:
        return f"concept {concept.id}: unknown type {concept.type!r} (expected one of {', '.join(TYPES)})"
    for name in ("ar", "en", "zh", "forbidden_en", "forbidden_zh"):
        for term in getattr(concept, name):
            if any(c in term for c in _FORBIDDEN_CHARS):
                return f"concept {concept.id}: {name} term {term!r} contains a tab, newline or '|'"
    for lang in ("en", "zh"):
        clash = set(concept.targets(lang)) & set(concept.forbidden(lang))
        if clash:
            return f"concept {concept.id}: {sorted(clash)[0]!r} is both accepted and forbidden in {lang}"
    if "\t" in concept.note or "\n" in concept.note:
        return f"concept {concept.id}: note contains a tab or newline"
    return None


def slug(text: str) -> str:
    """An id made from an English term: 'Jack Ma' -> 'jack-ma'."""
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    s = re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")
    if not s or not s[0].isalpha():
        s = "c-" + s if s else "c"
    return s
