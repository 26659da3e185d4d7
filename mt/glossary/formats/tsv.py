"""The canonical, diff-friendly glossary format: UTF-8 TSV, a header row, one concept per row, variants joined by |.

    id	ar	en	zh	forbidden_en	forbidden_zh	type	note
    aliexpress	علي اكسبريس|علي إكسبريس	AliExpress	全球速卖通|速卖通			product	Alibaba's cross-border platform

Blank lines and lines starting with # are ignored. id, ar and one of en / zh are required; the columns
forbidden_en, forbidden_zh, type and note may be left out of the header.
"""

from __future__ import annotations

from mt.errors import GlossaryError
from mt.glossary.model import Concept, concept_from_fields, concept_problem

COLUMNS: tuple[str, ...] = ("id", "ar", "en", "zh", "forbidden_en", "forbidden_zh", "type", "note")
_REQUIRED = ("id", "ar", "en", "zh")
_LISTS = ("ar", "en", "zh", "forbidden_en", "forbidden_zh")


def _split(cell: str) -> list[str]:
    return [v.strip() for v in cell.split("|") if v.strip()]


def loads(text: str, name: str = "<tsv>", **_: object) -> list[Concept]:
    """Parse canonical TSV; a malformed row raises GlossaryError('NAME:LINE: problem')."""
    header: list[str] | None = None
    concepts: list[Concept] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = line.split("\t")
        if header is None:
            header = [c.strip().lower() for c in cells]
            unknown = [c for c in header if c not in COLUMNS]
            missing = [c for c in _REQUIRED if c not in header]
            if unknown or missing or len(set(header)) != len(header):
                raise GlossaryError(
                    f"{name}:{lineno}: bad header (need columns {', '.join(_REQUIRED)}; "
                    f"optional {', '.join(COLUMNS[4:])}; got {', '.join(header)})"
                )
            continue
        if len(cells) != len(header):
            raise GlossaryError(f"{name}:{lineno}: expected {len(header)} tab-separated columns, found {len(cells)}")
        row = dict(zip(header, cells))
        try:
            concept = concept_from_fields(
                {k: v.strip() for k, v in row.items() if k not in _LISTS},
                {k: _split(v) for k, v in row.items() if k in _LISTS},
            )
        except GlossaryError as error:
            raise GlossaryError(f"{name}:{lineno}: {error}") from error
        except TypeError as error:  # pragma: no cover - header checked above
            raise GlossaryError(f"{name}:{lineno}: {error}") from error
        if concept.id in seen:
            raise GlossaryError(f"{name}:{lineno}: duplicate id {concept.id!r} (first on line {seen[concept.id]})")
        seen[concept.id] = lineno
        concepts.append(concept)
    if header is None:
        raise GlossaryError(f"{name}: empty glossary file (no header row)")
    return concepts


def line_numbers(text: str) -> dict[str, int]:
    """Map concept id -> line number, for messages about a loaded file."""
    out: dict[str, int] = {}
    header_seen = False
    for lineno, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not header_seen:
            header_seen = True
            continue
        out.setdefault(line.split("\t", 1)[0].strip(), lineno)
    return out


def dumps(concepts: list[Concept], **_: object) -> str:
    """Write canonical TSV (all columns, LF line ends)."""
    lines = ["\t".join(COLUMNS)]
    for c in concepts:
        problem = concept_problem(c)
        if problem:
            raise GlossaryError(problem)
        cells = [
            c.id,
            "|".join(c.ar),
            "|".join(c.en),
            "|".join(c.zh),
            "|".join(c.forbidden_en),
            "|".join(c.forbidden_zh),
            c.type,
            c.note,
        ]
        lines.append("\t".join(cells))
    return "\n".join(lines) + "\n"
