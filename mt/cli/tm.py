"""`mt tm`: translation memories (a thin layer over :mod:`mt.memory`): import, export, look up, stats, prune.

A translation memory is one SQLite file (--tm). Imports are stored as human translations, which win over machine
translation of the same sentence (except the MT units of a TMX that Tarjama exported, which go back in as MT
under their model and fingerprints); `mt translate --tm` stores MT output there and reuses it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, List, Optional

import typer

from mt.cli.common import say, warn
from mt.errors import InputError
from mt.formats.writing import atomic_writer, check_output
from mt.memory import TranslationMemory, WriteCounts
from mt.memory.formats import read_file, write_tmx, write_tsv
from mt.memory.model import ORIGINS, SOURCE_LANGS, TARGET_LANGS
from mt.memory.store import IMPORT_BATCH
from mt.text.lines import TextInput

HELP = "Translation memories: import human translations, export, fuzzy look-up, stats, prune."

app = typer.Typer(help=HELP, no_args_is_help=True)


def _tm_option(existing: bool) -> Any:  # typer.Option is typed Any, to be any parameter's default
    what = "must exist" if existing else "created when missing"
    return typer.Option(..., "--tm", metavar="TM", help=f"Translation memory file (SQLite; {what}).")


def _choice(value: Optional[str], allowed: tuple[str, ...], option: str) -> Optional[str]:
    if value is not None and value not in allowed:
        raise InputError(f"{option} must be {' or '.join(allowed)}, not {value!r}")
    return value


def _same_file(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))


def _not_the_tm(path: Path, tm: Path, role: str) -> None:
    for part in (tm, Path(f"{tm}-wal"), Path(f"{tm}-shm")):
        if _same_file(path, part):
            raise InputError(f"{path}: the {role} is the translation memory itself")


def _is_file(text: str) -> bool:
    """Whether a TEXT|FILE argument names an existing file (a long sentence is no valid path: not a file)."""
    if "\n" in text:
        return False
    try:
        return Path(text).is_file()
    except (OSError, ValueError):
        return False


def _out(text: str) -> None:
    typer.echo(text)


@app.command("import")
def import_(
    files: List[Path] = typer.Argument(
        ...,
        metavar="FILE [TGT]",
        help="A .tmx, .xlf/.xliff, .tsv or .csv file, or two parallel text files "
        "(source, then target; line i translates line i).",
    ),
    tm: Path = _tm_option(existing=False),
    src: str = typer.Option("ar", "--src", help="Source language in the file (ar; en for the pivot's en -> zh leg)."),
    tgt: Optional[str] = typer.Option(
        None,
        "--tgt",
        help="Target language to import (en or zh); default: every "
        "one the file has (TSV/CSV: its header, a parallel pair: TGT's extension).",
    ),
) -> None:
    """Import human translations (approved/final ones for XLIFF); they win over MT of the same sentence. The MT
    units of a TMX exported by Tarjama (x-origin mt) go back in as MT entries, with their model, score and flags."""
    _choice(src, SOURCE_LANGS, "--src")
    _choice(tgt, TARGET_LANGS, "--tgt")
    if tgt == src:
        raise InputError(f"--src and --tgt are both {src}")
    for path in files:
        _not_the_tm(path, tm, "input")
    parsed = read_file(files, src, tgt)  # everything is read and checked before the memory is opened
    by_key: dict = {}
    for segment, key in parsed.machine:
        by_key.setdefault(key, []).append(segment)
    with TranslationMemory.open(tm) as memory:
        counts = memory.add_human(parsed.segments)
        machine = WriteCounts()
        for key, segments in by_key.items():
            for start in range(0, len(segments), IMPORT_BATCH):
                machine += memory.store_mt(segments[start : start + IMPORT_BATCH], key)
    skipped = "".join(f", skipped {n} ({why})" for why, n in parsed.skipped.items())
    if counts.skipped + machine.skipped:
        skipped += f", skipped {counts.skipped + machine.skipped} (empty after normalisation)"
    mt_part = (
        f"; {machine.total} MT entr{'y' if machine.total == 1 else 'ies'} ({machine.added} added, "
        f"{machine.updated} updated, {machine.unchanged} unchanged)"
        if parsed.machine
        else ""
    )
    _out(
        f"imported {counts.total} segment(s) from {' + '.join(map(str, files))} into {tm}: {counts.added} added, "
        f"{counts.updated} updated, {counts.unchanged} unchanged{mt_part}{skipped}"
    )


@app.command("export")
def export(
    tm: Path = _tm_option(existing=True),
    output: Path = typer.Option(
        ...,
        "--output",
        "-o",
        help="File to write: .tmx (TMX 1.4) or .tsv (two columns with an 'ar<TAB>en' header, one target language).",
    ),
    origin: Optional[str] = typer.Option(None, "--origin", help="Export only human or only mt entries."),
    tgt: Optional[str] = typer.Option(
        None, "--tgt", help="Export only this target language (en or zh); a TSV needs it when the memory holds both."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output file."),
) -> None:
    """Write the memory (or part of it) as TMX or TSV, atomically."""
    _choice(origin, ORIGINS, "--origin")
    _choice(tgt, TARGET_LANGS, "--tgt")
    kind = output.suffix.lower()
    if kind not in (".tmx", ".tsv"):
        raise InputError(f"{output}: unknown output type {kind or '(none)'}; give a .tmx or .tsv file")
    _not_the_tm(output, tm, "output")
    check_output(output, force)
    with TranslationMemory.open(tm, read_only=True) as memory:
        langs = [lang for lang in memory.target_languages(origin) if tgt in (None, lang)]
        if kind == ".tsv" and len(langs) > 1:
            raise InputError(f"{tm} holds {' and '.join(langs)} targets and a TSV holds one: give --tgt")
        try:
            with atomic_writer(output) as handle:
                entries = memory.entries(origin=origin, target_lang=tgt)
                if kind == ".tmx":
                    written, skipped = write_tmx(entries, handle), 0
                else:
                    written, skipped = write_tsv(entries, handle, tgt or (langs[0] if langs else "en"))
        except PermissionError as error:
            raise InputError(f"{output}: cannot write there ({error.strerror})") from error
    if skipped:
        warn(
            f"{skipped} entr{'y' if skipped == 1 else 'ies'} with a tab or line break left out of the TSV "
            "(export to .tmx to keep them)"
        )
    _out(f"exported {written} entr{'y' if written == 1 else 'ies'} from {tm} to {output}")


@app.command("lookup")
def lookup(
    query: str = typer.Argument(..., metavar="TEXT|FILE", help="An Arabic sentence, or a text file: one query a line."),
    tm: Path = _tm_option(existing=True),
    min_similarity: float = typer.Option(
        75.0, "--min", min=0.0, max=100.0, help="Lowest similarity to list (0-100, on the normalised sources)."
    ),
    limit: int = typer.Option(5, "-n", "--limit", min=1, help="List at most this many matches per query."),
    to: Optional[str] = typer.Option(None, "--to", help="Only entries with this target language (en or zh)."),
    src: str = typer.Option("ar", "--src", help="Language of the queries (ar, or en)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object per query (JSON Lines)."),
) -> None:
    """List the entries closest to a sentence (or to each line of a file), with a similarity score."""
    _choice(to, TARGET_LANGS, "--to")
    _choice(src, SOURCE_LANGS, "--src")
    queries = list(TextInput(query).lines()) if _is_file(query) else [query]
    if not any(q.strip() for q in queries):
        raise InputError("nothing to look up: the query is empty")
    with TranslationMemory.open(tm, read_only=True) as memory:  # a look-up never writes
        for text in queries:
            if not text.strip():
                continue
            matches = memory.fuzzy(text, to, min_similarity=min_similarity, limit=limit, source_lang=src)
            if as_json:
                _out(
                    json.dumps(
                        {
                            "query": text,
                            "matches": [
                                {
                                    "similarity": m.similarity,
                                    "origin": m.entry.origin,
                                    "target_lang": m.entry.target_lang,
                                    "source": m.entry.source,
                                    "target": m.entry.target,
                                    "model": m.entry.model_id,
                                    "updated": m.entry.updated,
                                }
                                for m in matches
                            ],
                        },
                        ensure_ascii=False,
                    )
                )
                continue
            _out(f"{text}")
            if not matches:
                _out(f"  (no match at or above {min_similarity:g})")
            for m in matches:
                model = f" {m.entry.model_id}" if m.entry.model_id else ""
                _out(
                    f"  {m.similarity:5.1f}  {m.entry.origin}{model}  {m.entry.target_lang}  {m.entry.source}\n"
                    f"{'':>9}-> {m.entry.target}"
                )


@app.command("stats")
def stats(
    tm: Path = _tm_option(existing=True),
    check: bool = typer.Option(
        False,
        "--check",
        help="Also run SQLite's integrity check over the whole file (exit status 1 when it finds damage).",
    ),
) -> None:
    """Count the entries by origin, target language and model."""
    with TranslationMemory.open(tm, read_only=not check) as memory:  # FTS5's integrity-check is a write statement
        s = memory.stats()
        problems = memory.check() if check else []
    human, mt_ = s.by_origin.get("human", 0), s.by_origin.get("mt", 0)
    _out(f"{tm}: {s.entries} entries ({human} human, {mt_} mt), {s.distinct_sources} distinct sources")
    _out("target languages: " + (", ".join(f"{k} {v}" for k, v in s.by_target_lang.items()) or "none"))
    _out("mt models: " + (", ".join(f"{k} {v}" for k, v in s.by_model.items()) or "none"))
    if s.entries:
        _out(f"first entry {s.oldest}, last change {s.newest}")
    if s.unfinished_jobs:
        _out(f"unfinished jobs: {s.unfinished_jobs} (interrupted runs; the same command resumes each)")
    _out(f"schema version {s.schema_version}; {s.extra.get('sqlite', '')}; {s.file_bytes / 1e6:.1f} MB on disk")
    if check:
        if problems:
            raise InputError(f"{tm}: integrity check failed: {problems[0]}")
        _out("integrity check: ok")


@app.command("upgrade")
def upgrade(tm: Path = _tm_option(existing=True)) -> None:
    """Bring a memory made by an older Tarjama to this one's schema, in place, its entries kept (a read-only
    command such as stats or lookup refuses an older memory; translate --tm upgrades it too)."""
    with TranslationMemory.open(tm, create=False) as memory:  # opening for writing upgrades it
        before, after = memory.upgraded_from, memory.stats().schema_version
    if before is None:
        _out(f"{tm}: schema version {after}, nothing to upgrade")
    else:
        _out(f"{tm}: upgraded from schema version {before} to {after}")


@app.command("prune")
def prune(
    tm: Path = _tm_option(existing=True),
    origin: str = typer.Option(
        ..., "--origin", help="Remove the entries of this origin: mt (machine translations) or human (imported ones)."
    ),
    model: Optional[str] = typer.Option(None, "--model", help="Only the entries made by this model id."),
) -> None:
    """Remove entries by origin (and model), for example MT made by a model you no longer use."""
    _choice(origin, ORIGINS, "--origin")
    if origin == "human" and model is not None:
        raise InputError("--model selects MT entries; human entries have no model")
    with TranslationMemory.open(tm, create=False) as memory:
        removed = memory.prune(origin, model)
    which = f" of model {model}" if model else ""
    _out(f"removed {removed} {origin} entr{'y' if removed == 1 else 'ies'}{which} from {tm}")
    if removed == 0 and model is not None:
        say(f"mt: note: no mt entry of model {model!r} (see 'mt tm stats --tm {tm}')")
