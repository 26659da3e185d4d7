"""Measure `mt qe` on a corruption suite built from FLORES-200 dev, which neither the lexical tables nor the risk
model saw (eval/build_qe_table.py trains on UN + Tatoeba and fits on TICO-19).

    PYTHONPATH=. python eval/bench_qe.py --out eval/results/qe.md

Per language (en, zh): for each corruption kind (mt.qe.synthetic) the share flagged at the default threshold and
the ROC AUC of risk against the clean references; the share of clean references flagged; the AUC of all
corruptions against clean. The glossary is the shipped country-name table (250 countries, en/ar/zh) so that
``term`` cases exist. Then the speed of the `mt qe` command on 10,000 pairs without a model.
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

from mt.data import COUNTRIES_TABLE  # noqa: E402
from mt.glossary import Glossary, make_concept  # noqa: E402
from mt.qe.estimator import QualityEstimator  # noqa: E402
from mt.qe.synthetic import CORRUPTIONS, corruption_suite  # noqa: E402

DATA = ROOT / "eval" / "data" / "flores200"
FILES = {"ar": "flores200.dev.arb_Arab", "en": "flores200.dev.eng_Latn", "zh": "flores200.dev.zho_Hans"}
GOALS = {"clean": 0.05, "copy": 0.95, "loop": 0.95, "script": 0.95, "empty": 0.95, "number": 0.90, "term": 0.90,
         "detached": 0.80, "halved": 0.80}
SPEED_PAIRS = 10_000


def lines(lang: str) -> list[str]:
    return (DATA / FILES[lang]).read_text(encoding="utf-8").split("\n")[:-1]


def countries_glossary() -> Glossary:
    """The shipped country names as a glossary (common and official names; ids are ISO codes)."""
    concepts = []
    with COUNTRIES_TABLE.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            ar = [row["ar_common"], row["ar_official"]]
            if all(a.strip() for a in ar):
                concepts.append(make_concept(row["cca3"], ar, [row["en_common"], row["en_official"]],
                                             [row["zh_common"], row["zh_official"]], type="place"))
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
    estimator = QualityEstimator(lang, glossary=glossary)
    by_kind: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    for case in cases:
        verdict = estimator.assess(case.source, case.translation)
        by_kind[case.kind].append((verdict.risk, bool(verdict.flags)))
    clean = [risk for risk, _ in by_kind["clean"]]
    rows = [("clean", len(clean), sum(f for _, f in by_kind["clean"]) / len(clean), float("nan"))]
    everything: list[float] = []
    for kind in CORRUPTIONS:
        items = by_kind.get(kind, [])
        if items:
            risks = [risk for risk, _ in items]
            everything += risks
            rows.append((kind, len(items), sum(f for _, f in items) / len(items), auc(risks, clean)))
    rows.append(("all corruptions", len(everything), float("nan"), auc(everything, clean)))
    return rows


def speed() -> tuple[float, float, str]:
    """Wall and CPU seconds of `mt qe` on 10,000 FLORES pairs (the 997 repeated), no model; the load average."""
    src, tgt = lines("ar"), lines("en")
    with tempfile.TemporaryDirectory() as tmp:
        s, t, out = Path(tmp) / "src.ar", Path(tmp) / "tgt.en", Path(tmp) / "out.jsonl"
        s.write_text("\n".join((src * 11)[:SPEED_PAIRS]) + "\n", encoding="utf-8")
        t.write_text("\n".join((tgt * 11)[:SPEED_PAIRS]) + "\n", encoding="utf-8")
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        started, cpu = time.perf_counter(), _children_cpu()
        subprocess.run([sys.executable, "-m", "mt", "qe", str(s), str(t), "--to", "en", "-o", str(out)],
                       check=True, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
        return time.perf_counter() - started, _children_cpu() - cpu, load


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def report(results: dict[str, list], timing: tuple[float, float, str] | None) -> str:
    out = [f"# Quality estimation (`mt qe`), measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
           "", f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs (shared); "
           "command: `PYTHONPATH=. python eval/bench_qe.py --out eval/results/qe.md`.", "",
           "Suite: FLORES-200 dev (997 pairs; never seen by the tables or the risk fit) corrupted by "
           "mt.qe.synthetic (seed 2); glossary: the shipped country names. Flagged = non-empty flags at the "
           "default threshold; AUC = ROC AUC of risk, this kind against the clean references.", ""]
    for lang, rows in results.items():
        out += [f"## ar -> {lang}", "", "| kind | cases | flagged | goal | AUC |", "|---|---:|---:|---:|---:|"]
        for kind, n, share, area in rows:
            goal = GOALS.get(kind)
            goal_text = "" if goal is None else (f"<= {goal:.0%}" if kind == "clean" else f">= {goal:.0%}")
            share_text = "" if share != share else f"{share:.1%}"
            area_text = "" if area != area else f"{area:.3f}"
            out.append(f"| {kind} | {n} | {share_text} | {goal_text} | {area_text} |")
        out.append("")
    if timing is not None:
        seconds, cpu, load = timing
        out += ["## Speed", "", f"`mt qe` on {SPEED_PAIRS:,} ar-en pairs (FLORES repeated), no model, whole "
                f"command incl. start-up (one process, one core): {seconds:.1f} s wall, {cpu:.1f} s CPU (goal <= "
                f"30 s); load average before: {load} on {os.cpu_count()} cores shared with other work, so the wall "
                "time includes waiting for a core and the CPU time is what a quiet machine would take.", ""]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="write the Markdown report here (default: stdout)")
    parser.add_argument("--no-speed", action="store_true", help="skip the 10,000-pair timing")
    args = parser.parse_args()
    glossary = countries_glossary()
    results = {lang: measure(lang, glossary) for lang in ("en", "zh")}
    text = report(results, None if args.no_speed else speed())
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
