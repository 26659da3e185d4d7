"""Blocks of lines: how a stream is cut into blocks, a block into sentence units and back into lines, and the
driver that runs the blocks' decode generators (mt.decoding.batching) in order.

A stream's first block is small, so the first lines come back fast; later blocks double up to a limit (units
counted by sentence-final marks). Lines without letters (numbers, rules, blanks) pass through untouched.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from mt.decoding import JOINERS, Running, Steps, Unit
from mt.results import LineResult, SentenceResult
from mt.text.sentences import SENTENCE_MARKS, split_sentences

FIRST_BLOCK_UNITS = 16  # units (about sentences) in the first block of a stream; later blocks double

Layout = list[tuple[str, list[int]] | None]  # per line: its indent and its units' indices; None: passed through


@dataclass
class TranslationStats:
    """Counters of one run, for the summary lines on stderr."""

    lines: int = 0
    sentences: int = 0
    chunked_sentences: int = 0
    incomplete: int = 0
    terms_found: int = 0
    terms_present: int = 0
    numbers_found: int = 0
    numbers_present: int = 0
    flagged: int = 0  # sentences quality estimation flagged (with qe)
    tm_human: int = 0  # sentences taken from a human entry of the translation memory
    tm_mt: int = 0  # ... from an MT entry made under the same key
    tm_stored: int = 0  # decoded sentences stored in the memory
    tm_sentences: int = 0  # sentences translated with a memory in use (looked up, stored, or both)
    tm_resumed: int = 0  # ... of tm_mt: stored by an interrupted run of this job (reported as decoded then)

    def count(self, sentence: SentenceResult) -> None:
        """Count a sentence of an output line."""
        self.sentences += 1
        self.chunked_sentences += sentence.chunked
        self.incomplete += not sentence.complete
        self.flagged += bool(sentence.flags)
        for term in sentence.terms:
            self.terms_found += 1
            self.terms_present += term.status in ("verified", "enforced")
        for number in sentence.numbers:
            self.numbers_found += 1
            self.numbers_present += number.status in ("verified", "enforced")


def _sentence_estimate(line: str) -> int:
    """About how many sentences a line holds (its sentence-final marks, at least one), to size blocks."""
    return max(1, sum(line.count(mark) for mark in SENTENCE_MARKS))


def _has_letters(text: str) -> bool:
    return any(unicodedata.category(c).startswith("L") for c in text)


def repeats(units: list[Unit]) -> dict[int, int]:
    """Each repeated unit (the same text again in a block) -> the index of its first occurrence."""
    first_of: dict[str, int] = {}
    repeat_of = {i: first_of.setdefault(u.text, i) for i, u in enumerate(units)}
    return {i: first for i, first in repeat_of.items() if first != i}


def flat_line(line: str) -> str:
    """A line as a block holds it: a line break inside it becomes a space."""
    if "\n" in line or "\r" in line:
        return line.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    return line


def flat_lines(lines: Iterable[str]) -> list[str]:
    """Lines as one block holds them (:func:`flat_line`)."""
    return [flat_line(line) for line in lines]


def blocks(lines: Iterable[str], first_units: int, most_units: int) -> Iterator[list[str]]:
    """Group lines into blocks: a first block of about ``first_units`` units, then blocks that double up to
    ``most_units``. A line break inside a line becomes a space."""
    block: list[str] = []
    units_in_block = 0
    limit = min(first_units, most_units)
    for line in lines:
        line = flat_line(line)
        block.append(line)
        units_in_block += _sentence_estimate(line)
        if units_in_block >= limit:
            yield block
            block, units_in_block = [], 0
            limit = min(limit * 2, most_units)
    if block:
        yield block


def split_block(block: list[str]) -> tuple[list[Unit], Layout]:
    """A block's lines as sentence units, and each line's layout: its indent and its units' indices (None for a
    line without letters: numbers, rules and blanks pass through untouched)."""
    units: list[Unit] = []
    layout: Layout = []
    for line in block:
        if not line.strip() or not _has_letters(line):
            layout.append(None)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        indices = []
        for span in split_sentences(line):
            indices.append(len(units))
            units.append(Unit(line[span.start : span.end]))
        layout.append((indent, indices))
    return units, layout


def join_lines(
    block: list[str], layout: Layout, sentences: list[SentenceResult], to: str, stats: TranslationStats
) -> list[LineResult]:
    """Reassemble a block's lines from its sentences (lines without letters pass through), counting them."""
    joiner = JOINERS.get(to, " ")
    results = []
    for line, entry in zip(block, layout):
        stats.lines += 1
        if entry is None:
            results.append(LineResult(line, line if line.strip() else "", []))
            continue
        indent, indices = entry
        line_sentences = [sentences[i] for i in indices]
        for sentence in line_sentences:
            stats.count(sentence)
        text = joiner.join(s.translation for s in line_sentences if s.translation)
        results.append(LineResult(line, indent + text, line_sentences))
    return results


def drive(
    blocks: Iterator[list[str]],
    start: Callable[[list[str]], Steps[list[LineResult]]],
    overlap: bool,
    progress: Callable[[int], None] | None = None,
) -> Iterator[LineResult]:
    """Run each block's generator (``start(block)``) and yield its lines, in order, one block at a time, except
    that with ``overlap`` a block waiting on a glossary repair round (not the first block, whose lines should
    come back fast) lets the next block start: the round is then decoded in the same call as that block's
    first decode (mt.decoding.batching), and at most two blocks are held. ``progress`` gets each finished
    block's line count."""
    running: list[Running[list[LineResult]]] = []  # oldest first; payload: the block's line count
    started = 0
    while True:
        # the only running block is the latest started one: block 1 when started == 1
        if not running or (
            overlap
            and len(running) == 1
            and started > 1
            and running[0].request is not None
            and running[0].request.repair
        ):
            block = next(blocks, None)
            if block is not None:
                running.append(Running(start(block), len(block)))
                started += 1
            elif not running:
                return
        Running.step(running)
        while running and running[0].done:
            finished = running.pop(0)
            yield from finished.result
            if progress:
                progress(finished.payload)
