"""`mt finetune`: adapt a Marian model to the user's own translations (a thin layer over :mod:`mt.training`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

from mt.cli.common import say, warn
from mt.cli.rich_output import literal_console
from mt.training.settings import (
    DEFAULT_BATCH_TOKENS,
    DEFAULT_EARLY_STOP,
    DEFAULT_EVAL_EVERY,
    DEFAULT_LR,
    DEFAULT_MAX_RATIO,
    DEFAULT_OOD_SIZE,
    DEFAULT_VALID_SIZE,
    DEFAULT_WARMUP,
    FinetuneSettings,
)
from mt.plugins import Plugin

if TYPE_CHECKING:
    from mt.training.loop import StepInfo

HELP = (
    "Fine-tune a Marian model (ar-en or ar-zh) on your own translations, on CPU: in-domain and "
    "out-of-domain scores before, during and after, early stopping, checkpoints and --resume. OUT becomes a "
    "model directory for `mt translate --model ar-en=OUT`. See docs/finetune.md."
)
FINETUNE = Plugin("mt.training.run:finetune", extra="train", needs=("torch", "transformers"), what="mt finetune")


class CliReporter:
    """Messages on stderr, and a progress bar (loss, steps/s, time left) when stderr is a terminal or
    MT_PROGRESS=1."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.show_bar = not quiet and (sys.stderr.isatty() or os.environ.get("MT_PROGRESS") == "1")
        self.progress: Progress | None = None
        self.task: TaskID | None = None

    def message(self, text: str) -> None:
        if not self.quiet:
            say(f"mt: {text}")

    def warning(self, text: str) -> None:
        warn(text)

    def step(self, info: StepInfo) -> None:
        if not self.show_bar:
            return
        if self.progress is None:
            columns = [
                TextColumn("training"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[stats]}", markup=False),
                TimeRemainingColumn(),
            ]
            self.progress = Progress(*columns, console=literal_console(stderr=True), transient=False)
            self.progress.start()
            self.task = self.progress.add_task("training", total=info.total, completed=info.step - 1, stats="")
        rate = info.steps_done_here / info.seconds if info.seconds > 0 else 0.0
        if self.task is None:
            raise RuntimeError("the progress bar was started without its task")
        self.progress.update(
            self.task, completed=info.step, stats=f"loss {info.loss:.3f}  {rate:.2f} steps/s  lr {info.lr:.1e}"
        )

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def _resume_hint(out: Path) -> None:
    if (out / "checkpoints" / "last").is_dir():
        warn(f"stopped; the same command with --resume continues from the last checkpoint in {out}/checkpoints")


# the options of `mt finetune`, declared apart so that its signature reads as a list of names
_BASE = typer.Option(
    ...,
    "--base",
    help="The model to adapt: hub id (Helsinki-NLP/opus-mt-ar-en) or a "
    "Hugging Face Marian directory translating from Arabic.",
)
_TRAIN = typer.Option(
    ...,
    "--train",
    help="Training data (repeatable): .tsv/.csv, .tmx, .xlf/.xliff "
    "(approved/final targets), .jsonl (source + translation), a translation memory "
    "(its human entries), or two plain text files in a row (source, target).",
)
_OUT = typer.Option(..., "--out", "-o", help="Output directory (a new one; see --force and --resume).")
_VALID = typer.Option(
    None,
    "--valid",
    help="In-domain validation set (one file, or two "
    "parallel text files). Default: a slice held out of the training "
    "data (see --valid-size).",
)
_VALID_SIZE = typer.Option(
    DEFAULT_VALID_SIZE,
    "--valid-size",
    help="Pairs held out for in-domain validation when --valid is not given (at most a tenth of the data).",
)
_OOD_VALID = typer.Option(
    None,
    "--ood-valid",
    help="Out-of-domain set, to see forgetting: "
    "flores (default: FLORES-200 dev of eval/data), none, or a file "
    "(two parallel text files: give the option twice).",
)
_OOD_SIZE = typer.Option(DEFAULT_OOD_SIZE, "--ood-size", help="Out-of-domain pairs scored (the first N).")
_EXCLUDE = typer.Option(
    None,
    "--exclude",
    help="A test set (pairs, or plain source lines) whose sentences must not be trained on; repeatable.",
)
_TGT = typer.Option(None, "--tgt", help="Target language (en or zh); default: the base model's.")
_EPOCHS = typer.Option(1, "--epochs", help="Passes over the training data.")
_MAX_STEPS = typer.Option(None, "--max-steps", help="Train exactly this many steps instead (overrides --epochs).")
_LR = typer.Option(DEFAULT_LR, "--lr", help="Peak learning rate (AdamW; linear warmup, then linear decay to 0).")
_WARMUP = typer.Option(DEFAULT_WARMUP, "--warmup", help="Share of the steps with a rising learning rate.")
_BATCH_TOKENS = typer.Option(
    DEFAULT_BATCH_TOKENS, "--batch-tokens", help="Token budget per batch (pairs x longest side, in pieces)."
)
_EVAL_EVERY = typer.Option(
    DEFAULT_EVAL_EVERY, "--eval-every", help="Score and checkpoint every N steps (and at the end)."
)
_EARLY_STOP = typer.Option(
    DEFAULT_EARLY_STOP, "--early-stop", help="Stop after K evaluations without a better in-domain chrF (0: never)."
)
_THREADS = typer.Option(None, "--threads", help="CPU threads (default: torch's, all cores).")
_SEED = typer.Option(1, "--seed", help="Seed of the data order, the held-out slice and dropout.")
_MAX_RATIO = typer.Option(
    DEFAULT_MAX_RATIO,
    "--max-ratio",
    help="Drop pairs whose target/source length (pieces) is above this or below its inverse.",
)
_CONVERT = typer.Option(
    None, "--convert", help="Also write a CTranslate2 copy in OUT/ct2-Q (int8, int16, float16 or float32)."
)
_GLOSSARY = typer.Option(
    None,
    "--glossary",
    "-g",
    help="Glossary: report pairs whose source has "
    "a term and whose target lacks every accepted form (written to "
    "OUT/glossary-contradictions.tsv) and leave them out of training.",
)
_KEEP_CONTRADICTING = typer.Option(
    False,
    "--keep-contradicting",
    help="Train on the pairs that contradict the glossary anyway (they are still reported).",
)
_KEEP_CHECKPOINTS = typer.Option(False, "--keep-checkpoints", help="Keep OUT/checkpoints at the end.")
_KEEP_WORSE = typer.Option(
    False,
    "--keep-worse",
    help="Write the best fine-tuned model even when it "
    "scores below the base model in-domain (by default no model is written then, "
    "and the command exits 1).",
)
_RESUME = typer.Option(
    False,
    "--resume",
    help="Continue an interrupted run in OUT from its last "
    "checkpoint (same data and settings), to the result of an uninterrupted run.",
)
_FORCE = typer.Option(False, "--force", help="Replace OUT if it holds an earlier fine-tuning run.")
_QUIET = typer.Option(False, "--quiet", "-q", help="No progress or messages on stderr (warnings stay).")


