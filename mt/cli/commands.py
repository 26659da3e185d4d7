"""The `mt` sub-commands, registered by name and imported only when one runs.

:data:`COMMANDS` names each sub-command, where it lives (a :class:`mt.plugins.Plugin`: a typer app, or a
command function whose module holds its ``HELP``) and a one-line summary. `mt --help` lists the summaries and
imports no command module; `mt glossary list` imports mt.cli.glossary and what it imports, nothing else.
A command module may import its library code at its top: it is loaded for its own command only.

To add a sub-command: write ``mt/cli/NAME.py`` (a typer app ``app``, or a function plus ``HELP``) and add one
line to :data:`COMMANDS`; tests/test_startup.py checks that the summary is the start of its help.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from mt.plugins import Plugin


@dataclass(frozen=True)
class Command:
    """A sub-command of `mt`: ``plugin`` finds its typer app or command function; ``summary`` is what
    `mt --help` shows beside its name without importing it."""

    plugin: Plugin
    summary: str

    def load(self, name: str) -> Any:
        """The command, imported now: a click command or group that `mt` runs as ``name``."""
        found = self.plugin.load()
        if isinstance(found, typer.Typer):
            group = typer.main.get_group(found)
            group.name = name
            return group
        single = typer.Typer(add_completion=False)  # a command function; its module's HELP is its full help
        single.command(name, help=getattr(sys.modules[found.__module__], "HELP", None))(found)
        command = typer.main.get_command(single)
        command.name = name
        return command


def _command(target: str, summary: str) -> Command:
    return Command(Plugin(target), summary)


COMMANDS: dict[str, Command] = {  # in the order `mt --help` lists them
    "translate": _command(
        "mt.cli.translate:translate", "Translate Arabic text files (or stdin with '-') into English or Chinese."
    ),
    "evaluate": _command(
        "mt.cli.evaluate:evaluate",
        "Score translations against references with sacrebleu: BLEU, chrF, chrF++ and TER, with signatures.",
    ),
    "finetune": _command(
        "mt.cli.finetune:finetune",
        "Fine-tune a Marian model (ar-en or ar-zh) on your own translations, on CPU (extra 'train').",
    ),
    "models": _command("mt.cli.models:app", "List, download and convert translation models."),
    "glossary": _command(
        "mt.cli.glossary:app", "Term bases (ar -> en, zh): list, show, add, remove, check, import, export, suggest."
    ),
    "align": _command(
        "mt.cli.align:app", "Align texts: words within sentence pairs, sentences within documents; score alignments."
    ),
    "tm": _command(
        "mt.cli.tm:app",
        "Translation memories: import human translations, export, fuzzy look-up, stats, prune, upgrade.",
    ),
    "serve": _command(
        "mt.cli.serve:app",
        "Serve translations over HTTP: LibreTranslate's API, Tarjama's own /v1 API and a web page (extra 'server').",
    ),
    "qe": _command(
        "mt.cli.qe:qe",
        "Quality estimation: which translations a reviewer should read first, with no reference and no model.",
    ),
}


class LazyGroup(TyperGroup):
    """The root `mt` group: it knows its sub-commands from :data:`COMMANDS` by name and summary (placeholders
    that `--help` and "did you mean" read) and imports one only when it is run (:meth:`resolve_command`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, command in COMMANDS.items():
            self.commands[name] = TyperCommand(name, help=command.summary)

    def resolve_command(self, ctx: Any, args: Sequence[str]) -> tuple[str | None, Any, list[str]]:
        name, placeholder, rest = super().resolve_command(ctx, list(args))
        if name in COMMANDS and placeholder is self.commands.get(name):
            return name, COMMANDS[name].load(name), rest
        return name, placeholder, rest
