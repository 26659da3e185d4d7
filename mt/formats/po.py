"""Gettext catalogues (.po, .pot): every untranslated entry's msgid is translated into its msgstr.

Tarjama translates from Arabic, so here the msgids are Arabic (a catalogue written in Arabic first, or one
whose source strings were translated into Arabic and are now the source): the translation goes into msgstr,
in the target's plural rule. Read with ``polib``; written by splicing, so that the file stays byte for byte
outside what changes:

- an entry translated: its ``msgstr`` lines (``msgstr[n]`` for plurals) and its ``#,`` flags line (``fuzzy``
  added unless ``FormatOptions.mark_fuzzy`` is False); an entry quality estimation flagged (mt translate --qe)
  is fuzzy whatever the option and gets a translator comment ``# mt-qe: risk 0.83: number: ...``; msgid, msgid_plural, msgctxt, comments, references,
  previous-msgid lines, order, and the blank lines between entries are kept as they are;
- the header's msgstr: ``Language:`` en or zh_CN, ``Plural-Forms:`` the target's rule (en ``nplurals=2;
  plural=(n != 1);``, zh ``nplurals=1; plural=0;``), ``Content-Type: ... charset=UTF-8`` (the output is
  always UTF-8); its other fields in their order. A catalogue without a header gets one at the top.

Plurals: English gets msgstr[0] from the msgid and msgstr[1] from msgid_plural; Chinese, one form, gets
msgstr[0] from msgid_plural (the general form). Entries that already have a translation are left alone unless
``overwrite_targets``; obsolete (``#~``) entries are never touched. Placeholders, printf (``%s %d %05.2f
%(name)s %1$s %%``) and python-brace (``{name} {0} {}``), and line breaks inside a message are point tags: the
model never sees them and they come back exactly (one the translation lost is appended, and logged).
Leading and trailing white space (a final ``\\n``) is kept around the translation. An entry with a message that
has no Arabic letter (``TranslatedSegment.kept``) is left as it is: its msgstr stays empty, no fuzzy flag.

Encoding: the header's ``charset`` is used to decode (cp1256, windows-1252 ...), or ``--encoding`` where the
header declares none (a .pot's ``charset=CHARSET``) or the file does not decode as declared (a mislabelled file);
an ``--encoding`` that contradicts a declared charset the file decodes in is a one-line error (decoding UTF-8
msgids as cp1256 would rewrite every one of them: msgids are keys and never change); a file that does not decode as declared (or as UTF-8 when undeclared) is a one-line error naming
--encoding. A syntax error is a one-line error with its line number; so are two entries with one gettext key
(msgctxt and msgid: the same msgid in two contexts is two entries) and a second header, as msgfmt says.
"""

from __future__ import annotations

import bisect
import codecs
import logging
import re
from dataclasses import dataclass, field
from typing import Sequence

import polib

from mt.errors import InputError
from mt.formats.charset import DecodedText, decode_document
from mt.formats.document import Document, DocumentFormat, FormatOptions, Segment, Tag, TranslatedSegment
from mt.results import REVIEW_PREFIX, review_note

LOG = logging.getLogger(__name__)

PLURAL_FORMS = {"en": "nplurals=2; plural=(n != 1);", "zh": "nplurals=1; plural=0;"}
LANGUAGE_CODES = {"en": "en", "zh": "zh_CN"}
_KIND = "a PO catalogue"
_DEFAULT_TARGET = "en"

_PRINTF = (
    r"%(?:\(\w+\))?(?:\d+\$)?[-+#0']*(?:\d+|\*)?(?:\.(?:\d+|\*))?"
    r"(?:hh|h|ll|l|L|q|j|z|t|I64|I32)?[diouxXeEfFgGaAcsrpn]|%%"
)
_BRACE = r"\{(?:[A-Za-z_]\w*|\d+)?(?:[.\[][^{}\s]*)?(?:![rsa])?(?::[^{}\s]*)?\}"
PLACEHOLDER = re.compile(rf"{_PRINTF}|{_BRACE}|\n")
_CHARSET = re.compile(rb"charset=([A-Za-z0-9_.:-]+)")
_SYNTAX_LINE = re.compile(r"\(line (\d+)\)")
_PO_LINE = re.compile(r'\s*(?:#.*|(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)?\s*"(?:[^"\\]|\\.)*"\s*)?')


