"""`mt align`: word alignment (model attention or statistical), sentence alignment, and their scorers."""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Tuple

import typer

from mt.errors import InputError
from mt.formats.writing import check_output

app = typer.Typer(
    help="Align texts: words within sentence pairs, sentences within documents; score alignments.", no_args_is_help=True
)


def _check_output(path: Optional[Path], force: bool, inputs: list[Optional[Path]]) -> None:
    """Before any work: refuse an output that is an input, exists (without --force) or cannot be written."""
    if path is not None and str(path) != "-":
        check_output(path, force, [p for p in inputs if p is not None])


@app.command("words")
def words(
    src: Path = typer.Argument(..., help="Source file, one sentence per line (Arabic by default)."),
    tgt: Path = typer.Argument(..., help="Target file, line-parallel to SRC."),
    method: str = typer.Option(
        "statistical", "--method", "-m", help="attention (read the Marian model's alignment head) or statistical."
    ),
    model: Optional[str] = typer.Option(
        None,
        "--model",
        help="Marian model for attention: a Hugging Face "
        "directory, a CTranslate2 directory (mt models convert) or a hub id.",
    ),
    reverse_model: Optional[str] = typer.Option(
        None, "--reverse-model", help="Target->source model: align both ways and symmetrise."
    ),
    layer: int = typer.Option(-1, "--layer", min=-1, help="Decoder layer of the alignment head (-1: last)."),
    head: int = typer.Option(
        0,
        "--head",
        min=0,
        help="Attention head of the alignment head (a CTranslate2 model has "
        "only the alignment head: last layer, head 0).",
    ),
    batch_size: int = typer.Option(
        16,
        "--batch-size",
        min=1,
        max=4096,
        help="Sentence pairs per forced decoding pass of the attention method (pairs of similar length together; the links do not depend "
        "on it).",
    ),
    backend: str = typer.Option(
        "auto",
        "--backend",
        help="Statistical backend: auto (eflomal if installed, else fastalign), fastalign "
        "(built in, deterministic) or eflomal (pip install 'tarjama\\[align]', GPL-3; "
        "stronger: zh-en AER 22 vs 29, but its sampler takes no seed, so runs can differ "
        "slightly).",
    ),
    corpus: Optional[Tuple[Path, Path]] = typer.Option(
        None, "--corpus", metavar="SRC TGT", help="Extra parallel text to improve the statistics."
    ),
    tokenized: bool = typer.Option(
        False, "--tokenized", help="Input is pre-tokenised: split on spaces; indices refer to those tokens."
    ),
    src_lang: str = typer.Option("ar", "--src-lang", help="Source language: ar, en or zh."),
    tgt_lang: Optional[str] = typer.Option(None, "--tgt-lang", help="Target language (default: detected)."),
    split_clitics: bool = typer.Option(
        False, "--split-clitics", help="Split Arabic proclitics before the article into tokens."
    ),
    zh_seg: str = typer.Option(
        "char",
        "--zh-seg",
        help="Chinese tokens: char or jieba (needs jieba). The statistical "
        "aligner counts characters either way (and for --tokenized words), so SRC, TGT and "
        "--corpus share one vocabulary; links refer to the tokens.",
    ),
    symmetrization: str = typer.Option(
        "grow-diag-final-and", "--sym", help="intersection, union, grow-diag, grow-diag-final, grow-diag-final-and."
    ),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write Pharaoh links here (default stdout)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing --output file."),
) -> None:
    """Word-align SRC and TGT; print one line of Pharaoh links (i-j, 0-based) per sentence pair."""
    from mt.alignment.pharaoh import format_links, write_alignments  # noqa: PLC0415
    from mt.alignment.words import align_words, check_options, read_parallel  # noqa: PLC0415

    check_options(
        method=method,
        src_lang=src_lang,
        tgt_lang=tgt_lang,
        zh_mode=zh_seg,
        backend=backend,
        symmetrization=symmetrization,
        batch_size=batch_size,
    )
    _check_output(output, force, [src, tgt, *(corpus or ())])
    text = read_parallel(src, tgt)
    extra_src: list[str] = []
    extra_tgt: list[str] = []
    if corpus:
        extra = read_parallel(corpus[0], corpus[1], allow_empty=True)
        extra_src, extra_tgt = extra.src, extra.tgt
    links = align_words(
        text.src,
        text.tgt,
        method=method,
        src_lang=src_lang,
        tgt_lang=tgt_lang,
        tokenized=tokenized,
        split_clitics=split_clitics,
        zh_mode=zh_seg,
        extra_src=extra_src,
        extra_tgt=extra_tgt,
        model=model,
        reverse_model=reverse_model,
        layer=layer,
        head=head,
        backend=backend,
        symmetrization=symmetrization,
        batch_size=batch_size,
    )
    if output is None:
        for line_links in links:
            typer.echo(format_links(line_links))
    else:
        write_alignments(output, links)


