"""The interfaces the decoding layer works through, written down.

- :class:`mt.backends.base.Backend` (re-exported here): what a leg and the glossary enforcer use of a backend:
  its vocabulary, its positions, `translate_batch` (with forced prefixes, suppressed sequences and optional
  alignment-head attention) and `attention_batch` (the alignment head over forced targets).
- :class:`DecoderLeg`: what the scheduler (mt.decoding.batching) and the enforcer use of a leg
  (mt.decoding.leg.Leg is the implementation).
"""

from __future__ import annotations

from typing import Protocol, Sequence

from mt.backends.base import Backend, Hypothesis


class DecoderLeg(Protocol):
    """One model of a route with its decoding settings, as the scheduler and the enforcer see it."""

    pair: str
    source_lang: str
    target_lang: str
    backend: Backend
    prefix: list[str]  # source pieces put before every source (a target-language token), possibly none

    def decode(
        self,
        sources: Sequence[list[str]],
        prefixes: Sequence[list[str]] | None = None,
        suppress: Sequence[list[list[str]]] | None = None,
        return_attention: bool = False,
    ) -> list[Hypothesis]:
        """Decode piece sequences (with optional forced prefixes and suppressed sequences); input order."""
        ...

    def detokenize(self, pieces: list[str]) -> str:
        """Target text of target pieces."""
        ...


__all__ = ["Backend", "DecoderLeg"]
