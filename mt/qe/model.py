"""The small interface every quality-estimation detector shares: a pair in, flags and feature values out."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

from mt.alignment.tokenize import Token, tokenize_with_offsets
from mt.qe.words import word_key

#: Flag kinds, in the order reports list them.
KINDS = (
    "empty",
    "untranslated",
    "script",
    "number",
    "term",
    "repetition",
    "omission",
    "hallucination",
    "length",
    "tags",
    "model",
)


@dataclass(frozen=True)
class Span:
    """Characters ``[start, end)`` of the source or the translation that a flag points at."""

    side: str  # "source" or "translation"
    start: int
    end: int

    def to_json(self) -> dict:
        return {"side": self.side, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class Flag:
    """Something a reviewer should check: its kind (one of :data:`KINDS`), a short reason, where it is."""

    kind: str
    detail: str
    spans: tuple[Span, ...] = ()

    def to_json(self) -> dict:
        data: dict = {"kind": self.kind, "detail": self.detail}
        if self.spans:
            data["spans"] = [span.to_json() for span in self.spans]
        return data


@dataclass(frozen=True)
class Detection:
    """What one detector found in one pair: candidate flags and its feature values (names -> numbers)."""

    flags: tuple[Flag, ...] = ()
    features: dict[str, float] = field(default_factory=dict)


@dataclass
class Pair:
    """An Arabic source sentence and its translation into ``tgt_lang`` (en or zh), with cached tokens."""

    source: str
    translation: str
    tgt_lang: str

    @cached_property
    def source_tokens(self) -> list[Token]:
        return tokenize_with_offsets(self.source, "ar")

    @cached_property
    def translation_tokens(self) -> list[Token]:
        return tokenize_with_offsets(self.translation, self.tgt_lang)

    @cached_property
    def source_keys(self) -> list[str]:
        """Word keys of the source (:mod:`mt.qe.words`; '' for tokens that are no words)."""
        return [word_key(token.text, "ar") for token in self.source_tokens]

    @cached_property
    def translation_keys(self) -> list[str]:
        return [word_key(token.text, self.tgt_lang) for token in self.translation_tokens]


class Detector(Protocol):
    """One signal: reads a pair, returns candidate flags and the features it contributes to ``risk``."""

    features: tuple[str, ...]  # the names of the features :meth:`detect` returns

    def detect(self, pair: Pair) -> Detection: ...
