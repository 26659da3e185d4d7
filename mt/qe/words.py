"""Word types for quality estimation: the tokens of a sentence reduced to the keys the lexical table counts.

Arabic: the statistical aligner's key (no diacritics, folded letters, article and proclitics stripped) less one
attached pronoun or plural/dual ending (a light stem: مواطنيها -> مواطن); English: lower case with a light
plural/possessive/-ing/-ed strip (``countries`` -> ``country``); Chinese: characters
(numbers and Latin runs whole), as the aligner counts them. Numbers and punctuation are no words here: numbers
have their own detector.
"""

from __future__ import annotations

import re

from mt.alignment.tokenize import normalize_for_statistics, tokenize

_LETTER = re.compile(r"[^\W\d_]")


_AR_SUFFIX = re.compile(r"(?:هما|كما|هم|هن|كم|كن|نا|ها|ات|ون|ين|ان|يه|ه|ي)$")
_EN_SUFFIX = re.compile(r"(?<=[a-z]{3})(?:ing|ed)$")


def _arabic_key(token: str) -> str:
    key = normalize_for_statistics(token, "ar")
    stem = _AR_SUFFIX.sub("", key)
    return stem if len(stem) >= 3 else key


def _english_key(token: str) -> str:
    word = token.lower().replace("\u2019", "'")
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return _EN_SUFFIX.sub("", word) if len(word) > 5 else word


def word_key(token: str, lang: str) -> str:
    """The table key of one token in ``lang`` ('' for a token that is no word: digits, punctuation)."""
    if not _LETTER.search(token):
        return ""
    if lang == "en":
        return _english_key(token)
    if lang == "ar":
        return _arabic_key(token)
    return normalize_for_statistics(token, lang)


def word_keys(text: str, lang: str) -> list[str]:
    """The word keys of a sentence, in order (tokens without letters left out)."""
    keys = (word_key(token, lang) for token in tokenize(text, lang))
    return [key for key in keys if key]
