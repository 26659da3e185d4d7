"""Estimate the Gale-Church length parameters for ar-en and ar-zh from the parallel data in eval/data.

Length unit: characters that are not whitespace (Chinese has no spaces, so this keeps the three languages
comparable). For every 1-1 sentence pair (FLORES-200 dev, TICO-19 dev, UN v1.0 devset, and Tatoeba where the
pair exists) with lengths l1 (Arabic) and l2 (target):

    c  = sum(l2) / sum(l1)                     (ratio of target to source characters)
    s2 = sum((l2 - c*l1)^2) / sum(l1)           (variance per source character: l2 - c*l1 ~ N(0, s2*l1))

These are the maximum-likelihood estimates of Gale & Church's model (1993), which assumes the target length
of a bead is normal with mean c*l1 and variance s2*l1. Pairs with an empty side are skipped, as are the 1% of
pairs with the largest |l2 - c*l1| / sqrt(l1) (misaligned or noisy lines that would inflate the variance).

Run:  .venv/bin/python eval/estimate_gale_church.py   (prints the values that mt/alignment/sentence/lengths.py
records; tests/test_align_sentence.py checks that they still agree).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent / "data"

SOURCES = {
    "en": [
        ("flores200/flores200.dev.arb_Arab", "flores200/flores200.dev.eng_Latn"),
        ("tico19/tico19.dev.ar", "tico19/tico19.dev.en"),
        ("un_v1.0/UNv1.0.devset.ar", "un_v1.0/UNv1.0.devset.en"),
        (
            "tatoeba/tatoeba-test-v2021-08-07.ara-eng.araonly.ara",
            "tatoeba/tatoeba-test-v2021-08-07.ara-eng.araonly.eng",
        ),
    ],
    "zh": [
        ("flores200/flores200.dev.arb_Arab", "flores200/flores200.dev.zho_Hans"),
        ("tico19/tico19.dev.ar", "tico19/tico19.dev.zh"),
        ("un_v1.0/UNv1.0.devset.ar", "un_v1.0/UNv1.0.devset.zh"),
    ],
}


def char_length(text: str) -> int:
    """Number of non-whitespace characters (the length unit of the sentence aligner)."""
    return sum(1 for ch in text if not ch.isspace())


def estimate(pairs: list[tuple[str, str]], trim: float = 0.01) -> dict[str, float]:
    """Estimate c and s2 from 1-1 pairs (see the module docstring)."""
    l1 = np.array([char_length(a) for a, _ in pairs], dtype=np.float64)
    l2 = np.array([char_length(b) for _, b in pairs], dtype=np.float64)
    keep = (l1 > 0) & (l2 > 0)
    l1, l2 = l1[keep], l2[keep]
    c = l2.sum() / l1.sum()
    z = np.abs(l2 - c * l1) / np.sqrt(l1)
    cut = np.quantile(z, 1.0 - trim)
    keep = z <= cut
    l1, l2 = l1[keep], l2[keep]
    c = l2.sum() / l1.sum()
    s2 = ((l2 - c * l1) ** 2).sum() / l1.sum()
    return {"c": round(float(c), 4), "s2": round(float(s2), 4), "pairs": int(len(l1))}


def read_pairs(tgt: str) -> list[tuple[str, str]]:
    pairs = []
    for src_name, tgt_name in SOURCES[tgt]:
        src_lines = (DATA / src_name).read_text(encoding="utf-8").splitlines()
        tgt_lines = (DATA / tgt_name).read_text(encoding="utf-8").splitlines()
        pairs.extend(zip(src_lines, tgt_lines))
    return pairs


def main() -> int:
    result = {f"ar-{tgt}": estimate(read_pairs(tgt)) for tgt in SOURCES}
    json.dump(result, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
