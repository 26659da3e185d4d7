"""`mt translate`: translate Arabic text files into English or Chinese."""

from __future__ import annotations

import hashlib
import json
import os
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, List, Optional, Sequence

import typer

from mt.cli import engine_options
from mt.cli.common import (
    say,
    job_path,
    load_glossaries,
    memory_files,
    model_directories,
    remove_checkpoint,
    warn,
)
from mt.cli.options import decoding_option, finite
from mt.cli.progress import progress_bar
from mt.cli.summary import read_reference, translation_summary
from mt.settings import DecodingSettings
from mt.errors import InputError
from mt.formats.document import FormatOptions
from mt.formats.registry import format_for, format_names
from mt.formats.writing import check_output, plan_outputs
from mt.text.lines import TextInput
from mt.text.script import ScriptWatch

if TYPE_CHECKING:  # the review page's rows; mt.qe is imported only when a review page is written
    from mt.qe.html import ReviewRow

HELP = """Translate Arabic text files (or stdin with '-') into English or Chinese.

Plain text keeps its lines: one output line per input line, empty lines stay empty, order is kept.
Each line is split into sentences, long sentences are chunked under the model's limit (never truncated),
and batches are sorted by length. Arabic -> Chinese goes through English unless an ar-zh model is given.
Standard input is translated as it arrives: lines come back whenever the input pauses (tail -f works).

--tm FILE reuses the translations of a translation memory (human ones first, then MT made with the same model,
glossary and settings) and stores every decoded block in it before writing it, so a killed run started again
with the same command decodes only what was not finished. --resume does the same without a memory.

Documents (DOCX, XLIFF, PO, SRT/VTT, HTML, Markdown, TMX; by extension or --input-format) are written in their
own format, structure and inline markup kept (see docs/documents.md); with -o DIR, report.docx becomes
DIR/report.en.docx. --report FILE.jsonl writes one row per translated segment (or line) for review.

--qe scores every sentence (docs/qe.md); --report FILE.html writes the review page (sentences by risk, flagged
spans highlighted, a filter by kind) and --qe-comments puts a Word comment on each flagged DOCX paragraph.
"""

FORMATS = ("txt", "jsonl")
TM_MODES = ("both", "read", "write", "off")
PROGRESS_MIN_LINES = 20


def _output_format(fmt: Optional[str], output: Optional[str]) -> str:
    if fmt is None:
        return "jsonl" if output and output.endswith(".jsonl") else "txt"
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; choose txt or jsonl")
    return fmt


def _plan_outputs(
    inputs: list[str],
    output: Optional[str],
    to: str,
    fmt: str,
    force: bool,
    other_inputs: Sequence[Path] = (),
    extensions: Optional[Sequence[Optional[str]]] = None,
) -> list[Optional[Path]]:
    """Where each input's translation goes (mt.formats.writing.plan_outputs). ``extensions`` (per input, None
    for text): a document keeps its own extension (report.docx -> report.en.docx)."""
    if "-" in inputs and output not in (None, "-") and Path(output).is_dir():
        raise InputError("stdin ('-') cannot be combined with other inputs")
    suffixes = extensions or [None] * len(inputs)
    return plan_outputs(
        inputs, output, lambda i: f"{Path(inputs[i]).stem}.{to}{suffixes[i] or '.' + fmt}", force, other_inputs
    )


