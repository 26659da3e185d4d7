"""What every route shares: the translation worker, glossaries, downloads, access rules and limits."""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
import io
import re
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Sequence

from fastapi import Request

from mt.formats.document import DocumentFormat, FormatOptions
from mt.pipeline import Translator
from mt.qe.sentences import SentenceAssessor
from mt.results import LineResult
from mt.server.access import Access
from mt.server.bodies import target_code
from mt.server.downloads import DownloadStore
from mt.server.errors import ApiError
from mt.server.glossaries import GlossaryStore
from mt.server.keys import KeyStore
from mt.server.worker import CallJob, TranslationJob, TranslationWorker

MiB = 1024 * 1024
DISCONNECT_POLL_S = 0.5  # how often a waiting request checks that its client is still there
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_LIBC = ctypes.CDLL(ctypes.util.find_library("c")) if ctypes.util.find_library("c") else None


@dataclass
class ServerOptions:
    """The settings of `mt serve` (see its --help)."""

    targets: tuple[str, ...] = ("en", "zh")  # target languages whose models are loaded
    char_limit: int | None = 20_000  # characters per text request (all texts of q together)
    file_char_limit: int | None = 500_000  # characters of an uploaded file's text
    eval_char_limit: int | None = 400_000  # characters of an /v1/evaluate request (every line together)
    document_limit: int = 10 * MiB  # bytes a document may expand to (a DOCX's parts, uncompressed)
    max_segments: int = 20_000  # paragraphs (segments) of a document
    req_limit: int | None = None  # requests per minute per key or client
    body_limit: int = 10 * MiB  # bytes of a request body (uploads included)
    body_timeout_s: float = 30.0  # seconds a client may take to send a request body
    batch_wait_ms: float = 5.0  # how long the worker collects requests to share a decode
    serial: bool = False  # one request per decode (the benchmark's baseline)
    max_batch_lines: int = 512  # lines per shared decode at most
    file_expiry_s: float = 1800.0  # how long a translated file can be downloaded
    api_keys: Path | None = None  # the key database; None: no keys (anonymous use, no edits)
    tm: Path | None = None  # a translation memory, opened on the worker thread (SQLite)
    cors_origins: tuple[str, ...] = ("*",)  # origins browsers may call the API from ("*": any)
    forwarded_allow_ips: tuple[str, ...] = ()  # proxies whose X-Forwarded-* headers are trusted ("*": any)


def check_texts(texts: Sequence[str], name: str = "q", listed: bool | None = None) -> None:
    """400 for a text that is not valid Unicode (a lone surrogate, which JSON can carry as "\\ud800"): checked
    per request, before its text joins a decode shared with other requests."""
    listed = len(texts) > 1 if listed is None else listed
    for number, text in enumerate(texts):
        bad = _LONE_SURROGATE.search(text)
        if bad:
            where = f"{name}[{number}]" if listed else name
            raise ApiError(
                400,
                f"Invalid request: {where} is not valid Unicode text (a lone surrogate, "
                f"U+{ord(bad.group()):04X}, at character {bad.start()})",
            )


def release_memory() -> None:
    """Give the memory a large document took back to the system (glibc keeps freed pages otherwise)."""
    gc.collect()
    if _LIBC is not None and hasattr(_LIBC, "malloc_trim"):
        _LIBC.malloc_trim(0)


