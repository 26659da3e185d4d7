"""Markdown (.md, .markdown): prose translated, structure kept byte for byte.

Parsed with ``markdown-it-py`` (CommonMark with GFM tables and strikethrough). Each inline run is one segment:
a paragraph, a heading, a list item's paragraph, a table cell (link text and image alt text are part of the
paragraph they stand in). Inside a segment,

- emphasis, strong, strikethrough, links and images are paired tags around their text (the link's URL and
  title, the image's source, stay in the closing markup, untouched);
- inline code, inline HTML, autolinks (``<https://...>``) and hard line breaks are point tags whose source is
  put back exactly (their content is never translated); a soft line break is a space.

Code blocks and fences, HTML blocks, link reference definitions, thematic breaks and front matter (a leading
``---`` ... ``---`` YAML block, hidden from the parser) are never segments, so they stay as they are. The
translation of a segment replaces exactly the source span of its inline run (for a paragraph over several
lines, from its first character to its last: the translated paragraph is one line); its text is escaped
(``\\ * _ ` [ ] < > ~``, ``|`` in a table cell, a leading ``#``, ``>``, ``+``, ``-`` or ``1.``) so it stays
text. A segment that comes back unchanged keeps its bytes, so the identity translation returns the input.

An inline run whose source this module cannot map token by token (unusual nesting across container
prefixes, tabs the parser expanded) is left untranslated and reported in ``MarkdownDocument.warnings``.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass, field, replace
from typing import Iterator, Sequence

from markdown_it import MarkdownIt
from markdown_it.helpers import parseLinkDestination, parseLinkTitle
from markdown_it.token import Token

from mt.formats.charset import DecodedText, decode_document
from mt.formats.document import Document, DocumentFormat, FormatOptions, Segment, Tag, TranslatedSegment
from mt.formats.inline import Markup, collapse_spaces, compose

LOG = logging.getLogger(__name__)

_KIND = "Markdown"
_FRONT_MATTER_OPEN = re.compile(r"---[ \t]*\r?\n")
_FRONT_MATTER_CLOSE = re.compile(r"(?:---|\.\.\.)[ \t]*$")
_ATX_OPEN = re.compile(r"[ \t]*#{1,6}(?:[ \t]+|$)")
_ESCAPED = set("\\*_`[]<>~")
_LINE_START_MARKER = re.compile(r"(?:[#>+\-=]|\d{1,9}[.)])")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_PAIRED = {"em_open": "em_close", "strong_open": "strong_close", "s_open": "s_close"}
_IMAGE_CLOSE = "image_close"  # not a markdown-it token: the end of an image's alt text, in _flatten's stream
_CLOSING = {
    "em_close": "em_open",
    "strong_close": "strong_open",
    "s_close": "s_open",
    "link_close": "link_open",
    _IMAGE_CLOSE: "image",
}


class _Unmapped(Exception):
    """The source of an inline run does not match its tokens the way this module expects."""


@dataclass
class _Run:
    """A segment's source: the span its translation replaces, its markup by tag id, and how to escape text."""

    span: tuple[int, int]
    markup: dict[str, Markup] = field(default_factory=dict)
    in_cell: bool = False


@dataclass
class _Open:
    """A paired element whose close is still ahead: where it began (source offset, text offset), the place kept
    for its markup, and its opening markup."""

    kind: str
    at: int
    chars: int
    slot: int
    opening: str


def _flatten(tokens: list[Token]) -> Iterator[Token]:
    """The inline tokens in reading order, an image's alt-text tokens after it and an ``image_close`` after
    those; iterative, so the nesting depth is unbounded."""
    pending: list[Iterator[Token]] = [iter(tokens)]
    while pending:
        token = next(pending[-1], None)
        if token is None:
            pending.pop()
            continue
        yield token
        if token.type == "image":
            pending.append(iter([*(token.children or []), Token(_IMAGE_CLOSE, "", 0)]))