# the options of `mt translate`, declared apart so that its signature reads as a list of names
_INPUTS = typer.Argument(..., metavar="INPUT...", help="Arabic UTF-8 text files, or '-' for stdin.")
_TO = typer.Option(..., "--to", "-t", help="Target language: en or zh.")
_OUTPUT = typer.Option(
    None, "--output", "-o", help="Output file ('-' or omitted: stdout); a directory for several inputs."
)
_FMT = typer.Option(
    None,
    "--format",
    "-f",
    help="txt (one line per input line) or jsonl (one object per line with "
    "sentences, scores and terms). Default: from the output name, else txt.",
)
_MODEL = typer.Option(
    None,
    "--model",
    "-m",
    help="PAIR=ID_OR_DIR (pairs ar-en, en-zh, ar-zh; repeatable) or a "
    "bare ID_OR_DIR for the direct pair. Default: `mt models list`.",
)
_GLOSSARY = typer.Option(None, "--glossary", "-g", help="Glossary file (.tsv, .tbx, .csv, .json); repeatable.")
_GLOSSARY_MODE = typer.Option(
    "strict",
    "--glossary-mode",
    help="strict: every matched term appears in the output; soft: report missing terms only; off: ignore the glossary.",
)
_NUMBERS = typer.Option(
    "enforce",
    "--numbers",
    help="enforce: every digit number of the Arabic appears in the output in the "
    "target's convention (placed like a glossary term where missing); check: verify "
    "and report only; off. Reported per sentence ('numbers' in jsonl and --report).",
)
_QE = typer.Option(
    False,
    "--qe",
    help="Quality estimation (as mt qe): every sentence gets 'risk' and "
    "'flags' in jsonl and --report; flagged XLIFF targets need review, flagged PO entries "
    "become fuzzy with a comment naming the reason (docs/qe.md).",
)
_QE_COMMENTS = typer.Option(
    False,
    "--qe-comments",
    help="DOCX inputs: a Word comment on each paragraph quality estimation flagged, naming the reason (implies --qe).",
)
_REF = typer.Option(None, "--ref", help="Reference translation: print scores at the end.")
_BACKEND = typer.Option(None, "--backend", help="hf or ct2 (default: what the model directory holds).")
_FORCE = typer.Option(False, "--force", help="Overwrite an existing output file (never an input).")
_QUIET = typer.Option(False, "--quiet", "-q", help="No progress bar or summary on stderr.")
_TM = typer.Option(
    None,
    "--tm",
    help="Translation memory file (created when missing): reuse its translations and store new ones. See docs/tm.md.",
)
_TM_MODE = typer.Option(
    None,
    "--tm-mode",
    help="both (reuse and store; the default with --tm), read (reuse only), write (store only) or off.",
)
_RESUME = typer.Option(
    False,
    "--resume",
    help="Without --tm: keep finished blocks in OUT.tarjama-job.sqlite "
    "beside the output, so that the same command, run again after an interruption, "
    "decodes only the rest (the file is removed on success). Needs -o.",
)
_INPUT_FORMAT = typer.Option(
    None,
    "--input-format",
    help="Read the inputs as this format "
    "instead of by extension: txt, docx, xliff, po, srt, vtt, html, "
    "markdown or tmx (those installed: see docs/documents.md).",
)
_ENCODING = typer.Option(
    None,
    "--encoding",
    help="Documents in a legacy encoding (PO, SRT, "
    "VTT): read them as this (windows-1252, cp1256 ...) when they do not "
    "declare it.",
)
_OVERWRITE_TARGETS = typer.Option(
    False,
    "--overwrite-targets",
    help="XLIFF/TMX: replace existing targets (default: leave them and their units alone).",
)
_NO_FUZZY = typer.Option(False, "--no-fuzzy", help="PO: do not mark machine-translated entries fuzzy.")
_XLIFF_STATE = typer.Option(
    None,
    "--xliff-state",
    help="XLIFF: the state of new targets (default needs-review-translation in 1.2, translated in 2.x).",
)
_REPORT = typer.Option(
    None,
    "--report",
    help="Write FILE.jsonl: one row per translated "
    "segment or line (input, location, source, translation, score, terms, "
    "displaced tags; with --tm origin and the best fuzzy match). FILE.html: "
    "the review page of mt qe -f html, every sentence by risk (implies --qe).",
)
_FUZZY_MIN = typer.Option(
    75.0,
    "--fuzzy-min",
    callback=finite,
    help="--report with --tm: the lowest similarity (0-100) of a fuzzy match worth showing.",
)


