"""The lexical table: which target words translate an Arabic word, and back, learned from parallel text.

:func:`mt.qe.training.build_table` word-aligns sentence pairs with the project's statistical aligner
(:class:`mt.alignment.StatisticalAligner`, fast_align by agreement, deterministic), counts the links between word
keys (:mod:`mt.qe.words`) and keeps, per word, the translations that carry at least ``min_share`` of its links
(at most ``top_k``). The most frequent words of each side are function words: they are neither checked for a
counterpart nor accepted as one. The same corpus gives the length statistics of the direction (mean and standard
deviation of the log ratio of the two sides' lengths, see :func:`text_length`) and each word's *chance mass*: the
share of the other side's word tokens that are among its translations, from which
:mod:`mt.qe.detectors.coverage` tells how often the word would look covered by an unrelated sentence, and the
*hit rate*: how often a checkable word is covered in the corpus's own pairs. The shipped table (mt/data/qe/) is
rebuilt by eval/build_qe_table.py.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from mt.errors import InputError


#: Length units: ``chars`` counts non-space characters; ``zh-units`` counts a Chinese text's CJK characters and
#: each run of Latin letters or digits once, punctuation not at all (a Latin name or a number in Chinese text is
#: one unit, not one per letter, which keeps the ratio's spread across domains close to that of UN text).
LENGTH_UNITS = ("chars", "zh-units")
_ACRONYM = re.compile(r"(?<![A-Za-z])[A-Za-z]*[A-Z][A-Za-z]*[A-Z][A-Za-z]*(?![A-Za-z])")
_ZH_UNIT = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[A-Za-z0-9\u00c0-\u024f]+")


def text_length(text: str, unit: str = "chars") -> int:
    """The length of ``text`` in ``unit`` (:data:`LENGTH_UNITS`)."""
    if unit == "zh-units":
        return len(_ZH_UNIT.findall(text))
    return len("".join(text.split()))


def acronyms(source: str, translation: str) -> list[str]:
    """Latin acronyms (two capitals or more: WHO, RdRp) of the translation that the source does not hold."""
    return [word for word in _ACRONYM.findall(translation) if word not in source]


@dataclass(frozen=True)
class LengthModel:
    """Mean and standard deviation of log((target length + 1) / (source length + 1)) for one direction; the
    source is measured in non-space characters, the target in ``unit``. ``per_word``: the target length per
    source word in the same corpus (0: no acronym correction)."""

    mean: float
    sd: float
    unit: str = "chars"
    per_word: float = 0.0

    def z(self, source: str, translation: str) -> float:
        """How many standard deviations the pair's length ratio lies from the mean (signed). An acronym of the
        translation that the source spells out (Arabic has no capitals: WHO for منظمة الصحة العالمية) counts
        as long as the words it stands for, one per capital, would be (``per_word`` each)."""
        extra = (
            sum(
                sum(c.isupper() for c in word) * self.per_word - text_length(word, self.unit)
                for word in acronyms(source, translation)
            )
            if self.per_word
            else 0.0
        )
        length = text_length(translation, self.unit) + max(extra, 0.0)
        return (math.log((length + 1) / (text_length(source) + 1)) - self.mean) / self.sd


def log_ratio(source: str, translation: str, unit: str = "chars") -> float:
    """log((length of the translation in ``unit`` + 1) / (non-space characters of the source + 1))."""
    return math.log((text_length(translation, unit) + 1) / (text_length(source) + 1))


@dataclass(frozen=True)
class ChanceModel:
    """Per word, the share of the other side's word tokens that are its translations (``forward`` for source
    words, ``backward`` for target words), and how often a checkable word is covered in a real pair (``hit``,
    per side). A word with mass ``q`` looks covered by an unrelated sentence of ``n`` words with probability
    ``1 - (1 - q) ** n``."""

    forward: dict[str, float]
    backward: dict[str, float]
    hit: tuple[float, float]  # source words, target words

    def to_json(self) -> dict:
        return {
            "hit": list(self.hit),
            "forward": dict(sorted(self.forward.items())),
            "backward": dict(sorted(self.backward.items())),
        }

    @classmethod
    def from_json(cls, data: dict) -> "ChanceModel":
        return cls(dict(data["forward"]), dict(data["backward"]), (float(data["hit"][0]), float(data["hit"][1])))


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
    chance: ChanceModel | None = None

    def to_json(self) -> dict:
        data = {
            "src_lang": self.src_lang,
            "tgt_lang": self.tgt_lang,
            "meta": self.meta,
            "length": {
                "mean": self.length.mean,
                "sd": self.length.sd,
                "unit": self.length.unit,
                "per_word": self.length.per_word,
            },
            "src_stop": sorted(self.src_stop),
            "tgt_stop": sorted(self.tgt_stop),
            "forward": {k: sorted(v) for k, v in sorted(self.forward.items())},
            "backward": {k: sorted(v) for k, v in sorted(self.backward.items())},
        }
        if self.chance is not None:
            data["chance"] = self.chance.to_json()
        return data

    @classmethod
    def from_json(cls, data: dict) -> "LexicalTable":
        return cls(
            data["src_lang"],
            data["tgt_lang"],
            {k: frozenset(v) for k, v in data["forward"].items()},
            {k: frozenset(v) for k, v in data["backward"].items()},
            frozenset(data["src_stop"]),
            frozenset(data["tgt_stop"]),
            LengthModel(
                data["length"]["mean"],
                data["length"]["sd"],
                data["length"].get("unit", "chars"),
                data["length"].get("per_word", 0.0),
            ),
            data.get("meta", {}),
            ChanceModel.from_json(data["chance"]) if "chance" in data else None,
        )

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