class _Walker:
    """Walks an inline token's children over the source text, lifting text and markup.

    ``lines``: the absolute (start, end) span of each content line of the run, in order."""

    def __init__(self, source: str, lines: list[tuple[int, int]]) -> None:
        self.source = source
        self.lines = lines
        self.cursor = lines[0][0]
        self.end = lines[-1][1]
        self.chars: list[str] = []
        self.markup: list[Markup | None] = []  # None: an element still open (see walk)

    def walk(self, tokens: list[Token]) -> None:
        """Lift the tokens' text and markup, in one pass with an explicit stack (no recursion, so any depth of
        nesting is fine). An element's markup is listed before what it holds: outer first."""
        stack: list[_Open] = []
        stream = _flatten(tokens)
        for token in stream:
            kind = token.type
            if kind == "text":
                self._text(token.content)
            elif kind in ("softbreak", "hardbreak"):
                start = self.cursor
                self._line_break()
                self.chars.append(" ")
                if kind == "hardbreak":  # after the space: the translation's words before it end the line
                    self._point(self.source[start : self.cursor])
            elif kind in _PAIRED or kind == "image" or kind == "link_open" and token.markup != "autolink":
                opening = self._expect({"image": "![", "link_open": "["}.get(kind, token.markup))
                stack.append(_Open(kind, self.cursor - len(opening), len(self.chars), len(self.markup), opening))
                self.markup.append(None)  # its place, filled at its close: outer before inner
            elif kind in _CLOSING:
                self._close(stack, token)
            elif kind == "link_open":  # an autolink: <https://...>, kept whole
                close = self.source.find(">", self.cursor, self.end)
                if not self.source.startswith("<", self.cursor) or close < 0:
                    raise _Unmapped("autolink")
                if not any(inner.type == "link_close" for inner in stream):
                    raise _Unmapped("autolink")
                self._point(self.source[self.cursor : close + 1], self.cursor)
                self.cursor = close + 1
            elif kind == "code_inline":
                fence = token.markup
                self._expect(fence)
                at = self.cursor - len(fence)
                close = self._closing_fence(fence)
                self._point(self.source[at : close + len(fence)], at)
                self.cursor = close + len(fence)
            elif kind == "html_inline":
                if not self.source.startswith(token.content, self.cursor):
                    raise _Unmapped("html_inline")
                self._point(token.content, self.cursor)
                self.cursor += len(token.content)
            else:
                raise _Unmapped(kind)
        if stack:
            raise _Unmapped(f"unclosed {stack[-1].kind}")

    def _close(self, stack: list[_Open], token: Token) -> None:
        """The end of a paired element: its closing markup, and its markup in the place kept for it."""
        if not stack or _CLOSING[token.type] != stack[-1].kind:
            raise _Unmapped(f"unmatched {token.type}")
        element = stack.pop()
        closing = self._expect(token.markup) if element.kind in _PAIRED else self._link_tail()
        if element.kind == "link_open" and closing in ("]", "][]"):
            # [label] / [label][]: the text is the reference label: keep it
            del self.chars[element.chars :], self.markup[element.slot :]
            self._point(self.source[element.at : self.cursor], element.at)
        else:
            self.markup[element.slot] = Markup(element.chars, len(self.chars), True, element.opening, closing)

    def closed_markup(self) -> list[Markup]:
        """The markup lifted by walk, which closes every element (no place is left open)."""
        closed = [item for item in self.markup if item is not None]
        if len(closed) != len(self.markup):
            raise _Unmapped("an element left open")
        return closed

    def _point(self, raw: str, at: int | None = None) -> None:
        """A point tag for the source ``raw`` (found at ``at``: the white space around it is noted, so the
        translation gets a space where the source had one)."""
        before = at is not None and at > 0 and self.source[at - 1].isspace()
        after = at is not None and self.source[at + len(raw) : at + len(raw) + 1].isspace()
        self.markup.append(Markup(len(self.chars), len(self.chars), False, raw, space_before=before, space_after=after))

    def _expect(self, raw: str) -> str:
        if not self.source.startswith(raw, self.cursor) or self.cursor + len(raw) > self.end:
            raise _Unmapped(f"expected {raw!r}")
        self.cursor += len(raw)
        return raw

    def _text(self, content: str) -> None:
        """Match a text token's content (backslash escapes and character references decoded) at the cursor."""
        source = self.source
        if source.startswith(content, self.cursor):  # no escape or reference in it: the common case
            self.cursor += len(content)
            self.chars.extend(content)
            if self.cursor > self.end:
                raise _Unmapped("text past the run")
            return
        index = 0
        while index < len(content):
            char, at = content[index], self.cursor
            entity = _ENTITY.match(source, at) if source.startswith("&", at) else None
            decoded = html.unescape(entity.group(0)) if entity else ""
            if entity and decoded != entity.group(0) and content.startswith(decoded, index):
                self.cursor = entity.end()
                self.chars.extend(decoded)
                index += len(decoded)
                continue
            if source.startswith(char, at):
                self.cursor += 1
            elif source.startswith("\\" + char, at):
                self.cursor += 2
            else:
                raise _Unmapped("text")
            self.chars.append(char)
            index += 1
        if self.cursor > self.end:
            raise _Unmapped("text past the run")

    def _line_break(self) -> None:
        following = next((start for start, _ in self.lines if start > self.cursor), None)
        if following is None:
            raise _Unmapped("line break")
        skipped = self.source[self.cursor : following]
        if not re.fullmatch(r"[ \t]*\\?\r?\n.*", skipped, re.S):
            raise _Unmapped("line break")
        self.cursor = following
        while self.cursor < self.end and self.source[self.cursor] in " \t":
            self.cursor += 1

    def _link_tail(self) -> str:
        """The closing ``](destination "title")``, ``][label]`` or ``]`` of a link or image."""
        source, start = self.source, self.cursor
        self._expect("]")
        position = self.cursor
        if source.startswith("(", position):
            position = self._skip_space(position + 1)
            destination = parseLinkDestination(source, position, self.end)
            if destination.ok:
                position = self._skip_space(destination.pos)
                title = parseLinkTitle(source, position, self.end)
                if title.ok:
                    position = self._skip_space(title.pos)
            if not source.startswith(")", position):
                raise _Unmapped("link destination")
            position += 1
        elif source.startswith("[", position):
            close = source.find("]", position, self.end)
            if close < 0:
                raise _Unmapped("link label")
            position = close + 1
        self.cursor = position
        return source[start:position]

    def _skip_space(self, position: int) -> int:
        while position < self.end and self.source[position] in " \t\r\n":
            position += 1
        return position

    def _closing_fence(self, fence: str) -> int:
        position = self.cursor
        while True:
            found = self.source.find(fence, position, self.end)
            if found < 0:
                raise _Unmapped("code span")
            after = found + len(fence)
            if (after >= len(self.source) or self.source[after] != "`") and self.source[found - 1] != "`":
                return found
            while after < len(self.source) and self.source[after] == "`":
                after += 1
            position = after


