"""The translation pipeline: lines -> sentences -> chunks -> length-sorted batches -> backend -> lines.

    from mt import Translator
    results = Translator().translate(["..."], to="en")     # list[LineResult]

Every input line gives exactly one output line (empty lines stay empty, order is kept). Sentences longer than
the model's input limit are chunked, never truncated. Arabic -> Chinese goes through English (opus-mt-ar-en,
then opus-mt-en-zh with `>>cmn_Hans<<`) unless a direct ar-zh model is given.
"""

from __future__ import annotations

import logging
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Sequence

from mt.backends.base import DecodeOptions, Hypothesis
from mt.batching import DecodeRequest, Running, Steps
from mt.models.registry import TARGET_TOKENS, parse_model_options, route
from mt.results import LineResult, SentenceResult, TermResult
from mt.text.chunking import chunk
from mt.text.sentences import SENTENCE_MARKS, split_sentences

log = logging.getLogger(__name__)

JOINERS = {"en": " ", "zh": ""}
FIRST_BLOCK_UNITS = 16  # units (about sentences) in the first block of a stream; later blocks double


def _sentence_estimate(line: str) -> int:
    """About how many sentences a line holds (its sentence-final marks, at least one), to size blocks."""
    return max(1, sum(line.count(mark) for mark in SENTENCE_MARKS))


def _has_letters(text: str) -> bool:
    return any(unicodedata.category(c).startswith("L") for c in text)


@dataclass
class Unit:
    """A piece of text translated as one: a sentence, or its chunks decoded one by one and joined."""

    text: str
    chunks: list[str] = field(default_factory=list)
    concepts: Counter | None = None  # glossary concepts (and counts) this unit may enforce; None: any it holds


@dataclass
class UnitTranslation:
    translation: str
    score: float
    complete: bool
    terms: list[TermResult] = field(default_factory=list)


@dataclass
class TranslationStats:
    """Counters of one run, for the summary lines on stderr."""

    lines: int = 0
    sentences: int = 0
    chunked_sentences: int = 0
    incomplete: int = 0
    terms_found: int = 0
    terms_present: int = 0


