"""Inline markup of the text formats (subtitles, Markdown): lifted out of the source text as offsets, put back
into a translation as the markup strings it was.

A format turns each inline element into a :class:`Markup` (its offsets into the plain text and the exact source
strings that open and close it); after translation :func:`compose` writes the target text with every markup
string at its target offset, escaping the text (never the markup) the way the format needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable


_UNTIDY = re.compile(r"^\s|\s$|\s\s|[^\S ]")  # white space to collapse or trim
_NO_SPACE_BEFORE = " \t\n.,;:!?)]}\"'"


@dataclass(frozen=True)
class Markup:
    """One inline element by offsets into plain text: ``paired`` wraps ``text[start:end]`` between ``open`` and
    ``close``; a point (start == end) is ``open`` alone (``close`` empty). ``space_before``/``space_after``: the
    source had white space there (a point lifted out of "use `x` here" leaves one space in the plain text;
    in a spaced language the translation gets a space on each side again)."""

    start: int
    end: int
    paired: bool
    open: str
    close: str = ""
    space_before: bool = False
    space_after: bool = False


def collapse_spaces(text: str) -> tuple[str, list[int]]:
    """``text`` with white space runs as one space and none at either end, and the new offset of every old
    offset 0..len(text)."""
    if not _UNTIDY.search(text):  # nothing to collapse: the common case
        return text, list(range(len(text) + 1))
    out: list[str] = []
    remap: list[int] = []
    for char in text:
        remap.append(len(out))
        if char.isspace():
            if out and out[-1] != " ":
                out.append(" ")
        else:
            out.append(char)
    remap.append(len(out))
    if out and out[-1] == " ":
        out.pop()
    return "".join(out), [min(offset, len(out)) for offset in remap]


def compose(
    text: str,
    markup: Iterable[Markup],
    escape: Callable[[str], str] = lambda char: char,
    *,
    line_starts: Iterable[int] = (),
    eol: str = "\n",
    spaced: bool = True,
    escape_at: Iterable[int] = (),
) -> str:
    """``text`` with each markup string at its offset (at one offset: closings, innermost first; points;
    openings, outermost first; of two paired items over the same span, the one listed first is the outer),
    each text character through ``escape`` (those at ``escape_at`` offsets get a backslash before them
    whatever they are), and a line break before each of
    ``line_starts`` (a space just before a break is dropped). In a ``spaced`` language a point that had white
    space beside it in the source gets a space there if the text has none; two points at one offset that white
    space kept apart in the source get a space between them in any language."""
    opens: dict[int, list[tuple[int, Markup]]] = {}
    closes: dict[int, list[tuple[int, Markup]]] = {}
    points: dict[int, list[Markup]] = {}
    for order, item in enumerate(markup):
        if item.paired and item.start < item.end:
            opens.setdefault(item.start, []).append((order, item))
            closes.setdefault(item.end, []).append((order, item))
        else:
            points.setdefault(item.start, []).append(item)
    starts = set(line_starts)
    forced = set(escape_at)
    out: list[str] = []
    for offset in range(len(text) + 1):
        for _, item in sorted(closes.get(offset, []), key=lambda pair: (-pair[1].start, -pair[0])):
            out.append(item.close)
        previous: Markup | None = None
        for item in points.get(offset, []):
            if previous is not None and (previous.space_after or item.space_before) and out[-1][-1:] != " ":
                out.append(" ")  # two points the source kept apart (`a` `b` must not fuse into one code span)
            elif spaced and item.space_before and 0 < offset and not text[offset - 1].isspace() and out[-1][-1:] != " ":
                out.append(" ")
            out.append(item.open + item.close)
            previous = item
            if spaced and item.space_after and offset < len(text) and text[offset] not in _NO_SPACE_BEFORE:
                out.append(" ")
        if offset in starts:
            out.append(eol)
        for _, item in sorted(opens.get(offset, []), key=lambda pair: (-pair[1].end, pair[0])):
            out.append(item.open)
        if offset < len(text) and not (offset + 1 in starts and text[offset] == " "):
            char = escape(text[offset])
            out.append("\\" + text[offset] if offset in forced and char == text[offset] else char)
    return "".join(out)