class Service:
    def __init__(self, translator: Translator, glossaries: GlossaryStore, options: ServerOptions) -> None:
        self.translator = translator
        self.glossaries = glossaries
        self.options = options
        self.worker = TranslationWorker(
            translator,
            glossaries,
            batch_wait=options.batch_wait_ms / 1000,
            max_lines=options.max_batch_lines,
            serial=options.serial,
        )
        self.downloads = DownloadStore(options.file_expiry_s)
        self.access = Access(KeyStore(options.api_keys) if options.api_keys else None, options.req_limit)
        self.assessor = SentenceAssessor()  # "qe": true (model-free, no glossary: its terms are reported anyway)

    async def assess(self, results: list[list[LineResult]], to: str) -> list[list[LineResult]]:
        """The results with every sentence's quality estimate (risk and flags), computed off the event loop."""

        def assess_all() -> list[list[LineResult]]:
            return [
                [replace(line, sentences=[self.assessor.assess(s, to) for s in line.sentences]) for line in lines]
                for lines in results
            ]

        return await asyncio.get_running_loop().run_in_executor(None, assess_all)

    def start(self) -> None:
        """Start the worker; a translation memory is opened on its thread (an SQLite connection belongs to the
        thread that opened it), before any request."""
        self.worker.start()
        if self.options.tm is not None:
            tm = self.options.tm
            self.worker.call(lambda worker: worker.translator.use_memory(tm)).result()

    def stop(self, timeout: float | None = None) -> None:
        """Let the worker finish its queue (requests whose clients have gone are dropped), close the memory on
        its thread, end it; remove the downloads."""
        if self.options.tm is not None:
            self.worker.call(lambda worker: worker.translator.close())
        self.worker.stop(timeout)
        self.downloads.close()

    # -- checks ----------------------------------------------------------------------------------------------
    def target(self, value: str) -> str:
        code = target_code(value)
        if code not in self.options.targets:
            raise ApiError(
                400,
                f"{value} is not supported as a target language by this server; choose "
                f"{' or '.join(self.options.targets)}",
            )
        return code

    def check_chars(self, texts: Sequence[str], limit: int | None = None) -> None:
        """400 when the texts together are over ``limit`` characters (default: the text request limit)."""
        limit = self.options.char_limit if limit is None else limit
        total = sum(len(t) for t in texts)
        if limit and total > limit:
            raise ApiError(
                400, f"Invalid request: request ({total} characters) exceeds text limit ({limit} characters)"
            )

    def check_document(self, data: bytes) -> None:
        """413 for a document that expands beyond the limit (a DOCX is a zip: its parts' declared sizes)."""
        if not data.startswith(b"PK"):
            return
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                size = sum(info.file_size for info in archive.infolist())
        except (zipfile.BadZipFile, ValueError):
            return  # not a zip after all: the format's reader says what is wrong
        if size > self.options.document_limit:
            raise ApiError(
                413,
                f"the document expands to {size / MiB:.1f} MiB, over the server's limit of "
                f"{self.options.document_limit / MiB:.0f} MiB",
            )

    # -- work ------------------------------------------------------------------------------------------------
    async def wait(self, job: TranslationJob | CallJob, request: Request | None = None):
        """The job's result; while waiting, check that the client is still there: if it has gone (or this
        request is cancelled: the server is stopping), the job is dropped or stopped at its next block."""
        future = asyncio.wrap_future(self.worker.submit(job))
        try:
            while True:
                done, _ = await asyncio.wait({future}, timeout=DISCONNECT_POLL_S)
                if done:
                    return future.result()
                if request is not None and await request.is_disconnected():
                    raise ApiError(499, "the client closed the connection")
        finally:
            if not job.future.done():
                job.cancel()

    async def translate(
        self,
        texts: Sequence[str],
        to: str,
        glossary: str | None = None,
        glossary_mode: str = "strict",
        request: Request | None = None,
    ) -> list[list[LineResult]]:
        """Per text, the LineResults of its lines (sharing decodes with whatever else is waiting)."""
        check_texts(texts)
        if glossary is not None:
            self.glossaries.get(glossary)  # a 400 naming the glossaries, before queueing
        return await self.wait(TranslationJob(list(texts), to, glossary, glossary_mode), request)

    async def translate_plain(self, texts: Sequence[str], to: str, request: Request | None = None) -> list[str]:
        results = await self.translate(texts, to, request=request)
        return ["\n".join(line.translation for line in lines) for lines in results]

    async def on_worker(self, function: Callable[[TranslationWorker], object]):
        return await self.wait(CallJob(function))

    async def translate_document(
        self,
        fmt: DocumentFormat,
        data: bytes,
        name: str,
        to: str,
        request: Request | None = None,
        char_limit: int | None = None,
    ) -> bytes:
        """Parse (off the event loop), translate (on the worker), render (off the event loop); the memory a
        large document took is given back afterwards."""
        self.check_document(data)
        try:
            return await self._translate_document(fmt, data, name, to, request, char_limit)
        finally:
            if data.startswith(b"PK") or len(data) > MiB:  # a zip (it expands) or a large file: worth a collection
                await asyncio.get_running_loop().run_in_executor(None, release_memory)

    async def _translate_document(
        self, fmt: DocumentFormat, data: bytes, name: str, to: str, request: Request | None, char_limit: int | None
    ) -> bytes:
        loop = asyncio.get_running_loop()
        document = await loop.run_in_executor(None, fmt.parse, data, name, FormatOptions())
        if len(document.segments) > self.options.max_segments:
            raise ApiError(
                413,
                f"the document has {len(document.segments)} paragraphs, over the server's limit "
                f"of {self.options.max_segments}",
            )
        texts = [segment.text for segment in document.segments]
        check_texts(texts, "the document", listed=False)
        self.check_chars(texts, self.options.file_char_limit if char_limit is None else char_limit)
        job = CallJob(lambda worker: worker.translate_segments(document.segments, to, job.cancelled))
        translations = await self.wait(job, request)
        return await loop.run_in_executor(None, document.render, translations, FormatOptions(target=to))


def input_result(text: str, lines: list[LineResult]) -> dict:
    """One input of /v1/translate: mt translate's JSONL structure (source, translation, sentences with scores
    and terms, intermediate English for zh) for the whole text; each sentence also has its ``offset`` in the
    text (characters) and, for a text of several lines, its ``line``."""
    sentences = []
    line_start = 0
    for number, (raw, result) in enumerate(zip(text.split("\n"), lines)):
        cursor = 0
        for sentence in result.sentences:
            entry = sentence.to_dict()
            at = raw.find(sentence.source, cursor)
            if at >= 0:
                entry["offset"] = line_start + at
                cursor = at + len(sentence.source)
            if len(lines) > 1:
                entry["line"] = number
            sentences.append(entry)
        line_start += len(raw) + 1
    out = {"source": text, "translation": "\n".join(line.translation for line in lines), "sentences": sentences}
    risks = [s["risk"] for s in sentences if "risk" in s]
    if risks:  # quality estimation ("qe": true): the text's highest risk and every flag of its sentences
        out["risk"] = max(risks)
        out["flags"] = [flag for s in sentences for flag in s.get("flags", [])]
    return out
