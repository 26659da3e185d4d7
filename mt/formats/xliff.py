"""XLIFF 1.2 and 2.0/2.1: each translatable unit's source becomes a segment; its translation a new target.

XLIFF 1.2: every ``trans-unit`` with a ``source`` (not under ``translate="no"``) is a segment, located "unit ID";
its target gets ``state="needs-review-translation"`` (or ``FormatOptions.state``) and
``state-qualifier="mt-suggestion"``, and each ``file`` gets ``target-language``. A segment quality estimation
flagged (mt translate --qe) gets ``needs-review-translation`` whatever the option, and its unit a
``<note from="mt-qe">`` naming the risk and the reasons; 2.x: the segment gets ``subState="mt-qe:needs-review"``
and its unit a ``<note category="mt-qe">``.
XLIFF 2.x: every ``segment`` of a ``unit`` is a segment, located "unit ID segment N" (N counts the unit's
segments from 1); the segment gets ``state="translated"`` (or the option), the unit a review note
(``<notes><note category="mt">``), the root ``trgLang``.
With several ``file`` elements, locations start "file ID " (the 1.2 ``original``, the 2.x ``id``).

Inline codes become tags with their own ids: 1.2 ``g`` and ``mrk`` (``mid``) and 2.x ``pc`` and ``mrk`` wrap
words (paired); ``x bx ex ph it`` (1.2) and ``ph cp`` (2.x) are points; a ``bpt``/``ept`` pair (matched by
``rid``, else ``id``) or an ``sc``/``ec`` or ``sm``/``em`` pair (``startRef``) among the same siblings is one
paired tag, an unmatched one a point. The content of native codes (``bpt ept ph it``, 2.x ``ph``) is copied
verbatim. Existing non-empty targets are left alone (their segments are not translated) unless
``overwrite_targets``; an empty ``<target/>`` is filled.

Writing edits the parsed tree and serialises only the root element: the bytes before it (declaration, BOM,
comments, doctype) and after it are the input's own. lxml writes the root in its style, so an input written
otherwise changes there: ``<a />`` -> ``<a/>``, ``<a></a>`` -> ``<a/>``, single-quoted attributes double-quoted,
character references (``&#1575;``) written as characters, ``>`` in text as ``&gt;``. A file in an encoding that
is not ASCII-compatible (UTF-16) is written whole by lxml, declaration included.

Segments are read whatever source language the file declares (1.2 ``source-language``, 2.x ``srcLang``): as in
every format, the translator leaves a segment without Arabic letters as it is (``TranslatedSegment.kept``), and
this writer gives such a segment no target, so an English-source file comes back unchanged, each segment reported
"kept: no Arabic". Segment marks (``mrk mtype="seg"``) are found at any depth of a seg-source, inside the ``g``
that Trados SDLXLIFF and matecat wrap them in; a target's mark of the same mid is filled at any depth, and a
target without marks first gets the seg-source's layout, wrappers included. A rewritten target whose ``xml:lang``
names another language gets the target language; with ``overwrite_targets`` the file's ``target-language``
(``trgLang``) is replaced too, where without it a file for another language is refused.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Callable, Sequence

from lxml import etree

from mt.errors import InputError
from mt.formats.document import Document, DocumentFormat, FormatOptions, Segment, Tag, TranslatedSegment
from mt.formats.interchange import XLIFF_2, XLIFF_12
from mt.formats.language import XML_LANG, same_language
from mt.formats.tagtree import Node, SourceOrder, build_tree, complete_tags
from mt.formats.xml import parse_xml_bytes
from mt.results import review_note

VERSIONS_2 = ("2.0", "2.1")

STATES_12 = (
    "new",
    "needs-translation",
    "needs-l10n",
    "needs-adaptation",
    "translated",
    "needs-review-translation",
    "needs-review-l10n",
    "needs-review-adaptation",
    "final",
    "signed-off",
)
STATES_2 = ("initial", "translated", "reviewed", "final")
DEFAULT_STATE_12 = "needs-review-translation"
DEFAULT_STATE_2 = "translated"
MT_NOTE = "Machine translation (Tarjama): review before use."
# quality estimation (mt translate --qe) flagged the segment: 1.2 state and note, 2.x subState and note category
REVIEW_STATE = "needs-review-translation"
REVIEW_SUBSTATE = "mt-qe:needs-review"
QE_CATEGORY = "mt-qe"

_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class _Dialect:
    """What differs between XLIFF 1.2 and 2.x inline markup."""

    paired: frozenset[str]  # elements that wrap translatable content
    points: frozenset[str]  # empty or native-code elements: one point each
    openers: dict[str, str]  # pair start element -> its end element
    key_open: Callable[[etree._Element], str | None]  # how a start and an end are matched
    key_close: Callable[[etree._Element], str | None]
    tag_id: Callable[[etree._Element], str | None]  # the element's own id


_V12 = _Dialect(
    paired=frozenset({"g", "mrk"}),
    points=frozenset({"x", "bx", "ex", "ph", "it", "bpt", "ept"}),
    openers={"bpt": "ept"},
    key_open=lambda e: e.get("rid") or e.get("id"),
    key_close=lambda e: e.get("rid") or e.get("id"),
    tag_id=lambda e: e.get("mid") if etree.QName(e).localname == "mrk" else e.get("id"),
)
_V2 = _Dialect(
    paired=frozenset({"pc", "mrk"}),
    points=frozenset({"ph", "cp", "sc", "ec", "sm", "em"}),
    openers={"sc": "ec", "sm": "em"},
    key_open=lambda e: None if e.get("isolated") == "yes" else e.get("id"),
    key_close=lambda e: None if e.get("isolated") == "yes" else e.get("startRef"),
    tag_id=lambda e: e.get("id") or e.get("startRef"),
)


@dataclass
class _Inline:
    """How to write one tag of a segment back: the element(s) to copy, and whether they wrap content."""

    start: etree._Element
    end: etree._Element | None = None  # the closing element of a bpt/ept, sc/ec, sm/em pair
    wraps: bool = False  # g, pc, mrk: a shallow copy that holds the content


@dataclass
class _Unit:
    """One translatable source: where it is in the tree and how its tags are written."""

    container: etree._Element  # 1.2 trans-unit, 2.x segment
    unit: etree._Element  # 1.2 trans-unit, 2.x unit
    file: etree._Element
    source: etree._Element  # 1.2 segmented: the seg-source's mrk
    target: etree._Element | None  # 1.2 segmented: the target's mrk of the same mid, else the whole target
    inline: dict[str, _Inline] = field(default_factory=dict)
    order: SourceOrder = SourceOrder()
    seg_source: etree._Element | None = None  # 1.2 segmented: the unit's seg-source
    mid: str | None = None  # 1.2 segmented: the segment's mid


class XliffDocument(Document):
    def __init__(
        self, data: bytes, name: str, root: etree._Element, version: str, segments: list[Segment], units: list[_Unit]
    ):
        self.data = data
        self.name = name
        self.root = root
        self.version = version  # "1.2" or "2.x"
        self.segments = segments
        self._units = units

    def render(self, translations: Sequence[TranslatedSegment], options: FormatOptions) -> bytes:
        if len(translations) != len(self.segments):
            raise ValueError(f"{len(translations)} translations for {len(self.segments)} segments")
        target = options.target or ""
        root = copy.deepcopy(self.root)  # render may be called more than once (to en, to zh)
        units = _remap(self.root, root, self._units)
        v12 = self.version == "1.2"
        state = _state(options.state, v12)
        written = [(unit, translation) for unit, translation in zip(units, translations) if translation.kept is None]
        if not written:  # nothing to write (every segment kept as it is): the input's own bytes
            return self.data
        if v12:
            for file in dict.fromkeys(unit.file for unit, _ in written):
                _set_language(file, "target-language", target, self.name, options.overwrite_targets)
        elif written:
            _set_language(root, "trgLang", target, self.name, options.overwrite_targets)
        noted: set[int] = set()
        for unit, translation in written:  # a segment kept as it is (no Arabic) gets no target
            if unit.mid is not None:
                holder, element = _segment_target_for(unit)
            else:
                holder = element = _target_for(unit, v12)
            _write_inline(element, translation, unit)
            _retag_language(holder, target)
            review = review_note(translation.sentences)
            if v12:
                holder.set("state", REVIEW_STATE if review else state)
                holder.set("state-qualifier", "mt-suggestion")
                if review:
                    _add_note_12(unit.unit, review)
            else:
                unit.container.set("state", state)
                if id(unit.unit) not in noted:
                    noted.add(id(unit.unit))
                    _add_note(unit.unit)
                if review:
                    unit.container.set("subState", REVIEW_SUBSTATE)
                    _add_note(unit.unit, review, QE_CATEGORY)
        return _serialise(self.data, root)


class XliffFormat(DocumentFormat):
    name = "xliff"
    extensions = (".xlf", ".xliff")

    def parse(self, data: bytes, name: str, options: FormatOptions) -> Document:
        root = parse_xml_bytes(data, name)
        qname = etree.QName(root)
        if qname.localname != "xliff":
            raise InputError(f"{name}: not an XLIFF file (its root element is <{qname.localname}>, not <xliff>)")
        version = root.get("version", "")
        if qname.namespace == XLIFF_12 and version in ("1.2", ""):
            units = list(_units_12(root, name))
            dialect = _V12
        elif qname.namespace == XLIFF_2 and (version == "" or version.startswith(VERSIONS_2)):
            units = list(_units_2(root))
            dialect = _V2
        else:
            raise InputError(
                f"{name}: XLIFF version {version or '?'} (namespace {qname.namespace or 'none'}) is not "
                f"supported; mt reads XLIFF 1.2, 2.0 and 2.1"
            )
        segments: list[Segment] = []
        kept: list[_Unit] = []
        locations: set[str] = set()
        for location, unit in units:
            if unit.target is not None and _has_content(unit.target) and not options.overwrite_targets:
                continue
            text, tags = _read_inline(unit.source, dialect, unit)
            if not _LETTER.search(text):
                continue
            location = _unique(location, locations)
            segments.append(Segment(location, text, tuple(tags)))
            kept.append(unit)
        return XliffDocument(data, name, root, "1.2" if dialect is _V12 else "2.x", segments, kept)


# -- reading ---------------------------------------------------------------------------------------------------


def _translatable(element: etree._Element, stop: etree._Element) -> bool:
    """No ``translate="no"`` on the element or an ancestor up to ``stop``."""
    node: etree._Element | None = element
    while node is not None:
        if node.get("translate") == "no":
            return False
        if node is stop:
            return True
        node = node.getparent()
    return True


def _file_prefix(files: list[etree._Element], file: etree._Element, key: str) -> str:
    if len(files) < 2:
        return ""
    return f"file {file.get(key) or files.index(file) + 1} "


def _units_12(root: etree._Element, name: str):
    ns = {"x": XLIFF_12}
    files = root.findall("x:file", ns)
    for file in files:
        prefix = _file_prefix(files, file, "original")
        for unit in file.iterfind(".//x:trans-unit", ns):
            source = unit.find("x:source", ns)
            if source is None or not _translatable(unit, file):
                continue
            target = unit.find("x:target", ns)
            seg_source = unit.find("x:seg-source", ns)
            marks = _segment_marks(seg_source) if seg_source is not None else {}
            if not marks:
                yield f"{prefix}unit {unit.get('id', '?')}", _Unit(unit, unit, file, source, target)
                continue
            # segmented by a CAT tool: each mrk mtype="seg" of the seg-source is a segment, its translation goes
            # into the target's mrk of the same mid; a target without such marks is the unit's whole translation
            done = _segment_marks(target) if target is not None else {}
            for mid, mark in marks.items():
                yield (
                    f"{prefix}unit {unit.get('id', '?')} segment {mid}",
                    _Unit(unit, unit, file, mark, done.get(mid) if done else target, seg_source=seg_source, mid=mid),
                )


def _units_2(root: etree._Element):
    ns = {"x": XLIFF_2}
    files = root.findall("x:file", ns)
    for file in files:
        prefix = _file_prefix(files, file, "id")
        for unit in file.iterfind(".//x:unit", ns):
            if not _translatable(unit, file):
                continue
            for number, segment in enumerate(unit.findall("x:segment", ns), 1):
                source = segment.find("x:source", ns)
                if source is None:
                    continue
                yield (
                    f"{prefix}unit {unit.get('id', '?')} segment {number}",
                    _Unit(segment, unit, file, source, segment.find("x:target", ns)),
                )


def _segment_marks(element: etree._Element) -> dict[str, etree._Element]:
    """The XLIFF 1.2 segment markers (``mrk mtype="seg"``) of a seg-source or target by mid, in document order,
    at any depth: CAT tools wrap them in ``g`` (Trados SDLXLIFF, matecat). A marker inside another is content."""
    marks: dict[str, etree._Element] = {}
    pending = list(reversed(element))
    while pending:
        node = pending.pop()
        if _local(node) == "mrk" and node.get("mtype") == "seg":
            marks.setdefault(node.get("mid", ""), node)
        else:
            pending.extend(reversed(node))
    return marks


def _has_content(element: etree._Element) -> bool:
    return bool((element.text or "").strip()) or len(element) > 0


def _unique(location: str, seen: set[str]) -> str:
    candidate, n = location, 1
    while candidate in seen:
        n += 1
        candidate = f"{location} ({n})"
    seen.add(candidate)
    return candidate


def _local(element) -> str | None:
    return etree.QName(element).localname if isinstance(element.tag, str) else None


def _pairs(parent: etree._Element, dialect: _Dialect) -> dict[etree._Element, etree._Element]:
    """Start element -> end element, for pair starts whose end is a later sibling, properly nested among the
    other pairs of the same level (a crossing pair stays two points)."""
    pairs: dict[etree._Element, etree._Element] = {}
    open_: list[tuple[str, str, etree._Element]] = []  # (end element name, key, start)
    for child in parent:
        name = _local(child)
        if name in dialect.openers and (opened := dialect.key_open(child)) is not None:
            open_.append((dialect.openers[name], opened, child))
        elif name in dialect.openers.values() and (key := dialect.key_close(child)) is not None:
            for depth in range(len(open_) - 1, -1, -1):
                if open_[depth][0] == name and open_[depth][1] == key:
                    if depth == len(open_) - 1:  # innermost: properly nested
                        pairs[open_[depth][2]] = child
                    del open_[depth:]  # crossing or not, pairs opened inside it can no longer close cleanly
                    break
    return pairs


class _Reader:
    """Walks a source element: text in order, and a tag for every inline code."""

    def __init__(self, dialect: _Dialect, unit: _Unit):
        self.dialect = dialect
        self.unit = unit
        self.text: list[str] = []
        self.length = 0
        self.tags: list[Tag] = []
        self.rank: dict[str, int] = {}
        self.ancestors: dict[str, frozenset[str]] = {}
        self.counter = 0

    def add_text(self, text: str | None) -> None:
        if text:
            self.text.append(text)
            self.length += len(text)

    def new_id(self, element: etree._Element) -> str:
        own = self.dialect.tag_id(element)
        tag_id = own if own and own not in self.rank else f"{_local(element)}#{self.counter}"
        self.counter += 1
        return tag_id

    def open(self, tag_id: str, inline: _Inline, within: tuple[str, ...]) -> None:
        self.rank[tag_id] = len(self.rank)
        self.ancestors[tag_id] = frozenset(within)
        self.unit.inline[tag_id] = inline

    def walk(self, parent: etree._Element, within: tuple[str, ...]) -> None:
        self.add_text(parent.text)
        pairs = _pairs(parent, self.dialect)
        ends = {end: start for start, end in pairs.items()}
        stack: list[tuple[str, int]] = []  # open bpt/ept-style pairs at this level: (tag id, start offset)
        for child in parent:
            name = _local(child)
            inner = within + tuple(tag_id for tag_id, _ in stack)
            if name is None:  # a comment or processing instruction inside the source: kept as a point
                tag_id = f"node#{self.counter}"
                self.counter += 1
                self.open(tag_id, _Inline(child), inner)
                self.tags.append(Tag(tag_id, self.length, self.length, paired=False))
            elif child in pairs:
                tag_id = self.new_id(child)
                self.open(tag_id, _Inline(child, pairs[child]), inner)
                stack.append((tag_id, self.length))
            elif child in ends:
                tag_id, start = stack.pop()
                self.tags.append(Tag(tag_id, start, self.length))
            elif name in self.dialect.paired and not _protected(child):
                tag_id = self.new_id(child)
                self.open(tag_id, _Inline(child, wraps=True), inner)
                start = self.length
                self.walk(child, inner + (tag_id,))
                self.tags.append(Tag(tag_id, start, self.length))
            else:  # a point, or an element XLIFF does not define here: copied whole, as a point
                tag_id = self.new_id(child)
                self.open(tag_id, _Inline(child), inner)
                self.tags.append(Tag(tag_id, self.length, self.length, paired=False))
            self.add_text(child.tail)


def _protected(element: etree._Element) -> bool:
    """A marker whose content must not be translated (1.2 ``mtype="protected"``, 2.x ``translate="no"``):
    copied whole, as a point."""
    return element.get("mtype") == "protected" or element.get("translate") == "no"


def _read_inline(source: etree._Element, dialect: _Dialect, unit: _Unit) -> tuple[str, list[Tag]]:
    reader = _Reader(dialect, unit)
    reader.walk(source, ())
    unit.order = SourceOrder(reader.rank, reader.ancestors)
    tags = sorted(reader.tags, key=lambda t: reader.rank[t.id])
    return "".join(reader.text), tags


# -- writing ---------------------------------------------------------------------------------------------------


def _remap(old_root: etree._Element, new_root: etree._Element, units: list[_Unit]) -> list[_Unit]:
    """The units' elements in a deep copy of the tree (same positions)."""
    mapping = {old: new for old, new in zip(old_root.iter(), new_root.iter())}
    remapped = []
    for unit in units:
        inline = {
            key: _Inline(mapping[value.start], mapping.get(value.end) if value.end is not None else None, value.wraps)
            for key, value in unit.inline.items()
        }
        remapped.append(
            _Unit(
                mapping[unit.container],
                mapping[unit.unit],
                mapping[unit.file],
                mapping[unit.source],
                mapping[unit.target] if unit.target is not None else None,
                inline,
                unit.order,
                mapping[unit.seg_source] if unit.seg_source is not None else None,
                unit.mid,
            )
        )
    return remapped


