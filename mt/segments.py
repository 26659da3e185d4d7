"""Document segments through the line pipeline: a segment's lines in, a TranslatedSegment with its tags out.

:meth:`mt.pipeline.Translator.translate_segments` sends every segment's text through ``translate_stream`` as
lines (a "\\n" inside a segment splits it: the translation keeps the "\\n"), so sentences, chunking, batching,
glossary enforcement and the translation memory apply unchanged. This module puts the line results back
together (:func:`assemble`: the segment's translation and where each sentence stands in source and target) and,
for the segments that have tags, places them (:func:`place_markup`): each sentence's source is word-aligned to
its translation with the model's alignment head through the loaded backend (mt.alignment.model_links; both legs
of the ar -> en -> zh pivot, composed), and the tags go where their words went (mt.decoding.markup).
Segments without tags never reach the aligner. A segment without an Arabic letter (a URL, an English paragraph,
a number) is not translated at all: :func:`kept_as_is` gives it back as it is, marked ``kept="no Arabic"``.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Sequence

from mt.alignment.attention import words_of
from mt.alignment.model_links import SentenceLinks, compose, sentence_links
from mt.alignment.tokenize import Token
from mt.decoding import JOINERS, Leg
from mt.decoding.markup import place_tags
from mt.formats.document import KEPT_NO_ARABIC, Segment, TranslatedSegment
from mt.results import LineResult, SentenceResult
from mt.text.script import char_script


@dataclass
class _Part:
    """A sentence of a segment (or a line without letters, copied) and where it stands in source and target."""

    source_start: int
    target_start: int
    sentence: SentenceResult | None = None
    copied: str = ""  # the line's text when it was copied as it is


@dataclass
class Assembled:
    """A segment's translation before its tags are placed."""

    segment: Segment
    text: str
    parts: list[_Part] = field(default_factory=list)

    @property
    def sentences(self) -> list[SentenceResult]:
        return [part.sentence for part in self.parts if part.sentence is not None]


def has_arabic(text: str) -> bool:
    """Whether a text has an Arabic letter: the one rule for what a document translator translates."""
    return any(char_script(char) == "arabic" for char in text)


def kept_as_is(segment: Segment) -> TranslatedSegment:
    """A segment left untranslated because it has no Arabic letter: its own text and tags, marked kept."""
    return TranslatedSegment(segment, segment.text, segment.tags, kept=KEPT_NO_ARABIC)


def segment_lines(segment: Segment) -> list[str]:
    """The lines a segment is translated as."""
    return segment.text.split("\n")


def assemble(segment: Segment, results: Sequence[LineResult], to: str) -> Assembled:
    """Join the line results of a segment ("\\n" between them) and record where each sentence stands."""
    joiner = JOINERS.get(to, " ")
    parts: list[_Part] = []
    source_pos = target_pos = 0
    for index, result in enumerate(results):
        if index:
            source_pos += 1
            target_pos += 1
        line = result.source
        if not result.sentences:
            if result.translation:
                parts.append(_Part(source_pos, target_pos, copied=result.translation))
        else:
            cursor = 0
            written = len(line) - len(line.lstrip())  # the indent, kept before the first sentence
            first = True
            for sentence in result.sentences:
                start = line.find(sentence.source, cursor)
                start = cursor if start < 0 else start
                cursor = start + len(sentence.source)
                if not sentence.translation:
                    continue
                if not first:
                    written += len(joiner)
                parts.append(_Part(source_pos + start, target_pos + written, sentence))
                written += len(sentence.translation)
                first = False
        source_pos += len(line)
        target_pos += len(result.translation)
    return Assembled(segment, "\n".join(r.translation for r in results), parts)


def _leg_pairs(sentences: list[SentenceResult], legs: Sequence[Leg], leg: int) -> list[tuple[str, str]]:
    """The (source, target) texts that leg ``leg`` translated for each sentence."""
    pairs = []
    for sentence in sentences:
        texts = [sentence.source] + ([sentence.intermediate] if len(legs) > 1 else []) + [sentence.translation]
        source, target = texts[leg], texts[leg + 1]
        pairs.append((source or "", target or ""))  # no intermediate (a memory entry on the pivot): no links
    return pairs


def _sentence_links(sentences: list[SentenceResult], legs: Sequence[Leg], batch_size: int) -> list[SentenceLinks]:
    """Word links of each sentence's source to its translation, composed over the legs: from the pieces and
    alignment head the decode kept (SentenceResult.decoded), else by a forced pass (e.g. a memory's sentence)."""
    linked: list[SentenceLinks] | None = None
    for k, leg in enumerate(legs):
        decoded = [sentence.decoded[k] if sentence.decoded else None for sentence in sentences]
        step = sentence_links(
            leg.backend,
            _leg_pairs(sentences, legs, k),
            leg.source_lang,
            leg.target_lang,
            leg.prefix,
            batch_size,
            decoded,
        )
        if linked is None:
            linked = step
        else:
            linked = [
                SentenceLinks(a.source_words, b.target_words, compose(a.links, b.links)) for a, b in zip(linked, step)
            ]
    return linked or []


