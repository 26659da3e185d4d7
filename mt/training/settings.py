"""What a fine-tuning run is asked to do (`mt finetune`'s options), checked before any work starts."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from mt.errors import InputError

DEFAULT_LR = 2e-5  # OPUS-CAT's and the Hugging Face course's fine-tuning rate
DEFAULT_BATCH_TOKENS = 2048
DEFAULT_EVAL_EVERY = 200
DEFAULT_EARLY_STOP = 5
DEFAULT_VALID_SIZE = 200
DEFAULT_OOD_SIZE = 100  # OPUS-CAT's out-of-domain check has 100 sentences
DEFAULT_WARMUP = 0.1  # share of the steps with a rising learning rate
DEFAULT_MAX_RATIO = 3.0
MAX_EPOCHS = 1000  # the documented ranges (docs/finetune.md)
MAX_BATCH_TOKENS = 1_000_000
MAX_THREADS = 1024
QUANTIZATIONS = ("int8", "int16", "float16", "float32")  # mt.models.convert's (not imported: it loads ctranslate2)
MIN_PAIRS = 100  # fewer: a warning (OPUS-CAT asks for 500-1,000 at least)


@dataclass
class FinetuneSettings:
    """One run. Paths are the user's; ``target_lang`` None means the base model's own."""

    base: str
    train: list[Path]
    out: Path
    valid: list[Path] = field(default_factory=list)
    valid_size: int = DEFAULT_VALID_SIZE
    ood_valid: list[str] = field(default_factory=lambda: ["flores"])
    ood_size: int = DEFAULT_OOD_SIZE
    exclude: list[Path] = field(default_factory=list)
    source_lang: str = "ar"
    target_lang: str | None = None
    epochs: int = 1
    max_steps: int | None = None
    lr: float = DEFAULT_LR
    warmup: float = DEFAULT_WARMUP
    weight_decay: float = 0.0
    batch_tokens: int = DEFAULT_BATCH_TOKENS
    eval_every: int = DEFAULT_EVAL_EVERY
    early_stop: int = DEFAULT_EARLY_STOP
    threads: int | None = None
    seed: int = 1
    max_ratio: float = DEFAULT_MAX_RATIO
    convert: str | None = None
    glossary: Path | None = None
    keep_contradicting: bool = False
    keep_checkpoints: bool = False
    keep_worse: bool = False  # write the best fine-tuned model even when the base scored higher
    resume: bool = False
    force: bool = False

    def check(self) -> None:
        """A one-line error for a value no run can use."""
        if not 1 <= self.epochs <= MAX_EPOCHS:
            raise InputError(f"--epochs must be from 1 to {MAX_EPOCHS}")
        if self.max_steps is not None and self.max_steps < 1:
            raise InputError("--max-steps must be at least 1")
        if not 0 < self.lr < 1:
            raise InputError("--lr must be between 0 and 1 (e.g. 2e-5)")
        if not 0 <= self.warmup < 1:
            raise InputError("--warmup is a share of the steps: at least 0, under 1")
        if not 16 <= self.batch_tokens <= MAX_BATCH_TOKENS:
            raise InputError(f"--batch-tokens must be from 16 to {MAX_BATCH_TOKENS}")
        if self.eval_every < 1:
            raise InputError("--eval-every must be at least 1")
        if self.early_stop < 0:
            raise InputError("--early-stop must not be negative (0 turns it off)")
        if self.valid_size < 1 or self.ood_size < 1:
            raise InputError("--valid-size and --ood-size must be at least 1")
        if self.threads is not None and not 1 <= self.threads <= MAX_THREADS:
            raise InputError(f"--threads must be from 1 to {MAX_THREADS}")
        if not 1 <= self.max_ratio < math.inf:  # nan fails too
            raise InputError("--max-ratio must be a number, at least 1")
        if self.convert is not None and self.convert not in QUANTIZATIONS:
            raise InputError(f"--convert must be one of {', '.join(QUANTIZATIONS)}, not {self.convert!r}")
        if self.target_lang is not None and self.target_lang not in ("en", "zh"):
            raise InputError(f"--tgt must be en or zh, not {self.target_lang!r}")
        if self.resume and self.force:
            raise InputError("--resume continues a run and --force starts afresh: give one of them")
        if len(self.valid) > 2:
            raise InputError("--valid takes one file, or two parallel text files")

    def fingerprinted(self) -> dict:
        """The settings that decide the trained weights (a resumed run must have the same)."""
        return {
            "base": self.base,
            "epochs": self.epochs,
            "max_steps": self.max_steps,
            "lr": self.lr,
            "warmup": self.warmup,
            "weight_decay": self.weight_decay,
            "batch_tokens": self.batch_tokens,
            "eval_every": self.eval_every,
            "early_stop": self.early_stop,
            "seed": self.seed,
            "max_ratio": self.max_ratio,
            "valid_size": self.valid_size,
            "ood_size": self.ood_size,
            "keep_contradicting": self.keep_contradicting,
            "source_lang": self.source_lang,
            "target_lang": self.target_lang,
        }

    def to_dict(self) -> dict:
        """Every setting, JSON-ready (for tarjama-finetune.json)."""
        return {
            **self.fingerprinted(),
            "train": [str(p) for p in self.train],
            "valid": [str(p) for p in self.valid],
            "ood_valid": list(self.ood_valid),
            "exclude": [str(p) for p in self.exclude],
            "threads": self.threads,
            "convert": self.convert,
            "keep_worse": self.keep_worse,
            "glossary": str(self.glossary) if self.glossary else None,
        }
