"""What batch-invariant decoding costs: this tree against a base revision, the same bench children side by side.

    python eval/bench_invariance.py [--base 04bbc7a] [--rounds 3] [--threads 1] [--no-write]

Runs eval/bench.py's Tarjama children ((d) CTranslate2 int8; (e) the same with the seed glossary, strict) on the
opus-mt-ar-en-sized model (random weights, every sentence decoding exactly 32 steps: equal work), once with this
tree's `mt` and once with the base revision's (`git archive` into eval/cache/, put first on PYTHONPATH), in
alternate order, --rounds times, in two settings:

  blocks of 16   48 lines in blocks of 16, each decoded as one call before (the speed table's setting)
  a file         480 lines with the default blocks (16 lines first, doubling to 512): a long input's real work

Each child loads its model before the clock starts. Wall seconds and the child's CPU seconds over the decoding
are both reported: on a shared machine the CPU seconds of a one-thread child are what the other work disturbs
least. The ratio is this tree / base, round by round (median and range). Written to eval/results/bench.md between
the invariance markers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tarfile
import time
from io import BytesIO
from pathlib import Path

EVAL = Path(__file__).resolve().parent
REPO = EVAL.parent
sys.path.insert(0, str(EVAL))
from bench import CACHE, RESULTS, model_dirs  # noqa: E402
from results_file import write_section  # noqa: E402

MARKERS = ("<!-- bench:invariance:start -->", "<!-- bench:invariance:end -->")
SETTINGS = {"blocks of 16": (48, 16, ("d", "e")), "a file": (480, 512, ("d",))}


def base_tree(revision: str) -> Path:
    """The base revision's files (git archive), extracted once into eval/cache/."""
    sha = subprocess.run(
        ["git", "rev-parse", "--short", revision], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()
    tree = CACHE.parent / f"base-{sha}"
    if not (tree / "mt" / "__init__.py").exists():
        archive = subprocess.run(["git", "archive", sha], cwd=REPO, capture_output=True, check=True).stdout
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(tree, filter="data")
    return tree


def child(tree: Path, system: str, model: Path, sentences: int, batch: int, threads: int) -> dict:
    """One bench child (eval/bench.py --child) with ``tree``'s mt first on the path."""
    command = [
        sys.executable,
        str(EVAL / "bench.py"),
        "--child",
        system,
        "--model",
        str(model),
        "--sentences",
        str(sentences),
        "--threads",
        str(threads),
        "--new-tokens",
        "32",
        "--beam",
        "4",
        "--batch",
        str(batch),
        "--pairs",
        "0",
    ] + (["--glossary"] if system == "e" else [])
    env = {
        **os.environ,
        "PYTHONPATH": str(tree),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "PYTHONWARNINGS": "ignore",
    }
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO)
    if done.returncode != 0:
        raise SystemExit(f"bench_invariance: {system} on {tree} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def which_mt(tree: Path) -> str:
    """The mt a child imports (run from eval/, as the child's script is: no mt in the working directory)."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [sys.executable, "-c", "import mt; print(mt.__file__)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=EVAL,
    ).stdout.strip()


def _cell(values: list[float], fmt: str = ".1f") -> str:
    median = statistics.median(values)
    return f"{median:{fmt}} ({min(values):{fmt}}-{max(values):{fmt}})" if len(values) > 1 else f"{median:{fmt}}"


def report(runs: dict, base: str, rounds: int, threads: int, load: tuple[float, float]) -> str:
    rows = [
        "| setting | system | target tokens (base / this) | base wall s | this wall s | base CPU s | this CPU s | "
        "CPU ratio | wall ratio |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for (setting, system), pair in runs.items():
        old, new = pair["base"], pair["this"]
        cpu = [n["cpu"] / o["cpu"] for o, n in zip(old, new)]
        wall = [n["seconds"] / o["seconds"] for o, n in zip(old, new)]
        rows.append(
            f"| {setting} | ({system}) | {old[0]['tokens']} / {new[0]['tokens']} | "
            f"{_cell([o['seconds'] for o in old])} | {_cell([n['seconds'] for n in new])} | "
            f"{_cell([o['cpu'] for o in old])} | {_cell([n['cpu'] for n in new])} | "
            f"{_cell(cpu, '.2f')}x | {_cell(wall, '.2f')}x |"
        )
    return "\n".join(
        [
            f"## Cost of batch-invariant decoding ({time.strftime('%Y-%m-%d')})",
            "",
            f"`python eval/bench_invariance.py --base {base} --rounds {rounds} --threads {threads}`: this tree's "
            f"decoding (per-sentence limits, batches of one source-length bucket padded to the bucket's width) "
            f"against {base}'s (one call per block, padded to its longest, limit from the batch), eval/bench.py's "
            f"children (d) and (e), opus-mt-ar-en-sized model, CTranslate2 int8, beam 4, 32 steps per sentence, "
            f"{threads} thread(s), {rounds} interleaved rounds: median (range).",
            "",
            *rows,
            "",
            f"- Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load average "
            f"{load[0]:.1f} at the start and {load[1]:.1f} at the end (other work on the machine moves wall seconds "
            f"more than one-thread CPU seconds).",
            "- (e) decodes its glossary repairs too, hence more tokens; the base places terms from attention rows "
            "that included padding.",
            "- Where the cost comes from: a block of 16 lines was one call; now it is one call per source-length "
            "bucket it touches (these UN lines span the 32, 64 and 128 buckets: 2-3 calls), each padded to its bucket's "
            "width with one filler row. On a CPU a call's per-step cost is mostly the weight reads, so a call of 5 "
            "sentences costs about as much as one of 16. Narrower buckets cost more calls (8-wide buckets, the "
            "first design: about 2x on this setting in rough runs under load), one wide bucket costs padding (all "
            "widths padded to 128: about 1.15x).",
            "- In a long input the blocks grow to 512 lines and each bucket is a full batch: there the buckets cost "
            "nothing and padding to the bucket instead of to the batch's longest saves work (with the bench's "
            "token budget, which holds a whole block, the base decoded each block as one length-sorted call padded to "
            "the block's longest line; peak RSS 2.4 GB against 0.46 GB).",
            "- The goal (at most 1.05x) is met for a long input and NOT for blocks of 16 lines (the first block of a "
            "stream, small server requests): about 1.2-1.26x there.",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="04bbc7a", help="Git revision to compare with.")
    parser.add_argument("--rounds", type=int, default=3, help="Interleaved rounds.")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads per child.")
    parser.add_argument("--settings", default=",".join(SETTINGS), help="Comma-separated settings to run.")
    parser.add_argument("--no-write", action="store_true", help="Print only.")
    args = parser.parse_args(argv)
    model = model_dirs()["int8"]
    trees = {"base": base_tree(args.base), "this": REPO}
    for name, tree in trees.items():
        found = Path(which_mt(tree))
        if found.parent.parent != tree:
            raise SystemExit(f"bench_invariance: the {name} child would import {found}, not {tree}'s mt")
        print(f"{name}: {found}", file=sys.stderr)
    load_start = os.getloadavg()[0]
    runs: dict = {}
    for k in range(args.rounds):
        for setting in args.settings.split(","):
            sentences, batch, systems = SETTINGS[setting]
            for system in systems:
                order = ("base", "this") if k % 2 == 0 else ("this", "base")
                for name in order:
                    result = child(trees[name], system, model, sentences, batch, args.threads)
                    runs.setdefault((setting, system), {"base": [], "this": []})[name].append(result)
                    print(
                        f"round {k + 1} {setting} ({system}) {name}: {result['seconds']:.1f} s wall, "
                        f"{result['cpu']:.1f} s CPU",
                        file=sys.stderr,
                    )
    text = report(runs, args.base, args.rounds, args.threads, (load_start, os.getloadavg()[0]))
    print(text)
    if not args.no_write:
        write_section(RESULTS, MARKERS, text, "# Speed benchmarks")


if __name__ == "__main__":
    main()
