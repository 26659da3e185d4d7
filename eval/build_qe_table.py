"""Rebuild the quality estimator's shipped resources (mt/data/qe/) from the parallel text in eval/data.

    PYTHONPATH=. python eval/build_qe_table.py            # both directions, a few minutes on 2 cores

1. Lexical tables: UN devset (4,000 pairs, ar-en and ar-zh) plus Tatoeba ara-eng (9,642 pairs, English only),
   word-aligned with the project's statistical aligner (fast_align by agreement, deterministic):
   mt/data/qe/table.ar-{en,zh}.json.gz. The ar-zh table is widened through English: the ar-en table composed
   with an en-zh table from UN en-zh and Tatoeba eng-zho (4,450 pairs).
2. Risk models: one logistic regression per kind of failure over the features that bear on it, fitted on the
   corruption suites (mt.qe.synthetic) built from TICO-19 dev (971 pairs, with its COVID-19 term tables as the
   glossary), which the tables never saw, and from every other line of each half of the UN devset, scored with
   tables learned from the other half; the threshold flags 3% of their clean references:
   mt/data/qe/risk.ar-{en,zh}.json.
FLORES-200 dev stays unseen for eval/bench_qe.py.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mt.data import QE, qe_risk, qe_table  # noqa: E402
from mt.glossary.tico import load_tico19  # noqa: E402
from mt.qe.estimator import QualityEstimator  # noqa: E402
from mt.qe.risk import PARTS, RiskModel  # noqa: E402
from mt.qe.synthetic import corruption_suite  # noqa: E402
from mt.qe.lexicon import LexicalTable  # noqa: E402
from mt.qe.training import build_table, compose_pivot, fit_risk, with_chance  # noqa: E402

DATA = ROOT / "eval" / "data"
#: which part(s) of the risk model learn from each corruption kind (a missing term is a rule)
PART_OF = {
    "copy": "untranslated",
    "loop": "repetition",
    "number": "number",
    "detached": "hallucination",
    "halved": ("omission", "truncation"),
    "script": "script",
    "empty": "empty",
}
CLEAN_FLAGGED = 0.03
#: (held-out UN lines, UN lines the fold's tables learn from): the two halves of the devset
UN_FOLDS = ((slice(0, 2000), slice(2000, 4000)), (slice(2000, 4000), slice(0, 2000)))


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")[:-1]


def training_pairs(lang: str, un: slice = slice(None)) -> tuple[list[str], list[str], list[str]]:
    """Source lines, target lines and the names of the corpora used (``un``: which UN devset lines)."""
    src = lines(DATA / "un_v1.0/UNv1.0.devset.ar")[un]
    tgt = lines(DATA / f"un_v1.0/UNv1.0.devset.{lang}")[un]
    corpora = [f"UN v1.0 devset ({len(src):,} pairs)"]
    if lang == "en":
        src += lines(DATA / "tatoeba/tatoeba-test-v2021-08-07.ara-eng.araonly.ara")
        tgt += lines(DATA / "tatoeba/tatoeba-test-v2021-08-07.ara-eng.araonly.eng")
        corpora.append("Tatoeba ara-eng test v2021-08-07 (9,642 pairs)")
    return src, tgt, corpora


def pivot_table(un: slice = slice(None)) -> LexicalTable:
    """en -> zh from UN (4,000 pairs) and Tatoeba eng-zho (4,450 pairs), for the ar -> en -> zh pivot."""
    tatoeba = "tatoeba/tatoeba-test-v2021-08-07.eng-zho.cmnHans"
    src = lines(DATA / "un_v1.0/UNv1.0.devset.en")[un] + lines(DATA / f"{tatoeba}.eng")
    tgt = lines(DATA / "un_v1.0/UNv1.0.devset.zh")[un] + lines(DATA / f"{tatoeba}.zho")
    return build_table(
        src,
        tgt,
        src_lang="en",
        tgt_lang="zh",
        meta={
            "corpora": [
                f"UN v1.0 devset en-zh ({len(src) - 4450:,} pairs)",
                "Tatoeba eng-zho test v2021-08-07 (4,450 pairs)",
            ]
        },
    )


def make_table(lang: str, un: slice = slice(None), english: LexicalTable | None = None) -> LexicalTable:
    """The ar-``lang`` table from the UN lines ``un`` (and Tatoeba); Chinese widened through ``english``."""
    src, tgt, corpora = training_pairs(lang, un)
    table = build_table(src, tgt, tgt_lang=lang, meta={"corpora": corpora, "script": "eval/build_qe_table.py"})
    if lang == "zh" and english is not None:  # widened through English: the ar-en table and an en-zh one
        table = with_chance(compose_pivot(table, english, pivot_table(un)), src, tgt)
    return table


def build(lang: str) -> None:
    started = time.perf_counter()
    table = make_table(lang, english=LexicalTable.load(qe_table("en")) if lang == "zh" else None)
    table.save(qe_table(lang))
    print(
        f"ar-{lang}: table of {len(table.forward)} + {len(table.backward)} words from {table.meta['pairs']} "
        f"pairs in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )


def suite_rows(estimator: QualityEstimator, cases: list) -> tuple[list[dict], list[str]]:
    return [estimator.features(case.source, case.translation)[0] for case in cases], [case.kind for case in cases]


def held_out_un(lang: str) -> tuple[list[dict], list[str]]:
    """Features and kinds of a corruption suite of UN devset pairs (every other line of each half) scored with
    tables learned without that half: the UN lines the shipped table knows, seen as new text."""
    other = "zh" if lang == "en" else "en"
    ar, tgt, alt = (lines(DATA / f"un_v1.0/UNv1.0.devset.{code}") for code in ("ar", lang, other))
    rows: list[dict] = []
    kinds: list[str] = []
    for held, train in UN_FOLDS:
        english = make_table("en", train)
        table = english if lang == "en" else make_table("zh", train, english)
        cases = list(corruption_suite(ar[held][::2], tgt[held][::2], alt[held][::2], lang, seed=1))
        estimator = QualityEstimator(lang, table=table, risk_model=RiskModel({}, 0.5))
        fold_rows, fold_kinds = suite_rows(estimator, cases)
        rows += fold_rows
        kinds += fold_kinds
    return rows, kinds


def calibrate(lang: str) -> None:
    other = "zh" if lang == "en" else "en"
    sources = lines(DATA / "tico19/tico19.dev.ar")
    glossary = load_tico19(DATA / "tico19", tables=("facebook",))
    cases = list(
        corruption_suite(
            sources,
            lines(DATA / f"tico19/tico19.dev.{lang}"),
            lines(DATA / f"tico19/tico19.dev.{other}"),
            lang,
            glossary=glossary,
            seed=1,
        )
    )
    estimator = QualityEstimator(lang, glossary=glossary, risk_model=RiskModel({}, 0.5))  # features only
    rows, kinds = suite_rows(estimator, cases)
    un_rows, un_kinds = held_out_un(lang)
    meta = {
        "fitted_on": "corruption suites (mt.qe.synthetic, seed 1) of TICO-19 dev (Facebook term table as "
        "glossary) and of UN devset lines (every other line of each half, scored with tables "
        "learned from the other half)",
        "cases": len(kinds) + len(un_kinds),
        "corrupted": sum(kind != "clean" for kind in kinds + un_kinds),
        "parts": "one logistic regression per corruption kind, clean vs that kind, both sides weighing the same",
        "threshold": f"flags {CLEAN_FLAGGED:.0%} of the fitting set's clean references",
        "script": "eval/build_qe_table.py",
    }
    model = fit_risk(rows + un_rows, kinds + un_kinds, PARTS, PART_OF, clean_flagged=CLEAN_FLAGGED, meta=meta)
    qe_risk(lang).write_text(json.dumps(model.to_json(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"ar-{lang}: risk model {model.to_json()}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lang", choices=("en", "zh"), action="append", help="direction(s); default both")
    parser.add_argument("--skip-tables", action="store_true", help="refit the risk models only")
    args = parser.parse_args()
    QE.mkdir(parents=True, exist_ok=True)
    for lang in args.lang or ["en", "zh"]:
        if not args.skip_tables:
            build(lang)
        calibrate(lang)


if __name__ == "__main__":
    main()
