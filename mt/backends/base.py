"""The decoding interface every backend implements, on token strings (as CTranslate2 does)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, Sequence

from mt.models.vocab import MarianVocab


# source widths (pieces + </s>) batched together, each batch padded to its bucket's top: 1-32, 33-64, 65-128,
# 129-256, 257-512, then multiples of 512. Coarse on purpose: on CPU a small call costs about as much as one of
# 16 sentences (per-step weight reads), so few buckets per block beat little padding (eval/results/bench.md). Forced
# targets (score_batch) are bucketed the same way.
BUCKETS = (32, 64, 128, 256, 512)


def bucket_width(width: int) -> int:
    """A source width (pieces + </s>) rounded up to its bucket's top: the width the sentence is padded to in
    any batch (mt.decoding.leg, mt.qe.model_score), so that its decode never depends on what shares the batch."""
    for top in BUCKETS:
        if width <= top:
            return top
    return -(-width // BUCKETS[-1]) * BUCKETS[-1]


@dataclass
class DecodeOptions:
    """Options of one decoding call. Defaults never truncate: the length limit is set per sentence."""

    beam_size: int = 4
    max_decoding_length: int = 256  # new target tokens at most (the pipeline batches only sentences sharing it)
    length_penalty: float = 1.0
    # positions (pieces + </s>) every source of the call is padded to, at least its longest; 0: its longest.
    # CTranslate2's float kernels give a source other last bits at another padded length, so the pipeline pads a
    # sentence to a width of its own (mt.decoding.batching.bucket_width) whatever shares its batch
    source_width: int = 0


@dataclass
class Hypothesis:
    """The best output for one source: pieces (no </s>), mean token log-prob, whether </s> was reached."""

    pieces: list[str]
    score: float
    finished: bool
    attention: list[list[float]] | None = field(default=None, repr=False)  # target x source (incl. </s>)


class Backend(Protocol):
    """Decodes batches of source pieces with a Marian model."""

    vocab: MarianVocab
    max_positions: int
    name: str
    decoder_layers: int | None  # None where a converted directory did not record it
    decoder_heads: int | None

    def translate_batch(
        self,
        sources: Sequence[list[str]],
        options: DecodeOptions,
        target_prefix: Sequence[list[str] | None] | None = None,
        suppress_sequences: Sequence[list[list[str]]] | None = None,
        return_attention: bool = False,
    ) -> list[Hypothesis]:
        """Decode each source; an optional forced target prefix and target piece sequences to avoid.
        `return_attention` asks for the alignment head's attention with each hypothesis where the backend has
        it at no extra cost (CTranslate2); others leave `Hypothesis.attention` None."""
        ...

    def attention_batch(
        self, sources: Sequence[list[str]], targets: Sequence[list[str]], layer: int = -1, head: int = 0
    ) -> list[list[list[float]]]:
        """Cross-attention of the alignment head for forced targets, one matrix per (source, target) pair: rows
        target pieces, columns source pieces (plus </s>). The pairs are decoded together; a pair's matrix does not
        depend on the others in its batch (padding is masked), up to float rounding."""
        ...

    def attention(self, source: list[str], target: list[str], layer: int = -1, head: int = 0) -> list[list[float]]:
        """`attention_batch` of one pair."""
        ...

    def score_batch(
        self, sources: Sequence[list[str]], targets: Sequence[list[str]], source_width: int = 0, target_width: int = 0
    ) -> list[float]:
        """Forced-decoding score of each target given its source: the mean token log-prob of the target's pieces
        and its closing </s> (as `Hypothesis.score` of a finished decode). The batch is padded to at least
        ``source_width`` source positions (pieces + </s>) and ``target_width`` target positions (pieces + </s>):
        padded to widths of its own, a pair's score does not depend on what shares its batch."""
        ...
