"""The translation pipeline: lines -> sentences -> chunks -> length-sorted batches -> backend -> lines.

    from mt import Translator
    results = Translator().translate(["..."], to="en")     # list[LineResult]

Every input line gives exactly one output line (empty lines stay empty, order is kept). Sentences longer than
the model's input limit are chunked, never truncated. Arabic -> Chinese goes through English (opus-mt-ar-en,
then opus-mt-en-zh with `>>cmn_Hans<<`) unless a direct ar-zh model is given.

With a translation memory (`tm=`, mt.memory), each block's sentences are looked up before decoding: a human
entry, or an MT entry made under this run's key (`Translator.memory_key`), is reused without decoding, and the
decoded sentences of a block are stored in one transaction before the block is returned, so the memory is also
the checkpoint that a killed run resumes from (`Translator.job` makes the resumed output byte-identical). The models
are loaded on the first sentence that has to be decoded: a run that the memory answers whole loads none.

The Translator composes its parts: mt.routing (models, legs, the pivot, the enforcer of each leg),
mt.memory_session (the memory, its job, a block's look-ups and stores), mt.blocks (blocks of lines and their
driver), mt.block_translation (one block through the memory, the legs and quality estimation) and mt.documents
(files and segments, beside it).
"""

from __future__ import annotations

import copy
from dataclasses import asdict, replace
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, Sequence

from mt.block_translation import BlockParts, block_steps
from mt.blocks import FIRST_BLOCK_UNITS, TranslationStats, blocks, drive
from mt.decoding import Leg, Steps
from mt.documents import FileTranslation, translate_file, translate_segments
from mt.formats.document import Document, FormatOptions
from mt.formats.document import Segment as DocumentSegment
from mt.formats.document import TranslatedSegment
from mt.glossary.glossary import Glossary
from mt.memory import MtKey, TranslationMemory, fingerprint
from mt.memory_session import TM_MODES, MemorySession
from mt.models.loading import ModelPlan
from mt.models.registry import parse_model_options
from mt.qe.sentences import SentenceAssessor
from mt.results import LineResult
from mt.routing import Router, TermPolicy, model_identity, model_revision, pivot_terms
from mt.settings import DECODING_VERSION, DecodingSettings

__all__ = [
    "DECODING_VERSION",
    "FIRST_BLOCK_UNITS",
    "TM_MODES",
    "FileTranslation",
    "TranslationStats",
    "Translator",
    "model_identity",
    "model_revision",
    "pivot_terms",
]