class Leg:
    """One model of a route (ar-en, en-zh or ar-zh) with its decoding settings."""

    def __init__(self, pair: str, backend, options: DecodeOptions, batch_tokens: int, max_input_tokens: int | None,
                 max_length_ratio: float, max_length_extra: int) -> None:
        self.pair = pair
        self.source_lang, _, self.target_lang = pair.partition("-")
        self.backend = backend
        self.options = options
        self.batch_tokens = batch_tokens
        self.max_length_ratio = max_length_ratio
        self.max_length_extra = max_length_extra
        vocab = backend.vocab
        token = TARGET_TOKENS.get(self.target_lang)
        self.prefix = [token] if token and token in vocab.source_table else []
        if vocab.language_tokens and not self.prefix:
            log.warning("%s model expects a target-language token (%s ...) but none fits %s",
                        pair, ", ".join(vocab.language_tokens[:3]), self.target_lang)
        # leave room for the output: an input never takes more than half of the positions by default
        limit = max_input_tokens or backend.max_positions // 2
        self.max_input_tokens = max(4, min(limit, backend.max_positions - 1))

    def count_tokens(self, text: str) -> int:
        return self.backend.vocab.count_source_tokens(text) + len(self.prefix)

    def pieces(self, text: str) -> list[str]:
        return self.prefix + self.backend.vocab.encode_source(text.strip())

    def decode_limit(self, source_length: int) -> int:
        return min(self.backend.max_positions - 1, int(self.max_length_ratio * source_length) + self.max_length_extra)

    def detokenize(self, pieces: list[str]) -> str:
        return self.backend.vocab.decode_target(pieces)

    def decode(self, sources: Sequence[list[str]], prefixes=None, suppress=None,
               return_attention: bool = False) -> list[Hypothesis]:
        """Decode piece sequences in length-sorted batches under the token budget; results in input order.

        A batch's decoding limit follows its longest source. Sentences with a forced prefix (glossary repairs)
        ride in the batches of the free ones only where that changes nothing for those: a batch whose longest
        source is at least as long as theirs (same width, same limit), whose limit leaves room after their
        prefix, and whose budget has room. So free sentences are batched and limited exactly as they would be
        with no prefixed sentence beside them; the prefixed sentences left over are batched among themselves.
        """
        forced = {i for i in range(len(sources)) if prefixes and prefixes[i]}
        batches = self._batches(sources, [i for i in range(len(sources)) if i not in forced])
        left = []
        for i in sorted(forced, key=lambda i: (-len(sources[i]), i)):
            width = len(sources[i]) + 1
            home = next((b for b in reversed(batches) if b[1] >= width and len(prefixes[i]) < self.decode_limit(b[1])
                         and (len(b[0]) + 1) * b[1] <= self.batch_tokens), None)
            if home is None:
                left.append(i)
            else:
                home[0].append(i)
        results: list[Hypothesis | None] = [None] * len(sources)
        for batch, width in batches + self._batches(sources, left):
            options = DecodeOptions(self.options.beam_size, self.decode_limit(width), self.options.length_penalty)
            hyps = self.backend.translate_batch(
                [sources[i] for i in batch], options,
                target_prefix=[prefixes[i] for i in batch] if prefixes else None,
                suppress_sequences=[suppress[i] for i in batch] if suppress else None,
                **({"return_attention": True} if return_attention else {}),
            )
            for i, hyp in zip(batch, hyps):
                results[i] = hyp
        return results  # type: ignore[return-value]

    def _batches(self, sources: Sequence[list[str]], indices: list[int]) -> list[tuple[list[int], int]]:
        """Length-sorted batches of the given sources under the token budget, each with its width (longest
        source + 1), widest first."""
        order = sorted(indices, key=lambda i: (-len(sources[i]), i))
        batches = []
        start = 0
        while start < len(order):
            width = len(sources[order[start]]) + 1
            size = max(1, self.batch_tokens // width)
            batches.append((order[start : start + size], width))
            start += size
        return batches

    def unit_steps(self, units: list[Unit], enforcer=None) -> Steps[list[UnitTranslation]]:
        """Translate units (chunking the long ones); `enforcer` finds and enforces glossary terms where given.
        A generator of decode requests (see mt.batching); returns one UnitTranslation per unit."""
        chunk_texts: list[str] = []
        offsets: list[int] = []
        owners: list[int] = []
        restrictions: list[Counter | None] = []
        for index, unit in enumerate(units):
            unit.chunks = chunk(unit.text, self.count_tokens, self.max_input_tokens) if unit.text.strip() else []
            offset = 0
            for piece in unit.chunks:
                chunk_texts.append(piece)
                offsets.append(offset)
                restrictions.append(unit.concepts)
                owners.append(index)
                offset += len(piece)
        sources = [self.pieces(t) for t in chunk_texts]
        if enforcer is not None:
            hyps, chunk_terms = yield from enforcer.decode_steps(self, chunk_texts, sources, offsets, restrictions)
        else:
            hyps, chunk_terms = (yield DecodeRequest(self, sources)), [[] for _ in sources]
        joiner = JOINERS.get(self.target_lang, " ")
        out = [UnitTranslation("", 0.0, True) for _ in units]
        weights = [0 for _ in units]
        parts: list[list[str]] = [[] for _ in units]
        for owner, hyp, terms in zip(owners, hyps, chunk_terms):
            parts[owner].append(self.detokenize(hyp.pieces))
            length = max(1, len(hyp.pieces))
            out[owner].score += hyp.score * length
            weights[owner] += length
            out[owner].complete &= hyp.finished
            out[owner].terms.extend(terms)
        for unit_out, unit_parts, weight in zip(out, parts, weights):
            unit_out.translation = joiner.join(p for p in unit_parts if p)
            unit_out.score = unit_out.score / weight if weight else 0.0
        return out


def pivot_terms(first: list[TermResult], second: list[TermResult], translation: str, lang: str) -> list[TermResult]:
    """The Arabic terms of a pivoted sentence, judged on the final translation.

    Leg 1 enforced the English form, leg 2 the `lang` form where that English stands (as often as the Arabic
    has the term). A term is present when an accepted `lang` form is in the final text; it is "enforced" when
    the last leg had to place it.
    """
    from mt.glossary.enforce import concept_spans

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


class Translator:
    """Translate Arabic text into English or Chinese.

    Args:
        models: a model id or directory for the direct pair, or a mapping {"ar-en": ..., "en-zh": ..., "ar-zh": ...}
            (hub ids or local Hugging Face Marian / CTranslate2 directories). Missing pairs use the defaults
            of `mt models list`.
        beam_size: beam width (default 4, as the OPUS-MT models were tuned).
        batch_tokens: token budget of a batch: sentences x longest source length (default 4096).
        max_input_tokens: chunk limit in source tokens (default: half the model's positions, 256 for OPUS-MT).
        max_length_ratio, max_length_extra: the decoding limit per sentence is ratio x source tokens + extra,
            capped by the model's positions (defaults 2.0 and 10); reaching it is reported, never hidden.
        glossary: a mt.glossary.Glossary (or None) whose terms are found, enforced and verified.
        glossary_mode: "strict" (enforce every matched term), "soft" (report only) or "off".
        backend: "hf" or "ct2" to override what the model directory implies.
    """

    def __init__(self, models: str | dict[str, str] | None = None, *, beam_size: int = 4, batch_tokens: int = 4096,
                 max_input_tokens: int | None = None, max_length_ratio: float = 2.0, max_length_extra: int = 10,
                 glossary=None, glossary_mode: str = "strict", backend: str | None = None, device: str = "cpu",
                 threads: int | None = None, block_units: int = 512) -> None:
        from mt.errors import InputError

        if isinstance(models, str):
            models = {"direct": models}
        elif isinstance(models, (list, tuple)):
            models = parse_model_options(list(models))
        self.models = dict(models or {})
        if beam_size < 1:
            raise InputError("--beam must be at least 1")
        if batch_tokens < 1:
            raise InputError("--batch-tokens must be positive")
        if max_input_tokens is not None and max_input_tokens < 4:
            raise InputError("--max-input-tokens must be at least 4")
        if max_length_ratio <= 0 or max_length_extra < 0:
            raise InputError("--max-length-ratio must be positive and --max-length-extra not negative")
        if glossary_mode not in ("strict", "soft", "off"):
            raise InputError(f"unknown glossary mode {glossary_mode!r}; choose strict, soft or off")
        self.options = DecodeOptions(beam_size=beam_size)
        self.batch_tokens = batch_tokens
        self.max_input_tokens = max_input_tokens
        self.max_length_ratio = max_length_ratio
        self.max_length_extra = max_length_extra
        self.glossary = glossary
        self.glossary_mode = glossary_mode
        self.backend_name = backend
        self.device = device
        self.threads = threads
        self.block_units = block_units
        self.stats = TranslationStats()
        self._legs: dict[tuple[str, str], Leg] = {}
        self._enforcers: dict[str, object] = {}

    def legs(self, to: str) -> list[Leg]:
        """Load (once) and return the legs that translate Arabic into `to`."""
        from mt.models.loading import load_backend

        legs = []
        for pair, model in route(to, self.models):
            key = (pair, model)
            if key not in self._legs:
                backend = load_backend(model, backend=self.backend_name, device=self.device, threads=self.threads,
                                       pair=pair)
                self._legs[key] = Leg(pair, backend, self.options, self.batch_tokens, self.max_input_tokens,
                                      self.max_length_ratio, self.max_length_extra)
            legs.append(self._legs[key])
        return legs

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
        decoded in the same call as that block's first decode (mt.batching), and at most two blocks are held.
        """
        legs = self.legs(to)
        blocks = self._blocks(lines)
        running: list[Running] = []  # oldest first; payload: the block's line count
        started = 0
        while True:
            # the only running block is the latest started one: block 1 when started == 1
            if not running or (len(running) == 1 and started > 1 and running[0].request is not None
                               and running[0].request.repair):
                block = next(blocks, None)
                if block is not None:
                    running.append(Running(self._block_steps(block, legs, to), len(block)))
                    started += 1
                elif not running:
                    return
            Running.step(running)
            while running and running[0].done:
                finished = running.pop(0)
                yield from finished.result
                if progress:
                    progress(finished.payload)

    def _blocks(self, lines: Iterable[str]) -> Iterator[list[str]]:
        """Group lines into blocks: a small first block, so the first lines come back fast, then blocks that
        double up to block_units (units counted by sentence-final marks)."""
        block: list[str] = []
        units_in_block = 0
        limit = min(FIRST_BLOCK_UNITS, self.block_units)
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

    def _enforcer(self, leg: Leg):
        if self.glossary is None or self.glossary_mode == "off":
            return None
        if leg.pair not in self._enforcers:  # one per leg, so its matcher caches outlive a block
            from mt.glossary.enforce import Enforcer

            self._enforcers[leg.pair] = Enforcer(self.glossary, leg.source_lang, leg.target_lang,
                                                 strict=self.glossary_mode == "strict")
        return self._enforcers[leg.pair]

    def _block_steps(self, block: list[str], legs: list[Leg], to: str) -> Steps[list[LineResult]]:
        """Translate one block of lines: a generator of decode requests (see mt.batching) returning its lines."""
        # 1. lines -> sentences; lines without letters (numbers, rules, blanks) pass through untouched
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
        # 2. decode through each leg; the second leg of the pivot translates the first one's output
        translations = yield from legs[0].unit_steps(units, self._enforcer(legs[0]))
        intermediates: list[str | None] = [None] * len(units)
        all_terms = [t.terms for t in translations]
        for leg in legs[1:]:
            intermediates = [t.translation for t in translations]
            next_units = [Unit(text, concepts=Counter(t.concept_id for t in terms))
                          for text, terms in zip(intermediates, all_terms)]
            next_translations = yield from leg.unit_steps(next_units, self._enforcer(leg))
            for first, second in zip(translations, next_translations):
                second.complete &= first.complete
            all_terms = [pivot_terms(a, b.terms, b.translation, leg.target_lang)
                         for a, b in zip(all_terms, next_translations)]
            translations = next_translations
        # 3. reassemble lines
        joiner = JOINERS.get(to, " ")
        results = []
        for line, entry in zip(block, layout):
            self.stats.lines += 1
            if entry is None:
                results.append(LineResult(line, line if line.strip() else "", []))
                continue
            indent, indices = entry
            sentences = []
            for i in indices:
                t = translations[i]
                chunked = len(units[i].chunks) > 1
                sentences.append(SentenceResult(units[i].text, t.translation, t.score, all_terms[i],
                                                intermediates[i], chunked, t.complete))
                self.stats.sentences += 1
                self.stats.chunked_sentences += chunked
                self.stats.incomplete += not t.complete
                for term in all_terms[i]:
                    self.stats.terms_found += 1
                    self.stats.terms_present += term.status in ("verified", "enforced")
            text = joiner.join(s.translation for s in sentences if s.translation)
            results.append(LineResult(line, indent + text, sentences))
        return results
