"""One block of lines through a translator's parts: the memory's look-ups, the legs for what it does not answer,
the memory's stores (the checkpoint of a resumable job), quality estimation, then the block's lines.

    parts = BlockParts(router, policy, memory, stats, assessor)
    lines = yield from block_steps(parts, block, legs, to, key, job_block, job, attention)
    plan = memory_plan(parts, block, to, key, job, job_block)  # before a block is decoded elsewhere (mt.engines):
    lines = decoded_block(parts, block, to, key, job, job_block, decoded)  # plan.decode's lines decoded there

A sentence's answer depends on it alone: a repeat of a sentence (the same text) is decoded once and copied; an MT
entry of the memory is reused only for the spelling it was made from (a human entry for any spelling that
normalises the same); a job's interrupted block is resumed from each spelling's own record, never from the
memory entry another spelling or block may have rewritten since.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Sequence

from mt.blocks import Layout, TranslationStats, flat_lines, join_lines, repeats, split_block
from mt.decoding import Leg, Steps, Unit
from mt.errors import TarjamaError
from mt.memory import Entry, MtKey
from mt.memory_session import JobState, MemorySession
from mt.qe.sentences import SentenceAssessor
from mt.results import LineResult, SentenceResult
from mt.routing import Router, TermPolicy, decode_units, sentence_result

__all__ = ["BlockParts", "Decoded", "Looked", "MemoryPlan", "block_steps", "decoded_block", "memory_plan"]

# the job records (mt.memory_session.job_record) of a block's every sentence, None for one not decoded there
Decoded = Callable[[], list[dict | None]]
Looked = tuple[list[Entry | None], dict[int, dict]]  # MemorySession.lookup's answers and job records


@dataclass(frozen=True)
class BlockParts:
    """What a block is translated with: a translator's router, term policy, memory session, stats (counted
    into) and quality assessor (None: no estimate)."""

    router: Router
    policy: TermPolicy
    memory: MemorySession
    stats: TranslationStats
    assessor: SentenceAssessor | None


def block_steps(
    parts: BlockParts,
    block: list[str],
    legs: Callable[[], list[Leg]],
    to: str,
    key: MtKey | None,
    job_block: int | None,
    job: JobState | None,
    attention: bool,
    decoded: Decoded | None = None,
    looked_up: Looked | None = None,
) -> Steps[list[LineResult]]:
    """Translate one block of lines: a generator of decode requests (see mt.decoding.batching) returning its
    lines. ``legs`` loads the models (called only when a sentence has to be decoded); ``key``: the memory key
    (None: no memory); ``job_block``: this block's number in the running ``job``, if any; ``decoded``: the
    sentences' job records, decoded elsewhere, taken instead of decoding (see :func:`decoded_block`);
    ``looked_up``: the memory's answers for the block's sentences (MemorySession.lookup), when the caller has
    just looked them up (nothing stored since)."""
    units, layout = split_block(block)
    hits: list[Entry | None] = [None] * len(units)
    records: dict[int, dict] = {}
    if key is not None:
        if looked_up is None:
            looked_up = parts.memory.lookup([u.text for u in units], to, key, job, job_block)
        hits, records = looked_up
        parts.stats.tm_sentences += len(units)
    repeat_of = repeats(units)
    misses = [i for i, hit in enumerate(hits) if hit is None and i not in repeat_of]
    plain = key is None or (job is not None and job.checkpoint_only)  # no origins without a real memory
    sentences: list = [None] * len(units)
    if misses and decoded is not None:  # decoded elsewhere (an engine's worker): its job records
        elsewhere = decoded()
        if len(elsewhere) != len(units):
            raise ValueError(f"{len(units)} sentences to translate, {len(elsewhere)} decoded")
        for i in misses:
            record = elsewhere[i]
            if record is None:  # answered when the block was sent (memory_plan), missing now
                raise TarjamaError(
                    f"the translation memory answered {units[i].text[:40]!r} when its batch was sent and does not "
                    "now: was it pruned or changed by another process during this job? Run the job again"
                )
            sentences[i] = _recorded(parts, units[i].text, record, None if plain else "mt")
    elif misses:
        done = yield from decode_units([units[i] for i in misses], legs(), parts.policy, attention)
        for i, t, terms, intermediate, how in zip(misses, *done):
            sentences[i] = sentence_result(
                units[i].text,
                t.translation,
                t.score,
                terms,
                intermediate,
                len(units[i].chunks) > 1,
                t.complete,
                None if plain else "mt",
                how,
            )
    if misses and key is not None and parts.memory.writes:  # stored before the block is returned: the checkpoint
        parts.stats.tm_stored += parts.memory.store([sentences[i] for i in misses], to, key, job, job_block)
    _from_memory(parts, units, hits, records, repeat_of, sentences, to, plain)
    return _lines(parts, block, layout, sentences, to)


def _from_memory(
    parts: BlockParts,
    units: list[Unit],
    hits: list[Entry | None],
    records: dict[int, dict],
    repeat_of: dict[int, int],
    sentences: list,
    to: str,
    plain: bool,
) -> None:
    """Fill in the sentences a memory entry or job record answers, then the repeats (reported as a memory hit
    where the first one was decoded or reused)."""
    for i, hit in enumerate(hits):
        if hit is None or i in repeat_of:
            continue
        if i in records:
            sentences[i] = _recorded(parts, units[i].text, records[i], None if plain else "mt")
            parts.stats.tm_resumed += 1
        else:
            sentences[i] = _reused(parts, units[i], hit, to, None if plain else f"tm-{hit.origin}")
        parts.stats.tm_human += hit.origin == "human"
        parts.stats.tm_mt += hit.origin != "human"
    for i, first in repeat_of.items():
        sentences[i] = _repeat(parts, units[i], sentences[first], to)
        parts.stats.tm_human += sentences[i].origin == "tm-human"
        parts.stats.tm_mt += sentences[i].origin == "tm-mt"


def _repeat(parts: BlockParts, unit: Unit, first: SentenceResult, to: str) -> SentenceResult:
    """A repeat of a sentence of its block, reported as it would be in a later block: a copy of the first where
    that one came from the memory (or no memory keeps it); the memory entry the first was just stored as where
    it was decoded, as a look-up reuses it (its terms verified, no intermediate), so that a sentence's report
    does not depend on which block its repeat falls in."""
    if first.origin == "mt" and parts.memory.writes:
        return _reuse(parts, unit.text, first.translation, first.score, first.complete, True, to, "tm-mt")
    return replace(first, source=unit.text)


def _recorded(parts: BlockParts, source: str, record: dict, origin: str | None) -> SentenceResult:
    """A sentence as a job record reports it (mt.memory_session.job_record): as it was decoded."""
    return sentence_result(
        source,
        record["translation"],
        record["score"],
        parts.policy.recorded(record["terms"]),
        record.get("intermediate"),
        bool(record.get("chunked")),
        record.get("complete") is not False,
        origin,
    )


def _reused(parts: BlockParts, unit: Unit, entry: Entry, to: str, origin: str | None) -> SentenceResult:
    """A sentence taken from the translation memory: its stored target and score, its terms verified."""
    machine = entry.origin != "human"
    return _reuse(parts, unit.text, entry.target, entry.score, entry.complete is not False, machine, to, origin)


def _reuse(
    parts: BlockParts,
    source: str,
    target: str,
    score: float | None,
    complete: bool,
    machine: bool,
    to: str,
    origin: str | None,
) -> SentenceResult:
    """A stored translation of ``source`` as a sentence: terms verified in it, chunked as the first leg would
    chunk the source (a machine translation's; a human one's is not)."""
    chunked = machine and parts.router.chunked(source, to)
    return sentence_result(
        source, target, score, parts.policy.verified(source, target, to), None, chunked, complete, origin
    )


def _lines(parts: BlockParts, block: list[str], layout: Layout, sentences: list, to: str) -> list[LineResult]:
    """The block's lines, its sentences assessed first with quality estimation."""
    if parts.assessor is not None:
        sentences = [parts.assessor.assess(sentence, to) for sentence in sentences]
    return join_lines(block, layout, sentences, to, parts.stats)