class MarkdownDocument(Document):
    """A parsed Markdown file: a segment per translatable inline run, rendered by splicing translations into
    the source. ``warnings``: runs left untranslated because their source could not be mapped."""

    def __init__(self, decoded: DecodedText) -> None:
        self._decoded = decoded
        source = decoded.text
        self._source = source
        self.segments: list[Segment] = []
        self._runs: list[_Run] = []
        self.warnings: list[str] = []
        line_spans = _line_spans(source)
        hidden = _front_matter_lines(source)
        parser_input = "".join(
            "\n" if number < hidden else source[start:end] + "\n" for number, (start, end) in enumerate(line_spans)
        )
        tokens = MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(parser_input)
        row_cells: list[tuple[int, int]] = []  # the spans of the current table row's cells
        cell = 0
        heading = False
        previous = ""
        for token in tokens:
            if token.type == "tr_open" and token.map:
                row_cells, cell = _table_cells(source, line_spans[token.map[0]]), 0
            elif token.type in ("th_close", "td_close"):
                cell += 1
            elif token.type == "heading_open":
                heading = token.markup.startswith("#")
            elif token.type == "inline" and token.content.strip() and token.map:
                in_cell = previous in ("th_open", "td_open")
                try:
                    if in_cell:
                        lines = [_cell_span(row_cells, cell)]
                    else:
                        lines = _content_lines(source, line_spans, token, heading)
                    self._add(token, lines, cell + 1 if in_cell else None)
                except _Unmapped as reason:
                    self._skip(
                        f"line {token.map[0] + 1}: left untranslated: its markup could not be mapped to "
                        f"the source ({reason})"
                    )
                heading = False
            previous = token.type

    def _add(self, token: Token, lines: list[tuple[int, int]], cell: int | None) -> None:
        walker = _Walker(self._source, lines)
        walker.walk(token.children or [])
        plain, remap = collapse_spaces("".join(walker.chars))
        if not any(char.isalpha() for char in plain):
            return
        run = _Run((lines[0][0], lines[-1][1]), in_cell=cell is not None)
        tags = []
        for counter, item in enumerate(walker.closed_markup(), 1):
            tag_id = f"m{counter}"
            moved = replace(item, start=remap[item.start], end=remap[item.end])
            run.markup[tag_id] = moved
            tags.append(Tag(tag_id, moved.start, moved.end, item.paired))
        location = f"line {_first_line(token) + 1}" + (f" cell {cell}" if cell is not None else "")
        self.segments.append(Segment(location, plain, tuple(tags)))
        self._runs.append(run)

    def _skip(self, message: str) -> None:
        self.warnings.append(message)
        LOG.warning("%s", message)

    def render(self, translations: Sequence[TranslatedSegment], options: FormatOptions) -> bytes:
        if len(translations) != len(self.segments):
            raise ValueError(f"{len(translations)} translations for {len(self.segments)} segments")
        pieces: list[str] = []
        position = 0
        for segment, run, translation in zip(self.segments, self._runs, translations):
            if translation.text == segment.text and set(translation.tags) == set(segment.tags):
                continue
            placed = [
                _inside_spaces(replace(run.markup[t.id], start=t.start, end=t.end), translation.text)
                for t in translation.tags
                if t.id in run.markup
            ]
            markup = _apart(_around_a_word(placed, translation.text))
            escape = _escape_cell if run.in_cell else _escape_text
            text = compose(
                translation.text,
                markup,
                escape,
                spaced=options.target != "zh",
                escape_at=_block_markers(translation.text, markup, paragraph=not run.in_cell),
            )
            pieces.append(self._source[position : run.span[0]])
            pieces.append(text)
            position = run.span[1]
        pieces.append(self._source[position:])
        return self._decoded.encode("".join(pieces))


