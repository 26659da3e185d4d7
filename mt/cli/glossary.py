"""`mt glossary`: inspect, edit, check, convert and extend term bases (a thin layer over :mod:`mt.glossary`).

Every command takes the glossary file first; its format follows the extension (.tsv .tbx .csv .json) unless
--format says otherwise. Edits are validated first and written atomically, so a failed command leaves the file
as it was.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer
from rich.console import Console
from rich.table import Table

from mt.cli.common import warn
from mt.cli.rich_output import literal_console
from mt.errors import GlossaryError, InputError
from mt.text.lines import read_lines

if TYPE_CHECKING:
    from mt.glossary import Glossary

app = typer.Typer(
    help="Term bases (ar -> en, zh): list, show, add, remove, check, import, export, suggest.",
    no_args_is_help=True,
)

FILE_ARG = typer.Argument(..., metavar="FILE", help="Glossary file (.tsv, .tbx, .csv or .json).")
FORMAT_OPT = typer.Option(
    None, "--format", "-f", help="Glossary format (tsv, tbx, csv, json); default: from the extension."
)


def _out() -> Console:
    return literal_console(soft_wrap=False)


def _load(path: Path, fmt: Optional[str] = None, **options: object):
    from mt.glossary import Glossary

    return Glossary.load(path, fmt, **options)


def _editable(path: Path, fmt: Optional[str]) -> None:
    from mt.glossary.edit import check_editable

    check_editable(path, fmt)


def _check_type(type_: Optional[str]) -> None:
    from mt.glossary.model import TYPES

    if type_ is not None and type_ not in TYPES:
        raise InputError(f"unknown concept type {type_!r}; choose one of {', '.join(TYPES)}")


def _variants(value: Optional[str]) -> list[str]:
    return [v.strip() for v in (value or "").split("|") if v.strip()]


def _vocab(model: Optional[Path], lang: Optional[str], concepts):
    """The target vocabulary of --model DIR, its language from --model-lang or guessed from the terms."""
    if model is None:
        return None
    from mt.glossary.lint import TargetVocab

    if lang is not None and lang not in ("en", "zh"):
        raise InputError(f"--model-lang must be en or zh, not {lang!r}")
    if lang is None:
        vocab = TargetVocab(model, "en")
        bad = {"en": 0, "zh": 0}
        total = {"en": 0, "zh": 0}
        for concept in concepts:
            for code in ("en", "zh"):
                for term in concept.targets(code):
                    total[code] += 1
                    bad[code] += bool(vocab.unknown_pieces(term))
        ratio = {code: bad[code] / total[code] if total[code] else 1.0 for code in bad}
        vocab.lang = min(ratio, key=ratio.__getitem__)
        return vocab
    return TargetVocab(model, lang)


def _concept_table(concepts, title: str) -> Table:
    table = Table(title=title, show_lines=False, expand=False)
    for name in ("id", "type", "Arabic", "English", "Chinese"):
        table.add_column(name, overflow="fold")
    for c in concepts:
        table.add_row(c.id, c.type, " | ".join(c.ar), " | ".join(c.en), " | ".join(c.zh))
    return table


@app.command("list")
def list_(
    file: Path = FILE_ARG,
    type_: Optional[str] = typer.Option(
        None,
        "--type",
        "-t",
        help="Show only concepts of this type (person, organisation, place, product, event or other).",
    ),
    fmt: Optional[str] = FORMAT_OPT,
) -> None:
    """List the concepts of a glossary as a table on stdout."""
    _check_type(type_)
    glossary = _load(file, fmt)
    concepts = [c for c in glossary if type_ is None or c.type == type_]
    _out().print(_concept_table(concepts, f"{len(concepts)} of {len(glossary)} concepts in {file}"))


@app.command("show")
def show(
    file: Path = FILE_ARG,
    concept_id: str = typer.Argument(..., metavar="ID", help="Id of the concept to show."),
    fmt: Optional[str] = FORMAT_OPT,
) -> None:
    """Show every field of one concept."""
    c = _load(file, fmt).get(concept_id)
    table = Table(title=f"{file}: {c.id}", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for name, value in (
        ("id", c.id),
        ("type", c.type),
        ("Arabic", " | ".join(c.ar)),
        ("English", " | ".join(c.en)),
        ("Chinese", " | ".join(c.zh)),
        ("forbidden en", " | ".join(c.forbidden_en)),
        ("forbidden zh", " | ".join(c.forbidden_zh)),
        ("note", c.note),
    ):
        table.add_row(name, value)
    _out().print(table)


@app.command("add")
def add(
    file: Path = FILE_ARG,
    ar: str = typer.Option(..., "--ar", help="Arabic source variants, '|'-separated."),
    en: str = typer.Option("", "--en", help="English preferred term, then accepted alternatives, '|'-separated."),
    zh: str = typer.Option("", "--zh", help="Chinese preferred term, then accepted alternatives, '|'-separated."),
    concept_id: Optional[str] = typer.Option(None, "--id", help="Concept id (default: made from the English term)."),
    type_: str = typer.Option("other", "--type", "-t", help="person, organisation, place, product, event or other."),
    note: str = typer.Option("", "--note", help="Free-text note (source, doubts)."),
    forbidden_en: str = typer.Option("", "--forbidden-en", help="English renderings to avoid, '|'-separated."),
    forbidden_zh: str = typer.Option("", "--forbidden-zh", help="Chinese renderings to avoid, '|'-separated."),
    model: Optional[Path] = typer.Option(
        None,
        "--model",
        help="Model directory (target.spm + vocab.json): warn about targets its vocabulary cannot spell.",
    ),
    model_lang: Optional[str] = typer.Option(
        None, "--model-lang", help="Target language of --model (en or zh); default: guessed from the vocabulary."
    ),
    fmt: Optional[str] = FORMAT_OPT,
) -> None:
    """Add a concept (validated; the file stays sorted by id and is written atomically)."""
    from mt.glossary.edit import new_concept

    _editable(file, fmt)
    glossary = _load(file, fmt)
    if not concept_id and not _variants(en):
        raise GlossaryError("no --id given and no English term to make one from")
    concept, issues = new_concept(
        glossary,
        ar=_variants(ar),
        en=_variants(en),
        zh=_variants(zh),
        concept_id=concept_id,
        type=type_,
        note=note,
        forbidden_en=_variants(forbidden_en),
        forbidden_zh=_variants(forbidden_zh),
        name=str(file),
    )
    vocab = _vocab(model, model_lang, [concept])
    if vocab is not None:
        issues += vocab.check(concept)  # warnings only
    for issue in issues:
        warn(f"{concept.id}: {issue.message}")
    glossary.add(concept)
    glossary.save(file, fmt)
    _out().print(f"added {concept.id} to {file} ({len(glossary)} concepts)")


@app.command("remove")
def remove(
    file: Path = FILE_ARG,
    concept_id: str = typer.Argument(..., metavar="ID", help="Id of the concept to remove."),
    fmt: Optional[str] = FORMAT_OPT,
) -> None:
    """Remove a concept by id (the file is written atomically)."""
    _editable(file, fmt)
    glossary = _load(file, fmt)
    glossary.remove(concept_id)
    glossary.save(file, fmt)
    _out().print(f"removed {concept_id} from {file} ({len(glossary)} concepts)")


@app.command("check")
def check(
    file: Path = FILE_ARG,
    model: Optional[Path] = typer.Option(
        None,
        "--model",
        help="Model directory (target.spm + vocab.json): also report targets its vocabulary cannot spell.",
    ),
    model_lang: Optional[str] = typer.Option(
        None, "--model-lang", help="Target language of --model (en or zh); default: guessed from the vocabulary."
    ),
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="Also print notes (variants equal after normalisation)."
    ),
    fmt: Optional[str] = FORMAT_OPT,
) -> None:
    """Lint a whole glossary: exit status 1 when there are errors (warnings are allowed)."""
    from mt.glossary.lint import lint

    glossary = _load(file, fmt)
    issues = lint(glossary.concepts, _vocab(model, model_lang, glossary.concepts))
    out = _out()
    for issue in issues:
        if issue.level == "info" and not verbose:
            continue
        where = f"{file}:{glossary.lines[issue.concept_id]}" if issue.concept_id in glossary.lines else str(file)
        out.print(f"{where}: {issue.level}: {issue.concept_id}: {issue.message}", markup=False, soft_wrap=True)
    errors = sum(i.level == "error" for i in issues)
    warnings = sum(i.level == "warning" for i in issues)
    if errors:
        raise GlossaryError(f"{file}: {errors} error(s), {warnings} warning(s) in {len(glossary)} concepts")
    out.print(f"{file}: ok, {len(glossary)} concepts, {warnings} warning(s)", soft_wrap=True)


def _check_output(path: Path, force: bool, source: Path) -> None:
    from mt.formats.writing import check_output

    check_output(path, force, [source])


@app.command("import")
def import_(
    file: Path = typer.Argument(..., metavar="FILE", help="Glossary to import (.tbx, .csv, .json or .tsv)."),
    output: Path = typer.Option(..., "--output", "-o", help="Glossary to write (format from its extension)."),
    fmt: Optional[str] = typer.Option(None, "--format", "-f", help="Format of FILE (default: from the extension)."),
    to_format: Optional[str] = typer.Option(None, "--to", help="Format of the output (default: from the extension)."),
    source_lang: str = typer.Option("ar", "--source-lang", help="Source language of a 2-column CSV (ar)."),
    target_lang: str = typer.Option("en", "--target-lang", help="Target language of a 2-column CSV (en or zh)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output file."),
) -> None:
    """Convert a TBX / CSV / JSON glossary into a Tarjama glossary (TSV by default).

    The concepts pass the same checks as `mt glossary check`: a glossary with errors is not written.
    """
    from mt.glossary.lint import lint

    _check_output(output, force, file)
    glossary = _load(file, fmt, source_lang=source_lang, target_lang=target_lang)
    errors = [i for i in lint(glossary.concepts) if i.level == "error"]
    if errors:
        first = errors[0]
        raise GlossaryError(
            f"{file}: {len(errors)} error(s), nothing imported; first: {first.concept_id}: {first.message}"
        )
    glossary.save(output, to_format)
    _out().print(f"imported {len(glossary)} concepts from {file} into {output}")


@app.command("export")
def export(
    file: Path = FILE_ARG,
    output: Path = typer.Option(..., "--output", "-o", help="File to write (.tbx, .csv, .json or .tsv)."),
    fmt: Optional[str] = FORMAT_OPT,
    to_format: Optional[str] = typer.Option(None, "--to", help="Format of the output (default: from the extension)."),
    target_lang: Optional[str] = typer.Option(
        None, "--target-lang", help="Target language for CSV (en or zh): CSV carries one target per row."
    ),
    header: bool = typer.Option(False, "--header", help="CSV: write an 'ar,<lang>' header row."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output file."),
) -> None:
    """Write a glossary as TBX v3, 2-column CSV, JSON or TSV."""
    _check_output(output, force, file)
    glossary = _load(file, fmt)
    glossary.save(output, to_format, target_lang=target_lang, header=header)
    _out().print(f"exported {len(glossary)} concepts from {file} to {output}")


# the options of `mt glossary suggest`, declared apart so that its signature reads as a list of names
_SRC = typer.Argument(..., metavar="SRC", help="Arabic side of a parallel text (one segment per line).")
_TGT = typer.Argument(..., metavar="TGT", help="English side, line-aligned with SRC.")
_YES = typer.Option(False, "--yes", "-y", help="Add every suggestion without asking.")
_DRY_RUN = typer.Option(False, "--dry-run", help="Only print the suggestions, never add.")
_MIN_COUNT = typer.Option(
    2, "--min-count", min=1, help="Lines an Arabic/English pair must share unless it looks transliterated."
)
_MIN_DICE = typer.Option(0.5, "--min-dice", min=0.0, max=1.0, help="Lowest Dice co-occurrence score.")
_LIMIT = typer.Option(50, "--limit", min=1, help="Show (and offer) at most this many suggestions.")
_NAMES_TABLE = typer.Option(None, "--names-table", help="Name-token pivot table (default: the shipped Wikidata one).")


@app.command("suggest")
def suggest(
    file: Path = FILE_ARG,
    src: Path = _SRC,
    tgt: Path = _TGT,
    yes: bool = _YES,
    dry_run: bool = _DRY_RUN,
    min_count: int = _MIN_COUNT,
    min_dice: float = _MIN_DICE,
    limit: int = _LIMIT,
    names_table: Optional[Path] = _NAMES_TABLE,
    fmt: Optional[str] = FORMAT_OPT,
) -> None:
    """Propose new concepts from a parallel text; asks y/n for each on a terminal, --yes adds all.

    Without a terminal and without --yes nothing is added: the suggestions are only printed.
    """
    from mt.glossary.suggest import DEFAULT_NAMES_TABLE, NameTable
    from mt.glossary.suggest import suggest as propose

    if not dry_run and (yes or sys.stdin.isatty()):
        _editable(file, fmt)
    glossary = _load(file, fmt)
    src_lines = read_lines(src)  # the shared reader: one-line errors for a bad file
    tgt_lines = read_lines(tgt)
    table_path = names_table or DEFAULT_NAMES_TABLE
    names = NameTable.load(table_path) if (names_table or DEFAULT_NAMES_TABLE.exists()) else None
    found = propose(src_lines, tgt_lines, names=names, min_count=min_count, min_dice=min_dice, glossary=glossary)[
        :limit
    ]
    out = _out()
    out.print(_suggestion_table(found, file))
    interactive = sys.stdin.isatty() and not yes
    if dry_run or not found or not (yes or interactive):
        if found and not dry_run:
            out.print("nothing added (not a terminal): run again with --yes to add them all")
        return
    added = _add_suggestions(glossary, found, yes, f"{src.name}/{tgt.name}")
    if added:
        glossary.save(file, fmt)
    out.print(f"added {added} concept(s) to {file}")


def _suggestion_table(found: list, file: Path) -> Table:
    """The suggestions as a numbered table: Arabic, English, the name table's Chinese hint, Dice, evidence."""
    table = Table(title=f"{len(found)} suggestion(s) for {file}")
    for name in ("#", "Arabic", "English", "zh hint (unchecked)", "Dice", "lines", "evidence"):
        table.add_column(name, overflow="fold")
    for n, s in enumerate(found, start=1):
        table.add_row(str(n), s.ar, s.en, s.zh_hint, f"{s.dice:.2f}", str(s.count), s.evidence)
    return table


def _add_suggestions(glossary: Glossary, found: list, yes: bool, origin: str) -> int:
    """Add each suggestion (asking y/n/q first unless ``yes``) as a new concept noting ``origin``; one whose
    Arabic the glossary already has is skipped with a warning. Returns how many were added."""
    from mt.glossary.lint import check_against
    from mt.glossary.model import make_concept, slug

    added = 0
    for s in found:
        if not yes:
            answer = typer.prompt(f"add {s.ar} -> {s.en}? [y/n/q]", default="n").strip().lower()
            if answer.startswith("q"):
                break
            if not answer.startswith("y"):
                continue
        cid, n = slug(s.en), 2
        while cid in glossary:
            cid, n = f"{slug(s.en)}-{n}", n + 1
        note = f"suggested from {origin} ({s.evidence}, Dice {s.dice:.2f}); no Chinese yet"
        if s.zh_hint:
            note += f"; name-table hint {s.zh_hint} (unchecked)"
        concept = make_concept(id=cid, ar=[s.ar], en=[s.en], type="other", note=note)
        if check_against(concept, glossary.concepts):
            warn(f"skipped {s.ar}: its Arabic is already in the glossary")
            continue
        glossary.add(concept)
        added += 1
    return added