def finetune(
    base: str = _BASE,
    train: List[Path] = _TRAIN,
    out: Path = _OUT,
    valid: Optional[List[Path]] = _VALID,
    valid_size: int = _VALID_SIZE,
    ood_valid: Optional[List[str]] = _OOD_VALID,
    ood_size: int = _OOD_SIZE,
    exclude: Optional[List[Path]] = _EXCLUDE,
    tgt: Optional[str] = _TGT,
    epochs: int = _EPOCHS,
    max_steps: Optional[int] = _MAX_STEPS,
    lr: float = _LR,
    warmup: float = _WARMUP,
    batch_tokens: int = _BATCH_TOKENS,
    eval_every: int = _EVAL_EVERY,
    early_stop: int = _EARLY_STOP,
    threads: Optional[int] = _THREADS,
    seed: int = _SEED,
    max_ratio: float = _MAX_RATIO,
    convert: Optional[str] = _CONVERT,
    glossary: Optional[Path] = _GLOSSARY,
    keep_contradicting: bool = _KEEP_CONTRADICTING,
    keep_checkpoints: bool = _KEEP_CHECKPOINTS,
    keep_worse: bool = _KEEP_WORSE,
    resume: bool = _RESUME,
    force: bool = _FORCE,
    quiet: bool = _QUIET,
) -> None:
    settings = FinetuneSettings(
        base=base,
        train=list(train),
        out=out,
        valid=list(valid or []),
        valid_size=valid_size,
        ood_valid=list(ood_valid or ["flores"]),
        ood_size=ood_size,
        exclude=list(exclude or []),
        target_lang=tgt,
        epochs=epochs,
        max_steps=max_steps,
        lr=lr,
        warmup=warmup,
        batch_tokens=batch_tokens,
        eval_every=eval_every,
        early_stop=early_stop,
        threads=threads,
        seed=seed,
        max_ratio=max_ratio,
        convert=convert,
        glossary=glossary,
        keep_contradicting=keep_contradicting,
        keep_checkpoints=keep_checkpoints,
        keep_worse=keep_worse,
        resume=resume,
        force=force,
    )
    run_finetune = FINETUNE.load()  # imports torch and transformers
    reporter = CliReporter(quiet)
    try:
        result = run_finetune(settings, reporter)
    except KeyboardInterrupt:
        _resume_hint(out)
        raise
    finally:
        reporter.close()
    scores = result.report["scores"]
    gain, change = scores["in_domain_gain"], scores["out_of_domain_change"]
    line = f"{result.out}: in-domain chrF {gain['chrf']:+.1f} BLEU {gain['bleu']:+.1f}"
    if change:
        line += f"; out-of-domain chrF {change['chrf']:+.1f} BLEU {change['bleu']:+.1f}"
    typer.echo(line)
