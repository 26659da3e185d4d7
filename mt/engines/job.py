"""Run an engine job: inputs -> records -> fixed batches -> engine -> rows written in input order.

The runner cuts each input into batches of ``batch_lines`` records (a batch never spans two inputs), hands the
batches of good records to the engine, and writes every record's row where it belongs, in input order: a bad
record (no text, ...) is reported with its id and written as an error row while the rest goes on. It checks
that the engine returns every batch exactly once, in order (never a line lost or duplicated).

With a journal (``--resume``), each finished batch is appended to it (flushed and fsynced) with the digest of
its lines before it is written out; a job started again reads the batches the journal holds instead of
translating them, as long as each one's lines are the ones the input now has there, so a stopped job ends with
the bytes an uninterrupted one writes. From the first batch whose lines changed (an input edited, even to the
same size), everything is translated again; a journal made with other settings (models, glossary, decoding:
the journal's header holds their fingerprint) is set aside whole. The journal goes once every output is
complete.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, TextIO

from mt.engines.base import Batch, BatchResult, Engine
from mt.engines.outputs import RowWriter
from mt.engines.records import Record, RecordInput
from mt.errors import InputError, TarjamaError

PROGRESS_EVERY_S = 2.0
log = logging.getLogger(__name__)


@dataclass
class JobInput:
    source: RecordInput
    output: Path | None  # None: stdout
    fmt: str = "txt"  # for text inputs: txt or jsonl


@dataclass
class WorkerStats:
    batches: int = 0
    sentences: int = 0
    tokens: int = 0
    seconds: float = 0.0


@dataclass
class JobSummary:
    """What a job did: counts, wall time after start-up, and each worker's share."""

    engine: str
    rows: int = 0
    bad: list[tuple[str, object, str]] = field(default_factory=list)  # (input, id, error)
    sentences: int = 0
    tokens: int = 0
    resumed_batches: int = 0
    start_seconds: float = 0.0
    seconds: float = 0.0
    workers: dict[str, WorkerStats] = field(default_factory=dict)
    load_seconds: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        rate = self.tokens / self.seconds if self.seconds else 0.0
        out = [
            f"{self.engine}: {self.rows:,} rows, {self.sentences:,} sentences, {self.tokens:,} target tokens in "
            f"{self.seconds:.1f} s ({self.rows / self.seconds if self.seconds else 0:,.1f} rows/s, "
            f"{rate:,.0f} tokens/s) after {self.start_seconds:.1f} s of start-up"
            + (f"; {self.resumed_batches} batches taken from the journal" if self.resumed_batches else "")
        ]
        for name, stats in sorted(self.workers.items()):
            if name == "journal":
                continue
            per = stats.tokens / stats.seconds if stats.seconds else 0.0
            load = self.load_seconds.get(name)
            out.append(
                f"  {name}: {stats.batches} batches, {stats.sentences:,} sentences, {stats.tokens:,} tokens, "
                f"{per:,.0f} tokens/s" + (f" (model load {load:.1f} s)" if load is not None else "")
            )
        return out


class Progress:
    """Rows done and rows per second on stderr, at most every PROGRESS_EVERY_S seconds."""

    def __init__(self, total: int | None, stream: TextIO | None = None, enabled: bool = True) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.began = time.perf_counter()
        self.last = self.began
        self.done = 0

    def advance(self, rows: int) -> None:
        self.done += rows
        now = time.perf_counter()
        if self.enabled and now - self.last >= PROGRESS_EVERY_S:
            self.last = now
            of = f" of {self.total:,}" if self.total is not None else ""
            print(
                f"mt: {self.done:,}{of} rows, {self.done / (now - self.began):,.1f} rows/s",
                file=self.stream,
                flush=True,
            )


def batch_digest(texts: tuple[str, ...]) -> str:
    """What identifies a batch's lines in a journal: a hash of their text (16 hex digits)."""
    return hashlib.sha256(json.dumps(list(texts), ensure_ascii=False).encode("utf-8")).hexdigest()[:16]


