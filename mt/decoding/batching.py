"""Decode requests, and serving the requests of several blocks in shared backend calls.

The pipeline's work on a block (decode, glossary repair rounds, the pivot's second leg) is written as a
generator of :class:`DecodeRequest` objects: it yields what it needs decoded and receives the hypotheses.
:func:`run` serves one such generator call by call. :func:`serve` answers several requests at once, all those to
the same leg in one decode, which is how a block's glossary repair round rides in the next block's first decode
instead of costing a small call of its own (a call of 3 sentences costs about as much as one of 16 on CPU: the
per-step weight reads dominate small batches).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generator, Generic, Sequence, TypeVar

from mt.backends.base import BUCKETS, Hypothesis, bucket_width  # noqa: F401 - BUCKETS, bucket_width: re-exported
from mt.decoding.protocols import DecoderLeg

T = TypeVar("T")


@dataclass
class DecodeRequest:
    """Sources for one leg's decoder, with optional per-source forced prefixes and suppressed sequences.

    ``repair`` marks a glossary repair round: the stream driver may start the next block so that this round
    shares its first decode.
    """

    leg: DecoderLeg
    sources: list[list[str]]
    prefixes: list[list[str]] | None = None
    suppress: list[list[list[str]]] | None = None
    attention: bool = False
    repair: bool = False


Steps = Generator[DecodeRequest, list[Hypothesis], T]


def serve(requests: list[DecodeRequest]) -> list[list[Hypothesis]]:
    """Answer requests, one decode per leg (the sources of that leg's requests decoded together); the
    hypotheses are returned per request, in its order."""
    answers: list[list[Hypothesis]] = [[] for _ in requests]
    by_leg: dict[int, list[int]] = {}
    for k, request in enumerate(requests):
        if request.sources:
            by_leg.setdefault(id(request.leg), []).append(k)
    for members in by_leg.values():
        leg = requests[members[0]].leg
        sources, prefixes, suppress = [], [], []
        for k in members:
            request = requests[k]
            sources += request.sources
            prefixes += request.prefixes or [[] for _ in request.sources]
            suppress += request.suppress or [[] for _ in request.sources]
        hypotheses = leg.decode(
            sources,
            prefixes if any(prefixes) else None,
            suppress if any(suppress) else None,
            return_attention=any(requests[k].attention for k in members),
        )
        start = 0
        for k in members:
            answers[k] = hypotheses[start : start + len(requests[k].sources)]
            start += len(requests[k].sources)
    return answers


def run(steps: Steps[T]) -> T:
    """Serve one generator's requests one at a time; return what it returns."""
    try:
        request = next(steps)
        while True:
            request = steps.send(serve([request])[0])
    except StopIteration as done:
        return done.value


class Running(Generic[T]):
    """A generator being served by a driver: its pending request, or its result once it has returned.
    ``payload``: a number the driver keeps with it (a block's line count)."""

    _result: T  # set when the generator returns

    def __init__(self, steps: Steps[T], payload: int = 0) -> None:
        self.steps = steps
        self.payload = payload
        self.request: DecodeRequest | None = None
        self.done = False
        self._advance(None)

    @property
    def result(self) -> T:
        """What the generator returned."""
        if not self.done:
            raise RuntimeError("the generator has not returned yet")
        return self._result

    def _advance(self, hypotheses: list[Hypothesis] | None) -> None:
        try:
            self.request = next(self.steps) if hypotheses is None else self.steps.send(hypotheses)
        except StopIteration as done:
            self.request, self._result, self.done = None, done.value, True

    @staticmethod
    def step(running: Sequence["Running"]) -> None:
        """Serve the pending requests of all unfinished generators in shared calls and advance each one."""
        pending = [r for r in running if not r.done]
        requests = [r.request for r in pending if r.request is not None]
        if len(requests) != len(pending):  # a generator that has not returned is waiting on a request
            raise RuntimeError("a running generator without a pending request")
        for r, hypotheses in zip(pending, serve(requests)):
            r._advance(hypotheses)
