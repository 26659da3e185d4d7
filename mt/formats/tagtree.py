"""Put a segment's text and tags back into a tree: the shape a markup writer (XLIFF, HTML) serialises.

A :class:`~mt.formats.document.Tag` is only offsets; where two tags meet at one offset (a point at the edge
of a paired tag, two tags that wrap the same words) the offsets alone do not say which is inside which. The
reader knows it from the source, so it passes :class:`SourceOrder`: each tag's rank (the order its opening
appeared in the source) and the paired tags that contained it there. With the identity translation the tree is
the source's own; with a translation, tags follow the same rules at their new offsets.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field, replace
from typing import Mapping, Sequence, Union

from mt.formats.document import Tag


@dataclass(frozen=True)
class SourceOrder:
    """How the tags of one segment sat in the source.

    rank: tag id -> the order its opening appeared in the source (0, 1, ...).
    ancestors: tag id -> ids of the paired tags that contained it in the source.
    """

    rank: Mapping[str, int] = field(default_factory=dict)
    ancestors: Mapping[str, frozenset[str]] = field(default_factory=dict)


@dataclass
class Node:
    """A paired tag with its content (text and nested nodes), or, for a point or an empty paired tag, none.
    The root node has no tag."""

    tag: Tag | None
    children: list[Union[str, "Node"]] = field(default_factory=list)

    @property
    def tag_id(self) -> str:
        """The id of the node's tag: every node below the root has one."""
        if self.tag is None:
            raise ValueError("the root node has no tag")
        return self.tag.id


def build_tree(text: str, tags: Sequence[Tag], order: SourceOrder = SourceOrder()) -> Node:
    """The nested tree of ``text`` with ``tags``. Paired tags that overlap partially (the pipeline keeps them
    nested; this is a guard) are cut at the end of the tag that contains them."""
    rank = {tag.id: order.rank.get(tag.id, len(order.rank) + i) for i, tag in enumerate(tags)}
    spans = sorted((t for t in tags if t.paired and t.end > t.start), key=lambda t: (t.start, -t.end, rank[t.id]))
    points = [t for t in tags if not (t.paired and t.end > t.start)]

    # nest the paired tags: a stack of open spans; a span that overlaps its container is cut to fit
    root = _Span(None, 0, len(text))
    stack = [root]
    for tag in spans:
        while stack[-1].tag is not None and stack[-1].end <= tag.start:
            stack.pop()
        parent = stack[-1]
        if tag.end > parent.end:
            tag = replace(tag, end=parent.end)
        span = _Span(tag, tag.start, tag.end)
        parent.spans.append(span)
        if tag.end > tag.start:
            stack.append(span)
        else:  # cut to nothing: now an empty paired tag, placed like a point
            parent.spans.pop()
            points.append(tag)

    for point in sorted(points, key=lambda t: rank[t.id]):
        _home(root, point, order).points.append(point)
    return _node(root, text, rank)


@dataclass
class _Span:
    tag: Tag | None
    start: int
    end: int
    spans: list["_Span"] = field(default_factory=list)
    points: list[Tag] = field(default_factory=list)
    starts: list[int] | None = None  # the children's starts, for _home's binary search


def _home(span: _Span, point: Tag, order: SourceOrder) -> _Span:
    """The innermost span that holds ``point``: strictly inside it, or at its edge when the source had the
    point inside that tag. A span's children are disjoint and in order: a binary search finds the candidates."""
    inside = order.ancestors.get(point.id, frozenset())
    while True:
        if span.starts is None or len(span.starts) != len(span.spans):
            span.starts = [child.start for child in span.spans]
        k = bisect_right(span.starts, point.start)
        for child in span.spans[max(0, k - 2) : k + 1]:  # the children starting at or just before the point
            if child.start < point.start < child.end or (
                point.start in (child.start, child.end) and child.tag is not None and child.tag.id in inside
            ):
                span = child
                break
        else:
            return span


def _node(span: _Span, text: str, rank: Mapping[str, int]) -> Node:
    """Children in order: text pieces, child spans, and points; at one offset, spans that end there come
    first, then points (in source order), then spans that start there."""
    node = Node(span.tag)
    events: list[tuple[int, int, int, _Span | Tag]] = []
    for child in span.spans:
        events.append((child.start, 2, 0, child))
    for point in span.points:
        events.append((point.start, 1, rank[point.id], point))
    events.sort(key=lambda e: e[:3])
    position = span.start
    for offset, _kind, _rank, item in events:
        if offset > position:
            node.children.append(text[position:offset])
            position = offset
        if isinstance(item, _Span):
            node.children.append(_node(item, text, rank))
            position = item.end
        else:
            node.children.append(Node(item))
    if span.end > position:
        node.children.append(text[position : span.end])
    return node


def complete_tags(source: Sequence[Tag], target: Sequence[Tag], length: int) -> tuple[Tag, ...]:
    """The target's tags, plus any source tag the target lacks, put empty at the end of the text: a writer
    never drops markup (the pipeline places every tag; this guards the file against one that did not)."""
    present = {tag.id for tag in target}
    missing = [Tag(tag.id, length, length, tag.paired) for tag in source if tag.id not in present]
    return (*target, *missing)
