"""The one thread that owns the Translator: requests queue up, those that arrive together share decodes.

A :class:`Translator` is not thread-safe, so every translation (and every glossary edit, which changes what
the translator matches) runs on the worker thread. The event loop hands a job over and awaits its future.

Two queues. Small text requests (at most ``max_lines`` lines) wait in one; everything else (a large text
request, a document, a glossary edit, the stop mark) waits in the other, in order, and is taken first.

Sharing: the worker takes the small requests waiting, collecting those that arrive within ``batch_wait``
seconds, up to ``max_lines`` lines. Jobs with the same target, glossary and glossary mode become one
``translate_stream`` call whose lines are all their lines, in order (one batched decode per leg through the
pipeline's length-sorted batching), and the results are split back, so each job gets exactly the LineResults
of its own lines. ``serial`` turns sharing off (one job per call), the baseline the benchmark compares with.

Fairness: between two blocks of a large request or a document (no decode is running then), the worker answers
the small requests waiting at that moment, then goes on with the large one, whose blocks, and so whose
results, stay the same. So a one-sentence request waits for one block of whatever is running, never for the
whole queue of large work.

Isolation: when a shared decode fails, each of its requests is translated again alone, so only the request
whose text causes the failure gets the error. Cancellation: a job whose ``cancel()`` was called (its client
has gone, the server is stopping) is dropped before it starts, and a running one stops at its next block.
"""

from __future__ import annotations

import logging
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


class JobCancelled(Exception):
    """A job stopped between two blocks because its client has gone (or the server is stopping)."""


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
    cancelled: threading.Event = field(default_factory=threading.Event)

    @property
    def key(self) -> tuple[str, str | None, str]:
        return (self.to, self.glossary, self.glossary_mode)

    def lines(self) -> list[list[str]]:
        return [text_lines(text) for text in self.texts]

    def line_count(self) -> int:
        return sum(len(lines) for lines in self.lines())

    def cancel(self) -> None:
        """Drop the job if it has not started; stop it at its next block if it has."""
        self.cancelled.set()
        self.future.cancel()


@dataclass
class CallJob:
    """Any other work on the translator (a document, a glossary edit): ``function(worker)`` on the thread.
    A document's function passes ``cancelled`` on (see :meth:`TranslationWorker.translate_segments`)."""

    function: Callable[["TranslationWorker"], object]
    future: Future = field(default_factory=Future)
    cancelled: threading.Event = field(default_factory=threading.Event)

    def cancel(self) -> None:
        self.cancelled.set()
        self.future.cancel()


