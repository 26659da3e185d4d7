"""Word tokenisation for alignment, with character offsets so links can be mapped back to the text.

- Arabic and English: whitespace and punctuation split. A token is a run of letters, digits and combining
  marks (Arabic diacritics stay inside their word), a number with its internal separators (``1,000``,
  ``3.5``, ``٣٫٥``), or a single other non-space character. Alignment indices refer to these tokens.
  ``split_clitics=True`` (Arabic only, off by default) also splits the proclitics و/ف and ب/ك/ل in front of
  the article (وال، بال، فبال، لل ...) into tokens of their own; indices then refer to the split tokens.
- Chinese: characters. Each CJK character is one token; runs of Latin letters and digits inside Chinese text
  stay whole (``COVID-19`` gives ``COVID``, ``-``, ``19``). Characters need no model and never disagree with a
  dictionary; the statistical aligner links each character of a word, which is what term placement needs.
  ``zh_mode="jieba"`` uses jieba word segmentation instead, if jieba is installed.
- ``tokenized=True`` input: split on whitespace only; indices refer to those tokens.

:func:`normalize_for_statistics` gives the word *type* a statistical aligner counts (lowercased English;
Arabic without diacritics, tatweel and article/proclitics, unified alef/ya/ta marbuta); token indices do not
change.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Iterable

from mt.errors import InputError
from mt.text.arabic import fold_coarse
from mt.text.numbers import NUMBER_PATTERN
from mt.text.script import dominant_language

LANGUAGES = ("ar", "en", "zh")

_ARABIC_MARKS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
_WORD = rf"(?:[^\W\d_]|[{_ARABIC_MARKS}])(?:[\w{_ARABIC_MARKS}]|['\u2019](?=[^\W\d_]))*|\d[\w]*"
_CJK = r"[\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3038-\u303b\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]"
_GENERIC = re.compile(rf"{NUMBER_PATTERN}(?![\w])|{_WORD}|[^\s]", re.UNICODE)


@cache
def _zh_tokens() -> re.Pattern[str]:
    """The Chinese tokeniser's pattern, compiled on first use: about 5 ms that commands which never tokenise
    Chinese (`mt align sentences` into English, which imports this module for detect_language) do not pay."""
    return re.compile(rf"{_CJK}|{NUMBER_PATTERN}(?!(?!{_CJK})\w)|(?:(?!{_CJK})[\w{_ARABIC_MARKS}])+|[^\s]", re.UNICODE)


_PROCLITICS = re.compile(r"^([وف]?)([بك]?)(?=ال[^\W\d_]{2,})|^([وف]?)(ل)(?=ل[^\W\d_]{2,})")


@dataclass(frozen=True)
class Token:
    """A token and its character span ``[start, end)`` in the text it came from."""

    text: str
    start: int
    end: int


def tokenize_with_offsets(text: str, lang: str, *, split_clitics: bool = False, zh_mode: str = "char") -> list[Token]:
    """Tokenise one sentence in language ``lang`` (ar, en or zh); see the module docstring."""
    if lang not in LANGUAGES:
        raise InputError(f"unknown language {lang!r}: expected one of {', '.join(LANGUAGES)}")
    if lang == "zh":
        if zh_mode == "jieba":
            return _jieba_tokens(text)
        if zh_mode != "char":
            raise InputError(f"unknown Chinese tokenisation {zh_mode!r}: expected char or jieba")
        return [Token(m.group(), m.start(), m.end()) for m in _zh_tokens().finditer(text)]
    tokens = [Token(m.group(), m.start(), m.end()) for m in _GENERIC.finditer(text)]
    if lang == "ar" and split_clitics:
        tokens = [piece for token in tokens for piece in _split_proclitics(token)]
    return tokens


def tokenize(
    text: str, lang: str, *, split_clitics: bool = False, zh_mode: str = "char", tokenized: bool = False
) -> list[str]:
    """Tokens of one sentence as strings; ``tokenized=True`` splits on whitespace only."""
    if tokenized:
        return text.split()
    if lang in LANGUAGES and not split_clitics and (lang != "zh" or zh_mode == "char"):
        # the same tokens as tokenize_with_offsets, without building a Token per word (alignment tokenises
        # whole documents and corpora)
        return [m.group() for m in (_zh_tokens() if lang == "zh" else _GENERIC).finditer(text)]
    return [t.text for t in tokenize_with_offsets(text, lang, split_clitics=split_clitics, zh_mode=zh_mode)]


def split_chinese(token: str) -> list[str]:
    """The pieces the Chinese tokeniser makes of one given token (a pre-segmented word, say): each CJK
    character alone, a number or a Latin run whole, any other symbol alone (``"4.6亿"`` gives ``"4.6"``,
    ``"亿"``; ``"7.7%"`` gives ``"7.7"``, ``"%"``), so given words and tokenised text share one vocabulary."""
    return tokenize(token, "zh") or [token]


def _split_proclitics(token: Token) -> list[Token]:
    match = _PROCLITICS.match(token.text)
    if not match or not match.group(0):
        return [token]
    pieces = []
    pos = token.start
    for letter in match.group(0):
        pieces.append(Token(letter, pos, pos + 1))
        pos += 1
    pieces.append(Token(token.text[len(match.group(0)) :], pos, token.end))
    return pieces


def _jieba_tokens(text: str) -> list[Token]:
    try:
        import jieba  # noqa: PLC0415 - optional dependency
    except ImportError as error:
        raise InputError("Chinese word segmentation needs jieba: pip install jieba (or use characters)") from error
    jieba.setLogLevel(60)
    tokens = []
    for word, start, end in jieba.tokenize(text):
        if word.strip():
            tokens.append(Token(word, start, end))
    return tokens


def detect_language(lines: Iterable[str], default: str = "en") -> str:
    """Guess ar, zh or en from the script of the first lines (the shared detector, mt.text.script)."""
    return dominant_language(lines, default)


_AR_STATS_PREFIX = re.compile(r"^(?:[وف]?(?:[بك]?ال|لل))(?=..)|^[وف](?=....)")


def normalize_for_statistics(token: str, lang: str) -> str:
    """The word type a statistical aligner counts for ``token`` (a lossy key; indices are unaffected)."""
    if lang == "ar":
        return _AR_STATS_PREFIX.sub("", fold_coarse(token))
    return unicodedata.normalize("NFKC", token).lower()
