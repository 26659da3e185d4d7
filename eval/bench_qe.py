"""Measure `mt qe` on a corruption suite built from FLORES-200 dev, which neither the lexical tables nor the risk
model saw (eval/build_qe_table.py trains on UN + Tatoeba and fits on TICO-19).

    PYTHONPATH=. python eval/bench_qe.py --out eval/results/qe.md

Per language (en, zh): for each corruption kind (mt.qe.synthetic) the share flagged at the default threshold and
the ROC AUC of risk against the clean references; the share of clean references flagged; the AUC of all
corruptions against clean. The glossary is the shipped country-name table (250 countries, en/ar/zh) so that
``term`` cases exist. Then the speed of the `mt qe` command on 10,000 pairs without a model, and what `--qe`
adds to a translate run (a `wide` mt.testing model that ends its sentences, CTranslate2 int8: the opus-mt-ar-en
architecture with a 1,000-piece vocabulary, so its decoding is a little cheaper than the real model's and the
share measured is an upper bound). The speed part alone: `--speed-only` (rewrites only its section).
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval"))

from mt.data import COUNTRIES_TABLE  # noqa: E402
from mt.glossary import Glossary, make_concept  # noqa: E402
from mt.qe.detectors.ending import SENTENCE_END, final_mark  # noqa: E402
from mt.qe.estimator import QualityEstimator  # noqa: E402
from mt.qe.synthetic import CORRUPTIONS, Case, corruption_suite  # noqa: E402
from results_file import write_section  # noqa: E402

DATA = ROOT / "eval" / "data" / "flores200"
FILES = {"ar": "flores200.dev.arb_Arab", "en": "flores200.dev.eng_Latn", "zh": "flores200.dev.zho_Hans"}
GOALS = {
    "clean": 0.05,
    "copy": 0.95,
    "loop": 0.95,
    "script": 0.95,
    "empty": 0.95,
    "number": 0.90,
    "term": 0.90,
    "detached": 0.80,
    "halved": 0.80,
}
#: a control, not a goal: halved translations with the reference's final mark put back (an omission that ends
#: its sentence), so that the missing mark alone cannot carry the halved figure
MARK_KEPT = "halved, final mark kept"
SPEED_PAIRS = 10_000
TRANSLATE_LINES = 20  # FLORES dev lines translated with and without --qe
SPEED_MARKERS = ("<!-- speed: eval/bench_qe.py -->", "<!-- /speed -->")


def lines(lang: str) -> list[str]:
    return (DATA / FILES[lang]).read_text(encoding="utf-8").split("\n")[:-1]


def countries_glossary() -> Glossary:
    """The shipped country names as a glossary (common and official names; ids are ISO codes)."""
    concepts = []
    with COUNTRIES_TABLE.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            ar = [row["ar_common"], row["ar_official"]]
            if all(a.strip() for a in ar):
                concepts.append(
                    make_concept(
                        row["cca3"],
                        ar,
                        [row["en_common"], row["en_official"]],
                        [row["zh_common"], row["zh_official"]],
                        type="place",
                    )
                )
    return Glossary(concepts)


def auc(positives: list[float], negatives: list[float]) -> float:
    """ROC AUC as the Mann-Whitney statistic (ties count half)."""
    ranked = sorted([(v, 1) for v in positives] + [(v, 0) for v in negatives])
    rank_sum, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        average = (i + j + 1) / 2
        rank_sum += average * sum(1 for k in range(i, j) if ranked[k][1])
        i = j
    n_pos, n_neg = len(positives), len(negatives)
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def measure(lang: str, glossary: Glossary) -> list[tuple[str, int, float, float]]:
    """Rows (kind, cases, share flagged, AUC against clean), clean first and 'all corruptions' last."""
    other = "zh" if lang == "en" else "en"
    cases = list(corruption_suite(lines("ar"), lines(lang), lines(other), lang, glossary=glossary, seed=2))
    cases += mark_kept(cases, lines(lang))
    estimator = QualityEstimator(lang, glossary=glossary)
    by_kind: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    for case in cases:
        verdict = estimator.assess(case.source, case.translation)
        by_kind[case.kind].append((verdict.risk, bool(verdict.flags)))
    clean = [risk for risk, _ in by_kind["clean"]]
    rows = [("clean", len(clean), sum(f for _, f in by_kind["clean"]) / len(clean), float("nan"))]
    everything: list[float] = []
    for kind in CORRUPTIONS + (MARK_KEPT,):
        items = by_kind.get(kind, [])
        if items:
            risks = [risk for risk, _ in items]
            everything += risks if kind != MARK_KEPT else []
            rows.append((kind, len(items), sum(f for _, f in items) / len(items), auc(risks, clean)))
    rows.insert(-1, ("all corruptions", len(everything), float("nan"), auc(everything, clean)))
    return rows


def mark_kept(cases: list[Case], references: list[str]) -> list[Case]:
    """The halved cases with their reference's sentence-final mark put back (the MARK_KEPT control)."""
    kept = []
    for case in cases:
        mark = final_mark(references[case.index])
        if case.kind == "halved" and mark in SENTENCE_END:
            kept.append(Case(MARK_KEPT, case.index, case.source, case.translation.rstrip() + mark))
    return kept