@app.command("score")
def score(
    gold: Path = typer.Argument(..., help="Gold Pharaoh file: sure i-j, possible i-jP / i-j-P / ipj / i-p-j / i?j."),
    pred: Path = typer.Argument(..., help="Predicted Pharaoh file (one line per sentence pair)."),
    one_based: bool = typer.Option(
        False,
        "--one-based",
        "--one-indexed",
        help="Gold indices start at 1 (Tsinghua zh-en gold, awesome-align examples).",
    ),
    reverse_gold: bool = typer.Option(False, "--reverse-gold", help="Gold links are target-source (j-i)."),
    src: Optional[Path] = typer.Option(None, "--src", help="Source sentences: check every index is in range."),
    tgt: Optional[Path] = typer.Option(None, "--tgt", help="Target sentences: check every index is in range."),
    tokenized: bool = typer.Option(False, "--tokenized", help="--src/--tgt are pre-tokenised (split on spaces)."),
    src_lang: str = typer.Option("ar", "--src-lang", help="Source language for tokenising --src."),
    tgt_lang: Optional[str] = typer.Option(None, "--tgt-lang", help="Target language for --tgt (default detected)."),
) -> None:
    """Print AER, precision and recall (percent) of PRED against GOLD."""
    from mt.alignment.io import read_lines  # noqa: PLC0415
    from mt.alignment.pharaoh import check_ranges, read_alignments  # noqa: PLC0415
    from mt.alignment.scoring import score_aer  # noqa: PLC0415
    from mt.alignment.tokenize import detect_language, tokenize  # noqa: PLC0415

    gold_links = read_alignments(gold, one_based=one_based, reverse=reverse_gold)
    pred_links = read_alignments(pred)
    if len(gold_links) != len(pred_links):
        shorter = gold if len(gold_links) < len(pred_links) else pred
        raise InputError(
            f"{shorter}:{min(len(gold_links), len(pred_links)) + 1}: line count differs: "
            f"{gold} has {len(gold_links)} lines, {pred} has {len(pred_links)}"
        )
    if src is not None and tgt is not None:
        src_lines, tgt_lines = read_lines(src), read_lines(tgt)
        lang = tgt_lang or detect_language(tgt_lines)
        n_src = [len(tokenize(s, src_lang, tokenized=tokenized)) for s in src_lines]
        n_tgt = [len(tokenize(t, lang, tokenized=tokenized)) for t in tgt_lines]
        for path, alignments in ((gold, gold_links), (pred, pred_links)):
            if len(alignments) != len(src_lines):
                raise InputError(f"{path}: {len(alignments)} lines but {src} has {len(src_lines)}")
            check_ranges(alignments, n_src, n_tgt, path)
    if not any(a.links for a in gold_links) and not any(a.links for a in pred_links):
        raise InputError(f"{gold} and {pred} hold no links: nothing to score (AER is undefined)")
    result = score_aer(gold_links, pred_links)
    typer.echo(f"AER\t{100 * result.aer:.2f}")
    typer.echo(f"precision\t{100 * result.precision:.2f}")
    typer.echo(f"recall\t{100 * result.recall:.2f}")
    typer.echo(
        f"links\tpredicted {result.predicted}, gold sure {result.sure}, "
        f"sure hits {result.hits_sure}, possible hits {result.hits_possible}"
    )


