"""`mt translate --engine local|ray`: the options and the run of an engine job (mt.engines), kept out of
mt/cli/translate.py, which only declares the options and hands over.

An engine job reads text files, directories of them, JSONL (id + text) or Parquet (the same columns), cuts them
into batches of --batch-lines lines and translates each batch with one Translator call, in this process
(--engine local) or on Ray actors (--engine ray): both write the same bytes. The lines are composed here, by a Translator that holds the
translation memory (--tm) and the job's checkpoint (--resume), as on the default path (mt.engines.job).
"""

from __future__ import annotations

import hashlib
import json
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

import typer

from mt.cli.common import (
    say,
    job_path,
    load_glossaries,
    memory_files,
    model_directories,
    remove_checkpoint,
    warn,
)
from mt.cli.progress import progress_bar
from mt.cli.summary import read_reference, translation_summary
from mt.engines.base import DEFAULT_BATCH_LINES, ENGINES, Engine, TranslatorSettings
from mt.engines.job import JobInput, JobSummary, run_job
from mt.engines.outputs import output_suffix
from mt.engines.records import RecordInput, expand_inputs, input_kind
from mt.errors import InputError
from mt.formats.writing import plan_outputs
from mt.pipeline import Translator
from mt.settings import DecodingSettings

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
    tm_mode: Optional[str] = None
    ref: Optional[Path] = None
    report: Optional[Path] = None
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
    sources = [RecordInput(name, request.text_column, request.id_column) for name in expand_inputs(request.inputs)]
    glossary = load_glossaries(request.glossary) if request.glossary else None
    first = _plan(request, sources, resuming=True)[0]  # where the checkpoint goes (checked again below)
    checkpoint = job_path(first) if request.resume and request.tm is None and first is not None else None
    # a stopped run may have written some outputs: resuming from its checkpoint writes them again
    outputs = _plan(request, sources, resuming=checkpoint is not None and checkpoint.exists())
    settings = TranslatorSettings(models=request.models, decoding=request.decoding, glossary=glossary)
    job_inputs = [JobInput(source, path, request.fmt) for source, path in zip(sources, outputs)]
    known = [s.rows for s in sources if s.rows is not None]
    references = _references(request, sources)
    hypotheses: list[str] = []
    engine = _engine(request, settings)
    translator = settings.build()  # composes the lines and holds the memory here; its models stay unloaded
    try:
        translator.plans(request.to)  # find (or fail on) the models before the memory is opened
        if request.tm is not None or checkpoint is not None:
            translator.use_memory(request.tm or checkpoint, request.tm_mode or "both")
        with _job(request, translator, sources, outputs, checkpoint):
            with progress_bar(
                f"translating ({engine.name})", sum(known) if len(known) == len(sources) else None, not request.quiet
            ) as advance:
                summary = run_job(
                    engine,
                    job_inputs,
                    request.batch_lines,
                    translator=translator,
                    to=request.to,
                    progress=advance,
                    report=warn,
                    translations=hypotheses.append if references is not None else None,
                )
    finally:
        engine.close()
        translator.close()
    if checkpoint is not None:
        remove_checkpoint(checkpoint)
    _finish(request, summary, translator)
    if references is not None:
        from mt.evaluation import summary_line  # sacrebleu, imported only with --ref

        say(summary_line(hypotheses, references, request.to))


@contextmanager
def _job(
    request: EngineRequest,
    translator: Translator,
    sources: list[RecordInput],
    outputs: list[Optional[Path]],
    checkpoint: Optional[Path],
) -> Iterator[None]:
    """Run as a resumable job where the default path does (a memory in mode both, outputs that are files): the
    memory (--tm, or --resume's checkpoint database) records each finished batch as the job's block, so that the
    same command started again after a stop reuses them (mt.memory_session)."""
    if translator.tm_mode != "both" or any(path is None for path in outputs):
        yield
        return
    identity = {
        "engine": json.dumps(
            {
                "inputs": [[s.name, s.kind, s.text_column, s.id_column, _digest(s.name)] for s in sources],
                "outputs": [os.path.abspath(path) for path in outputs if path is not None],
                "batch_lines": request.batch_lines,
                "fmt": request.fmt,
            },
            ensure_ascii=False,
        )
    }
    with translator.job(request.to, identity, checkpoint_only=checkpoint is not None) as job:
        if job.finished_blocks and not request.quiet:
            where = checkpoint if checkpoint is not None else request.tm
            say(f"mt: resuming: {job.finished_blocks} batches were finished in {where}")
        yield


def _references(request: EngineRequest, sources: list[RecordInput]) -> Optional[list[str]]:
    """--ref: one reference line per line of the text inputs (JSONL and Parquet rows are keyed by id)."""
    if request.ref is None:
        return None
    if any(s.kind != "txt" or s.rows is None for s in sources):
        raise InputError("--ref needs text inputs (one reference line per input line); JSONL and Parquet rows have ids")
    return read_reference(request.ref, sum(s.rows or 0 for s in sources))


def _digest(name: str) -> str:
    """The SHA-256 of an input file's bytes: a job whose input changed since it stopped is a new job."""
    digest = hashlib.sha256()
    with open(name, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _finish(request: EngineRequest, summary: JobSummary, translator: Translator) -> None:
    """The summary lines on stderr (unless --quiet), then the bad rows' verdict."""
    if not request.quiet:
        for line in summary.lines():
            say(f"mt: {line}")
        translation_summary(translator)
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
        raise InputError(
            "--engine reads files (it cuts them into numbered batches, and a job is named by their content); "
            "translate standard input ('-') without --engine, which streams it"
        )
    if request.report is not None:
        raise InputError("--report works without --engine (JSONL output holds each row's sentences, scores and terms)")
    if request.batch_lines < 1:
        raise InputError("--batch-lines must be at least 1")
    if request.resume and (request.output is None or request.output == "-"):
        raise InputError("--resume needs -o FILE or DIR (the checkpoint of finished batches is kept beside it)")
    if request.tm is not None and any(
        os.path.normcase(os.path.abspath(name)) == os.path.normcase(os.path.abspath(request.tm))
        for name in expand_inputs(request.inputs)
    ):
        raise InputError(f"--tm {request.tm} is also an input; give the translation memory its own file")


def _plan(request: EngineRequest, sources: list[RecordInput], resuming: bool) -> list[Optional[Path]]:
    """Each input's output (None: stdout), checked before any work (mt.formats.writing.plan_outputs); resuming
    may write over the files the stopped run wrote."""
    if request.output in (None, "-") and len(sources) == 1 and sources[0].kind == "parquet":
        raise InputError("Parquet output needs -o FILE")
    return plan_outputs(
        [s.name for s in sources],
        request.output,
        lambda i: f"{Path(sources[i].name).stem}.{request.to}.{output_suffix(sources[i], request.fmt)}",
        request.force or resuming,
        [
            *([request.ref] if request.ref else []),
            *(request.glossary or []),
            *memory_files(request.tm),
            *model_directories(request.to, request.models),
        ],
    )


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
