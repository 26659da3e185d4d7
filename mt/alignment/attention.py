"""Word alignment from the translation model's own cross-attention.

OPUS-MT "transformer-align" models were trained with Marian's guided alignment, which supervises one
cross-attention head (head 0 of the last decoder layer) with statistical word links; Marian and CTranslate2
read the same head. We force-decode the given target with the model (teacher forcing: decoder input is
``<pad> + target``), take that head's attention (target subword x source subword), link each target subword
to its most-attended source subword (no link when that is the source ``</s>``), and merge subwords into words:
words are linked when any of their subwords are. Optionally a reverse model (target->source) aligns the other
way and the two are symmetrised. The attention comes from the decoding backend (`Backend.attention_batch`,
the call the glossary enforcer uses; pairs of similar length are decoded together, 16 at a time by default), so
a Hugging Face directory and its CTranslate2 conversion align alike.

Word indices refer to :mod:`mt.alignment.tokenize` tokens (or whitespace tokens with ``tokenized=True``);
subwords are mapped to words through their characters, so the two tokenisations need not agree.
"""

from __future__ import annotations

import difflib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from mt.alignment.pharaoh import Link
from mt.alignment.symmetrize import symmetrize
from mt.alignment.tokenize import Token, tokenize_with_offsets
from mt.backends.base import Backend
from mt.backends.loading import load_backend
from mt.errors import InputError

log = logging.getLogger(__name__)

_SPACE = "\u2581"


@dataclass
class SubwordAttention:
    """Cross-attention of one sentence pair: ``matrix[t, s]`` is the weight target subword t gives source
    subword s (rows: target pieces; columns: source pieces, then ``</s>``)."""

    src_pieces: list[str]
    tgt_pieces: list[str]
    matrix: np.ndarray

    @property
    def pieces_only(self) -> np.ndarray:
        """The matrix without the ``</s>`` row and column: shape (len(tgt_pieces), len(src_pieces))."""
        return self.matrix[: len(self.tgt_pieces), : len(self.src_pieces)]

    def subword_links(self) -> set[Link]:
        """``(source piece, target piece)`` links: each target piece to its argmax source piece (none if
        the argmax is the source ``</s>``)."""
        links = set()
        rows = self.matrix[: len(self.tgt_pieces)]
        for t, s in enumerate(np.argmax(rows, axis=1).tolist()):
            if s < len(self.src_pieces):
                links.add((s, t))
        return links


def words_of(text: str, lang: str, *, tokenized: bool = False, split_clitics: bool = False) -> list[Token]:
    """Word tokens with character offsets: whitespace tokens when ``tokenized``, else the aligner's tokens."""
    if tokenized:
        tokens, pos = [], 0
        for word in text.split():
            start = text.index(word, pos)
            tokens.append(Token(word, start, start + len(word)))
            pos = start + len(word)
        return tokens
    return tokenize_with_offsets(text, lang, split_clitics=split_clitics)


def piece_to_word(pieces: Sequence[str], text: str, words: Sequence[Token]) -> list[set[int]]:
    """For each subword piece, the indices of the words whose characters it covers (matched on non-space
    characters; a difflib alignment bridges SentencePiece's normalisation when the characters differ)."""
    text_chars: list[tuple[str, int]] = []  # (char, word index or -1)
    word_at = np.full(len(text), -1, dtype=np.int64)
    for k, word in enumerate(words):
        word_at[word.start : word.end] = k
    for pos, ch in enumerate(text):
        if not ch.isspace():
            text_chars.append((ch, int(word_at[pos])))
    piece_chars: list[tuple[str, int]] = []
    for p, piece in enumerate(pieces):
        for ch in piece.replace(_SPACE, " "):
            if not ch.isspace():
                piece_chars.append((ch, p))
    result: list[set[int]] = [set() for _ in pieces]
    a = "".join(c for c, _ in piece_chars)
    b = "".join(c for c, _ in text_chars)
    pairs: Iterable[tuple[int, int]]
    if a == b:
        pairs = zip(range(len(a)), range(len(b)))
    else:
        matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
        pairs = ((i + k, j + k) for i, j, size in matcher.get_matching_blocks() for k in range(size))
    for i, j in pairs:
        word_index = text_chars[j][1]
        if word_index >= 0:
            result[piece_chars[i][1]].add(word_index)
    return result


