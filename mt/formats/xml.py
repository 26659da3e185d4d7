"""Parse XML safely: no entity expansion, no DTD loading, no network, libxml2's size limits on.

A document that declares entities (``<!ENTITY ...>``: an external one can read local files, nested ones can
exhaust memory) or uses an undeclared entity reference is refused with a one-line error; the file's content
never appears in a message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, TypedDict

from lxml import etree

from mt.errors import InputError

_ENTITIES_REFUSED = (
    "{name}: declares XML entities (<!ENTITY ...>), which are refused: an external entity can read "
    "local files and nested ones can exhaust memory"
)


class _SafeSettings(TypedDict):
    """The keywords of lxml's parsers that make a parse safe (typed, so that they unpack into XMLParser)."""

    resolve_entities: bool
    no_network: bool
    load_dtd: bool
    dtd_validation: bool
    huge_tree: bool


# what every parse here is made with: no entity resolved, no DTD loaded, no network, libxml2's size limits on
SAFE_SETTINGS: _SafeSettings = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
}


def safe_parser(*, remove_comments: bool = False, remove_blank_text: bool = False) -> etree.XMLParser:
    """An lxml parser that resolves no entity, loads no DTD and reaches no network."""
    return etree.XMLParser(
        **SAFE_SETTINGS,
        remove_comments=remove_comments,
        remove_pis=False,
        remove_blank_text=remove_blank_text,
        strip_cdata=False,
    )


def _syntax_error(cause: etree.XMLSyntaxError, name: str, error: type[Exception]) -> Exception:
    message = " ".join(str(cause).split())
    if "entity" in message.lower() and "amplification" in message.lower():  # libxml2's own bomb guard
        return error(_ENTITIES_REFUSED.format(name=name))
    return error(f"{name}: not well-formed XML: {message}")


def iterparse_xml(
    path: str | Path,
    name: str,
    *,
    error: type[Exception] = InputError,
    remove_comments: bool = True,
    remove_pis: bool = True,
) -> Iterator[tuple[str, etree._Element]]:
    """Stream an XML file as ("start" | "end", element) events with the same safety as :func:`parse_xml_bytes`
    (entity declarations refused at the root's start, entity references when their element ends), so that a
    large file is read without holding its whole tree: free each element once used (:func:`free_element`).
    ``error`` (a one-line message naming ``name``) on anything wrong, raised when the stream reaches it."""
    try:
        context = etree.iterparse(
            str(path),
            events=("start", "end"),
            **SAFE_SETTINGS,
            remove_comments=remove_comments,
            remove_pis=remove_pis,
            strip_cdata=False,
        )
        at_root = True
        for event, element in context:
            if at_root:
                at_root = False
                dtd = element.getroottree().docinfo.internalDTD
                if dtd is not None and next(iter(dtd.iterentities()), None) is not None:
                    raise error(_ENTITIES_REFUSED.format(name=name))
            if event == "end" and any(isinstance(child, etree._Entity) for child in element):
                raise error(f"{name}: uses an undeclared XML entity reference; refused")
            yield event, element
    except etree.XMLSyntaxError as cause:
        raise _syntax_error(cause, name, error) from cause
    except OSError as cause:
        raise error(f"{name}: cannot read: {cause.strerror or cause}") from cause


def free_element(element: etree._Element) -> None:
    """Drop a finished element's content and the siblings before it, so that a stream holds one at a time."""
    element.clear(keep_tail=True)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def parse_xml_bytes(
    data: bytes, name: str, *, error: type[Exception] = InputError, remove_comments: bool = False
) -> etree._Element:
    """The root element of an XML document; ``error`` (a one-line message naming ``name``) on malformed XML,
    entity declarations or references, or an empty document."""
    try:
        root = etree.fromstring(data, safe_parser(remove_comments=remove_comments))
    except etree.XMLSyntaxError as cause:
        raise _syntax_error(cause, name, error) from cause
    if root is None:
        raise error(f"{name}: not well-formed XML (no root element)")
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and next(iter(dtd.iterentities()), None) is not None:
        raise error(_ENTITIES_REFUSED.format(name=name))
    if any(isinstance(node, etree._Entity) for node in root.iter()):
        raise error(f"{name}: uses an undeclared XML entity reference; refused")
    return root
