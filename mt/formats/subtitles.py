"""What SRT (mt.formats.srt) and WebVTT (mt.formats.vtt) share: cue text to segments, and translations back.

A format module finds its cues (timings, and the span of each cue's text in the decoded file); this module
does the rest, the same way for both:

- Cue text becomes plain text: its lines joined by a space, inline markup lifted out as tags. ``<i> <b> <u>
  <s> <font ...> <c.x> <v Name> <lang ...> <ruby>`` that open and close inside the cue are paired tags;
  ``{\\an8}``-style (ASS) overrides, VTT timestamps (``<00:01.000>``) and unmatched tags are point tags; those
  standing before the cue's first word or after its last stay fixed at the cue's start or end and are not given
  to the model. Ruby text (``<rt>...</rt>``, an annotation of its base) is kept as it is, never translated: the
  base is translated and the last ruby text stays before ``</ruby>``.
- A sentence that runs over several cues is ONE segment (location "cue 3-5"): a cue whose text does not end in
  sentence-final punctuation (``. ! ? ؟ …``, optionally before a closing quote or bracket) continues into the
  next cue, unless that one starts a new speaker (a leading dash), begins more than ``MAX_GAP_S`` later, or the
  segment already has ``MAX_CUES_PER_SEGMENT`` cues. Each cue boundary is a point tag ("cue4" before cue 4).
- After translation the target is split back at the boundary tags' target offsets (sorted, snapped to word
  starts; between characters in Chinese, never before a closing punctuation mark) so that every cue that had
  text keeps some; only where the target has fewer words than the segment has cues does a cue come out empty,
  and that is reported.
- Each cue's text is wrapped to ``LINE_LIMITS`` characters a line (42 English, 16 Chinese), on two lines at
  most where they fit, most balanced split first; a cue that reads faster than ``READING_SPEED_LIMITS``
  characters per second (17 English, 9 Chinese: the common broadcast/streaming guidelines), counted on its
  text without line breaks over its duration, is reported.

Reports (an empty cue, a cue too fast to read, a cue that needs more than two lines) are logged as warnings and kept in
``SubtitleDocument.warnings`` after ``render``. Cue numbers in locations and messages are ordinals (1 = the
file's first cue), which is also the SRT index in a well-numbered file.

The output is the input's text with only the cues' text replaced (indexes, identifiers, timings, cue settings,
SRT position fields, NOTE/STYLE/REGION blocks, the header, blank lines and line endings stay byte for byte),
encoded UTF-8. A cue whose segment comes back unchanged keeps its original bytes, so the identity translation
returns the input exactly (re-encoded to UTF-8 when it was in a legacy encoding).
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass, field, replace
from typing import AbstractSet, Sequence

from mt.formats.charset import DecodedText
from mt.formats.document import Document, FormatOptions, Segment, Tag, TranslatedSegment
from mt.formats.inline import Markup, collapse_spaces, compose
from mt.text.script import char_script
from mt.text.sentences import SENTENCE_MARKS

LOG = logging.getLogger(__name__)

LINE_LIMITS = {"en": 42, "zh": 16}  # characters a line
READING_SPEED_LIMITS = {"en": 17.0, "zh": 9.0}  # characters a second
MAX_GAP_S = 2.0  # a longer pause between two cues ends the sentence
MAX_CUES_PER_SEGMENT = 6
_DEFAULT_LANGUAGE = "en"

_RUBY_TEXT = r"<rt(?:\.[\w.-]*)?(?:[ \t][^<>\n]*)?>.*?(?:</rt>|(?=</ruby>)|$)"
_MARKUP = re.compile(
    rf"{_RUBY_TEXT}|\{{\\[^{{}}\n]*\}}|<\d[\d:.]*>|</?[A-Za-z][\w-]*(?:\.[\w.-]*)?(?:[ \t][^<>\n]*)?>", re.S
)
_TAG_NAME = re.compile(r"</?([A-Za-z][\w-]*)")
_TIMESTAMP = re.compile(r"<\d[\d:.]*>")
_CLOSERS = "\"'»”’)]」』）"
_DIALOGUE_DASH = ("-", "–", "—")
_CJK_NO_LINE_START = set("，。！？、；：”’）》」』…,.!?;:)")


@dataclass(frozen=True)
class Cue:
    """One cue as the format module found it: its ordinal, the label for messages (SRT index, VTT
    identifier), its timing in seconds, and the span of its text in the decoded file."""

    number: int
    label: str
    start: float
    end: float
    span: tuple[int, int]


@dataclass
class _CueText:
    """A cue's text with its markup lifted out."""

    cue: Cue
    raw: str
    plain: str
    markup: list[Markup]
    prefix: str = ""  # point markup before the first word (an {\an8}, an unclosed <v Name>)
    suffix: str = ""  # point markup after the last word

    @property
    def translatable(self) -> bool:
        return any(char.isalpha() for char in self.plain)


