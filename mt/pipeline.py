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
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import unicodedata
from collections import Counter
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, Sequence

from mt.backends.loading import BACKENDS, load_backend
from mt.decoding import JOINERS, Enforcer, Leg, Running, Steps, Unit
from mt.decoding.leg import input_limit, target_prefix
from mt.settings import DECODING_VERSION, DecodingSettings  # noqa: F401 - DECODING_VERSION re-exported
from mt.errors import InputError
from mt.formats.document import Document, FormatOptions
from mt.formats.document import Segment as DocumentSegment
from mt.formats.document import TranslatedSegment
from mt.formats.registry import format_for
from mt.formats.writing import atomic_writer, check_output, write_bytes_atomic
from mt.glossary.glossary import Glossary
from mt.glossary.matcher import TermMatch
from mt.glossary.model import Concept
from mt.glossary.verify import concept_spans
from mt.memory import Entry, Job, MtKey, Segment, TranslationMemory, fingerprint, glossary_fingerprint
from mt.memory.model import normalise_source
from mt.models.loading import ModelPlan, plan_model, resolve
from mt.models.registry import parse_model_options, route
from mt.models.vocab import MarianVocab
from mt.qe.number_terms import NumberGlossary, is_number
from mt.qe.sentences import SentenceAssessor
from mt.results import LineResult, SentenceResult, TermResult
from mt.segments import assemble, has_arabic, kept_as_is, place_markup, segment_lines
from mt.text.chunking import chunk
from mt.text.sentences import SENTENCE_MARKS, split_sentences

log = logging.getLogger(__name__)

FIRST_BLOCK_UNITS = 16  # units (about sentences) in the first block of a stream; later blocks double
PLACE_GROUP = 64  # translate_segments places the tags of this many segments at a time (memory stays flat)
TM_MODES = ("both", "read", "write", "off")
_SAMPLE = 1 << 20  # bytes read at the start, middle and end of a large model file for its revision hash


def model_revision(directory: Path) -> str:
    """A content hash of a model directory (16 hex digits): every file's name and size, small files whole and
    large ones (weights) by three 1 MiB samples, so that copying or moving a model keeps its revision and
    another model (other weights, another quantisation in its metadata) gets another one, in milliseconds."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(directory).iterdir() if p.is_file()):
        size = path.stat().st_size
        digest.update(f"{path.name}\0{size}\0".encode("utf-8"))
        with path.open("rb") as handle:
            if size <= 3 * _SAMPLE:
                digest.update(handle.read())
            else:
                for offset in (0, size // 2, size - _SAMPLE):
                    handle.seek(offset)
                    digest.update(handle.read(_SAMPLE))
    return digest.hexdigest()[:16]


def model_identity(model: str, path: Path | None = None) -> tuple[str, str]:
    """(model id, revision) of a model as given: a hub id stays itself, a directory is named by its last part;
    the revision is :func:`model_revision` of the directory the model resolves to (``path``, when known)."""
    if path is None:
        path, _ = resolve(model)
    expanded = Path(model).expanduser()
    name = expanded.resolve().name if expanded.exists() else model
    return name, model_revision(path)


def _job_record(sentence: SentenceResult) -> dict:
    """What a job records of a decoded sentence so that a resumed run reports it exactly as this run does (see
    Translator._resumed): its translation, score and completeness, whether it was chunked, its terms, the pivot's
    English."""
    return {"translation": sentence.translation, "score": sentence.score, "complete": sentence.complete,
            "chunked": sentence.chunked, "intermediate": sentence.intermediate,
            "terms": [[t.concept_id, t.source, t.start, t.end, t.target, t.status, t.lang,
                       list(t.target_span) if t.target_span else None] for t in sentence.terms + sentence.numbers]}


def _job_notes(sources: list[str], sentences: list[SentenceResult]) -> list[str]:
    """One note per stored sentence: the records of every spelling of the block that shares its memory entry
    (the memory keeps one entry per normalised source, the job one note per entry and block), keyed by the
    source as written, so that each spelling and each repeat is resumed with its own translation."""
    by_norm: dict[str, dict[str, dict]] = {}
    for source, sentence in zip(sources, sentences):
        by_norm.setdefault(normalise_source(source), {})[source] = _job_record(sentence)
    return [json.dumps({"sources": by_norm[normalise_source(source)]}, ensure_ascii=False, separators=(",", ":"))
            for source in sources]


def _note_record(note: str | None, source: str) -> dict | None:
    """The record a job note holds for this spelling of a source, if any."""
    data = json.loads(note) if note else None
    return data.get("sources", {}).get(source) if isinstance(data, dict) else None


def _sentence(source: str, translation: str, score: float | None, terms: list[TermResult],
              *rest: object) -> SentenceResult:
    """A SentenceResult with the enforcer's results split: the glossary's terms, and the source's numbers."""
    return SentenceResult(source, translation, score, [t for t in terms if not is_number(t.concept_id)], *rest,
                          numbers=[t for t in terms if is_number(t.concept_id)])


