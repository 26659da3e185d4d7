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

import json
import logging
import re
import shutil
import tempfile
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

from mt.errors import ModelError

log = logging.getLogger(__name__)

INFO_FILE = "tarjama.json"
INFO_FORMAT = 1
QUANTIZATIONS = ("int8", "int16", "float16", "float32")
COPIED_FILES = ("source.spm", "target.spm", "vocab.json", "target_vocab.json", "tokenizer_config.json",
                "special_tokens_map.json", "generation_config.json")
DEFAULT_MAX_POSITIONS = 512


@dataclass
class ConversionInfo:
    """What a converted directory records about itself (`tarjama.json`)."""

    source: str                      # the model as given (hub id or directory)
    quantization: str
    max_positions: int
    source_lang: str | None = None
    target_lang: str | None = None
    pair: str | None = None          # "ar-en", "en-zh", ... when known
    target_token: str | None = None  # e.g. ">>cmn_Hans<<" for opus-mt-en-zh
    language_tokens: list[str] = field(default_factory=list)
    decoder_layers: int | None = None
    decoder_heads: int | None = None
    ctranslate2_version: str | None = None
    transformers_version: str | None = None
    format: int = INFO_FORMAT

    def write(self, directory: Path) -> None:
        (directory / INFO_FILE).write_text(json.dumps(asdict(self), ensure_ascii=False, indent=1) + "\n",
                                           encoding="utf-8")


def read_info(directory: str | Path) -> ConversionInfo:
    """The `tarjama.json` of a converted directory; for a CTranslate2 directory converted by other tools, what
    can be inferred from its tokenizer files (max positions from tokenizer_config.json, else 512)."""
    directory = Path(directory)
    info_file = directory / INFO_FILE
    if info_file.exists():
        try:
            data = json.loads(info_file.read_text(encoding="utf-8"))
            known = set(ConversionInfo.__dataclass_fields__)
            return ConversionInfo(**{k: v for k, v in data.items() if k in known})
        except (ValueError, TypeError) as error:
            raise ModelError(f"{info_file}: not a valid {INFO_FILE} ({error})") from None
    tokenizer = _read_json(directory / "tokenizer_config.json")
    positions = tokenizer.get("model_max_length")
    if not isinstance(positions, int) or not 0 < positions <= 100_000:
        positions = DEFAULT_MAX_POSITIONS
        log.warning("%s has no %s: assuming %d positions (convert with `mt models convert` to record it)",
                    directory, INFO_FILE, positions)
    source_lang, target_lang = tokenizer.get("source_lang"), tokenizer.get("target_lang")
    return ConversionInfo(source=str(directory), quantization="unknown", max_positions=positions,
                          source_lang=source_lang, target_lang=target_lang, pair=_pair(source_lang, target_lang))


def _read_json(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise ModelError(f"{path}: not valid JSON") from None
    return data if isinstance(data, dict) else {}


def _pair(source_lang: str | None, target_lang: str | None) -> str | None:
    return f"{source_lang}-{target_lang}" if source_lang and target_lang else None


def _languages(model: str, tokenizer: dict) -> tuple[str | None, str | None]:
    """Source and target language: from tokenizer_config.json, else from an OPUS-MT name (opus-mt-ar-en)."""
    source_lang, target_lang = tokenizer.get("source_lang"), tokenizer.get("target_lang")
    if source_lang and target_lang:
        return str(source_lang), str(target_lang)
    found = re.search(r"opus-mt-(?:tc-(?:big|base)-)?([a-z]{2,3})-([a-z]{2,3})(?:$|[^a-z])", model.lower())
    return (found.group(1), found.group(2)) if found else (None, None)


def _describe(model: str, path: Path, quantization: str) -> ConversionInfo:
    """Read what the pipeline needs from the Hugging Face directory (config and tokenizer files)."""
    import ctranslate2
    import transformers

    from mt.models.registry import TARGET_TOKENS
    from mt.models.vocab import MarianVocab

    config = _read_json(path / "config.json")
    tokenizer = _read_json(path / "tokenizer_config.json")
    source_lang, target_lang = _languages(model, tokenizer)
    vocab = MarianVocab.from_dir(path)
    token = TARGET_TOKENS.get(target_lang or "")
    return ConversionInfo(
        source=model,
        quantization=quantization,
        max_positions=int(config.get("max_position_embeddings") or DEFAULT_MAX_POSITIONS),
        source_lang=source_lang,
        target_lang=target_lang,
        pair=_pair(source_lang, target_lang),
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
    from mt.models.loading import resolve

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
    try:
        from ctranslate2.converters import TransformersConverter
    except ImportError as error:
        raise ModelError(f"converting needs the ctranslate2 package ({error}); pip install ctranslate2") from None
    from transformers.utils import logging as hf_logging

    info = _describe(model, path, quantization)
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
            raise ModelError(f"{model}: CTranslate2 conversion failed ({type(error).__name__}: {message[:300]})") \
                from None
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
    log.info("converted %s (%s) into %s", model, quantization, out)
    return out
