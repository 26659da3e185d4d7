"""`mt translate`: translate Arabic text files into English or Chinese."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import List, Optional, Sequence

import typer

from mt.cli import engine_options
from mt.cli.common import err_console, progress_bar, warn
from mt.errors import InputError
from mt.text.lines import TextInput
from mt.text.script import ScriptWatch

HELP = """Translate Arabic text files (or stdin with '-') into English or Chinese.

Plain text keeps its lines: one output line per input line, empty lines stay empty, order is kept.
Each line is split into sentences, long sentences are chunked under the model's limit (never truncated),
and batches are sorted by length. Arabic -> Chinese goes through English unless an ar-zh model is given.
Standard input is translated as it arrives: lines come back whenever the input pauses (tail -f works).

--tm FILE reuses the translations of a translation memory (human ones first, then MT made with the same model,
glossary and settings) and stores every decoded block in it before writing it, so a killed run started again
with the same command decodes only what was not finished. --resume does the same without a memory.
"""

FORMATS = ("txt", "jsonl")
TM_MODES = ("both", "read", "write", "off")
JOB_SUFFIX = ".tarjama-job.sqlite"
PROGRESS_MIN_LINES = 20


def _output_format(fmt: Optional[str], output: Optional[str]) -> str:
    if fmt is None:
        return "jsonl" if output and output.endswith(".jsonl") else "txt"
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; choose txt or jsonl")
    return fmt


def _plan_outputs(inputs: list[str], output: Optional[str], to: str, fmt: str, force: bool,
                  other_inputs: Sequence[Path] = ()) -> list[Optional[Path]]:
    """Where each input's translation goes (None: stdout), checked before any work starts: no two inputs share
    an output and no output replaces an input (the texts, ``other_inputs`` such as --ref and glossaries)."""
    from mt.formats.writing import check_output

    if output is None or output == "-":
        if len(inputs) > 1:
            raise InputError("several inputs need -o DIR (one output file per input)")
        return [None]
    out = Path(output)
    if len(inputs) > 1 or out.is_dir():
        if not out.is_dir():
            raise InputError(f"{out}: not a directory; several inputs need -o DIR")
        if "-" in inputs:
            raise InputError("stdin ('-') cannot be combined with other inputs")
        paths = [out / f"{Path(name).stem}.{to}.{fmt}" for name in inputs]
    else:
        paths = [out]
    planned: dict[str, str] = {}
    for name, path in zip(inputs, paths):  # a.txt and b/a.txt would both become DIR/a.en.txt
        key = os.path.normcase(os.path.abspath(path))
        if key in planned:
            raise InputError(f"{planned[key]} and {name} would both be translated into {path}; "
                             "translate them into different directories (or rename one)")
        planned[key] = name
    for path in paths:
        check_output(path, force, [*inputs, *other_inputs])
    return paths


def translate(
    inputs: List[str] = typer.Argument(..., metavar="INPUT...", help="Arabic UTF-8 text files, or '-' for stdin."),
    to: str = typer.Option(..., "--to", "-t", help="Target language: en or zh."),
    output: Optional[str] = typer.Option(None, "--output", "-o",
                                         help="Output file ('-' or omitted: stdout); a directory for several inputs."),
    fmt: Optional[str] = typer.Option(None, "--format", "-f",
                                      help="txt (one line per input line) or jsonl (one object per line with "
                                      "sentences, scores and terms). Default: from the output name, else txt."),
    model: Optional[List[str]] = typer.Option(None, "--model", "-m",
                                              help="PAIR=ID_OR_DIR (pairs ar-en, en-zh, ar-zh; repeatable) or a "
                                              "bare ID_OR_DIR for the direct pair. Default: `mt models list`."),
    beam: int = typer.Option(4, "--beam", help="Beam size."),
    batch_tokens: int = typer.Option(4096, "--batch-tokens", help="Token budget per batch (sentences x length)."),
    max_input_tokens: Optional[int] = typer.Option(None, "--max-input-tokens",
                                                   help="Chunk sentences longer than this many source tokens "
                                                   "(default: half the model's positions, 256 for OPUS-MT)."),
    max_length_ratio: float = typer.Option(2.0, "--max-length-ratio",
                                           help="Decoding limit per sentence: this many target tokens per source "
                                           "token, plus --max-length-extra (capped by the model's positions)."),
    max_length_extra: int = typer.Option(10, "--max-length-extra", help="Target tokens added to the decoding limit."),
    glossary: Optional[List[Path]] = typer.Option(None, "--glossary", "-g",
                                                  help="Glossary file (.tsv, .tbx, .csv, .json); repeatable."),
    glossary_mode: str = typer.Option("strict", "--glossary-mode",
                                      help="strict: every matched term appears in the output; soft: report "
                                      "missing terms only; off: ignore the glossary."),
    ref: Optional[Path] = typer.Option(None, "--ref", help="Reference translation: print scores at the end."),
    backend: Optional[str] = typer.Option(None, "--backend", help="hf or ct2 (default: what the model directory holds)."),
    threads: Optional[int] = typer.Option(None, "--threads", help="CPU threads (default: all cores)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output file (never an input)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary on stderr."),
    tm: Optional[Path] = typer.Option(None, "--tm", help="Translation memory file (created when missing): reuse "
                                      "its translations and store new ones. See docs/tm.md."),
    tm_mode: Optional[str] = typer.Option(None, "--tm-mode", help="both (reuse and store; the default with --tm), "
                                          "read (reuse only), write (store only) or off."),
    resume: bool = typer.Option(False, "--resume", help="Without --tm: keep finished blocks in OUT.tarjama-job.sqlite "
                                "beside the output, so that the same command, run again after an interruption, "
                                "decodes only the rest (the file is removed on success). Needs -o."),
    engine: Optional[str] = engine_options.ENGINE,
    ray_address: Optional[str] = engine_options.RAY_ADDRESS,
    actors: Optional[int] = engine_options.ACTORS,
    threads_per_actor: int = engine_options.THREADS_PER_ACTOR,
    batch_lines: int = engine_options.BATCH_LINES,
    text_column: str = engine_options.TEXT_COLUMN,
    id_column: str = engine_options.ID_COLUMN,
) -> None:
    from mt.models.registry import TARGETS, parse_model_options

    if to not in TARGETS:
        raise InputError(f"unknown target language {to!r}; choose one of {', '.join(TARGETS)}")
    fmt = _output_format(fmt, output)
    if backend is not None and backend not in ("hf", "ct2"):
        raise InputError(f"unknown backend {backend!r}; choose hf or ct2")
    if inputs.count("-") > 1:
        raise InputError("stdin ('-') can be read only once")
    if tm_mode is not None and tm_mode not in TM_MODES:
        raise InputError(f"unknown --tm-mode {tm_mode!r}; choose both, read, write or off")
    if tm_mode is not None and tm is None:
        raise InputError("--tm-mode needs --tm FILE")
    if resume and (output is None or output == "-"):
        raise InputError("--resume needs -o FILE (the finished part is kept beside the output)")
    models = parse_model_options(model)
    if engine_options.wanted(engine, inputs, ray_address, actors, threads_per_actor, batch_lines):
        return engine_options.run(engine_options.EngineRequest(
            inputs=inputs, to=to, output=output, fmt=fmt, models=models, beam=beam, batch_tokens=batch_tokens,
            max_input_tokens=max_input_tokens, max_length_ratio=max_length_ratio, max_length_extra=max_length_extra,
            glossary=glossary, glossary_mode=glossary_mode, backend=backend, threads=threads, force=force, quiet=quiet,
            resume=resume, tm=tm, ref=ref, engine=engine, ray_address=ray_address, actors=actors,
            threads_per_actor=threads_per_actor, batch_lines=batch_lines, text_column=text_column, id_column=id_column))
    sources = [TextInput(name) for name in inputs]  # validates every input before anything is written
    outputs = _plan_outputs(inputs, output, to, fmt, force, [*([ref] if ref else []), *(glossary or []),
                                                             *([tm] if tm else [])])
    if tm is not None:
        _check_tm_path(tm, inputs, outputs)
    if ref and any(s.is_stream for s in sources):
        raise InputError("--ref needs input files (standard input is streamed; its length is not known)")
    references = _read_reference(ref, sum(s.info.lines for s in sources)) if ref else None
    loaded_glossary = _load_glossaries(glossary) if glossary else None

    from mt.pipeline import Translator

    translator = Translator(models, beam_size=beam, batch_tokens=batch_tokens, max_input_tokens=max_input_tokens,
                            max_length_ratio=max_length_ratio, max_length_extra=max_length_extra,
                            glossary=loaded_glossary, glossary_mode=glossary_mode, backend=backend, threads=threads,
                            tm=tm, tm_mode=tm_mode or "both")
    translator.legs(to)  # load (or fail on) the models before reading any input
    hypotheses: list[str] = []
    with translator:
        for source, path in zip(sources, outputs):
            collect = hypotheses if references is not None else None
            if path is not None and (resume or tm is not None):  # a killed run's hidden .part file goes
                for stale in path.parent.glob(f".{path.name}.*.part"):
                    stale.unlink(missing_ok=True)
            if resume and tm is None:
                _translate_resumable(translator, source, path, to, fmt, quiet, collect)
            else:
                _translate_one(translator, source, path, to, fmt, quiet, collect)
    if not quiet:
        _summary(translator)
    if references is not None:
        from mt.evaluation import summary_line

        err_console.print(summary_line(hypotheses, references, to), markup=False)


def _translate_one(translator, source, path: Optional[Path], to: str, fmt: str, quiet: bool,
                   collect: Optional[list]) -> None:
    """Translate one input into ``path`` (None: stdout). Standard input is streamed: each run of lines that
    arrives before the input pauses is translated and written (and flushed) before the next is awaited."""
    from mt.formats.writing import atomic_writer

    total = source.info.lines if source.info is not None else None  # None: a stream of unknown length
    check = ScriptWatch("ar", lambda problem: warn(f"{source.display_name} does not look like Arabic ({problem}); "
                                                   "translating it anyway"))
    with atomic_writer(path) as handle, progress_bar(f"translating {source.display_name}", total,
                                                     enabled=not quiet and (total or 0) > PROGRESS_MIN_LINES) \
            as advance:
        written = 0
        for run in source.segments():
            for result in translator.translate_stream(check.watch(run), to=to, progress=advance):
                text = json.dumps(result.to_dict(), ensure_ascii=False) if fmt == "jsonl" else result.translation
                handle.write(text)
                if written != source.unterminated:  # a last line without a line end is written without one
                    handle.write("\n")
                written += 1
                if collect is not None:
                    collect.append(result.translation)
                if source.is_stream:  # a reader at the other end of a pipe gets each line as it is done
                    handle.flush()
        check.finish()
    if written != source.info.lines:  # a broken promise would be a bug; never let it pass silently
        raise InputError(f"{source.display_name}: {source.info.lines} lines read but {written} written")


def job_path(output: Path) -> Path:
    """The job database that --resume keeps beside an output while it is being translated."""
    return output.with_name(output.name + JOB_SUFFIX)


def _check_tm_path(tm: Path, inputs: list[str], outputs: list[Optional[Path]]) -> None:
    """The memory is neither an input text nor an output (check_output already keeps outputs off it)."""
    key = os.path.normcase(os.path.abspath(tm))
    for name in inputs:
        if name != "-" and os.path.normcase(os.path.abspath(name)) == key:
            raise InputError(f"--tm {tm} is also an input; give the translation memory its own file")


def _translate_resumable(translator, source, path: Path, to: str, fmt: str, quiet: bool,
                         collect: Optional[list]) -> None:
    """Translate with a job database beside the output as the checkpoint; remove it (and its -wal/-shm) once
    the output is complete."""
    job = job_path(path)
    if not quiet and job.exists():
        err_console.print(f"mt: resuming {path} from {job}", markup=False)
    translator.use_memory(job, "both")
    try:
        _translate_one(translator, source, path, to, fmt, quiet, collect)
    finally:
        translator.use_memory(None)
    for leftover in (job, Path(f"{job}-wal"), Path(f"{job}-shm")):
        leftover.unlink(missing_ok=True)


def _read_reference(path: Path, expected: int) -> list[str]:
    reference = TextInput(str(path))
    if reference.info is None:
        raise InputError("--ref cannot be standard input")
    if reference.info.lines != expected:
        raise InputError(f"{path}: {reference.info.lines} lines, but the input has {expected}")
    return list(reference.lines())


def _load_glossaries(paths: List[Path]):
    from mt.glossary import Glossary

    glossaries = [Glossary.load(p) for p in paths]
    return glossaries[0] if len(glossaries) == 1 else Glossary.merge(glossaries)


def _summary(translator) -> None:
    stats = translator.stats
    if stats.incomplete:
        warn(f"{stats.incomplete} of {stats.sentences} sentences reached the decoding length limit; their "
             "translations may be cut (see 'complete' in --format jsonl)")
    if stats.chunked_sentences:
        err_console.print(f"mt: {stats.chunked_sentences} sentences longer than the model's input limit were "
                          "translated in chunks", markup=False)
    if stats.tm_sentences:
        decoded = stats.tm_sentences - stats.tm_human - stats.tm_mt
        err_console.print(f"mt: translation memory: {stats.tm_human + stats.tm_mt} of {stats.tm_sentences} sentences "
                          f"reused ({stats.tm_human} human, {stats.tm_mt} MT), {decoded} decoded, "
                          f"{stats.tm_stored} stored", markup=False)
    if translator.glossary is not None and translator.glossary_mode != "off":
        err_console.print(f"mt: glossary: {stats.terms_found} terms found, {stats.terms_present} present in the "
                          "output", markup=False)
