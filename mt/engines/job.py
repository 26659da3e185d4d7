"""Run an engine job: inputs -> records -> fixed batches -> engine -> rows written in input order.

The runner cuts each input into batches of ``batch_lines`` records (a batch never spans two inputs), hands the
batches of good records to the engine, and writes every record's row where it belongs, in input order: a bad
record (no text, ...) is reported with its id and written as an error row while the rest goes on. It checks
that the engine returns every batch exactly once, in order (never a line lost or duplicated).

The lines are composed in this process, by the driver's Translator, from the job records the engine's workers
return (mt.engines.base.translate_batch), through the code a default run's block goes through
(mt.block_translation.decoded_block): the translation memory (--tm) is looked up before a batch is sent (only
the lines holding a sentence it does not answer are sent; a batch it answers whole is composed then, and not sent)
and written after, here, in input order; a running job (Translator.job:
--tm, or --resume's checkpoint database) records each batch as its block, so that a stopped job started again
reuses its finished batches and ends with the bytes an uninterrupted one writes (the checkpoint protocol of the
default path, mt.memory_session). Progress goes to a ``progress(rows)`` callback (the CLI draws the bar).
"""

from __future__ import annotations

import json
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from mt.block_translation import BlockParts, Looked, MemoryPlan, decoded_block, memory_plan
from mt.engines.base import Batch, BatchResult, Engine
from mt.engines.outputs import RowWriter
from mt.engines.records import Record, RecordInput
from mt.errors import InputError, TarjamaError
from mt.memory import MtKey
from mt.memory_session import JobState
from mt.pipeline import Translator
from mt.results import LineResult


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
    answered_batches: int = 0  # batches the memory (or the job's checkpoint) answered whole: nothing decoded
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
            + (
                f"; {self.answered_batches} batches answered by the translation memory or checkpoint"
                if self.answered_batches
                else ""
            )
        ]
        for name, stats in sorted(self.workers.items()):
            per = stats.tokens / stats.seconds if stats.seconds else 0.0
            load = self.load_seconds.get(name)
            out.append(
                f"  {name}: {stats.batches} batches, {stats.sentences:,} sentences, {stats.tokens:,} tokens, "
                f"{per:,.0f} tokens/s" + (f" (model load {load:.1f} s)" if load is not None else "")
            )
        return out


@dataclass
class _Pending:
    input_index: int
    records: list[Record]
    batch: Batch | None  # None: no good record in it, nothing to translate
    lines: list[LineResult] | None = None  # composed when the memory answers the whole batch: not sent
    plan: MemoryPlan | None = None  # the batch's lines to decode (the engine gets those only) when sent


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


def _sentence_records(plan: MemoryPlan, result: BatchResult) -> list[dict | None]:
    """The job records of every sentence of a batch, in order: those of the lines the engine decoded (the plan's),
    None for the sentences of the lines it was not sent."""
    if len(result.records) != len(plan.decode):
        raise TarjamaError(f"batch {result.index}: {len(plan.decode)} lines sent, {len(result.records)} returned")
    sent = dict(zip(plan.decode, result.records))
    records: list[dict | None] = []
    for n, count in enumerate(plan.sentences):
        if n not in sent:
            records += [None] * count
            continue
        line = json.loads(sent[n])
        if len(line) != count:
            raise TarjamaError(f"batch {result.index}: line {n + 1} has {count} sentences, {len(line)} came back")
        records += line
    return records


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
    translator: Translator,
    to: str,
    progress: Callable[[int], None] | None = None,
    report: Callable[[str], None] | None = None,
    translations: Callable[[str], None] | None = None,
) -> JobSummary:
    """Translate every input into ``to`` with ``engine``, the lines composed by ``translator`` (with its memory
    and running job, if any), and write the outputs; ``progress`` gets the rows written, bad records go to
    ``report`` (one line each) and are counted in the summary, ``translations`` gets each good row's translation
    in order (to score them). The caller decides what a bad record means for the exit status."""
    if batch_lines < 1:
        raise InputError("--batch-lines must be at least 1")
    summary = JobSummary(engine.name)
    began = time.perf_counter()
    cutter = _cut(inputs, batch_lines)
    key = translator.memory_key(to) if translator.tm_mode != "off" else None
    outputs = _Outputs(inputs)
    run = _JobRun(engine, translator, to, inputs, summary, cutter, outputs, progress, report, key, translations)
    try:
        for result in engine.run(run.feed()):
            run.take(result)
        run.write_ready()
        stopped = run.pending[0].batch if run.pending else None
        if stopped is not None:
            raise TarjamaError(
                f"the {engine.name} engine stopped before batch {stopped.index}; the outputs were not written"
            )
        run.outputs.finish()
    except BaseException as error:
        run.outputs.abort(error)
        raise
    summary.start_seconds = engine.start_seconds  # the engine starts with its first batch
    summary.seconds = time.perf_counter() - began - summary.start_seconds
    summary.load_seconds = dict(engine.load_seconds)
    return summary


