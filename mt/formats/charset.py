"""Decode a text document (subtitles, PO, Markdown) that may come in a legacy encoding; outputs are UTF-8.

The encoding is, in order: ``--encoding`` (FormatOptions.encoding), the one the file declares (a PO header's
charset), a byte-order mark (UTF-8, UTF-32, UTF-16), else UTF-8. Bytes that do not decode are a one-line error naming
--encoding (a windows-1252 or cp1256 file read as UTF-8 fails here rather than turning into mojibake); NUL
bytes without a UTF-16 or UTF-32 mark mean binary data (a DOCX or an image under a text extension) and are refused.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from mt.errors import InputError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)  # UTF-32 LE's mark starts with UTF-16 LE's


@dataclass(frozen=True)
class DecodedText:
    """A document's text and what its bytes were: ``encoding`` the codec used, ``bom`` whether a UTF-8
    byte-order mark led the file (kept in the UTF-8 output, so an identity round trip is byte for byte)."""

    text: str
    encoding: str
    bom: bool

    def encode(self, text: str) -> bytes:
        """The output bytes: always UTF-8 (with the input's UTF-8 byte-order mark when it had one)."""
        return (codecs.BOM_UTF8 if self.bom else b"") + text.encode("utf-8")


def decode_document(
    data: bytes, name: str, kind: str, *, option: str | None = None, declared: str | None = None
) -> DecodedText:
    """Decode ``data`` (``kind`` names the format in messages: "SRT subtitles", "PO catalogue")."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            if option is None or codecs.lookup(option).name == codecs.lookup(codec).name.replace("-sig", ""):
                return _decode(
                    data[len(bom) :] if codec == "utf-8-sig" else data,
                    name,
                    kind,
                    codec,
                    bom=codec == "utf-8-sig",
                    given=False,
                )
    if b"\x00" in data[:65536]:
        raise InputError(f"{name}: binary data, not {kind} (the file's extension does not match its content)")
    if option is not None:
        return _decode(data, name, kind, option, bom=False, given=True)
    if declared is not None:
        return _decode(data, name, kind, declared, bom=False, given=False)
    return _decode(data, name, kind, "utf-8", bom=False, given=False)


def _decode(data: bytes, name: str, kind: str, encoding: str, *, bom: bool, given: bool) -> DecodedText:
    try:
        codecs.lookup(encoding)
    except LookupError:
        origin = "--encoding" if given else "the declared charset"
        raise InputError(
            f"{name}: unknown encoding {encoding!r} ({origin}); name a Python codec such as "
            "cp1256 or windows-1252 with --encoding"
        ) from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        if given:
            raise InputError(f"{name}: does not decode as {encoding} (byte {error.start}); check --encoding") from None
        raise InputError(
            f"{name}: {kind} not in {encoding} (undecodable byte at {error.start}); give its "
            "encoding with --encoding (e.g. --encoding cp1256 or windows-1252)"
        ) from None
    if "\x00" in text:
        raise InputError(f"{name}: binary data, not {kind} (the file's extension does not match its content)")
    return DecodedText(text, encoding, bom)
