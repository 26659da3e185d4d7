"""TMX (.tmx) as a document: each ``tu`` with an Arabic ``tuv`` gets a ``tuv`` in the target language.

What is translated: the ``seg`` of the first Arabic ``tuv`` (``xml:lang``, or TMX 1.1's ``lang``, whose primary
subtag is ``ar``) of every ``tu``. Inline codes become tags: a ``bpt``/``ept`` pair (matched by ``i``) and ``hi``
wrap text (paired tags); ``ph``, ``it``, ``ut``, an unmatched ``bpt``/``ept``, and a pair that would cross another
are points. Their content (native code, ``sub``) is never translated and comes back as it was.

What is kept: everything. The output is the input's bytes with one ``tuv`` inserted after the last ``tuv`` of each
translated ``tu`` (indented as the Arabic one), so the header, properties, notes, comments, other languages,
entities-free character references and formatting all stay byte for byte; a ``tu`` that already has a target
``tuv`` is left alone, unless ``overwrite_targets``, where that ``tuv`` is replaced in place. The language tag of
the new ``tuv`` follows the file: the spelling most used for the target language in it (``en-US``, ``ZH-CN``), else
``en`` or ``zh-CN``; its attribute is ``xml:lang`` or ``lang`` as the Arabic one's. A ``seg`` without letters
(numbers, codes) is copied as it is; one with letters but no Arabic letter (``TranslatedSegment.kept``: English
text under an Arabic tag) gets no target ``tuv`` (an existing one stays), as in every format.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Sequence

from lxml import etree

from mt.errors import InputError
from mt.formats.document import Document, DocumentFormat, FormatOptions, Segment, Tag, TranslatedSegment
from mt.formats.language import XML_LANG, is_arabic, same_language
from mt.formats.xml import parse_xml_bytes

DEFAULT_TAGS = {"en": "en", "zh": "zh-CN"}
_SKIPPED = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>", re.S)
_TU_END = re.compile(r"</tu\s*>")
_TUV = re.compile(r"<tuv\b[^>]*?(?:/>|>.*?</tuv\s*>)", re.S)
_ENCODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "utf-16": "utf-16", "utf-16le": "utf-16-le", "utf-16be": "utf-16-be"}


def _lang(tuv: etree._Element) -> tuple[str | None, str]:
    """A tuv's language tag and the attribute it is in."""
    if tuv.get(XML_LANG) is not None:
        return tuv.get(XML_LANG), XML_LANG
    return tuv.get("lang"), "lang"


def _has_letters(text: str) -> bool:
    return any(unicodedata.category(c).startswith("L") for c in text)


@dataclass
class _Code:
    """How a tag is written back: the elements it came from (copies, tails dropped)."""

    kind: str  # "pair" (bpt + ept), "hi" (an element around text) or "point"
    first: etree._Element
    second: etree._Element | None = None

    def closing(self) -> etree._Element:
        """A pair's second element (its ept)."""
        if self.second is None:
            raise ValueError(f"a {self.kind!r} code has no second element")
        return self.second


@dataclass
class _Unit:
    """A tu to translate: where it ends in the text, its Arabic tuv, its indentation, a target tuv to replace."""

    end: int  # where its last tuv ends in the decoded text (the new one goes there)
    arabic: etree._Element
    indent: str
    lang_attr: str
    replace: tuple[int, int] | None = None  # an existing target tuv's span in the text (overwrite_targets)
    segment: Segment | None = None  # None: the seg has no letters and is copied
    codes: dict[str, _Code] = field(default_factory=dict)


def _strip_tail(element: etree._Element) -> etree._Element:
    element = copy.deepcopy(element)
    element.tail = None
    return element


