"""The rich console of the commands that print rich tables or a progress bar (glossary and model listings, the
progress bar): text printed as it is written."""

from __future__ import annotations

from rich.console import Console


def literal_console(**options: object) -> Console:
    """A rich console that prints text as it is: no markup (a file name or term holding "[/x]" or "[bold]"),
    no emoji codes (":smile:") and no highlighting are read from a command's data."""
    return Console(highlight=False, markup=False, emoji=False, **options)  # type: ignore[arg-type]
