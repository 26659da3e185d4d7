"""Memory on large inputs: translating a 100 MB Arabic file keeps the resident memory flat.

    python eval/bench_memory.py [--mb 100] [--stop-mb 100] [--every-mb 2]

Writes eval/cache/bench/large.ar.txt (FLORES-200 dev Arabic repeated to --mb megabytes), builds a tiny ar-en model
with mt.testing and converts it to CTranslate2 int8, then translates the file the way `mt translate` does
(TextInput.lines -> Translator.translate_stream -> an output file, line by line) with greedy decoding and a
4-token limit, sampling the resident memory (VmRSS) every --every-mb megabytes of input read. --stop-mb stops
early (a prefix of the file) where the whole would take too long. The model is tiny so that the run measures the
pipeline's memory, not the model's; the slope of RSS over input size is what matters. Results are printed and
written into eval/results/bench.md (the section between the memory markers).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from results_file import write_section

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / "eval" / "cache" / "bench"
FLORES = REPO / "eval" / "data" / "flores200" / "flores200.dev.arb_Arab"
RESULTS = REPO / "eval" / "results" / "bench.md"
MARKERS = ("<!-- bench:memory:start -->", "<!-- bench:memory:end -->")
MB = 1024 * 1024


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def large_file(megabytes: int) -> Path:
    """FLORES dev Arabic repeated until the file has `megabytes` MB (written once, then reused)."""
    path = CACHE / f"large-{megabytes}mb.ar.txt"
    if path.exists() and path.stat().st_size >= megabytes * MB:
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    block = FLORES.read_bytes()
    if not block.endswith(b"\n"):
        block += b"\n"
    partial = path.with_suffix(".partial")
    with open(partial, "wb") as out:
        written = 0
        while written < megabytes * MB:
            out.write(block)
            written += len(block)
    partial.rename(path)
    return path


def tiny_ct2() -> Path:
    """A tiny ar-en model converted to CTranslate2 int8, built in a child process so that torch and transformers
    never enter this process's memory."""
    import subprocess

    hf, ct2 = CACHE / "tiny-ar-en", CACHE / "tiny-ar-en-ct2-int8"
    if not (ct2 / "model.bin").exists():
        code = (
            f"from mt.testing import build_model; from mt.models.convert import convert; "
            f"build_model({str(hf)!r}, size='tiny', pair='ar-en', seed=1); "
            f"convert({str(hf)!r}, {str(ct2)!r}, quantization='int8', force=True)"
        )
        subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
    return ct2


def write_results(text: str) -> None:
    write_section(RESULTS, MARKERS, text, "# Benchmarks")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=int, default=100, help="Size of the generated input file in MB.")
    parser.add_argument("--stop-mb", type=float, default=None, help="Stop after this many MB of input (a prefix).")
    parser.add_argument("--every-mb", type=float, default=2.0, help="Sample RSS every this many MB of input.")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads (default: all cores).")
    parser.add_argument("--no-write", action="store_true", help="Print only; do not update eval/results/bench.md.")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    stop = (args.stop_mb or args.mb) * MB

    source = large_file(args.mb)
    model = tiny_ct2()
    from mt.text.lines import TextInput
    from mt.pipeline import Translator

    translator = Translator(
        {"ar-en": str(model)}, beam_size=1, max_length_ratio=1e-9, max_length_extra=4, threads=args.threads
    )
    translator.legs("en")
    consumed = {"bytes": 0}

    def lines():
        for line in TextInput(str(source)).lines():
            if consumed["bytes"] >= stop:
                return
            consumed["bytes"] += len(line.encode("utf-8")) + 1
            yield line

    samples = [(0.0, rss_mb(), 0.0)]
    started = time.perf_counter()
    next_sample = args.every_mb * MB
    output = CACHE / "large.en.txt"
    written = 0
    with open(output, "w", encoding="utf-8") as out:
        for result in translator.translate_stream(lines(), to="en"):
            out.write(result.translation + "\n")
            written += 1
            if consumed["bytes"] >= next_sample:
                samples.append((consumed["bytes"] / MB, rss_mb(), time.perf_counter() - started))
                print(
                    f"{samples[-1][0]:7.1f} MB read  RSS {samples[-1][1]:7.1f} MB  {samples[-1][2]:6.0f} s",
                    file=sys.stderr,
                )
                next_sample += args.every_mb * MB
    samples.append((consumed["bytes"] / MB, rss_mb(), time.perf_counter() - started))
    output.unlink()
    after_first = [s for s in samples if s[0] >= min(5.0, samples[-1][0] / 4)]
    low, high = min(s[1] for s in after_first), max(s[1] for s in after_first)
    span = after_first[-1][0] - after_first[0][0]
    shown = samples[:: max(1, len(samples) // 12)] + ([samples[-1]] if len(samples) % 12 else [])
    rows = ["| input read (MB) | RSS (MB) | elapsed (s) |", "|---:|---:|---:|"]
    seen = set()
    for read, rss, elapsed in shown:
        if read not in seen:
            seen.add(read)
            rows.append(f"| {read:.1f} | {rss:.1f} | {elapsed:.0f} |")
    text = "\n".join(
        [
            f"## Memory on a large input ({time.strftime('%Y-%m-%d')})",
            "",
            f"`python eval/bench_memory.py --mb {args.mb}"
            + (f" --stop-mb {args.stop_mb:g}" if args.stop_mb else "")
            + "`: FLORES-200 dev Arabic repeated into a "
            f"{args.mb} MB file, translated line by line with a tiny "
            f"CTranslate2 int8 model (greedy, 4-token limit) through TextInput.lines and Translator.translate_stream; "
            f"read {samples[-1][0]:.1f} MB ({written} lines) in {samples[-1][2]:.0f} s.",
            "",
            *rows,
            "",
            f"- From {after_first[0][0]:.1f} MB to {after_first[-1][0]:.1f} MB of input ({span:.1f} MB more), RSS stays "
            f"between {low:.1f} and {high:.1f} MB (spread {high - low:.1f} MB): memory does not grow with the input.",
        ]
    )
    print(text)
    if not args.no_write:
        write_results(text)


if __name__ == "__main__":
    main()
