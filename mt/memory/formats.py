"""Translation-memory files: read TMX 1.4, XLIFF 1.2 / 2.x, two-column TSV / CSV and parallel text pairs; write
TMX 1.4 and TSV.

XML is streamed (mt.formats.xml.iterparse_xml: one unit held at a time, not the whole tree) without resolving
entities, without the network and without loading a DTD (a ``<!DOCTYPE tmx SYSTEM "tmx14.dtd">`` line is fine);
a document that declares entities (an external entity, a "billion laughs" bomb) is refused whole. Whitespace
runs inside a segment become one space; inline codes (TMX bpt/ept/it/ph/ut, XLIFF x/bx/ex/ph/sc/ec and native
code) are dropped and their text with them, while markup around text (hi, g, pc, mrk) keeps the text.
Everything is read and checked before the caller writes anything.

A TMX written by Tarjama carries each entry's origin, model, fingerprints, score and ``complete`` flag as
``x-`` properties; its MT units are read back as MT entries under their key (:attr:`ParsedFile.machine`), every
other unit as a human translation.
"""

from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterable, Sequence

from lxml import etree

import mt
from mt.errors import InputError
from mt.formats.interchange import SUB_FLOWS, TMX_CODES, XLIFF_2, XLIFF_2_CODES, XLIFF_12, XLIFF_12_CODES
from mt.formats.language import XML_LANG, language_of
from mt.formats.xml import free_element, iterparse_xml
from mt.memory.model import TARGET_LANGS, Entry, MtKey, Segment, TranslationMemoryError
from mt.text.lines import TextInput

TMX_EXTENSIONS = (".tmx",)
XLIFF_EXTENSIONS = (".xlf", ".xliff", ".xlf2", ".sdlxliff", ".mqxliff")
TABLE_EXTENSIONS = (".tsv", ".tab", ".csv")

_TMX_SKIP = TMX_CODES | SUB_FLOWS
_XLIFF_SKIP = XLIFF_12_CODES | XLIFF_2_CODES | SUB_FLOWS
_XLIFF12_APPROVED_STATES = {"final", "signed-off"}
_XLIFF2_FINAL_STATES = {"final"}


@dataclass(frozen=True)
class ParsedFile:
    """What a file yields for an import: the segments, and the units skipped (with why)."""

    segments: list[Segment]  # human translations
    skipped: dict[str, int]
    languages: tuple[str, ...]  # languages found in the file (as written)
    machine: list[tuple[Segment, MtKey]] = field(default_factory=list)  # MT entries of a Tarjama TMX, with keys


def _clean(text: str) -> str:
    return " ".join(text.split())


def _text(element: etree._Element, skip: frozenset[str]) -> str:
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


def _pick_targets(path: Path, found: set[str], source_lang: str, target_lang: str | None) -> tuple[str, ...]:
    """The target languages to import from a file that holds ``found``; a one-line error if there is none."""
    if source_lang not in found:
        raise TranslationMemoryError(
            f"{path}: no segment in the source language {source_lang} "
            f"(languages found: {', '.join(sorted(found)) or 'none'})"
        )
    if target_lang is not None:
        if target_lang not in found:
            raise TranslationMemoryError(
                f"{path}: no segment in the target language {target_lang} (languages found: {', '.join(sorted(found))})"
            )
        return (target_lang,)
    targets = tuple(lang for lang in TARGET_LANGS if lang in found and lang != source_lang)
    if not targets:
        raise TranslationMemoryError(
            f"{path}: no segment in a target language Tarjama produces "
            f"({', '.join(TARGET_LANGS)}; languages found: {', '.join(sorted(found))})"
        )
    return targets


TMX_PROPS = {
    "origin": "x-origin",
    "model": "x-model",
    "revision": "x-model-revision",
    "glossary": "x-glossary-fingerprint",
    "decoding": "x-decoding-fingerprint",
    "score": "x-score",
    "complete": "x-complete",
}


