"""Data tables shipped inside the package (so that a wheel install has them), each with its licence beside it:

- entities/wikidata_person_names_coling2018/: person-name tokens en -> ar / zh (CC0; Merhav & Ash, COLING 2018),
  used by `mt glossary suggest` and the sentence aligner's name anchors;
- entities/countries_mledoze/: 250 country names en / ar / zh (ODbL 1.0; mledoze/countries), used by the
  sentence aligner's country anchors.
"""

from pathlib import Path

ENTITIES = Path(__file__).resolve().parent / "entities"
NAMES_TABLE = ENTITIES / "wikidata_person_names_coling2018" / "pivot.en-ar-zh.name_tokens.tsv"
COUNTRIES_TABLE = ENTITIES / "countries_mledoze" / "countries.en-ar-zh.tsv"