def speed() -> tuple[float, float, str]:
    """Wall and CPU seconds of `mt qe` on 10,000 FLORES pairs (the 997 repeated), no model; the load average."""
    src, tgt = lines("ar"), lines("en")
    with tempfile.TemporaryDirectory() as tmp:
        s, t, out = Path(tmp) / "src.ar", Path(tmp) / "tgt.en", Path(tmp) / "out.jsonl"
        s.write_text("\n".join((src * 11)[:SPEED_PAIRS]) + "\n", encoding="utf-8")
        t.write_text("\n".join((tgt * 11)[:SPEED_PAIRS]) + "\n", encoding="utf-8")
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        started, cpu = time.perf_counter(), _children_cpu()
        subprocess.run(
            [sys.executable, "-m", "mt", "qe", str(s), str(t), "--to", "en", "-o", str(out)],
            check=True,
            cwd=ROOT,
            env=dict(os.environ, PYTHONPATH=str(ROOT)),
        )
        return time.perf_counter() - started, _children_cpu() - cpu, load


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def report(results: dict[str, list]) -> str:
    out = [
        f"# Quality estimation (`mt qe`), measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs (shared); "
        "command: `PYTHONPATH=. python eval/bench_qe.py --out eval/results/qe.md`.",
        "",
        "Suite: FLORES-200 dev (997 pairs; never seen by the tables or the risk fit) corrupted by "
        "mt.qe.synthetic (seed 2); glossary: the shipped country names. Flagged = non-empty flags at the "
        "default threshold; AUC = ROC AUC of risk, this kind against the clean references. Last row, a "
        "control with no goal: the halved translations with the reference's final mark put back.",
        "",
    ]
    for lang, rows in results.items():
        out += [f"## ar -> {lang}", "", "| kind | cases | flagged | goal | AUC |", "|---|---:|---:|---:|---:|"]
        for kind, n, share, area in rows:
            goal = GOALS.get(kind)
            goal_text = "" if goal is None else (f"<= {goal:.0%}" if kind == "clean" else f">= {goal:.0%}")
            share_text = "" if share != share else f"{share:.1%}"
            area_text = "" if area != area else f"{area:.3f}"
            out.append(f"| {kind} | {n} | {share_text} | {goal_text} | {area_text} |")
        out.append("")
    return "\n".join(out)


def translate_speed(repeats: int = 2) -> dict:
    """Seconds (wall and this process's CPU) to translate TRANSLATE_LINES FLORES lines with and without quality
    estimation, in one process on one model: load (and a first line) timed apart, then the runs alternated
    ``repeats`` times (fastest kept); and the CPU of the estimates alone on the same translations."""
    from mt import Translator  # noqa: PLC0415 - the quality part needs no model runtime
    from mt.models.convert import convert  # noqa: PLC0415
    from mt.qe.sentences import SentenceAssessor  # noqa: PLC0415
    from mt.testing import build_model  # noqa: PLC0415

    source = lines("ar")[:TRANSLATE_LINES]
    with tempfile.TemporaryDirectory() as tmp:
        hf = build_model(Path(tmp) / "hf", size="wide", pair="ar-en", seed=1, ends_sentences=True)
        model = str(convert(str(hf), Path(tmp) / "ct2", quantization="int8"))
        translators, load = {}, {}
        for qe in (False, True):
            started = time.perf_counter()
            translators[qe] = Translator({"ar-en": model}, qe=qe)
            translators[qe].translate(source[:1], to="en")
            load[qe] = time.perf_counter() - started
        runs: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
        outputs = {}
        for _ in range(repeats):
            for qe in (False, True):
                started, cpu = time.perf_counter(), time.process_time()
                outputs[qe] = translators[qe].translate(source, to="en")
                runs[qe].append((time.perf_counter() - started, time.process_time() - cpu))
    sentences = [sentence for line in outputs[False] for sentence in line.sentences]
    assessor = SentenceAssessor()
    assessor.estimator("en")  # resources loaded before timing, as in a translate run's first block
    cpu = time.process_time()
    for sentence in sentences:
        assessor.assess(sentence, "en")
    return {
        "load": load,
        "runs": runs,
        "qe_cpu": time.process_time() - cpu,
        "sentences": len(sentences),
        "same": [a.translation for a in outputs[False]] == [b.translation for b in outputs[True]],
        "chars": sum(len(sentence.translation) for sentence in sentences),
    }


