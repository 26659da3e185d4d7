"""The DOCX package: a zip of XML parts, read with every check done before any part is parsed, and written back
with the same entries in the same order (names, dates, compression); only the parts given new bytes change.

Refused, each with a one-line InputError and nothing read past the check: a file that is not a zip (a PDF or an
old .doc renamed .docx is named as such), a corrupt or truncated zip, an encrypted entry, too many entries, a
zip bomb (declared sizes over the caps or a compression ratio no real part has, checked before decompressing;
every entry is then decompressed no further than its declared size, and its CRC checked), a macro-enabled .docm, a package without a Word main part, a Strict Open XML document (its namespaces differ
from the Transitional ones every reader of the package uses: it would come back untranslated).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass

from lxml import etree

from mt.errors import InputError
from mt.formats.docx.ooxml import CT_NS, REL_NS
from mt.formats.xml import parse_xml_bytes

MAX_ENTRIES = 10_000
MAX_PART_BYTES = 512 * 1024 * 1024  # one part, uncompressed
MAX_TOTAL_BYTES = 1024 * 1024 * 1024  # all parts, uncompressed
MAX_RATIO = 500  # uncompressed / compressed, for parts over RATIO_FLOOR bytes
RATIO_FLOOR = 1024 * 1024  # deflate's ceiling is about 1030:1; Word parts stay far below 100:1

RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
MAIN_TYPES = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
)
# Strict Open XML (ISO/IEC 29500 Strict, "Strict Open XML Document" in Word): other namespaces and relationship types
STRICT_RT = "http://purl.oclc.org/ooxml/officeDocument/relationships/"
STRICT_W = "http://purl.oclc.org/ooxml/wordprocessingml/main"
# the parts a reader reads, by relationship type from the main part, in this order
TEXT_PART_TYPES = ("header", "footer", "footnotes", "endnotes", "comments")

_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*\?>\s*")
NEW_ENTRY_DATE = (1980, 1, 1, 0, 0, 0)  # parts a writer adds: a fixed date, so the same input gives the same bytes

_MAGIC = (
    (b"%PDF", "a PDF"),
    (b"\xd0\xcf\x11\xe0", "an OLE file (an old .doc, or a password-protected DOCX)"),
    (b"{\\rtf", "an RTF file"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
)


@dataclass
class Package:
    """The zip's entries in order, their bytes, and where the Word parts are."""

    name: str
    infos: list[zipfile.ZipInfo]
    parts: dict[str, bytes]
    main: str  # "word/document.xml"
    text_parts: list[str]  # main first, then headers, footers, footnotes, endnotes, comments
    styles: str | None
    theme: str | None
    comments: str | None = None  # the main part's comments part ("word/comments.xml"), when it has one

    def xml(self, part: str) -> etree._Element:
        return parse_xml_bytes(self.parts[part], f"{self.name}:{part}")

    def write(self, replaced: dict[str, bytes], added: dict[str, bytes] | None = None) -> bytes:
        """The package with ``replaced`` parts' bytes; every other entry's bytes as read; ``added`` parts (new
        entry names) after them, deflated."""
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for info in self.infos:
                copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                copy.compress_type = info.compress_type
                copy.external_attr = info.external_attr
                copy.create_system = info.create_system
                copy.comment = info.comment
                copy.extra = info.extra
                archive.writestr(copy, replaced.get(info.filename, self.parts[info.filename]))
            for name, data in (added or {}).items():
                archive.writestr(zipfile.ZipInfo(name, date_time=NEW_ENTRY_DATE), data, zipfile.ZIP_DEFLATED)
        return out.getvalue()


def serialise(root: etree._Element, original: bytes | None) -> bytes:
    """A changed (or new: ``original`` None) part, with the XML declaration it was read with."""
    declaration = _DECLARATION.match(original or b"")
    if declaration is None or b"utf-16" in declaration.group().lower():
        return etree.tostring(root, encoding="UTF-8", xml_declaration=True, standalone=True)
    return declaration.group() + etree.tostring(root, encoding="UTF-8")


def relationships_part(source: str) -> str:
    """The relationships part of a part: "word/document.xml" -> "word/_rels/document.xml.rels"."""
    folder, base = posixpath.split(source)
    return posixpath.join(folder, "_rels", base + ".rels")


def _what_it_is(data: bytes) -> str:
    if not data:
        return "an empty file"
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    head = data[:512]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:  # a character cut at the end of the sample is still text
        text = head[: error.start].decode("utf-8") if error.start > len(head) - 4 else "\0"
    if all(char.isprintable() or char in "\t\r\n" for char in text):
        return "a text file"
    return "not a zip archive"