@dataclass
class _Message:
    """One msgid (or msgid_plural) as a segment: the whitespace around it and its placeholders by tag id."""

    prefix: str
    suffix: str
    placeholders: dict[str, str]


@dataclass
class _Entry:
    """An entry to translate: its polib entry, its line range in the file (0-based, end exclusive, blank lines
    after it excluded) and the index of its segments (msgid, then msgid_plural)."""

    entry: polib.POEntry
    first_line: int
    end_line: int
    segments: list[int] = field(default_factory=list)


def lift_placeholders(message: str) -> tuple[str, tuple[Tag, ...], _Message]:
    """The text a model should see (placeholders and line breaks lifted out, white space runs as one space,
    none at either end) and the point tags where they stood."""
    core = message.strip()
    start = message.find(core[:1]) if core else len(message)
    prefix, suffix = message[:start], message[start + len(core) :]
    text = ""
    tags: list[Tag] = []
    placeholders: dict[str, str] = {}
    position = 0
    for match in PLACEHOLDER.finditer(core):
        text += core[position : match.start()]
        text = re.sub(r"\s+", " ", text)
        tag_id = f"ph{len(tags) + 1}"
        tags.append(Tag(tag_id, len(text), len(text), paired=False))
        placeholders[tag_id] = match.group(0)
        if match.group(0) == "\n":
            text += " "  # a line break separates words
        position = match.end()
    text += core[position:]
    text = re.sub(r"\s+", " ", text)
    stripped = text.lstrip()
    shift = len(text) - len(stripped)
    text = stripped.rstrip()
    tags = [
        Tag(t.id, min(max(t.start - shift, 0), len(text)), min(max(t.start - shift, 0), len(text)), False) for t in tags
    ]
    return text, tuple(tags), _Message(prefix, suffix, placeholders)


def place_placeholders(translation: TranslatedSegment, message: _Message, spaced: bool) -> str:
    """The translated message: the target text with every placeholder at its tag's target offset (a space
    added where it would touch a word, in a spaced language), lost ones appended, the source's surrounding
    white space restored."""
    text = translation.text
    located = {tag.id: tag.start for tag in translation.tags if tag.id in message.placeholders}
    missing = [tag_id for tag_id in message.placeholders if tag_id not in located]
    if missing:
        LOG.warning(
            "%s: placeholder(s) %s lost by the translation, appended at its end",
            translation.segment.location,
            " ".join(message.placeholders[tag_id] for tag_id in missing),
        )
        for tag_id in missing:
            located[tag_id] = len(text)
    pieces: list[str] = []
    position = 0
    for tag_id, offset in sorted(located.items(), key=lambda item: (item[1], int(item[0][2:]))):
        offset = min(max(offset, position), len(text))
        pieces.append(text[position:offset])
        raw = message.placeholders[tag_id]
        before = "".join(pieces)
        if spaced and raw != "\n" and before and not before[-1].isspace() and before[-1] not in "([\"'«“":
            if before[-1].isalnum() or text[offset : offset + 1].isspace() or offset == len(text):
                raw = " " + raw
        if spaced and raw != "\n" and offset < len(text) and text[offset].isalnum():
            raw = raw + " "
        pieces.append(raw)
        position = offset
    pieces.append(text[position:])
    body = "".join(pieces).replace(" \n", "\n").replace("\n ", "\n")
    return message.prefix + body + message.suffix