@app.command("sentences")
def sentences(
    src_doc: Path = typer.Argument(..., help="Source document, one sentence per line (Arabic)."),
    tgt_doc: Path = typer.Argument(..., help="Target document, one sentence per line (English or Chinese)."),
    tgt_lang: Optional[str] = typer.Option(None, "--tgt-lang", help="en or zh (default: detected from TGT_DOC)."),
    glossary: Optional[Path] = typer.Option(None, "--glossary", "-g", help="Glossary whose terms act as anchors."),
    mt: Optional[str] = typer.Option(
        None, "--mt", help="Model (dir or hub id) translating SRC_DOC for a Bleualign-style similarity cost."
    ),
    realign: bool = typer.Option(
        False, "--realign", help="Second pass with a word list learnt from the first (helps ar-en most; 2.5-4x slower)."
    ),
    band: int = typer.Option(12, "--band", min=1, help="Half-width of the search band around the coarse path."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the bead TSV here (default stdout)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing --output file."),
) -> None:
    """Align the sentences of two documents; print one bead per row: source lines, target lines, score,
    source text, target text."""
    from mt.alignment.io import read_lines  # noqa: PLC0415
    from mt.alignment.sentence import align_sentences, format_beads, write_beads  # noqa: PLC0415
    from mt.alignment.tokenize import detect_language  # noqa: PLC0415

    _check_output(output, force, [src_doc, tgt_doc, glossary])
    src_lines = read_lines(src_doc, allow_empty=False)
    tgt_lines = read_lines(tgt_doc, allow_empty=False)
    lang = tgt_lang or detect_language(tgt_lines)
    if lang not in ("en", "zh"):
        raise InputError(f"{tgt_doc}: target language {lang!r} not supported (en or zh)")
    terms = None
    if glossary is not None:
        from mt.glossary import Glossary  # noqa: PLC0415

        terms = Glossary.load(glossary)
    translate = None
    if mt is not None:
        translate = _translator(mt, lang)
    beads = align_sentences(
        src_lines, tgt_lines, pair=f"ar-{lang}", glossary=terms, translate=translate, band=band, realign=realign
    )
    if output is None:
        typer.echo(format_beads(beads, src_lines, tgt_lines), nl=False)
    else:
        write_beads(output, beads, src_lines, tgt_lines)


def _translator(model: str, lang: str):
    """A function translating Arabic lines into ``lang`` with the project's Translator."""
    try:
        from mt.pipeline import Translator  # noqa: PLC0415
    except ImportError as error:
        raise InputError("--mt needs mt.pipeline.Translator, which this installation lacks") from error
    translator = Translator(models={f"ar-{lang}": model})

    def translate(lines: list[str]) -> list[str]:
        return [result.translation for result in translator.translate(lines, to=lang)]

    return translate


@app.command("score-sentences")
def score_sentences(
    gold: Path = typer.Argument(..., help="Gold beads: TSV (source lines, target lines, ...) or vecalign format."),
    pred: Path = typer.Argument(..., help="Predicted beads, same format (the output of `mt align sentences`)."),
    src_doc: Optional[Path] = typer.Option(None, "--src-doc", help="Source document: check line numbers are in range."),
    tgt_doc: Optional[Path] = typer.Option(None, "--tgt-doc", help="Target document: check line numbers are in range."),
) -> None:
    """Print precision, recall and F1 of PRED against GOLD, strict and lax (as vecalign defines them)."""
    from mt.alignment.io import read_lines  # noqa: PLC0415
    from mt.alignment.scoring import score_sentence_alignment  # noqa: PLC0415
    from mt.alignment.sentence.tsv import read_beads  # noqa: PLC0415

    n_src = len(read_lines(src_doc)) if src_doc else None
    n_tgt = len(read_lines(tgt_doc)) if tgt_doc else None
    gold_beads = read_beads(gold, n_src=n_src, n_tgt=n_tgt)
    pred_beads = read_beads(pred, n_src=n_src, n_tgt=n_tgt)
    result = score_sentence_alignment(gold_beads, pred_beads)
    typer.echo("\tprecision\trecall\tF1")
    typer.echo(f"strict\t{result.precision_strict:.4f}\t{result.recall_strict:.4f}\t{result.f1_strict:.4f}")
    typer.echo(f"lax\t{result.precision_lax:.4f}\t{result.recall_lax:.4f}\t{result.f1_lax:.4f}")
