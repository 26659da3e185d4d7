"""One Word paragraph (``w:p``) as one segment, and the paragraph rebuilt from its translation.

Reading flattens the paragraph's runs into text and inline pieces:

- text (``w:t``) of runs whose properties are equal once rsids, ``w:lang`` and ``w:noProof`` are ignored reads
  as one stretch; a stretch formatted unlike its surroundings (the paragraph's, or its hyperlink's, most common
  run properties) becomes a paired ``fmt`` tag that carries its ``w:rPr``;
- containers around runs (``w:hyperlink``, ``w:fldSimple``, inline ``w:sdt``, ``w:smartTag``, ``w:customXml``,
  ``w:ins``) and complex fields (``w:fldChar`` begin ... separate ... end: the field code is kept as it is, the
  result is translated) become paired tags over their text; one without text is a point;
- everything else is a point kept verbatim: ``w:br``/``w:tab``/``w:cr`` (which also read as a space, so that
  "line one<br/>line two" is not one word to the model), drawings and text boxes, footnote and comment
  references, bookmarks, comment ranges, symbols, deleted text, maths, fields without a result;
- spell-check marks (``w:proofErr``, ``w:lastRenderedPageBreak``) are dropped from a rebuilt paragraph: they
  describe the Arabic text.

Writing keeps the ``w:p`` element, its attributes and ``w:pPr``, and rebuilds the rest from the target text and
the placed tags: the text between tags becomes runs with the enclosing tag's properties, each container is put
back (attributes and properties as read) around its target span, each point at its target offset (inside the
tag it was in, when that tag still covers the offset).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from lxml import etree

from mt.formats.document import Segment, Tag, TranslatedSegment
from mt.formats.docx.ooxml import XML_SPACE, is_w, local, w

CONTAINERS = ("hyperlink", "fldSimple", "sdt", "smartTag", "customXml", "ins", "moveTo", "dir", "bdo")
BREAKS = ("br", "tab", "cr", "ptab")
DROPPED = ("proofErr", "lastRenderedPageBreak")
PROPERTIES = ("sdtPr", "sdtEndPr", "smartTagPr", "customXmlPr", "fldData")  # a container's own, kept with it
_IGNORED_RPR = ("lang", "noProof")


# ---- what a paragraph is made of ------------------------------------------------------------------------------


@dataclass
class _Text:
    text: str
    rpr: etree._Element | None
    key: str


@dataclass
class _Point:
    """Inline content kept as it is: run children (wrapped in a run with ``rpr`` when written) or elements."""

    kind: str
    pieces: list[tuple[etree._Element | None, etree._Element, bool]]  # (rPr, element, in a run)
    breaks: bool = False


@dataclass
class _FieldChar:
    rpr: etree._Element | None
    element: etree._Element
    char: str  # begin, separate, end; "" for w:instrText and other field-code run children


@dataclass
class _Box:
    """A container element or a complex field, around items."""

    kind: str  # link, field, sdt, ...
    items: list
    element: etree._Element | None = None  # the container (None for a complex field)
    holder: etree._Element | None = None  # where its runs go (sdt: its w:sdtContent)
    begin: list[_FieldChar] = field(default_factory=list)  # complex field: begin ... separate
    end: list[_FieldChar] = field(default_factory=list)


def rpr_key(rpr: etree._Element | None) -> str:
    """Run properties as a comparable string, ignoring what Word changes for spell-check (lang, noProof, rsids)."""
    if rpr is None:
        return ""
    clean = copy.deepcopy(rpr)
    for child in list(clean):
        if local(child) in _IGNORED_RPR or not isinstance(child.tag, str):
            clean.remove(child)
    for element in clean.iter():
        for name in [name for name in element.attrib if etree.QName(name).localname.startswith("rsid")]:
            del element.attrib[name]
    return etree.tostring(clean, method="c14n").decode() if len(clean) else ""


def _run_items(run: etree._Element) -> list:
    rpr = run.find(w("rPr"))
    key = rpr_key(rpr)
    items: list = []
    for child in run:
        if not isinstance(child.tag, str) or is_w(child, "rPr") or local(child) in DROPPED:
            continue
        if is_w(child, "t"):
            if child.text:
                items.append(_Text(child.text, rpr, key))
        elif is_w(child, "fldChar"):
            items.append(_FieldChar(rpr, child, child.get(w("fldCharType"), "")))
        elif is_w(child, "instrText", "delInstrText"):
            items.append(_FieldChar(rpr, child, ""))
        else:
            items.append(_Point(local(child), [(rpr, child, True)], breaks=local(child) in BREAKS))
    return items


def _container_items(element: etree._Element) -> tuple[etree._Element, list]:
    holder = element.find(w("sdtContent")) if is_w(element, "sdt") else element
    if holder is None:
        return element, []
    return holder, _level_items(holder)


def _level_items(parent: etree._Element) -> list:
    items: list = []
    for child in parent:
        if not isinstance(child.tag, str) or local(child) in DROPPED or is_w(child, "pPr"):
            continue
        if is_w(child, "r"):
            items += _run_items(child)
        elif is_w(child, *CONTAINERS):
            holder, inner = _container_items(child)
            items.append(_Box(local(child), inner, child, holder))
        elif is_w(child, *PROPERTIES):
            continue  # a container's own properties: kept in place by the container
        else:
            items.append(_Point(local(child), [(None, child, False)]))
    return _group_fields(items)


def _group_fields(items: list) -> list:
    """Complex fields whose begin, separate and end are all at this level become boxes around their result;
    field characters that are not (a field split across paragraphs) become points."""
    out: list = []
    index = 0
    while index < len(items):
        item = items[index]
        if isinstance(item, _FieldChar) and item.char == "begin":
            separate, end = _field_bounds(items, index)
            if end is not None:
                if separate is None:
                    out.append(_Point("field", _field_pieces(items[index : end + 1])))
                else:
                    out.append(
                        _Box(
                            "field",
                            _group_fields(items[separate + 1 : end]),
                            begin=items[index : separate + 1],
                            end=[items[end]],
                        )
                    )
                index = end + 1
                continue
        if isinstance(item, _FieldChar):  # consecutive ones stay together, in order
            if out and isinstance(out[-1], _Point) and out[-1].kind == "fieldpart":
                out[-1].pieces.append((item.rpr, item.element, True))
            else:
                out.append(_Point("fieldpart", [(item.rpr, item.element, True)]))
        else:
            out.append(item)
        index += 1
    return out


def _field_bounds(items: list, begin: int) -> tuple[int | None, int | None]:
    """The indexes of the separate and the end of the field that begins at ``begin``; (None, None) when its end
    is not at this level, or when text comes before its separate (not a field this reader understands)."""
    depth, separate = 0, None
    for index in range(begin, len(items)):
        item = items[index]
        if not isinstance(item, _FieldChar):
            if depth == 1 and separate is None and isinstance(item, (_Text, _Box)):
                return None, None
            continue
        if item.char == "begin":
            depth += 1
        elif item.char == "separate" and depth == 1:
            separate = index
        elif item.char == "end":
            depth -= 1
            if depth == 0:
                return separate, index
    return None, None


def _field_pieces(items: list) -> list:
    pieces = []
    for item in items:
        if isinstance(item, _FieldChar):
            pieces.append((item.rpr, item.element, True))
        elif isinstance(item, _Point):
            pieces += item.pieces
        elif isinstance(item, _Text):
            pieces.append((item.rpr, _t_element(item.text), True))
        else:
            pieces += _box_pieces(item)
    return pieces


def _has_text(items: list) -> bool:
    return any(isinstance(item, _Text) or (isinstance(item, _Box) and _has_text(item.items)) for item in items)


def _texts(items: list, deep: bool) -> list[_Text]:
    found = []
    for item in items:
        if isinstance(item, _Text):
            found.append(item)
        elif deep and isinstance(item, _Box):
            found += _texts(item.items, deep)
    return found


def _dominant(items: list) -> tuple[etree._Element | None, str]:
    """The run properties (and their key) of most of the text directly in ``items``; when none is directly
    there (a paragraph that is all one hyperlink), of most of the text inside."""
    texts = _texts(items, deep=False) or _texts(items, deep=True)
    counts: dict[str, int] = {}
    first: dict[str, etree._Element | None] = {}
    for text in texts:
        counts[text.key] = counts.get(text.key, 0) + len(text.text)
        first.setdefault(text.key, text.rpr)
    if not counts:
        return None, ""
    key = max(counts, key=lambda k: counts[k])
    return first[key], key


# ---- reading --------------------------------------------------------------------------------------------------


@dataclass
class _Plan:
    """How to write one tag back."""

    tag: Tag
    order: int
    kind: str
    rpr: etree._Element | None = None  # text inside: fmt's own, a container's most common
    box: _Box | None = None
    point: _Point | None = None
    parent: str | None = None  # the paired tag it was inside


@dataclass
class ParagraphModel:
    """A paragraph read: its segment and what writing it back needs."""

    element: etree._Element
    segment: Segment
    plans: dict[str, _Plan]
    rpr: etree._Element | None  # the paragraph's most common run properties


class _Reader:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.plans: dict[str, _Plan] = {}
        self.counter = 0

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.length += len(text)

    def new(self, kind: str, paired: bool, parent: str | None, **plan) -> _Plan:
        self.counter += 1
        tag_id = f"{kind}{self.counter}"
        made = _Plan(Tag(tag_id, self.length, self.length, paired), self.counter, kind, parent=parent, **plan)
        self.plans[tag_id] = made
        return made

    def close(self, plan: _Plan) -> None:
        plan.tag = Tag(plan.tag.id, plan.tag.start, self.length, plan.tag.paired)

    def point(self, point: _Point, parent: str | None) -> None:
        self.new(point.kind, False, parent, point=point)
        if point.breaks and self.length and not self.parts[-1][-1:].isspace():
            self.add(" ")

    def level(self, items: list, parent: str | None, base_key: str) -> None:
        index = 0
        while index < len(items):
            item = items[index]
            if isinstance(item, _Text) and item.key != base_key:
                fmt = self.new("fmt", True, parent, rpr=item.rpr)
                while index < len(items) and (
                    (isinstance(items[index], _Text) and items[index].key == item.key)
                    or (isinstance(items[index], _Point) and _next_text_key(items, index) == item.key)
                ):
                    current = items[index]
                    if isinstance(current, _Text):
                        self.add(current.text)
                    else:
                        self.point(current, fmt.tag.id)
                    index += 1
                self.close(fmt)
                continue
            if isinstance(item, _Text):
                self.add(item.text)
            elif isinstance(item, _Point):
                self.point(item, parent)
            elif not _has_text(item.items):
                self.point(_Point(item.kind, _box_pieces(item)), parent)
            else:
                rpr, key = _dominant(item.items)
                box = self.new("link" if item.kind == "hyperlink" else item.kind, True, parent, rpr=rpr, box=item)
                self.level(item.items, box.tag.id, key)
                self.close(box)
            index += 1


def _next_text_key(items: list, index: int) -> str | None:
    for item in items[index:]:
        if isinstance(item, _Text):
            return item.key
        if not isinstance(item, _Point):
            return None
    return None


def _box_pieces(box: _Box) -> list:
    """A container or field without text, kept whole as a point."""
    if box.element is not None:
        return [(None, box.element, False)]
    return _field_pieces([*box.begin, *box.items, *box.end])


def read_paragraph(element: etree._Element, location: str) -> ParagraphModel | None:
    """The paragraph's segment and plans; None when it has no letter to translate."""
    items = _level_items(element)
    reader = _Reader()
    rpr, key = _dominant(items)
    reader.level(items, None, key)
    text = "".join(reader.parts)
    if not any(char.isalpha() for char in text):
        return None
    tags = tuple(plan.tag for plan in sorted(reader.plans.values(), key=lambda plan: plan.order))
    return ParagraphModel(element, Segment(location, text, tags), reader.plans, rpr)


