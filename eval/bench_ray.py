"""The Ray engine's overhead against the local engine: the same sentences, the same batches, the same CPUs.

    python eval/bench_ray.py [--sentences 20000] [--cpus 2] [--actors 2] [--threads-per-actor 1]
                             [--batch-lines 64] [--new-tokens 32] [--beam 4] [--repeat 1]

The model is eval/bench.py's opus-mt-ar-en-sized CTranslate2 int8 conversion (random weights, the real
architecture, so its cost is the real model's; built once and cached in eval/cache/bench/). The sentences are
eval/bench.py's held-out single-sentence lines (UN devset from line 1,000, then FLORES-200 dev and TICO-19 dev),
repeated in order when --sentences asks for more than there are (no translation memory: a repeat costs what the
first did). Random weights never emit </s>, so every sentence decodes exactly --new-tokens pieces (max_length_ratio
~0, max_length_extra N + 1 on the ct2 backend, as eval/bench.py does): fixed work per sentence.

Both engines cut the lines into the same batches of --batch-lines and translate each with one Translator call
(mt.engines.base.translate_batch); the bench checks that they return the same rows. The local engine runs in this
process with --cpus threads; the Ray engine on a local Ray instance of --cpus CPUs with --actors actors of
--threads-per-actor threads. Timed apart, per run:

  local   load: the model load (Translator built, legs loaded); translate: all batches, after load
  ray     connect: ray.init of the local instance (once, before the runs); actors: from the start of the run
          until the first actor has its model loaded (process start, imports, load); translate: from then to the
          last batch back (the overhead that matters for a long job: transport, scheduling, result collection);
          run: the whole run, actor start-up included

--repeat N alternates local and Ray runs N times; the table shows every run. Written to eval/results/ray.md,
one section per actor layout. The layouts answer different questions: --actors 1 --threads-per-actor C is the
local engine's own layout (one Translator, C threads) moved onto Ray, so the ratio is Ray's pure overhead; the
default C actors x 1 thread is how a cluster runs it (one process per core decodes batches side by side, which on
CTranslate2 beats one process with C intra-op threads), so its ratio includes that gain. The issue's measurement is --sentences 20000 on a quiet machine (goal: Ray translate
at most 1.25x local translate).
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "eval"))
sys.path.insert(0, str(REPO))

from results_file import write_section  # noqa: E402

from mt.engines.base import Batch, TranslatorSettings  # noqa: E402
from mt.settings import DecodingSettings  # noqa: E402
from mt.engines.local import LocalEngine  # noqa: E402
from mt.engines.ray import RayEngine, import_ray  # noqa: E402

RESULTS = REPO / "eval" / "results" / "ray.md"


def markers(args) -> tuple[str, str]:
    """One section per actor layout (2 x 1 thread and 1 x 2 threads measure different things: see the doc)."""
    layout = f"{args.actors}x{args.threads_per_actor}"
    return f"<!-- ray:overhead:{layout}:start -->", f"<!-- ray:overhead:{layout}:end -->"


DATA = REPO / "eval" / "data"


def sentences(count: int) -> list[str]:
    """``count`` single-sentence held-out lines (eval/bench.py's choice), repeated in order if need be."""
    import bench  # eval/bench.py: the model builder and the held-out line picker

    pool: list[str] = []
    for path, skip in ((bench.HELD_OUT, bench.HELD_OUT_FROM), (bench.FLORES, 0), (bench.TICO, 0)):
        available = len(path.read_text(encoding="utf-8").splitlines()) - skip
        for take in (available, available // 2, available // 4):  # bench_lines stops when it runs short
            try:
                pool += bench.bench_lines(path, take, skip)
                break
            except SystemExit:
                continue
    return list(itertools.islice(itertools.cycle(pool), count))


def batches(lines: list[str], size: int) -> list[Batch]:
    return [Batch(i, tuple(lines[start : start + size])) for i, start in enumerate(range(0, len(lines), size))]


def run_local(settings: TranslatorSettings, work: list[Batch]) -> tuple[dict, list[str]]:
    engine = LocalEngine(settings, "en")
    began = time.perf_counter()
    engine.load()
    load = time.perf_counter() - began
    began = time.perf_counter()
    done = list(engine.run(work))
    seconds = time.perf_counter() - began
    engine.close()
    tokens = sum(d.tokens for d in done)
    return {"engine": "local", "load": load, "translate": seconds, "run": seconds, "tokens": tokens}, [
        row for d in done for row in d.records
    ]


def run_ray(settings: TranslatorSettings, work: list[Batch], args) -> tuple[dict, list[str]]:
    engine = RayEngine(settings, "en", actors=args.actors, threads_per_actor=args.threads_per_actor)
    engine.start()  # connects to the instance main() started
    began_wall, began = time.time(), time.perf_counter()
    done = list(engine.run(work))
    seconds = time.perf_counter() - began
    engine.close()
    first_ready = min(engine.ready_at.values()) - began_wall
    tokens = sum(d.tokens for d in done)
    return {
        "engine": "ray",
        "load": first_ready,
        "translate": seconds - first_ready,
        "run": seconds,
        "tokens": tokens,
        "actors": len(engine.ready_at),
        "actor_loads": sorted(round(v, 1) for v in engine.load_seconds.values()),
    }, [row for d in done for row in d.records]


def table(runs: list[dict], args, connect: float) -> str:
    rows = [
        "| run | engine | start-up (s) | translate (s) | target tokens/s | whole run (s) |",
        "|---|---|---|---|---|---|",
    ]
    for number, run in enumerate(runs, 1):
        what = "model load" if run["engine"] == "local" else f"first of {run['actors']} actors ready"
        rows.append(
            f"| {number} | {run['engine']} | {run['load']:.1f} ({what}) | {run['translate']:.1f} | "
            f"{run['tokens'] / run['translate']:,.0f} | {run['run']:.1f} |"
        )
    local = [r["translate"] for r in runs if r["engine"] == "local"]
    ray = [r["translate"] for r in runs if r["engine"] == "ray"]
    whole = [r["run"] for r in runs if r["engine"] == "ray"]
    ratios = [b / a for a, b in zip(local, ray)]
    whole_ratios = [b / a for a, b in zip(local, whole)]
    loads = [r["actor_loads"] for r in runs if r["engine"] == "ray"]
    per_core = statistics.median(r["tokens"] / r["translate"] for r in runs if r["engine"] == "local") / args.cpus
    return "\n".join(
        [
            f"## Ray engine overhead ({args.sentences:,} sentences, opus-mt-ar-en-sized CT2 int8, "
            f"{args.actors} actors x {args.threads_per_actor} threads)",
            "",
            f"{args.sentences:,} held-out single-sentence lines, beam {args.beam}, {args.new_tokens} target tokens each, "
            f"batches of {args.batch_lines} lines; local engine: {args.cpus} threads in one process; Ray: a local "
            f"instance of {args.cpus} CPUs, {args.actors} actors x {args.threads_per_actor} threads "
            f"(ray.init {connect:.1f} s, once). Same rows from both engines: checked. "
            f"Machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end.",
            "",
            *rows,
            "",
            f"Ray translate / local translate: {', '.join(f'{r:.2f}x' for r in ratios)} (goal: at most 1.25x); "
            f"whole Ray run (actor start-up included) / local translate: {', '.join(f'{r:.2f}x' for r in whole_ratios)}. "
            f"Actors' model loads (s): {loads}. Local throughput per core: {per_core:,.0f} target tokens/s.",
            "",
            f"Command: `python eval/bench_ray.py --sentences {args.sentences} --cpus {args.cpus} --actors {args.actors} "
            f"--threads-per-actor {args.threads_per_actor} --batch-lines {args.batch_lines} --new-tokens {args.new_tokens} "
            f"--beam {args.beam} --repeat {args.repeat}`",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentences", type=int, default=20000)
    parser.add_argument("--cpus", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--actors", type=int, default=None, help="default: --cpus / --threads-per-actor")
    parser.add_argument("--threads-per-actor", type=int, default=1)
    parser.add_argument("--batch-lines", type=int, default=64)
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--beam", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    args = parser.parse_args(argv)
    args.actors = args.actors or max(1, args.cpus // args.threads_per_actor)
    import bench

    model = bench.model_dirs()["int8"]
    settings = TranslatorSettings(
        models={"ar-en": str(model)},
        decoding=DecodingSettings(
            beam_size=args.beam,
            max_length_ratio=1e-9,
            max_length_extra=args.new_tokens + 1,
            batch_tokens=args.batch_lines * 4096,
            backend="ct2",
            threads=args.cpus,
        ),
    )
    work = batches(sentences(args.sentences), args.batch_lines)
    ray = import_ray()
    began = time.perf_counter()
    ray.init(num_cpus=args.cpus, include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False)
    connect = time.perf_counter() - began
    runs, outputs = [], []
    try:
        for _ in range(args.repeat):
            for name in ("local", "ray"):
                result, rows = run_local(settings, work) if name == "local" else run_ray(settings, work, args)
                runs.append(result)
                outputs.append(rows)
                print(
                    f"bench_ray: {name}: {result['translate']:.1f} s after {result['load']:.1f} s of start-up",
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        ray.shutdown()
    if any(rows != outputs[0] for rows in outputs):
        raise SystemExit("bench_ray: the engines returned different rows; not recording a comparison")
    text = table(runs, args, connect)
    print(text)
    if not args.no_write:
        write_section(RESULTS, markers(args), text, "# Ray engine results\n\nWritten by eval/bench_ray.py.")


if __name__ == "__main__":
    main()
