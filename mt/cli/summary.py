"""The summary a translation run prints on stderr (`mt translate`, with or without --engine)."""

from __future__ import annotations

from mt.cli.common import err_console, warn


def translation_summary(translator) -> None:
    """The lines a translation ends with on stderr: cut and chunked sentences, memory reuse, terms, QE, numbers."""
    stats = translator.stats
    if stats.incomplete:
        warn(
            f"{stats.incomplete} of {stats.sentences} sentences reached the decoding length limit; their "
            "translations may be cut (see 'complete' in --format jsonl)"
        )
    if stats.chunked_sentences:
        err_console.print(
            f"mt: {stats.chunked_sentences} sentences longer than the model's input limit were translated in chunks",
            markup=False,
        )
    if stats.tm_sentences:
        decoded = stats.tm_sentences - stats.tm_human - stats.tm_mt
        err_console.print(
            f"mt: translation memory: {stats.tm_human + stats.tm_mt} of {stats.tm_sentences} sentences "
            f"reused ({stats.tm_human} human, {stats.tm_mt} MT), {decoded} decoded, "
            f"{stats.tm_stored} stored",
            markup=False,
        )
    if translator.glossary is not None and translator.glossary_mode != "off":
        err_console.print(
            f"mt: glossary: {stats.terms_found} terms found, {stats.terms_present} present in the output", markup=False
        )
    if translator.assessor is not None:
        err_console.print(
            f"mt: quality estimation: {stats.flagged} of {stats.sentences} sentences flagged for review", markup=False
        )
    if stats.numbers_found:
        err_console.print(
            f"mt: numbers: {stats.numbers_found} found, {stats.numbers_present} present in the output", markup=False
        )