def _sentence_estimate(line: str) -> int:
    """About how many sentences a line holds (its sentence-final marks, at least one), to size blocks."""
    return max(1, sum(line.count(mark) for mark in SENTENCE_MARKS))


def _has_letters(text: str) -> bool:
    return any(unicodedata.category(c).startswith("L") for c in text)


def _split_block(block: list[str]) -> tuple[list[Unit], list[tuple[str, list[int]] | None]]:
    """A block's lines as sentence units, and each line's layout: its indent and its units' indices (None for a
    line without letters: numbers, rules and blanks pass through untouched)."""
    units: list[Unit] = []
    layout: list[tuple[str, list[int]] | None] = []
    for line in block:
        if not line.strip() or not _has_letters(line):
            layout.append(None)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        indices = []
        for span in split_sentences(line):
            indices.append(len(units))
            units.append(Unit(line[span.start : span.end]))
        layout.append((indent, indices))
    return units, layout


@dataclass
class TranslationStats:
    """Counters of one run, for the summary lines on stderr."""

    lines: int = 0
    sentences: int = 0
    chunked_sentences: int = 0
    incomplete: int = 0
    terms_found: int = 0
    terms_present: int = 0
    numbers_found: int = 0
    numbers_present: int = 0
    flagged: int = 0  # sentences quality estimation flagged (with qe)
    tm_human: int = 0     # sentences taken from a human entry of the translation memory
    tm_mt: int = 0        # ... from an MT entry made under the same key
    tm_stored: int = 0    # decoded sentences stored in the memory
    tm_sentences: int = 0  # sentences translated with a memory in use (looked up, stored, or both)
    tm_resumed: int = 0   # ... of tm_mt: stored by an interrupted run of this job (reported as decoded then)


@dataclass
class _JobState:
    """The job a Translator is running (see Translator.job): the next block's number, and whether the memory is
    only the job's checkpoint (--resume's job database: only the job's own blocks are reused, no origins)."""

    job: Job
    checkpoint_only: bool
    next_block: int = 0


def pivot_terms(first: list[TermResult], second: list[TermResult], translation: str, lang: str) -> list[TermResult]:
    """The Arabic terms of a pivoted sentence, judged on the final translation.

    Leg 1 enforced the English form, leg 2 the `lang` form where that English stands (as often as the Arabic
    has the term). A term is present when an accepted `lang` form is in the final text; it is "enforced" when
    the last leg had to place it.
    """
    forced = Counter(t.concept_id for t in second if t.status == "enforced")
    concepts = {t.concept_id: t.concept for t in first if t.concept.targets(lang)}
    spans = concept_spans(translation, concepts, lang, Counter(t.concept_id for t in first if t.concept_id in concepts))
    out = []
    for term in first:
        if term.concept_id not in concepts:  # no `lang` form in the glossary: nothing to check in this language
            continue
        found = spans[term.concept_id]
        if found:
            start, end = found.pop(0)
            status = "enforced" if forced[term.concept_id] > 0 else "verified"
            forced[term.concept_id] -= 1
            out.append(TermResult(term.concept_id, term.source, term.start, term.end, translation[start:end], status,
                                  term.lang, term.concept))
        else:
            out.append(TermResult(term.concept_id, term.source, term.start, term.end, None, "missing", term.lang,
                                  term.concept))
    return out


