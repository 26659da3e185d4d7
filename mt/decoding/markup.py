"""Inline markup through decoding: put a segment's tags back into its translation, where the words they wrap went.

The model never sees markup: a segment's text is plain (mt.formats.document), and its tags are character spans
of that text. After decoding, the pipeline gives :func:`place_tags` the word spans of the source and of the
translation and the word links between them (the model's alignment head, through the backend, composed over the
ar -> en -> zh pivot); this module is the pure part that needs neither model nor text:

- a paired tag with words goes around the target words its source words are linked to (from the first such
  word to the last: a tag is one span); a tag that covers every source word covers every target word;
- a point (or an empty paired tag) goes before the target words linked to the source word that follows it (else
  after those of the word before it); at the segment's start or end it stays at the start or end;
- the source's nesting is kept: every tag stays inside the tag that held it in the source and off its placed
  siblings (outer tags are placed first, a child is clipped to its parent's place, siblings never overlap), so
  paired tags nest properly in the target whatever the alignment (crossing links included);
- a paired tag with words always wraps words in the target: one with no linked word, or whose words all went
  to a sibling, wraps as many words as it had, from the free word of its parent nearest to its source position
  (carried over in proportion), else its parent's whole content (the siblings there inside it), and is listed as displaced; a point with no
  linked neighbour goes to that position (at a word boundary, inside its parent) and is listed as displaced.
  Only a paired tag without words in the source (or a translation without words) is written empty.

Offsets are characters; target positions are always word boundaries (or the text's ends).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from mt.formats.document import Tag

WordSpan = tuple[int, int]  # [start, end) of a word in its text
Link = tuple[int, int]      # (source word index, target word index)


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
    """Source and target words with their links, answering "where do these source characters go"."""

    def __init__(self, source_len: int, target_len: int, source_words: Sequence[WordSpan],
                 target_words: Sequence[WordSpan], links: Iterable[Link]) -> None:
        self.source_len = source_len
        self.target_len = target_len
        self.source_words = list(source_words)
        self.target_words = list(target_words)
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

    def span(self, tag: Tag) -> WordSpan | None:
        """Where a paired tag with words goes (None: none of its words is linked)."""
        inside = [k for k, (start, end) in enumerate(self.source_words) if start < tag.end and end > tag.start]
        if len(inside) == len(self.source_words):  # the whole text: no alignment needed
            if not self.target_words:
                return 0, self.target_len
            return self.target_words[0][0], self.target_words[-1][1]
        return self.target_of(inside)

    def point(self, position: int) -> int | None:
        """Where a point at a source position goes (None: neither neighbouring word is linked)."""
        after = [k for k, (start, _) in enumerate(self.source_words) if start >= position]
        before = [k for k, (_, end) in enumerate(self.source_words) if end <= position]
        if not before:
            return 0
        if not after:
            return self.target_len
        following = self.target_of([after[0]])
        if following is not None:
            return following[0]
        preceding = self.target_of([before[-1]])
        return None if preceding is None else preceding[1]

    def proportional(self, position: int) -> int:
        """The target word boundary nearest to the source position carried over in proportion."""
        guess = position * self.target_len / self.source_len if self.source_len else 0
        return min(self.bounds, key=lambda b: (abs(b - guess), b))

    def tighten(self, span: WordSpan) -> WordSpan:
        """A span cut out of a wider one, narrowed to the target words wholly inside it (no edge spaces)."""
        inside = [(a, b) for a, b in self.target_words if span[0] <= a and b <= span[1]]
        return (inside[0][0], inside[-1][1]) if inside else span

    def holds_word(self, span: WordSpan) -> bool:
        """Whether a target span holds a whole target word."""
        return any(span[0] <= a and b <= span[1] for a, b in self.target_words)

    def has_words(self, tag: Tag) -> bool:
        return self.words_in(tag) > 0

    def words_in(self, tag: Tag) -> int:
        """How many source words a tag covers (in part or whole)."""
        return sum(1 for start, end in self.source_words if start < tag.end and end > tag.start)


def _free(region: WordSpan, taken: list[WordSpan]) -> list[WordSpan]:
    """The parts of `region` not covered by the `taken` spans (zero-length parts kept: valid points)."""
    parts = []
    cursor = region[0]
    for start, end in sorted(taken):
        if start >= cursor:
            parts.append((cursor, min(start, region[1])))
        cursor = max(cursor, end)
    parts.append((cursor, region[1]))
    return [(a, b) for a, b in parts if a <= b]


def _nearest(position: int, parts: list[WordSpan]) -> int:
    """The point nearest to `position` inside one of `parts`."""
    best = None
    for a, b in parts:
        candidate = min(max(position, a), b)
        if best is None or abs(candidate - position) < abs(best - position):
            best = candidate
    return position if best is None else best


def _aligned_part(aligned: _Aligned, wanted: WordSpan, parts: list[WordSpan]) -> WordSpan | None:
    """The largest piece of ``wanted`` inside one free part that holds a target word (None: no such piece)."""
    best: WordSpan | None = None
    for a, b in parts:
        start, end = max(a, wanted[0]), min(b, wanted[1])
        if end <= start:
            continue
        piece = wanted if (start, end) == wanted else aligned.tighten((start, end))
        if aligned.holds_word(piece) and (best is None or piece[1] - piece[0] > best[1] - best[0]):
            best = piece
    return best


def _fallback(aligned: _Aligned, size: int, anchor: int, parts: list[WordSpan], region: WordSpan) -> WordSpan:
    """Where a paired tag whose words could not be placed goes: it must still wrap text, so ``size`` target words
    (as many as it had in the source) of the free part of its parent nearest to ``anchor``, from the word nearest
    to it; else its parent's whole content (wrapping the siblings there: nesting stays proper); else, with no
    word at all in the region, a point at the anchor."""
    free = [[w for w in aligned.target_words if a <= w[0] and w[1] <= b] for a, b in parts]
    free = [words for words in free if words]
    if free:
        def distance(word: WordSpan) -> int:
            return max(word[0] - anchor, anchor - word[1], 0)
        words = min(free, key=lambda ws: min(distance(w) for w in ws))
        first = min(range(len(words)), key=lambda k: (distance(words[k]), k))
        first = max(0, min(first, len(words) - size))
        return words[first][0], words[min(first + size, len(words)) - 1][1]
    whole = aligned.tighten(region)
    if aligned.holds_word(whole):
        return whole
    point = _nearest(anchor, parts)
    return point, point


def place_tags(tags: Sequence[Tag], source_len: int, target_len: int, source_words: Sequence[WordSpan],
               target_words: Sequence[WordSpan], links: Iterable[Link]) -> Placement:
    """Put `tags` (source offsets) into a translation of `target_len` characters; see the module docstring.

    source_words/target_words: the words of the source and the translation, in order, as character spans;
    links: (source word, target word) index pairs. Returns the tags in the given order at target offsets.
    """
    if not tags:
        return Placement((), ())
    aligned = _Aligned(source_len, target_len, source_words, target_words, links)
    order, parents = nesting(tags)
    placed: dict[int, WordSpan] = {}
    children_spans: dict[int | None, list[WordSpan]] = {}
    displaced: set[int] = set()
    for k in order:
        tag = tags[k]
        parent = parents[k]
        region = placed[parent] if parent is not None else (0, target_len)
        parts = _free(region, children_spans.get(parent, []))
        if tag.paired and tag.end > tag.start and aligned.has_words(tag):
            wanted = aligned.span(tag)
            best = _aligned_part(aligned, wanted, parts) if wanted is not None else None
            if best is None:  # nothing linked, or its words all went to a sibling: the nearest words it may wrap
                displaced.add(k)
                anchor = aligned.proportional(tag.start) if wanted is None else wanted[0]
                best = _fallback(aligned, max(1, aligned.words_in(tag)), anchor, parts, region)
            placed[k] = best
            children_spans.setdefault(parent, []).append(best)
            continue
        position = aligned.point(tag.start)
        if position is None:
            displaced.add(k)
            position = aligned.proportional(tag.start)
        position = min(max(position, region[0]), region[1])  # a point may stand anywhere inside its parent
        placed[k] = (position, position)
    out = tuple(Tag(tag.id, placed[k][0], placed[k][1], tag.paired) for k, tag in enumerate(tags))
    return Placement(out, tuple(tags[k].id for k in sorted(displaced)))


def nested_properly(tags: Sequence[Tag]) -> bool:
    """Whether no two paired tags partially overlap (each pair is disjoint or one holds the other)."""
    spans = [(t.start, t.end) for t in tags if t.paired and t.end > t.start]
    for i, (a, b) in enumerate(spans):
        for c, d in spans[i + 1:]:
            if a < c < b < d or c < a < d < b:
                return False
    return True