def _state(state: str | None, v12: bool) -> str:
    if state is None:
        return DEFAULT_STATE_12 if v12 else DEFAULT_STATE_2
    allowed = STATES_12 if v12 else STATES_2
    if state in allowed or (v12 and state.startswith("x-")):
        return state
    version = "1.2" if v12 else "2.x"
    raise InputError(f"--state {state!r} is not an XLIFF {version} state; choose one of {', '.join(allowed)}")


def _set_language(element: etree._Element, attribute: str, target: str, name: str, replace: bool = False) -> None:
    """Set the target language; one the file already names is kept when it is the same language (en-US for
    en), refused when it is another unless ``replace`` (--overwrite-targets: every target is rewritten)."""
    current = element.get(attribute)
    if current and target and not same_language(current, target):
        if not replace:
            raise InputError(
                f"{name}: the file's {attribute} is {current!r}, not {target!r}; translate it to "
                f"{current}, remove {attribute} or use --overwrite-targets"
            )
        element.set(attribute, target)
    if not current and target:
        element.set(attribute, target)


def _target_for(unit: _Unit, v12: bool) -> etree._Element:
    """The unit's target, emptied; a new one right after the source (1.2: after seg-source) if it had none."""
    target = unit.target
    if target is not None:
        for child in list(target):
            target.remove(child)
        target.text = None
        return target
    anchor = unit.seg_source if unit.seg_source is not None else unit.source
    following = anchor.getnext()
    if v12 and following is not None and _local(following) == "seg-source":
        anchor = following
    target = etree.Element(f"{{{etree.QName(unit.source).namespace}}}target")
    target.tail = anchor.tail
    if anchor.getnext() is None:  # the last child: the new target takes the closing indentation
        previous, parent = anchor.getprevious(), anchor.getparent()
        before = previous.tail if previous is not None else parent.text if parent is not None else None
        if before is not None and not before.strip():
            anchor.tail = before
    anchor.addnext(target)
    unit.target = target
    return target


