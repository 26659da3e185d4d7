"""Translation-memory files: read TMX 1.4, XLIFF 1.2 / 2.x, two-column TSV / CSV and parallel text pairs; write
TMX 1.4 and TSV.

XML is parsed with lxml without resolving entities, without the network and without loading a DTD (a
``<!DOCTYPE tmx SYSTEM "tmx14.dtd">`` line is fine); a document that declares entities (an external entity, a
"billion laughs" bomb) is refused whole. Whitespace runs inside a segment become one space; inline codes (TMX
bpt/ept/it/ph/ut, XLIFF x/bx/ex/ph/sc/ec and native code) are dropped and their text with them, while markup
around text (hi, g, pc, mrk) keeps the text. Everything is read and checked before the caller writes anything.
"""

from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterable, Sequence

from lxml import etree

import mt
from mt.errors import InputError
from mt.formats.reading import TextInput
from mt.memory.model import TARGET_LANGS, Entry, Segment, TranslationMemoryError

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XLIFF_12 = "urn:oasis:names:tc:xliff:document:1.2"
XLIFF_2 = "urn:oasis:names:tc:xliff:document:2.0"
TMX_EXTENSIONS = (".tmx",)
XLIFF_EXTENSIONS = (".xlf", ".xliff", ".xlf2", ".sdlxliff", ".mqxliff")
TABLE_EXTENSIONS = (".tsv", ".tab", ".csv")

_TMX_SKIP = {"bpt", "ept", "it", "ph", "ut", "sub"}
_XLIFF_SKIP = {"x", "bx", "ex", "bpt", "ept", "it", "ph", "sc", "ec", "sub", "originalData"}
_XLIFF12_APPROVED_STATES = {"final", "signed-off"}
_XLIFF2_FINAL_STATES = {"final"}
_ALIASES = {"ara": "ar", "arb": "ar", "eng": "en", "zho": "zh", "cmn": "zh", "chi": "zh"}
_TRADITIONAL = {"hant", "tw", "hk", "mo"}


@dataclass(frozen=True)
class ParsedFile:
    """What a file yields for an import: the segments, and the units skipped (with why)."""

    segments: list[Segment]
    skipped: dict[str, int]
    languages: tuple[str, ...]   # languages found in the file (as written)


def lang_of(code: str | None) -> str:
    """The Tarjama language of a language tag: 'ar-SA' -> 'ar', 'en_US' -> 'en', 'zho_Hans' -> 'zh'; Traditional
    Chinese ('zh-TW', 'zh-Hant') -> 'zh-Hant', which Tarjama does not produce; anything else lower-cased."""
    parts = (code or "").strip().lower().replace("_", "-").split("-")
    primary = _ALIASES.get(parts[0], parts[0])
    if primary == "zh" and _TRADITIONAL & set(parts[1:]):
        return "zh-Hant"
    return primary


def _clean(text: str) -> str:
    return " ".join(text.split())


def _text(element: etree._Element, skip: set[str]) -> str:
    """The text of an element, without the content of inline-code elements (their tails are kept)."""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str):
            name = etree.QName(child).localname
            if name == "cp":  # XLIFF 2: a code point that XML cannot carry
                try:
                    parts.append(chr(int(child.get("hex", ""), 16)))
                except ValueError:
                    pass
            elif name not in skip:
                parts.append(_text(child, skip))
        parts.append(child.tail or "")
    return "".join(parts)


_ENTITIES_REFUSED = ("{path}: declares XML entities (<!ENTITY ...>), which are refused: an external entity can read "
                     "local files and nested ones can exhaust memory")


