"""Translation memory at scale: build a 100,000+ entry TM from the shipped parallel text, time fuzzy look-ups.

    python eval/bench_tm.py [--entries 100000] [--queries 300] [--min 75]

The entries are real: every Arabic line of the UN v1.0 devset, FLORES-200 dev, TICO-19 dev and Tatoeba with its
English (and, where shipped, Chinese) translation, imported as `human`; then, to reach --entries, joins of two real
lines (line i and line i+d of the same corpus, d = 1, 2, ...) with their joined translations, as `mt` entries of
two model ids. Fuzzy queries are UN lines that are in the TM, each edited (one word dropped, one word swapped with its
neighbour, or a diacritic added and a word dropped): the unedited line must rank first. Then, on a copy of the
TM, what a 10,000-sentence job would pay: storing 10,000 new MT results in blocks of 64 (one transaction each, as
a run stores a block), and looking the same 10,000 sources up again in blocks of 64 (a warm re-run). Prints the
results and writes them to eval/results/tm.md; the TM is written under eval/cache/bench/.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import tempfile
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mt.memory import MtKey, Segment, TranslationMemory, normalise_source, sqlite_features  # noqa: E402

DATA = REPO / "eval" / "data"
CACHE = REPO / "eval" / "cache" / "bench"
RESULTS = REPO / "eval" / "results" / "tm.md"
CORPORA = {  # name: (arabic, english, chinese or None)
    "un": ("un_v1.0/UNv1.0.devset.ar", "un_v1.0/UNv1.0.devset.en", "un_v1.0/UNv1.0.devset.zh"),
    "flores": ("flores200/flores200.dev.arb_Arab", "flores200/flores200.dev.eng_Latn",
               "flores200/flores200.dev.zho_Hans"),
    "tico": ("tico19/tico19.dev.ar", "tico19/tico19.dev.en", "tico19/tico19.dev.zh"),
    "tatoeba": ("tatoeba/tatoeba-test-v2021-08-07.ara-eng.araonly.ara",
                "tatoeba/tatoeba-test-v2021-08-07.ara-eng.araonly.eng", None),
}


def read(rel: str | None) -> list[str] | None:
    return None if rel is None else (DATA / rel).read_text(encoding="utf-8").rstrip("\n").split("\n")


def build(path: Path, entries: int) -> tuple[float, int]:
    corpora = {name: tuple(read(rel) for rel in files) for name, files in CORPORA.items()}
    start = time.perf_counter()
    with TranslationMemory.open(path) as tm:
        human = [Segment(a, e, "en") for ar, en, _ in corpora.values() for a, e in zip(ar, en) if a and e]
        human += [Segment(a, z, "zh") for ar, _, zh in corpora.values() if zh for a, z in zip(ar, zh) if a and z]
        tm.add_human(human)
        count, d = tm.stats().entries, 1
        keys = [MtKey("Helsinki-NLP/opus-mt-ar-en", "main", "", "beam4"), MtKey("tarjama/ct2-int8", "", "", "beam4")]
        while count < entries:
            batch = []
            for ar, en, _ in corpora.values():
                batch += [Segment(ar[i] + " " + ar[i + d], en[i] + " " + en[i + d], "en")
                          for i in range(len(ar) - d) if ar[i] and ar[i + d]]
            for part in range(0, len(batch), 1000):
                key = keys[(part // 1000) % 2]
                tm.store_mt(batch[part:part + 1000][: max(0, entries - count)], key)
                count = tm.stats().entries if part % 20000 == 0 else count + len(batch[part:part + 1000])
                if count >= entries:
                    break
            d += 1
        total = tm.stats().entries
    return time.perf_counter() - start, total


def edit(line: str, rng: random.Random) -> str:
    words = line.split()
    kind = rng.randrange(3)
    i = rng.randrange(len(words) - 1)
    if kind == 0:
        del words[i]
    elif kind == 1:
        words[i], words[i + 1] = words[i + 1], words[i]
    else:
        words[i] = words[i] + "\u064e"  # a fatha: normalisation removes it, so this query is an exact match
        del words[i + 1]
    return " ".join(words)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--min", type=float, default=75.0)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"tm-{args.entries}.sqlite"
    if args.rebuild or not path.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        seconds, total = build(path, args.entries)
        print(f"built {total} entries in {seconds:.1f} s")
    rng = random.Random(12)
    un = [line for line in read(CORPORA["un"][0]) if len(line.split()) >= 8]
    queries = [(line, edit(line, rng)) for line in rng.sample(un, args.queries)]
    with TranslationMemory.open(path, create=False) as tm:
        stats = tm.stats()
        tm.fuzzy(queries[0][1], "en")  # warm the page cache
        times, first = [], 0
        for original, query in queries:
            start = time.perf_counter()
            matches = tm.fuzzy(query, "en", min_similarity=args.min, limit=5)
            times.append((time.perf_counter() - start) * 1000)
            first += bool(matches) and matches[0].entry.source_norm == normalise_source(original)
    times.sort()
    report = [
        f"{sqlite_features()}, Python {sys.version.split()[0]}; TM of {stats.entries} entries "
        f"({stats.by_origin.get('human', 0)} human, {stats.by_origin.get('mt', 0)} mt), "
        f"{stats.file_bytes / 1e6:.0f} MB",
        f"fuzzy look-up (--min {args.min:g}, 5 best) of {len(queries)} edited UN lines: median "
        f"{statistics.median(times):.1f} ms, p95 {times[int(0.95 * len(times)) - 1]:.1f} ms, max {times[-1]:.1f} ms; "
        f"the unedited line ranked first for {first}/{len(queries)}",
    ]
    report += job_costs(path)
    for line in report:
        print(line)
    RESULTS.write_text("# Translation memory (eval/bench_tm.py)\n\n" + "".join(f"- {line}\n" for line in report)
                       + f"\nMachine: {os.cpu_count()} CPU cores shared; one process, warm page cache.\n",
                       encoding="utf-8")


def job_costs(path: Path, sentences: int = 10_000, block: int = 64) -> list[str]:
    """Store `sentences` new MT results in blocks, then look them up again in blocks, on a copy of the TM."""
    sources = [line for line in read(CORPORA["tatoeba"][0]) + read(CORPORA["un"][0]) if line]
    sources = [f"{line} ({n})" for n, line in enumerate(sources[:sentences])]  # new to the TM: all misses
    key = MtKey("bench/new-model", "", "", "beam4")
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "copy.sqlite"
        shutil.copy(path, copy)
        with TranslationMemory.open(copy) as tm:
            start = time.perf_counter()
            misses = sum(hit is None for i in range(0, len(sources), block)
                         for hit in tm.lookup(sources[i:i + block], "en", key))
            miss_s = time.perf_counter() - start
            start = time.perf_counter()
            for i in range(0, len(sources), block):
                tm.store_mt([Segment(s, "translation of " + s[:30], "en") for s in sources[i:i + block]], key)
            store_s = time.perf_counter() - start
            start = time.perf_counter()
            hits = sum(hit is not None for i in range(0, len(sources), block)
                       for hit in tm.lookup(sources[i:i + block], "en", key))
            hit_s = time.perf_counter() - start
    return [f"first run of a {len(sources)}-sentence job (all misses), TM cost: look-up {miss_s:.2f} s "
            f"({misses} misses) + storing the results {store_s:.2f} s in {-(-len(sources) // block)} transactions "
            f"of {block}: {(miss_s + store_s) / len(sources) * 1e3:.2f} ms a sentence",
            f"warm re-run of the same job: {hits}/{len(sources)} exact hits in {hit_s:.2f} s "
            f"({hit_s / len(sources) * 1e3:.3f} ms a sentence)"]


if __name__ == "__main__":
    main()
