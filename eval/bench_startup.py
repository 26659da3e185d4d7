"""Start-up: what a command costs as a user runs it, each in a new process, beside the raw tools.

    python eval/bench_startup.py [--repeat 5] [--size tiny] [--tm-lines 10000] [--threads T]

Every command runs `--repeat` times, each in its own process (`python -m mt ...` on this checkout), interleaved
with the others so that the shared machine's load falls on all of them alike; the table gives the median wall
time (range) and the median CPU time (user + system of the child). Rows and goals (issue 22):

- `mt --help`, `--version`, `glossary list`, `evaluate`, `tm stats`, `align sentences` on the seed: <= 0.5 s each,
  beside `python -c pass` (the interpreter's own start);
- `mt evaluate -m bleu chrf ter` on the seed <= 1.3x the `sacrebleu` command line doing the same work: the same
  metrics with 95% confidence intervals from 1,000 bootstrap resamples (`--confidence`; mt evaluate's default);
- `mt translate` of one line with a CTranslate2 int8 model (built offline by mt.testing, `--size`, converted by
  mt.models.convert, cached in eval/cache/startup/) <= a raw ctranslate2 + sentencepiece script's time + 0.5 s;
- a warm `mt translate --tm` re-run of `--tm-lines` lines (eval/bench_tm.py's held-out UN lines) as a new process
  <= 1/50 of the first run. The warm run loads no model (every sentence is in the memory), so its cost does not
  depend on the model; the first run does: it is timed here with the `--size` model and quoted from
  eval/results/tm.md for the opus-mt-ar-en-sized model on the same 10,000 lines.

Writes eval/results/startup.md (date, machine, load average before and after, command).
"""

from __future__ import annotations

import argparse
import compileall
import datetime
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "eval"))

from results_file import write_section  # noqa: E402

CACHE = REPO / "eval" / "cache" / "startup"
RESULTS = REPO / "eval" / "results" / "startup.md"
MARKERS = ("<!-- bench_startup -->", "<!-- /bench_startup -->")
SEED_AR, SEED_EN = "seeds/article.ar.txt", "seeds/article.en.txt"
OPUS_FIRST_RUN_S = 413.4  # eval/results/tm.md: first run of the same 10,000 lines, opus-mt-ar-en-sized int8 model
RAW_CT2 = """import sys
import ctranslate2
import sentencepiece as spm
model, line, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
source = spm.SentencePieceProcessor(model_file=model + "/source.spm")
target = spm.SentencePieceProcessor(model_file=model + "/target.spm")
translator = ctranslate2.Translator(model, device="cpu", intra_threads=threads)
result = translator.translate_batch([source.encode(line, out_type=str) + ["</s>"]], beam_size=4)
print(target.decode_pieces([p for p in result[0].hypotheses[0] if p != "</s>"]))
"""


def run_timed(command: list[str]) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the child, stdout) of one run; a failure stops the benchmark."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        command,
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "MT_PROGRESS": "0"},
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"bench_startup: {' '.join(command)} failed: {done.stderr.strip()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def measure(commands: dict[str, list[str]], repeat: int) -> dict[str, dict]:
    """Run every command `repeat` times, round-robin; per command its walls, CPUs and last stdout."""
    runs: dict[str, dict] = {name: {"wall": [], "cpu": [], "out": ""} for name in commands}
    for round_ in range(repeat):
        for name, command in commands.items():
            wall, cpu, out = run_timed(command)
            runs[name]["wall"].append(wall)
            runs[name]["cpu"].append(cpu)
            runs[name]["out"] = out
        print(f"round {round_ + 1}/{repeat} done", file=sys.stderr)
    return runs


def model_dir(size: str) -> Path:
    """A CTranslate2 int8 conversion of an offline-built Marian model of `size` (built once, then cached)."""
    out = CACHE / f"{size}-ct2"
    if not (out / "model.bin").exists():
        from mt.models.convert import convert
        from mt.testing import build_model

        hf = build_model(CACHE / f"{size}-hf", size=size, pair="ar-en", seed=1, ends_sentences=True)
        convert(str(hf), out, quantization="int8", force=True)
    return out


