"""Word links of translated sentences from a loaded backend's alignment head (what inline tags are placed by).

The same reading of the head as :class:`mt.alignment.attention.AttentionAligner` (each target piece to its most
attended source piece, pieces merged into words through their characters), on a backend that is already loaded
for decoding, with the leg's target-language token before the source as in decoding. Pairs of similar length
are forced together, ``batch_size`` at a time (`Backend.attention_batch`); a pair longer than the model's
positions gets no links (its tags go to the nearest valid point) instead of an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from mt.alignment.attention import SubwordAttention, merge_to_words, piece_to_word, words_of
from mt.alignment.pharaoh import Link
from mt.alignment.tokenize import Token
from mt.backends.base import Backend


@dataclass
class SentenceLinks:
    """A sentence pair's words (character spans in each text) and word links (source index, target index)."""

    source_words: list[Token]
    target_words: list[Token]
    links: set[Link]


def sentence_links(backend: Backend, pairs: Sequence[tuple[str, str]], source_lang: str, target_lang: str,
                   prefix: Sequence[str] = (), batch_size: int = 16) -> list[SentenceLinks]:
    """Word links for each (source, translation) pair, through ``backend``'s alignment head."""
    vocab = backend.vocab
    prefix = list(prefix)
    encoded = [(vocab.encode_source(s.strip()) if s.strip() else [], vocab.encode_target(t) if t.strip() else [])
               for s, t in pairs]
    limit = backend.max_positions - 1
    todo = [k for k, (src, tgt) in enumerate(encoded) if src and tgt and max(len(prefix) + len(src), len(tgt)) <= limit]
    todo.sort(key=lambda k: (len(encoded[k][0]) + len(encoded[k][1]), k))
    out = [SentenceLinks(words_of(s, source_lang), words_of(t, target_lang), set()) for s, t in pairs]
    for start in range(0, len(todo), batch_size):
        batch = todo[start : start + batch_size]
        matrices = backend.attention_batch([prefix + encoded[k][0] for k in batch], [encoded[k][1] for k in batch])
        for k, matrix in zip(batch, matrices):
            src, tgt = encoded[k]
            source, target = pairs[k]
            array = np.array(matrix, dtype=np.float32).reshape(len(tgt), len(prefix) + len(src) + 1)
            attention = SubwordAttention(prefix + src, tgt, array)
            src_map = [set() for _ in prefix] + piece_to_word(src, source, out[k].source_words)
            out[k].links = merge_to_words(attention.subword_links(), src_map,
                                          piece_to_word(tgt, target, out[k].target_words))
    return out


def compose(first: set[Link], second: set[Link]) -> set[Link]:
    """Links a -> c through b: (a, b) in ``first`` and (b, c) in ``second`` (the pivot's ar -> en -> zh)."""
    by_middle: dict[int, list[int]] = {}
    for b, c in second:
        by_middle.setdefault(b, []).append(c)
    return {(a, c) for a, b in first for c in by_middle.get(b, ())}
