"""Text to train the test tokenisers on: the seed article, the shipped eval data and the glossaries.

Looked up in a checkout (next to the package, or in the working directory). Only seeds/ is required; the more
of eval/data is present, the more natural the pieces. The same files always give the same lines, in order.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[2]

# files of eval/data per language, first lines taken from each
DATA_FILES = {
    "ar": [
        "flores200/flores200.dev.arb_Arab",
        "tico19/tico19.dev.ar",
        "tatoeba/tatoeba-test-v2021-08-07.ara-eng.araonly.ara",
        "un_v1.0/UNv1.0.devset.ar",
    ],
    "en": [
        "flores200/flores200.dev.eng_Latn",
        "tico19/tico19.dev.en",
        "tatoeba/tatoeba-test-v2021-08-07.ara-eng.araonly.eng",
        "un_v1.0/UNv1.0.devset.en",
    ],
    "zh": [
        "flores200/flores200.dev.zho_Hans",
        "tico19/tico19.dev.zh",
        "tatoeba/tatoeba-test-v2021-08-07.eng-zho.cmnHans.zho",
        "un_v1.0/UNv1.0.devset.zh",
    ],
}
LINES_PER_FILE = 1000
# term tables whose target forms the test models must be able to spell (glossary enforcement tests)
TERM_FILES = ["tico19/tico19.terminology.facebook.en-ar-zh.tsv", "tico19/tico19.terminology.google.en-ar-zh.tsv"]
SCRIPT = {
    "ar": re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF0-9]+"),
    "en": re.compile(r"[A-Za-z0-9][A-Za-z0-9'.\-]*"),
    "zh": re.compile(r"[\u3000-\u303F\u3400-\u9FFF\uF900-\uFAFF\uFF00-\uFFEF0-9A-Za-z]+"),
}


def _roots() -> list[Path]:
    roots = []
    if env := os.environ.get("MT_TESTING_ROOT"):
        roots.append(Path(env))
    roots += [PACKAGE_ROOT, Path.cwd()]
    return [r for r in roots if (r / "seeds").is_dir()]


def _head(path: Path, n: int) -> list[str]:
    lines = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                lines.append(line.strip())
                if len(lines) >= n:
                    break
    return lines


def training_lines(lang: str, data_dir: str | Path | None = None) -> list[str]:
    """Lines of `lang` text for SentencePiece training (raises if not even seeds/ can be found)."""
    roots = _roots()
    if not roots and data_dir is None:
        raise FileNotFoundError(
            "mt.testing needs the seeds/ folder of a Tarjama checkout: run it from the "
            "repository root or set MT_TESTING_ROOT"
        )
    lines: list[str] = []
    root = roots[0] if roots else None
    if root is not None:
        for seed in sorted((root / "seeds").glob(f"*.{lang}.txt")):
            lines += _head(seed, 10_000)
    data = Path(data_dir) if data_dir else (root / "eval" / "data" if root else None)
    term_files = sorted((root / "glossaries").glob("*.tsv")) if root else []
    term_files += [data / name for name in TERM_FILES if data is not None and (data / name).exists()]
    for term_file in term_files:
        for row in _head(term_file, 100_000):
            lines += SCRIPT[lang].findall(row) if lang != "en" else [" ".join(SCRIPT[lang].findall(row))]
    if data is not None and data.is_dir():
        for name in DATA_FILES[lang]:
            if (data / name).exists():
                lines += _head(data / name, LINES_PER_FILE)
    lines = [line for line in lines if line]
    if not lines:
        raise FileNotFoundError(f"no {lang} training text found for mt.testing")
    return lines