class Translator:
    """Translate Arabic text into English or Chinese.

    Args:
        models: a model id or directory for the direct pair, or a mapping {"ar-en": ..., "en-zh": ..., "ar-zh": ...}
            (hub ids or local Hugging Face Marian / CTranslate2 directories). Missing pairs use the defaults
            of `mt models list`.
        settings: a mt.settings.DecodingSettings, every setting that can change the output (validated,
            with its ranges, there). Without it, one is built from the keywords below, kept for convenience:
        beam_size: beam width (default 4, as the OPUS-MT models were tuned).
        batch_tokens: token budget of a batch: sentences x bucket width (default 4096); speed only.
        max_input_tokens: chunk limit in source tokens (default: half the model's positions, 256 for OPUS-MT).
        max_length_ratio, max_length_extra: a sentence's decoding limit is ratio x its source tokens (with
            </s>, rounded up to a multiple of 8) + extra, capped by the model's positions (defaults 2.0 and 10),
            whatever it is batched with. Reaching the limit is reported (`complete: false`), never hidden.
        glossary: a mt.glossary.Glossary (or None) whose terms are found, enforced and verified.
        glossary_mode: "strict" (enforce every matched term), "soft" (report only) or "off".
        numbers: the digit numbers of each Arabic sentence, as glossary concepts (mt.qe.number_terms): "enforce"
            (verified, placed by the repair where missing), "check" (verified and reported) or "off"; reported
            per sentence in SentenceResult.numbers, whatever the glossary mode.
        qe: give every sentence its quality estimate (SentenceResult.risk and .flags, mt.qe; the glossary's terms
            count when its mode is not off); ``qe_threshold`` overrides the estimator's flagging threshold.
        backend: "hf" or "ct2" to override what the model directory implies.
        tm: a mt.memory.TranslationMemory, or the path of one (opened, created if missing unless tm_mode is
            "read", and closed by :meth:`close`), or None.
        tm_mode: "both" (reuse and store), "read" (reuse only), "write" (store only) or "off".
        first_block_units: units (about sentences) of a stream's first block (default 16, so that the first
            lines come back fast); later blocks double up to ``block_units``. A caller that needs the whole
            result at once (the server, which decodes every pending request in one call) sets both high.
    """

    def __init__(
        self,
        models: str | dict[str, str] | None = None,
        *,
        beam_size: int = 4,
        batch_tokens: int = 4096,
        max_input_tokens: int | None = None,
        max_length_ratio: float = 2.0,
        max_length_extra: int = 10,
        glossary: Glossary | None = None,
        glossary_mode: str = "strict",
        backend: str | None = None,
        device: str = "cpu",
        threads: int | None = None,
        block_units: int = 512,
        tm: TranslationMemory | str | Path | None = None,
        tm_mode: str = "both",
        first_block_units: int = FIRST_BLOCK_UNITS,
        settings: DecodingSettings | None = None,
        numbers: str = "enforce",
        qe: bool = False,
        qe_threshold: float | None = None,
    ) -> None:
        if isinstance(models, str):
            models = {"direct": models}
        elif isinstance(models, (list, tuple)):
            models = parse_model_options(list(models))
        self.models = dict(models or {})
        if settings is None:
            settings = DecodingSettings(
                beam_size=beam_size,
                batch_tokens=batch_tokens,
                max_input_tokens=max_input_tokens,
                max_length_ratio=max_length_ratio,
                max_length_extra=max_length_extra,
                glossary_mode=glossary_mode,
                backend=backend,
                device=device,
                threads=threads,
                numbers=numbers,
            )
        self.settings = settings
        self.block_units = block_units
        self.first_block_units = first_block_units
        self.stats = TranslationStats()
        self._router = Router(self.models, settings)
        self._policy = TermPolicy(glossary, settings)
        self._memory = MemorySession(tm, tm_mode)
        self.assessor = (
            SentenceAssessor(glossary if settings.glossary_mode != "off" else None, qe_threshold) if qe else None
        )

    @property
    def glossary(self) -> Glossary | None:
        return self._policy.glossary

    @glossary.setter
    def glossary(self, glossary: Glossary | None) -> None:
        self._policy = TermPolicy(glossary, self.settings)

    @property
    def glossary_mode(self) -> str:
        return self.settings.glossary_mode

    @glossary_mode.setter
    def glossary_mode(self, mode: str) -> None:
        self.settings = replace(self.settings, glossary_mode=mode)
        self._policy = TermPolicy(self.glossary, self.settings)

    @property
    def backend_name(self) -> str | None:
        return self.settings.backend

    @property
    def device(self) -> str:
        return self.settings.device

    @property
    def threads(self) -> int | None:
        return self.settings.threads

    @property
    def tm(self) -> TranslationMemory | None:
        return self._memory.tm

    @property
    def tm_mode(self) -> str:
        return self._memory.mode

    def use_memory(self, tm: TranslationMemory | str | Path | None, mode: str = "both") -> None:
        """Translate with this translation memory from now on (None: without one); a path is opened here
        (created when missing, unless the mode is "read", where it is opened read-only; "off" does not open it) and
        closed by :meth:`close` or the next call."""
        self._memory.use(tm, mode)

    def sharing_models(self, glossary: Glossary | None, glossary_mode: str = "strict") -> "Translator":
        """A translator with this one's settings, translation memory and loaded models (shared, not loaded
        again) but another glossary and mode: one model load serves several glossaries. The two must be used
        from one thread at a time (the models are shared); the memory stays this translator's to close."""
        sibling = copy.copy(self)
        sibling.settings = replace(self.settings, glossary_mode=glossary_mode)  # validated; legs do not depend on it
        sibling._policy = TermPolicy(glossary, sibling.settings)
        sibling.stats = TranslationStats()
        sibling._memory = self._memory.shared()
        if self.assessor is not None:
            sibling.assessor = SentenceAssessor(glossary if glossary_mode != "off" else None, self.assessor.threshold)
        return sibling

    def close(self) -> None:
        """Close a translation memory this translator opened from a path."""
        self._memory.close()

    def __enter__(self) -> "Translator":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def memory_key(self, to: str) -> MtKey:
        """The key this translator's MT entries into `to` are stored and reused under, and resumable jobs and
        engine journals are named by (mt.routing.Router.memory_key). No weights are loaded."""
        return self._router.memory_key(to, self.settings, self.glossary)

    def plans(self, to: str) -> list[ModelPlan]:
        """Find and check (once) the models that translate Arabic into `to`, without loading their weights."""
        return self._router.plans(to)

    def legs(self, to: str) -> list[Leg]:
        """Load (once) and return the legs that translate Arabic into `to`."""
        return self._router.legs(to)

    def job(self, to: str, identity: Mapping[str, str], *, checkpoint_only: bool = False):
        """Translate into `to` as one resumable job (an input into an output, named by ``identity``, for example
        the input's digest and the output's path): a run of the same job after an interruption reuses the blocks
        the interrupted run stored and reports them as it did then ("mt"), so its output is byte-identical to an
        uninterrupted run's. The job is forgotten when the block ends without an error. ``checkpoint_only``: the
        memory is only this job's checkpoint (mt translate --resume): nothing else in it is reused, and sentences
        carry no origin, as without a memory. Needs a memory in mode "both". A context manager yielding the Job."""
        return self._memory.job(
            lambda: fingerprint({"to": to, "key": asdict(self.memory_key(to)), **identity}), checkpoint_only
        )

    def block_parts(self) -> BlockParts:
        """What this translator translates a block with (mt.block_translation; the engines compose with it too)."""
        return BlockParts(self._router, self._policy, self._memory, self.stats, self.assessor)

    def translate(self, lines: Iterable[str] | str, to: str = "en") -> list[LineResult]:
        """Translate lines (or one string, split on newlines) into `to`; one LineResult per line."""
        if isinstance(lines, str):
            lines = lines.split("\n")
        return list(self.translate_stream(lines, to=to))

    def translate_stream(
        self,
        lines: Iterable[str],
        to: str = "en",
        progress: Callable[[int], None] | None = None,
        *,
        attention: bool = False,
    ) -> Iterator[LineResult]:
        """Translate lazily, a block of lines at a time, so memory stays flat on large inputs (mt.blocks.drive:
        without a memory, a block waiting on a glossary repair round lets the next one start). ``attention``:
        keep how each sentence was decoded (SentenceResult.decoded: pieces and alignment head, to place inline
        tags), for this call only; ``progress`` gets each finished block's line count.

        With a translation memory, blocks never overlap: a block's decodes then depend on its own sentences only,
        so a resumed run decodes each unfinished block exactly as an uninterrupted run does."""
        self.plans(to)  # the models are checked here and loaded on the first sentence to decode
        key = self.memory_key(to) if self._memory.active else None
        job = self._memory.running if key is not None else None
        parts = self.block_parts()

        def start(block: list[str]) -> Steps[list[LineResult]]:
            number = job.take_block() if job is not None else None
            return block_steps(parts, block, lambda: self.legs(to), to, key, number, job, attention)

        yield from drive(blocks(lines, self.first_block_units, self.block_units), start, key is None, progress)

    def translate_segments(
        self, segments: Sequence[DocumentSegment], to: str = "en", progress: Callable[[int], None] | None = None
    ) -> list[TranslatedSegment]:
        """Translate document segments (mt.formats.document): one TranslatedSegment per segment, in order, their
        lines through :meth:`translate_stream` and their tags placed on the aligned words (mt.documents)."""
        return translate_segments(self, segments, to, progress)

    def translate_file(
        self,
        path: str | Path,
        to: str = "en",
        out: str | Path | None = None,
        *,
        input_format: str | None = None,
        options: FormatOptions = FormatOptions(),
        force: bool = False,
        progress: Callable[[int], None] | None = None,
        document: Document | None = None,
    ) -> FileTranslation:
        """Translate a document (DOCX, XLIFF, PO, SRT/VTT, HTML, Markdown, TMX) into ``out`` in the same format,
        written atomically (``"-"``: standard output; None: not written); see mt.documents.translate_file."""
        return translate_file(
            self,
            path,
            to,
            out,
            input_format=input_format,
            options=options,
            force=force,
            progress=progress,
            document=document,
        )