def _mt_key_and_flags(path: Path, props: dict[str, str]) -> tuple[MtKey, float | None, bool | None]:
    """The key, score and complete flag of a Tarjama-exported MT unit (its x- properties)."""
    try:
        score = float(props[TMX_PROPS["score"]]) if props.get(TMX_PROPS["score"]) else None
    except ValueError:
        raise TranslationMemoryError(f"{path}: x-score {props[TMX_PROPS['score']]!r} is not a number") from None
    complete = {"true": True, "false": False}.get(props.get(TMX_PROPS["complete"], ""))
    key = MtKey(
        props.get(TMX_PROPS["model"], ""),
        props.get(TMX_PROPS["revision"], ""),
        props.get(TMX_PROPS["glossary"], ""),
        props.get(TMX_PROPS["decoding"], ""),
    )
    return key, score, complete


def read_tmx(path: Path, source_lang: str = "ar", target_lang: str | None = None) -> ParsedFile:
    """Translation units of a TMX (1.4; 1.1-1.3 ``lang`` attributes too): one segment per unit and target
    language that has both a source and a target variant; units with Tarjama's ``x-origin`` ``mt`` become MT
    entries (see the module docstring). Streamed: one ``<tu>`` at a time."""
    candidates = TARGET_LANGS if target_lang is None else (target_lang,)
    found: set[str] = set()
    units = 0
    pairs: list[tuple[str, str, str, dict[str, str] | None]] = []  # (target language, source, target, MT props)
    unit_langs: list[frozenset[str]] = []  # the candidate languages of each unit that has a source variant
    events = iterparse_xml(path, str(path), error=TranslationMemoryError)
    _, root = next(events)  # the root's start
    if etree.QName(root).localname != "tmx":
        raise TranslationMemoryError(f"{path}: not a TMX file (the root element is <{etree.QName(root).localname}>)")
    for event, element in events:
        if event != "end" or element.tag != "tu":
            continue
        units += 1
        variants: dict[str, str] = {}
        for tuv in element.iter("tuv"):
            lang = language_of(tuv.get(XML_LANG) or tuv.get("lang"))
            seg = tuv.find("seg")
            if seg is not None and lang not in variants:
                variants[lang] = _clean(_text(seg, _TMX_SKIP))
                found.add(lang)
        props = {prop.get("type", ""): prop.text or "" for prop in element.iterfind("prop")}
        machine = props if props.get(TMX_PROPS["origin"]) == "mt" else None
        source = variants.get(source_lang)
        langs = frozenset(lang for lang in candidates if lang in variants) if source is not None else frozenset()
        unit_langs.append(langs)
        if source is not None:
            pairs += [(lang, source, variants[lang], machine) for lang in sorted(langs)]
        free_element(element)
    if not units:
        raise TranslationMemoryError(f"{path}: no translation units (<tu>) in this TMX")
    targets = _pick_targets(path, found, source_lang, target_lang)
    skipped = {
        "no source and target variant": sum(1 for langs in unit_langs if not langs & set(targets)),
        "empty segment": 0,
        "MT unit without a model id": 0,
    }
    segments: list[Segment] = []
    machine_segments: list[tuple[Segment, MtKey]] = []
    for lang, source, target, machine in pairs:
        if lang not in targets:
            continue
        if not source or not target:
            skipped["empty segment"] += 1
        elif machine is None:
            segments.append(Segment(source, target, lang, source_lang))
        else:
            key, score, complete = _mt_key_and_flags(path, machine)
            if not key.model_id:
                skipped["MT unit without a model id"] += 1
                continue
            machine_segments.append((Segment(source, target, lang, source_lang, score, complete), key))
    return ParsedFile(segments, {k: v for k, v in skipped.items() if v}, tuple(sorted(found)), machine_segments)


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
    final / signed-off; 2.x segments in state final. Other units are counted as skipped. Streamed: one unit at a
    time."""
    pairs: list[tuple[str, str, str]] = []  # (target language, source, target)
    skipped = {"not approved or final": 0, "empty segment": 0}
    found: set[str] = set()
    namespace = None
    file_target = ""  # 1.2: the target language of the <file> being read, when its source is source_lang
    for event, element in iterparse_xml(path, str(path), error=TranslationMemoryError):
        name = etree.QName(element)
        if namespace is None:  # the root's start
            if name.localname != "xliff" or name.namespace not in (XLIFF_12, XLIFF_2):
                raise TranslationMemoryError(f"{path}: not an XLIFF 1.2 or 2.x file")
            namespace = name.namespace
            if namespace == XLIFF_2:
                src, tgt = language_of(element.get("srcLang")), language_of(element.get("trgLang"))
                found |= {src, tgt} - {""}
                file_target = tgt if src == source_lang else ""
            continue
        ns = {"x": namespace}
        if namespace == XLIFF_12 and event == "start" and name.localname == "file":
            src, tgt = language_of(element.get("source-language")), language_of(element.get("target-language"))
            found |= {src, tgt} - {""}
            file_target = tgt if src == source_lang else ""
        elif event == "end" and namespace == XLIFF_12 and name.localname == "trans-unit":
            pair = _xliff_pair(element, ns, _xliff12_approved, skipped)
            if pair:
                pairs.append((file_target, *pair))
            free_element(element)
        elif event == "end" and namespace == XLIFF_2 and name.localname == "unit":
            for segment in element.iterfind(".//x:segment", ns):
                pair = _xliff_pair(segment, ns, _xliff2_final, skipped)
                if pair:
                    pairs.append((file_target, *pair))
            free_element(element)
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
    if (
        rows
        and len(rows[0]) == 2
        and language_of(rows[0][0]) == source_lang
        and language_of(rows[0][1]) in TARGET_LANGS
        and len(rows[0][1]) <= 12
    ):
        header = language_of(rows[0][1])
        rows, numbers = rows[1:], numbers[1:]
    if header is not None and target_lang is not None and header != target_lang:
        raise TranslationMemoryError(f"{path}: the header says the target language is {header}, not {target_lang}")
    lang = target_lang or header
    if lang is None:
        raise TranslationMemoryError(
            f"{path}: the target language is unknown: give --tgt en or zh, or a first row '{source_lang}<TAB>en'"
        )
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


def read_parallel(
    source_path: Path, target_path: Path, source_lang: str = "ar", target_lang: str | None = None
) -> ParsedFile:
    """A parallel pair of text files, line i of one the translation of line i of the other. The target language
    is ``target_lang`` or the target file's extension (.en, .zh, .eng_Latn, .zho_Hans)."""
    lang = target_lang or language_of(target_path.suffix.lstrip("."))
    if lang not in TARGET_LANGS:
        raise TranslationMemoryError(f"{target_path}: the target language is unknown: give --tgt en or zh")
    sources, targets = _lines(source_path), _lines(target_path)
    if len(sources) != len(targets):
        raise TranslationMemoryError(
            f"{source_path} has {len(sources)} lines but {target_path} has {len(targets)}; "
            "a parallel pair needs the same number"
        )
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
    raise InputError(
        f"{path}: unknown file type {suffix or '(none)'}; give .tmx, .xlf/.xliff, .tsv or .csv, or "
        "two parallel text files"
    )


