"""Inline markup through decoding: put a segment's tags back into its translation, where the words they wrap went.

The model never sees markup: a segment's text is plain (mt.formats.document), and its tags are character spans
of that text. After decoding, the pipeline gives :func:`place_tags` the word spans of the source and of the
translation and the word links between them (the model's alignment head, through the backend, composed over the
ar -> en -> zh pivot); this module is the pure part that needs neither model nor text:

- a paired tag with words goes around the target words its source words are linked to (from the first such
  word to the last: a tag is one span); a tag that covers every source word covers every target word;
- a point (or an empty paired tag) goes before the target words linked to the source word that follows it (else
  after those of the word before it); at the segment's start or end it stays at the start or end; one that
  stood between two words of its parent (a line break inside a paragraph or a link) stays between two words of
  its parent's place wherever it has two, never at an end, where a format may drop it (a Markdown hard break
  at a paragraph's end is none) or write it outside its parent (after the parent's closing markup);
- the source's nesting is kept: every tag stays inside the tag that held it in the source and off its placed
  siblings (outer tags are placed first, a child is clipped to its parent's place, siblings never overlap), so
  paired tags nest properly in the target whatever the alignment (crossing links included);
- a paired tag with words always wraps words in the target: one with no linked word, or whose words all went
  to a sibling, wraps as many words as it had, from the free word of its parent nearest to its source position
  (carried over in proportion), else a word taken from the nearer end of a sibling that has two or more (source
  siblings stay siblings: a DOCX hyperlink cannot hold another), else its parent's whole content (the siblings
  there inside it), and is listed as displaced; a point with no
  linked neighbour goes to that position (at a word boundary, inside its parent) and is listed as displaced.
  Only a paired tag without words in the source (or a translation without words) is written empty. Every
  non-space character of a segment is in some source word (punctuation marks are words; mt.segments adds,
  unlinked, the words of a sentence that came back empty), so that is a tag around white space alone.

Offsets are characters; target positions are always word boundaries (or the text's ends).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Iterable, Sequence

from mt.formats.document import Tag

WordSpan = tuple[int, int]  # [start, end) of a word in its text
Link = tuple[int, int]  # (source word index, target word index)


@dataclass(frozen=True)
class Placement:
    """The tags at target offsets (same ids and order as given) and the ids of those that were displaced."""

    tags: tuple[Tag, ...]
    displaced: tuple[str, ...]


def _contains(parent: Tag, child: Tag) -> bool:
    """Whether `child` lies inside the paired, non-empty tag `parent` in the source (a point or an empty tag only
    strictly inside: one at the parent's edge is outside it; the format decides its side when rendering)."""
    if child.start == child.end:
        return parent.start < child.start < parent.end
    return parent.start <= child.start and child.end <= parent.end


def nesting(tags: Sequence[Tag]) -> tuple[list[int], list[int | None]]:
    """The tags' indices outer-first (start, then longer first, then given order) and each tag's parent index."""
    order = sorted(range(len(tags)), key=lambda k: (tags[k].start, -tags[k].end, tags[k].start == tags[k].end, k))
    parents: list[int | None] = [None] * len(tags)
    stack: list[int] = []
    for k in order:
        while stack and not _contains(tags[stack[-1]], tags[k]):
            stack.pop()
        parents[k] = stack[-1] if stack else None
        if tags[k].paired and tags[k].end > tags[k].start:
            stack.append(k)
    return order, parents


class _Aligned:
    """Source and target words with their links, answering "where do these source characters go". Words are in
    text order, so every look-up is a binary search: placing T tags over W words costs about (T + W) log W."""

    def __init__(
        self,
        source_len: int,
        target_len: int,
        source_words: Sequence[WordSpan],
        target_words: Sequence[WordSpan],
        links: Iterable[Link],
    ) -> None:
        self.source_len = source_len
        self.target_len = target_len
        self.source_words = list(source_words)
        self.target_words = list(target_words)
        self.source_starts = [start for start, _ in self.source_words]
        self.source_ends = [end for _, end in self.source_words]
        self.target_starts = [start for start, _ in self.target_words]
        self.target_ends = [end for _, end in self.target_words]
        self.linked: dict[int, set[int]] = {}
        for s, t in links:
            if 0 <= s < len(self.source_words) and 0 <= t < len(self.target_words):
                self.linked.setdefault(s, set()).add(t)
        bounds = {0, target_len}
        for start, end in self.target_words:
            bounds.update((start, end))
        self.bounds = sorted(bounds)

    def target_of(self, source_indices: Iterable[int]) -> WordSpan | None:
        targets = [t for s in source_indices for t in self.linked.get(s, ())]
        if not targets:
            return None
        return self.target_words[min(targets)][0], max(self.target_words[t][1] for t in targets)

    def inside(self, tag: Tag) -> range:
        """The indices of the source words a tag covers (in part or whole)."""
        return range(bisect_right(self.source_ends, tag.start), bisect_left(self.source_starts, tag.end))

    def span(self, tag: Tag) -> WordSpan | None:
        """Where a paired tag with words goes (None: none of its words is linked)."""
        inside = self.inside(tag)
        if len(inside) == len(self.source_words):  # the whole text: no alignment needed
            if not self.target_words:
                return 0, self.target_len
            return self.target_words[0][0], self.target_words[-1][1]
        return self.target_of(inside)

    def point(self, position: int) -> int | None:
        """Where a point at a source position goes (None: neither neighbouring word is linked)."""
        after = bisect_left(self.source_starts, position)  # the first word starting at or after it
        before = bisect_right(self.source_ends, position) - 1  # the last word ending at or before it
        if before < 0:
            return 0
        if after >= len(self.source_words):
            return self.target_len
        following = self.target_of([after])
        if following is not None:
            return following[0]
        preceding = self.target_of([before])
        return None if preceding is None else preceding[1]

    def proportional(self, position: int) -> int:
        """The target word boundary nearest to the source position carried over in proportion."""
        guess = position * self.target_len / self.source_len if self.source_len else 0
        k = bisect_left(self.bounds, guess)
        return min(self.bounds[max(0, k - 1) : k + 1], key=lambda b: (abs(b - guess), b))

    def words_within(self, span: WordSpan) -> range:
        """The indices of the target words wholly inside a span."""
        return range(bisect_left(self.target_starts, span[0]), bisect_right(self.target_ends, span[1]))

    def tighten(self, span: WordSpan) -> WordSpan:
        """A span cut out of a wider one, narrowed to the target words wholly inside it (no edge spaces)."""
        inside = self.words_within(span)
        return (self.target_starts[inside[0]], self.target_ends[inside[-1]]) if inside else span

    def holds_word(self, span: WordSpan) -> bool:
        """Whether a target span holds a whole target word."""
        return len(self.words_within(span)) > 0

    def between_words(self, position: int, region: WordSpan) -> bool:
        """Whether a source position has a source word of ``region`` (a source span) on each side."""
        before = bisect_right(self.source_ends, position) - 1  # the last word ending at or before it
        after = bisect_left(self.source_starts, position)  # the first word starting at or after it
        return (
            before >= 0
            and self.source_ends[before] > region[0]
            and after < len(self.source_words)
            and self.source_starts[after] < region[1]
        )

    def interior(self, position: int, region: WordSpan) -> int:
        """The position moved, if need be, between two target words of ``region`` (a target span): after its
        first word and before its last; unchanged where the region holds fewer than two words."""
        words = self.words_within(region)
        if len(words) < 2:
            return position
        return min(max(position, self.target_ends[words[0]]), self.target_starts[words[-1]])


class _Taken:
    """The spans placed inside one parent, as their union: disjoint intervals in order (spans that only touch
    stay apart, so the point between them stays free)."""

    def __init__(self, region: WordSpan) -> None:
        self.region = region
        self.starts: list[int] = []
        self.ends: list[int] = []

    def add(self, span: WordSpan) -> None:
        start, end = span
        if end <= start:
            return
        i = bisect_right(self.ends, start)  # the first interval ending after the span starts
        j = i
        while j < len(self.starts) and self.starts[j] < end:
            start, end = min(start, self.starts[j]), max(end, self.ends[j])
            j += 1
        self.starts[i:j] = [start]
        self.ends[i:j] = [end]

    def free(self, low: int, high: int) -> list[WordSpan]:
        """The free parts of [low, high] inside the region (zero-length parts kept: valid points)."""
        low, high = max(low, self.region[0]), min(high, self.region[1])
        if low > high:
            return []
        parts = []
        cursor = low
        i = bisect_left(self.ends, low)
        while i < len(self.starts) and self.starts[i] <= high:
            if self.starts[i] >= cursor:
                parts.append((cursor, self.starts[i]))
            cursor = max(cursor, self.ends[i])
            i += 1
        if cursor <= high:
            parts.append((cursor, high))
        return parts


def _nearest(position: int, parts: list[WordSpan]) -> int:
    """The point nearest to `position` inside one of `parts`."""
    best = None
    for a, b in parts:
        candidate = min(max(position, a), b)
        if best is None or abs(candidate - position) < abs(best - position):
            best = candidate
    return position if best is None else best


def _aligned_part(aligned: _Aligned, wanted: WordSpan, taken: _Taken) -> WordSpan | None:
    """The largest piece of ``wanted`` inside one free part that holds a target word (None: no such piece)."""
    best: WordSpan | None = None
    for start, end in taken.free(*wanted):
        if end <= start:
            continue
        piece = wanted if (start, end) == wanted else aligned.tighten((start, end))
        if aligned.holds_word(piece) and (best is None or piece[1] - piece[0] > best[1] - best[0]):
            best = piece
    return best


def _free_words(aligned: _Aligned, size: int, anchor: int, taken: _Taken) -> WordSpan | None:
    """``size`` target words (as many as the tag had in the source) of the free part of its parent nearest to
    ``anchor``, from the word nearest to it (None: no free word in the parent). The search widens from the
    anchor until it finds words."""
    region = taken.region
    reach = max(16, size * 8)
    while True:
        parts = taken.free(anchor - reach, anchor + reach)
        free = [aligned.words_within(part) for part in parts if part[1] > part[0]]
        free = [words for words in free if words]
        if free:

            def distance(k: int) -> int:
                return max(aligned.target_starts[k] - anchor, anchor - aligned.target_ends[k], 0)

            words = min(free, key=lambda ws: min(distance(ws[0]), distance(ws[-1])))
            nearest = min(words, key=lambda k: (distance(k), k))
            first = max(words[0], min(nearest, words[-1] + 1 - size))
            return aligned.target_starts[first], aligned.target_ends[min(first + size, words[-1] + 1) - 1]
        if anchor - reach <= region[0] and anchor + reach >= region[1]:
            return None
        reach *= 4


def _borrowed(
    aligned: _Aligned,
    anchor: int,
    siblings: Sequence[int],
    placed: dict[int, WordSpan],
    children: dict[int | None, list[int]],
) -> tuple[int, WordSpan] | None:
    """A word for a tag that found no free word in its parent, taken from a placed sibling that has two or more:
    the sibling's first or last word nearest to ``anchor`` that none of the sibling's own tags touches. Source
    siblings so stay siblings (disjoint) in the target; wrapping them instead would nest them inside the tag,
    which some markup cannot hold (a DOCX hyperlink inside another is dropped by Word and python-docx).
    Returns (the sibling, the word's span)."""
    best: tuple[int, int, WordSpan] | None = None
    for sibling in siblings:
        words = aligned.words_within(placed[sibling])
        if len(words) < 2:
            continue
        for k in (words[0], words[-1]):
            word = aligned.target_starts[k], aligned.target_ends[k]
            if any(placed[c][0] <= word[1] and placed[c][1] >= word[0] for c in children.get(sibling, ())):
                continue
            distance = max(word[0] - anchor, anchor - word[1], 0)
            if best is None or distance < best[0]:
                best = distance, sibling, word
    return None if best is None else (best[1], best[2])


def _fallback(
    aligned: _Aligned,
    size: int,
    anchor: int,
    parent: int | None,
    placed: dict[int, WordSpan],
    children: dict[int | None, list[int]],
    taken: dict[int | None, _Taken],
) -> WordSpan:
    """Where a paired tag whose words could not be placed goes: it must still wrap text, so free words of its
    parent near ``anchor`` (:func:`_free_words`); else a word borrowed from a sibling (:func:`_borrowed`, the
    sibling shrinks by it); else its parent's whole content (wrapping the siblings there: nesting stays
    proper); else, with no word at all in the region, a point at the anchor."""
    siblings = taken[parent]
    found = _free_words(aligned, size, anchor, siblings)
    if found is not None:
        return found
    paired = [k for k in children.get(parent, ()) if placed[k][1] > placed[k][0]]
    borrowed = _borrowed(aligned, anchor, paired, placed, children)
    if borrowed is not None:
        sibling, word = borrowed
        start, end = placed[sibling]
        placed[sibling] = aligned.tighten((word[1], end) if word[0] == start else (start, word[0]))
        taken[parent] = _Taken(siblings.region)
        for k in paired:
            taken[parent].add(placed[k])
        return word
    whole = aligned.tighten(siblings.region)
    if aligned.holds_word(whole):
        return whole
    point = _nearest(anchor, siblings.free(*siblings.region))
    return point, point


def place_tags(
    tags: Sequence[Tag],
    source_len: int,
    target_len: int,
    source_words: Sequence[WordSpan],
    target_words: Sequence[WordSpan],
    links: Iterable[Link],
) -> Placement:
    """Put `tags` (source offsets) into a translation of `target_len` characters; see the module docstring.

    source_words/target_words: the words of the source and the translation, in text order, as character spans;
    links: (source word, target word) index pairs. Returns the tags in the given order at target offsets.
    """
    if not tags:
        return Placement((), ())
    aligned = _Aligned(source_len, target_len, source_words, target_words, links)
    order, parents = nesting(tags)
    placed: dict[int, WordSpan] = {}
    taken: dict[int | None, _Taken] = {}
    children: dict[int | None, list[int]] = {}  # the placed tags of each parent
    displaced: set[int] = set()
    for k in order:
        tag = tags[k]
        parent = parents[k]
        region = placed[parent] if parent is not None else (0, target_len)
        inside = aligned.inside(tag)
        if tag.paired and tag.end > tag.start and len(inside):
            siblings = taken.setdefault(parent, _Taken(region))
            wanted = aligned.span(tag)
            best = _aligned_part(aligned, wanted, siblings) if wanted is not None else None
            if best is None:  # nothing linked, or its words all went to a sibling: the nearest words it may wrap
                displaced.add(k)
                anchor = aligned.proportional(tag.start) if wanted is None else wanted[0]
                best = _fallback(aligned, len(inside), anchor, parent, placed, children, taken)
            placed[k] = best
            taken[parent].add(best)
            children.setdefault(parent, []).append(k)
            continue
        position = aligned.point(tag.start)
        if position is None:
            displaced.add(k)
            position = aligned.proportional(tag.start)
        position = min(max(position, region[0]), region[1])  # a point may stand anywhere inside its parent
        source_region = (tags[parent].start, tags[parent].end) if parent is not None else (0, source_len)
        if aligned.between_words(tag.start, source_region):  # between words in the source: so in the target
            position = aligned.interior(position, region)
        placed[k] = (position, position)
        children.setdefault(parent, []).append(k)
    out = tuple(Tag(tag.id, placed[k][0], placed[k][1], tag.paired) for k, tag in enumerate(tags))
    return Placement(out, tuple(tags[k].id for k in sorted(displaced)))


def nested_properly(tags: Sequence[Tag]) -> bool:
    """Whether no two paired tags partially overlap (each pair is disjoint or one holds the other)."""
    spans = [(t.start, t.end) for t in tags if t.paired and t.end > t.start]
    for i, (a, b) in enumerate(spans):
        for c, d in spans[i + 1 :]:
            if a < c < b < d or c < a < d < b:
                return False
    return True
