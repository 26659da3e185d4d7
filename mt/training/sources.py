"""Training and validation pairs from any file Tarjama reads: a parallel pair of text files, TSV / CSV, TMX,
XLIFF (approved or final targets), JSONL (``source`` with ``translation`` or ``target``, as `mt translate
--format jsonl` writes it) or a translation memory (SQLite; its human entries).

TMX, XLIFF, TSV and parallel pairs are read by :mod:`mt.memory.formats` and a memory by
:class:`mt.memory.TranslationMemory`; this module adds JSONL and the grouping of a list of paths into sources.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from mt.errors import InputError
from mt.memory import Segment, TranslationMemory
from mt.memory.formats import TABLE_EXTENSIONS, TMX_EXTENSIONS, XLIFF_EXTENSIONS, read_file
from mt.text.lines import TextInput

JSONL_EXTENSIONS = (".jsonl",)
TM_EXTENSIONS = (".tm", ".db", ".sqlite", ".sqlite3")
SQLITE_MAGIC = b"SQLite format 3\x00"
SINGLE_FILE_EXTENSIONS = TMX_EXTENSIONS + XLIFF_EXTENSIONS + TABLE_EXTENSIONS + JSONL_EXTENSIONS + TM_EXTENSIONS
TARGET_KEYS = ("translation", "target")


@dataclass(frozen=True)
class PairSource:
    """Pairs read from one source (one file, or a parallel pair of files), with what was skipped and why."""

    name: str
    pairs: list[Segment]
    skipped: dict[str, int]


def _is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def is_single_file(path: Path) -> bool:
    """Whether ``path`` holds pairs by itself (by its extension, or an SQLite memory), not one side of a pair."""
    return path.suffix.lower() in SINGLE_FILE_EXTENSIONS or (path.is_file() and _is_sqlite(path))


def group_paths(paths: Sequence[Path]) -> list[tuple[Path, ...]]:
    """Group paths into sources: a TMX / XLIFF / TSV / CSV / JSONL file or memory alone, other (plain text)
    files two by two, source then target. A plain text file without its partner is a one-line error."""
    groups: list[tuple[Path, ...]] = []
    pending: list[Path] = []
    for path in paths:
        if not path.exists():
            raise InputError(f"{path}: no such file")
        if path.is_dir():
            raise InputError(f"{path}: is a directory")
        if is_single_file(path) and not pending:
            groups.append((path,))
            continue
        pending.append(path)
        if len(pending) == 2:
            groups.append((pending[0], pending[1]))
            pending = []
    if pending:
        raise InputError(
            f"{pending[0]}: a plain text file needs its parallel partner (give source then target "
            f"file), or use a .tsv, .tmx, .xlf, .jsonl file or a translation memory"
        )
    return groups


def read_jsonl(path: Path, source_lang: str, target_lang: str) -> PairSource:
    """One JSON object per line with ``source`` and ``translation`` (or ``target``); blank lines are skipped."""
    pairs, skipped = [], {"empty source or target": 0}
    for number, line in enumerate(TextInput(str(path)).lines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise InputError(f"{path}:{number}: not a JSON object ({error.msg})") from error
        except ValueError as error:  # not a decode error: a number with more digits than Python converts
            raise InputError(f"{path}:{number}: not a JSON object ({' '.join(str(error).split())})") from error
        except RecursionError as error:  # the decoder recurses per level of nesting
            raise InputError(f"{path}:{number}: JSON nested too deeply") from error
        if not isinstance(record, dict) or "source" not in record or not any(k in record for k in TARGET_KEYS):
            raise InputError(f'{path}:{number}: a training line needs "source" and "translation" (or "target")')
        source = record["source"]
        target = next(record[k] for k in TARGET_KEYS if k in record)
        if not isinstance(source, str) or not isinstance(target, str):
            raise InputError(f'{path}:{number}: "source" and "translation" must be strings')
        source, target = " ".join(source.split()), " ".join(target.split())
        if source and target:
            pairs.append(Segment(source, target, target_lang, source_lang))
        else:
            skipped["empty source or target"] += 1
    if not pairs:
        raise InputError(f"{path}: no source/translation pairs")
    return PairSource(str(path), pairs, {k: v for k, v in skipped.items() if v})


def read_memory(path: Path, source_lang: str, target_lang: str) -> PairSource:
    """The human entries of a translation memory in this language pair (MT entries are the model's own output:
    training on them teaches nothing new)."""
    with TranslationMemory.open(path, create=False) as memory:
        entries = [e for e in memory.entries(origin="human", target_lang=target_lang) if e.source_lang == source_lang]
        machine = sum(1 for _ in memory.entries(origin="mt", target_lang=target_lang))
    if not entries:
        raise InputError(f"{path}: no human {source_lang}->{target_lang} entries in this translation memory")
    pairs = [Segment(e.source, e.target, target_lang, source_lang) for e in entries]
    return PairSource(str(path), pairs, {"machine translation entries": machine} if machine else {})


def read_source(paths: tuple[Path, ...], source_lang: str, target_lang: str) -> PairSource:
    """Pairs of one source (see :func:`group_paths`) in ``source_lang`` -> ``target_lang``."""
    name = " + ".join(map(str, paths))
    if len(paths) == 1:
        path = paths[0]
        suffix = path.suffix.lower()
        if suffix in JSONL_EXTENSIONS:
            return read_jsonl(path, source_lang, target_lang)
        if suffix in TM_EXTENSIONS or _is_sqlite(path):
            return read_memory(path, source_lang, target_lang)
    parsed = read_file(list(paths), source_lang, target_lang)
    pairs = [s for s in parsed.segments if s.target_lang == target_lang]
    if not pairs:
        raise InputError(f"{name}: no {source_lang}->{target_lang} pairs")
    return PairSource(name, pairs, dict(parsed.skipped))


def read_sources(paths: Sequence[Path], source_lang: str, target_lang: str) -> list[PairSource]:
    """Every source of ``paths`` (grouped by :func:`group_paths`), read and checked before anything is trained."""
    if not paths:
        raise InputError("no training data: give --train FILE (or two parallel text files)")
    return [read_source(group, source_lang, target_lang) for group in group_paths(paths)]