def _open_zip(data: bytes, name: str) -> zipfile.ZipFile:
    if not data.startswith(b"PK\x03\x04"):
        raise InputError(f"{name}: not a DOCX file ({_what_it_is(data)}; a DOCX is a zip archive)")
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as error:
        raise InputError(f"{name}: corrupt or truncated DOCX (zip: {error})") from error


def _check_entries(infos: list[zipfile.ZipInfo], name: str) -> None:
    if len(infos) > MAX_ENTRIES:
        raise InputError(f"{name}: {len(infos)} zip entries is more than the {MAX_ENTRIES} a DOCX may have")
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        raise InputError(f"{name}: the zip has duplicate entry names; refused as ambiguous")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise InputError(f"{name}: has encrypted zip entries; decrypt the document first")
        if info.file_size > MAX_PART_BYTES:
            raise InputError(
                f"{name}: part {info.filename} declares {info.file_size} bytes, more than the "
                f"{MAX_PART_BYTES} a part may have (zip bomb?)"
            )
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise InputError(
                f"{name}: part {info.filename} expands {info.file_size // max(info.compress_size, 1)}"
                f" times (zip bomb?); refused"
            )
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise InputError(
            f"{name}: the zip declares {total} bytes uncompressed, more than the {MAX_TOTAL_BYTES} "
            f"a DOCX may have (zip bomb?)"
        )


def _read_entries(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], name: str) -> dict[str, bytes]:
    parts = {}
    for info in infos:
        try:  # read(n) decompresses at most n bytes: a part that lies about its size costs no more than it says
            with archive.open(info) as handle:
                parts[info.filename] = handle.read(info.file_size)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as error:
            raise InputError(f"{name}: corrupt or truncated DOCX (zip entry {info.filename}: {error})") from error
    return parts


def _relationships(package_parts: dict[str, bytes], source: str, name: str) -> list[tuple[str, str]]:
    """(type, target part) of the internal relationships of ``source`` ("" for the package)."""
    folder = posixpath.dirname(source)
    rels = relationships_part(source)
    if rels not in package_parts:
        return []
    root = parse_xml_bytes(package_parts[rels], f"{name}:{rels}")
    found = []
    for rel in root.iter(f"{{{REL_NS}}}Relationship"):
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        found.append((rel.get("Type", ""), path))
    return found


def read_package(data: bytes, name: str) -> Package:
    archive = _open_zip(data, name)
    infos = archive.infolist()
    _check_entries(infos, name)
    if any(info.filename.lower().endswith("vbaproject.bin") for info in infos):
        raise InputError(f"{name}: is a macro-enabled document (.docm: it holds a VBA project); refused")
    parts = _read_entries(archive, infos, name)
    if "[Content_Types].xml" not in parts:
        raise InputError(f"{name}: not a DOCX file (no [Content_Types].xml in the zip)")
    types = parse_xml_bytes(parts["[Content_Types].xml"], f"{name}:[Content_Types].xml")
    overrides = {
        item.get("PartName", "").lstrip("/"): item.get("ContentType", "") for item in types.iter(f"{{{CT_NS}}}Override")
    }
    if any("macroenabled" in content.lower() for content in overrides.values()):
        raise InputError(f"{name}: is a macro-enabled document (.docm content type); refused")
    package_rels = _relationships(parts, "", name)
    if (
        any(kind.startswith(STRICT_RT) for kind, _ in package_rels)
        or STRICT_W.encode() in parts.get("word/document.xml", b"")[:4096]
    ):
        raise InputError(
            f"{name}: is a Strict Open XML document (ISO/IEC 29500 Strict), which mt does not read; "
            'save it in Word as "Word Document (*.docx)" and translate that'
        )
    mains = [target for kind, target in package_rels if kind == RT + "officeDocument"]
    main = mains[0] if mains else "word/document.xml"
    if main not in parts:
        raise InputError(f"{name}: not a Word document (no main part {main} in the zip)")
    defaults = {
        item.get("Extension", "").lower(): item.get("ContentType", "") for item in types.iter(f"{{{CT_NS}}}Default")
    }
    if overrides.get(main, defaults.get(posixpath.splitext(main)[1].lstrip(".").lower())) not in MAIN_TYPES:
        raise InputError(f"{name}: not a Word document (its main part is not a WordprocessingML document)")
    related = _relationships(parts, main, name)
    text_parts = [main]
    for kind in TEXT_PART_TYPES:
        text_parts += sorted({target for rel, target in related if rel == RT + kind and target in parts})
    styles = next((target for rel, target in related if rel == RT + "styles" and target in parts), None)
    theme = next((target for rel, target in related if rel == RT + "theme" and target in parts), None)
    comments = next((target for rel, target in related if rel == RT + "comments" and target in parts), None)
    return Package(name, infos, parts, main, text_parts, styles, theme, comments)
