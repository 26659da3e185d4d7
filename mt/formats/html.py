"""HTML: text and translatable attributes become segments; the output is the input with only those spliced.

The tree is never re-serialised: the stdlib tokenizer (html.parser, with character references left as they
are) gives every token with its exact source text and offset, and the writer copies the input between the
translated pieces, so entities, comments, whitespace, attribute quoting and the document outline stay byte for
byte. With the identity translation the output is the input.

Segments:
- the inline content of a block (text, character references, inline elements ``a abbr b bdi bdo cite data dfn
  em font i ins del kbd label mark q s samp small span strong sub sup time u var ...``) is one segment; inline
  elements become paired tags, ``br img wbr`` and comments points. Inline elements that wrap the whole text
  (``<p><b>all</b></p>``), leading and trailing images and whitespace stay outside the segment.
- ``title alt placeholder aria-label`` attributes, and ``content`` of ``<meta name="description">``.
Untouched: ``script style code pre textarea svg math`` and every element under ``translate="no"``; inside a
sentence such an element (``<code>ls</code>``) is one point that moves with its words.
Language: ``<html lang>`` becomes the target (added if missing), other Arabic ``lang`` values too, and
``dir="rtl"`` becomes ``dir="ltr"`` (outside untouched subtrees).
Escaping: a character the segment's source wrote as a reference (``&amp;`` ``&nbsp;`` ``&#1575;``) is written the
same way; otherwise ``&`` and ``<`` are escaped, and a character the document's encoding cannot hold (Chinese
in a windows-1256 page) becomes a numeric reference.
Charset: a byte-order mark, else --encoding, else ``<meta charset>`` / ``http-equiv`` in the first 1024 bytes,
else UTF-8; the output keeps the input's encoding.
"""

from __future__ import annotations

import bisect
import codecs
import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Sequence

from mt.errors import InputError
from mt.formats.document import Document, DocumentFormat, FormatOptions, Segment, Tag, TranslatedSegment
from mt.formats.language import is_arabic
from mt.formats.tagtree import Node, SourceOrder, build_tree, complete_tags

INLINE = frozenset(
    "a abbr acronym b bdi bdo big cite data del dfn em font i ins kbd label mark nobr q rp rt ruby "
    "s samp small span strike strong sub sup time tt u var".split()
)
POINTS = frozenset({"br", "img", "wbr"})
OPAQUE = frozenset({"code", "script", "style", "svg", "math"})  # untouched; inside a sentence: a point
UNTOUCHED_BLOCKS = frozenset({"pre", "textarea"})  # untouched, and a segment boundary
VOID = frozenset("area base br col embed hr img input keygen link meta param source track wbr".split())
ATTRIBUTES = frozenset({"title", "alt", "placeholder", "aria-label"})
HTML_ELEMENTS = (
    INLINE
    | POINTS
    | OPAQUE
    | UNTOUCHED_BLOCKS
    | VOID
    | frozenset(
        "address article aside audio blockquote body button canvas caption center colgroup dd details dialog dir div "
        "dl dt fieldset figcaption figure footer form frame frameset h1 h2 h3 h4 h5 h6 head header hgroup html "
        "iframe legend li main map menu meter nav noscript object ol optgroup option output p picture progress "
        "section select slot summary table tbody td template tfoot th thead title tr ul video".split()
    )
)
PRESCAN_BYTES = 1024
WHITESPACE = " \t\n\r\f"

_LETTER = re.compile(r"[^\W\d_]")
_TAG_NAME = re.compile(r"<[a-zA-Z][^\t\n\r\f />\x00]*")
_ATTRIBUTE = re.compile(  # html.parser's tolerant attribute pattern, with the value's span kept
    r"((?<=['\"\s/])[^\s/>][^\s/=>]*)(\s*=+\s*('[^']*'|\"[^\"]*\"|(?!['\"])[^>\s]*))?(?:\s|/(?!>))*"
)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([-\w.:]+)", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\n\r\f]+")
_UNQUOTED_SAFE = re.compile(r"[^\s\"'=<>`]+")


@dataclass
class _Token:
    kind: str  # start, startend, end, data, ref, comment, other
    start: int
    end: int
    name: str = ""
    attrs: list[tuple[str, str | None]] = field(default_factory=list)


