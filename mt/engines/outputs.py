"""Where an engine job's rows go, in the layout of a local run: a text input gives a text file line for line
(or `--format jsonl` objects), JSONL rows give JSONL rows keyed by id, Parquet rows give Parquet rows keyed by
id. A translated row carries what `mt translate --format jsonl` writes (source, translation, sentences with
scores and terms); a bad row carries its id and an ``error``. Files are written atomically."""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

from mt.engines.records import Record, RecordInput, import_pyarrow
from mt.formats.writing import atomic_writer

PARQUET_GROUP = 8192  # rows per Parquet row group


def output_suffix(source: RecordInput, fmt: str) -> str:
    """The extension of an input's output: its own for JSONL and Parquet, the --format for text."""
    return {"jsonl": "jsonl", "parquet": "parquet"}.get(source.kind, fmt)


class RowWriter:
    """Write one input's rows into ``path`` (None: stdout): open with ``with``, then :meth:`write` each row."""

    def __init__(self, source: RecordInput, path: Path | None, fmt: str, rows: int | None) -> None:
        self.source = source
        self.path = path
        self.fmt = fmt
        self.rows = rows  # the number of rows to come, where known (a text file's last line may lack its end)
        self.written = 0
        self._stack = ExitStack()
        self._handle: IO | None = None
        self._parquet: Any = None  # a pyarrow.parquet.ParquetWriter (pyarrow ships no type hints)
        self._columns: dict[str, list] = {}

    def __enter__(self) -> "RowWriter":
        binary = self.source.kind == "parquet"
        self._handle = self._stack.enter_context(atomic_writer(self.path, binary=binary))
        if binary:
            pyarrow = import_pyarrow()
            self._schema = pyarrow.schema(
                [
                    ("id", self.source.id_type or pyarrow.string()),
                    ("source", pyarrow.string()),
                    ("translation", pyarrow.string()),
                    ("sentences", pyarrow.string()),
                    ("error", pyarrow.string()),
                ]
            )
            self._parquet = pyarrow.parquet.ParquetWriter(self._handle, self._schema)
            self._columns = {name: [] for name in self._schema.names}
        return self

    def _out(self) -> IO:
        if self._handle is None:
            raise RuntimeError("a RowWriter writes inside its with block")
        return self._handle

    def write(self, record: Record, row: str | None, translation: str | None) -> None:
        """``row``: the LineResult's JSON (None for a bad record); ``translation``: its text."""
        kind = self.source.kind
        if kind == "txt":
            text = row if self.fmt == "jsonl" else translation
            if text is None:  # a bad record is a JSONL or Parquet row: every line of a text file is text
                raise ValueError("a line of a text file without its translation")
            last = self.rows is not None and self.written == self.rows - 1
            self._out().write(text + ("" if last and not self.source.ends_with_newline else "\n"))
        elif kind == "jsonl":
            head = json.dumps({"id": record.id}, ensure_ascii=False)[:-1]
            if row is None:
                self._out().write(head + ", " + json.dumps({"error": record.error}, ensure_ascii=False)[1:] + "\n")
            else:
                self._out().write(head + ", " + row[1:] + "\n")
        else:
            details = json.loads(row) if row is not None else None
            self._columns["id"].append(record.id)
            self._columns["source"].append(record.text)
            self._columns["translation"].append(translation)
            self._columns["sentences"].append(
                None if details is None else json.dumps(details["sentences"], ensure_ascii=False)
            )
            self._columns["error"].append(record.error)
            if len(self._columns["id"]) >= PARQUET_GROUP:
                self._flush_parquet()
        self.written += 1

    def _flush_parquet(self) -> None:
        pyarrow = import_pyarrow()
        if self._columns["id"]:
            self._parquet.write_table(pyarrow.table(self._columns, schema=self._schema))
            self._columns = {name: [] for name in self._schema.names}

    def __exit__(self, kind, error, trace) -> None:
        try:
            if self._parquet is not None and kind is None:
                self._flush_parquet()
                self._parquet.close()
        finally:
            self._stack.__exit__(kind, error, trace)
