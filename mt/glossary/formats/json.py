"""JSON glossaries: {"format": "tarjama-glossary", "version": 1, "concepts": [{...}, ...]} (a bare list is read too)."""

from __future__ import annotations

import json

from mt.errors import GlossaryError
from mt.glossary.model import Concept, concept_from_fields

_FIELDS = ("id", "ar", "en", "zh", "forbidden_en", "forbidden_zh", "type", "note")
_LISTS = ("ar", "en", "zh", "forbidden_en", "forbidden_zh")


def loads(text: str, name: str = "<json>", **_: object) -> list[Concept]:
    """Parse a JSON glossary; problems name the file and the concept's index."""
    try:
        data = json.loads(text.removeprefix("\ufeff"))  # a BOM is dropped, as TSV and CSV do
    except json.JSONDecodeError as error:
        raise GlossaryError(f"{name}:{error.lineno}: invalid JSON ({error.msg})") from error
    except RecursionError as error:  # the decoder recurses per level: 100,000 nested lists never get this far
        raise GlossaryError(f"{name}: invalid JSON (nested too deeply)") from error
    items = data.get("concepts") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise GlossaryError(f"{name}: expected a list of concepts or an object with a 'concepts' list")
    concepts: list[Concept] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        where = f"{name}: concept #{i + 1}"
        if not isinstance(item, dict):
            raise GlossaryError(f"{where}: expected an object")
        unknown = set(item) - set(_FIELDS)
        if unknown:
            raise GlossaryError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        texts: dict[str, str] = {}
        lists: dict[str, list[str]] = {}
        for key, value in item.items():
            if key in _LISTS:
                if isinstance(value, str):
                    value = [value]
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise GlossaryError(f"{where}: {key} must be a list of strings")
                lists[key] = value
            elif not isinstance(value, str):
                raise GlossaryError(f"{where}: {key} must be a string")
            else:
                texts[key] = value
        try:
            concept = concept_from_fields(texts, lists)
        except GlossaryError as error:
            raise GlossaryError(f"{where}: {error}") from error
        if concept.id in seen:
            raise GlossaryError(f"{where}: duplicate id {concept.id!r}")
        seen.add(concept.id)
        concepts.append(concept)
    return concepts


def dumps(concepts: list[Concept], **_: object) -> str:
    """Write the JSON glossary (UTF-8, not ASCII-escaped, 2-space indent)."""
    items = []
    for c in concepts:
        item: dict[str, object] = {"id": c.id, "ar": list(c.ar), "en": list(c.en), "zh": list(c.zh)}
        if c.forbidden_en:
            item["forbidden_en"] = list(c.forbidden_en)
        if c.forbidden_zh:
            item["forbidden_zh"] = list(c.forbidden_zh)
        item["type"] = c.type
        if c.note:
            item["note"] = c.note
        items.append(item)
    return (
        json.dumps({"format": "tarjama-glossary", "version": 1, "concepts": items}, ensure_ascii=False, indent=2) + "\n"
    )
