"""One fine-tuning run, start to end: read and check everything, prepare the data, score the base model, train
with evaluations and checkpoints, write the output directory and its report."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol

import torch
from transformers import MarianConfig
from transformers.utils import logging as hf_logging

import mt
from mt.errors import InputError, ModelError
from mt.glossary.glossary import Glossary
from mt.memory import Segment, fingerprint
from mt.models.loading import declared_pair, resolve
from mt.models.registry import TARGET_TOKENS
from mt.models.vocab import MarianVocab
from mt.pipeline import model_identity
from mt.text.lines import TextInput
from mt.training.batches import Encoder, Example, plan_batches
from mt.training.checkpoint import LoopState, checkpoint_dir, load_last
from mt.training.glossary_check import (
    CONTRADICTIONS_FILE,
    Contradiction,
    find_contradictions,
    split_contradicting,
    write_contradictions,
)
from mt.training.loop import LoopSettings, StepInfo, load_model, make_optimizer, mean_loss, run_loop
from mt.training.output import (
    REPORT_FILE,
    NoGainError,
    check_free_space,
    prepare_out,
    space_needed,
    write_output,
)
from mt.training.prepare import Preparation, data_fingerprint, drop_overlap, hold_out, prepare
from mt.training.settings import MIN_PAIRS, FinetuneSettings
from mt.training.sources import PairSource, is_single_file, read_sources
from mt.training.validation import ValidationSet, file_set, ood_set, score_model

log = logging.getLogger(__name__)

LOSS_SAMPLE = 256  # training pairs whose mean loss is measured at every evaluation
EXAMPLES_SHOWN = 3


class Reporter(Protocol):
    """Where a run tells what it does (the CLI prints on stderr and draws the progress bar)."""

    def message(self, text: str) -> None: ...

    def warning(self, text: str) -> None: ...

    def step(self, info: StepInfo) -> None: ...


class LogReporter:
    """The default reporter: messages and warnings to :mod:`logging`, no progress bar."""

    def message(self, text: str) -> None:
        log.info(text)

    def warning(self, text: str) -> None:
        log.warning(text)

    def step(self, info: StepInfo) -> None:
        pass


@dataclass(frozen=True)
class FinetuneResult:
    """The finished run: the output directory and what tarjama-finetune.json records."""

    out: Path
    report: dict


@dataclass(frozen=True)
class Model:
    """The base model as found: its directory, pair and vocabulary."""

    path: Path
    source_lang: str
    target_lang: str
    vocab: MarianVocab
    target_token: str | None
    max_tokens: int

    @property
    def pair(self) -> str:
        return f"{self.source_lang}-{self.target_lang}"


def find_base(settings: FinetuneSettings) -> Model:
    """The base model: a Hugging Face Marian directory (or hub id) translating from ``settings.source_lang``."""
    path, kind = resolve(settings.base)
    if kind != "hf":
        raise ModelError(
            f"{settings.base} is a CTranslate2 directory; fine-tune the Hugging Face Marian model it was converted from"
        )
    declared = declared_pair(path)
    source_lang, _, target_lang = (declared or "").partition("-")
    source_lang = source_lang or settings.source_lang
    target_lang = settings.target_lang or target_lang
    if not target_lang:
        raise InputError(f"{settings.base} does not say which language it translates into: give --tgt en or zh")
    if source_lang != settings.source_lang or source_lang != "ar":
        raise InputError(
            f"{settings.base} translates {declared}; mt finetune adapts models that translate from "
            "Arabic (ar-en, ar-zh)"
        )
    if declared and declared != f"{source_lang}-{target_lang}":
        raise InputError(f"{settings.base} translates {declared}, not {source_lang}-{target_lang}")
    vocab = MarianVocab.from_dir(path)
    token = TARGET_TOKENS.get(target_lang)
    config = MarianConfig.from_pretrained(path)  # MarianMTModel's config_class
    return Model(
        path,
        source_lang,
        target_lang,
        vocab,
        token if token in vocab.language_tokens else None,
        int(config.max_position_embeddings) // 2,
    )


def _excluded_pairs(paths: list[Path], source_lang: str, target_lang: str) -> list[Segment]:
    """Pairs (or, from a plain text file, source lines) of test sets that training must not see."""
    pairs: list[Segment] = []
    for path in paths:
        if is_single_file(path):
            pairs += [p for source in read_sources([path], source_lang, target_lang) for p in source.pairs]
        else:
            pairs += [
                Segment(line, "", target_lang, source_lang) for line in TextInput(str(path)).lines() if line.strip()
            ]
    return pairs


def _check_out_is_not_an_input(settings: FinetuneSettings, base: Path) -> None:
    out = settings.out.expanduser().resolve()
    for path in [
        base,
        *settings.train,
        *settings.valid,
        *settings.exclude,
        *([settings.glossary] if settings.glossary else []),
    ]:
        resolved = Path(path).expanduser().resolve()
        if resolved == out or resolved.is_relative_to(out):
            raise InputError(f"--out {settings.out} holds the input {path}; choose another output directory")


def _scores_record(
    model_dir: Path,
    step: int,
    model: Model,
    valid: ValidationSet,
    ood: ValidationSet | None,
    threads: int | None,
    train_loss: float,
) -> dict:
    in_domain = score_model(model_dir, model.pair, model.target_lang, valid, threads)
    out_of_domain = score_model(model_dir, model.pair, model.target_lang, ood, threads) if ood else None
    return {
        "step": step,
        "train_loss": round(train_loss, 4),
        "in_domain": in_domain.to_dict(),
        "out_of_domain": out_of_domain.to_dict() if out_of_domain else None,
        "in_domain_chrf": in_domain.chrf,
    }


def _describe(record: dict) -> str:
    text = f"in-domain BLEU {record['in_domain']['bleu']:.1f} chrF {record['in_domain']['chrf']:.1f}"
    if record["out_of_domain"]:
        text += f"; out-of-domain BLEU {record['out_of_domain']['bleu']:.1f} chrF {record['out_of_domain']['chrf']:.1f}"
    return text + f"; training loss {record['train_loss']:.3f}"


def _change(after: dict | None, before: dict | None) -> dict | None:
    if not after or not before:
        return None
    return {k: round(after[k] - before[k], 2) for k in ("bleu", "chrf")}


@dataclass(frozen=True)
class TrainingData:
    """What a run trains and scores on, read and cleaned before the output directory is touched."""

    sources: list[PairSource]
    preparation: Preparation
    training: list[Segment]
    valid: ValidationSet
    ood: ValidationSet | None
    contradictions: list[Contradiction]

    def fingerprint(self, settings: FinetuneSettings) -> str:
        """What a resumed run must share with the interrupted one: the data, the validation sets, the settings."""
        return fingerprint(
            {
                "data": data_fingerprint(self.training),
                "valid": data_fingerprint(self.valid.pairs),
                "ood": data_fingerprint(self.ood.pairs) if self.ood else "",
                "settings": settings.fingerprinted(),
            }
        )


def read_data(settings: FinetuneSettings, model: Model, encoder: Encoder, reporter: Reporter) -> TrainingData:
    """Read the training and validation data, clean it (mt.training.prepare), hold out the in-domain slice when
    no --valid is given, set the glossary's contradictions aside, and say what was kept."""
    source_lang, target_lang = model.source_lang, model.target_lang
    sources = read_sources(settings.train, source_lang, target_lang)
    valid = file_set(settings.valid, source_lang, target_lang) if settings.valid else None
    ood = ood_set(settings.ood_valid, source_lang, target_lang, settings.ood_size)
    if ood is None and [s.lower() for s in settings.ood_valid] == ["flores"]:
        reporter.warning(
            "FLORES-200 dev (eval/data of a Tarjama checkout) was not found: no out-of-domain "
            "check; give --ood-valid FILE, or --ood-valid none to silence this"
        )
    excluded = _excluded_pairs(settings.exclude, source_lang, target_lang)
    glossary = Glossary.load(settings.glossary) if settings.glossary else None
    held = [*(valid.pairs if valid else []), *(ood.pairs if ood else []), *excluded]
    preparation = prepare(
        (p for s in sources for p in s.pairs),
        encoder.count_source,
        encoder.count_target,
        max_tokens=model.max_tokens,
        max_ratio=settings.max_ratio,
        held_out=held,
    )
    if not preparation.pairs:
        raise InputError(f"no training pairs left after filtering ({preparation.summary()})")
    if valid is None:
        training, held_slice = hold_out(preparation.pairs, settings.valid_size, settings.seed)
        if not held_slice:
            raise InputError(
                f"{len(preparation.pairs)} pairs are too few to hold out an in-domain validation "
                "slice; give --valid FILE"
            )
        preparation = drop_overlap(Preparation(training, preparation.read, preparation.removed), held_slice)
        valid = ValidationSet("held out of the training data", held_slice)
    contradictions = find_contradictions(preparation.pairs, glossary) if glossary else []
    training = preparation.pairs
    if contradictions and not settings.keep_contradicting:
        training, _ = split_contradicting(training, contradictions)
    if not training:
        raise InputError(f"no training pairs left after filtering ({preparation.summary()})")
    data = TrainingData(sources, preparation, training, valid, ood, contradictions)
    _tell_data(data, settings, reporter)
    return data