class _Tokenizer(HTMLParser):
    """html.parser with exact offsets: every token and where its source text starts."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=False)
        self.source = text
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.tokens: list[_Token] = []

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def _add(self, kind: str, name: str = "", attrs=None, length: int | None = None) -> None:
        start = self._offset()
        self.tokens.append(_Token(kind, start, start + length if length is not None else -1, name, attrs or []))

    def handle_starttag(self, tag, attrs):
        self._add("start", tag, attrs, len(self.get_starttag_text()))

    def handle_startendtag(self, tag, attrs):
        self._add("startend", tag, attrs, len(self.get_starttag_text()))

    def handle_endtag(self, tag):
        self._add("end", tag)

    def handle_data(self, data):
        self._add("data", length=len(data))

    def handle_entityref(self, name):
        self._add("ref")

    def handle_charref(self, name):
        self._add("ref")

    def handle_comment(self, data):
        self._add("comment")

    def handle_decl(self, decl):
        self._add("other")

    def handle_pi(self, data):
        self._add("other")

    def unknown_decl(self, data):
        self._add("other")

    def tokenize(self) -> list[_Token]:
        self.feed(self.source)
        if self.rawdata.startswith("<!--"):  # an unclosed comment runs to the end of the file (HTML's rule)
            self._add("comment", length=len(self.rawdata))
            self.rawdata = ""
        self.close()
        for token, following in zip(self.tokens, self.tokens[1:] + [None]):
            end = following.start if following is not None else len(self.source)
            token.end = end if token.end < 0 or token.kind == "data" else token.end
        return self.tokens


@dataclass
class _Edit:
    """A replacement of source[start:end] made when rendering."""

    start: int
    end: int
    kind: str  # text, attr, lang, dir, add-lang
    segment: int = -1  # text/attr: the segment's index
    quote: str = ""  # attr: the value's quote character ('' when unquoted)


@dataclass
class _Piece:
    """One item of a run of inline content."""

    kind: str  # text, open, close, point
    start: int
    end: int
    text: str = ""  # text: decoded
    tag_id: str = ""
    partner: int = -1  # open/close: index of the matching item in the run


@dataclass(frozen=True)
class _TagSource:
    """Where a tag of a text segment is in the source: a point's span, or a paired tag's two."""

    start: int
    end: int
    close: tuple[int, int] | None = None


@dataclass
class _TextSegment:
    start: int
    end: int
    tags: dict[str, _TagSource]
    order: SourceOrder
    memory: dict[str, str]  # character -> how the source wrote it
    edits: list[_Edit]  # attribute and lang/dir edits inside the segment's tags
    spaces: list[tuple[int, str]]  # (offset in the text, the whitespace run one space stands for)


class HtmlDocument(Document):
    def __init__(
        self,
        source: str,
        prefix: bytes,
        encoding: str,
        segments: list[Segment],
        edits: list[_Edit],
        texts: dict[int, _TextSegment],
        memories: dict[int, dict[str, str]],
    ):
        self.source = source
        self.prefix = prefix  # the byte-order mark, if any
        self.encoding = encoding
        self.segments = segments
        self.edits = edits  # top level, sorted, disjoint
        self.texts = texts  # segment index -> how a text segment is written
        self.memories = memories  # attribute segment index -> its characters' source forms

    def render(self, translations: Sequence[TranslatedSegment], options: FormatOptions) -> bytes:
        if len(translations) != len(self.segments):
            raise ValueError(f"{len(translations)} translations for {len(self.segments)} segments")
        writer = _Writer(self, translations, options.target or "")
        text = writer.range(0, len(self.source), self.edits)
        return self.prefix + text.encode(self.encoding)


class HtmlFormat(DocumentFormat):
    name = "html"
    extensions = (".html", ".htm")

    def parse(self, data: bytes, name: str, options: FormatOptions) -> Document:
        prefix, encoding, body = _decode(data, name, options.encoding)
        tokenizer = _Tokenizer(body)
        tokens = tokenizer.tokenize()
        first = next((t.name for t in tokens if t.kind in ("start", "startend")), None)
        if first not in HTML_ELEMENTS:  # XML of another kind (an XLIFF, a TMX), or text without markup
            found = f" (its first element is <{first}>)" if first else ""
            raise InputError(f"{name}: not an HTML file: no HTML element found{found}")
        return _Reader(body, tokens, tokenizer.line_starts).document(prefix, encoding)


# -- decoding --------------------------------------------------------------------------------------------------


def _decode(data: bytes, name: str, encoding: str | None) -> tuple[bytes, str, str]:
    """(byte-order mark, encoding, text)."""
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            prefix, chosen, how = bom, codec, "its byte-order mark"
            break
    else:
        prefix = b""
        if b"\x00" in data:
            raise InputError(f"{name}: not an HTML file: it holds binary data")
        if encoding:
            chosen, how = encoding, "--encoding"
        else:
            declared = _META_CHARSET.search(data[:PRESCAN_BYTES])
            chosen, how = (declared.group(1).decode("ascii"), "its <meta charset>") if declared else ("utf-8", "")
    try:
        chosen = codecs.lookup(chosen).name
    except LookupError:
        raise InputError(f"{name}: unknown encoding {chosen!r} (from {how or 'the default'})") from None
    try:
        text = data[len(prefix) :].decode(chosen)
    except UnicodeDecodeError as error:
        if how:
            raise InputError(
                f"{name}: not valid {chosen} text (the encoding given by {how}) at byte {error.start + len(prefix)}"
            ) from None
        raise InputError(
            f"{name}: not valid UTF-8 at byte {error.start}; if it is in a legacy encoding, "
            f"give it with --encoding (e.g. --encoding windows-1256)"
        ) from None
    if "\x00" in text:
        raise InputError(f"{name}: not an HTML file: it holds binary data")
    return prefix, chosen, text


# -- reading ---------------------------------------------------------------------------------------------------


def _attributes(raw: str) -> list[tuple[str, int, int, str]]:
    """(name lower-cased, value start, value end, quote) for each attribute with a value, offsets into raw."""
    found: list[tuple[str, int, int, str]] = []
    head = _TAG_NAME.match(raw)
    if head is None:
        return found
    for match in _ATTRIBUTE.finditer(raw, head.end()):
        if match.group(3) is None:
            continue
        value = match.group(3)
        quote = value[0] if value[:1] in ("'", '"') else ""
        start, end = match.start(3), match.end(3)
        if quote:
            start, end = start + 1, end - 1
        found.append((match.group(1).lower(), start, end, quote))
    return found


class _Reader:
    """One pass over the tokens: runs of inline content, attribute segments and lang/dir edits."""

    def __init__(self, source: str, tokens: list[_Token], line_starts: list[int]):
        self.source = source
        self.tokens = tokens
        self.line_starts = line_starts
        self.block = "document"  # the last block element opened, for locations
        self.segments: list[Segment] = []
        self.edits: list[_Edit] = []  # top level
        self.pending: list[_Edit] = []  # attribute/lang/dir edits since the last run ended
        self.texts: dict[int, _TextSegment] = {}
        self.memories: dict[int, dict[str, str]] = {}
        self.locations: set[str] = set()
        self.run: list[_Piece] = []
        self.open: list[tuple[str, int]] = []  # inline elements open in the run: (name, index in run)

    def location(self, offset: int, what: str) -> str:
        line = bisect.bisect_right(self.line_starts, offset)
        column = offset - self.line_starts[line - 1] + 1
        base = f"line {line}:{column} {what}"
        candidate, n = base, 1
        while candidate in self.locations:
            n += 1
            candidate = f"{base} ({n})"
        self.locations.add(candidate)
        return candidate

    def document(self, prefix: bytes, encoding: str) -> HtmlDocument:
        index = 0
        tokens = self.tokens
        while index < len(tokens):
            token = tokens[index]
            name = token.name
            if token.kind in ("start", "startend"):
                raw = self.source[token.start : token.end]
                attrs = {key: value for key, value in token.attrs}
                skip = name in OPAQUE or name in UNTOUCHED_BLOCKS or attrs.get("translate") == "no"
                if skip:
                    end = index if token.kind == "startend" or name in VOID else self.matching_end(index)
                    if name in UNTOUCHED_BLOCKS or (name not in INLINE and name not in OPAQUE):
                        self.flush()  # an untouched block: a boundary, and nothing inside it is read
                    else:
                        self.piece("point", token.start, tokens[end].end)
                    index = end + 1
                    continue
                self.tag_edits(token, raw)
                if name in INLINE and token.kind == "start":
                    self.open.append((name, len(self.run)))
                    self.piece("open", token.start, token.end)
                elif name in POINTS or (name in INLINE and token.kind == "startend"):
                    self.piece("point", token.start, token.end)
                else:
                    self.flush()
                    self.block = name
            elif token.kind == "end":
                if name in INLINE and any(open_name == name for open_name, _ in self.open):
                    while self.open and self.open[-1][0] != name:  # misnested: the inner ones become points
                        _, position = self.open.pop()
                        self.run[position].kind = "point"
                    _, position = self.open.pop()
                    self.run[position].partner = len(self.run)
                    self.piece("close", token.start, token.end, partner=position)
                elif name in POINTS:
                    self.piece("point", token.start, token.end)
                else:
                    self.flush()
            elif token.kind == "data":
                self.piece("text", token.start, token.end, self.source[token.start : token.end])
            elif token.kind == "ref":
                raw = self.source[token.start : token.end]
                self.piece("text", token.start, token.end, html.unescape(raw))
            elif token.kind == "comment":
                self.piece("point", token.start, token.end)
            else:
                self.flush()
            index += 1
        self.flush()
        top = sorted(self.edits, key=lambda e: (e.start, e.end))
        return HtmlDocument(self.source, prefix, encoding, self.segments, top, self.texts, self.memories)

    def matching_end(self, index: int) -> int:
        """The index of the end tag that closes tokens[index] (same name, nesting counted), else the last."""
        name, depth = self.tokens[index].name, 0
        for position in range(index + 1, len(self.tokens)):
            token = self.tokens[position]
            if token.name == name and token.kind == "start":
                depth += 1
            elif token.name == name and token.kind == "end":
                if depth == 0:
                    return position
                depth -= 1
        return len(self.tokens) - 1

    def piece(self, kind: str, start: int, end: int, text: str = "", partner: int = -1) -> None:
        self.run.append(_Piece(kind, start, end, text, partner=partner))

    # attribute segments and lang/dir edits of one start tag
    def tag_edits(self, token: _Token, raw: str) -> None:
        attrs = {key: value for key, value in token.attrs}
        is_description = token.name == "meta" and (attrs.get("name") or "").lower() == "description"
        for key, start, end, quote in _attributes(raw):
            absolute = (token.start + start, token.start + end)
            value = html.unescape(raw[start:end])
            if key in ATTRIBUTES or (key == "content" and is_description):
                if _LETTER.search(value):
                    index = len(self.segments)
                    where = self.location(token.start, f"<{token.name} {key}>")
                    self.segments.append(Segment(where, value))
                    self.memories[index] = _memory(raw[start:end], value)
                    self.pending.append(_Edit(*absolute, "attr", index, quote))
            elif key == "lang" and (token.name == "html" or _arabic(value)):
                self.pending.append(_Edit(*absolute, "lang", quote=quote))
            elif key == "dir" and value.strip().lower() == "rtl":
                self.pending.append(_Edit(*absolute, "dir", quote=quote))
        if token.name == "html" and "lang" not in attrs:
            position = token.start + len("<html")
            self.pending.append(_Edit(position, position, "add-lang"))

    def flush(self) -> None:
        """End the current run: make a segment of it if it has words. Edits of the run's tags go with the
        segment; the others (tags outside it, or no segment) are top level."""
        self.segment_of(self.run)
        self.edits.extend(self.pending)
        self.run, self.open, self.pending = [], [], []

    def segment_of(self, run: list[_Piece]) -> None:
        """A segment of a run of inline content, if it has words (see the module docstring for what is left out)."""
        for piece in run:
            if piece.kind == "open" and piece.partner < 0:
                piece.kind = "point"
        first, last = 0, len(run) - 1
        while first <= last:
            if _blank(run[first]):
                first += 1
            elif _blank(run[last]):
                last -= 1
            elif run[first].kind == "open" and run[first].partner == last:
                first, last = first + 1, last - 1
            else:
                break
        if first > last or not any(p.kind == "text" and _LETTER.search(p.text) for p in run[first : last + 1]):
            return
        pieces = run[first : last + 1]
        start, end = pieces[0].start, pieces[-1].end
        if pieces[0].kind == "text" and pieces[0].text == self.source[pieces[0].start : pieces[0].end]:
            trimmed = pieces[0].text.lstrip(WHITESPACE)
            start += len(pieces[0].text) - len(trimmed)
            pieces[0] = _Piece("text", start, pieces[0].end, trimmed)
        if pieces[-1].kind == "text" and pieces[-1].text == self.source[pieces[-1].start : pieces[-1].end]:
            trimmed = pieces[-1].text.rstrip(WHITESPACE)
            end -= len(pieces[-1].text) - len(trimmed)
            pieces[-1] = _Piece("text", pieces[-1].start, end, trimmed)
        self.make_segment(pieces, start, end)

    def make_segment(self, pieces: list[_Piece], start: int, end: int) -> None:
        text: list[str] = []
        length = 0
        tags: list[Tag] = []
        spans: dict[str, _TagSource] = {}
        rank: dict[str, int] = {}
        ancestors: dict[str, frozenset[str]] = {}
        stack: list[tuple[str, int]] = []  # open tag ids with their text offsets
        memory: dict[str, str] = {}
        literal: set[str] = set()
        spaces: list[tuple[int, str]] = []
        for piece in pieces:
            if piece.kind == "text":
                raw = self.source[piece.start : piece.end]
                content = piece.text
                if raw != content:  # a character reference
                    memory.setdefault(content, raw)
                else:
                    literal.update(content)
                    content = _collapse(content, length, spaces)
                text.append(content)
                length += len(content)
                continue
            if piece.kind == "close":
                tag_id, tag_start = stack.pop()
                opening = spans[tag_id]
                spans[tag_id] = _TagSource(opening.start, opening.end, (piece.start, piece.end))
                tags.append(Tag(tag_id, tag_start, length))
                continue
            tag_id = f"t{len(rank) + 1}"
            rank[tag_id] = len(rank)
            ancestors[tag_id] = frozenset(i for i, _ in stack)
            spans[tag_id] = _TagSource(piece.start, piece.end)
            if piece.kind == "open":
                stack.append((tag_id, length))
            else:
                tags.append(Tag(tag_id, length, length, paired=False))
        index = len(self.segments)
        where = self.location(start, f"<{self.block}>")
        self.segments.append(Segment(where, "".join(text), tuple(sorted(tags, key=lambda t: rank[t.id]))))
        for character in literal:
            memory.pop(character, None)
        inside = [e for e in self.pending if start <= e.start and e.end <= end]
        self.texts[index] = _TextSegment(start, end, spans, SourceOrder(rank, ancestors), memory, inside, spaces)
        self.pending = [e for e in self.pending if not start <= e.start <= end]
        self.edits.append(_Edit(start, end, "text", index))


def _collapse(text: str, offset: int, spaces: list[tuple[int, str]]) -> str:
    """Whitespace runs other than one space become one space (line breaks inside a paragraph must not split a
    sentence in two); ``spaces`` records each run at its offset, so the identity translation gets them back."""
    out: list[str] = []
    position = length = 0
    for match in _SPACES.finditer(text):
        out.append(text[position : match.start()])
        length += match.start() - position
        if match.group(0) != " ":
            spaces.append((offset + length, match.group(0)))
        out.append(" ")
        length += 1
        position = match.end()
    out.append(text[position:])
    return "".join(out)


def _expand(text: str, tags: Sequence[Tag], spaces: list[tuple[int, str]]) -> tuple[str, tuple[Tag, ...]]:
    """The segment's own text with its whitespace runs back, tags moved with it (for the identity translation)."""

    def moved(offset: int) -> int:  # past every run that starts before the offset
        return offset + sum(len(run) - 1 for position, run in spaces if position < offset)

    out, position = [], 0
    for offset, run in spaces:
        out.append(text[position:offset])
        out.append(run)
        position = offset + 1
    out.append(text[position:])
    return "".join(out), tuple(Tag(t.id, moved(t.start), moved(t.end), t.paired) for t in tags)


