"""Sentence splitting for Arabic, English and Chinese lines.

A sentence ends at `. ! ? … ؟` (and `。！？` in Chinese) followed by white space, or right after the Chinese
marks. Numbers such as 6.21 or 1.000.000 are whole because no space follows their dots; known abbreviations
(Dr., U.S., e.g., د. ...) and single initials do not end a sentence. The Arabic comma and semicolon (، ؛) and
their Latin twins are clause boundaries, not sentence ends: OPUS-MT models translate a whole Arabic sentence
better than its clauses, so those only split a sentence that is too long for the model (see chunking.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# sentence-final punctuation (Chinese marks end a sentence without a space after them), optionally followed by
# closing quotes / brackets
_SPACED_ENDS = ".!?…؟"
_CJK_ENDS = "。！？"
SENTENCE_MARKS = _SPACED_ENDS + _CJK_ENDS
_END = re.compile(rf"([{_SPACED_ENDS}]+[\"'»”’)\]]*)(\s+)|([{_CJK_ENDS}]+[”’」』）)]*)(\s*)")
_ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "st",
    "jr",
    "sr",
    "vs",
    "etc",
    "e.g",
    "i.e",
    "inc",
    "ltd",
    "co",
    "corp",
    "no",
    "vol",
    "fig",
    "p",
    "pp",
    "u.s",
    "u.k",
    "u.n",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "gen",
    "gov",
    "sen",
    "rep",
    "est",
    "approx",
    "dept",
    "univ",
    # Arabic: د. (Dr.), م. (AD / metre), هـ. (AH), ص. (page), ق.م (BC), أ. (Prof./Mr.)
    "د",
    "م",
    "هـ",
    "ه",
    "ص",
    "ق.م",
    "أ",
    "ج",
    "ت",
}
_WORD_BEFORE = re.compile(r"([\w.]+)$")


@dataclass(frozen=True)
class Span:
    """A sentence as a slice of its line."""

    start: int
    end: int


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the '.' at index `dot` closes an abbreviation or an initial rather than a sentence."""
    match = _WORD_BEFORE.search(text[:dot])
    if not match:
        return False
    word = match.group(1).lower().strip(".")
    if word in _ABBREVIATIONS:
        return True
    # single Latin initial such as "J." in "J. R. R. Tolkien", or dotted acronyms like "U.S.A."
    return bool(re.fullmatch(r"[a-z]", word) or re.fullmatch(r"(?:[a-z]\.)+[a-z]", word))


def split_sentences(line: str) -> list[Span]:
    """Split a line into sentence spans that cover all its non-space text, in order."""
    spans: list[Span] = []
    start = 0
    for match in _END.finditer(line):
        punct_end = match.end(1) if match.group(1) else match.end(3)
        punct_start = match.start(1) if match.group(1) else match.start(3)
        if (
            match.group(1)
            and line[punct_start] == "."
            and match.group(1) == "."
            and _is_abbreviation(line, punct_start)
        ):
            continue
        if punct_end < len(line) or match.group(1) is None:
            if line[start:punct_end].strip():
                spans.append(Span(start, punct_end))
            start = match.end()
    if line[start:].strip():
        spans.append(Span(start, len(line)))
    return [_trim(line, s) for s in spans]


def _trim(line: str, span: Span) -> Span:
    start, end = span.start, span.end
    while start < end and line[start].isspace():
        start += 1
    while end > start and line[end - 1].isspace():
        end -= 1
    return Span(start, end)


def sentences(line: str) -> list[str]:
    """The sentences of a line as strings."""
    return [line[s.start : s.end] for s in split_sentences(line)]
