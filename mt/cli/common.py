"""Helpers shared by the CLI commands: lines on stderr, the files a command must not write over and the glossaries
of -g. The progress bar is in mt.cli.progress, the rich consoles of the commands that print rich tables in
mt.cli.rich_output, option checks and the decoding options in mt.cli.options: only the commands that use them
import rich and mt.settings."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional


def say(line: str) -> None:
    """Print one line on stderr as it is written (no markup or emoji codes read from a file name in it): errors,
    warnings, summaries. sys.stderr is looked up at each call, so that a live progress bar (rich.progress, which
    redirects it and prints the line above the bar) and pytest's capture see it."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def warn(message: str) -> None:
    """Print a one-line warning on stderr."""
    say(f"mt: warning: {message}")


MEMORY_SIBLINGS = ("-wal", "-shm", "-journal")  # the files SQLite keeps beside a database (and deletes at close)


def memory_files(tm: Optional[Path]) -> list[Path]:
    """A translation memory in use and the files SQLite keeps beside it: no output may be one of them."""
    return [] if tm is None else [tm, *(Path(f"{tm}{suffix}") for suffix in MEMORY_SIBLINGS)]


JOB_SUFFIX = ".tarjama-job.sqlite"  # --resume's checkpoint database beside an output (mt.memory_session's jobs)


def job_path(output: Path) -> Path:
    """The job database that --resume keeps beside an output while it is being translated."""
    return output.with_name(output.name + JOB_SUFFIX)


def remove_checkpoint(job: Path) -> None:
    """Remove a finished job's checkpoint database and the files SQLite kept beside it."""
    for leftover in (job, *(Path(f"{job}{suffix}") for suffix in MEMORY_SIBLINGS)):
        leftover.unlink(missing_ok=True)


def model_directories(to: str, models: dict) -> list[Path]:
    """The local directories of the models that translate into ``to`` (a directory given, or a hub model's
    cached snapshot): every file in them is an input, never an output."""
    from mt.models.registry import route

    found = []
    for _, model in route(to, models):
        path = Path(model).expanduser()
        if path.is_dir():
            found.append(path)
        elif model.count("/") == 1:  # a hub id: the hub client (mt.models.hub) is imported only for one
            from mt.models.hub import cached_path

            if (cached := cached_path(model)) is not None:
                found.append(cached)
    return found


def load_glossaries(paths: list[Path]):
    """The glossaries of `mt translate -g` (merged when several), each refused as `mt glossary check` refuses
    it: one line naming the first error (a source term in two concepts, a duplicate id, ...)."""
    from mt.errors import GlossaryError
    from mt.glossary import Glossary
    from mt.glossary.lint import lint

    glossaries = []
    for path in paths:
        glossary = Glossary.load(path)
        errors = [issue for issue in lint(glossary.concepts) if issue.level == "error"]
        if errors:
            first = errors[0]
            line = glossary.lines.get(first.concept_id)
            raise GlossaryError(
                f"{path}{f':{line}' if line else ''}: {first.concept_id}: {first.message} "
                f"({len(errors)} error(s); `mt glossary check {path}` lists them)"
            )
        glossaries.append(glossary)
    return glossaries[0] if len(glossaries) == 1 else Glossary.merge(glossaries)
