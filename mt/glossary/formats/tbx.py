"""TBX (ISO 30042, TBX-Basic) import and export with lxml.

Reads TBX v3 (``conceptEntry/langSec/termSec``, namespace ``urn:iso:std:iso:30042:ed-2``) and TBX 2008 /
TBX-Basic 1.x (``martif ... termEntry/langSet/tig|ntig``). Writes TBX v3, DCA style:

* one ``conceptEntry`` per concept, ``id`` = concept id;
* ``langSec xml:lang="ar|en|zh"``; the first term of each language is ``preferredTerm-admn-sts``, the others
  ``admittedTerm-admn-sts``; forbidden renderings are ``deprecatedTerm-admn-sts``;
* the concept type goes in a ``<note>`` of the form ``type: person`` (TBX-Basic has no entity-type category) and
  ``termNote partOfSpeech`` is ``properNoun`` for names; the concept note is a second ``<note>``.

TSV <-> TBX <-> JSON round trips are lossless (order of variants included).
"""

from __future__ import annotations

from lxml import etree

from mt.errors import GlossaryError
from mt.formats.language import XML_LANG
from mt.formats.xml import parse_xml_bytes
from mt.glossary.formats.csv import lang_code
from mt.glossary.model import TYPES, Concept, make_concept

NS = "urn:iso:std:iso:30042:ed-2"
_STATUS = {
    "preferred": "preferredTerm-admn-sts",
    "admitted": "admittedTerm-admn-sts",
    "deprecated": "deprecatedTerm-admn-sts",
}
_NAME_TYPES = {"person", "organisation", "place", "product", "event"}


def _local(el) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _children(el, *names: str):
    return [c for c in el if _local(c) in names]


def _text(el) -> str:
    return " ".join("".join(el.itertext()).split())


def _status(term_holder) -> str:
    for note in term_holder.iter():
        if _local(note) in ("termNote", "descrip") and note.get("type") == "administrativeStatus":
            value = _text(note).lower()
            if value.startswith("deprecated") or value.startswith("superseded"):
                return "deprecated"
            if value.startswith("preferred"):
                return "preferred"
            return "admitted"
    return "admitted"


def loads(text: str | bytes, name: str = "<tbx>", **_: object) -> list[Concept]:
    """Parse TBX v3 or TBX 2008 into concepts (with mt.formats.xml's safe parser: entities refused, no DTD
    loaded, no network)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    root = parse_xml_bytes(data, name, error=GlossaryError, remove_comments=True)
    if _local(root) not in ("tbx", "martif"):
        raise GlossaryError(f"{name}:{root.sourceline}: not a TBX file (root element <{_local(root)}>)")
    entries = [el for el in root.iter() if _local(el) in ("conceptEntry", "termEntry")]
    concepts: list[Concept] = []
    seen: set[str] = set()
    for n, entry in enumerate(entries, start=1):
        where = f"{name}:{entry.sourceline}"
        cid = entry.get("id") or f"tbx-{n}"
        forms: dict[str, list[str]] = {"ar": [], "en": [], "zh": []}
        forbidden: dict[str, list[str]] = {"en": [], "zh": []}
        preferred_count = {"ar": 0, "en": 0, "zh": 0}
        ctype, notes = "other", []
        for note in _children(entry, "note"):
            value = _text(note)
            if value.startswith("type: ") and value[6:] in TYPES:
                ctype = value[6:]
            elif value:
                notes.append(value)
        for sec in _children(entry, "langSec", "langSet"):
            lang = lang_code(sec.get(XML_LANG) or sec.get("lang") or "")
            if lang is None:
                continue
            for holder in _children(sec, "termSec", "tig", "ntig"):
                terms = [t for t in holder.iter() if _local(t) == "term"]
                if not terms:
                    raise GlossaryError(f"{where}: <{_local(holder)}> without a <term>")
                term = _text(terms[0])
                if not term:
                    raise GlossaryError(f"{name}:{terms[0].sourceline}: empty <term>")
                status = _status(holder)
                if status == "deprecated" and lang in forbidden:
                    forbidden[lang].append(term)
                elif status == "preferred":
                    forms[lang].insert(preferred_count[lang], term)
                    preferred_count[lang] += 1
                else:
                    forms[lang].append(term)
        try:
            concept = make_concept(
                id=cid,
                ar=forms["ar"],
                en=forms["en"],
                zh=forms["zh"],
                forbidden_en=forbidden["en"],
                forbidden_zh=forbidden["zh"],
                type=ctype,
                note=" ".join(notes),
            )
        except GlossaryError as error:
            raise GlossaryError(f"{where}: {error}") from error
        if concept.id in seen:
            raise GlossaryError(f"{where}: duplicate concept id {concept.id!r}")
        seen.add(concept.id)
        concepts.append(concept)
    return concepts


def dumps(concepts: list[Concept], **_: object) -> str:
    """Write TBX v3 (TBX-Basic, DCA style)."""
    root = etree.Element(f"{{{NS}}}tbx", nsmap={None: NS}, type="TBX-Basic", style="dca")
    root.set(XML_LANG, "ar")
    header = etree.SubElement(root, f"{{{NS}}}tbxHeader")
    file_desc = etree.SubElement(header, f"{{{NS}}}fileDesc")
    source_desc = etree.SubElement(file_desc, f"{{{NS}}}sourceDesc")
    etree.SubElement(source_desc, f"{{{NS}}}p").text = "Tarjama glossary (ar -> en, zh)"
    body = etree.SubElement(etree.SubElement(root, f"{{{NS}}}text"), f"{{{NS}}}body")
    for c in concepts:
        entry = etree.SubElement(body, f"{{{NS}}}conceptEntry", id=c.id)
        etree.SubElement(entry, f"{{{NS}}}note").text = f"type: {c.type}"
        if c.note:
            etree.SubElement(entry, f"{{{NS}}}note").text = c.note
        for lang in ("ar", "en", "zh"):
            terms = [(t, "preferred" if i == 0 else "admitted") for i, t in enumerate(c.targets(lang))]
            terms += [(t, "deprecated") for t in c.forbidden(lang)]
            if not terms:
                continue
            sec = etree.SubElement(entry, f"{{{NS}}}langSec")
            sec.set(XML_LANG, lang)
            for term, status in terms:
                ts = etree.SubElement(sec, f"{{{NS}}}termSec")
                etree.SubElement(ts, f"{{{NS}}}term").text = term
                pos = etree.SubElement(ts, f"{{{NS}}}termNote", type="partOfSpeech")
                pos.text = "properNoun" if c.type in _NAME_TYPES else "noun"
                st = etree.SubElement(ts, f"{{{NS}}}termNote", type="administrativeStatus")
                st.text = _STATUS[status]
    xml = etree.tostring(root, encoding="unicode", pretty_print=True)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<?xml-model href="https://raw.githubusercontent.com/LTAC-Global/TBX-Basic_dialect/master/DCA/'
        'TBXcoreStructV03_TBX-Basic_integrated.rng" type="application/xml" '
        'schematypens="http://relaxng.org/ns/structure/1.0"?>\n' + xml
    )
