"""The model score's part of the risk, calibrated once per model and cached (``mt qe --model`` without
``--risk-model``).

A model's log-probs have their own scale (a tc-big model is surer than a base one), so the weight of its score
in the risk is fitted for that model (:func:`mt.qe.model_score.calibrate`) on the corruption suite of the TICO-19
dev set shipped in mt/data/qe/tico19 (CC0), the data the shipped model-free parts were fitted on, with the
Facebook term table as the glossary. The result is cached under the model's revision (a content hash of its
directory, mt.models.revision) and the revision of what it was fitted beside (the shipped lexical table and
model-free parts, this version of mt, the calibration lines): another model, the same directory with other
weights, or an upgrade that refits the shipped parts is calibrated anew; the same weights copied elsewhere are not.

The cache directory is ``$MT_CACHE_DIR``, else ``$XDG_CACHE_HOME/tarjama``, else ``~/.cache/tarjama``; the files
are ``qe/risk.ar-<lang>.<model revision>.<resources revision>.json`` (risk models, as ``--risk-model`` reads).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from mt import __version__
from mt.data import qe_calibration_dir, qe_risk, qe_table
from mt.errors import InputError, OutputError
from mt.formats.writing import write_text_atomic
from mt.glossary.tico import load_tico19
from mt.qe.model_score import ModelScorer, calibrate
from mt.qe.risk import MODEL_FEATURE, MODEL_PART, RiskModel

#: TICO-19 dev lines the calibration uses (of 971): each gives up to 9 scored pairs (clean and 8 corruptions);
#: 200 lines take about 60 s of CPU with an opus-mt-sized model in CTranslate2 int8 (docs/qe.md).
CALIBRATION_LINES = 200
CALIBRATION_SEED = 1
CACHE_ENV = "MT_CACHE_DIR"


def cache_root() -> Path:
    """``$MT_CACHE_DIR``, else ``$XDG_CACHE_HOME/tarjama``, else ``~/.cache/tarjama``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "tarjama"


@dataclass(frozen=True)
class CalibrationSet:
    """Line-parallel TICO-19 dev sentences: Arabic sources and their English and Chinese references."""

    ar: list[str]
    en: list[str]
    zh: list[str]

    @classmethod
    def shipped(cls, lines: int = CALIBRATION_LINES) -> "CalibrationSet":
        path = qe_calibration_dir() / "tico19.dev.ar-en-zh.tsv.gz"
        text = gzip.decompress(path.read_bytes()).decode("utf-8")
        rows = list(csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE))[:lines]
        return cls([r["ar"] for r in rows], [r["en"] for r in rows], [r["zh"] for r in rows])

    def references(self, lang: str) -> tuple[list[str], list[str]]:
        """(references in ``lang``, references in the other target language: the wrong-script corruption)."""
        return (self.en, self.zh) if lang == "en" else (self.zh, self.en)


def resources_revision(tgt_lang: str, lines: int = CALIBRATION_LINES) -> str:
    """A hash of what a calibration is fitted beside: the shipped table and risk model, mt's version, the lines."""
    digest = hashlib.sha256(f"{__version__}\0{lines}\0{CALIBRATION_SEED}\0".encode("utf-8"))
    for path in (qe_table(tgt_lang), qe_risk(tgt_lang)):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:8]


def cache_path(revision: str, tgt_lang: str, root: Path | None = None, lines: int = CALIBRATION_LINES) -> Path:
    """Where the calibration of model ``revision`` into ``tgt_lang`` is cached."""
    name = f"risk.ar-{tgt_lang}.{revision}.{resources_revision(tgt_lang, lines)}.json"
    return (root or cache_root()) / "qe" / name


def _cached(path: Path, revision: str) -> RiskModel | None:
    """The risk model at ``path`` when it is a complete calibration for ``revision`` (else None: recalibrate)."""
    if not path.is_file():
        return None
    try:
        model = RiskModel.load(path)
    except InputError:
        return None
    fitted = model.meta.get("model_part", {})
    return model if MODEL_PART in model.parts and fitted.get("revision") == revision else None


def calibrated_risk_model(
    scorer: ModelScorer,
    *,
    lines: int = CALIBRATION_LINES,
    root: Path | None = None,
    say: Callable[[str], None] = lambda message: None,
) -> tuple[RiskModel, Path]:
    """The risk model with ``scorer``'s model part: from the cache when this model revision was calibrated
    before, else calibrated now on ``lines`` shipped TICO-19 dev lines and cached. ``say`` reports either."""
    if not scorer.revision:
        raise ValueError("the scorer's model revision is unknown: load it with ModelScorer.load")
    path = cache_path(scorer.revision, scorer.tgt_lang, root, lines)
    model = _cached(path, scorer.revision)
    if model is not None:
        say(f"model score calibration for this model: {path}")
        return model, path
    data = CalibrationSet.shipped(lines)
    references, others = data.references(scorer.tgt_lang)
    say(
        f"calibrating the model score's weight in the risk on {len(data.ar)} TICO-19 dev lines, about "
        f"{len(data.ar) * 9:,} scored pairs (once per model; cached in {path})"
    )
    started = time.perf_counter()
    glossary = load_tico19(qe_calibration_dir(), tables=("facebook",))
    model = calibrate(scorer, data.ar, references, others, glossary=glossary, seed=CALIBRATION_SEED)
    model.meta["model_part"]["revision"] = scorer.revision
    model.meta["model_part"]["data"] = f"TICO-19 dev, first {len(data.ar)} lines (mt/data/qe/tico19, CC0)"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, json.dumps(model.to_json(), indent=1, ensure_ascii=False) + "\n")
    except (OSError, OutputError) as error:  # a read-only home: use the calibration, say it was not kept
        say(f"the calibration could not be cached ({error}); it runs again next time (set {CACHE_ENV})")
    part = model.parts[MODEL_PART]
    say(
        f"calibrated in {time.perf_counter() - started:.0f} s: weight {part.weights[MODEL_FEATURE]:+.2f} per nat of "
        f"mean log-prob, threshold {model.threshold:.2f}"
    )
    return model, path
