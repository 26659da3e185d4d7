"""Shared by the engine tests (tests/test_ray*.py): tiny models that end their sentences (so a few thousand
lines translate in seconds), converted to CTranslate2 int8, and real Arabic lines from eval/data."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import DATA, REPO

GLOSSARY = REPO / "glossaries" / "ecommerce.tsv"


def ending_ct2_model(root: Path) -> Path:
    """A tiny ar-en model that emits </s> (mt.testing, ends_sentences) converted to CTranslate2 int8."""
    from mt.models.convert import convert
    from mt.testing import build_model

    hf = build_model(root / "tiny-ar-en-ends", size="tiny", pair="ar-en", seed=1, ends_sentences=True)
    return convert(str(hf), root / "tiny-ar-en-ends-ct2", quantization="int8", force=True)


def arabic_lines(count: int) -> list[str]:
    """``count`` real Arabic lines: UN devset from line 1,000, then TICO-19 dev and FLORES dev, with an empty
    line and a whitespace-only line among them (they must come back as they are)."""
    lines = (DATA / "un_v1.0" / "UNv1.0.devset.ar").read_text(encoding="utf-8").splitlines()[1000:]
    lines += (DATA / "tico19" / "tico19.dev.ar").read_text(encoding="utf-8").splitlines()
    lines += (DATA / "flores200" / "flores200.dev.arb_Arab").read_text(encoding="utf-8").splitlines()
    lines = lines[:count]
    lines[3:3] = ["", "   "]
    return lines[:count]


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path
