"""`mt evaluate`: score translations against references (a thin layer over :mod:`mt.evaluation`)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import List, Optional

import typer

from mt.cli.common import warn
from mt.errors import InputError

HELP = """Score translations against references with sacrebleu: BLEU, chrF, chrF++ and TER, with signatures.

Example: mt evaluate -r ref.en sys1.en sys2.en --format html -o report.html

BLEU uses the 13a tokenizer for English and zh for Chinese (from --lang, else detected from the reference); \
for Chinese, TER splits characters too (sacrebleu --ter-normalized --ter-asian-support). Scores equal \
sacrebleu's CLI with the same options on the same files.

Each system gets a 95% bootstrap confidence interval; with several systems the first is the baseline and the \
others get paired tests (bootstrap, approximate randomisation; sacrebleu's defaults and seed, $SACREBLEU_SEED \
or 12345). --src with --glossary adds terminology accuracy; --segments writes per-segment scores as JSONL.
"""

FORMATS = ("text", "json", "markdown", "html")
#: Report format by output extension (an explicit --format wins over the extension).
EXTENSIONS = {
    ".txt": "text",
    ".text": "text",
    ".json": "json",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
}


def _report_format(fmt: Optional[str], output: Optional[Path]) -> str:
    """--format when given, else from the output's extension (.html .md .json .txt), else text."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise InputError(f"unknown report format {fmt!r}; choose from {', '.join(FORMATS)}")
        return fmt
    if output is None or str(output) == "-":
        return "text"
    return EXTENSIONS.get(output.suffix.lower(), "text")


def _split_metrics(hypotheses: List[Path], metrics: Optional[List[str]]) -> tuple[List[Path], Optional[List[str]]]:
    """sacrebleu's habit `-m bleu chrf ter`: the option takes one value, so `chrf` and `ter` arrive as
    hypotheses. When -m was given, a positional that names a metric and is not an existing file is a metric;
    an existing file keeps its place as a hypothesis."""
    if metrics is None:
        return hypotheses, None
    from mt.evaluation.metrics import is_metric_name

    files: List[Path] = []
    extra: List[str] = []
    for path in hypotheses:
        if not is_metric_name(str(path)):
            files.append(path)
        elif path.exists():
            warn(
                f"{path}: names a metric but is an existing file: scored as a hypothesis "
                f"(use -m {path.name} to add the metric)"
            )
            files.append(path)
        else:
            extra.append(str(path))
    return files, [*metrics, *extra]


# the options of `mt evaluate`, declared apart so that its signature reads as a list of names
_HYPOTHESES = typer.Argument(
    ...,
    metavar="HYP...",
    show_default=False,
    help="System output files, one segment per line; the first is the "
    "baseline of the paired tests. After -m, a name like chrf that is "
    "not a file is a metric (sacrebleu's -m bleu chrf ter).",
)
_REFERENCES = typer.Option(
    ..., "--ref", "-r", show_default=False, help="Reference file; repeat -r for several references."
)
_LANG = typer.Option(None, "--lang", "-l", help="Target language, en or zh (default: detected from the reference).")
_METRICS = typer.Option(
    None,
    "--metrics",
    "-m",
    show_default=False,
    help="Metrics: bleu, chrf, chrf++, ter; repeat -m, separate with "
    "commas or list them after -m as sacrebleu does. Default: all four.",
)
_TOKENIZE = typer.Option(
    None, "--tokenize", help="BLEU tokenizer: 13a, zh, intl, char or none (default: zh for Chinese, 13a otherwise)."
)
_TER_ASIAN = typer.Option(
    None,
    "--ter-asian/--no-ter-asian",
    help="TER splits Chinese characters (sacrebleu --ter-normalized "
    "--ter-asian-support); default: on for Chinese, off otherwise.",
)
_TEST = typer.Option(
    "auto",
    "--test",
    help="Paired tests between systems: bs (bootstrap), ar (approximate randomisation), "
    "both, none; auto is bs when there are several systems.",
)
_PAIRED_BS_N = typer.Option(
    1000, "--paired-bs-n", min=1, max=100_000, help="Resamples of the paired bootstrap test (1-100,000)."
)
_PAIRED_AR_N = typer.Option(
    10000, "--paired-ar-n", min=1, max=1_000_000, help="Trials of the approximate randomisation test (1-1,000,000)."
)
_CONFIDENCE_N = typer.Option(
    1000,
    "--confidence-n",
    min=0,
    max=100_000,
    help="Bootstrap resamples for each system's 95% confidence interval; 0 turns them off.",
)
_SRC = typer.Option(None, "--src", help="Arabic source file (for terminology accuracy).")
_GLOSSARY = typer.Option(
    None,
    "--glossary",
    "-g",
    help="Glossary (.tsv, .tbx, .csv, .json): terminology accuracy of each system and of the reference; needs --src.",
)
_SEGMENTS = typer.Option(
    None, "--segments", help="Write per-segment scores (sentence BLEU, chrF, TER, term hits) to this JSONL file."
)
_FREQ_FILE = typer.Option(
    None,
    "--freq-file",
    help="Text (e.g. the training targets) to count word frequencies "
    "from for the frequency buckets (default: the reference).",
)
_TOP = typer.Option(10, "--top", min=0, max=10_000, help="How many differing and worst segments to list.")
_FMT = typer.Option(
    None,
    "--format",
    "-f",
    help="Report format: text, json, markdown or html. Default: from the "
    "--output extension (.txt .json .md .html), else text; --format wins over "
    "the extension.",
)
_OUTPUT = typer.Option(None, "--output", "-o", help="Write the report here (default: stdout).")
_FORCE = typer.Option(False, "--force", help="Overwrite existing --output / --segments files (never an input).")


def evaluate(
    hypotheses: List[Path] = _HYPOTHESES,
    references: List[Path] = _REFERENCES,
    lang: Optional[str] = _LANG,
    metrics: Optional[List[str]] = _METRICS,
    tokenize: Optional[str] = _TOKENIZE,
    ter_asian: Optional[bool] = _TER_ASIAN,
    test: str = _TEST,
    paired_bs_n: int = _PAIRED_BS_N,
    paired_ar_n: int = _PAIRED_AR_N,
    confidence_n: int = _CONFIDENCE_N,
    src: Optional[Path] = _SRC,
    glossary: Optional[Path] = _GLOSSARY,
    segments: Optional[Path] = _SEGMENTS,
    freq_file: Optional[Path] = _FREQ_FILE,
    top: int = _TOP,
    fmt: Optional[str] = _FMT,
    output: Optional[Path] = _OUTPUT,
    force: bool = _FORCE,
) -> None:
    from mt.evaluation import evaluate_files
    from mt.evaluation.report import render
    from mt.evaluation.report.json import render_jsonl
    from mt.evaluation.metrics import parse_metrics
    from mt.formats.writing import atomic_writer, check_output, same_file

    hypotheses, metrics = _split_metrics(hypotheses, metrics)
    if not hypotheses:
        raise InputError("no hypothesis file given")
    parse_metrics(metrics)  # a bad metric name fails before any file is read
    fmt = _report_format(fmt, output)
    inputs = [*hypotheses, *references, *(p for p in (src, glossary, freq_file) if p is not None)]
    if output is not None and segments is not None and same_file(output, segments):
        raise InputError("--output and --segments name the same file")
    for path in (output, segments):
        if path is not None and str(path) != "-":
            check_output(path, force, inputs)

    result = evaluate_files(
        hypotheses,
        references,
        sources=src,
        frequency_file=freq_file,
        lang=lang,
        metrics=metrics,
        tokenize=tokenize,
        ter_asian=ter_asian,
        significance=test,
        confidence=confidence_n,
        paired_bs_samples=paired_bs_n,
        paired_ar_trials=paired_ar_n,
        glossary=glossary,
        top_n=top,
        on_warning=warn,
    )

    if segments is not None:
        with atomic_writer(segments) as handle:
            handle.write(render_jsonl(result.segment_records()))
    if fmt == "text" and (output is None or str(output) == "-"):
        width = shutil.get_terminal_size().columns if sys.stdout.isatty() else 120  # a pipe gets a file's report
        sys.stdout.write(render(result, fmt, width=width))
        return
    with atomic_writer(output) as handle:
        handle.write(render(result, fmt))