def parse_xml(path: Path) -> etree._Element:
    """Parse an XML file safely (see the module docstring); raise a one-line error on anything else."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                             huge_tree=False, remove_comments=True, remove_pis=True)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror}") from error
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        message = " ".join(str(error).split())
        if "entity" in message.lower() and "amplification" in message.lower():  # libxml2's own bomb guard
            raise TranslationMemoryError(_ENTITIES_REFUSED.format(path=path)) from error
        raise TranslationMemoryError(f"{path}: not well-formed XML: {message}") from error
    if root is None:
        raise TranslationMemoryError(f"{path}: not well-formed XML (no root element)")
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and next(iter(dtd.iterentities()), None) is not None:
        raise TranslationMemoryError(_ENTITIES_REFUSED.format(path=path))
    if any(isinstance(node, etree._Entity) for node in root.iter()):
        raise TranslationMemoryError(f"{path}: uses an undeclared XML entity reference; refused")
    return root


def _pick_targets(path: Path, found: set[str], source_lang: str, target_lang: str | None) -> tuple[str, ...]:
    """The target languages to import from a file that holds ``found``; a one-line error if there is none."""
    if source_lang not in found:
        raise TranslationMemoryError(f"{path}: no segment in the source language {source_lang} "
                                     f"(languages found: {', '.join(sorted(found)) or 'none'})")
    if target_lang is not None:
        if target_lang not in found:
            raise TranslationMemoryError(f"{path}: no segment in the target language {target_lang} "
                                         f"(languages found: {', '.join(sorted(found))})")
        return (target_lang,)
    targets = tuple(lang for lang in TARGET_LANGS if lang in found and lang != source_lang)
    if not targets:
        raise TranslationMemoryError(f"{path}: no segment in a target language Tarjama produces "
                                     f"({', '.join(TARGET_LANGS)}; languages found: {', '.join(sorted(found))})")
    return targets


def read_tmx(path: Path, source_lang: str = "ar", target_lang: str | None = None) -> ParsedFile:
    """Translation units of a TMX (1.4; 1.1-1.3 ``lang`` attributes too): one segment per unit and target
    language that has both a source and a target variant."""
    root = parse_xml(path)
    if etree.QName(root).localname != "tmx":
        raise TranslationMemoryError(f"{path}: not a TMX file (the root element is <{etree.QName(root).localname}>)")
    units: list[dict[str, str]] = []
    found: set[str] = set()
    for tu in root.iter("tu"):
        variants: dict[str, str] = {}
        for tuv in tu.iter("tuv"):
            lang = lang_of(tuv.get(XML_LANG) or tuv.get("lang"))
            seg = tuv.find("seg")
            if seg is not None and lang not in variants:
                variants[lang] = _clean(_text(seg, _TMX_SKIP))
                found.add(lang)
        units.append(variants)
    if not units:
        raise TranslationMemoryError(f"{path}: no translation units (<tu>) in this TMX")
    targets = _pick_targets(path, found, source_lang, target_lang)
    segments, skipped = [], {"no source and target variant": 0, "empty segment": 0}
    for variants in units:
        pairs = [(variants.get(source_lang), variants.get(lang), lang) for lang in targets]
        pairs = [(source, target, lang) for source, target, lang in pairs if source is not None and target is not None]
        if not pairs:
            skipped["no source and target variant"] += 1
        for source, target, lang in pairs:
            if source and target:
                segments.append(Segment(source, target, lang, source_lang))
            else:
                skipped["empty segment"] += 1
    return ParsedFile(segments, {k: v for k, v in skipped.items() if v}, tuple(sorted(found)))


def _xliff12_approved(unit, target) -> bool:
    return unit.get("approved") == "yes" or target.get("state", "") in _XLIFF12_APPROVED_STATES


def _xliff2_final(segment, target) -> bool:
    return segment.get("state", "") in _XLIFF2_FINAL_STATES


def _xliff_pair(unit, ns: dict[str, str], approved, skipped: dict[str, int]) -> tuple[str, str] | None:
    """(source, target) text of an XLIFF 1.2 trans-unit or 2.x segment whose target ``approved(unit, target)``
    accepts; None (counted in ``skipped``) for a unit without a source, or without an accepted target."""
    source, target = unit.find("x:source", ns), unit.find("x:target", ns)
    if source is None:
        skipped["empty segment"] += 1
        return None
    if target is None or not approved(unit, target):
        skipped["not approved or final"] += 1
        return None
    return _clean(_text(source, _XLIFF_SKIP)), _clean(_text(target, _XLIFF_SKIP))


def read_xliff(path: Path, source_lang: str = "ar", target_lang: str | None = None) -> ParsedFile:
    """Approved or final targets of an XLIFF file: 1.2 trans-units with ``approved="yes"`` or a target in state
    final / signed-off; 2.x segments in state final. Other units are counted as skipped."""
    root = parse_xml(path)
    namespace = etree.QName(root).namespace
    if etree.QName(root).localname != "xliff" or namespace not in (XLIFF_12, XLIFF_2):
        raise TranslationMemoryError(f"{path}: not an XLIFF 1.2 or 2.x file")
    pairs: list[tuple[str, str, str]] = []    # (target language, source, target)
    skipped = {"not approved or final": 0, "empty segment": 0}
    found: set[str] = set()
    ns = {"x": namespace}
    if namespace == XLIFF_12:
        for file_ in root.iterfind("x:file", ns):
            src, tgt = lang_of(file_.get("source-language")), lang_of(file_.get("target-language"))
            found |= {src, tgt} - {""}
            for unit in file_.iterfind(".//x:trans-unit", ns):
                pair = _xliff_pair(unit, ns, _xliff12_approved, skipped)
                if pair:
                    pairs.append((tgt if src == source_lang else "", *pair))
    else:
        src, tgt = lang_of(root.get("srcLang")), lang_of(root.get("trgLang"))
        found |= {src, tgt} - {""}
        for segment in root.iterfind(".//x:segment", ns):
            pair = _xliff_pair(segment, ns, _xliff2_final, skipped)
            if pair:
                pairs.append((tgt if src == source_lang else "", *pair))
    targets = _pick_targets(path, found, source_lang, target_lang)
    segments = []
    for lang, source, target in pairs:
        if lang not in targets:
            continue
        if not source or not target:
            skipped["empty segment"] += 1
            continue
        segments.append(Segment(source, target, lang, source_lang))
    return ParsedFile(segments, {k: v for k, v in skipped.items() if v}, tuple(sorted(found)))


def _lines(path: Path) -> list[str]:
    return list(TextInput(str(path)).lines())


def read_table(path: Path, source_lang: str = "ar", target_lang: str | None = None) -> ParsedFile:
    """A two-column TSV (tab-separated) or CSV (RFC 4180 quoting): source, target. A first row of two language
    codes (``ar<TAB>en``) is a header and names the target language; otherwise ``target_lang`` must."""
    text = "\n".join(_lines(path))
    if path.suffix.lower() == ".csv":
        rows = list(csv.reader(io.StringIO(text)))
        numbers = list(range(1, len(rows) + 1))  # rows, counted from 1 (a quoted field may span lines)
    else:
        rows = [line.split("\t") for line in text.split("\n")] if text else []
        numbers = list(range(1, len(rows) + 1))
    header = None
    if rows and len(rows[0]) == 2 and lang_of(rows[0][0]) == source_lang and lang_of(rows[0][1]) in TARGET_LANGS \
            and len(rows[0][1]) <= 12:
        header = lang_of(rows[0][1])
        rows, numbers = rows[1:], numbers[1:]
    if header is not None and target_lang is not None and header != target_lang:
        raise TranslationMemoryError(f"{path}: the header says the target language is {header}, not {target_lang}")
    lang = target_lang or header
    if lang is None:
        raise TranslationMemoryError(f"{path}: the target language is unknown: give --tgt en or zh, or a first row "
                                     f"'{source_lang}<TAB>en'")
    segments, skipped = [], {"empty cell": 0}
    for number, row in zip(numbers, rows):
        if row == [] or row == [""]:
            continue
        if len(row) != 2:
            raise TranslationMemoryError(f"{path}:{number}: expected 2 columns (source, target), found {len(row)}")
        source, target = _clean(row[0]), _clean(row[1])
        if not source or not target:
            skipped["empty cell"] += 1
            continue
        segments.append(Segment(source, target, lang, source_lang))
    if not segments:
        raise TranslationMemoryError(f"{path}: no source/target rows")
    return ParsedFile(segments, {k: v for k, v in skipped.items() if v}, (source_lang, lang))


def read_parallel(source_path: Path, target_path: Path, source_lang: str = "ar",
                  target_lang: str | None = None) -> ParsedFile:
    """A parallel pair of text files, line i of one the translation of line i of the other. The target language
    is ``target_lang`` or the target file's extension (.en, .zh, .eng_Latn, .zho_Hans)."""
    lang = target_lang or lang_of(target_path.suffix.lstrip("."))
    if lang not in TARGET_LANGS:
        raise TranslationMemoryError(f"{target_path}: the target language is unknown: give --tgt en or zh")
    sources, targets = _lines(source_path), _lines(target_path)
    if len(sources) != len(targets):
        raise TranslationMemoryError(f"{source_path} has {len(sources)} lines but {target_path} has {len(targets)}; "
                                     "a parallel pair needs the same number")
    segments, empty = [], 0
    for source, target in zip(sources, targets):
        source, target = _clean(source), _clean(target)
        if source and target:
            segments.append(Segment(source, target, lang, source_lang))
        elif source or target:
            empty += 1
    if not segments:
        raise TranslationMemoryError(f"{source_path}: no non-empty line pairs")
    return ParsedFile(segments, {"one side empty": empty} if empty else {}, (source_lang, lang))


