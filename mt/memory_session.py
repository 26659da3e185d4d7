"""A translator's use of a translation memory: the memory and its mode, the resumable job it runs, and a block's
look-ups and stores (mt.memory holds the store itself).

With a memory, each block's sentences are looked up before decoding and its decoded sentences are stored in one
transaction before the block is returned, so the memory is also the checkpoint a killed run resumes from. A job
(:meth:`MemorySession.job`) also records, per block, how each decoded sentence was reported, so that a resumed
run reports it exactly as the interrupted run did (see Translator.job).
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence

from mt.errors import InputError
from mt.memory import Entry, Job, MtKey, Segment, TranslationMemory
from mt.memory.model import normalise_source
from mt.results import SentenceResult

TM_MODES = ("both", "read", "write", "off")


def job_record(sentence: SentenceResult) -> dict:
    """What a job records of a decoded sentence so that a resumed run reports it exactly as this run does: its
    translation, score and completeness, whether it was chunked, its terms, the pivot's English."""
    return {
        "translation": sentence.translation,
        "score": sentence.score,
        "complete": sentence.complete,
        "chunked": sentence.chunked,
        "intermediate": sentence.intermediate,
        "terms": [
            [
                t.concept_id,
                t.source,
                t.start,
                t.end,
                t.target,
                t.status,
                t.lang,
                list(t.target_span) if t.target_span else None,
            ]
            for t in sentence.terms + sentence.numbers
        ],
    }


def _job_notes(sources: list[str], sentences: Sequence[SentenceResult]) -> list[str]:
    """One note per stored sentence: the records of every spelling of the block that shares its memory entry
    (the memory keeps one entry per normalised source, the job one note per entry and block), keyed by the
    source as written, so that each spelling and each repeat is resumed with its own translation."""
    by_norm: dict[str, dict[str, dict]] = {}
    for source, sentence in zip(sources, sentences):
        by_norm.setdefault(normalise_source(source), {})[source] = job_record(sentence)
    return [
        json.dumps({"sources": by_norm[normalise_source(source)]}, ensure_ascii=False, separators=(",", ":"))
        for source in sources
    ]


def _note_record(note: str | None, source: str) -> dict | None:
    """The record a job note holds for this spelling of a source, if any."""
    data = json.loads(note) if note else None
    return data.get("sources", {}).get(source) if isinstance(data, dict) else None


@dataclass
class JobState:
    """A running job: the next block's number, and whether the memory is only the job's checkpoint (--resume's
    job database: only the job's own blocks are reused, no origins)."""

    job: Job
    checkpoint_only: bool
    next_block: int = 0

    def take_block(self) -> int:
        """The number of the block about to start."""
        number, self.next_block = self.next_block, self.next_block + 1
        return number


class MemorySession:
    """A translation memory in a mode ("both", "read", "write" or "off"), the job running on it, if any, and the
    look-ups and stores of a block."""

    def __init__(self, tm: TranslationMemory | str | Path | None = None, mode: str = "both") -> None:
        self.tm: TranslationMemory | None = None
        self.mode = "off"
        self.running: JobState | None = None
        self._owned = False
        self.use(tm, mode)

    def use(self, tm: TranslationMemory | str | Path | None, mode: str = "both") -> None:
        """Use this memory from now on (None: none); a path is opened here (created when missing, unless the mode
        is "read": read-only; "off" does not open it) and closed by :meth:`close` or the next call."""
        if mode not in TM_MODES:
            raise InputError(f"unknown translation memory mode {mode!r}; choose both, read, write or off")
        if self._owned and self.tm is not None:
            self.tm.close()
        self._owned = False
        if isinstance(tm, (str, Path)):
            tm = TranslationMemory.open(tm, read_only=mode == "read") if mode != "off" else None
            self._owned = tm is not None
        self.tm = tm
        self.mode = mode if self.tm is not None else "off"

    def shared(self) -> "MemorySession":
        """A session on the same memory and mode, that does not own it and runs no job."""
        return MemorySession(self.tm, self.mode)

    def close(self) -> None:
        self.use(None)

    @property
    def active(self) -> bool:
        return self.tm is not None and self.mode != "off"

    @property
    def reads(self) -> bool:
        return self.tm is not None and self.mode in ("both", "read")

    @property
    def writes(self) -> bool:
        return self.tm is not None and self.mode in ("both", "write")

    @contextmanager
    def job(self, fingerprint: Callable[[], str], checkpoint_only: bool) -> Iterator[Job]:
        """Run the job named by ``fingerprint()`` (started, or resumed after an interruption); it is forgotten
        when the block ends without an error. Needs a memory in mode "both"."""
        if self.tm is None or self.mode != "both":
            raise InputError("a resumable job needs a translation memory in mode both")
        started = self.tm.start_job(fingerprint())
        self.running = JobState(started, checkpoint_only)
        try:
            yield started
        finally:
            self.running = None
        self.tm.finish_job(started)

    def lookup(
        self, sources: list[str], to: str, key: MtKey, job: JobState | None, job_block: int | None
    ) -> tuple[list[Entry | None], dict[int, dict]]:
        """The memory's answers for a block's sources, and the job records of the ones an interrupted run of this
        job decoded in this block (by index). A job database (checkpoint_only) answers only with the job's own
        records; an MT entry answers only the spelling it was made from."""
        tm = self.tm
        if tm is None or not self.reads or not sources:
            return [None] * len(sources), {}
        hits = tm.lookup(sources, to, key)
        own = tm.job_entries(job.job, job_block) if job is not None and job_block is not None and any(hits) else {}
        records = {}
        for i, hit in enumerate(hits):
            if hit is not None and hit.origin != "human" and hit.id in own:
                record = _note_record(own[hit.id], sources[i])
                if record is not None:
                    records[i] = record
        checkpoint_only = job is not None and job.checkpoint_only
        hits = [
            hit
            if hit is not None
            and (i in records or not checkpoint_only and (hit.origin == "human" or hit.source == sources[i]))
            else None
            for i, hit in enumerate(hits)
        ]
        return hits, records

    def store(
        self, sentences: list[SentenceResult], to: str, key: MtKey, job: JobState | None, job_block: int | None
    ) -> int:
        """Store a block's decoded sentences in one transaction (with a job, their records); returns how many
        entries were added or updated."""
        if self.tm is None:
            raise ValueError("no translation memory to store in")
        notes = _job_notes([s.source for s in sentences], sentences) if job is not None else None
        written = self.tm.store_mt(
            [Segment(s.source, s.translation, to, score=s.score, complete=s.complete) for s in sentences],
            key,
            job.job if job is not None else None,
            job_block or 0,
            notes,
        )
        return written.added + written.updated
