"""CSV glossaries in the forms the MT services use.

* Two columns, no header (DeepL, Google unidirectional): ``source,target``. Reading needs the languages
  (default ``ar`` -> ``en``); rows with the same target become one concept with several source variants.
* A header row of language codes (Amazon, Google equivalent-term sets): ``ar,en,zh`` (``zh-CN``, ``zh_Hans``,
  ``en-US`` ... are accepted); one concept per row; a cell may hold ``|``-separated variants.

Writing produces the two-column form and needs the target language. It carries every Arabic variant and the
*preferred* target only: alternatives, forbidden renderings, ids, types and notes are not representable there
(export TSV, TBX or JSON to keep them). RFC 4180 quoting, UTF-8 without BOM.
"""

from __future__ import annotations

import csv
import io

from mt.errors import GlossaryError
from mt.formats.language import TRADITIONAL_CHINESE, language_of
from mt.glossary.model import Concept, concept_from_fields, slug

GLOSSARY_LANGS = ("ar", "en", "zh")


def lang_code(cell: str) -> str | None:
    """A glossary column's language, by mt.formats.language's rule ('zh-CN' / 'zh_Hans' / 'en-US' / 'ara' ->
    'zh' / 'en' / 'ar'); a Traditional Chinese column counts as Chinese (Chinese terms are matched after
    OpenCC t2s); None for any other language."""
    lang = language_of(cell)
    lang = "zh" if lang == TRADITIONAL_CHINESE else lang
    return lang if lang in GLOSSARY_LANGS else None


def _variants(cell: str) -> list[str]:
    return [v.strip() for v in cell.split("|") if v.strip()]


def _unique_id(base: str, taken: set[str]) -> str:
    cid, n = base, 2
    while cid in taken:
        cid, n = f"{base}-{n}", n + 1
    taken.add(cid)
    return cid


def loads(
    text: str, name: str = "<csv>", source_lang: str = "ar", target_lang: str = "en", **_: object
) -> list[Concept]:
    """Parse a 2-column or language-header CSV glossary."""
    rows = [
        (i, r)
        for i, r in enumerate(csv.reader(io.StringIO(text.lstrip("\ufeff"))), start=1)
        if any(c.strip() for c in r) and not r[0].lstrip().startswith("#")
    ]
    if not rows:
        raise GlossaryError(f"{name}: empty CSV glossary")
    first = rows[0][1]
    langs = [lang_code(c) for c in first]
    taken: set[str] = set()
    concepts: list[Concept] = []
    if langs == ["ar", "en"] or langs == ["ar", "zh"]:  # a 2-column file with a header: same as without
        target_lang = langs[1] or target_lang  # langs[1] is that header's language
        rows = rows[1:]
    elif all(langs) and len(set(langs)) == len(langs) and "ar" in langs:
        columns = [lang for lang in langs if lang is not None]  # every one (all(langs))
        for lineno, row in rows[1:]:
            if len(row) != len(columns):
                raise GlossaryError(f"{name}:{lineno}: expected {len(columns)} columns, found {len(row)}")
            values = {lang: _variants(cell) for lang, cell in zip(columns, row)}
            base = slug(values["en"][0]) if values.get("en") else f"csv-{lineno}"
            try:
                concepts.append(concept_from_fields({"id": _unique_id(base, taken)}, values))
            except GlossaryError as error:
                raise GlossaryError(f"{name}:{lineno}: {error}") from error
        return concepts
    elif all(langs):
        raise GlossaryError(f"{name}:{rows[0][0]}: a language-code header needs an 'ar' column and no repeats")
    if source_lang != "ar" or target_lang not in ("en", "zh"):
        raise GlossaryError(f"{name}: a 2-column CSV glossary must be ar -> en or ar -> zh")
    by_target: dict[str, tuple[int, list[str]]] = {}
    for lineno, row in rows:
        if len(row) != 2:
            raise GlossaryError(f"{name}:{lineno}: expected 2 columns (source,target), found {len(row)}")
        src, tgt = row[0].strip(), row[1].strip()
        if not src or not tgt:
            raise GlossaryError(f"{name}:{lineno}: empty {'source' if not src else 'target'} term")
        by_target.setdefault(tgt, (lineno, []))[1].append(src)
    for tgt, (lineno, sources) in by_target.items():
        base = slug(tgt) if target_lang == "en" else f"csv-{lineno}"
        try:
            concepts.append(concept_from_fields({"id": _unique_id(base, taken)}, {"ar": sources, target_lang: [tgt]}))
        except GlossaryError as error:
            raise GlossaryError(f"{name}:{lineno}: {error}") from error
    return concepts


def dumps(concepts: list[Concept], target_lang: str | None = None, header: bool = False, **_: object) -> str:
    """Write the 2-column form ``arabic_variant,preferred_target`` (one row per Arabic variant)."""
    if target_lang not in ("en", "zh"):
        raise GlossaryError("CSV export needs a target language: en or zh (--target-lang)")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header:
        writer.writerow(["ar", target_lang])
    for c in concepts:
        target = c.preferred(target_lang)
        if not target:
            continue
        for variant in c.ar:
            writer.writerow([variant, target])
    return out.getvalue()
