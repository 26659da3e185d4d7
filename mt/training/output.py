"""The output directory: checked before training (exists? room for checkpoints?), and written at the end as a
Hugging Face Marian directory (`--model ar-en=DIR` everywhere) with ``tarjama-finetune.json``, written last: a
directory without it is an unfinished run (``--resume`` continues it)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from mt.errors import InputError, TarjamaError
from mt.formats.writing import write_text_atomic
from mt.models.convert import convert
from mt.training.checkpoint import CHECKPOINTS, STATE_FILE, checkpoint_dir, remove_checkpoints

REPORT_FILE = "tarjama-finetune.json"
CT2_DIR = "ct2-{quantization}"
# checkpoints/last (model + AdamW's two moments = 3 x weights), checkpoints/best, a staging copy being
# written, the final model: 6 x the weights, plus a margin for the tokenizer files and the CTranslate2 copy
SPACE_FACTOR = 6
SPACE_MARGIN = 64 << 20


class DiskSpaceError(InputError):
    """Not enough free space for the checkpoints of a run."""


class NoGainError(TarjamaError):
    """The run finished but no fine-tuned checkpoint beat the base model on the in-domain set, so no model was
    written (the report was: ``report``)."""

    def __init__(self, message: str, out: Path, report: dict) -> None:
        super().__init__(message)
        self.out = out
        self.report = report


def prepare_out(out: Path, *, force: bool, resume: bool) -> None:
    """Check (and create) the output directory before anything is trained.

    A new run needs a new directory, or ``force`` to replace an earlier fine-tuning output (one with
    tarjama-finetune.json or checkpoints/; any other directory is refused even with --force, so a typo cannot
    delete a folder of files). ``resume`` needs an unfinished run's directory.
    """
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a directory")
    if resume:
        if (out / REPORT_FILE).exists():
            raise InputError(f"{out}: this fine-tuning run has finished ({REPORT_FILE} is there); nothing to resume")
        if not (checkpoint_dir(out, "last") / STATE_FILE).is_file():
            raise InputError(f"{out}: no checkpoint to resume from; start the run without --resume")
        return
    if out.exists() and any(out.iterdir()):
        if not force:
            raise InputError(
                f"{out}: already exists; pass --force to replace it, or --resume to continue an interrupted run"
            )
        if not ((out / REPORT_FILE).exists() or (out / CHECKPOINTS).is_dir()):
            raise InputError(
                f"{out}: exists and is not a fine-tuning output; --force replaces only those, so "
                "remove it yourself or choose another --out"
            )
        shutil.rmtree(out)
    if not out.parent.is_dir():
        raise InputError(f"{out.parent}: no such directory for --out")
    out.mkdir(exist_ok=True)
    if not os.access(out, os.W_OK | os.X_OK):
        raise InputError(f"{out}: not writable")


def weights_bytes(model_dir: Path) -> int:
    """The size of a model directory's weights file."""
    for name in ("model.safetensors", "pytorch_model.bin"):
        if (model_dir / name).is_file():
            return (model_dir / name).stat().st_size
    return 0


def space_needed(model_dir: Path) -> int:
    return SPACE_FACTOR * weights_bytes(model_dir) + SPACE_MARGIN


def check_free_space(directory: Path, needed: int) -> None:
    """A one-line error when ``directory``'s file system has less than ``needed`` bytes free."""
    free = shutil.disk_usage(directory).free
    if free < needed:
        raise DiskSpaceError(
            f"{directory}: {free / 2**20:.0f} MiB free, but the checkpoints of this run need about "
            f"{needed / 2**20:.0f} MiB; free some space or choose another --out"
        )


def write_output(
    out: Path, best: Path | None, report: dict, *, quantization: str | None = None, keep_checkpoints: bool = False
) -> None:
    """Move the best checkpoint's model into ``out`` (None: no model, only the report), convert it for
    CTranslate2 when asked, write the report last, and remove the checkpoints (unless kept)."""
    for path in sorted(best.iterdir()) if best else []:
        if path.is_file() and path.name != STATE_FILE:
            shutil.copyfile(path, out / f".{path.name}.part")
            os.replace(out / f".{path.name}.part", out / path.name)
    if quantization and best:
        target = out / CT2_DIR.format(quantization=quantization)
        convert(str(out), target, quantization=quantization, force=target.exists())
        report["ctranslate2"] = {"directory": target.name, "quantization": quantization}
    if not keep_checkpoints:
        remove_checkpoints(out)
    write_text_atomic(out / REPORT_FILE, json.dumps(report, ensure_ascii=False, indent=2) + "\n")