def _merge(words: list[Token], spans: list[tuple[int, int]]) -> tuple[list[Token], list[int]]:
    """Words with those overlapping each span joined into one word; and each old word's new index."""
    group = list(range(len(words)))
    for start, end in spans:
        inside = [k for k, w in enumerate(words) if w.start < end and w.end > start]
        for k in inside:
            group[k] = group[inside[0]]
    merged: list[Token] = []
    index: list[int] = []
    first: dict[int, int] = {}
    for k, word in enumerate(words):
        root = group[k]
        if root in first:
            kept = merged[first[root]]
            merged[first[root]] = Token(kept.text, min(kept.start, word.start), max(kept.end, word.end))
        else:
            first[root] = len(merged)
            merged.append(word)
        index.append(first[root])
    return merged, index


def _terms_whole(found: SentenceLinks, sentence: SentenceResult) -> SentenceLinks:
    """The sentence's links with each glossary term one word on both sides, linked to each other: a tag then
    wraps a term whole or not at all, and no tag or point lands inside a term's translation (in Chinese every
    character is a word, so a term would otherwise be open to a tag between its characters)."""
    pairs = []
    cursor = 0
    for term in sentence.terms:
        span = term.target_span
        if span is None and term.target:  # placed by position where the run knew it, else found in the text
            at = sentence.translation.find(term.target, cursor)
            span = (at, at + len(term.target)) if at >= 0 else None
        if span is not None and term.status in ("verified", "enforced") and span[1] > span[0]:
            pairs.append(((term.start, term.end), span))
            cursor = span[1]
    if not pairs:
        return found
    source_words, source_index = _merge(found.source_words, [source for source, _ in pairs])
    target_words, target_index = _merge(found.target_words, [target for _, target in pairs])
    links = {(source_index[s], target_index[t]) for s, t in found.links}
    for (s_start, s_end), (t_start, t_end) in pairs:
        sources = {k for k, w in enumerate(source_words) if w.start < s_end and w.end > s_start}
        targets = {k for k, w in enumerate(target_words) if w.start < t_end and w.end > t_start}
        links -= {(s, t) for s, t in links if (s in sources) != (t in targets)}  # a term links to its term only
        links |= {(s, t) for s in sources for t in targets}
    return SentenceLinks(source_words, target_words, links)


def _with_uncovered_words(
    text: str, words: list[tuple[int, int]], links: set[tuple[int, int]]
) -> tuple[list[tuple[int, int]], set[tuple[int, int]]]:
    """A segment's source words with those no sentence covers added, unlinked (a sentence whose translation came
    back empty, a lone "،" or "."): a paired tag around them (``<b>،</b>``) then has words, so it still wraps
    target words (displaced) instead of coming back as an empty pair. The links follow their words."""
    ends = [end for _, end in words]
    starts = [start for start, _ in words]
    extra = []
    for token in words_of(text, "ar"):
        k = bisect_right(ends, token.start)  # the first covered word ending after the token starts
        if k >= len(words) or starts[k] >= token.end:
            extra.append((token.start, token.end))
    if not extra:
        return words, links
    merged = sorted([(span, k) for k, span in enumerate(words)] + [(span, -1) for span in extra])
    index = {k: new for new, (_, k) in enumerate(merged) if k >= 0}
    return [span for span, _ in merged], {(index[s], t) for s, t in links}


def place_markup(assembled: Sequence[Assembled], legs: Sequence[Leg], batch_size: int = 16) -> list[TranslatedSegment]:
    """The TranslatedSegments of assembled segments, tags placed (one alignment sweep for all tagged ones)."""
    tagged = [a for a in assembled if a.segment.tags]
    sentence_parts = [(part, part.sentence) for a in tagged for part in a.parts if part.sentence is not None]
    links = _sentence_links([sentence for _, sentence in sentence_parts], legs, batch_size) if sentence_parts else []
    by_part = {id(part): found for (part, _), found in zip(sentence_parts, links)}
    for item in assembled:  # the decoders' pieces and attention rows have served: let them go
        for sentence in item.sentences:
            sentence.decoded = None
    out = []
    for item in assembled:
        if not item.segment.tags:
            out.append(TranslatedSegment(item.segment, item.text, (), item.sentences))
            continue
        source_words: list[tuple[int, int]] = []
        target_words: list[tuple[int, int]] = []
        segment_links: set[tuple[int, int]] = set()
        for part in item.parts:
            if part.sentence is None:  # a copied line: each word is itself
                words = words_of(part.copied, "en")
                found = SentenceLinks(words, words, {(k, k) for k in range(len(words))})
            else:
                found = _terms_whole(by_part[id(part)], part.sentence)
            s0, t0 = len(source_words), len(target_words)
            source_words += [(part.source_start + w.start, part.source_start + w.end) for w in found.source_words]
            target_words += [(part.target_start + w.start, part.target_start + w.end) for w in found.target_words]
            segment_links |= {(s0 + s, t0 + t) for s, t in found.links}
        source_words, segment_links = _with_uncovered_words(item.segment.text, source_words, segment_links)
        placement = place_tags(
            item.segment.tags, len(item.segment.text), len(item.text), source_words, target_words, segment_links
        )
        out.append(TranslatedSegment(item.segment, item.text, placement.tags, item.sentences, placement.displaced))
    return out
