"""What a converted (CTranslate2) directory records about itself: `tarjama.json`, read and written here.

A module without dependencies beyond the standard library, so that the backends (which read it) and the
converter (which writes it) share it without importing each other.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path

from mt.errors import ModelError

log = logging.getLogger(__name__)

INFO_FILE = "tarjama.json"
INFO_FORMAT = 1
DEFAULT_MAX_POSITIONS = 512
MARIAN_DEFAULT_POSITIONS = 1024  # transformers' MarianConfig default, for a config.json that does not say


@dataclass
class ConversionInfo:
    """What a converted directory records about itself (`tarjama.json`)."""

    source: str  # the model as given (hub id or directory)
    quantization: str
    max_positions: int
    source_lang: str | None = None
    target_lang: str | None = None
    pair: str | None = None  # "ar-en", "en-zh", ... when known
    target_token: str | None = None  # e.g. ">>cmn_Hans<<" for opus-mt-en-zh
    language_tokens: list[str] = field(default_factory=list)
    decoder_layers: int | None = None
    decoder_heads: int | None = None
    ctranslate2_version: str | None = None
    transformers_version: str | None = None
    format: int = INFO_FORMAT

    def write(self, directory: Path) -> None:
        (directory / INFO_FILE).write_text(
            json.dumps(asdict(self), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )


def read_info(directory: str | Path) -> ConversionInfo:
    """The `tarjama.json` of a converted directory; for a CTranslate2 directory converted by other tools, what
    can be inferred from its tokenizer files (max positions from tokenizer_config.json, else 512)."""
    directory = Path(directory)
    info_file = directory / INFO_FILE
    if info_file.exists():
        try:
            data = json.loads(info_file.read_text(encoding="utf-8"))
            known = set(ConversionInfo.__dataclass_fields__)
            return ConversionInfo(**{k: v for k, v in data.items() if k in known})
        except (ValueError, TypeError) as error:
            raise ModelError(f"{info_file}: not a valid {INFO_FILE} ({error})") from error
    tokenizer = read_json_object(directory / "tokenizer_config.json")
    positions = tokenizer.get("model_max_length")
    if not isinstance(positions, int) or not 0 < positions <= 100_000:
        positions = DEFAULT_MAX_POSITIONS
        log.warning(
            "%s has no %s: assuming %d positions (convert with `mt models convert` to record it)",
            directory,
            INFO_FILE,
            positions,
        )
    source_lang, target_lang = tokenizer.get("source_lang"), tokenizer.get("target_lang")
    return ConversionInfo(
        source=str(directory),
        quantization="unknown",
        max_positions=positions,
        source_lang=source_lang,
        target_lang=target_lang,
        pair=pair_name(source_lang, target_lang),
    )


def max_positions(directory: str | Path, kind: str) -> int:
    """The positions a model directory's backend will report, read from its metadata without loading weights:
    a CTranslate2 directory's `tarjama.json` (see :func:`read_info`), a Hugging Face directory's config.json
    ``max_position_embeddings`` (what TransformersBackend takes from the loaded config)."""
    directory = Path(directory)
    if kind == "ct2":
        return int(read_info(directory).max_positions)
    positions = read_json_object(directory / "config.json").get("max_position_embeddings", MARIAN_DEFAULT_POSITIONS)
    if not isinstance(positions, int) or positions < 2:
        raise ModelError(f"{directory}/config.json: max_position_embeddings is not a positive number")
    return positions


def read_json_object(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise ModelError(f"{path}: not valid JSON") from error
    return data if isinstance(data, dict) else {}


def pair_name(source_lang: str | None, target_lang: str | None) -> str | None:
    return f"{source_lang}-{target_lang}" if source_lang and target_lang else None
