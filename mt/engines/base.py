"""What every engine shares: the settings that travel with a job, a batch of lines, its result, the Engine
Protocol and the one function that translates a batch (:func:`translate_batch`).

A job is cut into batches of ``batch_lines`` input lines, in input order, before any engine sees it; each batch is
translated by one ``Translator.translate`` call wherever it runs. A sentence's translation does not depend on its
batch (mt.decoding.leg batches only sentences of one source-length bucket and limit), so the batches fix the
order of work and the checkpoint's unit of resumption (a job block), not the bytes. A worker returns its
sentences as job records; the driver composes the lines from them (mt.engines.job).
"""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import dataclass, field, replace
from typing import Iterable, Iterator, Protocol

from mt.settings import DecodingSettings
from mt.errors import InputError
from mt.glossary.glossary import Glossary
from mt.memory_session import job_record
from mt.pipeline import Translator
from mt.plugins import Plugin
from mt.results import LineResult

DEFAULT_BATCH_LINES = 64
ENGINES: dict[str, Plugin] = {  # by `mt translate --engine NAME`; an engine's module is imported when it is chosen
    "local": Plugin("mt.engines.local:LocalEngine", what="the local engine"),
    "ray": Plugin("mt.engines.ray:RayEngine", extra="ray", needs=("ray", "pyarrow"), what="the Ray engine"),
}


@dataclass(frozen=True)
class TranslatorSettings:
    """Everything a Translator is built from, picklable, so that it travels with a job to every actor: model
    paths (a path every node sees, or a hub id each node caches), the decoding settings (one DecodingSettings)
    and the glossary itself (its concepts, not its file: a worker need not see the glossary file)."""

    models: dict[str, str] = field(default_factory=dict)
    decoding: DecodingSettings = field(default_factory=DecodingSettings)
    glossary: Glossary | None = None

    def build(self, threads: int | None = None) -> Translator:
        """A Translator with these settings; ``threads`` (the CPUs an actor was given) overrides the settings'."""
        decoding = self.decoding if threads is None else replace(self.decoding, threads=threads)
        return Translator(self.models, glossary=self.glossary, settings=decoding)


@dataclass(frozen=True)
class Batch:
    """``texts``: the lines of batch number ``index`` (0, 1, 2 ... in input order) to translate."""

    index: int
    texts: tuple[str, ...]


@dataclass
class BatchResult:
    """A translated batch: per line, the JSON list of its sentences' job records (mt.memory_session.job_record:
    what the driver composes the line from, as a resumed job does from its checkpoint), the lines'
    translations, what it cost, and which worker did it."""

    index: int
    records: list[str]
    translations: list[str]
    sentences: int
    tokens: int  # target tokens of the translations (their pieces under the last model's vocabulary)
    seconds: float  # translation time in the worker, model load excluded
    worker: str  # host:pid of the process that translated it

    def to_record(self) -> dict:
        return {
            "index": self.index,
            "records": self.records,
            "translations": self.translations,
            "sentences": self.sentences,
            "tokens": self.tokens,
            "seconds": self.seconds,
            "worker": self.worker,
        }


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def translate_batch(translator: Translator, batch: Batch, to: str) -> BatchResult:
    """Translate one batch with one ``Translator.translate`` call: the unit of work of every engine."""
    vocab = translator.legs(to)[-1].backend.vocab
    start = time.perf_counter()
    results: list[LineResult] = translator.translate(list(batch.texts), to=to)
    seconds = time.perf_counter() - start
    if len(results) != len(batch.texts):  # the Translator promises one result per line; never let it pass
        raise InputError(f"batch {batch.index}: {len(batch.texts)} lines in, {len(results)} out")
    sentences = [s for r in results for s in r.sentences]
    tokens = sum(len(vocab.encode_target(s.translation)) for s in sentences)
    records = [
        json.dumps([job_record(s) for s in r.sentences], ensure_ascii=False, separators=(",", ":")) for r in results
    ]
    return BatchResult(
        batch.index, records, [r.translation for r in results], len(sentences), tokens, seconds, worker_name()
    )


class Engine(Protocol):
    """Translates batches and hands their results back in input order, each exactly once.

    ``start`` connects (Ray) and returns the seconds it took; ``run`` starts the engine with its first batch
    where ``start`` was not called (``start_seconds``: what that took; a job without a batch to decode starts
    nothing; the local engine loads its model with its first batch) and may be called several times; ``close``
    frees the workers (and a Ray instance the engine started)."""

    name: str
    load_seconds: dict[str, float]  # per worker (host:pid): its model load, as workers start
    start_seconds: float  # what run() spent starting the engine

    def start(self) -> float: ...

    def run(self, batches: Iterable[Batch]) -> Iterator[BatchResult]: ...

    def close(self) -> None: ...
