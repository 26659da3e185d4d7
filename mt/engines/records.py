"""The inputs of an engine job: text files (a record per line), JSON Lines with an id and a text field, and
Parquet with the same columns (pyarrow, from the `ray` extra). Each input yields :class:`Record` objects in
input order; a bad row (no text, text not a string, not a JSON object) becomes a record with an ``error``, so
that it is reported with its id while the rest goes on.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from mt.errors import InputError
from mt.text.lines import TextInput

KINDS = {".jsonl": "jsonl", ".parquet": "parquet"}  # anything else is a text file
PARQUET_HINT = 'Parquet needs pyarrow: pip install "tarjama[ray]"'
PARQUET_ROWS = 8192  # rows read from a Parquet file at a time


def import_pyarrow():
    """``pyarrow`` with ``pyarrow.parquet``, or a one-line error naming the extra."""
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401
    except ImportError as error:
        raise InputError(PARQUET_HINT) from error
    return pyarrow


@dataclass(frozen=True)
class Record:
    """One unit of input: ``id`` is the row's id as given (JSONL, Parquet) or the line number (text);
    ``text`` is None where ``error`` says why the row cannot be translated."""

    id: object
    text: str | None
    error: str | None = None


def input_kind(path: str | Path) -> str:
    """txt, jsonl or parquet, from the file name."""
    return KINDS.get(Path(path).suffix.lower(), "txt")


def expand_inputs(names: list[str]) -> list[str]:
    """Inputs with each directory replaced by its files (sorted, hidden ones skipped); an empty directory is
    an error."""
    out: list[str] = []
    for name in names:
        path = Path(name)
        if name != "-" and path.is_dir():
            files = sorted(str(p) for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
            if not files:
                raise InputError(f"{path}: a directory without input files")
            out.extend(files)
        else:
            out.append(name)
    return out


class RecordInput:
    """One input file, validated (text) or opened (JSONL, Parquet: columns checked) when made."""

    def __init__(self, name: str, text_column: str = "text", id_column: str = "id") -> None:
        self.name = name
        self.kind = input_kind(name)
        self.text_column = text_column
        self.id_column = id_column
        self.ends_with_newline = True
        self.rows: int | None = None  # known in advance for text files and Parquet
        self.id_type = None  # Parquet: the arrow type of the id column, kept in the output
        if name == "-":
            raise InputError("standard input ('-') is not read by --engine; give files")
        if self.kind == "parquet":
            self._open_parquet()
        else:
            self._text = TextInput(name)  # validates UTF-8, refuses binaries, missing files, directories
            info = self._text.info  # a file's, known once validated
            if self.kind == "txt" and info is not None:
                self.rows = info.lines
                self.ends_with_newline = info.ends_with_newline

    def _open_parquet(self):
        pyarrow = import_pyarrow()
        try:
            handle = pyarrow.parquet.ParquetFile(self.name)
        except FileNotFoundError as error:
            raise InputError(f"{self.name}: no such file") from error
        except (OSError, pyarrow.ArrowException) as error:
            raise InputError(
                f"{self.name}: not a readable Parquet file ({' '.join(str(error).split())[:160]})"
            ) from error
        schema = handle.schema_arrow
        for column in (self.id_column, self.text_column):
            if column not in schema.names:
                raise InputError(
                    f"{self.name}: no column {column!r} (columns: {', '.join(schema.names)}); "
                    "see --id-column and --text-column"
                )
        kind = schema.field(self.text_column).type
        if not (pyarrow.types.is_string(kind) or pyarrow.types.is_large_string(kind)):
            raise InputError(f"{self.name}: column {self.text_column!r} holds {kind}, not strings")
        self.rows = handle.metadata.num_rows
        self.id_type = schema.field(self.id_column).type
        return handle

    def records(self) -> Iterator[Record]:
        if self.kind == "txt":
            for number, line in enumerate(self._text.lines(), 1):
                yield Record(number, line)
        elif self.kind == "jsonl":
            for number, line in enumerate(self._text.lines(), 1):
                yield self._json_record(number, line)
        else:
            yield from self._parquet_records()

    def _json_record(self, number: int, line: str) -> Record:
        where = f"line {number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            return Record(where, None, f"not JSON ({error.msg})")
        except RecursionError:  # the decoder recurses per level: a row nested 100,000 deep is just a bad row
            return Record(where, None, "JSON nested too deeply")
        if not isinstance(row, dict):
            return Record(where, None, f"a JSON {type(row).__name__}, not an object")
        if self.id_column not in row:
            return Record(where, None, f"no {self.id_column!r} field")
        return self._checked(row[self.id_column], row.get(self.text_column, _MISSING))

    def _checked(self, id_: object, text: object) -> Record:
        if text is _MISSING:
            return Record(id_, None, f"no {self.text_column!r} field")
        if text is None:
            return Record(id_, None, f"{self.text_column!r} is null")
        if not isinstance(text, str):
            return Record(id_, None, f"{self.text_column!r} is {type(text).__name__}, not a string")
        if (surrogate := LONE_SURROGATE.search(text)) is not None:  # JSON's "\ud800": no UTF-8 for the tokenizer
            return Record(
                id_,
                None,
                f"{self.text_column!r} holds a lone surrogate (U+{ord(surrogate.group()):04X} "
                f"at character {surrogate.start() + 1}), which is not text",
            )
        return Record(id_, text)

    def _parquet_records(self) -> Iterator[Record]:
        handle = self._open_parquet()
        for table in handle.iter_batches(batch_size=PARQUET_ROWS, columns=[self.id_column, self.text_column]):
            ids = table.column(self.id_column).to_pylist()
            texts = table.column(self.text_column).to_pylist()
            for id_, text in zip(ids, texts):
                yield self._checked(id_, text)


_MISSING = object()
LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # a str never holds a valid pair: Python decodes pairs
