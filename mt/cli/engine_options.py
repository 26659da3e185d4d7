"""`mt translate --engine local|ray`: the options and the run of an engine job (mt.engines), kept out of
mt/cli/translate.py, which only declares the options and hands over.

An engine job reads text files, directories of them, JSONL (id + text) or Parquet (the same columns), cuts them
into batches of --batch-lines lines and translates each batch with one Translator call, in this process
(--engine local) or on Ray actors (--engine ray): both write the same bytes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional

import typer

from mt.cli.common import err_console, load_glossaries, model_directories, warn
from mt.engines.base import DEFAULT_BATCH_LINES, ENGINES, Engine, TranslatorSettings
from mt.settings import DecodingSettings
from mt.engines.job import JobInput, Journal, Progress, run_job
from mt.engines.outputs import output_suffix
from mt.engines.records import RecordInput, expand_inputs, input_kind
from mt.errors import InputError
from mt.formats.writing import plan_outputs

JOURNAL_SUFFIX = ".tarjama-engine-job.jsonl"

ENGINE = typer.Option(
    None,
    "--engine",
    help="local (this process) or ray (actors of a Ray cluster, extra 'ray'): "
    "translates fixed batches of --batch-lines lines, the same bytes on both; also reads "
    "directories, JSONL (id, text) and Parquet. See docs/ray.md.",
)
RAY_ADDRESS = typer.Option(
    None,
    "--ray-address",
    help="--engine ray: auto or HOST:PORT of a running cluster (default: start a local Ray instance on this machine).",
)
ACTORS = typer.Option(
    None, "--actors", help="--engine ray: translating actors (default: the cluster's CPUs / --threads-per-actor)."
)
THREADS_PER_ACTOR = typer.Option(1, "--threads-per-actor", help="--engine ray: CPUs (and decoding threads) per actor.")
BATCH_LINES = typer.Option(
    DEFAULT_BATCH_LINES,
    "--batch-lines",
    help="--engine: input lines per batch (one Translator call; part of what fixes the output bytes).",
)
TEXT_COLUMN = typer.Option("text", "--text-column", help="JSONL/Parquet inputs: the field holding the Arabic text.")
ID_COLUMN = typer.Option("id", "--id-column", help="JSONL/Parquet inputs: the field holding each row's id.")


@dataclass
class EngineRequest:
    """What `mt translate` was asked, for an engine job."""

    inputs: list[str]
    to: str
    output: Optional[str]
    fmt: str
    models: dict
    decoding: DecodingSettings
    glossary: Optional[list[Path]]
    force: bool
    quiet: bool
    resume: bool
    tm: Optional[Path] = None
    ref: Optional[Path] = None
    engine: Optional[str] = None
    ray_address: Optional[str] = None
    actors: Optional[int] = None
    threads_per_actor: int = 1
    batch_lines: int = DEFAULT_BATCH_LINES
    text_column: str = "text"
    id_column: str = "id"


def wanted(
    engine: Optional[str],
    inputs: list[str],
    ray_address: Optional[str],
    actors: Optional[int],
    threads_per_actor: int,
    batch_lines: int,
) -> bool:
    """Whether `mt translate` runs as an engine job: --engine given, or an input only an engine reads (a
    directory, JSONL, Parquet). Ray options without --engine ray are refused."""
    if engine is not None and engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}; choose {' or '.join(ENGINES)}")
    if engine != "ray":
        given = [
            name
            for name, value, default in (
                ("--ray-address", ray_address, None),
                ("--actors", actors, None),
                ("--threads-per-actor", threads_per_actor, 1),
            )
            if value != default
        ]
        if given:
            raise InputError(f"{given[0]} needs --engine ray")
    job = engine is not None or any(
        name != "-" and (Path(name).is_dir() or input_kind(name) != "txt") for name in inputs
    )
    if not job and batch_lines != DEFAULT_BATCH_LINES:
        raise InputError("--batch-lines needs --engine local or --engine ray")
    return job


def run(request: EngineRequest) -> None:
    """Run the job; bad rows are reported as they come and make the exit status non-zero at the end."""
    _refuse_unsupported(request)
    names = expand_inputs(request.inputs)
    sources = [RecordInput(name, request.text_column, request.id_column) for name in names]
    glossary = load_glossaries(request.glossary) if request.glossary else None
    journal_path = None
    outputs = _plan(request, sources, glossary_files=request.glossary or [], resuming=False)
    first_output = outputs[0]
    if request.resume and first_output is not None:  # --resume is refused without -o (_refuse_unsupported)
        journal_path = first_output.with_name(first_output.name + JOURNAL_SUFFIX)
        if journal_path.exists():  # the interrupted run may have written some outputs: they are rewritten
            outputs = _plan(request, sources, glossary_files=request.glossary or [], resuming=True)
            if not request.quiet:
                err_console.print(f"mt: resuming from {journal_path}", markup=False)
    settings = TranslatorSettings(models=request.models, decoding=request.decoding, glossary=glossary)
    job_inputs = [JobInput(source, path, request.fmt) for source, path in zip(sources, outputs)]
    journal = Journal(journal_path, _fingerprint(request, settings, sources)) if journal_path else None
    if journal is not None and journal.stale:
        warn(f"{journal_path} was made with other models, glossary or settings: translating everything again")
    known = [s.rows for s in sources if s.rows is not None]
    progress = Progress(sum(known) if len(known) == len(sources) else None, enabled=not request.quiet)
    engine = _engine(request, settings)
    try:
        summary = run_job(
            engine, job_inputs, request.batch_lines, journal=journal, progress=progress, report=lambda line: warn(line)
        )
    finally:
        engine.close()
    if not request.quiet:
        for line in summary.lines():
            err_console.print(f"mt: {line}", markup=False)
    if summary.bad:
        raise InputError(
            f"{len(summary.bad)} bad rows (reported above, kept as error rows in the output); "
            "every other row was translated"
        )


def _engine(request: EngineRequest, settings: TranslatorSettings) -> Engine:
    engine_class = ENGINES[request.engine or "local"].load()
    if request.engine == "ray":
        return engine_class(
            settings,
            request.to,
            address=request.ray_address,
            actors=request.actors,
            threads_per_actor=request.threads_per_actor,
        )
    return engine_class(settings, request.to)


def _refuse_unsupported(request: EngineRequest) -> None:
    if "-" in request.inputs:
        raise InputError("--engine and JSONL/Parquet/directory inputs read files, not standard input ('-')")
    if request.tm is not None or request.ref is not None:
        raise InputError(
            "--tm and --ref do not work with --engine (or JSONL/Parquet/directory inputs) yet; "
            "--resume resumes a stopped job"
        )
    if request.batch_lines < 1:
        raise InputError("--batch-lines must be at least 1")
    if request.resume and (request.output is None or request.output == "-"):
        raise InputError("--resume needs -o FILE or DIR (the journal of finished batches is kept beside it)")


def _plan(
    request: EngineRequest, sources: list[RecordInput], glossary_files: list[Path], resuming: bool
) -> list[Optional[Path]]:
    """Each input's output (None: stdout), checked before any work (mt.formats.writing.plan_outputs); resuming
    may write over the files the stopped run wrote."""
    if request.output in (None, "-") and len(sources) == 1 and sources[0].kind == "parquet":
        raise InputError("Parquet output needs -o FILE")
    return plan_outputs(
        [s.name for s in sources],
        request.output,
        lambda i: f"{Path(sources[i].name).stem}.{request.to}.{output_suffix(sources[i], request.fmt)}",
        request.force or resuming,
        [*glossary_files, *model_directories(request.to, request.models)],
    )


def _fingerprint(request: EngineRequest, settings: TranslatorSettings, sources: list[RecordInput]) -> dict:
    """What a journal's batches depend on besides their lines (each batch carries the digest of its own): the
    translation memory key of these settings (models and revisions, glossary, DecodingSettings.fingerprint: the
    key the TM and the default path's jobs use), the output format and the cut into batches."""
    with settings.build() as translator:
        key = translator.memory_key(request.to)
    return {
        "to": request.to,
        "key": asdict(key),
        "batch_lines": request.batch_lines,
        "fmt": request.fmt,
        "inputs": [[s.name, s.kind, s.text_column, s.id_column] for s in sources],
    }


__all__ = [
    "ACTORS",
    "BATCH_LINES",
    "ENGINE",
    "EngineRequest",
    "ID_COLUMN",
    "RAY_ADDRESS",
    "TEXT_COLUMN",
    "THREADS_PER_ACTOR",
    "run",
    "wanted",
]