def paragraph_text(element: etree._Element) -> str:
    """What the paragraph reads as (for comparing duplicated text boxes)."""
    reader = _Reader()
    items = _level_items(element)
    reader.level(items, None, _dominant(items)[1])
    return "".join(reader.parts)


# ---- writing --------------------------------------------------------------------------------------------------


def _t_element(text: str) -> etree._Element:
    t = etree.Element(w("t"))
    t.text = text
    if text != text.strip():
        t.set(XML_SPACE, "preserve")
    return t


@dataclass(eq=False)
class _Node:
    plan: _Plan | None
    start: int
    end: int
    parent: "_Node | None" = None
    children: list["_Node"] = field(default_factory=list)
    points: list[tuple[int, int, _Plan]] = field(default_factory=list)

    def covers(self, offset: int) -> bool:
        return self.start <= offset <= self.end

    def tag_plan(self) -> _Plan:
        """The plan of the node's tag: every node below the root has one."""
        if self.plan is None:
            raise ValueError("the root node has no tag")
        return self.plan

    def within(self, other: "_Node") -> bool:
        node: _Node | None = self
        while node is not None:
            if node is other:
                return True
            node = node.parent
        return False


class _Writer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.cursor = 0

    def run(self, holder: etree._Element, rpr: etree._Element | None, content: list[etree._Element]) -> None:
        run = etree.SubElement(holder, w("r"))
        if rpr is not None:
            run.append(copy.deepcopy(rpr))
        for element in content:
            run.append(element)

    def pieces(self, holder: etree._Element, pieces: list) -> None:
        for rpr, element, in_run in pieces:
            if in_run:
                self.run(holder, rpr, [element])
            else:
                holder.append(element)

    def span(self, holder: etree._Element, rpr, end: int, points: list) -> None:
        """Text from the cursor to ``end`` as runs, with the points at offsets up to ``end`` in place."""
        while points and points[0][0] <= end:
            offset, _, plan = points.pop(0)
            if offset > self.cursor:
                self.run(holder, rpr, [_t_element(self.text[self.cursor : offset])])
                self.cursor = offset
            self.pieces(holder, plan.point.pieces)
            if plan.point.breaks and self.cursor < end and self.text[self.cursor] == " ":
                self.cursor += 1  # the space the break was read as
        if end > self.cursor:
            self.run(holder, rpr, [_t_element(self.text[self.cursor : end])])
            self.cursor = end

    def node(self, holder: etree._Element, node: _Node, rpr) -> None:
        points = sorted(node.points, key=lambda point: (point[0], point[1]))
        for child in node.children:
            self.span(holder, rpr, child.start, points)
            self.box(holder, child)
        self.span(holder, rpr, node.end, points)

    def box(self, holder: etree._Element, node: _Node) -> None:
        plan = node.tag_plan()
        box = plan.box
        if box is None:  # a formatted stretch
            self.node(holder, node, plan.rpr)
        elif box.element is None:  # a complex field: its code runs, the result, its end run
            self.pieces(holder, _field_pieces(box.begin))
            self.node(holder, node, plan.rpr)
            self.pieces(holder, _field_pieces(box.end))
        else:  # a container element, kept with its attributes and properties
            inner = box.holder
            if inner is None:
                raise ValueError(f"a {box.kind} container without the element its runs go in")
            for child in list(inner):
                if inner is not box.element or not is_w(child, *PROPERTIES):
                    inner.remove(child)
            holder.append(box.element)
            self.node(inner, node, plan.rpr)


