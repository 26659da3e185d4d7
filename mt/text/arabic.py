"""Arabic orthographic normalisation that keeps a map back to the original offsets.

What is folded (both for glossary keys and for running text):

* NFKC, character by character (presentation forms such as U+FEFB become their letters);
* diacritics / harakat, Quranic marks, superscript alef, and tatweel (U+0640) are removed;
* invisible marks (ZWJ, ZWNJ, ZWSP, LRM, RLM, ALM, bidi embeddings and isolates, soft hyphen, BOM) are removed;
* alef forms أ إ آ ٱ ٲ ٳ -> ا; ta marbuta ة -> ه;
* Persian / Urdu letters: ک -> ك, ی ې -> ي, گ -> ك, پ -> ب, چ -> ج, ژ -> ز, ڤ -> ف, ە ۀ -> ه;
* Arabic-Indic (U+0660..) and Persian (U+06F0..) digits -> ASCII digits;
* Latin letters are lower-cased.

:func:`fold_coarse` is the coarser key a statistical aligner counts word types by (same marks removed, every ى
and the hamza seats folded, no offset map).

Alef maqsura ى is *not* folded by :func:`normalize`; :func:`fold_final_yeh` folds a token-final ى -> ي except in
the function words على / الى / حتى / ... (with or without proclitics), so على never becomes the name علي.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

__all__ = [
    "NormalizedText",
    "normalize",
    "normalize_token",
    "normalize_map",
    "fold_final_yeh",
    "fold_coarse",
    "TOKEN_RE",
    "PROCLITICS",
]

_DIACRITICS = (
    set(range(0x064B, 0x0660))
    | {0x0670}
    | set(range(0x0610, 0x061B))
    | set(range(0x06D6, 0x06DD))
    | set(range(0x06DF, 0x06E5))
    | {0x06E7, 0x06E8}
    | set(range(0x06EA, 0x06EE))
    | set(range(0x08D3, 0x08E2))
    | set(range(0x08E3, 0x0900))
)
_TATWEEL = 0x0640
_INVISIBLE = (
    {0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x061C, 0x00AD, 0xFEFF, 0x2060, 0x180E}
    | set(range(0x202A, 0x202F))
    | set(range(0x2066, 0x206A))
)
_REMOVED = _DIACRITICS | _INVISIBLE | {_TATWEEL}

_LETTERS = {
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ٲ": "ا",
    "ٳ": "ا",
    "ة": "ه",
    "ە": "ه",
    "ۀ": "ه",
    "ک": "ك",
    "ی": "ي",
    "ې": "ي",
    "گ": "ك",
    "پ": "ب",
    "چ": "ج",
    "ژ": "ز",
    "ڤ": "ف",
}
for _i in range(10):
    _LETTERS[chr(0x0660 + _i)] = str(_i)
    _LETTERS[chr(0x06F0 + _i)] = str(_i)

# Characters that may belong to a word token: letters, digits, marks, tatweel and the invisible joiners.
_MARK_CLASS = "".join(f"\\u{c:04x}" for c in sorted(_REMOVED))
TOKEN_RE = re.compile(f"[\\w{_MARK_CLASS}]+")

#: Proclitic strings (normalised) that may precede a glossary term, longest first.
PROCLITICS: tuple[str, ...] = tuple(
    sorted(
        {
            "و",
            "ف",
            "ب",
            "ك",
            "ل",
            "ال",
            "لل",
            "وب",
            "ول",
            "وك",
            "فب",
            "فل",
            "فك",
            "وال",
            "فال",
            "بال",
            "كال",
            "وبال",
            "فبال",
            "وكال",
            "فكال",
            "ولل",
            "فلل",
        },
        key=lambda p: (-len(p), p),
    )
)

#: Function words whose final ى must never fold to ي (على is not علي).
_MAQSURA_WORDS = frozenset({"على", "الى", "حتى", "متى", "لدى", "سوى", "انى", "عسى"})


@lru_cache(maxsize=4096)
def _map_char(ch: str) -> str:
    """The normalised replacement of one character ('' when it is removed)."""
    if ord(ch) in _REMOVED:
        return ""
    if ch in _LETTERS:
        return _LETTERS[ch]
    out = unicodedata.normalize("NFKC", ch) if not ch.isascii() else ch
    parts = []
    for c in out:
        if ord(c) in _REMOVED:
            continue
        c = _LETTERS.get(c, c)
        parts.append(c.lower() if c <= "\u024f" else c)  # Latin letters are case-folded
    return "".join(parts)


@dataclass(frozen=True)
class NormalizedText:
    """A normalised string and, for every normalised character, the index of the original character it came from.

    ``offsets`` has ``len(text) + 1`` entries; the last one is the length of the original string, so an original
    span is ``original[offsets[i]:offsets[j]]`` for the normalised span ``text[i:j]`` (use :meth:`span`).
    """

    text: str
    offsets: tuple[int, ...]
    original: str

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalised span [start, end) to the original text, including removed marks inside and at its end."""
        if start >= end:
            o = self.offsets[start]
            return o, o
        o_end = self.offsets[end - 1] + 1
        # extend over characters that normalisation removed right after the span (harakat, tatweel)
        nxt = self.offsets[end]
        while o_end < nxt and ord(self.original[o_end]) in _REMOVED:
            o_end += 1
        return self.offsets[start], o_end


