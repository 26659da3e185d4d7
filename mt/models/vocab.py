"""Marian vocabularies: SentencePiece segmentation plus the model's own id table.

OPUS-MT models ship `source.spm`, `target.spm` and `vocab.json` (one table shared by both sides) or, with
`separate_vocabs`, `target_vocab.json` as well. This class reproduces what transformers' MarianTokenizer does
(same pieces, same ids, same detokenised text) without its per-call overhead, and works on token strings, the
currency of both backends (CTranslate2 takes pieces, transformers takes ids).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import sentencepiece as spm

from mt.models.registry import TARGET_TOKENS

EOS = "</s>"
UNK = "<unk>"
PAD = "<pad>"
SPIECE_UNDERLINE = "\u2581"


def _load_spm(path: Path) -> spm.SentencePieceProcessor:
    processor = spm.SentencePieceProcessor()
    processor.Load(str(path))
    return processor


@dataclass
class MarianVocab:
    """Segmentation and id mapping for one Marian model."""

    source_spm: spm.SentencePieceProcessor
    target_spm: spm.SentencePieceProcessor
    source_table: dict[str, int]
    target_table: dict[str, int]
    _target_by_id: dict[int, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._target_by_id = {i: piece for piece, i in self.target_table.items()}
        for table in (self.source_table, self.target_table):
            for special in (EOS, UNK):
                if special not in table:
                    raise ValueError(f"the vocabulary has no {special} entry")
        self.language_tokens = sorted(p for p in self.source_table if p.startswith(">>") and p.endswith("<<"))

    @classmethod
    def from_dir(cls, path: str | Path) -> "MarianVocab":
        """Load from a model directory holding source.spm, target.spm and vocab.json (target_vocab.json)."""
        path = Path(path)
        source_table = json.loads((path / "vocab.json").read_text(encoding="utf-8"))
        target_file = path / "target_vocab.json"
        separate = False
        config_file = path / "tokenizer_config.json"
        if config_file.exists():
            separate = bool(json.loads(config_file.read_text(encoding="utf-8")).get("separate_vocabs", False))
        target_table = json.loads(target_file.read_text(encoding="utf-8")) if separate else source_table
        return cls(_load_spm(path / "source.spm"), _load_spm(path / "target.spm"), source_table, target_table)

    # ids of the special tokens (the same on both sides in every OPUS-MT model)
    @property
    def eos_id(self) -> int:
        return self.target_table[EOS]

    @property
    def unk_id(self) -> int:
        return self.target_table[UNK]

    @property
    def pad_id(self) -> int:
        """`<pad>`: also the decoder start token of Marian models."""
        return self.target_table.get(PAD, len(self.target_table) - 1)

    # source side
    def encode_source(self, text: str) -> list[str]:
        """Pieces of a source text; a leading `>>lang<<` token is kept whole, as MarianTokenizer does."""
        code: list[str] = []
        if text.startswith(">>") and (end := text.find("<<")) != -1:
            code, text = [text[: end + 2]], text[end + 2 :]
        return code + self.source_spm.encode(text, out_type=str)

    def source_ids(self, pieces: list[str]) -> list[int]:
        """Ids of source pieces, unknown pieces as `<unk>`, with the closing `</s>`."""
        table, unk = self.source_table, self.source_table[UNK]
        return [table.get(p, unk) for p in pieces] + [table[EOS]]

    def count_source_tokens(self, text: str) -> int:
        """How many positions the text takes in the encoder (pieces plus `</s>`)."""
        return len(self.source_spm.encode(text)) + 1

    # target side
    def encode_target(self, text: str) -> list[str]:
        return self.target_spm.encode(text, out_type=str)

    def target_ids(self, pieces: list[str]) -> list[int]:
        table, unk = self.target_table, self.target_table[UNK]
        return [table.get(p, unk) for p in pieces]

    def target_pieces(self, ids: list[int]) -> list[str]:
        """Pieces of generated ids, without `</s>` and `<pad>`."""
        skip = {self.eos_id, self.pad_id}
        return [self._target_by_id.get(i, UNK) for i in ids if i not in skip]

    def decode_target(self, pieces: list[str]) -> str:
        """Detokenise target pieces; special tokens (and `<unk>`) are dropped, as `skip_special_tokens` does."""
        kept = [p for p in pieces if p not in (EOS, PAD, UNK)]
        return self.target_spm.decode_pieces(kept).replace(SPIECE_UNDERLINE, " ").strip()


def target_prefix(vocab: MarianVocab, target_lang: str) -> list[str]:
    """The target-language token a multi-target model's sources start with (">>cmn_Hans<<"), if it has one."""
    token = TARGET_TOKENS.get(target_lang)
    return [token] if token and token in vocab.source_table else []