def _seg_text(seg: etree._Element) -> tuple[str, list[Tag], dict[str, _Code]]:
    """A seg's plain text, its tags and how to write each back."""
    parts: list[str] = []
    tags: list[Tag] = []
    codes: dict[str, _Code] = {}
    opened: dict[str, tuple[int, etree._Element]] = {}  # bpt i -> (offset, element)
    pairs: list[tuple[str, int, int, etree._Element, etree._Element]] = []
    counter: Counter[str] = Counter()
    points: list[tuple[int, etree._Element]] = []

    def length() -> int:
        return sum(len(p) for p in parts)

    def walk(element: etree._Element) -> None:
        if element.text:
            parts.append(element.text)
        for child in element:
            if not isinstance(child.tag, str):  # a comment or processing instruction: kept as a point
                points.append((length(), child))
            else:
                name = etree.QName(child).localname
                if name == "hi":
                    counter["hi"] += 1
                    tag_id = f"hi{counter['hi']}"
                    start = length()
                    walk(child)
                    tags.append(Tag(tag_id, start, length()))
                    shell = _strip_tail(child)
                    for grandchild in list(shell):
                        shell.remove(grandchild)
                    shell.text = None
                    codes[tag_id] = _Code("hi", shell)
                elif name == "bpt" and (i := child.get("i")) is not None and i not in opened:
                    opened[i] = (length(), child)
                elif name == "ept" and (i := child.get("i")) is not None and i in opened:
                    start, bpt = opened.pop(i)
                    pairs.append((i, start, length(), bpt, child))
                else:
                    points.append((length(), child))
            if child.tail:
                parts.append(child.tail)

    walk(seg)
    points.extend((start, element) for start, element in opened.values())  # a bpt without its ept
    points += _add_pairs(pairs, tags, codes)
    _add_points(points, tags, codes, counter)
    order = {id(t): k for k, t in enumerate(tags)}
    tags.sort(key=lambda t: (t.start, -t.end, order[id(t)]))
    return "".join(parts), tags, codes


def _add_pairs(
    pairs: list[tuple[str, int, int, etree._Element, etree._Element]], tags: list[Tag], codes: dict[str, _Code]
) -> list[tuple[int, etree._Element]]:
    """Add each bpt/ept pair as a paired tag; return the ends of the pairs that cross a tag, as points."""
    points: list[tuple[int, etree._Element]] = []
    for i, start, end, bpt, ept in pairs:
        tag = Tag(f"pair{i}", start, end)
        crosses = any(t.start < tag.start < t.end < tag.end or tag.start < t.start < tag.end < t.end for t in tags)
        if crosses:  # overlapping bpt/ept pairs are legal TMX but cannot nest: keep both ends as points
            points += [(start, bpt), (end, ept)]
        else:
            tags.append(tag)
            codes[tag.id] = _Code("pair", _strip_tail(bpt), _strip_tail(ept))
    return points


def _add_points(
    points: list[tuple[int, etree._Element]], tags: list[Tag], codes: dict[str, _Code], counter: Counter
) -> None:
    """Add each point (a ph, it, ut, a lone bpt or ept, a comment) as an unpaired tag, in text order."""
    for start, element in sorted(points, key=lambda p: p[0]):
        name = etree.QName(element).localname if isinstance(element.tag, str) else "code"
        counter[name] += 1
        tag_id = f"{name}{counter[name]}"
        tags.append(Tag(tag_id, start, start, paired=False))
        codes[tag_id] = _Code("point", _strip_tail(element))


def _seg(tuv: etree._Element) -> etree._Element:
    """A tuv's seg (the Arabic tuv is chosen among those that have one)."""
    seg = tuv.find("seg")
    if seg is None:
        raise ValueError("a <tuv> without <seg>")
    return seg