def _inside_spaces(item: Markup, text: str) -> Markup:
    """A paired item without white space just inside its markup (``** now**`` is no emphasis in CommonMark: a
    closing delimiter after a space does not close). Nesting is kept: every item shrinks alike."""
    start, end = item.start, item.end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return replace(item, start=start, end=end) if item.paired and start < end else item


def _around_a_word(markup: list[Markup], text: str) -> list[Markup]:
    """Each paired item placed around nothing (``******`` is a rule or literal stars) put around a word it
    touches (the one ending there, else the one starting there) that no other item holds unless that item
    holds the place too (its parent), so the nesting stays as it was; left as it is if there is none."""
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    out = list(markup)
    for index, item in enumerate(out):
        if not item.paired or item.start != item.end:
            continue
        at = item.start
        # the others that wrap words, less those that were around nothing at this place too (moved just before:
        # the same word suits them all, nested in their order)
        others = [
            m
            for k, m in enumerate(out)
            if m.paired and m.start < m.end and not (markup[k].paired and markup[k].start == markup[k].end == at)
        ]
        near = [w for w in words if w[1] == at] + [w for w in words if w[0] >= at][:1]
        for word in near:
            if all(
                word[1] <= m.start
                or m.end <= word[0]
                or m.start < at < m.end
                and m.start <= word[0]
                and word[1] <= m.end
                for m in others
            ):
                out[index] = replace(item, start=word[0], end=word[1])
                break
    return out


def _apart(markup: list[Markup]) -> list[Markup]:
    """The markup with a space asked for between two points at one offset that would fuse (a code span
    ending in a backtick right before one starting with a backtick reads as one code span)."""
    out: list[Markup] = []
    for item in markup:
        before = next((m for m in reversed(out) if not m.paired and m.start == item.start), None)
        if not item.paired and before is not None and before.open.endswith("`") and item.open.startswith("`"):
            item = replace(item, space_before=True)
        out.append(item)
    return out


def _escape_text(char: str) -> str:
    return "\\" + char if char in _ESCAPED else char


def _escape_cell(char: str) -> str:
    return "\\|" if char == "|" else _escape_text(char)