def small_tm(mt: list[str]) -> Path:
    """A translation memory holding the seed article's human translations."""
    tm = CACHE / "seed.tm"
    if not tm.exists():
        run_timed([*mt, "tm", "import", "--tm", str(tm), "--tgt", "en", SEED_AR, SEED_EN])
    return tm


def command_table(size: str, threads: int) -> dict[str, list[str]]:
    mt = [sys.executable, "-m", "mt"]
    model = model_dir(size)
    one_line = (REPO / SEED_AR).read_text(encoding="utf-8").splitlines()[1]
    CACHE.mkdir(parents=True, exist_ok=True)
    (CACHE / "raw_ct2.py").write_text(RAW_CT2, encoding="utf-8")
    (CACHE / "one.ar").write_text(one_line + "\n", encoding="utf-8")
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "mt --help": [*mt, "--help"],
        "mt --version": [*mt, "--version"],
        "mt glossary list": [*mt, "glossary", "list", "glossaries/ecommerce.tsv"],
        "mt evaluate (default metrics)": [*mt, "evaluate", "-r", SEED_EN, SEED_EN],
        "mt tm stats": [*mt, "tm", "stats", "--tm", str(small_tm(mt))],
        "mt align sentences": [*mt, "align", "sentences", "--tgt-lang", "en", SEED_AR, SEED_EN],
        "mt evaluate -m bleu chrf ter": [*mt, "evaluate", "-m", "bleu", "chrf", "ter", "-r", SEED_EN, SEED_EN],
        "sacrebleu -m bleu chrf ter --confidence": [
            str(Path(sys.executable).parent / "sacrebleu"),
            SEED_EN,
            "-i",
            SEED_EN,
            "-m",
            "bleu",
            "chrf",
            "ter",
            "--confidence",
        ],
        "raw ctranslate2 + sentencepiece, one line": [
            sys.executable,
            str(CACHE / "raw_ct2.py"),
            str(model),
            one_line,
            str(threads),
        ],
        "mt translate, one line": [
            *mt,
            "translate",
            str(CACHE / "one.ar"),
            "--to",
            "en",
            "--model",
            f"ar-en={model}",
            "--threads",
            str(threads),
        ],
    }


def tm_rerun(size: str, lines_count: int, repeat: int, threads: int) -> dict:
    """A first `mt translate --tm` run of `lines_count` lines into a new memory, then `repeat` warm re-runs as
    new processes; every re-run must write the first run's bytes."""
    import bench  # eval/bench.py: its held-out lines, as eval/bench_tm.py takes them
    from bench_tm import held_out_lines

    folder = CACHE / f"tm-{lines_count}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    source = folder / "lines.ar"
    source.write_text("\n".join(held_out_lines(bench, lines_count)) + "\n", encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "mt",
        "translate",
        str(source),
        "--to",
        "en",
        "--model",
        f"ar-en={model_dir(size)}",
        "--tm",
        str(folder / "job.tm"),
        "--threads",
        str(threads),
        "-q",
    ]
    first, first_cpu, _ = run_timed([*command, "-o", str(folder / "first.en")])
    walls, cpus = [], []
    for round_ in range(repeat):
        out = folder / f"warm{round_}.en"
        wall, cpu, _ = run_timed([*command, "-o", str(out)])
        if out.read_bytes() != (folder / "first.en").read_bytes():
            raise SystemExit("bench_startup: a warm re-run wrote other bytes than the first run")
        walls.append(wall)
        cpus.append(cpu)
    return {"lines": lines_count, "first": first, "first_cpu": first_cpu, "wall": walls, "cpu": cpus}