def normalize_map(text: str) -> tuple[str, list[int]]:
    """Normalise ``text``; return the normalised string and the original index of each normalised character."""
    out: list[str] = []
    idx: list[int] = []
    for i, ch in enumerate(text):
        rep = _map_char(ch)
        if rep:
            out.append(rep)
            idx.extend([i] * len(rep))
    return "".join(out), idx


def normalize(text: str) -> NormalizedText:
    """Normalise running Arabic text (see the module docstring) keeping the map back to original offsets."""
    norm, idx = normalize_map(text)
    idx.append(len(text))
    return NormalizedText(norm, tuple(idx), text)


def _strip_proclitics(token: str) -> str:
    for p in PROCLITICS:
        if token.startswith(p) and len(token) - len(p) >= 2:
            rest = token[len(p) :]
            if p.endswith("لل"):
                rest = "ال" + rest
            if rest in _MAQSURA_WORDS:
                return rest
    return token


def fold_final_yeh(token: str) -> str:
    """Fold a token-final alef maqsura ى -> ي, except in function words such as على / إلى (also after و ف ...)."""
    if len(token) < 2 or not token.endswith("ى"):
        return token
    if token in _MAQSURA_WORDS or _strip_proclitics(token) in _MAQSURA_WORDS:
        return token
    return token[:-1] + "ي"


_ALEFS = "أإآٱٲٳ"
_COARSE_LETTERS = str.maketrans({**{alef: "ا" for alef in _ALEFS}, "ة": "ه", "ى": "ي", "ؤ": "ء", "ئ": "ء"})
_COARSE_MARKS = re.compile("[" + "".join(f"\\u{c:04x}" for c in sorted(_DIACRITICS | {_TATWEEL})) + "]")


def fold_coarse(text: str) -> str:
    """A coarse fold for counting word types (statistical alignment): NFKC, then the diacritics and tatweel
    that :func:`normalize` removes, alef forms -> ا, ة -> ه, *every* ى -> ي (على and علي become one type) and
    the hamza seats ؤ ئ -> ء. Unlike :func:`normalize` it keeps no offset map and leaves digits, Persian
    letters, invisible marks and Latin case alone."""
    return _COARSE_MARKS.sub("", unicodedata.normalize("NFKC", text)).translate(_COARSE_LETTERS)


_TABLE_RANGES = ((0x0000, 0x0250), (0x0600, 0x0900), (0x2000, 0x2070), (0xFB00, 0xFF00), (0xFF00, 0xFFF0))
_OUTSIDE_TABLE = re.compile("[^" + "".join(f"\\u{a:04x}-\\u{b - 1:04x}" for a, b in _TABLE_RANGES) + "]")


@cache
def _table() -> dict[int, str]:
    """:func:`_map_char` of every character in :data:`_TABLE_RANGES` (whitespace dropped), for str.translate;
    built on the first :func:`normalize_token` (about 0.01 s that commands which never match a term do not pay)."""
    table: dict[int, str] = {}
    for a, b in _TABLE_RANGES:
        for code in range(a, b):
            ch = chr(code)
            table[code] = "" if ch.isspace() else _map_char(ch)
    return table


@lru_cache(maxsize=1 << 18)
def normalize_token(token: str) -> str:
    """The matching key of one word token: :func:`normalize` plus :func:`fold_final_yeh` (whitespace dropped)."""
    if _OUTSIDE_TABLE.search(token) is None:
        norm = token.translate(_table())
    else:
        norm = "".join(_map_char(c) for c in token if not c.isspace())
    return fold_final_yeh(norm)
