"""Translation memory: human and MT translations in one SQLite file, exact and fuzzy look-up, import and export.

from mt.memory import MtKey, Segment, TranslationMemory
with TranslationMemory.open("work.tm") as tm:
    tm.store_mt([Segment("مرحبا", "Hello", "en")], MtKey("Helsinki-NLP/opus-mt-ar-en"))
    hits = tm.lookup(["مرحبا"], "en", MtKey("Helsinki-NLP/opus-mt-ar-en"))   # [Entry | None, ...]
    close = tm.fuzzy("مرحبا بكم", "en", min_similarity=75, limit=5)
"""

from mt.memory.model import (
    Entry,
    FuzzyMatch,
    Job,
    MtKey,
    Segment,
    Stats,
    TranslationMemoryError,
    WriteCounts,
    fingerprint,
    glossary_fingerprint,
    normalise_source,
)
from mt.memory.store import SCHEMA_VERSION, TranslationMemory, sqlite_features

__all__ = [
    "TranslationMemory",
    "Entry",
    "FuzzyMatch",
    "Job",
    "MtKey",
    "Segment",
    "Stats",
    "WriteCounts",
    "TranslationMemoryError",
    "normalise_source",
    "fingerprint",
    "glossary_fingerprint",
    "SCHEMA_VERSION",
    "sqlite_features",
]
