"""The lexical table: which target words translate an Arabic word, and back, learned from parallel text.

:func:`mt.qe.training.build_table` word-aligns sentence pairs with the project's statistical aligner
(:class:`mt.alignment.StatisticalAligner`, fast_align by agreement, deterministic), counts the links between word
keys (:mod:`mt.qe.words`) and keeps, per word, the translations that carry at least ``min_share`` of its links
(at most ``top_k``). The most frequent words of each side are function words: they are neither checked for a
counterpart nor accepted as one. The same corpus gives the length statistics of the direction (mean and standard
deviation of the log ratio of non-space characters). The shipped table (mt/data/qe/) is rebuilt by
eval/build_qe_table.py.
"""

from __future__ import annotations

import gzip
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from mt.errors import InputError


@dataclass(frozen=True)
class LengthModel:
    """Mean and standard deviation of log((target chars + 1) / (source chars + 1)) for one direction."""

    mean: float
    sd: float

    def z(self, source: str, translation: str) -> float:
        """How many standard deviations the pair's length ratio lies from the mean (signed)."""
        return (log_ratio(source, translation) - self.mean) / self.sd


def log_ratio(source: str, translation: str) -> float:
    """log((non-space characters of the translation + 1) / (those of the source + 1))."""
    return math.log((len("".join(translation.split())) + 1) / (len("".join(source.split())) + 1))


@dataclass
class LexicalTable:
    """Translations per word key in both directions, function words, and the direction's length model."""

    src_lang: str
    tgt_lang: str
    forward: dict[str, frozenset[str]]  # Arabic key -> target keys
    backward: dict[str, frozenset[str]]  # target key -> Arabic keys
    src_stop: frozenset[str]
    tgt_stop: frozenset[str]
    length: LengthModel
    meta: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"src_lang": self.src_lang, "tgt_lang": self.tgt_lang, "meta": self.meta,
                "length": {"mean": self.length.mean, "sd": self.length.sd},
                "src_stop": sorted(self.src_stop), "tgt_stop": sorted(self.tgt_stop),
                "forward": {k: sorted(v) for k, v in sorted(self.forward.items())},
                "backward": {k: sorted(v) for k, v in sorted(self.backward.items())}}

    @classmethod
    def from_json(cls, data: dict) -> "LexicalTable":
        return cls(data["src_lang"], data["tgt_lang"],
                   {k: frozenset(v) for k, v in data["forward"].items()},
                   {k: frozenset(v) for k, v in data["backward"].items()},
                   frozenset(data["src_stop"]), frozenset(data["tgt_stop"]),
                   LengthModel(data["length"]["mean"], data["length"]["sd"]), data.get("meta", {}))

    def save(self, path: Path) -> None:
        """Write the table as gzipped JSON (deterministic bytes: no timestamp in the gzip header)."""
        raw = json.dumps(self.to_json(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        path.write_bytes(gzip.compress(raw.encode("utf-8"), mtime=0))

    @classmethod
    def load(cls, path: Path) -> "LexicalTable":
        try:
            return cls.from_json(json.loads(gzip.decompress(path.read_bytes())))
        except (OSError, ValueError, KeyError) as error:
            raise InputError(f"{path}: not a lexical table ({error})") from error
