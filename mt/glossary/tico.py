"""Load the TICO-19 terminology tables (Facebook and Google, CC0) into a :class:`Glossary`.

Cells are noisy: a zh cell may hold variants separated by `` : ``, bracketed comments (``[when referring ...]``),
and parenthesised acronyms (``艾滋病（AIDS）``, ``مركز ... (CDC)``). Each variant is kept as written and, when it
has a parenthesis, also without it. Rows with the same English term (case-insensitive) become one concept.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from mt.errors import GlossaryError
from mt.glossary.glossary import Glossary
from mt.glossary.model import Concept, make_concept

FILES = {
    "facebook": "tico19.terminology.facebook.en-ar-zh.tsv",
    "google": "tico19.terminology.google.en-ar-zh.tsv",
    "google-ar-en": "tico19.terminology.google.ar-en.csv",
}
_BRACKET = re.compile(r"\s*\[[^\]]*\]")
_PAREN = re.compile(r"\s*[(（][^)）]*[)）]\s*")


def split_cell(cell: str) -> list[str]:
    """Variants of one TICO cell: split on ' : ', drop [comments], add the form without (parentheses)."""
    out: list[str] = []
    for part in cell.split(" : "):
        part = " ".join(_BRACKET.sub("", part).split())
        if not part:
            continue
        for form in (part, " ".join(_PAREN.sub(" ", part).split())):
            if form and form not in out and "|" not in form:
                out.append(form)
    return out


def _rows(path: Path, kind: str) -> list[tuple[int, str, list[str], list[str], list[str]]]:
    """(line, id, ar, en, zh) rows of one table."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise GlossaryError(f"{path}: no such TICO-19 term table") from error
    rows: list[tuple[int, str, list[str], list[str], list[str]]] = []
    if kind == "google-ar-en":
        reader = csv.DictReader(text.splitlines())
        for lineno, row in enumerate(reader, start=2):
            rows.append(
                (lineno, f"g-{row['stringID']}", split_cell(row["sourceString"]), split_cell(row["targetString"]), [])
            )
        return rows
    reader = csv.DictReader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE)
    id_col = "id" if kind == "facebook" else "stringID"
    prefix = "fb" if kind == "facebook" else "g"
    for lineno, row in enumerate(reader, start=2):
        if not row.get("en"):
            raise GlossaryError(f"{path}:{lineno}: no English term")
        rows.append(
            (
                lineno,
                f"{prefix}-{row[id_col]}",
                split_cell(row.get("ar") or ""),
                split_cell(row["en"]),
                split_cell(row.get("zh_CN") or ""),
            )
        )
    return rows


def load_tico19(directory: str | Path, tables: tuple[str, ...] = ("facebook", "google", "google-ar-en")) -> Glossary:
    """A glossary from the TICO-19 term tables in ``directory`` (rows without Arabic are skipped)."""
    directory = Path(directory)
    merged: dict[str, dict[str, list[str] | str]] = {}
    for kind in tables:
        if kind not in FILES:
            raise GlossaryError(f"unknown TICO-19 table {kind!r} (expected one of {', '.join(FILES)})")
        for _lineno, rid, ar, en, zh in _rows(directory / FILES[kind], kind):
            if not ar or not en:
                continue
            key = en[0].lower()
            slot = merged.setdefault(key, {"id": f"tico-{rid}", "ar": [], "en": [], "zh": []})
            for name, values in (("ar", ar), ("en", en), ("zh", zh)):
                bucket = slot[name]
                assert isinstance(bucket, list)
                bucket.extend(v for v in values if v not in bucket)
    concepts: list[Concept] = []
    for slot in merged.values():
        concepts.append(
            make_concept(
                id=str(slot["id"]),
                ar=slot["ar"],
                en=slot["en"],
                zh=slot["zh"],
                type="other",
                note="TICO-19 terminology (CC0)",
            )
        )
    return Glossary(concepts)
