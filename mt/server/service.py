"""What every route shares: the translation worker, glossaries, downloads, access rules and limits."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from mt.formats.document import DocumentFormat, FormatOptions
from mt.pipeline import Translator
from mt.results import LineResult
from mt.server.access import Access
from mt.server.bodies import target_code
from mt.server.downloads import DownloadStore
from mt.server.errors import ApiError
from mt.server.glossaries import GlossaryStore
from mt.server.keys import KeyStore
from mt.server.worker import TranslationWorker
from mt.text.script import profile

MiB = 1024 * 1024


@dataclass
class ServerOptions:
    """The settings of `mt serve` (see its --help)."""

    targets: tuple[str, ...] = ("en", "zh")   # target languages whose models are loaded
    char_limit: int | None = None             # characters per request (all texts of q together)
    req_limit: int | None = None              # requests per minute per key or client
    body_limit: int = 10 * MiB                # bytes of a request body (uploads included)
    batch_wait_ms: float = 5.0                # how long the worker collects requests to share a decode
    serial: bool = False                      # one request per decode (the benchmark's baseline)
    max_batch_lines: int = 512                # lines per shared decode at most
    file_expiry_s: float = 1800.0             # how long a translated file can be downloaded
    api_keys: Path | None = None              # the key database; None: no keys (anonymous use, no edits)
    tm: Path | None = None                    # a translation memory, opened on the worker thread (SQLite)


def detect(text: str) -> list[dict]:
    """Languages of a text by script, most likely first: [{"confidence": 0-100, "language": code}]."""
    prof = profile([text])
    if not prof.letters:
        return [{"confidence": 0.0, "language": "ar"}]
    found = [{"confidence": round(100 * prof.share(script), 1), "language": lang}
             for script, lang in (("arabic", "ar"), ("latin", "en"), ("cjk", "zh")) if prof.share(script) > 0]
    return sorted(found, key=lambda d: -d["confidence"]) or [{"confidence": 0.0, "language": "ar"}]


def is_arabic(text: str) -> bool:
    """Whether a text can be taken as Arabic: no letters at all, or at least 30% Arabic letters."""
    prof = profile([text])
    return not prof.letters or prof.share("arabic") >= 0.3


class Service:
    def __init__(self, translator: Translator, glossaries: GlossaryStore, options: ServerOptions) -> None:
        self.translator = translator
        self.glossaries = glossaries
        self.options = options
        self.worker = TranslationWorker(translator, glossaries, batch_wait=options.batch_wait_ms / 1000,
                                        max_lines=options.max_batch_lines, serial=options.serial)
        self.downloads = DownloadStore(options.file_expiry_s)
        self.access = Access(KeyStore(options.api_keys) if options.api_keys else None, options.req_limit)

    def start(self) -> None:
        """Start the worker; a translation memory is opened on its thread (an SQLite connection belongs to the
        thread that opened it), before any request."""
        self.worker.start()
        if self.options.tm is not None:
            tm = self.options.tm
            self.worker.call(lambda worker: worker.translator.use_memory(tm)).result()

    def stop(self) -> None:
        """Let the worker finish its queue, close the memory on its thread, end it; remove the downloads."""
        if self.options.tm is not None:
            self.worker.call(lambda worker: worker.translator.close())
        self.worker.stop()
        self.downloads.close()

    # -- checks ----------------------------------------------------------------------------------------------
    def target(self, value: str) -> str:
        code = target_code(value)
        if code not in self.options.targets:
            raise ApiError(400, f"{value} is not supported as a target language by this server; choose "
                           f"{' or '.join(self.options.targets)}")
        return code

    def check_chars(self, texts: Sequence[str]) -> None:
        limit = self.options.char_limit
        total = sum(len(t) for t in texts)
        if limit and total > limit:
            raise ApiError(400, f"Invalid request: request ({total} characters) exceeds text limit "
                           f"({limit} characters)")

    # -- work ------------------------------------------------------------------------------------------------
    async def translate(self, texts: Sequence[str], to: str, glossary: str | None = None,
                        glossary_mode: str = "strict") -> list[list[LineResult]]:
        """Per text, the LineResults of its lines (sharing decodes with whatever else is waiting)."""
        if glossary is not None:
            self.glossaries.get(glossary)  # a 400 naming the glossaries, before queueing
        return await asyncio.wrap_future(self.worker.translate(texts, to, glossary, glossary_mode))

    async def translate_plain(self, texts: Sequence[str], to: str) -> list[str]:
        results = await self.translate(texts, to)
        return ["\n".join(line.translation for line in lines) for lines in results]

    async def on_worker(self, function: Callable[[TranslationWorker], object]):
        return await asyncio.wrap_future(self.worker.call(function))

    async def translate_document(self, fmt: DocumentFormat, data: bytes, name: str, to: str) -> bytes:
        """Parse (off the event loop), translate (on the worker), render (off the event loop)."""
        loop = asyncio.get_running_loop()
        document = await loop.run_in_executor(None, fmt.parse, data, name, FormatOptions())
        self.check_chars([segment.text for segment in document.segments])

        def work(worker: TranslationWorker):
            return worker.translate_segments(document.segments, to)

        translations = await self.on_worker(work)
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
    return {"source": text, "translation": "\n".join(line.translation for line in lines), "sentences": sentences}