class PoDocument(Document):
    """A parsed catalogue: the segments of its untranslated entries, and the file's lines to splice into."""

    def __init__(self, decoded: DecodedText, catalogue: polib.POFile, options: FormatOptions) -> None:
        self._decoded = decoded
        self._catalogue = catalogue
        self._lines = decoded.text.splitlines(keepends=True)
        self._eol = "\r\n" if self._lines and self._lines[0].endswith("\r\n") else "\n"
        self.segments: list[Segment] = []
        self._messages: list[_Message] = []
        self._entries: list[_Entry] = []
        # polib numbers an entry by its first line, 1-based; the file's first entry gets 0 (use its first line)
        starts = sorted(
            {max(_line_number(entry) - 1, 0) for entry in catalogue}
            | {max(_line_number(entry) - 1, 0) for entry in catalogue.obsolete_entries()}
        )
        header = _header_msgstr(self._lines)
        if header is not None:  # the header's lines (comments first) end the entry before it
            at = header[0] - 1
            while at > 0 and self._lines[at].strip() == '""':
                at -= 1  # a multi-line empty msgid
            while at > 0 and self._lines[at - 1].startswith("#"):
                at -= 1
            starts = sorted(set(starts) | {at})
        first_text = next((i for i, line in enumerate(self._lines) if line.strip()), 0)
        for entry in catalogue:
            if entry.obsolete or (_translated(entry) and not options.overwrite_targets):
                continue
            first = entry.linenum - 1 if entry.linenum else first_text
            following = bisect.bisect_right(starts, first)
            end = starts[following] if following < len(starts) else len(self._lines)
            while end > first and not self._lines[end - 1].strip():
                end -= 1
            item = _Entry(entry, first, end)
            msgid_line = next((i for i in range(first, end) if self._lines[i].startswith("msgid ")), first) + 1
            sources = [("msgid", entry.msgid)] + ([("msgid_plural", entry.msgid_plural)] if entry.msgid_plural else [])
            for kind, message in sources:
                text, tags, lifted = lift_placeholders(message)
                if not any(char.isalpha() for char in text):
                    continue
                item.segments.append(len(self.segments))
                self.segments.append(Segment(f"{kind} line {msgid_line}", text, tags))
                self._messages.append(lifted)
            if len(item.segments) == len(sources):
                self._entries.append(item)
            else:  # a message without words (only placeholders): the entry is left for a person
                del self.segments[len(self.segments) - len(item.segments) :]
                del self._messages[len(self._messages) - len(item.segments) :]

    def render(self, translations: Sequence[TranslatedSegment], options: FormatOptions) -> bytes:
        if len(translations) != len(self.segments):
            raise ValueError(f"{len(translations)} translations for {len(self.segments)} segments")
        target = options.target if options.target in PLURAL_FORMS else _DEFAULT_TARGET
        spaced = target != "zh"
        texts = [place_placeholders(t, m, spaced) for t, m in zip(translations, self._messages)]
        lines: list[str] = []
        position = 0
        for item in self._entries:
            if any(translations[index].kept is not None for index in item.segments):
                continue  # a message without Arabic is left as it is: no msgstr, no fuzzy flag
            lines.extend(self._lines[position : item.first_line])
            values = [texts[index] for index in item.segments]
            review = review_note([s for index in item.segments for s in translations[index].sentences])
            lines.extend(self._entry_lines(item, values, target, options.mark_fuzzy, review))
            position = item.end_line
        lines.extend(self._lines[position:])
        text = self._with_header("".join(lines), target)
        return self._decoded.encode(text)

    def _entry_lines(
        self, item: _Entry, values: list[str], target: str, fuzzy: bool, review: str | None = None
    ) -> list[str]:
        lines = self._lines[item.first_line : item.end_line]
        msgstr_at = next((i for i, line in enumerate(lines) if line.startswith("msgstr")), len(lines))
        if item.entry.msgid_plural:
            forms = [values[0], values[1]] if target == "en" else [values[1]]
            block = polib.POEntry(msgid="", msgid_plural="", msgstr_plural=dict(enumerate(forms)))
        else:
            block = polib.POEntry(msgid="", msgstr=values[0])
        new = _msgstr_lines(block, self._catalogue.wrapwidth, self._eol)
        head = [line for line in lines[:msgstr_at] if not line.startswith(f"# {REVIEW_PREFIX}")]
        if (fuzzy or review) and "fuzzy" not in item.entry.flags:
            head = _with_fuzzy(head, self._eol)
        if review:
            head = _with_comment(head, review, self._eol)
        return head + new

    def _with_header(self, text: str, target: str) -> str:
        metadata = dict(self._catalogue.ordered_metadata())
        charset = re.sub(r"charset=[^;\s]*", "charset=UTF-8", metadata.get("Content-Type", ""))
        metadata["Content-Type"] = charset if "charset=" in charset else "text/plain; charset=UTF-8"
        metadata["Language"] = LANGUAGE_CODES[target]
        metadata["Plural-Forms"] = PLURAL_FORMS[target]
        block = polib.POEntry(msgid="", msgstr="".join(f"{key}: {value}\n" for key, value in metadata.items()))
        header = _msgstr_lines(block, self._catalogue.wrapwidth, self._eol)
        lines = text.splitlines(keepends=True)
        found = _header_msgstr(lines)
        if found is None:
            return "".join([f'msgid ""{self._eol}', *header, self._eol, *lines])
        start, end = found
        return "".join(lines[:start] + header + lines[end:])


