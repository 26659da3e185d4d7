"""Glossary benchmark: term presence and the cost of enforcement on TICO-19 dev, measured side by side.

    python eval/bench_glossary.py [--sentences 200] [--new-tokens 32] [--beam 4] [--backends hf,ct2]

The opus-mt-ar-en-sized model (random weights, the real architecture; built and converted once by
eval/bench.py's cache) translates TICO-19 dev Arabic with the TICO-19 term tables as the glossary, with the
glossary off, in soft mode (find and verify only: the presence a plain model gets) and in strict mode. Every
sentence decodes a fixed number of steps (--new-tokens), so the slow-down is the cost of enforcement itself.

Random weights never produce a term by themselves, so every matched term needs a repair here: this is the
worst case. A real model produces many terms unaided (WMT 2023: 26-50% of terms without terminology support)
and those sentences cost nothing extra.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "eval"))
TICO = REPO / "eval" / "data" / "tico19"


def run(model: str, backend: str, lines: list[str], glossary, mode: str, args) -> tuple[float, int, int]:
    from mt.pipeline import Translator

    translator = Translator(
        model,
        beam_size=args.beam,
        glossary=glossary,
        glossary_mode=mode,
        max_length_ratio=1e-6,
        max_length_extra=args.new_tokens + (1 if backend == "ct2" else 0),
        backend=backend,
        threads=args.threads,
    )
    translator.legs("en")
    translator.translate(lines[:2], to="en")  # warm-up
    translator.stats.terms_found = translator.stats.terms_present = 0
    start = time.perf_counter()
    translator.translate(lines, to="en")
    return time.perf_counter() - start, translator.stats.terms_found, translator.stats.terms_present


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sentences", type=int, default=200, help="TICO-19 dev sentences (default 200)")
    parser.add_argument("--new-tokens", type=int, default=32, help="decoding steps per sentence (default 32)")
    parser.add_argument("--beam", type=int, default=4, help="beam size (default 4)")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads (default: all)")
    parser.add_argument("--backends", default="hf,ct2", help="comma-separated: hf, ct2 (default both)")
    args = parser.parse_args(argv)

    from bench import model_dirs

    from mt.glossary.tico import load_tico19

    dirs = model_dirs()
    glossary = load_tico19(TICO)
    lines = (TICO / "tico19.dev.ar").read_text(encoding="utf-8").splitlines()[: args.sentences]
    rows = []
    for backend in args.backends.split(","):
        model = str(dirs["hf"] if backend == "hf" else dirs["int8"])
        off, _, _ = run(model, backend, lines, None, "off", args)
        soft, found, present_soft = run(model, backend, lines, glossary, "soft", args)
        strict, found_strict, present = run(model, backend, lines, glossary, "strict", args)
        rows.append(
            (
                backend,
                len(lines),
                found,
                present_soft / max(found, 1),
                present / max(found_strict, 1),
                off,
                soft,
                strict,
            )
        )
    print(
        f"TICO-19 dev, {len(lines)} sentences, {len(glossary)} TICO-19 concepts, beam {args.beam}, "
        f"{args.new_tokens} decoding steps per sentence, opus-mt-ar-en-sized model with random weights\n"
    )
    print(
        "| backend | terms found | present, soft | present, strict | time off (s) | soft (s) | strict (s) | "
        "strict / off |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for backend, _n, found, soft_rate, strict_rate, off, soft, strict in rows:
        print(
            f"| {backend} | {found} | {soft_rate:.1%} | {strict_rate:.1%} | {off:.1f} | {soft:.1f} | {strict:.1f} | "
            f"{strict / off:.2f}x |"
        )


if __name__ == "__main__":
    main()
