"""Data tables shipped inside the package (so that a wheel install has them), each with its licence beside it:

- entities/wikidata_person_names_coling2018/: person-name tokens en -> ar / zh (CC0; Merhav & Ash, COLING 2018),
  used by `mt glossary suggest` and the sentence aligner's name anchors;
- entities/countries_mledoze/: 250 country names en / ar / zh (ODbL 1.0; mledoze/countries), used by the
  sentence aligner's country anchors;
- qe/: the quality estimator's lexical tables and risk-model coefficients, learned from eval/data (see
  qe/README.md for the sources and licences), rebuilt by eval/build_qe_table.py; qe/tico19/: TICO-19 dev
  and a term table (CC0), on which `mt qe --model` calibrates the model score's weight.
"""

from pathlib import Path

ENTITIES = Path(__file__).resolve().parent / "entities"
NAMES_TABLE = ENTITIES / "wikidata_person_names_coling2018" / "pivot.en-ar-zh.name_tokens.tsv"
COUNTRIES_TABLE = ENTITIES / "countries_mledoze" / "countries.en-ar-zh.tsv"

QE = Path(__file__).resolve().parent / "qe"


def qe_table(tgt_lang: str) -> Path:
    """The shipped lexical table for ar -> ``tgt_lang`` (built by eval/build_qe_table.py; see qe/README.md)."""
    return QE / f"table.ar-{tgt_lang}.json.gz"


def qe_calibration_dir() -> Path:
    """TICO-19 dev (ar, en, zh; CC0) and its Facebook term table, on which `mt qe --model` calibrates a model."""
    return QE / "tico19"


def qe_risk(tgt_lang: str) -> Path:
    """The shipped risk-model coefficients for ar -> ``tgt_lang``."""
    return QE / f"risk.ar-{tgt_lang}.json"