def _segment_target_for(unit: _Unit) -> tuple[etree._Element, etree._Element]:
    """A segmented 1.2 unit's target and its mrk for this segment, emptied. A target without segment marks (none
    yet, empty, or overwritten) first gets the seg-source's layout: its marks, the wrappers around them (``g``)
    and the text between them, the marks' source content kept until their segment is written (a mark without
    letters stays as it is, as a number would in a translation)."""
    seg_source, mid = unit.seg_source, unit.mid
    if seg_source is None or mid is None:
        raise ValueError("not a segmented XLIFF 1.2 unit (no seg-source and mid)")
    target = unit.unit.find(f"{{{XLIFF_12}}}target")
    if target is None:
        target = _target_for(unit, True)
    marks = _segment_marks(target)
    if not marks:
        for child in list(target):
            target.remove(child)
        target.text = seg_source.text
        for child in seg_source:
            target.append(copy.deepcopy(child))
        marks = _segment_marks(target)
    mark = marks.get(mid)
    if mark is None:  # the target lacks this segment's mark: added at the end
        mark = etree.SubElement(target, f"{{{XLIFF_12}}}mrk", mtype="seg", mid=mid)
    for child in list(mark):
        mark.remove(child)
    mark.text = None
    return target, mark


def _retag_language(target: etree._Element, language: str) -> None:
    """A rewritten target in another language than its ``xml:lang`` says (``--overwrite-targets`` over German)
    gets the target language's tag; one of the same language (en-US for en) is kept."""
    current = target.get(XML_LANG)
    if current and language and not same_language(current, language):
        target.set(XML_LANG, language)


