"""Review comments (mt translate --qe --qe-comments): a Word comment on each paragraph of the main document that
quality estimation flagged, naming the reason (mt.results.review_note: the risk, then every flag's kind and
detail), anchored on the paragraph's text (``w:commentRangeStart`` after its properties, ``w:commentRangeEnd`` and
a run with the ``w:commentReference`` at its end). The comments go into the document's comments part after the
comments it already has (fresh ids), or into a new ``word/comments.xml`` with its relationship from the main part
and its content type. Paragraphs in text boxes, headers, footers, notes and comments get none (Word shows no
comment anchored there, or copies a text box twice)."""

from __future__ import annotations

import posixpath

from lxml import etree

from mt.formats.docx.ooxml import CT_NS, REL_NS, XML_SPACE, W_NS, w
from mt.formats.docx.package import RT, Package, relationships_part, serialise
from mt.formats.xml import parse_xml_bytes

COMMENTS_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"
AUTHOR, INITIALS = "Tarjama QE", "QE"
_EMPTY_RELS = f'<Relationships xmlns="{REL_NS}"/>'.encode()


def _ids(root: etree._Element, *names: str) -> list[int]:
    """The numeric ``w:id`` values of the named elements under ``root``."""
    found = []
    for name in names:
        for element in root.iter(w(name)):
            value = element.get(w("id"), "")
            if value.lstrip("-").isdigit():
                found.append(int(value))
    return found


def comment_element(comment_id: int, text: str) -> etree._Element:
    """A ``w:comment``: one paragraph, its annotation mark (as Word writes it) and ``text``."""
    comment = etree.Element(
        w("comment"), {w("id"): str(comment_id), w("author"): AUTHOR, w("initials"): INITIALS}, nsmap={"w": W_NS}
    )
    paragraph = etree.SubElement(comment, w("p"))
    etree.SubElement(etree.SubElement(paragraph, w("pPr")), w("pStyle"), {w("val"): "CommentText"})
    mark = etree.SubElement(paragraph, w("r"))
    etree.SubElement(etree.SubElement(mark, w("rPr")), w("rStyle"), {w("val"): "CommentReference"})
    etree.SubElement(mark, w("annotationRef"))
    t = etree.SubElement(etree.SubElement(paragraph, w("r")), w("t"), {XML_SPACE: "preserve"})
    t.text = text
    return comment


def anchor(paragraph: etree._Element, comment_id: int) -> None:
    """Mark the whole paragraph's text as the comment's range, and put the comment's reference at its end."""
    start = etree.Element(w("commentRangeStart"), {w("id"): str(comment_id)})
    properties = paragraph.find(w("pPr"))
    paragraph.insert(0 if properties is None else paragraph.index(properties) + 1, start)
    etree.SubElement(paragraph, w("commentRangeEnd"), {w("id"): str(comment_id)})
    reference = etree.SubElement(paragraph, w("r"))
    etree.SubElement(etree.SubElement(reference, w("rPr")), w("rStyle"), {w("val"): "CommentReference"})
    etree.SubElement(reference, w("commentReference"), {w("id"): str(comment_id)})


def _in_text_box(paragraph: etree._Element) -> bool:
    return any(ancestor.tag == w("txbxContent") for ancestor in paragraph.iterancestors())


class ReviewComments:
    """The comments of one render: anchored as flagged paragraphs are written, then put in the package."""

    def __init__(self, package: Package) -> None:
        self.package = package
        used = _ids(package.xml(package.main), "commentRangeStart", "commentReference")
        if package.comments is not None:
            used += _ids(package.xml(package.comments), "comment")
        self.next_id = max(used, default=-1) + 1
        self.comments: list[etree._Element] = []

    def add(self, paragraph: etree._Element, note: str | None) -> bool:
        """Comment ``paragraph`` with ``note`` (None: not flagged, no comment); whether a comment was added."""
        if note is None or _in_text_box(paragraph):
            return False
        anchor(paragraph, self.next_id)
        self.comments.append(comment_element(self.next_id, note))
        self.next_id += 1
        return True

    def parts(self, replaced: dict[str, bytes]) -> tuple[dict[str, bytes], dict[str, bytes]]:
        """(parts replaced, parts added) that hold the comments: the comments part (as ``replaced`` left it)
        with them appended; for a new one, also the main part's relationships and the content types."""
        package = self.package
        if not self.comments:
            return {}, {}
        if package.comments is not None:
            name = package.comments
            root = parse_xml_bytes(replaced.get(name, package.parts[name]), f"{package.name}:{name}")
            root.extend(self.comments)
            return {name: serialise(root, package.parts[name])}, {}
        root = etree.Element(w("comments"), nsmap={"w": W_NS})
        root.extend(self.comments)
        name = _free_name(package)
        changed, added = _register(package, name)
        added[name] = serialise(root, None)
        return changed, added


def _free_name(package: Package) -> str:
    """A part name beside the main part for a new comments part: comments.xml, else comments1.xml, ..."""
    folder = posixpath.dirname(package.main)
    names = (posixpath.join(folder, f"comments{k or ''}.xml") for k in range(len(package.parts) + 1))
    return next(name for name in names if name not in package.parts)


def _register(package: Package, name: str) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The relationship from the main part to the comments part ``name`` and its content type override:
    (parts replaced, parts added: the main part's relationships when it had none)."""
    rels_name = relationships_part(package.main)
    original = package.parts.get(rels_name)
    rels = parse_xml_bytes(original or _EMPTY_RELS, f"{package.name}:{rels_name}")
    taken = {rel.get("Id") for rel in rels}
    rel_id = next(f"rId{k}" for k in range(1, len(taken) + 2) if f"rId{k}" not in taken)
    etree.SubElement(
        rels,
        f"{{{REL_NS}}}Relationship",
        Id=rel_id,
        Type=RT + "comments",
        Target=posixpath.relpath(name, posixpath.dirname(package.main) or "."),
    )
    types = package.xml("[Content_Types].xml")
    etree.SubElement(types, f"{{{CT_NS}}}Override", PartName="/" + name, ContentType=COMMENTS_TYPE)
    changed = {"[Content_Types].xml": serialise(types, package.parts["[Content_Types].xml"])}
    if original is None:
        return changed, {rels_name: serialise(rels, None)}
    changed[rels_name] = serialise(rels, original)
    return changed, {}