def _cell(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s ({min(values):.2f}-{max(values):.2f})"


def _goals(runs: dict[str, dict], key: str) -> dict[str, tuple[str, bool]]:
    """Each goal of the module docstring, judged on the medians of `key` ("wall" or "cpu")."""
    value = {name: statistics.median(run[key]) for name, run in runs.items()}
    goals = {name: (f"{value[name]:.2f} s <= 0.5 s", value[name] <= 0.5) for name in list(runs)[1:7]}
    ratio = value["mt evaluate -m bleu chrf ter"] / value["sacrebleu -m bleu chrf ter --confidence"]
    goals["mt evaluate -m bleu chrf ter"] = (f"{ratio:.2f}x sacrebleu <= 1.3x", ratio <= 1.3)
    extra = value["mt translate, one line"] - value["raw ctranslate2 + sentencepiece, one line"]
    goals["mt translate, one line"] = (f"raw {extra:+.2f} s <= +0.5 s", extra <= 0.5)
    return goals


def report(runs: dict[str, dict], tm: dict | None, args: argparse.Namespace, loads: tuple[str, str]) -> str:
    by_wall, by_cpu = _goals(runs, "wall"), _goals(runs, "cpu")
    rows = [
        "| command (each a new process) | wall, median (range) | CPU, median | goal on wall | goal on CPU |",
        "|---|---|---|---|---|",
    ]
    for name, run in runs.items():
        cells = [
            f"{text}: {'yes' if met else 'no'}" if (text, met) != ("", None) else ""
            for text, met in (by_wall.get(name, ("", None)), by_cpu.get(name, ("", None)))
        ]
        rows.append(
            f"| `{name}` | {_cell(run['wall'])} | {statistics.median(run['cpu']):.2f} s | {cells[0]} | {cells[1]} |"
        )
    lines = ["\n".join(rows), ""]
    if tm:
        warm, warm_cpu = statistics.median(tm["wall"]), statistics.median(tm["cpu"])
        lines.append(
            f"- warm `mt translate --tm` re-run of {tm['lines']:,} lines as a new process: {_cell(tm['wall'])} "
            f"wall, {warm_cpu:.2f} s CPU; first run into the new memory with the {args.size} model "
            f"{tm['first']:.1f} s ({tm['first_cpu']:.1f} s CPU): 1/{tm['first'] / warm:.0f} on wall, "
            f"1/{tm['first_cpu'] / warm_cpu:.0f} on CPU"
            + (
                f"; against the opus-mt-ar-en-sized model's first run of the same 10,000 lines on a quiet "
                f"machine ({OPUS_FIRST_RUN_S} s, eval/results/tm.md): 1/{OPUS_FIRST_RUN_S / warm:.0f} on "
                f"wall, 1/{OPUS_FIRST_RUN_S / warm_cpu:.0f} on CPU"
                if tm["lines"] == 10_000
                else ""
            )
            + " (goal <= 1/50); every re-run wrote the first run's bytes"
        )
    lines += [
        f"- model: mt.testing `{args.size}` ar-en, CTranslate2 int8 (eval/cache/startup/), {args.threads} "
        f"threads; evaluate: the seed's English against itself; {args.repeat} runs of each, interleaved; CPU "
        "is user + system time of the child, which the machine's load inflates less than the wall time; mt's "
        "modules byte-compiled first (compileall), as an installed package is",
        f"- machine: {platform.machine()}, {os.cpu_count()} CPUs shared with other work, Python "
        f"{platform.python_version()}; load average before {loads[0]}, after {loads[1]}",
        f"- command: `python eval/bench_startup.py --repeat {args.repeat} --size {args.size} --tm-lines "
        f"{args.tm_lines} --threads {args.threads}`, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each command (median reported)")
    parser.add_argument("--size", default="tiny", help="mt.testing model size for the translate rows")
    parser.add_argument("--tm-lines", type=int, default=10_000, help="lines of the --tm re-run (0: skip it)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    # byte-compile mt as `pip install` does: with PYTHONDONTWRITEBYTECODE set (as on the shared machine) and no
    # __pycache__, every run compiled mt's modules again (about 0.04 s of `mt evaluate`'s CPU) while the raw
    # tools ran from their installed .pyc files
    compileall.compile_dir(str(REPO / "mt"), quiet=1)
    before = " ".join(f"{x:.1f}" for x in os.getloadavg())
    runs = measure(command_table(args.size, args.threads), args.repeat)
    tm = tm_rerun(args.size, args.tm_lines, args.repeat, args.threads) if args.tm_lines else None
    after = " ".join(f"{x:.1f}" for x in os.getloadavg())
    text = report(runs, tm, args, (before, after))
    print(text)
    write_section(RESULTS, MARKERS, text, "# Start-up (eval/bench_startup.py)")


if __name__ == "__main__":
    main()