def speed_report(timing: tuple[float, float, str], translate: dict, load_after: str) -> str:
    seconds, cpu, load = timing
    fastest = {qe: min(translate["runs"][qe]) for qe in (False, True)}  # by wall time
    runs = "; ".join(
        f"{'with' if qe else 'without'}: " + ", ".join(f"{w:.1f} s ({c:.1f} s CPU)" for w, c in translate["runs"][qe])
        for qe in (False, True)
    )
    plain_cpu = min(c for _, c in translate["runs"][False])
    return "\n".join(
        [
            f"## Speed (measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC)",
            "",
            f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs shared with other work; "
            f"command: `PYTHONPATH=. python eval/bench_qe.py --speed-only --out eval/results/qe.md`; load average "
            f"before: {load}, after: {load_after}. Wall times include waiting for a core; CPU time is what a quiet "
            "machine would take.",
            "",
            f"- `mt qe` on {SPEED_PAIRS:,} ar-en pairs (FLORES repeated), no model, whole command incl. start-up (one "
            f"process): **{seconds:.1f} s wall, {cpu:.1f} s CPU** (goal <= 30 s).",
            f"- `--qe` in a translate run: {TRANSLATE_LINES} FLORES ar lines -> en ({translate['sentences']} sentences, "
            f"{translate['chars']:,} characters of output), `Translator(qe=...)` as `mt translate --qe` runs it, "
            "mt.testing `wide` model (opus-mt-ar-en's layers, 1,000-piece vocabulary) that ends its sentences, "
            f"CTranslate2 int8, beam 4, 2 threads. Load and first line apart: {translate['load'][False]:.1f} s "
            f"without, {translate['load'][True]:.1f} s with. Runs, alternated: {runs}. Fastest: "
            f"{fastest[False][0]:.1f} s without, {fastest[True][0]:.1f} s with ({fastest[True][0] / fastest[False][0] - 1:+.1%} "
            f"wall, noisy under this load). The estimates alone on the same {translate['sentences']} sentences: "
            f"**{translate['qe_cpu']:.2f} s CPU, {translate['qe_cpu'] / plain_cpu:.1%} of the run's "
            f"{plain_cpu:.1f} s CPU** (goal <= +10%); translations identical with and without: {translate['same']}.",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="write the Markdown report here (default: stdout)")
    parser.add_argument("--no-speed", action="store_true", help="skip the timings (their section is kept)")
    parser.add_argument("--speed-only", action="store_true", help="only the timings (the other sections are kept)")
    args = parser.parse_args()
    out = args.out
    if not args.speed_only:
        glossary = countries_glossary()
        text = report({lang: measure(lang, glossary) for lang in ("en", "zh")})
        kept = out.read_text(encoding="utf-8") if out and out.exists() else ""
        if SPEED_MARKERS[0] in kept:  # the speed section stays until it is measured again
            text += (
                "\n"
                + SPEED_MARKERS[0]
                + kept.split(SPEED_MARKERS[0], 1)[1].split(SPEED_MARKERS[1], 1)[0]
                + SPEED_MARKERS[1]
            )
        if out:
            out.write_text(text + "\n", encoding="utf-8")
        print(text)
    if not args.no_speed:
        timing = speed()
        text = speed_report(timing, translate_speed(), " ".join(f"{x:.2f}" for x in os.getloadavg()))
        if out:
            write_section(out, SPEED_MARKERS, text, "# Quality estimation (`mt qe`)")
        print(text)


if __name__ == "__main__":
    main()
