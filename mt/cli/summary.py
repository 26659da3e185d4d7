"""The summary a translation run prints on stderr (`mt translate`, with or without --engine), and the reference
that --ref scores it against."""

from __future__ import annotations

from pathlib import Path

from mt.cli.common import say, warn
from mt.errors import InputError
from mt.text.lines import TextInput


def read_reference(path: Path, expected: int) -> list[str]:
    """The lines of --ref, one per input line (``expected`` of them)."""
    reference = TextInput(str(path))
    if reference.info is None:
        raise InputError("--ref cannot be standard input")
    if reference.info.lines != expected:
        raise InputError(f"{path}: {reference.info.lines} lines, but the input has {expected}")
    return list(reference.lines())


def translation_summary(translator) -> None:
    """The lines a translation ends with on stderr: cut and chunked sentences, memory reuse, terms, QE, numbers."""
    stats = translator.stats
    if stats.incomplete:
        warn(
            f"{stats.incomplete} of {stats.sentences} sentences reached the decoding length limit; their "
            "translations may be cut (see 'complete' in --format jsonl)"
        )
    if stats.chunked_sentences:
        say(f"mt: {stats.chunked_sentences} sentences longer than the model's input limit were translated in chunks")
    if stats.tm_sentences:
        decoded = stats.tm_sentences - stats.tm_human - stats.tm_mt
        say(
            f"mt: translation memory: {stats.tm_human + stats.tm_mt} of {stats.tm_sentences} sentences "
            f"reused ({stats.tm_human} human, {stats.tm_mt} MT), {decoded} decoded, "
            f"{stats.tm_stored} stored"
        )
    if translator.glossary is not None and translator.glossary_mode != "off":
        say(f"mt: glossary: {stats.terms_found} terms found, {stats.terms_present} present in the output")
    if translator.assessor is not None:
        say(f"mt: quality estimation: {stats.flagged} of {stats.sentences} sentences flagged for review")
    if stats.numbers_found:
        say(f"mt: numbers: {stats.numbers_found} found, {stats.numbers_present} present in the output")