def _add_note_12(unit: etree._Element, text: str) -> None:
    """A 1.2 trans-unit's note from quality estimation (after its other children, as the schema orders them)."""
    last = unit[-1] if len(unit) else None
    note = etree.SubElement(unit, f"{{{XLIFF_12}}}note", {"from": QE_CATEGORY})
    note.text = text
    if last is not None:  # indented like its siblings
        previous = last.getprevious()
        note.tail, last.tail = last.tail, (previous.tail if previous is not None else unit.text)


def _add_note(unit: etree._Element, text: str = MT_NOTE, category: str = "mt") -> None:
    """A note on a 2.x unit, in its notes (created before originalData and the segments if missing)."""
    ns = f"{{{XLIFF_2}}}"
    notes = unit.find(f"{ns}notes")
    if notes is None:
        notes = etree.Element(f"{ns}notes")
        first = next((child for child in unit if _local(child) in ("originalData", "segment", "ignorable")), None)
        if first is None:
            unit.append(notes)
        else:
            first.addprevious(notes)
            previous = notes.getprevious()
            before = previous.tail if previous is not None else unit.text
            notes.tail = before if before is not None and not before.strip() else None
    last = notes[-1] if len(notes) else None
    note = etree.SubElement(notes, f"{ns}note", category=category)
    note.text = text
    if last is not None and notes.text is not None and not notes.text.strip():  # indented like its siblings
        note.tail, last.tail = last.tail, notes.text