class TranslationWorker:
    """Owns a Translator on one thread; see the module docstring."""

    def __init__(
        self,
        translator: Translator,
        glossaries: GlossaryStore,
        *,
        batch_wait: float = 0.005,
        max_lines: int = 512,
        serial: bool = False,
    ) -> None:
        self.translator = translator
        self.glossaries = glossaries
        self.batch_wait = max(0.0, batch_wait)
        self.max_lines = max_lines
        self.serial = serial
        self.decode_calls = 0  # translate_stream calls made (shared decodes; /health shows them)
        self.jobs_done = 0  # translation jobs (requests) answered
        self.jobs_cancelled = 0  # jobs dropped or stopped because their client had gone
        self._small: deque[TranslationJob] = deque()  # small text requests
        self._ordered: deque = deque()  # large requests, calls, the stop mark: in order
        self._lock = threading.Condition()
        self._interleaving = False
        self._stopped = False
        self._translators: dict[tuple[str | None, str], Translator] = {}
        self._version = -1
        self._thread = threading.Thread(target=self._run, name="mt-translate", daemon=True)

    # -- the event loop's side ---------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Finish every job already queued (cancelled ones are dropped), then end the thread."""
        with self._lock:
            self._stopped = True
            self._ordered.append(_STOP)
            self._lock.notify()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def submit(self, job: TranslationJob | CallJob) -> Future:
        """Queue a job (also before :meth:`start`: it runs once the thread does); refused after :meth:`stop`."""
        with self._lock:
            if self._stopped or (self._thread.ident is not None and not self._thread.is_alive()):
                raise RuntimeError("the translation worker is not running")
            if isinstance(job, TranslationJob) and job.line_count() <= self.max_lines:
                self._small.append(job)
            else:
                self._ordered.append(job)
            self._lock.notify()
        return job.future

    def translate(
        self, texts: Sequence[str], to: str, glossary: str | None = None, glossary_mode: str = "strict"
    ) -> Future:
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

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._small and not self._ordered:
                    self._lock.wait()
                item = self._ordered.popleft() if self._ordered and self._ordered[0] is not _STOP else None
                if item is None and not self._small:
                    return  # the stop mark, and no small request left
            if item is None:
                self._run_jobs(self._collect(wait=True))
            elif isinstance(item, CallJob):
                self._run_call(item)
            else:
                self._run_jobs([item])

    def _collect(self, wait: bool) -> list[TranslationJob]:
        """Small jobs to share a decode: those waiting, plus (``wait``) those arriving within ``batch_wait``,
        up to ``max_lines`` lines (one job when serial)."""
        jobs: list[TranslationJob] = []
        lines = 0
        deadline = time.monotonic() + (self.batch_wait if wait else 0.0)
        with self._lock:
            while lines < self.max_lines and not (self.serial and jobs):
                if self._small:
                    if jobs and lines + self._small[0].line_count() > self.max_lines:
                        break
                    job = self._small.popleft()
                    jobs.append(job)
                    lines += job.line_count()
                    continue
                remaining = deadline - time.monotonic()
                if not jobs or remaining <= 0 or self._ordered:
                    break
                self._lock.wait(remaining)
        return jobs

    def translate_segments(
        self, segments: Sequence[Segment], to: str, cancelled: threading.Event | None = None
    ) -> list[TranslatedSegment]:
        """On the worker thread (in a call): a document's segments with the default glossary; text requests
        that arrive meanwhile are answered between its blocks, as for a large text request. A fresh translator
        (the same models): what a document sets on it for tag placement stays with this document."""
        translator = self.translator_for(None, "strict")
        translator = translator.sharing_models(translator.glossary, translator.glossary_mode)

        def between_segments(_: int) -> None:
            if cancelled is not None and cancelled.is_set():
                raise JobCancelled()
            self.serve_waiting()

        return translator.translate_segments(segments, to=to, progress=between_segments)

    def serve_waiting(self) -> None:
        """On the worker thread, between two blocks of a large piece of work (no decode running): answer the
        small text requests waiting now (one shared decode); nothing when there are none."""
        if self._interleaving or not self._small:
            return
        self._interleaving = True
        try:
            self._run_jobs(self._collect(wait=False))
        finally:
            self._interleaving = False

    def _run_call(self, job: CallJob) -> None:
        if not job.future.set_running_or_notify_cancel():
            self.jobs_cancelled += 1
            return
        try:
            job.future.set_result(job.function(self))
        except JobCancelled as error:
            self.jobs_cancelled += 1
            job.future.set_exception(error)
        except BaseException as error:  # noqa: BLE001 - handed to the awaiting request
            job.future.set_exception(error)

    def _run_jobs(self, jobs: list[TranslationJob]) -> None:
        groups: dict[tuple, list[TranslationJob]] = {}
        for job in jobs:
            if job.cancelled.is_set() or not job.future.set_running_or_notify_cancel():
                self.jobs_cancelled += 1
                continue
            groups.setdefault(job.key, []).append(job)
        for group in groups.values():
            self._run_group(group)

    def _run_group(self, group: list[TranslationJob]) -> None:
        """Translate a group in one call; if that fails, each job again alone, so only the culprit fails."""
        try:
            results = self._translate_group(group)
        except JobCancelled as error:
            self.jobs_cancelled += len(group)
            for job in group:
                job.future.set_exception(error)
            return
        except BaseException as error:  # noqa: BLE001 - handed to the request(s) it belongs to
            if len(group) > 1:
                log.warning(
                    "a shared decode of %d requests failed (%s); translating each alone",
                    len(group),
                    type(error).__name__,
                )
                for job in group:
                    self._run_group([job])
                return
            log.exception("translation of a request failed")
            group[0].future.set_exception(error)
            return
        for job, own in zip(group, results):
            job.future.set_result(own)
            self.jobs_done += 1

    def _translate_group(self, group: list[TranslationJob]) -> list[list[list[LineResult]]]:
        """Per job, per text, its LineResults, from one translate_stream over all the group's lines; small
        requests are served between its blocks; stops when every job of the group is cancelled."""
        to, glossary, mode = group[0].key
        per_job = [job.lines() for job in group]
        flat = [line for texts in per_job for lines in texts for line in lines]
        translator = self.translator_for(glossary, mode)
        self.decode_calls += 1
        results: list[LineResult] = []
        for result in translator.translate_stream(flat, to=to):
            results.append(result)
            if all(job.cancelled.is_set() for job in group):
                raise JobCancelled()
            self.serve_waiting()  # between two blocks (of a group of several blocks): no decode is running
        if len(results) != len(flat):  # the pipeline's promise: one result per line
            raise RuntimeError(f"{len(flat)} lines translated into {len(results)} results")
        out, at = [], 0
        for texts in per_job:
            own = []
            for lines in texts:
                own.append(results[at : at + len(lines)])
                at += len(lines)
            out.append(own)
        return out