@dataclass(frozen=True)
class MemoryPlan:
    """A block of lines as the memory answers it before it is decoded elsewhere (an engine's worker)."""

    decode: tuple[int, ...]  # the lines holding a sentence that neither the memory nor an earlier one answers
    sentences: tuple[int, ...]  # each line's number of sentences (0: a line without letters)
    looked_up: Looked | None  # the look-up (None: no memory)


def memory_plan(
    parts: BlockParts, lines: Sequence[str], to: str, key: MtKey | None, job: JobState | None, job_block: int | None
) -> MemoryPlan:
    """Which of these lines must be decoded elsewhere for :func:`decoded_block` to compose them: those holding a
    sentence the memory does not answer and that does not repeat an earlier sentence of the block (a line of
    answered sentences and repeats is composed without being decoded). No models are loaded."""
    units, layout = split_block(flat_lines(lines))
    sentences = tuple(0 if entry is None else len(entry[1]) for entry in layout)
    looked_up = None
    hits: list[Entry | None] = [None] * len(units)
    if key is not None and units:
        looked_up = parts.memory.lookup([u.text for u in units], to, key, job, job_block)
        hits = looked_up[0]
    repeat_of = repeats(units)
    needed = {i for i, hit in enumerate(hits) if hit is None and i not in repeat_of}
    decode = tuple(n for n, entry in enumerate(layout) if entry is not None and needed.intersection(entry[1]))
    return MemoryPlan(decode, sentences, looked_up)


def decoded_block(
    parts: BlockParts,
    lines: Sequence[str],
    to: str,
    key: MtKey | None,
    job: JobState | None,
    job_block: int | None,
    decoded: Decoded | None,
    looked_up: Looked | None = None,
) -> list[LineResult]:
    """One block of lines translated as :func:`block_steps` translates it (memory look-ups and stores, the running
    job's records of its ``job_block``, repeats), with the sentences the memory does not answer taken from
    ``decoded()``: the job records of the block's sentences, in order, decoded elsewhere without a memory (an
    engine's worker, mt.engines; None for a sentence of a line :func:`memory_plan` did not send), called only
    when a sentence must be decoded. ``decoded`` None: the plan decodes no line (``looked_up``: its look-up, when
    nothing was stored since). No models are loaded."""
    steps = block_steps(parts, flat_lines(lines), _no_legs, to, key, job_block, job, False, decoded, looked_up)
    try:
        request = next(steps)
    except StopIteration as finished:
        return finished.value
    raise RuntimeError(f"a block decoded elsewhere asked to decode {request!r}")


def _no_legs() -> list[Leg]:
    raise RuntimeError("a block decoded elsewhere loads no models")