@dataclass
class _Group:
    """The cues of one segment, with the markup behind each of the segment's tag ids."""

    cues: list[_CueText]
    markup: dict[str, Markup] = field(default_factory=dict)


def lift_markup(cue: Cue, raw: str, *, entities: bool) -> _CueText:
    """Plain text and markup of a cue's raw text (``entities``: decode HTML character references, as VTT
    has them). Lines are joined by a space; runs of white space become one space."""
    chars: list[str] = []
    markup: list[Markup] = []
    order: list[int] = []  # where each markup item opened in ``raw``: of two over one span, the outer first
    stack: list[tuple[str, str, int, int]] = []
    position = 0
    for match in _MARKUP.finditer(raw):
        piece = raw[position : match.start()]
        chars.extend(html.unescape(piece) if entities else piece)
        position = match.end()
        token = match.group(0)
        name = _TAG_NAME.match(token)
        offset = len(chars)
        spaces = (match.start() > 0 and raw[match.start() - 1].isspace(), raw[match.end() : match.end() + 1].isspace())
        if name is None or name.group(1).lower() == "rt":  # {\an8}, <00:01.000>, <rt>ruby text</rt>
            markup.append(Markup(offset, offset, False, token, space_before=spaces[0], space_after=spaces[1]))
            order.append(match.start())
        elif token.startswith("</"):
            wanted = name.group(1).lower()
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth][0] == wanted:
                    for _, opening, start, at in stack[depth + 1 :]:
                        markup.append(Markup(start, start, False, opening))
                        order.append(at)
                    _, opening, start, at = stack[depth]
                    del stack[depth:]
                    closing = token
                    if (
                        markup
                        and not markup[-1].paired
                        and markup[-1].start == offset
                        and markup[-1].open.startswith("<rt")
                        and wanted == "ruby"
                    ):
                        closing = markup.pop().open + token  # the last ruby text stays inside its ruby
                        order.pop()
                    markup.append(Markup(start, offset, True, opening, closing))
                    order.append(at)
                    break
            else:
                markup.append(Markup(offset, offset, False, token))
                order.append(match.start())
        else:
            stack.append((name.group(1).lower(), token, offset, match.start()))
    chars.extend(html.unescape(raw[position:]) if entities else raw[position:])
    for _, opening, start, at in stack:
        markup.append(Markup(start, start, False, opening))
        order.append(at)
    plain, remap = collapse_spaces("".join(chars))
    ranked = sorted(zip(markup, order), key=lambda pair: (remap[pair[0].start], -remap[pair[0].end], pair[1]))
    markup = [replace(m, start=remap[m.start], end=remap[m.end]) for m, _ in ranked]
    prefix = "".join(m.open for m in markup if not m.paired and m.start == 0)
    suffix = "".join(m.open for m in markup if not m.paired and m.start == len(plain) and plain)
    kept = [m for m in markup if m.paired or 0 < m.start < len(plain)]
    return _CueText(cue, raw, plain, kept, prefix, suffix)


def _ends_sentence(plain: str) -> bool:
    stripped = plain.rstrip().rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in SENTENCE_MARKS


def _continues(previous: _CueText, following: _CueText, size: int) -> bool:
    return (
        not _ends_sentence(previous.plain)
        and following.translatable
        and size < MAX_CUES_PER_SEGMENT
        and following.cue.start - previous.cue.end <= MAX_GAP_S
        and not following.plain.startswith(_DIALOGUE_DASH)
    )