def merge_to_words(subword_links: set[Link], src_map: list[set[int]], tgt_map: list[set[int]]) -> set[Link]:
    """Word links from subword links: words are linked when any of their pieces are."""
    links = set()
    for s, t in subword_links:
        for i in src_map[s]:
            for j in tgt_map[t]:
                links.add((i, j))
    return links


@dataclass
class AttentionAligner:
    """Force-decode targets with a Marian model and read one cross-attention head, through the decoding
    backend (mt.backends), so a Hugging Face directory and its CTranslate2 conversion give the same links.

    ``model``: a Hugging Face Marian directory, a CTranslate2 directory made by `mt models convert`, or a hub
    id; ``reverse_model``: optional target->source model for symmetrisation (``symmetrization``, default
    grow-diag-final-and); ``layer`` (default -1, the last decoder layer) and ``head`` (default 0): the
    alignment head (the only one a CTranslate2 model exposes); ``batch_size``: sentence pairs per forced
    decoding pass (`Backend.attention_batch`; similar lengths batched together, the links do not depend on it).
    """

    model: str | Path
    src_lang: str = "ar"
    tgt_lang: str = "en"
    layer: int = -1
    head: int = 0
    reverse_model: str | Path | None = None
    symmetrization: str = "grow-diag-final-and"
    device: str = "cpu"
    split_clitics: bool = False
    batch_size: int = 16
    _loaded: dict[str, Backend] = field(default_factory=dict, init=False, repr=False)

    # ------------------------------------------------------------------------------------------ loading
    def backend(self, which: str = "forward") -> Backend:
        """The backend of the forward or the reverse model (opened once), its layer and head checked."""
        if which in self._loaded:
            return self._loaded[which]
        name = self.model if which == "forward" else self.reverse_model
        backend = load_backend(str(name), device=self.device)
        layers, heads = backend.decoder_layers, backend.decoder_heads
        if layers and not -layers <= self.layer < layers:
            raise InputError(f"layer {self.layer} out of range: the model has {layers} decoder layers")
        if heads and not 0 <= self.head < heads:
            raise InputError(f"head {self.head} out of range: the model has {heads} attention heads")
        self._loaded[which] = backend
        return backend

    # ------------------------------------------------------------------------------------------ attention
    def attention(self, src: Sequence[str], tgt: Sequence[str], *, reverse: bool = False) -> list[SubwordAttention]:
        """Cross-attention matrices of the alignment head for each (src, tgt) pair (``reverse``: of the
        reverse model, with tgt as its source). Every pair is checked against the model's positions before
        any is decoded: a pair too long is an InputError naming its line, never a crash or a cut."""
        if len(src) != len(tgt):
            raise InputError(f"{len(src)} source sentences but {len(tgt)} target sentences")
        if self.batch_size < 1:
            raise InputError(f"batch size {self.batch_size}: expected 1 or more sentence pairs")
        backend = self.backend("reverse" if reverse else "forward")
        if reverse:
            src, tgt = tgt, src
        vocab = backend.vocab
        pairs = [(vocab.encode_source(s), vocab.encode_target(t)) for s, t in zip(src, tgt)]
        limit = backend.max_positions - 1  # the source's </s>, or the decoder's start token, takes a position
        which = "reverse model" if reverse else "model"
        for k, (src_pieces, tgt_pieces) in enumerate(pairs):
            longest = max(len(src_pieces), len(tgt_pieces))
            if longest > limit:
                raise InputError(
                    f"line {k + 1}: {longest} subword pieces, more than the {which}'s {limit} "
                    f"positions allow; split the line into sentences (mt align sentences) or use "
                    f"--method statistical"
                )
        results: list[SubwordAttention | None] = [None] * len(pairs)
        for batch in self._batches(pairs):
            matrices = backend.attention_batch(
                [pairs[k][0] for k in batch], [pairs[k][1] for k in batch], layer=self.layer, head=self.head
            )
            for k, matrix in zip(batch, matrices):
                src_pieces, tgt_pieces = pairs[k]
                array = np.array(matrix, dtype=np.float32).reshape(len(tgt_pieces), len(src_pieces) + 1)
                results[k] = SubwordAttention(src_pieces, tgt_pieces, array)
        done = [result for result in results if result is not None]
        if len(done) != len(results):
            raise RuntimeError("a pair was left out of every batch")
        return done

    def _batches(self, pairs: Sequence[tuple[list[str], list[str]]]) -> list[list[int]]:
        """Pair indices in batches of at most ``batch_size``, pairs of similar lengths together (sorted by length,
        so that little of a batch is padding); the matrices do not depend on the batching."""
        order = sorted(range(len(pairs)), key=lambda k: (len(pairs[k][0]) + len(pairs[k][1]), k))
        size = self.batch_size
        return [order[start : start + size] for start in range(0, len(order), size)]

    # ------------------------------------------------------------------------------------------ words
    def align(self, src: Sequence[str], tgt: Sequence[str], *, tokenized: bool = False) -> list[set[Link]]:
        """Word links ``{(i, j)}`` for each sentence pair (indices into the word tokens of src and tgt)."""
        if len(src) != len(tgt):
            raise InputError(f"{len(src)} source sentences but {len(tgt)} target sentences")
        forward = self.attention(src, tgt)
        backward = self.attention(src, tgt, reverse=True) if self.reverse_model else None
        results = []
        for k, (s, t) in enumerate(zip(src, tgt)):
            src_words = words_of(s, self.src_lang, tokenized=tokenized, split_clitics=self.split_clitics)
            tgt_words = words_of(t, self.tgt_lang, tokenized=tokenized, split_clitics=self.split_clitics)
            att = forward[k]
            links = merge_to_words(
                att.subword_links(),
                piece_to_word(att.src_pieces, s, src_words),
                piece_to_word(att.tgt_pieces, t, tgt_words),
            )
            if backward is not None:
                rev = backward[k]  # its source is our target
                rev_links = merge_to_words(
                    rev.subword_links(),
                    piece_to_word(rev.src_pieces, t, tgt_words),
                    piece_to_word(rev.tgt_pieces, s, src_words),
                )
                links = symmetrize(links, {(i, j) for j, i in rev_links}, self.symmetrization)
            results.append(links)
        return results


def cross_attention(model: str | Path, src: str, tgt: str, *, layer: int = -1, head: int = 0) -> SubwordAttention:
    """The alignment head's cross-attention for one sentence pair (target subword x source subword)."""
    return AttentionAligner(model, layer=layer, head=head).attention([src], [tgt])[0]


def align_attention(
    model: str | Path,
    src: Sequence[str],
    tgt: Sequence[str],
    *,
    src_lang: str = "ar",
    tgt_lang: str = "en",
    layer: int = -1,
    head: int = 0,
    reverse_model: str | Path | None = None,
    symmetrization: str = "grow-diag-final-and",
    tokenized: bool = False,
) -> list[set[Link]]:
    """Word links from the model's alignment head for each sentence pair."""
    aligner = AttentionAligner(
        model,
        src_lang=src_lang,
        tgt_lang=tgt_lang,
        layer=layer,
        head=head,
        reverse_model=reverse_model,
        symmetrization=symmetrization,
    )
    return aligner.align(src, tgt, tokenized=tokenized)
