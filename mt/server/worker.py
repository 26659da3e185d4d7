"""The one thread that owns the Translator: requests queue up, those that arrive together share decodes.

A :class:`Translator` is not thread-safe, so every translation (and every glossary edit, which changes what
the translator matches) runs on the worker thread. The event loop hands a job over and awaits its future.

Sharing: the worker takes the first waiting job, then collects every job that arrives within ``batch_wait``
seconds (or is already waiting, when the wait is 0), up to ``max_lines`` lines. Jobs with the same target,
glossary and glossary mode become one ``translate_stream`` call whose lines are all their lines, in order
(one batched decode per leg through the pipeline's length-sorted batching), and the results are split back,
so each job gets exactly the LineResults of its own lines. ``serial`` turns sharing off (one job per call),
the baseline the benchmark compares with.

A large job (more than ``max_lines`` lines) or a document does not hold up the small requests behind it:
between the blocks of its ``translate_stream`` (no decode is running then), the translation jobs that arrived
meanwhile are served (shared as above), and the large job goes on where it was, with the same blocks, so the
same results. Other work that arrived meanwhile (documents, glossary edits, the stop mark) waits for it, in
order.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Callable, Sequence

from mt.formats.document import Segment, TranslatedSegment
from mt.pipeline import Translator
from mt.results import LineResult
from mt.server.glossaries import GlossaryStore

log = logging.getLogger(__name__)

_STOP = object()


def text_lines(text: str) -> list[str]:
    """The lines of one request text (LF or CRLF line ends); a text without a line end is one line."""
    return [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]


@dataclass
class TranslationJob:
    """Texts of one request to translate into ``to``; the future gets one list of LineResults per text."""

    texts: Sequence[str]
    to: str
    glossary: str | None = None  # a glossary name of the store; None: the server's default glossary
    glossary_mode: str = "strict"
    future: Future = field(default_factory=Future)

    @property
    def key(self) -> tuple[str, str | None, str]:
        return (self.to, self.glossary, self.glossary_mode)

    def lines(self) -> list[list[str]]:
        return [text_lines(text) for text in self.texts]


@dataclass
class CallJob:
    """Any other work on the translator (a document, a glossary edit): ``function(worker)`` on the thread."""

    function: Callable[["TranslationWorker"], object]
    future: Future = field(default_factory=Future)


class TranslationWorker:
    """Owns a Translator on one thread; see the module docstring."""

    def __init__(self, translator: Translator, glossaries: GlossaryStore, *, batch_wait: float = 0.005,
                 max_lines: int = 512, serial: bool = False) -> None:
        self.translator = translator
        self.glossaries = glossaries
        self.batch_wait = max(0.0, batch_wait)
        self.max_lines = max_lines
        self.serial = serial
        self.decode_calls = 0  # translate_stream calls made (shared decodes; /health shows them)
        self.jobs_done = 0     # translation jobs (requests) answered
        self._queue: queue.Queue = queue.Queue()
        self._deferred: deque = deque()  # taken from the queue while a large job ran: served first, in order
        self._interleaving = False
        self._stopped = False
        self._translators: dict[tuple[str | None, str], Translator] = {}
        self._version = -1
        self._thread = threading.Thread(target=self._run, name="mt-translate", daemon=True)

    # -- the event loop's side ---------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Finish every job already queued, then end the thread."""
        self._stopped = True
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout)

    def submit(self, job: TranslationJob | CallJob) -> Future:
        """Queue a job (also before :meth:`start`: it runs once the thread does); refused after :meth:`stop`."""
        if self._stopped or (self._thread.ident is not None and not self._thread.is_alive()):
            raise RuntimeError("the translation worker is not running")
        self._queue.put(job)
        return job.future

    def translate(self, texts: Sequence[str], to: str, glossary: str | None = None,
                  glossary_mode: str = "strict") -> Future:
        return self.submit(TranslationJob(list(texts), to, glossary, glossary_mode))

    def call(self, function: Callable[["TranslationWorker"], object]) -> Future:
        return self.submit(CallJob(function))

    # -- the worker thread's side ------------------------------------------------------------------------------
    def translator_for(self, glossary: str | None, mode: str) -> Translator:
        """The translator for a glossary (by name; None: the default) and mode, sharing the loaded models.
        Rebuilt after a glossary edit (the default glossary merges several files)."""
        if self._version != self.glossaries.version:
            self._translators.clear()
            self._version = self.glossaries.version
        key = (glossary, mode)
        if key not in self._translators:
            chosen = self.glossaries.default() if glossary is None else self.glossaries.get(glossary)
            self._translators[key] = self.translator.sharing_models(chosen, mode if chosen is not None else "off")
        return self._translators[key]

    def _get(self, timeout: float | None = None, wait: bool = True):
        """The next item: a deferred one first, else from the queue (queue.Empty when none comes in time)."""
        if self._deferred:
            return self._deferred.popleft()
        return self._queue.get(timeout=timeout) if wait else self._queue.get_nowait()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._get()
            if first is _STOP:
                break
            if isinstance(first, CallJob):
                self._run_call(first)
                continue
            jobs, after, stopping = self._collect(first)
            self._run_jobs(jobs)
            if after is not None:
                self._run_call(after)

    def _collect(self, first: TranslationJob) -> tuple[list[TranslationJob], CallJob | None, bool]:
        """The jobs that share a decode with ``first``; a call job or the stop mark ends the collection."""
        jobs = [first]
        if self.serial:
            return jobs, None, False
        lines = sum(len(lines) for lines in first.lines())
        deadline = time.monotonic() + self.batch_wait
        while lines < self.max_lines:
            remaining = deadline - time.monotonic()
            try:
                item = self._get(timeout=remaining) if remaining > 0 else self._get(wait=False)
            except queue.Empty:
                break
            if item is _STOP:
                return jobs, None, True
            if isinstance(item, CallJob):
                return jobs, item, False
            jobs.append(item)
            lines += sum(len(lines) for lines in item.lines())
        return jobs, None, False

    def translate_segments(self, segments: Sequence[Segment], to: str) -> list[TranslatedSegment]:
        """On the worker thread (in a call): a document's segments with the default glossary; text requests that
        arrive meanwhile are answered between its blocks, as for a large text request."""
        return self.translator_for(None, "strict").translate_segments(segments, to=to,
                                                                       progress=lambda _: self.serve_waiting())

    def serve_waiting(self) -> None:
        """On the worker thread, between two blocks of a large piece of work (no decode running): answer the
        small text requests waiting now (see the module docstring); nothing when there are none."""
        if self.serial or self._interleaving or self._queue.empty():
            return
        self._serve_waiting()

    def _serve_waiting(self) -> None:
        """Translate the small jobs waiting in the queue now; anything else waits, in order, for later."""
        small: list[TranslationJob] = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if (isinstance(item, TranslationJob) and not self._deferred
                    and sum(len(lines) for lines in item.lines()) <= self.max_lines):
                small.append(item)
            else:  # a call, the stop mark, a large job (and all after them, to keep the order): after this job
                self._deferred.append(item)
        if small:
            self._interleaving = True
            try:
                self._run_jobs(small)
            finally:
                self._interleaving = False

    def _run_call(self, job: CallJob) -> None:
        if not job.future.set_running_or_notify_cancel():
            return
        try:
            job.future.set_result(job.function(self))
        except BaseException as error:  # noqa: BLE001 - handed to the awaiting request
            job.future.set_exception(error)

    def _run_jobs(self, jobs: list[TranslationJob]) -> None:
        groups: dict[tuple, list[TranslationJob]] = {}
        for job in jobs:
            if job.future.set_running_or_notify_cancel():
                groups.setdefault(job.key, []).append(job)
        for (to, glossary, mode), group in groups.items():
            try:
                per_job = [job.lines() for job in group]
                flat = [line for texts in per_job for lines in texts for line in lines]
                translator = self.translator_for(glossary, mode)
                self.decode_calls += 1
                results = []
                for result in translator.translate_stream(flat, to=to):
                    results.append(result)
                    if len(flat) > self.max_lines:
                        self.serve_waiting()  # between two blocks of a large job: no decode is running
                if len(results) != len(flat):  # the pipeline's promise: one result per line
                    raise RuntimeError(f"{len(flat)} lines translated into {len(results)} results")
            except BaseException as error:  # noqa: BLE001 - every request of the group learns of it
                log.exception("translation of %d request(s) failed", len(group))
                for job in group:
                    job.future.set_exception(error)
                continue
            at = 0
            for job, texts in zip(group, per_job):
                own: list[list[LineResult]] = []
                for lines in texts:
                    own.append(results[at: at + len(lines)])
                    at += len(lines)
                job.future.set_result(own)
                self.jobs_done += 1