def _tell_data(data: TrainingData, settings: FinetuneSettings, reporter: Reporter) -> None:
    valid, ood, contradictions = data.valid, data.ood, data.contradictions
    reporter.message(
        f"data: {data.preparation.summary()}; {len(data.training)} to train on, {len(valid)} in-domain "
        f"validation pairs ({valid.name})" + (f", {len(ood)} out-of-domain ({ood.name})" if ood else "")
    )
    if contradictions:
        shown = "; ".join(
            f"{c.concept}: {c.pair.source[:40]} -> {c.pair.target[:40]}" for c in contradictions[:EXAMPLES_SHOWN]
        )
        what = "kept (--keep-contradicting)" if settings.keep_contradicting else "left out of training"
        reporter.warning(
            f"{len(contradictions)} pair(s) contradict the glossary ({what}; all in {CONTRADICTIONS_FILE}): {shown}"
        )
    if len(data.training) < MIN_PAIRS:
        reporter.warning(
            f"only {len(data.training)} training pairs: fine-tuning on fewer than {MIN_PAIRS} rarely "
            "helps (OPUS-CAT asks for 500 to 1,000 at least)"
        )


@dataclass(frozen=True)
class LossSample:
    """The training pairs whose mean loss every evaluation reports, batched once."""

    examples: list[Example]
    batches: list[list[int]]
    pad_id: int

    def loss(self, model) -> float:
        return mean_loss(model, self.examples, self.batches, self.pad_id)


