"""Convert a Hugging Face Marian model into a CTranslate2 directory that the pipeline can open on its own.

    from mt.models.convert import convert
    convert("Helsinki-NLP/opus-mt-ar-en", "opus-mt-ar-en-ct2", quantization="int8")

The output holds CTranslate2's `model.bin`, `config.json` and vocabulary, plus what the pipeline needs and
CTranslate2 does not keep: the tokenizer files (source.spm, target.spm, vocab.json, tokenizer_config.json, ...)
and `tarjama.json` (the pair, the target-language token, the model's positions, the quantization). The
conversion is written into a temporary directory beside OUT and renamed into place, so an interrupted run never
leaves a half-written model; an existing OUT is replaced only with `force`.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import ctranslate2
import transformers
from ctranslate2.converters import TransformersConverter
from transformers.utils import logging as hf_logging

from mt.errors import ModelError, OutputError
from mt.errors import OUTPUT_ERRNOS
from mt.models.loading import resolve
from mt.models.metadata import DEFAULT_MAX_POSITIONS, ConversionInfo, pair_name, read_json_object
from mt.models.registry import TARGET_TOKENS
from mt.models.vocab import MarianVocab

log = logging.getLogger(__name__)

QUANTIZATIONS = ("int8", "int16", "float16", "float32")
COPIED_FILES = (
    "source.spm",
    "target.spm",
    "vocab.json",
    "target_vocab.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "generation_config.json",
)


def _languages(model: str, tokenizer: dict) -> tuple[str | None, str | None]:
    """Source and target language: from tokenizer_config.json, else from an OPUS-MT name (opus-mt-ar-en)."""
    source_lang, target_lang = tokenizer.get("source_lang"), tokenizer.get("target_lang")
    if source_lang and target_lang:
        return str(source_lang), str(target_lang)
    found = re.search(r"opus-mt-(?:tc-(?:big|base)-)?([a-z]{2,3})-([a-z]{2,3})(?:$|[^a-z])", model.lower())
    return (found.group(1), found.group(2)) if found else (None, None)


def _describe(model: str, path: Path, quantization: str) -> ConversionInfo:
    """Read what the pipeline needs from the Hugging Face directory (config and tokenizer files)."""
    config = read_json_object(path / "config.json")
    tokenizer = read_json_object(path / "tokenizer_config.json")
    source_lang, target_lang = _languages(model, tokenizer)
    vocab = MarianVocab.from_dir(path)
    token = TARGET_TOKENS.get(target_lang or "")
    return ConversionInfo(
        source=model,
        quantization=quantization,
        max_positions=int(config.get("max_position_embeddings") or DEFAULT_MAX_POSITIONS),
        source_lang=source_lang,
        target_lang=target_lang,
        pair=pair_name(source_lang, target_lang),
        target_token=token if token and token in vocab.source_table else None,
        language_tokens=vocab.language_tokens,
        decoder_layers=config.get("decoder_layers"),
        decoder_heads=config.get("decoder_attention_heads"),
        ctranslate2_version=ctranslate2.__version__,
        transformers_version=transformers.__version__,
    )


def _check_output(out: Path, force: bool) -> None:
    if out.exists() or out.is_symlink():
        if not force:
            raise ModelError(f"{out} already exists; pass --force to replace it")
        if not (out.is_dir() and not out.is_symlink()):
            raise ModelError(f"{out} exists and is not a directory; remove it or choose another OUT")
    if not out.parent.exists():
        raise ModelError(f"{out.parent}: no such directory for OUT")


def convert(model: str | Path, out: str | Path, quantization: str = "int8", force: bool = False) -> Path:
    """Convert `model` (a hub id or Hugging Face Marian directory) into a CTranslate2 directory `out`."""
    model = str(model)
    out = Path(out).expanduser()
    if quantization not in QUANTIZATIONS:
        raise ModelError(f"unknown quantization {quantization!r}; choose one of {', '.join(QUANTIZATIONS)}")
    _check_output(out, force)
    path, kind = resolve(model)
    if kind != "hf":
        raise ModelError(f"{model} is already a CTranslate2 directory; convert the Hugging Face model it came from")
    if out.resolve() == path.resolve() or path.resolve().is_relative_to(out.resolve()):
        raise ModelError(f"OUT ({out}) must not be or contain the source model")
    info = _describe(model, path, quantization)
    with _output_errors(out):
        _write(model, path, out, quantization, info)
    log.info("converted %s (%s) into %s", model, quantization, out)
    return out


@contextmanager
def _output_errors(out: Path) -> Iterator[None]:
    """A write the disk refuses (full, read-only) is one line naming OUT (the staging directory is gone)."""
    try:
        yield
    except OSError as error:
        if error.errno not in OUTPUT_ERRNOS:
            raise
        raise OutputError(
            f"{out}: cannot write the converted model ({error.strerror or error}); nothing was written there"
        ) from error
    except ModelError as error:
        cause = error.__cause__
        if isinstance(cause, OSError) and cause.errno in OUTPUT_ERRNOS:
            raise OutputError(
                f"{out}: cannot write the converted model ({cause.strerror or cause}); nothing was written there"
            ) from cause
        raise


def _write(model: str, path: Path, out: Path, quantization: str, info: ConversionInfo) -> None:
    """Convert into a staging directory beside OUT, then rename it into place (replacing an old OUT)."""
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.converting-", dir=out.parent))
    try:
        target = staging / "model"
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # MarianTokenizer's "Recommended: pip install sacremoses"
                TransformersConverter(str(path)).convert(str(target), quantization=quantization)
        except Exception as error:  # noqa: BLE001 - the converter raises many types; the user needs one line
            message = " ".join(str(error).split()) or type(error).__name__
            raise ModelError(f"{model}: CTranslate2 conversion failed ({type(error).__name__}: {message})") from error
        for name in COPIED_FILES:
            if (path / name).exists():
                shutil.copyfile(path / name, target / name)
        info.write(target)
        if out.exists():  # force: move the old directory aside, put the new one in place, then delete the old
            old = staging / "old"
            out.rename(old)
        target.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