@dataclass
class FileTranslation:
    """What :meth:`Translator.translate_file` did: the file it read and wrote, its format, and every segment's
    translation (tags placed, sentence results, displaced tags) for reports."""

    input: Path
    output: Path | None
    format: str
    translations: list[TranslatedSegment] = field(default_factory=list)

    @property
    def segments(self) -> int:
        return len(self.translations)

    @property
    def displaced(self) -> list[tuple[str, tuple[str, ...]]]:
        """(location, tag ids) of the segments with tags put at the nearest valid point."""
        return [(t.segment.location, t.displaced) for t in self.translations if t.displaced]


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

    def __init__(self, models: str | dict[str, str] | None = None, *, beam_size: int = 4, batch_tokens: int = 4096,
                 max_input_tokens: int | None = None, max_length_ratio: float = 2.0, max_length_extra: int = 10,
                 glossary: Glossary | None = None, glossary_mode: str = "strict", backend: str | None = None,
                 device: str = "cpu", threads: int | None = None, block_units: int = 512,
                 tm: TranslationMemory | str | Path | None = None, tm_mode: str = "both",
                 first_block_units: int = FIRST_BLOCK_UNITS, settings: DecodingSettings | None = None,
                 numbers: str = "enforce", qe: bool = False, qe_threshold: float | None = None) -> None:
        if isinstance(models, str):
            models = {"direct": models}
        elif isinstance(models, (list, tuple)):
            models = parse_model_options(list(models))
        self.models = dict(models or {})
        if settings is None:
            settings = DecodingSettings(beam_size=beam_size, batch_tokens=batch_tokens,
                                        max_input_tokens=max_input_tokens, max_length_ratio=max_length_ratio,
                                        max_length_extra=max_length_extra, glossary_mode=glossary_mode,
                                        backend=backend, device=device, threads=threads, numbers=numbers)
        if tm_mode not in TM_MODES:
            raise InputError(f"unknown translation memory mode {tm_mode!r}; choose both, read, write or off")
        self.settings = settings
        self.glossary = glossary
        self.block_units = block_units
        self.first_block_units = first_block_units
        self.stats = TranslationStats()
        self._with_attention = False  # translate_segments: keep each decode's pieces and alignment head
        self._legs: dict[tuple[str, str], Leg] = {}
        self._plans: dict[tuple[str, str], ModelPlan] = {}
        self._counters: dict[tuple[str, str], Callable[[str], int]] = {}
        self._job: _JobState | None = None
        self._enforcers: dict[str, Enforcer] = {}
        self._identities: dict[str, tuple[str, str]] = {}
        self._owned_tm = False
        self.tm: TranslationMemory | None = None
        self.tm_mode = "off"
        self.use_memory(tm, tm_mode)
        self.assessor = SentenceAssessor(glossary if settings.glossary_mode != "off" else None,
                                         qe_threshold) if qe else None

    @property
    def glossary_mode(self) -> str:
        return self.settings.glossary_mode

    @glossary_mode.setter
    def glossary_mode(self, mode: str) -> None:
        self.settings = replace(self.settings, glossary_mode=mode)
        self._enforcers = {}

    @property
    def backend_name(self) -> str | None:
        return self.settings.backend

    @property
    def device(self) -> str:
        return self.settings.device

    @property
    def threads(self) -> int | None:
        return self.settings.threads

    def use_memory(self, tm: TranslationMemory | str | Path | None, mode: str = "both") -> None:
        """Translate with this translation memory from now on (None: without one); a path is opened here
        (created when missing, unless the mode is "read", where it is opened read-only; "off" does not open it) and
        closed by :meth:`close` or the next call."""
        if mode not in TM_MODES:
            raise InputError(f"unknown translation memory mode {mode!r}; choose both, read, write or off")
        if self._owned_tm and self.tm is not None:
            self.tm.close()
        self._owned_tm = isinstance(tm, (str, Path))
        if isinstance(tm, (str, Path)):  # read: a read-only connection (the file never changes); off: not opened
            tm = TranslationMemory.open(tm, read_only=mode == "read") if mode != "off" else None
            self._owned_tm = tm is not None
        self.tm = tm
        self.tm_mode = mode if self.tm is not None else "off"

    def sharing_models(self, glossary: Glossary | None, glossary_mode: str = "strict") -> "Translator":
        """A translator with this one's settings, translation memory and loaded models (shared, not loaded
        again) but another glossary and mode: one model load serves several glossaries. The two must be used
        from one thread at a time (the models are shared); the memory stays this translator's to close."""
        sibling = copy.copy(self)
        sibling.glossary = glossary
        sibling.glossary_mode = glossary_mode  # validated by DecodingSettings; the legs do not depend on it
        sibling.stats = TranslationStats()
        sibling._enforcers = {}
        sibling._owned_tm = False
        sibling._job = None
        if self.assessor is not None:
            sibling.assessor = SentenceAssessor(glossary if glossary_mode != "off" else None, self.assessor.threshold)
        return sibling

    def close(self) -> None:
        """Close a translation memory this translator opened from a path."""
        self.use_memory(None)

    def __enter__(self) -> "Translator":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def _tm_reads(self) -> bool:
        return self.tm is not None and self.tm_mode in ("both", "read")

    @property
    def _tm_writes(self) -> bool:
        return self.tm is not None and self.tm_mode in ("both", "write")

    def memory_key(self, to: str) -> MtKey:
        """The key this translator's MT entries into `to` are stored and reused under (and resumable jobs and
        engine journals are named by): the last leg's model id and revision, the fingerprint of the glossary's
        concepts in the languages the route produces, and a fingerprint of each leg (model, revision, backend,
        chunk limit, positions) with :meth:`DecodingSettings.fingerprint` (every setting that can change the
        output bytes, DECODING_VERSION included). For ar -> en -> zh, both legs are in it: the final Chinese is
        stored under one key. Read from the model directories (:meth:`plans`): no weights are loaded."""
        plans = self.plans(to)
        identities = [self._identity(plan) for plan in plans]
        glossed = self.glossary is not None and self.glossary_mode != "off"
        settings = {
            "legs": [{"pair": plan.pair, "model": model_id, "revision": revision,
                      "backend": BACKENDS[plan.backend].name,
                      "max_input_tokens": input_limit(self.settings.max_input_tokens, plan.max_positions),
                      "positions": plan.max_positions}
                     for plan, (model_id, revision) in zip(plans, identities)],
            "settings": (self.settings if glossed else replace(self.settings, glossary_mode="off")).fingerprint(),
        }
        glossary = ""
        if self.glossary is not None and self.glossary_mode != "off":
            glossary = glossary_fingerprint(self.glossary, [plan.pair.partition("-")[2] for plan in plans])
        model_id, revision = identities[-1]
        return MtKey(model_id, revision, glossary, fingerprint(settings))

    def _identity(self, plan: ModelPlan) -> tuple[str, str]:
        if plan.model not in self._identities:
            self._identities[plan.model] = model_identity(plan.model, plan.path)
        return self._identities[plan.model]

    def plans(self, to: str) -> list[ModelPlan]:
        """Find and check (once) the models that translate Arabic into `to`, without loading their weights: a
        missing model, a wrong pair or backend fails here (mt.models.loading.plan_model)."""
        plans = []
        for pair, model in route(to, self.models):
            if (pair, model) not in self._plans:
                self._plans[pair, model] = plan_model(model, self.backend_name, pair)
            plans.append(self._plans[pair, model])
        return plans

    def legs(self, to: str) -> list[Leg]:
        """Load (once) and return the legs that translate Arabic into `to`."""
        legs = []
        for pair, model in route(to, self.models):
            key = (pair, model)
            if key not in self._legs:
                backend = load_backend(model, backend=self.backend_name, device=self.device, threads=self.threads,
                                       pair=pair)
                self._legs[key] = Leg(pair, backend, self.settings)
            legs.append(self._legs[key])
        return legs

    def _source_tokens(self, plan: ModelPlan) -> Callable[[str], int]:
        """The first leg's source token count (Leg.count_tokens) from the model's tokenizer files alone, for
        sentences taken from the memory while the model is not loaded."""
        key = (plan.pair, plan.model)
        if key in self._legs:
            return self._legs[key].count_tokens
        if key not in self._counters:
            vocab = MarianVocab.from_dir(plan.path)
            extra = len(target_prefix(vocab, plan.pair.partition("-")[2]))
            self._counters[key] = lambda text: vocab.count_source_tokens(text) + extra
        return self._counters[key]

    @contextmanager
    def job(self, to: str, identity: Mapping[str, str], *, checkpoint_only: bool = False) -> Iterator[Job]:
        """Translate into `to` as one resumable job (an input into an output, named by ``identity``, for example
        the input's digest and the output's path): a run of the same job after an interruption reuses the blocks
        the interrupted run stored and reports them as it did then ("mt"), so its output is byte-identical to an
        uninterrupted run's. The job is forgotten when the block ends without an error. ``checkpoint_only``: the
        memory is only this job's checkpoint (mt translate --resume): nothing else in it is reused, and sentences
        carry no origin, as without a memory. Needs a memory in mode "both"."""
        if self.tm is None or self.tm_mode != "both":
            raise InputError("a resumable job needs a translation memory in mode both")
        started = self.tm.start_job(fingerprint({"to": to, "key": asdict(self.memory_key(to)), **identity}))
        self._job = _JobState(started, checkpoint_only)
        try:
            yield started
        finally:
            self._job = None
        self.tm.finish_job(started)

    def translate(self, lines: Iterable[str] | str, to: str = "en") -> list[LineResult]:
        """Translate lines (or one string, split on newlines) into `to`; one LineResult per line."""
        if isinstance(lines, str):
            lines = lines.split("\n")
        return list(self.translate_stream(lines, to=to))

    def translate_stream(self, lines: Iterable[str], to: str = "en",
                         progress: Callable[[int], None] | None = None) -> Iterator[LineResult]:
        """Translate lazily, a block of lines at a time, so memory stays flat on large inputs.

        Blocks are translated in order and one at a time, except that a block waiting on a glossary repair round
        (not the first block, whose lines should come back fast) lets the next block start: the round is then
        decoded in the same call as that block's first decode (mt.decoding.batching), and at most two blocks are held.
        """
        self.plans(to)  # the models are checked here and loaded on the first sentence to decode
        key = self.memory_key(to) if self.tm is not None and self.tm_mode != "off" else None
        job = self._job if key is not None else None
        blocks = self._blocks(lines)
        running: list[Running] = []  # oldest first; payload: the block's line count
        started = 0
        while True:
            # the only running block is the latest started one: block 1 when started == 1. With a translation
            # memory, blocks never overlap: a block's decodes then depend on its own sentences only, so a
            # resumed run decodes each unfinished block exactly as an uninterrupted run does
            if not running or (len(running) == 1 and started > 1 and running[0].request is not None
                               and running[0].request.repair and key is None):
                block = next(blocks, None)
                if block is not None:
                    number = None
                    if job is not None:
                        number, job.next_block = job.next_block, job.next_block + 1
                    running.append(Running(self._block_steps(block, lambda: self.legs(to), to, key, number),
                                           len(block)))
                    started += 1
                elif not running:
                    return
            Running.step(running)
            while running and running[0].done:
                finished = running.pop(0)
                yield from finished.result
                if progress:
                    progress(finished.payload)

    def translate_segments(self, segments: Sequence[DocumentSegment], to: str = "en",
                           progress: Callable[[int], None] | None = None) -> list[TranslatedSegment]:
        """Translate document segments (mt.formats.document): one TranslatedSegment per segment, in order.

        Every segment's text goes through :meth:`translate_stream` (a "\\n" inside a segment separates lines and
        stays a "\\n" in its translation), so sentences, chunking, batching, glossary enforcement and the
        translation memory apply as to plain lines. The tags of a segment are then put at the target words their
        source words align to (the model's alignment head, mt.segments); segments without tags cost nothing more.
        ``progress`` is called with the number of segments finished. A segment without an Arabic letter is
        not translated: it comes back as it is, marked ``kept`` (mt.segments.kept_as_is).
        """
        arabic = [segment for segment in segments if has_arabic(segment.text)]
        if progress and len(arabic) < len(segments):
            progress(len(segments) - len(arabic))
        translated = iter(self._translate_arabic_segments(arabic, to, progress))
        return [next(translated) if has_arabic(segment.text) else kept_as_is(segment) for segment in segments]

    def _translate_arabic_segments(self, segments: Sequence[DocumentSegment], to: str,
                                   progress: Callable[[int], None] | None) -> list[TranslatedSegment]:
        """translate_segments of segments that all have Arabic letters (none: no model is loaded)."""
        if not segments:
            return []
        counts = []
        lines: list[str] = []
        for segment in segments:
            parts = segment_lines(segment)
            counts.append(len(parts))
            lines.extend(parts)
        self._with_attention = any(segment.tags for segment in segments)
        legs = self.legs(to)
        out: list[TranslatedSegment] = []
        pending: list = []  # assembled segments whose tags are placed a group at a time (the heads' rows then go)
        try:
            results = self.translate_stream(lines, to=to)
            for segment, count in zip(segments, counts):
                pending.append(assemble(segment, [next(results) for _ in range(count)], to))
                if progress:
                    progress(1)
                if len(pending) >= PLACE_GROUP:
                    out += self._placed(pending, legs, to)
                    pending = []
        finally:
            self._with_attention = False
        return out + self._placed(pending, legs, to)

    def _placed(self, assembled: list, legs: list[Leg], to: str) -> list[TranslatedSegment]:
        """Assembled segments with their tags placed; with quality estimation, a sentence holding a tag that
        could not be placed on its words gets a ``tags`` flag (mt.qe.sentences), counted as flagged."""
        placed = place_markup(assembled, legs)
        if self.assessor is None:
            return placed
        out = [self.assessor.flag_displaced(translated, to) for translated in placed]
        self.stats.flagged += sum(bool(s.flags) for t in out for s in t.sentences) - sum(
            bool(s.flags) for t in placed for s in t.sentences)
        return out

    def translate_file(self, path: str | Path, to: str = "en", out: str | Path | None = None, *,
                       input_format: str | None = None, options: FormatOptions = FormatOptions(),
                       force: bool = False, progress: Callable[[int], None] | None = None,
                       document: Document | None = None) -> FileTranslation:
        """Translate a document (DOCX, XLIFF, PO, SRT/VTT, HTML, Markdown, TMX: chosen by extension, or
        ``input_format``) into ``out`` in the same format, written atomically; ``out="-"`` writes it to standard
        output, ``out=None`` translates without writing. The output is checked first: never the input, never an existing file unless ``force``.
        ``options`` go to the format's reader and writer (its ``target`` is set to ``to``); ``document``: the file
        already parsed with them (the CLI reads every input before loading a model)."""
        path = Path(path)
        fmt = format_for(path, input_format)
        if fmt is None:
            raise InputError(f"{path}: not a document format (by its extension); translate text with "
                             "translate_stream, or name the format (input_format=)")
        to_stdout = out is not None and str(out) == "-"
        if out is not None and not to_stdout:
            check_output(Path(out), force, [path])
        options = replace(options, target=to)
        document = document if document is not None else fmt.load(path, options)
        translations = self.translate_segments(document.segments, to=to, progress=progress)
        data = document.render(translations, options)
        if to_stdout:
            with atomic_writer(None, binary=True) as handle:
                handle.write(data)
        elif out is not None:
            write_bytes_atomic(out, data)
        return FileTranslation(path, Path(out) if out is not None and not to_stdout else None, fmt.name, translations)

    def _blocks(self, lines: Iterable[str]) -> Iterator[list[str]]:
        """Group lines into blocks: a small first block, so the first lines come back fast, then blocks that
        double up to block_units (units counted by sentence-final marks)."""
        block: list[str] = []
        units_in_block = 0
        limit = min(self.first_block_units, self.block_units)
        for line in lines:
            if "\n" in line or "\r" in line:
                line = line.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
            block.append(line)
            units_in_block += _sentence_estimate(line)
            if units_in_block >= limit:
                yield block
                block, units_in_block = [], 0
                limit = min(limit * 2, self.block_units)
        if block:
            yield block

    def _terms(self) -> Glossary | NumberGlossary | None:
        """What the enforcer finds, verifies and places: the glossary's terms (unless its mode is off) and,
        unless numbers are off, each sentence's numbers (mt.qe.number_terms.NumberGlossary)."""
        glossary = self.glossary if self.glossary_mode != "off" else None
        return glossary if self.settings.numbers == "off" else NumberGlossary(glossary)

    def _enforces(self, concept: Concept) -> bool:
        """Whether a missing concept is placed: a number under numbers=enforce, a term under a strict glossary."""
        if is_number(concept.id):
            return self.settings.numbers == "enforce"
        return self.glossary_mode == "strict"

    def _enforcer(self, leg: Leg) -> Enforcer | None:
        if leg.pair not in self._enforcers:  # one per leg, so its matcher caches outlive a block
            terms = self._terms()
            strict = self.glossary_mode == "strict" and terms is not None or self.settings.numbers == "enforce"
            self._enforcers[leg.pair] = None if terms is None else Enforcer(
                terms, leg.source_lang, leg.target_lang, strict=strict, enforces=self._enforces)
        return self._enforcers[leg.pair]

    def _verified_terms(self, source: str, translation: str, lang: str) -> list[TermResult]:
        """The glossary terms of `source` judged on a stored `translation` (verified or missing, never placed)."""
        terms = self._terms()
        if terms is None:
            return []
        matches = [m for m in terms.match(source, lang="ar") if m.concept.targets(lang)]
        concepts = {m.concept.id: m.concept for m in matches}
        spans = concept_spans(translation, concepts, lang, Counter(m.concept.id for m in matches))
        out = []
        for match in matches:
            found = spans[match.concept.id]
            start, end = found.pop(0) if found else (0, 0)
            out.append(TermResult(match.concept.id, match.text, match.start, match.end,
                                  translation[start:end] if end > start else None,
                                  "verified" if end > start else "missing", match.lang, match.concept,
                                  (start, end) if end > start else None))
        return out

    def _reused(self, unit: Unit, entry: Entry, to: str, origin: str | None) -> SentenceResult:
        """A sentence taken from the translation memory: its stored target and score, its terms verified."""
        chunked = False
        if entry.origin != "human":  # chunked as the first leg would chunk it
            first = self.plans(to)[0]
            limit = input_limit(self.settings.max_input_tokens, first.max_positions)
            chunked = len(chunk(unit.text, self._source_tokens(first), limit)) > 1
        return _sentence(unit.text, entry.target, entry.score, self._verified_terms(unit.text, entry.target, to),
                         None, chunked, entry.complete is not False, origin)

    def _resumed(self, unit: Unit, record: dict, origin: str | None) -> SentenceResult:
        """A sentence an interrupted run of this job decoded, as that run reported it (its job record)."""
        glossary = self._terms()
        terms = [TermResult(concept_id, source, start, end, target, status, lang,
                            glossary.get(concept_id) if glossary is not None and concept_id in glossary else None,
                            tuple(span) if span else None)
                 for concept_id, source, start, end, target, status, lang, span in record["terms"]]
        return _sentence(unit.text, record["translation"], record["score"], terms, record.get("intermediate"),
                         bool(record.get("chunked")), record.get("complete") is not False, origin)

    def _block_steps(self, block: list[str], legs: Callable[[], list[Leg]], to: str, key: MtKey | None = None,
                     job_block: int | None = None) -> Steps[list[LineResult]]:
        """Translate one block of lines: a generator of decode requests (see mt.decoding.batching) returning its
        lines. ``legs`` loads the models (called only when a sentence has to be decoded); ``job_block``: this
        block's number in the running job (Translator.job), if any.

        A sentence's answer depends on it alone: a repeat of a sentence (the same text) is decoded once and
        copied; an MT entry of the memory is reused only for the spelling it was made from (a human entry for
        any spelling that normalises the same); a job's interrupted block is resumed from each spelling's own
        record, never from the memory entry another spelling or block may have rewritten since."""
        units, layout = _split_block(block)
        job = self._job if job_block is not None else None
        hits, records = self._lookup(units, to, key, job, job_block)
        first_of: dict[str, int] = {}
        repeat_of = {i: first_of.setdefault(u.text, i) for i, u in enumerate(units)}
        repeat_of = {i: first for i, first in repeat_of.items() if first != i}
        misses = [i for i, hit in enumerate(hits) if hit is None and i not in repeat_of]
        if key is not None:
            self.stats.tm_sentences += len(units)
        decoded: tuple[list, list, list, list] = ([], [], [], [])
        if misses:
            decoded = yield from self._decode_units([units[i] for i in misses], legs())
        plain = key is None or (job is not None and job.checkpoint_only)  # no origins without a real memory
        sentences: list[SentenceResult | None] = [None] * len(units)
        for i, t, terms, intermediate, how in zip(misses, *decoded):
            sentences[i] = _sentence(units[i].text, t.translation, t.score, terms, intermediate,
                                     len(units[i].chunks) > 1, t.complete, None if plain else "mt", how)
        if key is not None and self._tm_writes and misses:  # stored before the block is returned: the checkpoint
            stored = [sentences[i] for i in misses]
            notes = _job_notes([s.source for s in stored], stored) if job is not None else None
            written = self.tm.store_mt([Segment(s.source, s.translation, to, score=s.score, complete=s.complete)
                                        for s in stored], key, job.job if job is not None else None,
                                       job_block or 0, notes)
            self.stats.tm_stored += written.added + written.updated
        for i, hit in enumerate(hits):
            if hit is None or i in repeat_of:
                continue
            if i in records:
                sentences[i] = self._resumed(units[i], records[i], None if plain else "mt")
                self.stats.tm_resumed += 1
            else:
                sentences[i] = self._reused(units[i], hit, to, None if plain else f"tm-{hit.origin}")
            self.stats.tm_human += hit.origin == "human"
            self.stats.tm_mt += hit.origin != "human"
        for i, first in repeat_of.items():  # reported as a memory hit where the first one was decoded or reused
            origin = "tm-mt" if sentences[first].origin == "mt" else sentences[first].origin
            sentences[i] = replace(sentences[first], source=units[i].text, origin=origin)
            self.stats.tm_human += origin == "tm-human"
            self.stats.tm_mt += origin == "tm-mt"
        if self.assessor is not None:
            sentences = [self.assessor.assess(sentence, to) for sentence in sentences]
        return self._lines(block, layout, sentences, to)

    def _lookup(self, units: list[Unit], to: str, key: MtKey | None, job: _JobState | None,
                job_block: int | None) -> tuple[list[Entry | None], dict[int, dict]]:
        """The memory's answers for a block's units, and the job records of the ones an interrupted run of this
        job decoded in this block (by unit index). A job database (checkpoint_only) answers only with the job's
        own records; an MT entry answers only the spelling it was made from."""
        hits: list[Entry | None] = [None] * len(units)
        if key is None or not self._tm_reads or not units:
            return hits, {}
        hits = self.tm.lookup([u.text for u in units], to, key)
        own = self.tm.job_entries(job.job, job_block) if job is not None and any(hits) else {}
        records = {}
        for i, hit in enumerate(hits):
            if hit is not None and hit.origin != "human" and hit.id in own:
                record = _note_record(own[hit.id], units[i].text)
                if record is not None:
                    records[i] = record
        checkpoint_only = job is not None and job.checkpoint_only
        hits = [hit if hit is not None and (i in records or not checkpoint_only and
                                            (hit.origin == "human" or hit.source == units[i].text)) else None
                for i, hit in enumerate(hits)]
        return hits, records

    def _lines(self, block: list[str], layout: list[tuple[str, list[int]] | None],
               sentences: list[SentenceResult | None], to: str) -> list[LineResult]:
        """Reassemble a block's lines from its sentences (lines without letters pass through), counting them."""
        joiner = JOINERS.get(to, " ")
        results = []
        for line, entry in zip(block, layout):
            self.stats.lines += 1
            if entry is None:
                results.append(LineResult(line, line if line.strip() else "", []))
                continue
            indent, indices = entry
            line_sentences = [sentences[i] for i in indices]
            for sentence in line_sentences:
                self.stats.sentences += 1
                self.stats.chunked_sentences += sentence.chunked
                self.stats.incomplete += not sentence.complete
                self.stats.flagged += bool(sentence.flags)
                for term in sentence.terms:
                    self.stats.terms_found += 1
                    self.stats.terms_present += term.status in ("verified", "enforced")
                for number in sentence.numbers:
                    self.stats.numbers_found += 1
                    self.stats.numbers_present += number.status in ("verified", "enforced")
            text = joiner.join(s.translation for s in line_sentences if s.translation)
            results.append(LineResult(line, indent + text, line_sentences))
        return results

    def _decode_units(self, units: list[Unit], legs: list[Leg]):
        """Decode units through each leg (the second leg of the pivot translates the first one's output);
        returns their translations, terms, (pivot) intermediate English and, for translate_segments, how each leg
        decoded them (SentenceResult.decoded), one each per unit."""
        attention = self._with_attention
        translations = yield from legs[0].unit_steps(units, self._enforcer(legs[0]), attention)
        how: list[list] = [[(t.source_pieces, t.pieces, t.attention)] for t in translations]
        intermediates: list[str | None] = [None] * len(units)
        all_terms = [t.terms for t in translations]
        for leg in legs[1:]:
            intermediates = [t.translation for t in translations]
            next_units = [Unit(text, concepts=Counter(t.concept_id for t in terms),
                               placed=[TermMatch(t.target_span[0], t.target_span[1], text[slice(*t.target_span)],
                                                 t.concept, leg.source_lang, text[slice(*t.target_span)])
                                       for t in terms if t.target_span and isinstance(t.concept, Concept)])
                          for text, terms in zip(intermediates, all_terms)]
            next_translations = yield from leg.unit_steps(next_units, self._enforcer(leg), attention)
            for steps, t in zip(how, next_translations):
                steps.append((t.source_pieces, t.pieces, t.attention))
            for first, second in zip(translations, next_translations):
                second.complete &= first.complete
            all_terms = [pivot_terms(a, b.terms, b.translation, leg.target_lang)
                         for a, b in zip(all_terms, next_translations)]
            translations = next_translations
        decoded = [steps if attention and all(s[1] is not None for s in steps) else None for steps in how]
        return translations, all_terms, intermediates, decoded
