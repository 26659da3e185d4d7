"""File-level word alignment: read, validate and tokenise parallel files, then run an aligner."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from mt.alignment.attention import AttentionAligner
from mt.alignment.io import read_lines
from mt.alignment.pharaoh import Link
from mt.alignment.statistical import StatisticalAligner
from mt.alignment.symmetrize import METHODS as SYMMETRIZATIONS
from mt.alignment.tokenize import LANGUAGES, detect_language, tokenize
from mt.errors import InputError

METHODS = ("attention", "statistical")
ZH_MODES = ("char", "jieba")


@dataclass
class ParallelText:
    """Sentence pairs read from two files (lines kept as they are)."""

    src: list[str]
    tgt: list[str]
    src_path: Path
    tgt_path: Path


def read_parallel(src_path: str | Path, tgt_path: str | Path, *, allow_empty: bool = False) -> ParallelText:
    """Read two line-parallel files; mismatched counts and (unless allowed) empty lines are InputErrors."""
    src_path, tgt_path = Path(src_path), Path(tgt_path)
    src = read_lines(src_path, allow_empty=allow_empty)
    tgt = read_lines(tgt_path, allow_empty=allow_empty)
    if len(src) != len(tgt):
        shorter, n = (src_path, len(src)) if len(src) < len(tgt) else (tgt_path, len(tgt))
        raise InputError(
            f"{shorter}:{n + 1}: line count differs: {src_path} has {len(src)} lines, {tgt_path} has {len(tgt)}"
        )
    return ParallelText(src, tgt, src_path, tgt_path)


def check_options(
    *,
    method: str = "statistical",
    src_lang: str = "ar",
    tgt_lang: str | None = None,
    zh_mode: str = "char",
    backend: str = "fastalign",
    symmetrization: str = "grow-diag-final-and",
    batch_size: int = 16,
) -> None:
    """Raise InputError for an option :func:`align_words` cannot use, before any file is read or model trained."""
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}: expected attention or statistical")
    if batch_size < 1:
        raise InputError(f"batch size {batch_size}: expected 1 or more sentence pairs")
    if symmetrization not in SYMMETRIZATIONS:
        raise InputError(f"unknown symmetrisation {symmetrization!r}: expected one of {', '.join(SYMMETRIZATIONS)}")
    for name, lang in (("source", src_lang), ("target", tgt_lang)):
        if lang is not None and lang not in LANGUAGES:
            raise InputError(f"unknown {name} language {lang!r}: expected one of {', '.join(LANGUAGES)}")
    if zh_mode not in ZH_MODES:
        raise InputError(f"unknown Chinese tokenisation {zh_mode!r}: expected {' or '.join(ZH_MODES)}")
    if method == "statistical":
        StatisticalAligner(backend=backend).resolved_backend()  # unknown or missing backend


def align_words(
    src: Sequence[str],
    tgt: Sequence[str],
    *,
    method: str = "statistical",
    src_lang: str = "ar",
    tgt_lang: str | None = None,
    tokenized: bool = False,
    split_clitics: bool = False,
    zh_mode: str = "char",
    extra_src: Sequence[str] = (),
    extra_tgt: Sequence[str] = (),
    model: str | Path | None = None,
    reverse_model: str | Path | None = None,
    layer: int = -1,
    head: int = 0,
    backend: str = "fastalign",
    symmetrization: str = "grow-diag-final-and",
    batch_size: int = 16,
) -> list[set[Link]]:
    """Word-align sentence pairs with the model's attention or the statistical aligner; indices refer to
    the tokens of :func:`mt.alignment.tokenize.tokenize` (or whitespace tokens with ``tokenized``).
    ``batch_size``: sentence pairs per forced decoding pass of the attention method."""
    check_options(
        method=method,
        src_lang=src_lang,
        tgt_lang=tgt_lang,
        zh_mode=zh_mode,
        backend=backend,
        symmetrization=symmetrization,
        batch_size=batch_size,
    )
    if len(src) != len(tgt):
        raise InputError(f"{len(src)} source sentences but {len(tgt)} target sentences")
    if not src:  # nothing to align (and nothing to train a statistical model on)
        return []
    tgt_lang = tgt_lang or detect_language(tgt)
    if method == "attention":
        if model is None:
            raise InputError("--method attention needs --model (a Marian model directory or hub id)")
        aligner = AttentionAligner(
            model,
            src_lang=src_lang,
            tgt_lang=tgt_lang,
            layer=layer,
            head=head,
            reverse_model=reverse_model,
            symmetrization=symmetrization,
            split_clitics=split_clitics,
            batch_size=batch_size,
        )
        return aligner.align(src, tgt, tokenized=tokenized)

    def tok(lines: Sequence[str], lang: str, pre: bool) -> list[list[str]]:
        return [tokenize(line, lang, split_clitics=split_clitics, zh_mode=zh_mode, tokenized=pre) for line in lines]

    statistical = StatisticalAligner(
        backend=backend, symmetrization=symmetrization, src_lang=src_lang, tgt_lang=tgt_lang
    )
    return statistical.align(
        tok(src, src_lang, tokenized),
        tok(tgt, tgt_lang, tokenized),
        extra_src=tok(extra_src, src_lang, False),
        extra_tgt=tok(extra_tgt, tgt_lang, False),
    )