def _tree(translation: TranslatedSegment, plans: dict[str, _Plan]) -> _Node:
    """The target tags as a tree: paired tags nested by their spans (ties: as they nested in the source), each
    point in the deepest tag strictly around its offset, or in the tag it was in when that one still covers it."""
    length = len(translation.text)
    placed = {tag.id: tag for tag in translation.tags if tag.id in plans}
    for tag_id, plan in plans.items():  # a tag the translation lost is put at the end rather than dropped
        placed.setdefault(tag_id, Tag(tag_id, length, length, plan.tag.paired))
    root = _Node(None, 0, length)
    nodes: dict[str, _Node] = {}
    stack = [root]
    for tag in sorted(
        (tag for tag in placed.values() if tag.paired), key=lambda tag: (tag.start, -tag.end, plans[tag.id].order)
    ):
        start, end = min(tag.start, length), min(tag.end, length)
        while len(stack) > 1 and not (
            stack[-1].start <= start < stack[-1].end or (start == end and stack[-1].covers(start))
        ):
            stack.pop()
        parent = stack[-1]
        node = _Node(plans[tag.id], start, min(end, parent.end), parent)  # a partial overlap is cut to nest
        parent.children.append(node)
        nodes[tag.id] = node
        stack.append(node)
    for tag in placed.values():
        if tag.paired:
            continue
        plan = plans[tag.id]
        offset = min(tag.start, length)
        home = root
        while True:
            inner = next((child for child in home.children if child.start < offset < child.end), None)
            if inner is None:
                break
            home = inner
        source = nodes.get(plan.parent) if plan.parent else None
        if source is not None and source.covers(offset) and source.within(home):
            home = source
        home.points.append((offset, plan.order, plan))
    return root


def write_paragraph(model: ParagraphModel, translation: TranslatedSegment) -> None:
    """Rebuild ``model.element`` in place from ``translation``."""
    root = _tree(translation, model.plans)
    paragraph = model.element
    for child in list(paragraph):
        if not is_w(child, "pPr"):
            paragraph.remove(child)
    _Writer(translation.text).node(paragraph, root, model.rpr)
