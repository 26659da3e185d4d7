"""Checkpoints in the output directory: ``checkpoints/last`` (model, optimizer, scheduler, RNG state, data
position and scores so far: everything --resume needs) and ``checkpoints/best`` (the model with the best
in-domain chrF so far).

Each checkpoint is a Marian model directory (the base model's tokenizer files copied in, so the pipeline can
translate with it) written into a staging directory and renamed into place: a run killed while writing leaves
the previous checkpoint whole.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from mt.errors import InputError
from mt.models.loading import TOKENIZER_FILES

CHECKPOINTS = "checkpoints"
STATE_FILE = "training-state.pt"


@dataclass
class LoopState:
    """Where a run is and what it has measured: saved with every checkpoint, restored by --resume."""

    step: int = 0
    epoch: int = 0
    batch_in_epoch: int = 0  # the next batch of this epoch's order
    evaluations: list[dict] = field(default_factory=list)
    best_step: int | None = None
    best_chrf: float | None = None
    since_best: int = 0  # evaluations since the best one
    stopped_early: bool = False
    seconds: float = 0.0  # training time so far (evaluations excluded)


def checkpoint_dir(out: Path, name: str) -> Path:
    return out / CHECKPOINTS / name


def copy_tokenizer(base: Path, target: Path) -> None:
    """Copy the base model's tokenizer files that exist into ``target``."""
    for name in TOKENIZER_FILES:
        if (base / name).is_file():
            shutil.copyfile(base / name, target / name)


def _replace_dir(staging: Path, final: Path) -> None:
    """Put ``staging`` at ``final``, replacing what was there, never leaving ``final`` half-written."""
    if final.exists():
        old = final.with_name(f".{final.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        final.rename(old)
        staging.rename(final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(final)


def stage_model(model, base: Path, out: Path) -> Path:
    """Save ``model`` with the base tokenizer files into a new staging directory under ``out/checkpoints``."""
    root = out / CHECKPOINTS
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=root))
    model.save_pretrained(staging, safe_serialization=True)
    copy_tokenizer(base, staging)
    return staging


def commit_best(staging: Path, out: Path) -> None:
    """Copy the staged model into ``checkpoints/best``."""
    best = checkpoint_dir(out, "best")
    copy = Path(tempfile.mkdtemp(prefix=".best-", dir=out / CHECKPOINTS))
    for path in staging.iterdir():
        if path.is_file() and path.name != STATE_FILE:
            shutil.copyfile(path, copy / path.name)
    _replace_dir(copy, best)


def commit_last(staging: Path, out: Path, optimizer, scheduler, state: LoopState, fingerprint: str) -> None:
    """Add the training state to the staged model and make it ``checkpoints/last``."""
    torch.save(
        {
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "torch_rng": torch.get_rng_state(),
            "state": asdict(state),
            "fingerprint": fingerprint,
        },
        staging / STATE_FILE,
    )
    _replace_dir(staging, checkpoint_dir(out, "last"))


@dataclass(frozen=True)
class Resumed:
    """What a checkpoint restores."""

    model_dir: Path
    state: LoopState
    optimizer: dict
    scheduler: dict
    torch_rng: torch.Tensor


def load_last(out: Path, fingerprint: str) -> Resumed:
    """The ``checkpoints/last`` of ``out``; a one-line error when there is none or it was made with other data
    or settings (its fingerprint differs)."""
    last = checkpoint_dir(out, "last")
    if not (last / STATE_FILE).is_file():
        raise InputError(f"{out}: no checkpoint to resume from ({CHECKPOINTS}/last/{STATE_FILE} is missing)")
    saved = torch.load(last / STATE_FILE, map_location="cpu", weights_only=True)
    if saved.get("fingerprint") != fingerprint:
        raise InputError(
            f"{out}: the checkpoint was made with other training data or settings; run again "
            "with the same ones, or start afresh with --force"
        )
    return Resumed(last, LoopState(**saved["state"]), saved["optimizer"], saved["scheduler"], saved["torch_rng"])


def remove_checkpoints(out: Path) -> None:
    shutil.rmtree(out / CHECKPOINTS, ignore_errors=True)