# -- writing -------------------------------------------------------------------------------------------------------


def _tmx_date(stamp: str) -> str:
    return stamp.replace("-", "").replace(":", "")  # 2026-11-30T18:31:10Z -> 20261130T183110Z


def write_tmx(entries: Iterable[Entry], handle: IO[str], source_lang: str = "ar") -> int:
    """Write entries as TMX 1.4 (one <tu> per entry; origin, model, fingerprints, score and complete flag as x-
    properties, which :func:`read_tmx` reads back)."""
    now = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    handle.write('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n')
    header = etree.Element(
        "header",
        creationtool="Tarjama",
        creationtoolversion=mt.__version__,
        segtype="sentence",
        adminlang="en",
        srclang=source_lang,
        datatype="plaintext",
        creationdate=now,
    )
    header.set("o-tmf", "tarjama-tm")
    handle.write("  " + etree.tostring(header, encoding="unicode") + "\n  <body>\n")
    count = 0
    for entry in entries:
        tu = etree.Element("tu", creationdate=_tmx_date(entry.created), changedate=_tmx_date(entry.updated))
        complete = "" if entry.complete is None else "true" if entry.complete else "false"
        props = [
            ("x-origin", entry.origin),
            ("x-model", entry.model_id),
            ("x-model-revision", entry.model_revision),
            ("x-glossary-fingerprint", entry.glossary_fp),
            ("x-decoding-fingerprint", entry.decoding_fp),
            ("x-score", "" if entry.score is None else repr(entry.score)),
            ("x-complete", complete),
        ]
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