class Journal:
    """Finished batches of a job, one JSON line each (with the digest of its lines) after a header line naming
    the job's settings. A journal whose header names other settings is set aside (``stale``), not replayed."""

    def __init__(self, path: Path, fingerprint: dict) -> None:
        self.path = path
        self.fingerprint = fingerprint
        self.done: list[dict] = []
        self.stale = False
        self._offsets: list[int] = []  # where each finished batch's line ends
        if path.exists():
            self._read()
        self._handle: TextIO | None = None

    def _read(self) -> None:
        good = 0
        with self.path.open("rb") as handle:
            for number, raw in enumerate(handle):
                if not raw.endswith(b"\n"):  # the last line of a killed run, half written
                    break
                record = json.loads(raw)
                if number == 0 and record != {"job": self.fingerprint}:
                    self.stale, good = True, 0
                    break
                if number > 0:
                    self.done.append(record)
                    self._offsets.append(good + len(raw))
                good += len(raw)
        with self.path.open("r+b") as handle:
            handle.truncate(good)

    def replay(self) -> Iterator[tuple[BatchResult, str | None]]:
        """The finished batches, each with the digest of the lines it translated."""
        for record in self.done:
            yield BatchResult.from_record(record), record.get("digest")

    def keep(self, count: int) -> None:
        """Drop every finished batch after the first ``count`` (their lines changed: translated again)."""
        if count < len(self.done):
            self.done = self.done[:count]
            with self.path.open("r+b") as handle:
                handle.seek(0)
                header = len(handle.readline())
                handle.truncate(self._offsets[count - 1] if count else header)

    def append(self, result: BatchResult, digest: str) -> None:
        if self._handle is None:
            fresh = not self.path.exists() or self.path.stat().st_size == 0
            self._handle = self.path.open("a", encoding="utf-8")
            if fresh:
                self._handle.write(json.dumps({"job": self.fingerprint}, ensure_ascii=False) + "\n")
        self._handle.write(json.dumps({**result.to_record(), "digest": digest}, ensure_ascii=False) + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def remove(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


@dataclass
class _Pending:
    input_index: int
    records: list[Record]
    batch: Batch | None  # None: no good record in it, nothing to translate


def _cut(inputs: list[JobInput], batch_lines: int) -> Iterator[_Pending]:
    """Each input's records in batches of batch_lines; numbered across the job."""
    index = 0
    for number, job_input in enumerate(inputs):
        records: list[Record] = []
        for record in job_input.source.records():
            records.append(record)
            if len(records) == batch_lines:
                yield _pending(number, records, index)
                index += 1
                records = []
        if records:
            yield _pending(number, records, index)
            index += 1


def _pending(number: int, records: list[Record], index: int) -> _Pending:
    texts = tuple(r.text for r in records if r.error is None and r.text is not None)
    return _Pending(number, records, Batch(index, texts) if texts else None)


class _Outputs:
    """The inputs' writers, opened and closed in input order (an input without rows still gets its file)."""

    def __init__(self, inputs: list[JobInput]) -> None:
        self.inputs = inputs
        self.current = -1
        self.writer: RowWriter | None = None

    def to(self, number: int) -> RowWriter:
        while self.current < number:
            self._close()
            self.current += 1
            job_input = self.inputs[self.current]
            self.writer = RowWriter(job_input.source, job_input.output, job_input.fmt, job_input.source.rows)
            self.writer.__enter__()
        if self.writer is None:
            raise ValueError(f"input {number} was written before")
        return self.writer

    def _close(self, error: BaseException | None = None) -> None:
        if self.writer is not None:
            writer, self.writer = self.writer, None
            if error is None:
                writer.__exit__(None, None, None)
            else:
                writer.__exit__(type(error), error, error.__traceback__)

    def finish(self) -> None:
        self.to(len(self.inputs) - 1)
        self._close()

    def abort(self, error: BaseException) -> None:
        self._close(error)


def run_job(
    engine: Engine,
    inputs: list[JobInput],
    batch_lines: int,
    *,
    journal: Journal | None = None,
    progress: Progress | None = None,
    report: Callable[[str], None] | None = None,
) -> JobSummary:
    """Translate every input with ``engine`` and write the outputs; bad records are passed to ``report`` (one
    line each) and counted in the summary. The caller decides what a bad record means for the exit status."""
    if batch_lines < 1:
        raise InputError("--batch-lines must be at least 1")
    summary = JobSummary(engine.name)
    summary.start_seconds = engine.start()
    began = time.perf_counter()
    cutter = _cut(inputs, batch_lines)
    replayed = list(journal.replay()) if journal is not None else []
    run = _JobRun(engine, inputs, summary, cutter, _Outputs(inputs), journal, progress, report)
    try:
        for result in run.from_journal(replayed):
            run.take(result, "journal")
        for result in run.from_engine():
            run.take(result, result.worker)
        run.write_unbatched()
        stopped = run.pending[0].batch if run.pending else None
        if stopped is not None:
            raise TarjamaError(
                f"the {engine.name} engine stopped before batch {stopped.index}; the outputs were not written"
            )
        run.outputs.finish()
    except BaseException as error:
        run.outputs.abort(error)
        if journal is not None:
            journal.close()
        raise
    summary.seconds = time.perf_counter() - began
    summary.load_seconds = dict(getattr(engine, "load_seconds", {}) or {})
    if journal is not None:
        journal.remove()
    return summary


@dataclass
class _JobRun:
    """The state of one :func:`run_job`: the records cut from the inputs and not yet written (``pending``, in
    input order), the digest of each batch handed to the engine (the journal keeps it), the outputs, the summary."""

    engine: Engine
    inputs: list[JobInput]
    summary: JobSummary
    cutter: Iterator[_Pending]
    outputs: _Outputs
    journal: Journal | None
    progress: Progress | None
    report: Callable[[str], None] | None
    pending: deque[_Pending] = field(default_factory=deque)
    digests: dict[int, str] = field(default_factory=dict)

    def feed(self) -> Iterator[Batch]:
        """The engine's batches (first those a changed journal left); their records wait in ``pending``."""
        for item in list(self.pending):
            if item.batch is not None:
                self.digests[item.batch.index] = batch_digest(item.batch.texts)
                yield item.batch
        for item in self.cutter:
            self.pending.append(item)
            if item.batch is not None:
                self.digests[item.batch.index] = batch_digest(item.batch.texts)
                yield item.batch

    def from_journal(self, replayed: list[tuple[BatchResult, str | None]]) -> Iterator[BatchResult]:
        """A resumed job: the journal's finished batches, as long as their lines are unchanged."""
        if self.journal is None:
            return
        for count, (result, digest) in enumerate(replayed):
            while not self.pending or self.pending[-1].batch is None:
                item = next(self.cutter, None)
                if item is None:
                    break
                self.pending.append(item)
            batch = self.pending[-1].batch if self.pending else None
            if batch is None or batch.index != result.index or batch_digest(batch.texts) != digest:
                self.journal.keep(count)  # this batch's lines changed: it and the rest are translated again
                return
            self.summary.resumed_batches += 1
            yield result

    def from_engine(self) -> Iterator[BatchResult]:
        for result in self.engine.run(self.feed()):
            if self.journal is not None:
                self.journal.append(result, self.digests.pop(result.index))
            yield result

    def write(self, item: _Pending, result: BatchResult | None) -> None:
        """Write a batch's records in order: the good ones with their translations, the bad ones as errors."""
        writer = self.outputs.to(item.input_index)
        good = iter(zip(result.rows, result.translations)) if result is not None else iter(())
        name = self.inputs[item.input_index].source.name
        for record in item.records:
            if record.error is not None:
                self.summary.bad.append((name, record.id, record.error))
                if self.report is not None:
                    self.report(f"{name}: row {record.id!r}: {record.error}")
                writer.write(record, None, None)
            else:
                row, translation = next(good)
                writer.write(record, row, translation)
        self.summary.rows += len(item.records)
        if self.progress is not None:
            self.progress.advance(len(item.records))

    def write_unbatched(self) -> None:
        """Write the records at the head of ``pending`` that had nothing to translate (bad records only)."""
        while self.pending and self.pending[0].batch is None:
            self.write(self.pending.popleft(), None)

    def take(self, result: BatchResult, worker: str) -> None:
        """Write the batch the engine (or the journal) returned, refusing one out of order or of another size."""
        self.write_unbatched()
        due = self.pending[0].batch if self.pending else None
        if due is None or due.index != result.index:
            expected = due.index if due is not None else None
            raise TarjamaError(
                f"the {self.engine.name} engine returned batch {result.index} where batch {expected} "
                "was due; stopping rather than writing lines out of order"
            )
        item = self.pending.popleft()
        if len(result.rows) != len(due.texts):
            raise TarjamaError(f"batch {result.index}: {len(due.texts)} lines sent, {len(result.rows)} returned")
        self.write(item, result)
        stats = self.summary.workers.setdefault(worker, WorkerStats())
        stats.batches += 1
        stats.sentences += result.sentences
        stats.tokens += result.tokens
        stats.seconds += result.seconds
        self.summary.sentences += result.sentences
        self.summary.tokens += result.tokens
