"""Find a model (local directory or hub id) and check it (mt.backends.loading opens a backend on it).

A local directory is used as it is. A hub id is looked up in the Hugging Face cache and downloaded on first use
by mt.models.hub, which this module imports (through :data:`HUB_FETCH`) only for a hub id: a local model never
imports huggingface_hub.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from mt.errors import ModelError
from mt.models.metadata import max_positions
from mt.plugins import Plugin

log = logging.getLogger(__name__)

TOKENIZER_FILES = [
    "source.spm",
    "target.spm",
    "vocab.json",
    "target_vocab.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
]
CONFIG_FILES = ["config.json", "generation_config.json"]
HUB_FETCH = Plugin("mt.models.hub:fetch", needs=("huggingface_hub",), what="a model from the Hugging Face hub")


def _looks_like_path(model: str) -> bool:
    """A name that can only be a directory: absolute, relative (./, ~), or deeper than a hub id's org/name."""
    return model.startswith((".", "/", "~")) or model.strip("/").count("/") > 1


def model_kind(path: Path) -> str:
    """'hf' for a Hugging Face Marian directory, 'ct2' for a CTranslate2 conversion; ModelError otherwise."""
    if not path.is_dir():
        raise ModelError(f"{path}: not a directory; a model is a Hugging Face Marian directory or a hub id")
    if (path / "model.bin").exists() and (path / "config.json").exists() and (path / "source.spm").exists():
        return "ct2"
    config_file = path / "config.json"
    if not config_file.exists():
        raise ModelError(f"{path}: not a Marian model directory (no config.json)")
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise ModelError(f"{path}/config.json: not valid JSON") from error
    if config.get("model_type") != "marian":
        raise ModelError(f"{path}: not a Marian model (config.json model_type is {config.get('model_type')!r})")
    missing = [f for f in ("source.spm", "target.spm", "vocab.json") if not (path / f).exists()]
    if missing:
        raise ModelError(f"{path}: Marian model without its tokenizer files ({', '.join(missing)})")
    if not any((path / w).exists() for w in ("model.safetensors", "pytorch_model.bin")):
        raise ModelError(f"{path}: no weights (model.safetensors or pytorch_model.bin)")
    return "hf"


def resolve(model: str) -> tuple[Path, str]:
    """A local directory for `model` (a directory or a hub id) and its kind ('hf' or 'ct2')."""
    expanded = Path(os.path.expanduser(model))
    if expanded.exists() or _looks_like_path(model):
        if not expanded.exists():
            raise ModelError(f"{model}: no such model directory")
        return expanded, model_kind(expanded)
    if model.count("/") != 1:
        raise ModelError(f"{model}: neither a model directory nor a hub id like Helsinki-NLP/opus-mt-ar-en")
    path = HUB_FETCH.load()(model)
    return path, model_kind(path)


LANGUAGE_CODES = {
    "ar": "ar",
    "ara": "ar",
    "arb": "ar",
    "en": "en",
    "eng": "en",
    "zh": "zh",
    "zho": "zh",
    "cmn": "zh",
    "cmn_hans": "zh",
}


def declared_pair(path: Path) -> str | None:
    """The pair a model directory says it translates (tokenizer_config.json source/target_lang), if it says."""
    config = path / "tokenizer_config.json"
    if not config.exists():
        return None
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    source = LANGUAGE_CODES.get(str(data.get("source_lang") or "").lower())
    target = LANGUAGE_CODES.get(str(data.get("target_lang") or "").lower())
    return f"{source}-{target}" if source and target else None


def check_pair(model: str, path: Path, pair: str) -> None:
    """Refuse a model used for a pair other than the one it declares (an ar-en model as ar-zh, say)."""
    declared = declared_pair(path)
    if declared and declared != pair:
        raise ModelError(f"{model} translates {declared}, not {pair}; pass it as --model {declared}={model}")


BACKEND_KINDS = ("hf", "ct2")


@dataclass(frozen=True)
class ModelPlan:
    """A model found and checked for one leg, with what its backend will report, before any weights are loaded."""

    model: str  # as given (hub id or directory)
    pair: str | None  # the pair it is used for, checked against what it declares
    path: Path  # the local directory
    kind: str  # what the directory holds: 'hf' or 'ct2'
    backend: str  # what will run it: 'hf' or 'ct2'
    max_positions: int  # from config.json or tarjama.json (mt.models.metadata.max_positions)


def plan_model(model: str, backend: str | None = None, pair: str | None = None) -> ModelPlan:
    """Find `model` (downloading a hub id not yet cached, as :func:`resolve` does), check it against `pair` and
    the backend that will run it, and read its positions: every check a backend load makes before the weights."""
    path, kind = resolve(model)
    if pair:
        check_pair(model, path, pair)
    chosen = backend or kind
    if chosen not in BACKEND_KINDS:
        raise ModelError(f"unknown backend {chosen!r}; choose hf or ct2")
    if chosen == "hf" and kind != "hf":
        raise ModelError(f"{model}: a CTranslate2 directory cannot run on the transformers backend")
    if chosen == "ct2" and kind != "ct2":
        raise ModelError(
            f"{path}: not a CTranslate2 directory (no model.bin); convert it with `mt models convert {path} OUT`"
        )
    return ModelPlan(model, pair, path, kind, chosen, max_positions(path, kind))
