"""Chunk a sentence that is too long for the model, at clause, word or (last resort) subword boundaries.

Nothing is ever dropped: the chunks, joined in order with the white space between them, give back the input.
Each chunk takes at most `limit` encoder positions as counted by `count_tokens` (SentencePiece pieces + </s>).
"""

from __future__ import annotations

import re
from typing import Callable

_CLAUSE_END = re.compile(r"[،؛,;:：，；、]\s+|\s+[-–—]\s+")
_SPACE = re.compile(r"\s+")


def _cut_after(text: str, pattern: re.Pattern[str]) -> list[str]:
    """Pieces of `text` cut after each match of `pattern` (the separator stays with the left piece)."""
    pieces, start = [], 0
    for match in pattern.finditer(text):
        pieces.append(text[start : match.end()])
        start = match.end()
    pieces.append(text[start:])
    return [p for p in pieces if p]


def _split_word(word: str, count_tokens: Callable[[str], int], limit: int) -> list[str]:
    """Cut a single over-long word into the longest prefixes that fit (binary search on characters)."""
    chunks = []
    while word:
        low, high = 1, len(word)
        while low < high:
            mid = (low + high + 1) // 2
            if count_tokens(word[:mid]) <= limit:
                low = mid
            else:
                high = mid - 1
        chunks.append(word[:low])
        word = word[low:]
    return chunks


def _pack(parts: list[str], count_tokens: Callable[[str], int], limit: int) -> list[str]:
    """Greedily join consecutive parts while the joined text fits."""
    chunks: list[str] = []
    current = ""
    for part in parts:
        candidate = current + part
        if current and count_tokens(candidate.strip()) > limit:
            chunks.append(current)
            current = part
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks


def chunk(text: str, count_tokens: Callable[[str], int], limit: int) -> list[str]:
    """Split `text` into chunks of at most `limit` tokens each (white space kept at the chunk ends)."""
    if limit < 2:
        raise ValueError("the chunk limit must allow at least one piece and </s>")
    if count_tokens(text.strip()) <= limit:
        return [text]
    parts: list[str] = []
    for clause in _cut_after(text, _CLAUSE_END):
        if count_tokens(clause.strip()) <= limit:
            parts.append(clause)
            continue
        for word in _cut_after(clause, _SPACE):
            if count_tokens(word.strip()) <= limit:
                parts.append(word)
            else:
                parts.extend(_split_word(word, count_tokens, limit))
    return _pack(parts, count_tokens, limit)
