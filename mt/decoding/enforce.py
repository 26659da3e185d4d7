"""Glossary enforcement: every matched term's target appears in the output, where its source term maps to.

The method works on any backend that can force a target prefix and avoid sequences (transformers through a
logits processor, CTranslate2 through `target_prefix` and `suppress_sequences`):

1. decode normally; sentences without terms end here, exactly as without a glossary;
2. verify: does each matched concept's accepted target form (preferred or alternative) occur, as often as the
   concept occurs in the source?
3. repair: find the target position each missing term's source span maps to (the alignment head's
   cross-attention over the current hypothesis) and the model's own rendering of that span there; force
   `hypothesis[:p1] + term1` as a prefix, or, with several missing terms whose places do not overlap,
   `hypothesis[:p1] + term1 + hypothesis[end1:p2] + term2 ...` (each rendering replaced by its term); forbid
   the placed terms' pieces after the prefix (no duplicate) and let the model decode the rest of the sentence;
4. repeat from 2. The forced prefix only grows, so after at most one round per term every term is present;
   a sentence whose missing terms all fit in one prefix costs one round.

The repairs of a round are decoded as one batch (see Enforcer._decode_round): the suppression is applied only to
the sentences whose free decode repeated a placed term, so a backend that suppresses per call (CTranslate2)
does not split the round into one small call per sentence. The loop is a generator of decode requests
(mt.decoding.batching), so the pipeline can decode a block's repair round in the same call as the next block's first
decode.

Soft mode stops after step 2 and reports missing terms.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Protocol

from mt.backends.base import Hypothesis
from mt.decoding.batching import DecodeRequest, Steps, bucket_width
from mt.decoding.protocols import DecoderLeg
from mt.glossary.glossary import Glossary
from mt.glossary.matcher import Matcher, TermMatch
from mt.glossary.model import Concept
from mt.glossary.verify import concept_spans
from mt.models.vocab import MarianVocab
from mt.results import TermResult

log = logging.getLogger(__name__)
WORD_START = "\u2581"


@dataclass
class _Chunk:
    """A chunk under repair: its matches, current hypothesis and what has been forced so far."""

    index: int
    text: str
    offset: int
    matches: list[TermMatch]
    hypothesis: Hypothesis
    forced: dict[int, str] = field(default_factory=dict)  # match index -> forced form
    unspellable: set[int] = field(default_factory=set)
    prefix_end: int = 0  # pieces of the hypothesis that are forced
    separated: int | None = None  # a space piece the enforcer put in the hypothesis


def completes_any(pieces: list[str], start: int, sequences: list[list[str]]) -> bool:
    """Whether a piece sequence ends at or after `start` (a token the decoder chose, not a forced one): what
    suppressing those sequences during decoding forbids."""
    for sequence in sequences:
        n = len(sequence)
        for end in range(max(start, n - 1), len(pieces)):
            if pieces[end - n + 1 : end + 1] == sequence:
                return True
    return False


class TermSource(Protocol):
    """What the enforcer asks of a glossary: its terms in a text, a concept by id (a Glossary, or
    mt.qe.number_terms.NumberGlossary, which adds each sentence's numbers)."""

    def match(self, text: str, lang: str = "ar") -> list[TermMatch]: ...

    def get(self, concept_id: str) -> Concept: ...


class Enforcer:
    """Find, enforce and verify glossary terms for one leg (source_lang -> target_lang)."""

    def __init__(
        self,
        glossary: Glossary | TermSource,
        source_lang: str,
        target_lang: str,
        strict: bool = True,
        enforces: Callable[[Concept], bool] | None = None,
    ) -> None:
        """``strict``: repair missing terms (else only verify them); ``enforces``: which concepts a repair may
        place (default all), so that numbers can be enforced under a soft glossary or only checked under a
        strict one (mt.qe.number_terms)."""
        self.glossary = glossary
        self.source_lang = source_lang
        self.target_lang = target_lang
        self.strict = strict
        self.enforces = enforces or (lambda concept: True)
        self._restricted: dict[frozenset, Matcher] = {}

    def _matches(self, text: str, restriction: Counter | None) -> list[TermMatch]:
        """Glossary matches in `text`; under a restriction, only its concepts are looked for, so that a form
        several concepts share ("COVID-19") is read as the concept the Arabic had."""
        if restriction is None:
            return self.glossary.match(text, lang=self.source_lang)
        key = frozenset(cid for cid, n in restriction.items() if n > 0)
        if key not in self._restricted:
            self._restricted[key] = Matcher([self.glossary.get(cid) for cid in sorted(key)], lang=self.source_lang)
        return self._restricted[key].match(text)

    # -- pieces -----------------------------------------------------------------------------------------------
    def term_pieces(self, vocab: MarianVocab, form: str, at_start: bool) -> list[str] | None:
        """Target pieces that spell `form` as the next word(s); None when the vocabulary cannot spell it."""
        pieces = vocab.encode_target(form)
        if self.target_lang == "zh" and not at_start and pieces:  # no space before a Chinese term
            if pieces[0] == WORD_START:
                pieces = pieces[1:]
            elif pieces[0].startswith(WORD_START) and pieces[0][1:] in vocab.target_table:
                pieces = [pieces[0][1:]] + pieces[1:]
        if not pieces or any(p not in vocab.target_table for p in pieces):
            return None
        return pieces

    def _source_span(self, leg: DecoderLeg, chunk: _Chunk, match: TermMatch) -> tuple[int, int]:
        """Source piece range [a, b) of a match (counting the target-language token)."""
        vocab = leg.backend.vocab
        before = chunk.text[: match.start - chunk.offset].strip()
        upto = chunk.text[: match.end - chunk.offset].strip()
        a = len(leg.prefix) + (len(vocab.encode_source(before)) if before else 0)
        b = len(leg.prefix) + len(vocab.encode_source(upto))
        return a, max(b, a + 1)

    def _placement(self, leg: DecoderLeg, source: list[str], chunk: _Chunk, match: TermMatch) -> tuple[int, int]:
        """Where a missing term goes in the current hypothesis, and where the model's own rendering of its source
        span ends: (position, end). The position is the earliest row with the most attention on the span (moved
        back to a word start in English); the rendering is the run of rows from there whose strongest attention
        lies inside the span (in English, up to the next word start). end == position: nothing to replace."""
        pieces = chunk.hypothesis.pieces
        if not pieces:
            return 0, 0
        a, b = self._source_span(leg, chunk, match)
        matrix = chunk.hypothesis.attention  # with the decode (CTranslate2) or from _attend (the round's chunks)
        if matrix is None or len(matrix) != len(pieces):
            self._attend(leg, [source], [chunk])
            matrix = chunk.hypothesis.attention
            if matrix is None:
                raise RuntimeError("the forced pass returned no attention rows")
        mass = [sum(row[a:b]) for row in matrix]
        best = max(mass)  # the earliest of the near-best rows: robust to the backends' float noise
        row = next(j for j, m in enumerate(mass) if m >= best - 1e-3)
        position = max(row, chunk.prefix_end)
        if self.target_lang == "en":  # start the term at a word boundary
            while position > chunk.prefix_end and not pieces[position].startswith(WORD_START):
                position -= 1
        position = min(position, len(pieces))
        start = end = max(row, position)
        while end < len(pieces) and a <= max(range(len(matrix[end])), key=matrix[end].__getitem__) < b:
            end += 1
        if end == start:  # the strongest row looks elsewhere: the model did not render the term
            return position, position
        if self.target_lang == "en":
            while end < len(pieces) and not pieces[end].startswith(WORD_START):
                end += 1
        return position, end

    def _attend(self, leg: DecoderLeg, sources: list[list[str]], chunks: list[_Chunk]) -> None:
        """Give each chunk's hypothesis the alignment head's attention where its decode did not return it (once
        per hypothesis, whatever the number of terms): one forced pass over the decoded pieces for all of them."""
        todo = [
            (source, chunk)
            for source, chunk in zip(sources, chunks)
            if chunk.hypothesis.pieces
            and (chunk.hypothesis.attention is None or len(chunk.hypothesis.attention) != len(chunk.hypothesis.pieces))
        ]
        if not todo:
            return
        buckets: dict[int, list[tuple[list[str], _Chunk]]] = {}  # one pass per source bucket: no padding past it
        for source, chunk in todo:
            buckets.setdefault(bucket_width(len(source) + 1), []).append((source, chunk))
        for group in buckets.values():
            decoded = [[p for k, p in enumerate(chunk.hypothesis.pieces) if k != chunk.separated] for _, chunk in group]
            matrices = leg.backend.attention_batch([source for source, _ in group], decoded)
            for (_, chunk), matrix in zip(group, matrices):
                chunk.hypothesis.attention = self._with_separator_row(matrix, chunk.separated)

    # -- verification -----------------------------------------------------------------------------------------
    def _spans(self, chunk: _Chunk, translation: str) -> dict[str, list[tuple[int, int]]]:
        """The chunk's concepts in a translation, repaired terms matched first (see concept_spans)."""
        return concept_spans(
            translation,
            {m.concept.id: m.concept for m in chunk.matches},
            self.target_lang,
            Counter(m.concept.id for m in chunk.matches),
            Counter(chunk.matches[i].concept.id for i in chunk.forced),
        )

    def _missing(self, chunk: _Chunk, found: dict[str, list[tuple[int, int]]]) -> list[int]:
        """Matches not accounted for: per concept, as many unforced matches as the translation lacks forms."""
        by_concept: dict[str, list[int]] = {}
        for i, match in enumerate(chunk.matches):
            by_concept.setdefault(match.concept.id, []).append(i)
        missing = []
        for cid, indices in by_concept.items():
            deficit = len(indices) - len(found[cid])
            if deficit > 0:
                unforced = [i for i in indices if i not in chunk.forced]
                missing.extend((unforced + [i for i in indices if i in chunk.forced])[:deficit])
        return sorted(missing)

    # -- the loop ---------------------------------------------------------------------------------------------
    def decode_steps(
        self,
        leg: DecoderLeg,
        texts: list[str],
        sources: list[list[str]],
        offsets: list[int],
        restrictions: list[Counter | None] | None = None,
        placed: list[list[TermMatch]] | None = None,
        attention: bool = False,
    ) -> Steps:
        """Decode chunks with terms enforced; returns (hypotheses, TermResults per chunk). A generator of decode
        requests (see mt.decoding.batching: ``run`` serves it alone), so that a driver can serve its repair rounds
        together with other work.

        `restrictions` (per chunk, optional) limits the concepts and how often each is expected: the pivot's
        second leg enforces only what the Arabic held, not every repetition the English happens to have.
        `placed` (per chunk, optional, in chunk coordinates) are the terms the previous leg placed or verified in
        this text: they are matched by position, so a term whose form the source-side matcher does not read
        there ("Asian Infrastructure Investment Banks", a form verification accepts) is still carried through.
        `attention` asks for the alignment head with every first decode (inline tags are placed with it).
        """
        found: list[tuple[int, str, int, list[TermMatch]]] = []  # (index, text, offset, matches) of each chunk
        for i, (text, offset) in enumerate(zip(texts, offsets)):
            restriction = restrictions[i] if restrictions is not None else None
            matches = [m for m in self._matches(text, restriction) if m.concept.targets(self.target_lang)]
            if placed is not None:
                matches = self._with_placed(matches, [m for m in placed[i] if m.concept.targets(self.target_lang)])
            if restriction is not None:
                budget = Counter(restriction)
                kept = []
                for m in matches:
                    if budget[m.concept.id] > 0:
                        budget[m.concept.id] -= 1
                        kept.append(m)
                matches = kept
            if placed is not None:
                matches.sort(key=lambda m: (m.start, m.end))
            if matches:
                shifted = [
                    TermMatch(m.start + offset, m.end + offset, m.text, m.concept, m.lang, m.variant, m.clitic)
                    for m in matches
                ]
                found.append((i, text, offset, shifted))
        hypotheses = yield DecodeRequest(leg, sources, attention=attention or bool(found) and self.strict)
        chunks = [_Chunk(i, text, offset, shifted, hypotheses[i]) for i, text, offset, shifted in found]
        if self.strict:
            yield from self._repair(leg, chunks, sources)
        results: list[list[TermResult]] = [[] for _ in texts]
        for chunk in chunks:
            hypotheses[chunk.index] = chunk.hypothesis
            results[chunk.index] = self._report(leg, chunk)
        return hypotheses, results

    @staticmethod
    def _with_placed(matches: list[TermMatch], placed: list[TermMatch]) -> list[TermMatch]:
        """Matches with the previous leg's placed terms first: a text match that overlaps a placed term of its
        concept stands for it, a placed term no text match covers is added as it is; the other text matches
        follow (in text order), so a restriction's budget goes to the placed terms first."""

        def overlaps(a: TermMatch, b: TermMatch) -> bool:
            return a.concept.id == b.concept.id and a.start < b.end and b.start < a.end

        anchored = [m for m in matches if any(overlaps(m, p) for p in placed)]
        lost = [p for p in placed if not any(overlaps(m, p) for m in matches)]
        free = [m for m in matches if m not in anchored]
        return sorted(anchored + lost, key=lambda m: (m.start, m.end)) + free

    def _open(self, leg: DecoderLeg, chunk: _Chunk) -> list[int]:
        """Missing matches a repair can still place (not forced yet, spellable)."""
        translation = leg.detokenize(chunk.hypothesis.pieces)
        return [
            i
            for i in self._missing(chunk, self._spans(chunk, translation))
            if i not in chunk.forced and i not in chunk.unspellable and self.enforces(chunk.matches[i].concept)
        ]

    def _repair(self, leg: DecoderLeg, chunks: list[_Chunk], sources: list[list[str]]) -> Steps[None]:
        vocab = leg.backend.vocab
        budget = {id(chunk): len(chunk.matches) + 1 for chunk in chunks}  # rounds: the chunk's own, not its block's
        pending = chunks
        while pending:
            pending = [chunk for chunk in pending if budget[id(chunk)] > 0]
            for chunk in pending:
                budget[id(chunk)] -= 1
            todo, prefixes, suppress = [], [], []
            missing = {id(chunk): self._open(leg, chunk) for chunk in pending}
            waiting = [chunk for chunk in pending if missing[id(chunk)]]
            self._attend(leg, [sources[chunk.index] for chunk in waiting], waiting)  # the round's, in one batch
            for chunk in pending:
                source = sources[chunk.index]
                current = chunk.hypothesis.pieces
                placed = sorted(
                    self._placement(leg, source, chunk, chunk.matches[i]) + (i,) for i in missing[id(chunk)]
                )
                prefix: list[str] = []
                cursor = 0  # hypothesis pieces up to here are in the prefix or replaced by a term
                spliced: list[int] = []
                for position, end, which in placed:
                    if position < cursor:  # inside the previous term's rendering: placed by a later round
                        continue
                    match = chunk.matches[which]
                    form = match.concept.preferred(self.target_lang)
                    pieces = self.term_pieces(vocab, form, at_start=position == 0)
                    if pieces is None:
                        log.warning(
                            "the %s model cannot spell %r (concept %s); it cannot be enforced",
                            leg.pair,
                            form,
                            match.concept.id,
                        )
                        chunk.unspellable.add(which)
                        continue
                    between = list(current[cursor:position])
                    if spliced and between and self.target_lang == "en" and between[0][:1].isalnum():
                        between.insert(0, WORD_START)  # the words after a spliced term stay apart from it
                    prefix += between + pieces
                    cursor = end
                    spliced.append(which)
                    chunk.forced[which] = form
                if not spliced:
                    continue
                chunk.prefix_end = len(prefix)
                avoid = self._satisfied_forms(vocab, chunk, leg.detokenize(prefix), spliced)
                todo.append(chunk)
                prefixes.append(prefix)
                suppress.append([list(x) for x in sorted({tuple(x) for x in avoid})])
            if not todo:
                return
            new = yield from self._decode_round(leg, [sources[c.index] for c in todo], prefixes, suppress)
            for chunk, hypothesis in zip(todo, new):
                chunk.separated = self._separate_word(vocab, hypothesis, chunk.prefix_end)
                if hypothesis.attention is not None:
                    hypothesis.attention = self._with_separator_row(hypothesis.attention, chunk.separated)
                chunk.hypothesis = hypothesis
            pending = todo  # the others have nothing left to place and their hypotheses did not change

    @staticmethod
    def _decode_round(
        leg: DecoderLeg, sources: list[list[str]], prefixes: list[list[str]], suppress: list[list[list[str]]]
    ) -> Steps[list[Hypothesis]]:
        """Decode a round's repairs in one batch, then again under suppression only where it was needed.

        A backend may apply suppressed sequences per call rather than per sentence (CTranslate2), and every
        sentence of a round avoids different forms, so decoding them under suppression takes a small call per
        sentence, each costing nearly a full batch. Instead the round is decoded once without suppression: a
        hypothesis that completes none of its suppressed sequences after its prefix is one the suppressed
        search also allows, and is kept; only the others (a duplicate of a placed term) are decoded again with
        their sequences suppressed, which restores the guarantee.
        """
        new = yield DecodeRequest(leg, sources, prefixes, attention=True, repair=True)
        redo = [
            k for k, hypothesis in enumerate(new) if completes_any(hypothesis.pieces, len(prefixes[k]), suppress[k])
        ]
        if redo:
            again = yield DecodeRequest(
                leg,
                [sources[k] for k in redo],
                [prefixes[k] for k in redo],
                [suppress[k] for k in redo],
                attention=True,
                repair=True,
            )
            for k, hypothesis in zip(redo, again):
                new[k] = hypothesis
        return new

    def _satisfied_forms(
        self, vocab: MarianVocab, chunk: _Chunk, prefix_text: str, forced: list[int]
    ) -> list[list[str]]:
        """Pieces of every form of the concepts the prefix already holds as often as the source: the model must
        not write them again after it (no duplicates of what the repair placed)."""
        counts = Counter(m.concept.id for m in chunk.matches)
        concepts = {m.concept.id: m.concept for m in chunk.matches}
        present = concept_spans(prefix_text, concepts, self.target_lang, counts)
        placed = {chunk.matches[i].concept.id for i in forced}
        avoid = []
        for cid, concept in concepts.items():
            if len(present[cid]) >= counts[cid] or cid in placed and counts[cid] == 1:
                for form in concept.targets(self.target_lang):
                    avoid += [
                        p for p in (self.term_pieces(vocab, form, True), self.term_pieces(vocab, form, False)) if p
                    ]
        return avoid

    def _separate_word(self, vocab: MarianVocab, hypothesis: Hypothesis, end: int) -> int | None:
        """Keep an English term a word of its own: a continuation glued to it ("AIIB" + "ance") gets a space;
        returns where the space piece went."""
        pieces = hypothesis.pieces
        if (
            self.target_lang == "en"
            and end < len(pieces)
            and pieces[end][:1].isalnum()
            and WORD_START in vocab.target_table
        ):
            pieces.insert(end, WORD_START)
            return end
        return None

    @staticmethod
    def _with_separator_row(matrix: list[list[float]], separated: int | None) -> list[list[float]]:
        """Attention rows for a hypothesis with an inserted space piece, which the decoder never saw: the space
        takes the row of the word it now starts. Both backends place later terms from this same matrix, whether
        the rows came with the decode (CTranslate2) or from a forced pass over the decoded pieces (transformers);
        no extra pass is spent on the space."""
        if separated is None:
            return matrix
        return matrix[:separated] + [list(matrix[separated])] + matrix[separated:]

    def _report(self, leg: DecoderLeg, chunk: _Chunk) -> list[TermResult]:
        translation = leg.detokenize(chunk.hypothesis.pieces)
        spans = self._spans(chunk, translation)
        missing = set(self._missing(chunk, spans))
        out = []
        for i, match in enumerate(chunk.matches):
            concept = match.concept
            found = spans[concept.id]
            if i in missing:
                status, target = "missing", None
            else:
                status = "enforced" if i in chunk.forced else "verified"
                start, end = found.pop(0) if found else (0, 0)
                target = translation[start:end] or chunk.forced.get(i)
                span = (start, end) if end > start else None
            out.append(
                TermResult(
                    concept.id,
                    match.text,
                    match.start,
                    match.end,
                    target,
                    status,
                    match.lang,
                    concept=concept,
                    target_span=None if i in missing else span,
                )
            )
        return out