def read_file(paths: Sequence[Path], source_lang: str = "ar", target_lang: str | None = None) -> ParsedFile:
    """Read one TM file (by its extension) or a parallel pair of text files."""
    if len(paths) == 2:
        return read_parallel(paths[0], paths[1], source_lang, target_lang)
    if len(paths) != 1:
        raise InputError("give one file (.tmx, .xlf, .tsv, .csv) or two parallel text files")
    path = paths[0]
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory")
    suffix = path.suffix.lower()
    if suffix in TMX_EXTENSIONS:
        return read_tmx(path, source_lang, target_lang)
    if suffix in XLIFF_EXTENSIONS:
        return read_xliff(path, source_lang, target_lang)
    if suffix in TABLE_EXTENSIONS:
        return read_table(path, source_lang, target_lang)
    raise InputError(f"{path}: unknown file type {suffix or '(none)'}; give .tmx, .xlf/.xliff, .tsv or .csv, or "
                     "two parallel text files")


# -- writing -------------------------------------------------------------------------------------------------------

def _tmx_date(stamp: str) -> str:
    return stamp.replace("-", "").replace(":", "")  # 2026-11-30T18:31:10Z -> 20261130T183110Z


def write_tmx(entries: Iterable[Entry], handle: IO[str], source_lang: str = "ar") -> int:
    """Write entries as TMX 1.4 (one <tu> per entry; origin, model and fingerprints as x- properties)."""
    now = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    handle.write('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n')
    header = etree.Element("header", creationtool="Tarjama", creationtoolversion=mt.__version__,
                           segtype="sentence", adminlang="en", srclang=source_lang, datatype="plaintext",
                           creationdate=now)
    header.set("o-tmf", "tarjama-tm")
    handle.write("  " + etree.tostring(header, encoding="unicode") + "\n  <body>\n")
    count = 0
    for entry in entries:
        tu = etree.Element("tu", creationdate=_tmx_date(entry.created), changedate=_tmx_date(entry.updated))
        props = [("x-origin", entry.origin), ("x-model", entry.model_id), ("x-model-revision", entry.model_revision),
                 ("x-glossary-fingerprint", entry.glossary_fp), ("x-decoding-fingerprint", entry.decoding_fp),
                 ("x-score", "" if entry.score is None else repr(entry.score))]
        for name, value in props:
            if value:
                etree.SubElement(tu, "prop", type=name).text = value
        for lang, text in ((entry.source_lang, entry.source), (entry.target_lang, entry.target)):
            tuv = etree.SubElement(tu, "tuv")
            tuv.set(XML_LANG, lang)
            etree.SubElement(tuv, "seg").text = text
        handle.write("    " + etree.tostring(tu, encoding="unicode") + "\n")
        count += 1
    handle.write("  </body>\n</tmx>\n")
    return count


def write_tsv(entries: Iterable[Entry], handle: IO[str], target_lang: str, source_lang: str = "ar") -> tuple[int, int]:
    """Write entries of one target language as a two-column TSV with an 'ar<TAB>en' header; return (written,
    skipped): an entry whose text holds a tab or a line break cannot be a TSV row (TMX keeps it)."""
    handle.write(f"{source_lang}\t{target_lang}\n")
    written = skipped = 0
    for entry in entries:
        if entry.target_lang != target_lang:
            continue
        if any(c in entry.source + entry.target for c in "\t\n\r"):
            skipped += 1
            continue
        handle.write(f"{entry.source}\t{entry.target}\n")
        written += 1
    return written, skipped