def _blank(piece: _Piece) -> bool:
    return piece.kind == "point" or (piece.kind == "text" and not piece.text.strip(WHITESPACE))


def _arabic(code: str) -> bool:
    return is_arabic(code)


def _memory(raw: str, value: str) -> dict[str, str]:
    """Characters that ``raw`` (an attribute value as written) wrote as references, and how."""
    memory: dict[str, str] = {}
    literal: set[str] = set()
    for match in re.finditer(r"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[A-Za-z][A-Za-z0-9]*;?)|[^&]+|&", raw):
        piece = match.group(0)
        if piece.startswith("&") and len(piece) > 1:
            decoded = html.unescape(piece)
            if len(decoded) == 1 and decoded != piece:
                memory.setdefault(decoded, piece)
                continue
        literal.update(piece)
    for character in literal:
        memory.pop(character, None)
    return memory


# -- writing ---------------------------------------------------------------------------------------------------


class _Writer:
    def __init__(self, document: HtmlDocument, translations: Sequence[TranslatedSegment], target: str):
        self.document = document
        self.source = document.source
        self.translations = translations
        self.target = target
        self.encoding = document.encoding

    def range(self, start: int, end: int, edits: Sequence[_Edit]) -> str:
        out: list[str] = []
        position = start
        for edit in edits:
            if edit.start < position or edit.end > end:
                continue
            out.append(self.source[position : edit.start])
            out.append(self.edit(edit))
            position = edit.end
        out.append(self.source[position:end])
        return "".join(out)

    def edit(self, edit: _Edit) -> str:
        if edit.kind == "text":
            return self.text_segment(edit.segment)
        if edit.kind == "attr":
            translated = self.translations[edit.segment].text
            return self.attribute(translated, edit.quote, self.document.memories.get(edit.segment, {}))
        if edit.kind == "lang":
            return self.attribute(self.target, edit.quote, {}) if self.target else self.source[edit.start : edit.end]
        if edit.kind == "dir":  # English and Chinese are written left to right
            return "ltr" if self.target else self.source[edit.start : edit.end]
        if edit.kind == "add-lang":
            return f' lang="{html.escape(self.target)}"' if self.target else ""
        raise ValueError(edit.kind)

    def attribute(self, value: str, quote: str, memory: dict[str, str]) -> str:
        escaped = "".join(self.character(c, memory, attribute_quote=quote or '"') for c in value)
        if quote or _UNQUOTED_SAFE.fullmatch(escaped):
            return escaped
        # an unquoted value that now needs quotes: the replacement covers the value only, so quote it here
        return '"' + escaped + '"'

    def character(self, c: str, memory: dict[str, str], attribute_quote: str = "") -> str:
        if c in memory:
            return memory[c]
        if c == "&":
            return "&amp;"
        if c == "<" and not attribute_quote:
            return "&lt;"
        if attribute_quote and c == attribute_quote:
            return "&quot;" if c == '"' else "&#39;"
        try:
            c.encode(self.encoding)
        except UnicodeEncodeError:
            return f"&#{ord(c)};"
        return c

    def text_segment(self, index: int) -> str:
        info = self.document.texts[index]
        translation = self.translations[index]
        text = translation.text
        tags = complete_tags(translation.segment.tags, translation.tags, len(text))
        if text == translation.segment.text and info.spaces:  # unchanged: its own line breaks and indents back
            text, tags = _expand(text, tags, info.spaces)
        tree = build_tree(text, tags, info.order)
        out: list[str] = []
        self.node(tree, info, out)
        return "".join(out)

    def node(self, node: Node, info: _TextSegment, out: list[str]) -> None:
        for child in node.children:
            if isinstance(child, str):
                out.append("".join(self.character(c, info.memory) for c in child))
                continue
            where = info.tags[child.tag_id]
            out.append(self.range(where.start, where.end, info.edits))
            self.node(child, info, out)
            if where.close is not None:
                out.append(self.source[where.close[0] : where.close[1]])