def _block_markers(text: str, markup: list[Markup], paragraph: bool) -> list[int]:
    """The offsets of translated characters that would open a block at the start of a line (``# > + - =`` or the
    ``.``/``)`` of ``1.``: a heading, quote or list), so that they are escaped: at the start of a paragraph's text
    (``paragraph``; a table cell's text starts no line) and after each hard break, where a heading, quote or list
    would interrupt the paragraph. A line that starts with markup (``**``, a link's ``[``) is safe."""
    starts: list[tuple[int, Markup | None]] = [(0, None)] if paragraph else []
    starts += [(item.start, item) for item in markup if not item.paired and "\n" in item.open + item.close]
    found = []
    for start, opener in starts:
        at = start
        while opener is not None and at < len(text) and text[at] == " ":
            at += 1
        if any(other is not opener and start <= other.start <= at for other in markup):
            continue  # markup opens the line
        marker = _LINE_START_MARKER.match(text, at)
        if marker:
            found.append(marker.end() - 1)
    return found


def _line_spans(source: str) -> list[tuple[int, int]]:
    """(start, end) of every line, its line ending excluded."""
    spans = []
    position = 0
    for line in source.splitlines(keepends=True):
        spans.append((position, position + len(line.rstrip("\r\n"))))
        position += len(line)
    return spans


def _front_matter_lines(source: str) -> int:
    """How many lines a leading ``---`` YAML front matter block takes (0 if there is none)."""
    if not _FRONT_MATTER_OPEN.match(source):
        return 0
    lines = source.splitlines()
    for number in range(1, len(lines)):
        if _FRONT_MATTER_CLOSE.match(lines[number]):
            return number + 1
    return 0


def _first_line(token: Token) -> int:
    """The token's first source line (0-based): markdown-it maps every block token and its inline content."""
    if token.map is None:
        raise _Unmapped("no source line")
    return token.map[0]


def _content_lines(source: str, spans: list[tuple[int, int]], token: Token, heading: bool) -> list[tuple[int, int]]:
    """The source span of each line of a paragraph's or heading's inline content."""
    content_lines = token.content.split("\n")
    first = _first_line(token)
    result = []
    for number, content in enumerate(content_lines):
        if first + number >= len(spans):
            raise _Unmapped("content past the file")
        start, end = spans[first + number]
        line = source[start:end]
        if heading:
            opening = _ATX_OPEN.match(line)
            at = line.find(content, opening.end() if opening else 0)
        else:
            body = line if number < len(content_lines) - 1 else line.rstrip()
            at = len(body) - len(content) if body.endswith(content) else -1
        if at < 0:
            raise _Unmapped("content not found in its line")
        result.append((start + at, start + at + len(content)))
    return result


def _table_cells(source: str, span: tuple[int, int]) -> list[tuple[int, int]]:
    """The span of each cell of a table row (split at unescaped pipes, white space trimmed)."""
    start, end = span
    line = source[start:end]
    cells: list[tuple[int, int]] = []
    begin, position = 0, 0
    while position < len(line):
        if line[position] == "\\":
            position += 2
            continue
        if line[position] == "|":
            cells.append((begin, position))
            begin = position + 1
        position += 1
    cells.append((begin, len(line)))
    if cells and not line[cells[0][0] : cells[0][1]].strip() and line.lstrip().startswith("|"):
        cells.pop(0)
    if cells and not line[cells[-1][0] : cells[-1][1]].strip() and line.rstrip().endswith("|"):
        cells.pop()
    trimmed = []
    for a, b in cells:
        while a < b and line[a] in " \t":
            a += 1
        while b > a and line[b - 1] in " \t":
            b -= 1
        trimmed.append((start + a, start + b))
    return trimmed


def _cell_span(cells: list[tuple[int, int]], index: int) -> tuple[int, int]:
    if index >= len(cells):
        raise _Unmapped("table cell")
    return cells[index]


class MarkdownFormat(DocumentFormat):
    name = "markdown"
    extensions = (".md", ".markdown")

    def parse(self, data: bytes, name: str, options: FormatOptions) -> MarkdownDocument:
        return MarkdownDocument(decode_document(data, name, _KIND, option=options.encoding))
