"""WordprocessingML names: namespaces, qualified-name helpers, and the schema order of run properties."""

from __future__ import annotations

from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def w(name: str) -> str:
    """The Clark name of a w: element or attribute: w("p") -> "{...wordprocessingml/2006/main}p"."""
    return f"{{{W_NS}}}{name}"


def mc(name: str) -> str:
    return f"{{{MC_NS}}}{name}"


def local(element: etree._Element) -> str:
    """An element's local name ("" for comments and processing instructions)."""
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def is_w(element: etree._Element, *names: str) -> bool:
    return isinstance(element.tag, str) and element.tag in {w(name) for name in names}


# CT_RPr's sequence (ECMA-376 Part 1, 17.3.2.28): Word refuses a file whose run properties are out of order,
# so every property this package adds is inserted at its place in this list.
RPR_ORDER = (
    "rStyle",
    "rFonts",
    "b",
    "bCs",
    "i",
    "iCs",
    "caps",
    "smallCaps",
    "strike",
    "dstrike",
    "outline",
    "shadow",
    "emboss",
    "imprint",
    "noProof",
    "snapToGrid",
    "vanish",
    "webHidden",
    "color",
    "spacing",
    "w",
    "kern",
    "position",
    "sz",
    "szCs",
    "highlight",
    "u",
    "effect",
    "bdr",
    "shd",
    "fitText",
    "vertAlign",
    "rtl",
    "cs",
    "em",
    "lang",
    "eastAsianLayout",
    "specVanish",
    "oMath",
    "rPrChange",
)
_RANK = {name: rank for rank, name in enumerate(RPR_ORDER)}


def rpr_child(rpr: etree._Element, name: str) -> etree._Element:
    """The run property ``name`` of ``rpr``, added at its schema place when missing."""
    found = rpr.find(w(name))
    if found is not None:
        return found
    child = etree.Element(w(name))
    rank = _RANK[name]
    for index, sibling in enumerate(rpr):
        if _RANK.get(local(sibling), -1) > rank and etree.QName(sibling).namespace == W_NS:
            rpr.insert(index, child)
            return child
    rpr.append(child)
    return child


def ensure_rpr(run: etree._Element) -> etree._Element:
    """A run's w:rPr (its first child), added when missing."""
    rpr = run.find(w("rPr"))
    if rpr is None:
        rpr = etree.Element(w("rPr"))
        run.insert(0, rpr)
    return rpr
