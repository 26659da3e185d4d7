"""What a translation memory holds: entries, the key an MT entry is reused under, and the source normalisation.

The normalised source is the glossary's normalisation (:func:`mt.text.arabic.normalize_token`, the key every
glossary term is matched by) applied to each whitespace-separated chunk of the segment, with a token-final alef
maqsura folded in every word (:func:`mt.text.arabic.fold_final_yeh`) and whitespace collapsed to one space. So two
segments that differ only in harakat, tatweel, alef forms, ta marbuta, Persian letters, Arabic-Indic digits,
invisible marks or spacing share one entry; punctuation is kept, because it changes the translation.
"""

from __future__ import annotations

import functools
import hashlib
import json
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from mt.errors import TarjamaError
from mt.glossary.model import Concept
from mt.text.arabic import TOKEN_RE, fold_final_yeh, normalize_token


class TranslationMemoryError(TarjamaError):
    """A translation memory that cannot be opened, read or written, or a file that cannot be imported into one."""


ORIGINS: tuple[str, ...] = ("human", "mt")
SOURCE_LANGS: tuple[str, ...] = ("ar", "en")  # Arabic, and English for the pivot's second leg
TARGET_LANGS: tuple[str, ...] = ("en", "zh")


def _fold_word(match) -> str:
    return fold_final_yeh(match.group())


@functools.lru_cache(maxsize=1 << 16)
def _normalise_chunk(chunk: str) -> str:
    """One whitespace-separated chunk of an Arabic source, normalised (a word repeats across a file: cached)."""
    return TOKEN_RE.sub(_fold_word, normalize_token(chunk))


def normalise_source(text: str, lang: str = "ar") -> str:
    """The key a source segment is stored and looked up by (see the module docstring).

    English sources (the pivot's en -> zh leg) are NFKC-normalised with whitespace collapsed, case kept.
    """
    if lang == "ar":
        chunks = (_normalise_chunk(chunk) for chunk in text.split())
        return " ".join(chunk for chunk in chunks if chunk)
    return " ".join(unicodedata.normalize("NFKC", text).split())


@dataclass(frozen=True)
class MtKey:
    """What an MT entry was made with: it is reused only by a run whose key is equal.

    ``glossary`` and ``decoding`` are fingerprints (:func:`fingerprint`, :func:`glossary_fingerprint`); an empty
    string means "none" (no glossary).
    """

    model_id: str
    model_revision: str = ""
    glossary: str = ""
    decoding: str = ""


@dataclass(frozen=True)
class Segment:
    """One source/target pair to store (a human translation from an import, or an MT result)."""

    source: str
    target: str
    target_lang: str
    source_lang: str = "ar"
    score: float | None = None
    complete: bool | None = None  # MT: False when the decoder stopped at the length limit; None: not recorded


@dataclass(frozen=True)
class Entry:
    """One stored translation."""

    id: int
    source: str
    source_norm: str
    target: str
    source_lang: str
    target_lang: str
    origin: str  # "human" or "mt"
    model_id: str  # '' for human entries
    model_revision: str
    glossary_fp: str
    decoding_fp: str
    score: float | None  # MT: the model's score when given; human: None
    created: str  # ISO 8601 UTC, e.g. 2026-11-30T18:31:10Z
    updated: str
    complete: bool | None = None  # MT: whether the decoder ended the sentence itself; None: not recorded

    @property
    def key(self) -> MtKey:
        return MtKey(self.model_id, self.model_revision, self.glossary_fp, self.decoding_fp)


@dataclass(frozen=True)
class Job:
    """A resumable job (one input translated into one output) that a memory is the checkpoint of: the entries it
    stores are recorded with the block that stored them until the job finishes, so that a resumed run can tell
    its own finished blocks from real reuse (see TranslationMemory.start_job)."""

    id: int
    fingerprint: str
    finished_blocks: int  # blocks stored before this start: 0 for a new job


@dataclass(frozen=True)
class FuzzyMatch:
    """An entry close to a query, with its similarity (0-100, rapidfuzz ratio on the normalised sources)."""

    similarity: float
    entry: Entry


@dataclass(frozen=True)
class WriteCounts:
    """What a store or an import did."""

    added: int = 0
    updated: int = 0  # an existing entry got a new target
    unchanged: int = 0  # the same translation was already there
    skipped: int = 0  # an empty source or target: nothing to reuse, not stored

    @property
    def total(self) -> int:
        return self.added + self.updated + self.unchanged

    def __add__(self, other: "WriteCounts") -> "WriteCounts":
        return WriteCounts(
            self.added + other.added,
            self.updated + other.updated,
            self.unchanged + other.unchanged,
            self.skipped + other.skipped,
        )


@dataclass(frozen=True)
class Stats:
    """Counts over a whole memory."""

    entries: int
    by_origin: Mapping[str, int]
    by_target_lang: Mapping[str, int]
    by_model: Mapping[str, int]  # "model_id@revision" (revision omitted when empty) -> MT entries
    distinct_sources: int
    oldest: str | None
    newest: str | None
    schema_version: int
    file_bytes: int
    extra: Mapping[str, str] = field(default_factory=dict)
    unfinished_jobs: int = 0  # resumable jobs started and not finished (killed runs)


def fingerprint(settings: Mapping[str, object]) -> str:
    """A short stable hash (16 hex digits) of JSON-serialisable settings, key order ignored."""
    text = json.dumps(settings, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def glossary_fingerprint(concepts: Iterable[Concept], langs: Iterable[str]) -> str:
    """The fingerprint of what a glossary can change in the output: every concept's Arabic variants, and its
    targets and forbidden renderings in ``langs`` (("en",) for ar -> en; ("en", "zh") for the ar -> en -> zh
    pivot), independent of concept order. '' for an empty glossary, the same as no glossary."""
    langs = tuple(langs)
    rows = sorted(
        [c.id, list(c.ar)] + [[list(c.targets(lang)), list(c.forbidden(lang))] for lang in langs] for c in concepts
    )
    return fingerprint({"concepts": rows, "langs": list(langs)}) if rows else ""