def _append_text(parent: etree._Element, text: str) -> None:
    if not text:
        return
    if len(parent):
        parent[-1].tail = (parent[-1].tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def build_seg(seg_tag: str, text: str, tags: Sequence[Tag], codes: dict[str, _Code]) -> etree._Element:
    """A seg element holding ``text`` with each tag's code written back at its offsets."""
    events: list[tuple[int, int, int, float, str, etree._Element | str]] = []  # the item: a point's element or a tag id
    for k, tag in enumerate(tags):
        code = codes[tag.id]
        if code.kind == "point" or tag.start == tag.end:  # a point, or a paired code around nothing: written whole
            if code.kind == "pair":
                events += [
                    (tag.start, 1, 0, k, "point", code.first),
                    (tag.start, 1, 0, k + 0.5, "point", code.closing()),
                ]
            else:
                events.append((tag.start, 1, 0, k, "point", code.first))
        else:
            events.append((tag.start, 2, -tag.end, k, "open", tag.id))
            events.append((tag.end, 0, -tag.start, -k, "close", tag.id))
    events.sort(key=lambda e: e[:4])
    seg = etree.Element(seg_tag)
    stack = [seg]
    cursor = 0
    for position, _, _, _, what, item in events:
        _append_text(stack[-1], text[cursor:position])
        cursor = position
        if isinstance(item, etree._Element):  # a point
            stack[-1].append(copy.deepcopy(item))
            continue
        code = codes[item]
        if code.kind == "hi":
            if what == "open":
                element = copy.deepcopy(code.first)
                stack[-1].append(element)
                stack.append(element)
            else:
                stack.pop()
        else:
            stack[-1].append(copy.deepcopy(code.first if what == "open" else code.closing()))
    _append_text(stack[-1], text[cursor:])
    return seg


class TmxDocument(Document):
    def __init__(self, text: str, encoding: str, bom: bytes, units: list[_Unit], lang_codes: Counter[str]) -> None:
        self.text = text
        self.encoding = encoding
        self.bom = bom
        self.units = units
        self.lang_codes = lang_codes
        self.segments = [unit.segment for unit in units if unit.segment is not None]

    def target_code(self, target: str) -> str:
        spelled = [(n, code) for code, n in self.lang_codes.items() if same_language(code, target)]
        if spelled:
            return max(spelled, key=lambda p: (p[0], p[1]))[1]
        return DEFAULT_TAGS.get(target, target)

    def render(self, translations: Sequence[TranslatedSegment], options: FormatOptions) -> bytes:
        if len(translations) != len(self.segments):
            raise ValueError(f"{len(translations)} translations for {len(self.segments)} segments")
        target = options.target or "en"
        code = self.target_code(target)
        by_segment = iter(translations)
        edits: list[tuple[int, int, str]] = []
        for unit in self.units:
            if unit.segment is None:
                seg = _strip_tail(_seg(unit.arabic))
            else:
                translated = next(by_segment)
                if translated.kept is not None:  # left as it is (no Arabic letter): no target written
                    continue
                seg = build_seg("seg", translated.text, translated.tags, unit.codes)
            tuv = etree.Element("tuv", {unit.lang_attr: code})
            tuv.append(seg)
            xml = etree.tostring(tuv, encoding="unicode")
            if unit.replace is not None:
                edits.append((unit.replace[0], unit.replace[1], xml))
            else:
                edits.append((unit.end, unit.end, unit.indent + xml))
        out = []
        cursor = 0
        for start, end, xml in sorted(edits):
            out.append(self.text[cursor:start])
            out.append(xml)
            cursor = end
        out.append(self.text[cursor:])
        # a legacy encoding that cannot spell the translation gets character references (valid XML)
        return self.bom + "".join(out).encode(self.encoding, errors="xmlcharrefreplace")


class TmxFormat(DocumentFormat):
    name = "tmx"
    extensions = (".tmx",)

    def parse(self, data: bytes, name: str, options: FormatOptions) -> TmxDocument:
        root = parse_xml_bytes(data, name)
        if etree.QName(root).localname != "tmx":
            raise InputError(f"{name}: not a TMX file (the root element is <{etree.QName(root).localname}>, not <tmx>)")
        body = root.find("body")
        if body is None:
            raise InputError(f"{name}: not a TMX file (no <body>)")
        text, encoding, bom = self._decode(data, (root.getroottree().docinfo.encoding or "UTF-8").lower(), name)
        ends = self._tu_ends(text)
        tus = list(body.iter("tu"))
        if len(ends) != len(tus):
            raise InputError(f"{name}: cannot locate every <tu> in the file ({len(tus)} parsed, {len(ends)} found)")
        target = options.target
        units: list[_Unit] = []
        codes: Counter[str] = Counter()
        any_arabic = False
        start = 0
        for index, (tu, end) in enumerate(zip(tus, ends), start=1):
            tuvs = [tuv for tuv in tu if isinstance(tuv.tag, str) and tuv.tag == "tuv"]
            for tuv in tuvs:
                language = _lang(tuv)[0]
                if language is not None:  # the spellings of the tags in use (a tuv without one names none)
                    codes[language] += 1
            arabic = next((tuv for tuv in tuvs if is_arabic(_lang(tuv)[0]) and tuv.find("seg") is not None), None)
            spans = [m.span() for m in _TUV.finditer(text, start, end)]
            if len(spans) != len(tuvs):
                raise InputError(f"{name}: cannot locate the <tuv> elements of tu {index}")
            start = end
            if arabic is None:
                continue
            any_arabic = True
            arabic_at = tuvs.index(arabic)
            before = text[: spans[arabic_at][0]]
            indent = before[len(before.rstrip()) :]  # the new tuv goes after the last one, indented as the Arabic
            unit = _Unit(end=spans[-1][1], arabic=arabic, indent=indent, lang_attr=_lang(arabic)[1])
            existing = [
                k
                for k, tuv in enumerate(tuvs)
                if tuv is not arabic and target is not None and same_language(_lang(tuv)[0], target)
            ]
            if existing:
                if not options.overwrite_targets:
                    continue
                unit.replace = spans[existing[0]]
            text_, tags, tag_codes = _seg_text(_seg(arabic))
            if _has_letters(text_):
                unit.segment = Segment(
                    f"tu {index}" + (f" (tuid {tu.get('tuid')})" if tu.get("tuid") else ""), text_, tuple(tags)
                )
                unit.codes = tag_codes
            units.append(unit)
        if not any_arabic:
            raise InputError(f'{name}: no <tu> has an Arabic <tuv> (xml:lang="ar"); nothing to translate')
        return TmxDocument(text, encoding, bom, units, codes)

    @staticmethod
    def _decode(data: bytes, declared: str, name: str) -> tuple[str, str, bytes]:
        """The file's text in its ``declared`` encoding, the codec that writes it back (UTF-16 with its byte
        order) and its byte-order mark (b"" when none)."""
        bom = b""
        if declared.startswith("utf-16"):
            encoding = "utf-16"
        else:
            encoding = _ENCODINGS.get(declared, declared)
            if encoding == "utf-8" and data.startswith(b"\xef\xbb\xbf"):
                bom, data = data[:3], data[3:]
        try:
            text = data.decode(encoding)
        except (LookupError, UnicodeDecodeError) as error:
            raise InputError(f"{name}: cannot decode the file as {declared} ({type(error).__name__})") from error
        if encoding == "utf-16":
            encoding = "utf-16-be" if data.startswith(b"\xfe\xff") else "utf-16-le"
            bom = b"\xfe\xff" if encoding == "utf-16-be" else b"\xff\xfe"
            text = text.lstrip("\ufeff")
        return text, encoding, bom

    @staticmethod
    def _tu_ends(text: str) -> list[int]:
        """Offsets of every "</tu>" outside comments, CDATA sections and processing instructions."""
        ends = []
        cursor = 0
        for skipped in list(_SKIPPED.finditer(text)) + [None]:
            stop = skipped.start() if skipped is not None else len(text)
            ends += [m.start() for m in _TU_END.finditer(text, cursor, stop)]
            cursor = skipped.end() if skipped is not None else len(text)
        return ends