def translate(
    inputs: List[str] = _INPUTS,
    to: str = _TO,
    output: Optional[str] = _OUTPUT,
    fmt: Optional[str] = _FMT,
    model: Optional[List[str]] = _MODEL,
    beam: int = decoding_option("beam_size"),
    batch_tokens: int = decoding_option("batch_tokens"),
    max_input_tokens: Optional[int] = decoding_option("max_input_tokens"),
    max_length_ratio: float = decoding_option("max_length_ratio"),
    max_length_extra: int = decoding_option("max_length_extra"),
    glossary: Optional[List[Path]] = _GLOSSARY,
    glossary_mode: str = _GLOSSARY_MODE,
    numbers: str = _NUMBERS,
    qe: bool = _QE,
    qe_comments: bool = _QE_COMMENTS,
    ref: Optional[Path] = _REF,
    backend: Optional[str] = _BACKEND,
    threads: Optional[int] = decoding_option("threads"),
    force: bool = _FORCE,
    quiet: bool = _QUIET,
    tm: Optional[Path] = _TM,
    tm_mode: Optional[str] = _TM_MODE,
    resume: bool = _RESUME,
    input_format: Optional[str] = _INPUT_FORMAT,
    encoding: Optional[str] = _ENCODING,
    overwrite_targets: bool = _OVERWRITE_TARGETS,
    no_fuzzy: bool = _NO_FUZZY,
    xliff_state: Optional[str] = _XLIFF_STATE,
    report: Optional[Path] = _REPORT,
    fuzzy_min: float = _FUZZY_MIN,
    engine: Optional[str] = engine_options.ENGINE,
    ray_address: Optional[str] = engine_options.RAY_ADDRESS,
    actors: Optional[int] = engine_options.ACTORS,
    threads_per_actor: int = engine_options.THREADS_PER_ACTOR,
    batch_lines: int = engine_options.BATCH_LINES,
    text_column: str = engine_options.TEXT_COLUMN,
    id_column: str = engine_options.ID_COLUMN,
) -> None:
    decoding = dict(
        beam_size=beam,
        batch_tokens=batch_tokens,
        max_input_tokens=max_input_tokens,
        max_length_ratio=max_length_ratio,
        max_length_extra=max_length_extra,
        glossary_mode=glossary_mode,
        backend=backend,
        threads=threads,
        numbers=numbers,
    )
    documents = FormatOptions(
        target=to,
        encoding=encoding,
        overwrite_targets=overwrite_targets,
        mark_fuzzy=not no_fuzzy,
        state=xliff_state,
        review_comments=qe_comments,
    )
    engines = _EngineOptions(engine, ray_address, actors, threads_per_actor, batch_lines, text_column, id_column)
    _run(
        _Request(
            inputs=inputs,
            to=to,
            output=output,
            fmt=fmt,
            model=model,
            glossary=glossary,
            qe=qe,
            qe_comments=qe_comments,
            ref=ref,
            force=force,
            quiet=quiet,
            tm=tm,
            tm_mode=tm_mode,
            resume=resume,
            input_format=input_format,
            report=report,
            fuzzy_min=fuzzy_min,
            decoding=decoding,
            documents=documents,
            engines=engines,
        )
    )


@dataclass(frozen=True)
class _EngineOptions:
    """The --engine options of `mt translate` (mt.cli.engine_options)."""

    engine: Optional[str]
    ray_address: Optional[str]
    actors: Optional[int]
    threads_per_actor: int
    batch_lines: int
    text_column: str
    id_column: str


