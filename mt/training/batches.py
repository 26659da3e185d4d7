"""Training examples as model ids, grouped into token-budget batches in a seeded order.

Sources and targets are encoded with :class:`mt.models.vocab.MarianVocab` (the same pieces and ids as
transformers' MarianTokenizer: ``source ids + </s>``, ``labels = target ids + </s>``); a model that needs a
target-language token (``>>cmn_Hans<<``) gets it in front of every source, as the pipeline sends it.

Batches: examples sorted by length are cut so that (examples x longest side) stays within ``batch_tokens``
(a longer example goes alone); the batches are the same in every epoch, their order is shuffled per epoch with
``seed + epoch``. So the data position of a run is (epoch, batch index) and a resumed run sees the same batches.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Sequence

import torch

from mt.memory import Segment
from mt.models.vocab import MarianVocab

LABEL_PAD = -100  # ignored by the loss


@dataclass(frozen=True)
class Example:
    """One encoded pair."""

    source_ids: list[int]
    labels: list[int]

    @property
    def length(self) -> int:
        return max(len(self.source_ids), len(self.labels))


@dataclass(frozen=True)
class Batch:
    """Padded tensors of a few examples."""

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    labels: torch.Tensor

    @property
    def target_tokens(self) -> int:
        return int((self.labels != LABEL_PAD).sum())


class Encoder:
    """Pairs -> :class:`Example`, with the model's vocabulary (and target token, if it needs one)."""

    def __init__(self, vocab: MarianVocab, target_token: str | None = None) -> None:
        self.vocab = vocab
        self.prefix = [target_token] if target_token else []

    def source_pieces(self, text: str) -> list[str]:
        """The pieces the pipeline sends for ``text`` (mt.decoding.Leg.pieces): target token, then the text's."""
        return self.prefix + self.vocab.encode_source(text.strip())

    def count_source(self, text: str) -> int:
        return len(self.source_pieces(text)) + 1

    def count_target(self, text: str) -> int:
        return len(self.vocab.encode_target(text)) + 1

    def encode(self, pair: Segment) -> Example:
        source = self.vocab.source_ids(self.source_pieces(pair.source))
        labels = self.vocab.target_ids(self.vocab.encode_target(pair.target)) + [self.vocab.eos_id]
        return Example(source, labels)


def plan_batches(examples: Sequence[Example], batch_tokens: int) -> list[list[int]]:
    """Indices of ``examples`` grouped into batches of at most ``batch_tokens`` (examples x longest side),
    shortest first; an example longer than the budget is a batch of its own."""
    order = sorted(range(len(examples)), key=lambda i: (examples[i].length, i))
    batches: list[list[int]] = []
    current: list[int] = []
    longest = 0
    for index in order:
        length = examples[index].length
        if current and (len(current) + 1) * max(longest, length) > batch_tokens:
            batches.append(current)
            current, longest = [], 0
        current.append(index)
        longest = max(longest, length)
    if current:
        batches.append(current)
    return batches


def epoch_order(batch_count: int, seed: int, epoch: int) -> list[int]:
    """The order of the batches in ``epoch`` (a permutation seeded by ``seed`` and the epoch)."""
    order = list(range(batch_count))
    random.Random(seed * 1_000_003 + epoch).shuffle(order)
    return order


def collate(examples: Sequence[Example], pad_id: int) -> Batch:
    """Pad a batch: sources with ``pad_id`` (masked out), labels with -100 (ignored by the loss)."""
    width = max(len(e.source_ids) for e in examples)
    height = max(len(e.labels) for e in examples)
    input_ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(examples), width), dtype=torch.long)
    labels = torch.full((len(examples), height), LABEL_PAD, dtype=torch.long)
    for row, example in enumerate(examples):
        input_ids[row, : len(example.source_ids)] = torch.tensor(example.source_ids)
        attention_mask[row, : len(example.source_ids)] = 1
        labels[row, : len(example.labels)] = torch.tensor(example.labels)
    return Batch(input_ids, attention_mask, labels)