class SubtitleDocument(Document):
    """Cues of a subtitle file grouped into sentence segments; rendered by splicing new cue text into the
    original file text. ``warnings``: the reports of the last ``render`` (empty cues, fast cues)."""

    def __init__(self, decoded: DecodedText, cues: Sequence[Cue], *, entities: bool, escape: bool) -> None:
        self._decoded = decoded
        self._escape = escape
        text = decoded.text
        self._eol = next((eol for eol in ("\r\r\n", "\r\n") if eol in text), "\n")
        self.warnings: list[str] = []
        self.segments: list[Segment] = []
        self._groups: list[_Group] = []
        lifted = [lift_markup(cue, text[cue.span[0] : cue.span[1]], entities=entities) for cue in cues]
        index = 0
        while index < len(lifted):
            if not lifted[index].translatable:
                index += 1
                continue
            members = [lifted[index]]
            while index + len(members) < len(lifted) and _continues(
                members[-1], lifted[index + len(members)], len(members)
            ):
                members.append(lifted[index + len(members)])
            index += len(members)
            self._add_segment(members)

    def _add_segment(self, members: list[_CueText]) -> None:
        group = _Group(members)
        text = ""
        tags: list[Tag] = []
        for position, member in enumerate(members):
            if position:
                text += " "
                tags.append(Tag(f"cue{member.cue.number}", len(text), len(text), paired=False))
            base = len(text)
            text += member.plain
            for counter, markup in enumerate(member.markup, 1):
                tag_id = f"c{member.cue.number}.{counter}"
                tags.append(Tag(tag_id, base + markup.start, base + markup.end, markup.paired))
                group.markup[tag_id] = markup
        first, last = members[0].cue.number, members[-1].cue.number
        location = f"cue {first}" if first == last else f"cue {first}-{last}"
        self.segments.append(Segment(location, text, tuple(tags)))
        self._groups.append(group)

    def render(self, translations: Sequence[TranslatedSegment], options: FormatOptions) -> bytes:
        if len(translations) != len(self.segments):
            raise ValueError(f"{len(translations)} translations for {len(self.segments)} segments")
        language = options.target if options.target in LINE_LIMITS else _DEFAULT_LANGUAGE
        self.warnings = []
        replacements: list[tuple[tuple[int, int], str]] = []
        for segment, group, translation in zip(self.segments, self._groups, translations):
            if translation.text == segment.text and set(translation.tags) == set(segment.tags):
                continue  # unchanged: the cues keep their bytes
            for member, content in zip(group.cues, self._cue_texts(group, translation, language)):
                replacements.append((member.cue.span, content))
        text = self._decoded.text
        pieces: list[str] = []
        position = 0
        for (start, end), content in sorted(replacements):
            pieces.append(text[position:start])
            pieces.append(content)
            position = end
        pieces.append(text[position:])
        for warning in self.warnings:
            LOG.warning("%s", warning)
        return self._decoded.encode("".join(pieces))

    def _cue_texts(self, group: _Group, translation: TranslatedSegment, language: str) -> list[str]:
        target = translation.text
        cues = group.cues
        kept = _term_interiors(translation)
        cuts = _cut_points(
            target, [_boundary(group, translation, number) for number in range(1, len(cues))], language == "zh", kept
        )
        bounds = [0, *cuts, len(target)]
        contents = []
        for number, member in enumerate(cues):
            start, end = bounds[number], bounds[number + 1]
            while start < end and target[start].isspace():
                start += 1
            while end > start and target[end - 1].isspace():
                end -= 1
            prefix = f"c{member.cue.number}."
            own = [tag for tag in translation.tags if tag.id.startswith(prefix) and tag.id in group.markup]
            local = _cue_markup(own, group.markup, start, end)
            plain = target[start:end]
            label = member.cue.label or str(member.cue.number)
            if not plain and member.plain:
                self.warnings.append(
                    f"cue {member.cue.number} ({label}): empty after translation (the "
                    f"translation has fewer words than the {len(cues)} cues of its sentence)"
                )
            self._check_speed(member, plain, label, language)
            breaks = _wrap(plain, LINE_LIMITS[language], language == "zh", {k - start for k in kept})
            if len(breaks) > 1:
                self.warnings.append(
                    f"cue {member.cue.number} ({label}): {len(breaks) + 1} lines (more than 2 lines "
                    f"of {LINE_LIMITS[language]} characters)"
                )
            escape = _escape_html if self._escape else _keep
            contents.append(
                member.prefix
                + compose(plain, local, escape, line_starts=breaks, eol=self._eol, spaced=language != "zh")
                + member.suffix
            )
        return contents

    def _check_speed(self, member: _CueText, plain: str, label: str, language: str) -> None:
        duration = member.cue.end - member.cue.start
        limit = READING_SPEED_LIMITS[language]
        if duration > 0 and len(plain) / duration > limit:
            self.warnings.append(
                f"cue {member.cue.number} ({label}): reads too fast, {len(plain) / duration:.1f} "
                f"characters/s over {duration:.2f} s (limit {limit:g} for {language})"
            )