@dataclass(frozen=True)
class _Request:
    """What `mt translate` was asked, before any check: the inputs and outputs, the memory and report options,
    the decoding options (DecodingSettings' fields, checked once the others are), the document options and the
    engine options."""

    inputs: list[str]
    to: str
    output: Optional[str]
    fmt: Optional[str]
    model: Optional[list[str]]
    glossary: Optional[list[Path]]
    qe: bool
    qe_comments: bool
    ref: Optional[Path]
    force: bool
    quiet: bool
    tm: Optional[Path]
    tm_mode: Optional[str]
    resume: bool
    input_format: Optional[str]
    report: Optional[Path]
    fuzzy_min: float
    decoding: dict
    documents: FormatOptions
    engines: _EngineOptions


def _run(r: _Request) -> None:
    """Check the options, then run an engine job or translate each input (a text or a document)."""
    from mt.models.registry import parse_model_options

    fmt = _checked_format(r)
    decoding = DecodingSettings(**r.decoding)
    models = parse_model_options(r.model)
    formats = [_document_format(name, r.input_format) for name in r.inputs]
    qe = _qe_wanted(r, formats)
    e = r.engines
    if not any(formats) and engine_options.wanted(
        e.engine, r.inputs, e.ray_address, e.actors, e.threads_per_actor, e.batch_lines
    ):
        return engine_options.run(
            engine_options.EngineRequest(
                inputs=r.inputs,
                to=r.to,
                output=r.output,
                fmt=fmt,
                models=models,
                decoding=decoding,
                glossary=r.glossary,
                force=r.force,
                quiet=r.quiet,
                resume=r.resume,
                tm=r.tm,
                tm_mode=r.tm_mode,
                ref=r.ref,
                report=r.report,
                engine=e.engine,
                ray_address=e.ray_address,
                actors=e.actors,
                threads_per_actor=e.threads_per_actor,
                batch_lines=e.batch_lines,
                text_column=e.text_column,
                id_column=e.id_column,
            )
        )
    if any(formats):
        _check_document_options(r.fmt is not None, r.resume, r.ref)
    _translate_inputs(r, fmt, formats, models, decoding, qe)


def _checked_format(r: _Request) -> str:
    """The output format (txt or jsonl), once the target, the stdin inputs, --tm-mode, --resume and --fuzzy-min
    are checked."""
    from mt.models.registry import TARGETS

    if r.to not in TARGETS:
        raise InputError(f"unknown target language {r.to!r}; choose one of {', '.join(TARGETS)}")
    fmt = _output_format(r.fmt, r.output)
    if r.inputs.count("-") > 1:
        raise InputError("stdin ('-') can be read only once")
    if r.tm_mode is not None and r.tm_mode not in TM_MODES:
        raise InputError(f"unknown --tm-mode {r.tm_mode!r}; choose both, read, write or off")
    if r.tm_mode is not None and r.tm is None:
        raise InputError("--tm-mode needs --tm FILE")
    if r.resume and (r.output is None or r.output == "-"):
        raise InputError("--resume needs -o FILE (the finished part is kept beside the output)")
    if r.resume and "-" in r.inputs:
        raise InputError("--resume needs input files (standard input cannot be read again)")
    if not 0 <= r.fuzzy_min <= 100:
        raise InputError(f"--fuzzy-min {r.fuzzy_min:g}: expected a similarity from 0 to 100")
    return fmt


def _qe_wanted(r: _Request, formats: list) -> bool:
    """Whether sentences get quality estimation (--qe, implied by --qe-comments and --report FILE.html); documents
    and quality estimation are refused with --engine, comments on anything but DOCX inputs."""
    if r.engines.engine is not None and any(formats):
        raise InputError(
            "--engine cuts text, JSONL and Parquet inputs into batches of lines; a document is rebuilt whole from "
            "its segments: translate documents without --engine"
        )
    qe = r.qe or r.qe_comments or _review_page_wanted(r.report)
    if qe and r.engines.engine is not None:
        raise InputError(
            "--qe (and --qe-comments, --report FILE.html) works without --engine (score an engine's output with mt qe)"
        )
    if r.qe_comments:
        _check_comment_inputs(r.inputs, formats)
    return qe


