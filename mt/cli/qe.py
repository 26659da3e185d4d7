"""`mt qe`: score existing translations of Arabic sentences with no reference (a thin layer over mt.qe)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from mt.cli.common import say
from mt.errors import InputError

HELP = """Quality estimation: which translations a reviewer should read first, with no reference (no model needed).

Example: mt qe news.ar news.en --to en -g terms.tsv -f html -o review.html

SOURCE holds Arabic sentences, TRANSLATION their translations, line by line. Each pair gets a risk in [0, 1] \
from model-free detectors (numbers, glossary terms, untranslated or wrong-script text, loops, empty lines, \
words without a counterpart learned from parallel text, length ratio) combined by calibrated logistic \
models; pairs at or above --threshold get flags naming the kinds and the spans. Output: JSON Lines (one object \
per line, in order), TSV, or a self-contained HTML review page. --model adds the model's forced-decoding score \
(model_score in JSONL) to the risk, weighted for that model by a calibration on shipped TICO-19 dev lines that \
runs once per model and is cached ($MT_CACHE_DIR, else ~/.cache/tarjama). See docs/qe.md.
"""


def qe(
    source: Path = typer.Argument(..., metavar="SOURCE", help="Arabic source, one sentence per line."),
    translation: Path = typer.Argument(..., metavar="TRANSLATION", help="Translations, line-parallel to SOURCE."),
    to: str = typer.Option(..., "--to", "-t", help="Language of the translations: en or zh."),
    glossary: Optional[Path] = typer.Option(
        None,
        "--glossary",
        "-g",
        help="Glossary whose concepts found in the source must be translated (a missing term is always flagged).",
    ),
    threshold: Optional[float] = typer.Option(
        None,
        "--threshold",
        min=0.0,
        max=1.0,
        help="Flag pairs whose risk is at least this (default: the "
        "calibrated one, which flags about 3-5% of good translations).",
    ),
    fmt: Optional[str] = typer.Option(
        None, "--format", "-f", help="jsonl, tsv or html (default: from the output's extension, else jsonl)."
    ),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here (default: standard output)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing --output file."),
    model: Optional[str] = typer.Option(
        None,
        "--model",
        "-m",
        help="A direct ar-en or ar-zh Marian model (directory or hub id): adds "
        "each translation's forced-decoding score, model_score (mean token "
        "log-prob), to the output and the risk (calibrated for this model on "
        "first use, then cached).",
    ),
    risk_model: Optional[Path] = typer.Option(
        None,
        "--risk-model",
        help="A risk model to use instead of the shipped one (with --model: "
        "instead of the cached calibration; eval/calibrate_qe_model.py "
        "writes one).",
    ),
) -> None:
    """Score TRANSLATION against SOURCE line by line."""
    from mt.formats.writing import atomic_writer, check_output  # noqa: PLC0415 - keep `mt --help` light
    from mt.qe.estimator import TARGETS, QualityEstimator, load_glossary  # noqa: PLC0415
    from mt.qe.html import render_html  # noqa: PLC0415
    from mt.qe.output import EXTENSIONS, FORMATS, write_jsonl, write_tsv  # noqa: PLC0415
    from mt.qe.reading import read_pairs  # noqa: PLC0415
    from mt.qe.risk import MODEL_PART, RiskModel  # noqa: PLC0415
    from mt.qe.model_calibration import calibrated_risk_model  # noqa: PLC0415
    from mt.qe.model_score import ModelScorer  # noqa: PLC0415

    if to not in TARGETS:
        raise InputError(f"unknown target language {to!r}: expected en or zh")
    fmt = fmt or (EXTENSIONS.get(output.suffix.lower(), "jsonl") if output and str(output) != "-" else "jsonl")
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")
    if output is not None and str(output) != "-":
        check_output(output, force, [p for p in (source, translation, glossary) if p is not None])
    sources, translations = read_pairs(source, translation)
    risks = RiskModel.load(risk_model) if risk_model is not None else None
    if risks is not None and MODEL_PART in risks.parts and model is None:
        raise InputError(f"{risk_model} has a model-score part: give the model it was calibrated for with --model")
    scorers = [ModelScorer.load(model, to)] if model is not None else []
    if scorers and risks is None:
        risks, _ = calibrated_risk_model(scorers[0], say=lambda message: say(f"mt qe: {message}"))
    estimator = QualityEstimator(to, glossary=load_glossary(glossary), threshold=threshold, risk_model=risks)
    assessments = estimator.assess_all(sources, translations, scorers=scorers)
    with atomic_writer(output) as handle:
        if fmt == "html":
            handle.write(render_html(list(assessments), title=f"{source.name} -> {translation.name}"))
        elif fmt == "tsv":
            write_tsv(assessments, handle)
        else:
            write_jsonl(assessments, handle)