def _translated(entry: polib.POEntry) -> bool:
    return bool(entry.msgstr) or any(entry.msgstr_plural.values())


def _msgstr_lines(block: polib.POEntry, wrapwidth: int, eol: str) -> list[str]:
    """The msgstr lines polib writes for ``block`` (its msgid lines dropped), with the file's line ending."""
    lines = block.__unicode__(wrapwidth).split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("msgstr"))
    return [line + eol for line in lines[at:] if line]


def _with_fuzzy(head: list[str], eol: str) -> list[str]:
    """An entry's lines before its msgstr with ``fuzzy`` in its flags line (one is added where gettext puts
    it: after the comments and references, before previous-msgid lines and msgctxt)."""
    for index, line in enumerate(head):
        if line.startswith("#,"):
            flags = [flag.strip() for flag in line[2:].strip().split(",") if flag.strip()]
            return head[:index] + [f"#, {', '.join(['fuzzy', *flags])}" + eol] + head[index + 1 :]
    at = next(
        (i for i, line in enumerate(head) if not line.startswith(("# ", "#.", "#:")) and line.strip() != "#"), len(head)
    )
    return head[:at] + [f"#, fuzzy{eol}"] + head[at:]


def _with_comment(head: list[str], text: str, eol: str) -> list[str]:
    """An entry's lines with a translator comment (``# text``, one line) after its own translator comments."""
    at = next((i for i, line in enumerate(head) if not (line.startswith("# ") or line.strip() == "#")), len(head))
    return head[:at] + [f"# {' '.join(text.split())}{eol}"] + head[at:]


def _header_msgstr(lines: list[str]) -> tuple[int, int] | None:
    """The line range of the header's msgstr (its ``msgstr ""`` line and string lines): the ``msgid ""`` with
    no msgctxt before it, wherever it stands (gettext does not require it first)."""
    for index, line in enumerate(lines):
        if line.strip() != 'msgid ""' or _after_msgctxt(lines, index):
            continue
        at = index + 1
        while at < len(lines) and lines[at].strip() == '""':
            at += 1  # a multi-line empty msgid ("" "" ...)
        if at >= len(lines) or not lines[at].startswith("msgstr"):
            continue
        end = at + 1
        while end < len(lines) and lines[end].lstrip().startswith('"'):
            end += 1
        return at, end
    return None


def _after_msgctxt(lines: list[str], index: int) -> bool:
    """Whether the entry line ``lines[index]`` has a msgctxt (its lines just before, comments skipped)."""
    before = index - 1
    while before >= 0 and lines[before].startswith("#"):
        before -= 1
    while before >= 0 and lines[before].lstrip().startswith('"'):
        before -= 1
    return before >= 0 and lines[before].startswith("msgctxt")


