"""The training loop: a plain PyTorch loop (AdamW, linear warmup then linear decay) over token-budget batches,
with an evaluation and a checkpoint every ``eval_every`` steps and at the end, early stopping on in-domain chrF.

Deterministic: dropout draws from torch's seeded generator, whose state is saved with every checkpoint (and
evaluations run under ``torch.random.fork_rng``, so they draw nothing from it); the batch order is a function of
the seed and the epoch. A run resumed from ``checkpoints/last`` so repeats, step for step, what the uninterrupted
run did after that checkpoint (same thread count: a different one can change the float rounding).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import torch
from transformers import MarianMTModel, get_linear_schedule_with_warmup

from mt.training.batches import Example, collate, epoch_order
from mt.training.checkpoint import LoopState, commit_best, commit_last, stage_model


@dataclass(frozen=True)
class LoopSettings:
    """The loop's knobs (see :class:`mt.training.settings.FinetuneSettings` for their meaning)."""

    lr: float
    total_steps: int
    warmup_steps: int
    eval_every: int
    early_stop: int
    seed: int
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0


@dataclass(frozen=True)
class StepInfo:
    """Reported after every optimizer step (for the progress bar)."""

    step: int
    total: int
    loss: float
    lr: float
    seconds: float  # training time so far in this process (evaluations excluded)
    steps_done_here: int  # steps taken in this process (a resumed run starts counting again)


#: called with a model directory and the step; returns the evaluation record (scores per set, chrF in-domain)
Evaluate = Callable[[Path, int], dict]


def load_model(path: Path):
    """A Marian model to train, in float32, with its sinusoidal position tables frozen: transformers leaves them
    trainable but save_pretrained drops them (they are recomputed on load), so a trained table would make the
    saved model differ from the one trained (and a resumed run from an uninterrupted one)."""
    model = MarianMTModel.from_pretrained(path, dtype=torch.float32)
    for name, parameter in model.named_parameters():
        if name.endswith("embed_positions.weight"):
            parameter.requires_grad_(False)
    return model


def make_optimizer(model, settings: LoopSettings):
    parameters = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(parameters, lr=settings.lr, weight_decay=settings.weight_decay)
    scheduler = get_linear_schedule_with_warmup(optimizer, settings.warmup_steps, settings.total_steps)
    return optimizer, scheduler


def mean_loss(model, examples: Sequence[Example], batches: Sequence[Sequence[int]], pad_id: int) -> float:
    """Mean cross-entropy per target token over ``batches`` of ``examples``, in eval mode (no dropout)."""
    was_training = model.training
    model.eval()
    total, tokens = 0.0, 0
    with torch.no_grad():
        for indices in batches:
            batch = collate([examples[i] for i in indices], pad_id)
            output = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask, labels=batch.labels)
            total += float(output.loss) * batch.target_tokens
            tokens += batch.target_tokens
    model.train(was_training)
    return total / max(1, tokens)


def run_loop(
    model,
    examples: Sequence[Example],
    batches: Sequence[Sequence[int]],
    pad_id: int,
    settings: LoopSettings,
    out: Path,
    base: Path,
    fingerprint: str,
    evaluate: Evaluate,
    *,
    optimizer=None,
    scheduler=None,
    state: LoopState | None = None,
    on_step: Callable[[StepInfo], None] = lambda info: None,
    after_step: Callable[[int], None] = lambda step: None,
) -> LoopState:
    """Train ``model`` until ``settings.total_steps`` or early stopping; return the final state.

    ``optimizer``/``scheduler``/``state`` come from a resumed checkpoint (the caller restored the model weights
    and the RNG state), or are made fresh. ``after_step`` is called after each step's checkpoint, if any (tests
    use it to interrupt a run).
    """
    if optimizer is None or scheduler is None:
        optimizer, scheduler = make_optimizer(model, settings)
    state = state or LoopState()
    model.train()
    started, steps_here = time.perf_counter(), 0
    evaluation_seconds, seconds_before = 0.0, state.seconds
    order = epoch_order(len(batches), settings.seed, state.epoch)
    while state.step < settings.total_steps and not state.stopped_early:
        if state.batch_in_epoch >= len(order):
            state.epoch += 1
            state.batch_in_epoch = 0
            order = epoch_order(len(batches), settings.seed, state.epoch)
        batch = collate([examples[i] for i in batches[order[state.batch_in_epoch]]], pad_id)
        loss = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask, labels=batch.labels).loss
        loss.backward()
        if settings.max_grad_norm:
            torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], settings.max_grad_norm)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        state.step += 1
        state.batch_in_epoch += 1
        steps_here += 1
        elapsed = time.perf_counter() - started - evaluation_seconds
        state.seconds = seconds_before + elapsed
        on_step(
            StepInfo(state.step, settings.total_steps, loss.item(), scheduler.get_last_lr()[0], elapsed, steps_here)
        )
        if state.step % settings.eval_every == 0 or state.step == settings.total_steps:
            clock = time.perf_counter()
            checkpoint(model, optimizer, scheduler, state, settings, out, base, fingerprint, evaluate)
            evaluation_seconds += time.perf_counter() - clock
        after_step(state.step)
    return state


def checkpoint(
    model,
    optimizer,
    scheduler,
    state: LoopState,
    settings: LoopSettings,
    out: Path,
    base: Path,
    fingerprint: str,
    evaluate: Evaluate,
) -> None:
    """Evaluate the model at this step, keep it as best if its in-domain chrF is the best so far, decide on
    early stopping, and save ``checkpoints/last``."""
    staging = stage_model(model, base, out)
    with torch.random.fork_rng(devices=[]):
        record = evaluate(staging, state.step)
    state.evaluations.append(record)
    chrf = record["in_domain_chrf"]
    if state.best_chrf is None or chrf > state.best_chrf:
        state.best_chrf, state.best_step, state.since_best = chrf, state.step, 0
        commit_best(staging, out)
    else:
        state.since_best += 1
        if settings.early_stop and state.since_best >= settings.early_stop:
            state.stopped_early = True
    model.train()
    commit_last(staging, out, optimizer, scheduler, state, fingerprint)
