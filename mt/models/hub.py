"""Hugging Face hub access: the cached snapshot of a model id, and its download on request.

A hub id is looked up in the standard Hugging Face cache; it is downloaded (with a progress bar) by `mt models
pull` or on first use, unless the hub is offline (HF_HUB_OFFLINE=1), in which case a missing model is a one-line
error that names it and the way to get it. Only weights in safetensors (preferred) or PyTorch format are fetched,
and remote code is never trusted.
"""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path
from urllib.parse import urlparse

from huggingface_hub import HfApi, constants, snapshot_download
from huggingface_hub.utils import HfHubHTTPError

from mt.errors import ModelError
from mt.models.loading import CONFIG_FILES, TOKENIZER_FILES


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes", "on")


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
        path = Path(
            snapshot_download(
                model_id,
                local_files_only=True,
                allow_patterns=CONFIG_FILES + TOKENIZER_FILES + ["model.safetensors", "pytorch_model.bin"],
            )
        )
    except Exception:  # noqa: BLE001 - not cached, or only partially
        return None
    return path if (path / "config.json").exists() else None


def fetch(model_id: str, download: bool = True) -> Path:
    """Path of a hub model in the local cache, downloading it if allowed and needed."""
    how = (
        f"run `mt models pull {model_id}` where the hub can be reached, or download it elsewhere and pass "
        f"its directory with --model PAIR=DIR"
    )
    if cached := cached_path(model_id):
        return cached
    if _offline() or not download:
        raise ModelError(f"model {model_id} is not in the local cache and the hub is offline (HF_HUB_OFFLINE=1): {how}")
    if not _hub_reachable():
        raise ModelError(
            f"model {model_id} is not in the local cache and the Hugging Face hub cannot be reached: {how}"
        )
    logging.getLogger("huggingface_hub").setLevel(logging.ERROR)
    try:
        return Path(snapshot_download(model_id, allow_patterns=_weights_patterns(model_id)))
    except HfHubHTTPError as error:
        status = getattr(getattr(error, "response", None), "status_code", None)
        if status in (401, 404):
            raise ModelError(
                f"model {model_id} was not found on the Hugging Face hub; check the id "
                f"(`mt models list` shows the known ones)"
            ) from error
        raise ModelError(f"could not download {model_id} ({status or 'HTTP error'}): {how}") from error
    except Exception as error:  # noqa: BLE001 - network failures come in many types
        raise ModelError(
            f"could not reach the Hugging Face hub to download {model_id} ({type(error).__name__}): {how}"
        ) from error
