"""A leg of a route: one model (ar-en, en-zh or ar-zh) with its decoding settings, and the translation of
units (sentences, chunked where too long for the model) through it, with glossary terms enforced if asked.

    leg = Leg("ar-en", backend, DecodingSettings(beam_size=4))
    translations = run(leg.unit_steps([Unit("...")]))

One sentence, one answer: a sentence's decoding limit is a function of the sentence alone (ratio x its source
width rounded up to its bucket + extra), and a batch holds only sentences of one bucket (mt.decoding.batching:
source widths up to 32, 64, 128, 256, 512 pieces) and one limit, padded to the bucket's width by the backend
(DecodeOptions.source_width). CTranslate2 pads a batch to its longest source, and its float kernels give a source
other last bits at another padded length, in no pattern a narrower bucket could follow (an opus-mt-sized model:
13 of 120 UN lines changed alone vs in a file with 8-wide buckets padded to their longest); padded to its bucket,
a sentence decodes to the same bytes alone, in any batch, block, file order, engine or server queue
(tests/test_batch_invariance.py).
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Sequence

from mt.backends.base import Backend, DecodeOptions, Hypothesis
from mt.decoding.batching import DecodeRequest, Steps, bucket_width
from mt.decoding.enforce import Enforcer
from mt.settings import DecodingSettings
from mt.glossary.matcher import TermMatch
from mt.models.vocab import MarianVocab, target_prefix  # noqa: F401 - target_prefix: the pipeline's too
from mt.results import TermResult
from mt.text.chunking import chunk

log = logging.getLogger(__name__)

JOINERS = {"en": " ", "zh": ""}


@dataclass
class Unit:
    """A piece of text translated as one: a sentence, or its chunks decoded one by one and joined."""

    text: str
    chunks: list[str] = field(default_factory=list)
    concepts: Counter | None = None  # glossary concepts (and counts) this unit may enforce; None: any it holds
    placed: list[TermMatch] | None = None  # terms a previous leg placed in this text (by position), if any


@dataclass
class _Chunks:
    """The chunks of a list of units, flat, with what each needs from its unit."""

    texts: list[str] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)  # the chunk's first character in its unit's text
    owners: list[int] = field(default_factory=list)  # the unit's index
    restrictions: list[Counter | None] = field(default_factory=list)
    placed: list[list[TermMatch]] = field(default_factory=list)


@dataclass
class UnitTranslation:
    translation: str
    score: float
    complete: bool
    terms: list[TermResult] = field(default_factory=list)
    # a unit decoded in one chunk: its source pieces (with the target-language token), its output pieces and, where
    # the backend returned it with the decode, the alignment head (rows: output pieces); for placing inline tags
    source_pieces: list[str] | None = field(default=None, repr=False)
    pieces: list[str] | None = field(default=None, repr=False)
    attention: list[list[float]] | None = field(default=None, repr=False)


def input_limit(max_input_tokens: int | None, max_positions: int) -> int:
    """The chunk limit of a leg in source tokens: the one asked for, else half the positions (leaving room for
    the output), never more than the positions allow nor under 4."""
    return max(4, min(max_input_tokens or max_positions // 2, max_positions - 1))


class Leg:
    """One model of a route (ar-en, en-zh or ar-zh) with its decoding settings."""

    def __init__(self, pair: str, backend: Backend, settings: DecodingSettings) -> None:
        self.pair = pair
        self.source_lang, _, self.target_lang = pair.partition("-")
        self.backend = backend
        self.settings = settings
        self.options = DecodeOptions(beam_size=settings.beam_size, length_penalty=settings.length_penalty)
        self.batch_tokens = settings.batch_tokens
        self.max_length_ratio = settings.max_length_ratio
        self.max_length_extra = settings.max_length_extra
        vocab = backend.vocab
        self.prefix = target_prefix(vocab, self.target_lang)
        if vocab.language_tokens and not self.prefix:
            log.warning(
                "%s model expects a target-language token (%s ...) but none fits %s",
                pair,
                ", ".join(vocab.language_tokens[:3]),
                self.target_lang,
            )
        self.max_input_tokens = input_limit(settings.max_input_tokens, backend.max_positions)

    def count_tokens(self, text: str) -> int:
        return self.backend.vocab.count_source_tokens(text) + len(self.prefix)

    def pieces(self, text: str) -> list[str]:
        return self.prefix + self.backend.vocab.encode_source(text.strip())

    def decode_limit(self, width: int) -> int:
        """The decoding limit of a source of ``width`` pieces (with </s>): ratio x the width rounded up to its
        bucket + extra, capped by the model's positions. A function of the sentence alone, never of its batch."""
        return min(
            self.backend.max_positions - 1, int(self.max_length_ratio * bucket_width(width)) + self.max_length_extra
        )

    def detokenize(self, pieces: list[str]) -> str:
        return self.backend.vocab.decode_target(pieces)

    def decode(
        self,
        sources: Sequence[list[str]],
        prefixes: Sequence[list[str]] | None = None,
        suppress: Sequence[list[list[str]]] | None = None,
        return_attention: bool = False,
    ) -> list[Hypothesis]:
        """Decode piece sequences in batches under the token budget; results in input order.

        A batch holds sentences of one bucket and one limit (:meth:`batches`), so each sentence decodes as it
        would alone: its limit is its own (a forced prefix raises it to the prefix + 1, as the backends do), its
        padding stays inside its bucket.
        """
        results: list[Hypothesis | None] = [None] * len(sources)
        for batch, limit in self.batches(sources, prefixes):
            width = min(bucket_width(len(sources[batch[0]]) + 1), self.backend.max_positions)
            options = DecodeOptions(self.options.beam_size, limit, self.options.length_penalty, width)
            hyps = self.backend.translate_batch(
                [sources[i] for i in batch],
                options,
                target_prefix=[prefixes[i] for i in batch] if prefixes else None,
                suppress_sequences=[suppress[i] for i in batch] if suppress else None,
                **({"return_attention": True} if return_attention else {}),
            )
            for i, hyp in zip(batch, hyps):
                results[i] = hyp
        decoded = [hyp for hyp in results if hyp is not None]
        if len(decoded) != len(results):
            raise RuntimeError("a source was left out of every batch")
        return decoded

    def batches(
        self, sources: Sequence[list[str]], prefixes: Sequence[list[str]] | None = None
    ) -> list[tuple[list[int], int]]:
        """The sources grouped by (bucket, limit, whether a prefix is forced), widest first, each group cut under
        the token budget (sentences x bucket width) in length order: (indices, decoding limit) per batch."""
        groups: dict[tuple[int, int, bool], list[int]] = {}
        for i, source in enumerate(sources):
            width = len(source) + 1
            forced = len(prefixes[i]) if prefixes and prefixes[i] else 0
            limit = max(self.decode_limit(width), forced + 1)
            groups.setdefault((bucket_width(width), limit, forced > 0), []).append(i)
        out = []
        for (width, limit, _), members in sorted(groups.items(), key=lambda item: (-item[0][0], item[0][1:])):
            members.sort(key=lambda i: (-len(sources[i]), i))
            size = max(1, self.batch_tokens // width)
            out += [(members[start : start + size], limit) for start in range(0, len(members), size)]
        return out

    def unit_steps(
        self, units: list[Unit], enforcer: Enforcer | None = None, attention: bool = False
    ) -> Steps[list[UnitTranslation]]:
        """Translate units (chunking the long ones); `enforcer` finds and enforces glossary terms where given.
        A generator of decode requests (see mt.decoding.batching); returns one UnitTranslation per unit.
        `attention`: ask the backend for the alignment head with the decode (kept on one-chunk units)."""
        chunks = self._chunk_units(units)
        sources = [self.pieces(t) for t in chunks.texts]
        if enforcer is not None:
            hyps, chunk_terms = yield from enforcer.decode_steps(
                self,
                chunks.texts,
                sources,
                chunks.offsets,
                chunks.restrictions,
                chunks.placed if any(unit.placed is not None for unit in units) else None,
                attention,
            )
        else:
            hyps, chunk_terms = (yield DecodeRequest(self, sources, attention=attention)), [[] for _ in sources]
        out = self._join_chunks(len(units), chunks.owners, hyps, chunk_terms)
        if attention:
            for k, (owner, hyp) in enumerate(zip(chunks.owners, hyps)):
                if len(units[owner].chunks) == 1:
                    out[owner].source_pieces, out[owner].pieces = sources[k], list(hyp.pieces)
                    matrix = hyp.attention
                    out[owner].attention = matrix if matrix is not None and len(matrix) == len(hyp.pieces) else None
        return out

    def _chunk_units(self, units: list[Unit]) -> _Chunks:
        """Cut each unit into chunks the model can take (sets ``unit.chunks``), with each chunk's character offset
        in its unit, its owner, its glossary restriction and the placed terms that fall inside it."""
        chunks = _Chunks()
        for index, unit in enumerate(units):
            unit.chunks = chunk(unit.text, self.count_tokens, self.max_input_tokens) if unit.text.strip() else []
            offset = 0
            for piece in unit.chunks:
                chunks.texts.append(piece)
                chunks.offsets.append(offset)
                chunks.restrictions.append(unit.concepts)
                chunks.placed.append(
                    [
                        TermMatch(m.start - offset, m.end - offset, m.text, m.concept, m.lang, m.variant)
                        for m in unit.placed or []
                        if offset <= m.start and m.end <= offset + len(piece)
                    ]
                )
                chunks.owners.append(index)
                offset += len(piece)
        return chunks

    def _join_chunks(
        self, count: int, owners: list[int], hyps: list[Hypothesis], chunk_terms: list[list[TermResult]]
    ) -> list[UnitTranslation]:
        """One UnitTranslation per unit from its chunks' hypotheses: texts joined, scores weighted by length,
        term spans moved to the joined text."""
        joiner = JOINERS.get(self.target_lang, " ")
        out = [UnitTranslation("", 0.0, True) for _ in range(count)]
        weights = [0] * count
        parts: list[list[str]] = [[] for _ in range(count)]
        written = [0] * count  # characters of each unit's translation so far (joiners included)
        for owner, hyp, terms in zip(owners, hyps, chunk_terms):
            text = self.detokenize(hyp.pieces)
            start = written[owner] + (len(joiner) if text and written[owner] else 0)
            if text:
                parts[owner].append(text)
                written[owner] = start + len(text)
            length = max(1, len(hyp.pieces))
            out[owner].score += hyp.score * length
            weights[owner] += length
            out[owner].complete &= hyp.finished
            out[owner].terms.extend(
                replace(t, target_span=(t.target_span[0] + start, t.target_span[1] + start)) if t.target_span else t
                for t in terms
            )
        for unit_out, unit_parts, weight in zip(out, parts, weights):
            unit_out.translation = joiner.join(unit_parts)
            unit_out.score = unit_out.score / weight if weight else 0.0
        return out
