"""Deterministic stand-in "MT systems" made from real reference text, for testing and demonstrating the evaluator.

There are no real MT outputs in the repository, so the evaluator's tests and the README results table score
copies of real references (FLORES-200 dev, TICO-19 dev, UN v1.0 dev, Tatoeba) to which MT-like errors were added
with a fixed seed:

- drop:       each word (English) or character (Chinese) deleted with probability ``drop``
- substitute: each unit replaced, with probability ``substitute``, by a unit drawn from the same text's vocabulary
  (a lexical error)
- swap:       each pair of neighbouring units exchanged with probability ``swap`` (a word-order error)

`python eval/evaluate/systems.py OUTDIR` writes the files the README table was computed on. Tatoeba also gives
real multiple references: Arabic sentences with two or more distinct English translations
(:func:`tatoeba_multi_reference`).
"""

from __future__ import annotations

import random
import re
import sys
from collections import defaultdict
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"
_CJK_OR_WORD = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\s\u3400-\u9fff\uf900-\ufaff]+|\s+")


def read(path: Path, limit: int | None = None) -> list[str]:
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.rstrip() for line in lines][:limit]


def _units(line: str, lang: str) -> list[str]:
    return line.split() if lang == "en" else _CJK_OR_WORD.findall(line)


def _join(units: list[str], lang: str) -> str:
    return " ".join(units) if lang == "en" else "".join(units)


def degrade(
    lines: list[str], seed: str, lang: str = "en", drop: float = 0.1, substitute: float = 0.05, swap: float = 0.05
) -> list[str]:
    """A copy of ``lines`` with MT-like errors, the same for the same arguments on every machine."""
    rng = random.Random(seed)
    vocab = sorted({u for line in lines for u in _units(line, lang) if not u.isspace()})
    out = []
    for line in lines:
        units = []
        for unit in _units(line, lang):
            if unit.isspace():
                units.append(unit)
                continue
            r = rng.random()
            if r < drop:
                continue
            units.append(rng.choice(vocab) if r < drop + substitute else unit)
        for i in range(len(units) - 1):
            if rng.random() < swap:
                units[i], units[i + 1] = units[i + 1], units[i]
        out.append(_join(units, lang).strip())
    return out


def tatoeba_multi_reference() -> tuple[list[str], list[str], list[str]]:
    """(Arabic, English reference 1, English reference 2): Tatoeba sentences with 2+ distinct translations."""
    ar = read(DATA / "tatoeba" / "tatoeba-test-v2021-08-07.ara-eng.araonly.ara")
    en = read(DATA / "tatoeba" / "tatoeba-test-v2021-08-07.ara-eng.araonly.eng")
    translations: dict[str, list[str]] = defaultdict(list)
    for a, e in zip(ar, en):
        if e not in translations[a]:
            translations[a].append(e)
    keep = [a for a, es in translations.items() if len(es) >= 2]
    return keep, [translations[a][0] for a in keep], [translations[a][1] for a in keep]


def write_demo(out: Path) -> None:
    """The files behind the README results table."""
    out.mkdir(parents=True, exist_ok=True)
    en = read(DATA / "flores200" / "flores200.dev.eng_Latn")
    zh = read(DATA / "flores200" / "flores200.dev.zho_Hans")
    files = {
        "flores.ref.en": en,
        "flores.sysA.en": degrade(en, "A", "en", drop=0.08, substitute=0.04, swap=0.04),
        "flores.sysB.en": degrade(en, "B", "en", drop=0.10, substitute=0.05, swap=0.05),
        "flores.ref.zh": zh,
        "flores.sysA.zh": degrade(zh, "A", "zh", drop=0.08, substitute=0.04, swap=0.04),
        "flores.sysB.zh": degrade(zh, "B", "zh", drop=0.10, substitute=0.05, swap=0.05),
    }
    for name, lines in files.items():
        (out / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write_demo(Path(sys.argv[1] if len(sys.argv) > 1 else "eval/cache/evaluate"))
