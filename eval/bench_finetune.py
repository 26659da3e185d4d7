"""Fine-tuning cost: time per 1,000 training pairs per epoch, and peak memory, for the opus-mt-ar-en-sized model.

    python eval/bench_finetune.py [--pairs 160] [--batch-tokens 2048] [--threads T] [--repeat 1] [--no-write]

Builds (once, cached in eval/cache/bench/, as eval/bench.py does) the model with the exact opus-mt-ar-en
architecture and random weights (its cost per step is the real model's), takes --pairs single-sentence pairs of
the UN devset from line 1,000 on (after the lines mt.testing trains its tokenisers on; at most 40 words), and
runs mt.training's own loop (mt.training.loop.run_loop: token-budget batches, AdamW, warmup/decay, dropout) for
one epoch over them, in this process.

Timed: the training steps only (forward, backward, optimizer), after the model is loaded, as the loop itself
clocks them (evaluations and checkpoint writes are excluded; the end-of-run checkpoint is written into a temporary
directory and its scoring is replaced by a no-op, since scoring is decoding, which eval/bench.py measures).
Scaled: seconds per epoch x 1,000 / pairs (a measurement on ~100-200 pairs, scaled linearly: the cost per pair is
the cost per target token times the pairs' mean length, which the sample shares with the UN devset at large).
Peak memory: the process's VmHWM (Python, torch, the model, AdamW's two moments, activations). Results go into
eval/results/finetune.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # eval/: results_file, also when loaded by path
from results_file import write_section  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / "eval" / "cache" / "bench"
MODEL = CACHE / "opus-mt-ar-en-size"
UN = REPO / "eval" / "data" / "un_v1.0" / "UNv1.0.devset"
HELD_OUT_FROM = 1000
MAX_WORDS = 40
RESULTS = REPO / "eval" / "results" / "finetune.md"
MARKERS = ("<!-- bench:finetune:start -->", "<!-- bench:finetune:end -->")


def peak_rss_mb() -> float:
    with open("/proc/self/status", encoding="utf-8") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_pairs(count: int):
    from mt.memory import Segment

    ar = Path(f"{UN}.ar").read_text(encoding="utf-8").splitlines()[HELD_OUT_FROM:]
    en = Path(f"{UN}.en").read_text(encoding="utf-8").splitlines()[HELD_OUT_FROM:]
    pairs = [Segment(a, e, "en") for a, e in zip(ar, en) if a.strip() and e.strip() and len(a.split()) <= MAX_WORDS]
    if len(pairs) < count:
        raise SystemExit(f"bench_finetune: only {len(pairs)} pairs; ask for fewer (--pairs)")
    return pairs[:count]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=160, help="Training pairs (one epoch over them is timed).")
    parser.add_argument("--batch-tokens", type=int, default=2048, help="Token budget per batch (mt finetune's).")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads (default: all cores).")
    parser.add_argument("--repeat", type=int, default=1, help="Epochs timed (each from the same loaded model).")
    parser.add_argument("--no-write", action="store_true", help="Print only; do not update eval/results/finetune.md.")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    threads = args.threads or max(1, len(os.sched_getaffinity(0)))

    import torch
    import transformers
    from transformers.utils import logging as hf_logging

    from mt.models.vocab import MarianVocab
    from mt.testing import build_model
    from mt.training.batches import Encoder, plan_batches
    from mt.training.loop import LoopSettings, StepInfo, load_model, run_loop

    torch.set_num_threads(threads)
    hf_logging.disable_progress_bar()
    if not (MODEL / "model.safetensors").exists():
        print("building the opus-mt-ar-en-sized model (random weights) ...", file=sys.stderr)
        build_model(MODEL, size="opus-mt-ar-en", pair="ar-en", seed=0)
    encoder = Encoder(MarianVocab.from_dir(MODEL))
    examples = [encoder.encode(p) for p in bench_pairs(args.pairs)]
    batches = plan_batches(examples, args.batch_tokens)
    tokens = sum(len(e.labels) for e in examples)
    runs = []
    for round_ in range(args.repeat):
        torch.manual_seed(1)
        model = load_model(MODEL)
        settings = LoopSettings(
            lr=2e-5,
            total_steps=len(batches),
            warmup_steps=len(batches) // 10,
            eval_every=len(batches),
            early_stop=0,
            seed=1,
        )
        last: list[StepInfo] = []
        with tempfile.TemporaryDirectory(dir=CACHE) as out:
            started = time.perf_counter()
            run_loop(
                model,
                examples,
                batches,
                encoder.vocab.pad_id,
                settings,
                Path(out),
                MODEL,
                "bench",
                lambda directory, step: {"in_domain_chrf": 0.0},
                on_step=last.append,
            )
            wall = time.perf_counter() - started
        seconds = last[-1].seconds
        runs.append(seconds)
        print(
            f"epoch {round_ + 1}: {len(batches)} steps, {seconds:.1f} s training ({wall:.1f} s with the final "
            f"checkpoint), {tokens / seconds:.0f} target tokens/s, loss {last[0].loss:.3f} -> {last[-1].loss:.3f}",
            file=sys.stderr,
        )
        del model
    seconds = statistics.median(runs)
    per_1000 = seconds * 1000 / args.pairs
    mean_source = statistics.mean(len(e.source_ids) for e in examples)
    mean_target = statistics.mean(len(e.labels) for e in examples)
    import platform

    text = "\n".join(
        [
            "| model | pairs | batches | threads | s / epoch | s per 1,000 pairs per epoch | target tokens/s | "
            "peak memory |",
            "|---|---|---|---|---|---|---|---|",
            f"| opus-mt-ar-en size (76M parameters, random weights) | {args.pairs} | {len(batches)} | {threads} | "
            f"{seconds:.1f} | {per_1000:.0f} (~{per_1000 / 60:.1f} min) | {tokens / seconds:.0f} | "
            f"{peak_rss_mb():.0f} MB |",
            "",
            f"UN devset pairs from line {HELD_OUT_FROM} on (at most {MAX_WORDS} words; mean {mean_source:.1f} source and "
            f"{mean_target:.1f} target pieces with </s>), --batch-tokens {args.batch_tokens}, one epoch of mt.training's "
            f"loop timed after load (median of {args.repeat}; range {min(runs):.1f}-{max(runs):.1f} s), scaled to 1,000 "
            f"pairs linearly. CPU: {platform.processor() or platform.machine()}, {threads} thread(s); torch "
            f"{torch.__version__}, transformers {transformers.__version__}. Command: `python eval/bench_finetune.py "
            f"--pairs {args.pairs} --batch-tokens {args.batch_tokens} --threads {threads} --repeat {args.repeat}`.",
        ]
    )
    print(text)
    if not args.no_write:
        write_section(RESULTS, MARKERS, text, "# Fine-tuning cost (eval/bench_finetune.py)")


if __name__ == "__main__":
    main()
