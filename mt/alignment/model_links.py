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


def sentence_links(
    backend: Backend,
    pairs: Sequence[tuple[str, str]],
    source_lang: str,
    target_lang: str,
    prefix: Sequence[str] = (),
    batch_size: int = 16,
    decoded: Sequence[tuple | None] | None = None,
) -> list[SentenceLinks]:
    """Word links for each (source, translation) pair, through ``backend``'s alignment head.

    ``decoded`` (per pair, optional): how the decoder made that translation, (source pieces with the prefix, output
    pieces, the alignment head's rows or None), as the pipeline keeps it for documents: its pieces are used as they
    are, and its rows, when the decode returned them (CTranslate2), cost nothing more; the other pairs are encoded
    from their texts and forced through the head, ``batch_size`` at a time.
    """
    vocab = backend.vocab
    prefix = list(prefix)
    limit = backend.max_positions - 1
    out = [SentenceLinks(words_of(s, source_lang), words_of(t, target_lang), set()) for s, t in pairs]
    given = list(decoded) if decoded is not None else [None] * len(pairs)
    pieces: list[tuple[list[str], list[str]]] = []  # (source pieces with the prefix, target pieces) per pair
    matrices: list[list[list[float]] | None] = []
    for (source, target), how in zip(pairs, given):
        if how is not None and how[1] is not None:
            pieces.append((list(how[0]), list(how[1])))
            matrices.append(how[2])
        else:
            src = vocab.encode_source(source.strip()) if source.strip() else []
            pieces.append((prefix + src if src else [], vocab.encode_target(target) if target.strip() else []))
            matrices.append(None)
    todo = [
        k
        for k, (src, tgt) in enumerate(pieces)
        if src and tgt and matrices[k] is None and max(len(src), len(tgt)) <= limit
    ]
    todo.sort(key=lambda k: (len(pieces[k][0]) + len(pieces[k][1]), k))
    for start in range(0, len(todo), batch_size):
        batch = todo[start : start + batch_size]
        for k, found in zip(
            batch, backend.attention_batch([pieces[k][0] for k in batch], [pieces[k][1] for k in batch])
        ):
            matrices[k] = found
    for k, ((src, tgt), matrix) in enumerate(zip(pieces, matrices)):
        if matrix is None or not src or not tgt:
            continue
        source, target = pairs[k]
        lead = len(prefix)  # the target-language token links to no word
        array = np.array([row[: len(src) + 1] for row in matrix[: len(tgt)]], dtype=np.float32)
        attention = SubwordAttention(src, tgt, array)
        src_map: list[set[int]] = [set() for _ in range(lead)] + piece_to_word(src[lead:], source, out[k].source_words)
        out[k].links = merge_to_words(
            attention.subword_links(), src_map, piece_to_word(tgt, target, out[k].target_words)
        )
    return out


def compose(first: set[Link], second: set[Link]) -> set[Link]:
    """Links a -> c through b: (a, b) in ``first`` and (b, c) in ``second`` (the pivot's ar -> en -> zh)."""
    by_middle: dict[int, list[int]] = {}
    for b, c in second:
        by_middle.setdefault(b, []).append(c)
    return {(a, c) for a, b in first for c in by_middle.get(b, ())}