@dataclass
class _JobRun:
    """The state of one :func:`run_job`: the records cut from the inputs and not yet written (``pending``, in
    input order), the outputs, the summary."""

    engine: Engine
    translator: Translator
    to: str
    inputs: list[JobInput]
    summary: JobSummary
    cutter: Iterator[_Pending]
    outputs: _Outputs
    progress: Callable[[int], None] | None
    report: Callable[[str], None] | None
    key: MtKey | None = None  # the translator's memory key (None: no memory)
    translations: Callable[[str], None] | None = None
    pending: deque[_Pending] = field(default_factory=deque)

    def feed(self) -> Iterator[Batch]:
        """The engine's batches: of each batch, the lines holding a sentence the memory does not answer (a batch
        of those only; none when it answers them all). Every batch's records wait in ``pending``; one the memory
        answers whole is composed now, and written as soon as the batches before it are."""
        for item in self.cutter:
            self.pending.append(item)
            if item.batch is not None:
                parts, job = self._parts()
                plan = memory_plan(parts, item.batch.texts, self.to, self.key, job, item.batch.index)
                if plan.decode:
                    item.plan = plan
                    yield Batch(item.batch.index, tuple(item.batch.texts[n] for n in plan.decode))
                    continue
                item.lines = self.compose(item.batch, None, plan.looked_up)
            self.write_ready()

    def compose(
        self, batch: Batch, records: list[dict | None] | None, looked_up: Looked | None = None
    ) -> list[LineResult]:
        """A batch's lines, composed by the translator's block code (mt.block_translation.decoded_block) from the
        job records of its sentences that the engine decoded (None: none was sent)."""
        parts, job = self._parts()
        decoded = (lambda: records) if records is not None else None
        return decoded_block(parts, batch.texts, self.to, self.key, job, batch.index, decoded, looked_up)

    def _parts(self) -> tuple[BlockParts, JobState | None]:
        """The translator's block parts and its running job (with a memory)."""
        parts = self.translator.block_parts()
        return parts, parts.memory.running if self.key is not None else None

    def write(self, item: _Pending, lines: list[LineResult]) -> None:
        """Write a batch's records in order: the good ones with their translations, the bad ones as errors."""
        writer = self.outputs.to(item.input_index)
        good = iter(lines)
        name = self.inputs[item.input_index].source.name
        for record in item.records:
            if record.error is not None:
                self.summary.bad.append((name, record.id, record.error))
                if self.report is not None:
                    self.report(f"{name}: row {record.id!r}: {record.error}")
                writer.write(record, None, None)
            else:
                line = next(good)
                writer.write(record, json.dumps(line.to_dict(), ensure_ascii=False), line.translation)
                if self.translations is not None:
                    self.translations(line.translation)
        self.summary.rows += len(item.records)
        if self.progress is not None:
            self.progress(len(item.records))

    def write_ready(self) -> None:
        """Write the batches at the head of ``pending`` that need no engine: bad records only, or answered by
        the memory."""
        while self.pending and (self.pending[0].batch is None or self.pending[0].lines is not None):
            item = self.pending.popleft()
            self.summary.answered_batches += item.batch is not None
            self.write(item, item.lines or [])

    def take(self, result: BatchResult) -> None:
        """Write the batch the engine returned, refusing one out of order or of another size."""
        self.write_ready()
        due = self.pending[0].batch if self.pending else None
        if due is None or due.index != result.index:
            expected = due.index if due is not None else None
            raise TarjamaError(
                f"the {self.engine.name} engine returned batch {result.index} where batch {expected} "
                "was due; stopping rather than writing lines out of order"
            )
        item = self.pending.popleft()
        if item.plan is None:
            raise TarjamaError(f"batch {result.index} came back from the engine but was not sent")
        self.write(item, self.compose(due, _sentence_records(item.plan, result)))
        stats = self.summary.workers.setdefault(result.worker, WorkerStats())
        stats.batches += 1
        stats.sentences += result.sentences
        stats.tokens += result.tokens
        stats.seconds += result.seconds
        self.summary.sentences += result.sentences
        self.summary.tokens += result.tokens
