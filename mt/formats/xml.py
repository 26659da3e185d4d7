"""Parse XML safely: no entity expansion, no DTD loading, no network, libxml2's size limits on.

A document that declares entities (``<!ENTITY ...>``: an external one can read local files, nested ones can
exhaust memory) or uses an undeclared entity reference is refused with a one-line error; the file's content
never appears in a message.
"""

from __future__ import annotations

from lxml import etree

from mt.errors import InputError

_ENTITIES_REFUSED = ("{name}: declares XML entities (<!ENTITY ...>), which are refused: an external entity can read "
                     "local files and nested ones can exhaust memory")


def safe_parser(*, remove_comments: bool = False, remove_blank_text: bool = False) -> etree.XMLParser:
    """An lxml parser that resolves no entity, loads no DTD and reaches no network."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=remove_comments, remove_pis=False,
                           remove_blank_text=remove_blank_text, strip_cdata=False)


def parse_xml_bytes(data: bytes, name: str, *, error: type[Exception] = InputError,
                    remove_comments: bool = False) -> etree._Element:
    """The root element of an XML document; ``error`` (a one-line message naming ``name``) on malformed XML,
    entity declarations or references, or an empty document."""
    try:
        root = etree.fromstring(data, safe_parser(remove_comments=remove_comments))
    except etree.XMLSyntaxError as cause:
        message = " ".join(str(cause).split())
        if "entity" in message.lower() and "amplification" in message.lower():  # libxml2's own bomb guard
            raise error(_ENTITIES_REFUSED.format(name=name)) from cause
        raise error(f"{name}: not well-formed XML: {message}") from cause
    if root is None:
        raise error(f"{name}: not well-formed XML (no root element)")
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and next(iter(dtd.iterentities()), None) is not None:
        raise error(_ENTITIES_REFUSED.format(name=name))
    if any(isinstance(node, etree._Entity) for node in root.iter()):
        raise error(f"{name}: uses an undeclared XML entity reference; refused")
    return root
