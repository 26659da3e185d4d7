"""Benchmark: match a 10,000-concept glossary against ~1 MB of real Arabic text.

    .venv/bin/python eval/bench_glossary_match.py [--concepts 10000] [--megabytes 1.0] [--repeat 3]

Glossary: the shipped ecommerce.tsv, the TICO-19 term tables, the country table, and name concepts from the
Wikidata name-token pivot table (single tokens, then first+last pairs, until --concepts is reached). Text: the
FLORES-200 dev, TICO-19 dev and UN v1.0 devset Arabic, concatenated and repeated to --megabytes of UTF-8.
Prints build time, cold and warm matching time, throughput and the number of matches. No assertions.
"""

from __future__ import annotations

import argparse
import csv
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mt.data import COUNTRIES_TABLE, NAMES_TABLE  # noqa: E402
from mt.glossary import Glossary, make_concept  # noqa: E402
from mt.glossary.model import slug  # noqa: E402
from mt.glossary.tico import load_tico19  # noqa: E402
from mt.text.arabic import normalize_token  # noqa: E402

DATA = REPO / "eval" / "data"
PIVOT = NAMES_TABLE


def build_glossary(size: int) -> Glossary:
    """About ``size`` concepts from real term and name tables."""
    concepts = list(Glossary.load(REPO / "glossaries" / "ecommerce.tsv").concepts)
    concepts += load_tico19(DATA / "tico19").concepts
    with COUNTRIES_TABLE.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            concepts.append(
                make_concept(
                    f"country-{row['cca3'].lower()}",
                    [row["ar_common"], row["ar_official"]],
                    [row["en_common"], row["en_official"]],
                    [row["zh_common"], row["zh_official"]],
                    type="place",
                )
            )
    names = []
    with PIVOT.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row["ar_top"]) >= 3 and row["en_token"].isalpha() and row["zh_top"]:
                names.append(row)
    seen = {c.id for c in concepts}
    for row in names:
        if len(concepts) >= size // 2:
            break
        cid = f"name-{slug(row['en_token'])}"
        if cid not in seen:
            seen.add(cid)
            concepts.append(
                make_concept(cid, [row["ar_top"]], [row["en_token"].title()], [row["zh_top"]], type="person")
            )
    i = 0
    while len(concepts) < size and i + 1 < len(names):
        first, last = names[i], names[(i * 7 + 3) % len(names)]
        concepts.append(
            make_concept(
                f"person-{i}",
                [f"{first['ar_top']} {last['ar_top']}"],
                [f"{first['en_token'].title()} {last['en_token'].title()}"],
                [first["zh_top"] + "·" + last["zh_top"]],
                type="person",
            )
        )
        i += 1
    return Glossary(concepts[:size])


def build_text(megabytes: float) -> str:
    parts = [
        (DATA / "flores200" / "flores200.dev.arb_Arab").read_text(encoding="utf-8"),
        (DATA / "tico19" / "tico19.dev.ar").read_text(encoding="utf-8"),
        (DATA / "un_v1.0" / "UNv1.0.devset.ar").read_text(encoding="utf-8"),
    ]
    base = "\n".join(parts)
    target = int(megabytes * 1024 * 1024)
    text = base
    while len(text.encode("utf-8")) < target:
        text += "\n" + base
    encoded = text.encode("utf-8")[:target]
    return encoded.decode("utf-8", errors="ignore")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concepts", type=int, default=10_000)
    parser.add_argument("--megabytes", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    t0 = time.perf_counter()
    glossary = build_glossary(args.concepts)
    t1 = time.perf_counter()
    text = build_text(args.megabytes)
    variants = sum(len(c.ar) for c in glossary)
    print(f"python {platform.python_version()} on {platform.machine()}")
    print(f"glossary: {len(glossary)} concepts, {variants} Arabic variants (built in {t1 - t0:.2f} s)")
    print(
        f"text: {len(text.encode('utf-8')) / 1024 / 1024:.2f} MiB UTF-8, {len(text):,} characters, "
        f"{text.count(chr(10)) + 1:,} lines"
    )

    t2 = time.perf_counter()
    matcher = glossary.matcher("ar")
    t3 = time.perf_counter()
    print(f"matcher index: {t3 - t2:.3f} s ({len(matcher)} entries)")

    normalize_token.cache_clear()
    t4 = time.perf_counter()
    matches = glossary.match(text)
    t5 = time.perf_counter()
    print(
        f"match, cold token cache: {t5 - t4:.3f} s, {len(matches):,} matches, "
        f"{len({m.concept.id for m in matches}):,} distinct concepts"
    )
    warm = []
    for _ in range(args.repeat):
        t6 = time.perf_counter()
        again = glossary.match(text)
        warm.append(time.perf_counter() - t6)
        assert len(again) == len(matches)
    best = min(warm)
    print(
        f"match, warm (best of {args.repeat}): {best:.3f} s = "
        f"{len(text.encode('utf-8')) / 1024 / 1024 / best:.2f} MiB/s"
    )
    english = (DATA / "flores200" / "flores200.dev.eng_Latn").read_text(encoding="utf-8")
    english = english * max(1, int(args.megabytes * 1024 * 1024 / len(english.encode("utf-8"))))
    t7 = time.perf_counter()
    en_matches = glossary.match(english, lang="en")
    t8 = time.perf_counter()
    print(
        f"English side: {len(english.encode('utf-8')) / 1024 / 1024:.2f} MiB, {t8 - t7:.3f} s (incl. index), "
        f"{len(en_matches):,} matches"
    )


if __name__ == "__main__":
    main()