def _write_inline(target: etree._Element, translation: TranslatedSegment, unit: _Unit) -> None:
    tags = complete_tags(translation.segment.tags, translation.tags, len(translation.text))
    tree = build_tree(translation.text, tags, unit.order)
    _fill(target, tree, unit)


def _append_text(parent: etree._Element, text: str) -> None:
    if not text:
        return
    if len(parent):
        last = parent[-1]
        last.tail = (last.tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def _copy_alone(element: etree._Element) -> etree._Element:
    """A deep copy of an element without its tail (native-code content and attributes kept verbatim)."""
    duplicate = copy.deepcopy(element)
    duplicate.tail = None
    return duplicate


def _fill(parent: etree._Element, node: Node, unit: _Unit) -> None:
    for child in node.children:
        if isinstance(child, str):
            _append_text(parent, child)
            continue
        inline = unit.inline[child.tag_id]
        if inline.wraps:
            element = etree.SubElement(parent, inline.start.tag, attrib=dict(inline.start.attrib))
            _fill(element, child, unit)
        elif inline.end is not None:
            parent.append(_copy_alone(inline.start))
            _fill(parent, child, unit)
            parent.append(_copy_alone(inline.end))
        else:
            parent.append(_copy_alone(inline.start))
            _fill(parent, child, unit)  # an empty point has no children; kept for a paired tag cut to a point


def _prolog_end(data: bytes) -> int:
    """Where the root element starts: after the BOM, declaration, comments, processing instructions, doctype."""
    position = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    while True:
        while position < len(data) and data[position : position + 1] in b" \t\r\n":
            position += 1
        if data.startswith(b"<?", position):
            position = data.index(b"?>", position) + 2
        elif data.startswith(b"<!--", position):
            position = data.index(b"-->", position) + 3
        elif data.startswith(b"<!", position):  # doctype, with an internal subset in brackets
            bracket, close = data.find(b"[", position), data.index(b">", position)
            if 0 <= bracket < close:
                close = data.index(b">", data.index(b"]", bracket))
            position = close + 1
        else:
            return position


def _epilog_start(data: bytes) -> int:
    """Where what follows the root element (comments, processing instructions, whitespace) starts."""
    end = len(data)
    while True:
        stripped = data[:end].rstrip(b" \t\r\n")
        if stripped.endswith(b"-->"):
            end = stripped.rindex(b"<!--")
        elif stripped.endswith(b"?>"):
            end = stripped.rindex(b"<?")
        else:
            return len(stripped)


def _serialise(data: bytes, root: etree._Element) -> bytes:
    """The edited root between the input's own prolog and epilog bytes."""
    encoding = root.getroottree().docinfo.encoding or "UTF-8"
    try:
        ascii_compatible = "a".encode(encoding) == b"a" and not encoding.lower().startswith("utf-16")
    except LookupError:
        ascii_compatible = False
    if not ascii_compatible:
        return etree.tostring(root.getroottree(), encoding=encoding, xml_declaration=True)
    body = etree.tostring(root, encoding=encoding, xml_declaration=False, with_tail=False)
    return data[: _prolog_end(data)] + body + data[_epilog_start(data) :]