def _translate_inputs(r: _Request, fmt: str, formats: list, models: dict, decoding: DecodingSettings, qe: bool) -> None:
    """Check every input and output before anything is written, then translate each input in turn."""
    # validates every input before anything is written (documents are parsed, text is checked)
    sources = [TextInput(name) if kind is None else None for name, kind in zip(r.inputs, formats)]
    documents = [
        kind.load(Path(name), r.documents) if kind is not None else None for name, kind in zip(r.inputs, formats)
    ]
    # what the run reads besides its inputs: no output (nor --report) may be one of them, --force or not
    protected = [
        *([r.ref] if r.ref else []),
        *(r.glossary or []),
        *memory_files(r.tm),
        *model_directories(r.to, models),
    ]
    outputs = _plan_outputs(
        r.inputs,
        r.output,
        r.to,
        fmt,
        r.force,
        protected,
        [Path(name).suffix if kind is not None else None for name, kind in zip(r.inputs, formats)],
    )
    if r.report is not None:
        _check_report_path(r.report, r.force, r.inputs, outputs, protected)
    if r.tm is not None:
        _check_tm_path(r.tm, r.inputs, outputs)
    if r.ref and any(s is not None and s.is_stream for s in sources):
        raise InputError("--ref needs input files (standard input is streamed; its length is not known)")
    references = read_reference(r.ref, sum(_line_count(s) for s in sources)) if r.ref else None
    loaded_glossary = load_glossaries(r.glossary) if r.glossary else None

    from mt.pipeline import Translator

    translator = Translator(models, glossary=loaded_glossary, settings=decoding, qe=qe)
    translator.plans(r.to)  # find (or fail on) the models before reading any input; loaded on the first decode
    if r.tm is not None:  # opened (created) once the models are known to be there
        translator.use_memory(r.tm, r.tm_mode or "both")
    hypotheses: list[str] = []
    with translator, ExitStack() as stack:
        rows = _report_writer(stack, r.report, translator, r.to, r.fuzzy_min, r.inputs)
        for name, source, document, path in zip(r.inputs, sources, documents, outputs):
            _translate_input(
                translator, r, name, source, document, path, fmt, rows, hypotheses if references is not None else None
            )
    if not r.quiet:
        translation_summary(translator)
    if references is not None:
        from mt.evaluation import summary_line

        say(summary_line(hypotheses, references, r.to))


def _translate_input(
    translator, r: _Request, name: str, source, document, path: Optional[Path], fmt: str, rows, collect: Optional[list]
) -> None:
    """One input: a document; a text kept resumable beside its output (--resume without --tm); a text whose
    finished blocks the memory keeps as a job (a killed run resumes identically); or a plain text."""
    if document is not None:
        _translate_document(translator, name, document, path, r.to, r.documents, r.force, r.quiet, r.input_format, rows)
    elif r.resume and r.tm is None and path is not None:  # --resume is refused without -o
        _translate_resumable(translator, source, path, r.to, fmt, r.quiet, collect, _line_rows(rows, name))
    elif path is not None and translator.tm_mode == "both" and not source.is_stream:
        with translator.job(r.to, _job_identity(source, path)) as job:  # a killed run resumes identically
            if job.finished_blocks and not r.quiet:
                say(f"mt: resuming {path}: {job.finished_blocks} blocks were finished in {r.tm}")
            _translate_one(translator, source, path, r.to, fmt, r.quiet, collect, _line_rows(rows, name))
    else:
        _translate_one(translator, source, path, r.to, fmt, r.quiet, collect, _line_rows(rows, name))


