"""Find a model (local directory or hub id) and download it on request (mt.backends.loading opens a backend on it).

A local directory is used as it is. A hub id is looked up in the standard Hugging Face cache; it is downloaded
(with a progress bar) by `mt models pull` or on first use, unless the hub is offline (HF_HUB_OFFLINE=1), in
which case a missing model is a one-line error that names it and the way to get it. Only weights in
safetensors (preferred) or PyTorch format are fetched, and remote code is never trusted.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from huggingface_hub import HfApi, constants, snapshot_download
from huggingface_hub.utils import HfHubHTTPError

from mt.errors import ModelError
from mt.models.metadata import max_positions

log = logging.getLogger(__name__)

TOKENIZER_FILES = ["source.spm", "target.spm", "vocab.json", "target_vocab.json", "tokenizer_config.json",
                   "special_tokens_map.json"]
CONFIG_FILES = ["config.json", "generation_config.json"]


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes", "on")


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


def _weights_patterns(model_id: str) -> list[str]:
    """Prefer safetensors; fall back to the PyTorch file only where the repository has no safetensors."""
    files = set(HfApi().list_repo_files(model_id))
    weights = ["model.safetensors"] if "model.safetensors" in files else ["pytorch_model.bin"]
    return CONFIG_FILES + TOKENIZER_FILES + weights


def _hub_reachable(timeout: float = 5.0) -> bool:
    """A quick connection probe, so that an unreachable hub fails in seconds, not after a minute of retries."""
    url = urlparse(constants.ENDPOINT)
    try:
        with socket.create_connection((url.hostname, url.port or (443 if url.scheme == "https" else 80)), timeout):
            return True
    except OSError:
        return False


def cached_path(model_id: str) -> Path | None:
    """The cached snapshot of a hub model, or None (never touches the network)."""
    try:
        path = Path(snapshot_download(model_id, local_files_only=True, allow_patterns=CONFIG_FILES + TOKENIZER_FILES
                                      + ["model.safetensors", "pytorch_model.bin"]))
    except Exception:  # noqa: BLE001 - not cached, or only partially
        return None
    return path if (path / "config.json").exists() else None


def fetch(model_id: str, download: bool = True) -> Path:
    """Path of a hub model in the local cache, downloading it if allowed and needed."""
    how = (f"run `mt models pull {model_id}` where the hub can be reached, or download it elsewhere and pass "
           f"its directory with --model PAIR=DIR")
    if cached := cached_path(model_id):
        return cached
    if _offline() or not download:
        raise ModelError(f"model {model_id} is not in the local cache and the hub is offline (HF_HUB_OFFLINE=1): {how}")
    if not _hub_reachable():
        raise ModelError(f"model {model_id} is not in the local cache and the Hugging Face hub cannot be reached: {how}")
    logging.getLogger("huggingface_hub").setLevel(logging.ERROR)
    try:
        return Path(snapshot_download(model_id, allow_patterns=_weights_patterns(model_id)))
    except HfHubHTTPError as error:
        status = getattr(getattr(error, "response", None), "status_code", None)
        if status in (401, 404):
            raise ModelError(f"model {model_id} was not found on the Hugging Face hub; check the id "
                             f"(`mt models list` shows the known ones)") from error
        raise ModelError(f"could not download {model_id} ({status or 'HTTP error'}): {how}") from error
    except Exception as error:  # noqa: BLE001 - network failures come in many types
        raise ModelError(f"could not reach the Hugging Face hub to download {model_id} "
                         f"({type(error).__name__}): {how}") from error


def resolve(model: str) -> tuple[Path, str]:
    """A local directory for `model` (a directory or a hub id) and its kind ('hf' or 'ct2')."""
    expanded = Path(os.path.expanduser(model))
    if expanded.exists() or _looks_like_path(model):
        if not expanded.exists():
            raise ModelError(f"{model}: no such model directory")
        return expanded, model_kind(expanded)
    if model.count("/") != 1:
        raise ModelError(f"{model}: neither a model directory nor a hub id like Helsinki-NLP/opus-mt-ar-en")
    path = fetch(model)
    return path, model_kind(path)


LANGUAGE_CODES = {"ar": "ar", "ara": "ar", "arb": "ar", "en": "en", "eng": "en", "zh": "zh", "zho": "zh",
                  "cmn": "zh", "cmn_hans": "zh"}


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

    model: str           # as given (hub id or directory)
    pair: str | None     # the pair it is used for, checked against what it declares
    path: Path           # the local directory
    kind: str            # what the directory holds: 'hf' or 'ct2'
    backend: str         # what will run it: 'hf' or 'ct2'
    max_positions: int   # from config.json or tarjama.json (mt.models.metadata.max_positions)


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
        raise ModelError(f"{path}: not a CTranslate2 directory (no model.bin); convert it with "
                         f"`mt models convert {path} OUT`")
    return ModelPlan(model, pair, path, kind, chosen, max_positions(path, kind))