def _cue_markup(tags: list[Tag], markup: dict[str, Markup], start: int, end: int) -> list[Markup]:
    """A cue's own markup at offsets into its target text ``[start, end)``: each tag stays in the cue it came
    from (clamped into it); a paired tag left with no words there wraps what held it in the source (its
    parent, else the whole cue), so it never comes back empty; timestamps keep their source order."""
    local: dict[str, Markup] = {}
    for tag in tags:  # the source's order: outer before inner
        source = markup[tag.id]
        a, b = min(max(tag.start, start), end) - start, min(max(tag.end, start), end) - start
        if source.paired and a >= b:
            parent = next(
                (
                    local[other]
                    for other in reversed(list(local))
                    if markup[other].paired and markup[other].start <= source.start and source.end <= markup[other].end
                ),
                None,
            )
            a, b = (parent.start, parent.end) if parent is not None else (0, end - start)
        local[tag.id] = replace(source, start=a, end=b if source.paired else a)
    stamps = [tag_id for tag_id, item in local.items() if _TIMESTAMP.fullmatch(item.open)]
    for tag_id, offset in zip(stamps, sorted(local[tag_id].start for tag_id in stamps)):
        local[tag_id] = replace(local[tag_id], start=offset, end=offset)
    return list(local.values())


def _boundary(group: _Group, translation: TranslatedSegment, position: int) -> int | None:
    """The target offset of the boundary before the group's cue at ``position`` (None: no such tag)."""
    try:
        return translation.tag(f"cue{group.cues[position].cue.number}").start
    except KeyError:
        return None


def _term_interiors(translation: TranslatedSegment) -> set[int]:
    """Offsets inside a glossary term's target in the translation: no cue or line begins there."""
    inside: set[int] = set()
    for sentence in translation.sentences:
        for term in sentence.terms:
            if not term.target:
                continue
            at = translation.text.find(term.target)
            while at >= 0:
                inside.update(range(at + 1, at + len(term.target)))
                at = translation.text.find(term.target, at + 1)
    return inside


def _cut_points(text: str, wanted: list[int | None], cjk: bool, kept: AbstractSet[int] = frozenset()) -> list[int]:
    """Where to cut ``text`` for ``len(wanted)`` boundaries: at valid breaks (word starts; in Chinese between
    characters, not before closing punctuation), strictly increasing, each nearest to its wanted offset
    (sorted; a missing one is spread evenly), never inside a glossary term (``kept``). Too few breaks: the
    last cuts fall at the end (empty cues)."""
    count = len(wanted)
    if not count:
        return []
    filled = [
        offset if offset is not None else round(len(text) * (i + 1) / (count + 1)) for i, offset in enumerate(wanted)
    ]
    filled.sort()
    candidates = [b for b in _breaks(text, cjk) if b not in kept]
    if len(candidates) < count:  # fewer words than cues: one word a cue, the last cues empty
        return candidates + [len(text)] * (count - len(candidates))
    cuts: list[int] = []
    low = 0
    for index, offset in enumerate(filled):
        room = len(candidates) - (count - index - 1)
        best = min(range(low, room), key=lambda i: (abs(candidates[i] - offset), candidates[i]))
        cuts.append(candidates[best])
        low = best + 1
    return cuts


def _breaks(text: str, cjk: bool) -> list[int]:
    """Offsets where a cue or a line may begin inside ``text``."""
    points = []
    for offset in range(1, len(text)):
        before, char = text[offset - 1], text[offset]
        if char.isspace():
            continue
        if before.isspace():
            points.append(offset)
        elif (
            cjk
            and char not in _CJK_NO_LINE_START
            and (char_script(before) == "cjk" or char_script(char) == "cjk" or before in _CJK_NO_LINE_START)
        ):
            points.append(offset)
    return points


def _wrap(text: str, limit: int, cjk: bool, kept: AbstractSet[int] = frozenset()) -> list[int]:
    """Line starts (offsets into ``text``) that wrap it to ``limit`` characters a line: one line if it fits,
    else the most balanced two-line split that fits, else greedy lines of at most ``limit``; never inside a
    glossary term (``kept``)."""
    if len(text) <= limit:
        return []
    candidates = [b for b in _breaks(text, cjk) if b not in kept]

    def line_end(start: int) -> int:  # the end of the line before a break at ``start``
        return start - 1 if not cjk and start and text[start - 1] == " " else start

    fitting = [b for b in candidates if line_end(b) <= limit and len(text) - b <= limit]
    if fitting:
        return [min(fitting, key=lambda b: (max(line_end(b), len(text) - b), line_end(b) > len(text) - b))]
    starts: list[int] = []
    line_start = 0
    while len(text) - line_start > limit:
        following = [b for b in candidates if b > line_start]
        if not following:
            break
        fit = [b for b in following if line_end(b) - line_start <= limit]
        line_start = fit[-1] if fit else following[0]
        starts.append(line_start)
    return starts


def _escape_html(char: str) -> str:
    return html.escape(char, quote=False)


def _keep(char: str) -> str:
    return char