class PoFormat(DocumentFormat):
    name = "po"
    extensions = (".po", ".pot")

    def parse(self, data: bytes, name: str, options: FormatOptions) -> PoDocument:
        declared = _declared_charset(data)
        if (
            options.encoding is not None
            and declared is not None
            and not _same_codec(options.encoding, declared)
            and _decodes(data, declared)
        ):
            raise InputError(
                f"{name}: the catalogue declares charset={declared} and decodes as such, but --encoding "
                f"{options.encoding} was given; drop --encoding, or correct the header if it is wrong"
            )
        decoded = decode_document(data, name, _KIND, option=options.encoding, declared=declared)
        text = decoded.text
        for number, line in enumerate(text.splitlines(), 1):
            if not _PO_LINE.fullmatch(line):
                raise InputError(f"{name}: not a valid PO file: a syntax error at line {number}")
        content = text if "\n" in text else text + "\n"  # polib reads a one-line string as a file name
        try:
            catalogue = polib.pofile(content, encoding="utf-8")
        except (OSError, ValueError) as error:
            syntax_line = _SYNTAX_LINE.search(str(error))
            where = f" at line {syntax_line.group(1)}" if syntax_line else ""
            raise InputError(f"{name}: not a valid PO file: a syntax error{where}") from None
        _check_keys(catalogue, text, name)
        if not len(catalogue) and not catalogue.metadata and not catalogue.obsolete_entries():
            raise InputError(f"{name}: no PO entries (msgid/msgstr pairs); not a PO file")
        return PoDocument(decoded, catalogue, options)


def _line_number(entry: polib.POEntry) -> int:
    """The entry's first line (1-based; 0 for the file's first entry): polib sets it on every entry it parses,
    None only on entries built in code."""
    if entry.linenum is None:
        raise ValueError("a PO entry that was not read from a file has no line number")
    return entry.linenum


def _check_keys(catalogue: polib.POFile, text: str, name: str) -> None:
    """Refuse what msgfmt refuses: two entries with one key (msgctxt, or none, and msgid: gettext's key), and a
    second header (polib keeps the last ``msgid ""`` as the header and the first as an entry)."""
    headers = [
        number
        for number, line in enumerate(text.splitlines(), 1)
        if line.rstrip() == 'msgid ""' and _header_like(text.splitlines(), number - 1)
    ]
    if len(headers) > 1:
        raise InputError(
            f'{name}: not a valid PO file: a second header (msgid "") at line {headers[1]}, the '
            f"first is at line {headers[0]}"
        )
    seen: set[tuple[str | None, str]] = set()  # polib's own duplicate check is quadratic
    for entry in catalogue:
        if entry.obsolete:
            continue
        key = (entry.msgctxt, entry.msgid)
        if key in seen:
            raise InputError(
                f"{name}: not a valid PO file: a duplicate entry (same msgctxt and msgid) at line "
                f"{max(_line_number(entry), 1)}"
            )
        seen.add(key)


def _header_like(lines: list[str], index: int) -> bool:
    """Whether the ``msgid ""`` at ``lines[index]`` is a header: no msgctxt, a msgstr next."""
    return not _after_msgctxt(lines, index) and index + 1 < len(lines) and lines[index + 1].startswith("msgstr")


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return False
    return True


def _same_codec(first: str, second: str) -> bool:
    try:
        return codecs.lookup(first).name.removesuffix("-sig") == codecs.lookup(second).name.removesuffix("-sig")
    except LookupError:
        return first.lower() == second.lower()


def _declared_charset(data: bytes) -> str | None:
    """The header's charset, when it names one (a .pot's placeholder ``CHARSET`` does not)."""
    match = _CHARSET.search(data[:8192])
    if not match or match.group(1).upper() == b"CHARSET":
        return None
    return match.group(1).decode("ascii")