def _translate_one(
    translator,
    source,
    path: Optional[Path],
    to: str,
    fmt: str,
    quiet: bool,
    collect: Optional[list],
    on_line: Optional[Callable] = None,
) -> None:
    """Translate one input into ``path`` (None: stdout). Standard input is streamed: each run of lines that
    arrives before the input pauses is translated and written (and flushed) before the next is awaited."""
    from mt.formats.writing import atomic_writer

    total = source.info.lines if source.info is not None else None  # None: a stream of unknown length
    check = ScriptWatch(
        "ar",
        lambda problem: warn(f"{source.display_name} does not look like Arabic ({problem}); translating it anyway"),
    )
    with (
        atomic_writer(path) as handle,
        progress_bar(
            f"translating {source.display_name}", total, enabled=not quiet and (total or 0) > PROGRESS_MIN_LINES
        ) as advance,
    ):
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
                if on_line is not None:  # lines are numbered from 1: `written` counts this one
                    on_line(written, result)
                if source.is_stream:  # a reader at the other end of a pipe gets each line as it is done
                    handle.flush()
        check.finish()
    if written != source.info.lines:  # a broken promise would be a bug; never let it pass silently
        raise InputError(f"{source.display_name}: {source.info.lines} lines read but {written} written")


def _job_identity(source, path: Path) -> dict[str, str]:
    """What names a resumable job besides the settings: the input's content and the output's path."""
    digest = hashlib.sha256()
    with open(source.name, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return {"input": digest.hexdigest(), "output": os.path.abspath(path)}


def _check_tm_path(tm: Path, inputs: list[str], outputs: list[Optional[Path]]) -> None:
    """The memory is neither an input text nor an output (check_output already keeps outputs off it)."""
    key = os.path.normcase(os.path.abspath(tm))
    for name in inputs:
        if name != "-" and os.path.normcase(os.path.abspath(name)) == key:
            raise InputError(f"--tm {tm} is also an input; give the translation memory its own file")


def _translate_resumable(
    translator,
    source,
    path: Path,
    to: str,
    fmt: str,
    quiet: bool,
    collect: Optional[list],
    on_line: Optional[Callable] = None,
) -> None:
    """Translate with a job database beside the output as the checkpoint; remove it (and its -wal/-shm) once
    the output is complete."""
    job = job_path(path)
    if not quiet and job.exists():
        say(f"mt: resuming {path} from {job}")
    translator.use_memory(job, "both")
    try:
        with translator.job(to, _job_identity(source, path), checkpoint_only=True):
            _translate_one(translator, source, path, to, fmt, quiet, collect, on_line)
    finally:
        translator.use_memory(None)
    remove_checkpoint(job)


# -- documents and --report -----------------------------------------------------------------------------------------
def _document_format(name: str, input_format: Optional[str]):
    """The document format of an input (None: text, read line by line)."""
    if name == "-":
        if input_format is not None and format_for("-", input_format) is not None:
            raise InputError(
                f"--input-format {input_format}: a document cannot be read from stdin ('-'); give its file"
            )
        return None
    return format_for(name, input_format)


def _line_count(source: TextInput | None) -> int:
    """The line count of a validated input file (--ref is refused with documents and standard input)."""
    if source is None or source.info is None:
        raise InputError("--ref needs input files (one reference line per input line)")
    return source.info.lines


def _check_document_options(fmt_given: bool, resume: bool, ref: Optional[Path]) -> None:
    if fmt_given:
        raise InputError(
            "--format applies to text inputs only; a document is written in its own format "
            f"({', '.join(format_names())})"
        )
    if resume:
        raise InputError(
            "--resume works for text inputs only; a document is written whole (use --tm FILE to reuse "
            "the sentences a killed run finished)"
        )
    if ref is not None:
        raise InputError("--ref needs text inputs (one reference line per input line)")


def _check_report_path(
    report: Path, force: bool, inputs: list[str], outputs: list[Optional[Path]], others: Sequence[Path]
) -> None:
    """The report is an output like the others: checked before any work, never over an input or another output."""
    check_output(report, force, [*inputs, *others])
    for path in outputs:
        if path is not None and os.path.normcase(os.path.abspath(path)) == os.path.normcase(os.path.abspath(report)):
            raise InputError(f"--report {report} is also the output of a translation; give the report its own file")


def _review_page_wanted(report: Optional[Path]) -> bool:
    """Whether --report names the review page (FILE.html or .htm) rather than JSON Lines."""
    return report is not None and report.suffix.lower() in (".html", ".htm")


def _check_comment_inputs(inputs: list[str], formats: list) -> None:
    """--qe-comments writes Word comments: every input must be a DOCX."""
    for name, kind in zip(inputs, formats):
        if kind is None or kind.name != "docx":
            raise InputError(
                f"--qe-comments puts Word comments in DOCX translations; {name} is not a DOCX "
                "(--qe alone marks flagged XLIFF and PO segments)"
            )


class _ReviewPage:
    """--report FILE.html: every scored sentence of the run on one review page (mt.qe.html), written when the
    run ends well."""

    def __init__(self, handle, title: str) -> None:
        self.handle, self.title = handle, title
        self.rows: list[ReviewRow] = []

    def __call__(self, where: str, sentences, make_row) -> None:
        from mt.qe.html import sentence_rows

        self.rows += sentence_rows(where, sentences, len(self.rows))

    def __enter__(self) -> _ReviewPage:
        return self

    def __exit__(self, kind, *_) -> None:
        if kind is None:
            from mt.qe.html import render_html

            self.handle.write(render_html(self.rows, self.title, where="where"))


def _report_writer(
    stack: ExitStack, report: Optional[Path], translator, to: str, fuzzy_min: float, inputs: Sequence[str] = ()
):
    """A function that takes one report entry (where it is, its sentences, a function of the fuzzy lookup that
    makes its JSON row) and writes it (None without --report); the file appears when the run succeeds."""
    if report is None:
        return None
    from mt.formats.writing import atomic_writer
    from mt.report import FuzzyLookup

    handle = stack.enter_context(atomic_writer(report))
    if _review_page_wanted(report):
        names = ", ".join("<stdin>" if name == "-" else Path(name).name for name in inputs)
        return stack.enter_context(_ReviewPage(handle, f"Translation review: {names} -> {to}"))
    fuzzy = None
    if translator.tm is not None and translator.tm_mode in ("both", "read"):
        fuzzy = FuzzyLookup(translator.tm, to, fuzzy_min, translator.memory_key(to))

    def write(where: str, sentences, make_row) -> None:
        row = make_row(fuzzy)
        if row is not None:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")

    return write


def _line_rows(rows, name: str):
    """The --report hook of a text input: a row per translated line (location "line N")."""
    if rows is None:
        return None
    from mt.report import line_row

    label = "<stdin>" if name == "-" else name
    return lambda number, result: rows(
        f"{Path(label).name}: line {number}", result.sentences, lambda fuzzy: line_row(label, number, result, fuzzy)
    )


def _translate_document(
    translator,
    name: str,
    document,
    path: Optional[Path],
    to: str,
    options: FormatOptions,
    force: bool,
    quiet: bool,
    input_format: Optional[str],
    rows,
) -> None:
    """Translate one parsed document into ``path`` (None: stdout) in its own format; warn about displaced tags."""
    from mt.report import segment_row

    total = len(document.segments)
    with progress_bar(f"translating {name}", total, enabled=not quiet and total > PROGRESS_MIN_LINES) as advance:
        done = translator.translate_file(
            name,
            to=to,
            out=path if path is not None else "-",
            input_format=input_format,
            options=options,
            force=force,
            progress=advance,
            document=document,
        )
    for location, ids in done.displaced:
        warn(
            f"{name}: {location}: tag{'s' if len(ids) > 1 else ''} {', '.join(ids)} could not be put at aligned "
            "words; placed at the nearest valid point"
        )
    if rows is not None:
        for translated in done.translations:
            rows(
                f"{Path(name).name}: {translated.segment.location}",
                translated.sentences,
                lambda fuzzy, t=translated: segment_row(name, t, fuzzy),
            )