def _start(
    settings: FinetuneSettings,
    model_info: Model,
    data: TrainingData,
    out: Path,
    run_fp: str,
    loop_settings: LoopSettings,
    sample: LossSample,
    reporter: Reporter,
):
    """(model, optimizer, scheduler, state): restored from ``checkpoints/last`` (--resume), or the base model,
    scored as the evaluation at step 0 (optimizer and scheduler None: the loop makes them)."""
    if settings.resume:
        resumed = load_last(out, run_fp)
        model = load_model(resumed.model_dir)
        optimizer, scheduler = make_optimizer(model, loop_settings)
        optimizer.load_state_dict(resumed.optimizer)
        scheduler.load_state_dict(resumed.scheduler)
        torch.set_rng_state(resumed.torch_rng)
        reporter.message(f"resuming at step {resumed.state.step} of {loop_settings.total_steps}")
        return model, optimizer, scheduler, resumed.state
    torch.manual_seed(settings.seed)
    model = load_model(model_info.path)
    state = LoopState()
    reporter.message(f"scoring the base model {settings.base} ...")
    before = _scores_record(model_info.path, 0, model_info, data.valid, data.ood, settings.threads, sample.loss(model))
    state.evaluations.append(before)
    reporter.message(f"before: {_describe(before)}")
    return model, None, None, state


def finetune(
    settings: FinetuneSettings, reporter: Reporter | None = None, after_step: Callable[[int], None] = lambda step: None
) -> FinetuneResult:
    """Run ``settings`` (see the module docstring and docs/finetune.md); return the output and its report."""
    reporter = reporter or LogReporter()
    settings.check()
    started = time.perf_counter()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    model_info = find_base(settings)
    _check_out_is_not_an_input(settings, model_info.path)
    encoder = Encoder(model_info.vocab, model_info.target_token)
    data = read_data(settings, model_info, encoder, reporter)  # everything read before the output is touched
    run_fp = data.fingerprint(settings)
    out = settings.out.expanduser()
    prepare_out(out, force=settings.force, resume=settings.resume)
    check_free_space(out, space_needed(model_info.path))
    if data.contradictions:
        write_contradictions(out / CONTRADICTIONS_FILE, data.contradictions)

    if settings.threads:
        torch.set_num_threads(settings.threads)
    examples = [encoder.encode(p) for p in data.training]
    batches = plan_batches(examples, settings.batch_tokens)
    total = settings.max_steps or settings.epochs * len(batches)
    loop_settings = LoopSettings(
        lr=settings.lr,
        total_steps=total,
        warmup_steps=int(settings.warmup * total),
        eval_every=settings.eval_every,
        early_stop=settings.early_stop,
        seed=settings.seed,
        weight_decay=settings.weight_decay,
    )
    sampled = examples[:LOSS_SAMPLE]
    sample = LossSample(sampled, plan_batches(sampled, settings.batch_tokens), model_info.vocab.pad_id)
    model, optimizer, scheduler, state = _start(
        settings, model_info, data, out, run_fp, loop_settings, sample, reporter
    )

    def evaluate(model_dir: Path, step: int) -> dict:
        record = _scores_record(model_dir, step, model_info, data.valid, data.ood, settings.threads, sample.loss(model))
        reporter.message(f"step {step}: {_describe(record)}")
        return record

    reporter.message(f"training: {len(examples)} pairs in {len(batches)} batches, {total} steps")
    state = run_loop(
        model,
        examples,
        batches,
        sample.pad_id,
        loop_settings,
        out,
        model_info.path,
        run_fp,
        evaluate,
        optimizer=optimizer,
        scheduler=scheduler,
        state=state,
        on_step=reporter.step,
        after_step=after_step,
    )
    report = _report(settings, model_info, data, state, total, len(batches))
    return _finish(out, report, settings, reporter, time.perf_counter() - started)


