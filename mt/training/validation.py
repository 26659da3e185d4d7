"""Validation sets and their scores: in-domain (the user's) and out-of-domain (FLORES dev, against forgetting).

A model is scored the way `mt translate --model PAIR=DIR` would translate (the pipeline's
:class:`mt.pipeline.Translator` on the model directory, default decoding: beam 4) and with Tarjama's evaluator
(:func:`mt.evaluation.evaluate`: sacrebleu BLEU and chrF, tokenisation chosen from the target language).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

from mt.errors import InputError
from mt.evaluation import evaluate
from mt.memory import Segment
from mt.pipeline import Translator
from mt.text.lines import read_lines
from mt.training.sources import read_sources

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
FLORES_DIR = Path("eval") / "data" / "flores200"
FLORES_FILES = {"ar": "flores200.dev.arb_Arab", "en": "flores200.dev.eng_Latn", "zh": "flores200.dev.zho_Hans"}
DEFAULT_OOD_SIZE = 100
NO_SET = ("none", "off")


@dataclass(frozen=True)
class ValidationSet:
    """Source lines and their references, in one language pair."""

    name: str
    pairs: list[Segment]

    @property
    def sources(self) -> list[str]:
        return [p.source for p in self.pairs]

    @property
    def references(self) -> list[str]:
        return [p.target for p in self.pairs]

    def __len__(self) -> int:
        return len(self.pairs)


@dataclass(frozen=True)
class Scores:
    """Corpus BLEU and chrF of one model on one validation set."""

    bleu: float
    chrf: float

    def to_dict(self) -> dict[str, float]:
        return {k: round(v, 2) for k, v in asdict(self).items()}


def flores_dir() -> Path | None:
    """eval/data/flores200 of the checkout the package runs from (or of the working directory), if present."""
    for root in (PACKAGE_ROOT, Path.cwd()):
        if (root / FLORES_DIR / FLORES_FILES["ar"]).is_file():
            return root / FLORES_DIR
    return None


def flores_set(source_lang: str, target_lang: str, size: int = DEFAULT_OOD_SIZE) -> ValidationSet | None:
    """The first ``size`` lines of the shipped FLORES-200 dev set, or None where the checkout has no eval/data."""
    directory = flores_dir()
    if directory is None:
        return None
    sources = read_lines(directory / FLORES_FILES[source_lang])[:size]
    targets = read_lines(directory / FLORES_FILES[target_lang])[:size]
    return ValidationSet("FLORES-200 dev", [Segment(s, t, target_lang, source_lang) for s, t in zip(sources, targets)])


def file_set(paths: Sequence[Path], source_lang: str, target_lang: str, size: int | None = None) -> ValidationSet:
    """A validation set from any training-data source (a TSV, a TMX, a parallel pair of files ...)."""
    sources = read_sources(paths, source_lang, target_lang)
    pairs = [p for source in sources for p in source.pairs]
    if size is not None:
        pairs = pairs[:size]
    if not pairs:
        raise InputError(f"{' + '.join(map(str, paths))}: no validation pairs")
    return ValidationSet(" + ".join(s.name for s in sources), pairs)


def ood_set(spec: Sequence[str], source_lang: str, target_lang: str, size: int) -> ValidationSet | None:
    """The out-of-domain set of ``--ood-valid``: ["flores"] (default), ["none"], or one or two files."""
    if len(spec) == 1 and spec[0].lower() in NO_SET:
        return None
    if len(spec) == 1 and spec[0].lower() == "flores":
        return flores_set(source_lang, target_lang, size)
    return file_set([Path(p) for p in spec], source_lang, target_lang, size)


def translate_set(
    model_dir: Path, pair: str, target_lang: str, sources: Sequence[str], threads: int | None = None
) -> list[str]:
    """Translations of ``sources`` by the model in ``model_dir``, as `mt translate --model PAIR=DIR` gives them."""
    with Translator({pair: str(model_dir)}, threads=threads) as translator:
        return [line.translation for line in translator.translate(list(sources), to=target_lang)]


def score(hypotheses: Sequence[str], valid: ValidationSet, target_lang: str) -> Scores:
    """BLEU and chrF of ``hypotheses`` against the set's references (mt.evaluation, no bootstrap)."""
    result = evaluate(
        list(hypotheses),
        valid.references,
        lang=target_lang,
        metrics="bleu,chrf",
        significance="none",
        confidence=0,
        on_warning=lambda message: None,
    )
    system = result.systems[0]
    return Scores(bleu=system.scores["BLEU"].score, chrf=system.scores["chrF2"].score)


def score_model(
    model_dir: Path, pair: str, target_lang: str, valid: ValidationSet, threads: int | None = None
) -> Scores:
    """Translate the set with the model in ``model_dir`` and score it."""
    return score(translate_set(model_dir, pair, target_lang, valid.sources, threads), valid, target_lang)
