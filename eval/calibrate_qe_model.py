"""Calibrate `mt qe --model`: fit the model score's part of the risk for one model on TICO-19 dev.

    PYTHONPATH=. python eval/calibrate_qe_model.py --model Helsinki-NLP/opus-mt-ar-en --to en --out ar-en.risk.json
    mt qe news.ar news.en --to en --model Helsinki-NLP/opus-mt-ar-en --risk-model ar-en.risk.json

The corruption suite of TICO-19 dev (the data the shipped risk model was fitted on; mt.qe.synthetic, seed 1, the
Facebook term table as glossary) is scored by the model; the model part (one logistic regression on
``model_score``, clean vs all corruptions) joins the shipped model-free parts and the threshold is re-picked to
flag 3% of the clean references. ``--lines`` limits the suite (up to 9 pairs a line, 971 lines).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mt.glossary.tico import load_tico19  # noqa: E402
from mt.qe.model_score import ModelScorer, calibrate  # noqa: E402
from mt.qe.risk import MODEL_PART  # noqa: E402

TICO = ROOT / "eval" / "data" / "tico19"


def lines(path: Path, limit: int | None) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")[:-1][:limit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="a direct ar-en or ar-zh Marian model (directory or hub id)")
    parser.add_argument("--to", choices=("en", "zh"), required=True)
    parser.add_argument("--out", type=Path, required=True, help="the calibrated risk model (JSON)")
    parser.add_argument("--lines", type=int, default=None, help="use the first N TICO-19 dev lines (default all)")
    args = parser.parse_args()
    other = "zh" if args.to == "en" else "en"
    scorer = ModelScorer.load(args.model, args.to)
    model = calibrate(
        scorer,
        lines(TICO / "tico19.dev.ar", args.lines),
        lines(TICO / f"tico19.dev.{args.to}", args.lines),
        lines(TICO / f"tico19.dev.{other}", args.lines),
        glossary=load_tico19(TICO, tables=("facebook",)),
    )
    args.out.write_text(json.dumps(model.to_json(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    part = model.parts[MODEL_PART]
    print(f"{args.out}: model part {dict(part.weights)} bias {part.bias}, threshold {model.threshold}", file=sys.stderr)


if __name__ == "__main__":
    main()