def _report(
    settings: FinetuneSettings, model_info: Model, data: TrainingData, state: LoopState, total: int, batches: int
) -> dict:
    """What tarjama-finetune.json records (docs/finetune.md, Output)."""
    preparation, ood = data.preparation, data.ood
    return {
        "tarjama": mt.__version__,
        "base": dict(zip(("model", "revision"), model_identity(settings.base))),
        "pair": model_info.pair,
        "data": {
            "fingerprint": data_fingerprint(data.training),
            "sources": [_source_record(s) for s in data.sources],
            "read": preparation.read,
            "removed": dict(preparation.removed),
            "trained_on": len(data.training),
            "glossary_contradictions": len(data.contradictions),
        },
        "validation": {
            "in_domain": {"name": data.valid.name, "pairs": len(data.valid)},
            "out_of_domain": {"name": ood.name, "pairs": len(ood)} if ood else None,
        },
        "settings": settings.to_dict(),
        "training": {
            "steps": state.step,
            "total_steps": total,
            "epochs": round(state.step / batches, 3),
            "stopped_early": state.stopped_early,
            "best_step": state.best_step,
            "seconds": round(state.seconds, 1),
            "batches_per_epoch": batches,
        },
        "scores": _scores(state),
    }


def _scores(state: LoopState) -> dict:
    """Before (the base), after (the best fine-tuned checkpoint), every evaluation, and the changes."""
    before = state.evaluations[0]
    after = next(r for r in state.evaluations if r["step"] == state.best_step)
    return {
        "before": _plain(before),
        "after": _plain(after),
        "evaluations": [_plain(r) for r in state.evaluations[1:]],
        "in_domain_gain": _change(after["in_domain"], before["in_domain"]),
        "out_of_domain_change": _change(after["out_of_domain"], before["out_of_domain"]),
    }


def _finish(out: Path, report: dict, settings: FinetuneSettings, reporter: Reporter, seconds: float) -> FinetuneResult:
    """Write the output: the best fine-tuned model when it beats the base model's in-domain chrF (or with
    ``keep_worse``), else only the report, and a :class:`NoGainError` (a user's model never gets worse on the
    data it was tuned on without being told)."""
    scores, step = report["scores"], report["training"]["best_step"]
    before, after = scores["before"]["in_domain"]["chrf"], scores["after"]["in_domain"]["chrf"]
    gained = after > before
    report["output"] = {"model_written": gained or settings.keep_worse, "beats_base": gained}
    write_output(
        out,
        checkpoint_dir(out, "best") if gained or settings.keep_worse else None,
        report,
        quantization=settings.convert,
        keep_checkpoints=settings.keep_checkpoints,
    )
    if gained:
        reporter.message(f"after (step {step}): {_describe(scores['after'])}; written to {out} in {seconds:.0f} s")
        return FinetuneResult(out, report)
    verdict = (
        f"no fine-tuned checkpoint beat the base model's in-domain chrF {before:.1f} (best: {after:.1f} at step {step})"
    )
    if settings.keep_worse:
        reporter.warning(
            f"{verdict}; the best one is written to {out} anyway (--keep-worse): it scores no better "
            "in-domain than the base model"
        )
        return FinetuneResult(out, report)
    raise NoGainError(
        f"{out}: {verdict}, so no model was written (scores in {out}/{REPORT_FILE}); train longer or "
        "with another --lr, or give --keep-worse to write it anyway",
        out,
        report,
    )


def _plain(record: dict) -> dict:
    return {k: v for k, v in record.items() if k != "in_domain_chrf"}


def _source_record(source: PairSource) -> dict:
    return {"name": source.name, "pairs": len(source.pairs), "skipped": source.skipped}
