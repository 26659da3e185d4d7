"""Which model serves which language pair, and how a translation direction is routed through them."""

from __future__ import annotations

from dataclasses import dataclass

from mt.errors import InputError

TARGETS = ("en", "zh")
PAIRS = ("ar-en", "en-zh", "ar-zh")


@dataclass(frozen=True)
class ModelInfo:
    """A known model: hub id, pair, what it is."""

    id: str
    pair: str
    description: str
    default: bool = False


REGISTRY: tuple[ModelInfo, ...] = (
    ModelInfo(
        "Helsinki-NLP/opus-mt-ar-en",
        "ar-en",
        "transformer-base, 76M parameters; FLORES-101 devtest BLEU 33.9; the default (fast)",
        default=True,
    ),
    ModelInfo(
        "Helsinki-NLP/opus-mt-tc-big-ar-en",
        "ar-en",
        "transformer-big, 239M parameters; FLORES-200 devtest BLEU 42.8; best quality, about 3x slower",
    ),
    ModelInfo(
        "Helsinki-NLP/opus-mt-en-zh",
        "en-zh",
        "transformer-base, 77.5M parameters; needs >>cmn_Hans<<; FLORES-200 spBLEU 27.9; pivot leg 2",
        default=True,
    ),
)

# target-language token for models that are multilingual on the target side (OPUS-MT convention)
TARGET_TOKENS = {"zh": ">>cmn_Hans<<"}


def default_model(pair: str) -> str:
    for info in REGISTRY:
        if info.pair == pair and info.default:
            return info.id
    raise InputError(f"no default model for {pair}; pass --model {pair}=ID_OR_DIR")


def parse_model_options(values: list[str] | None) -> dict[str, str]:
    """Turn repeated `--model PAIR=ID_OR_DIR` (or a bare `ID_OR_DIR`, the direct pair) into a mapping.

    The bare form is stored under the key "direct" and resolved once the target language is known.
    """
    models: dict[str, str] = {}
    for value in values or []:
        pair, sep, model = value.partition("=")
        if sep and pair in PAIRS:
            key = pair
        elif sep and "/" not in pair and "\\" not in pair and len(pair) <= 6:
            raise InputError(f"--model {value}: unknown pair {pair!r}; use one of {', '.join(PAIRS)}")
        else:
            key, model = "direct", value
        if not model:
            raise InputError(f"--model {value}: no model id or directory after '='")
        if key in models:
            raise InputError(f"--model given twice for {key}")
        models[key] = model
    return models


def route(target: str, models: dict[str, str]) -> list[tuple[str, str]]:
    """The legs (pair, model) that translate Arabic into `target`.

    en: ar-en. zh: a direct ar-zh model when given, otherwise the pivot ar-en then en-zh.
    """
    if target not in TARGETS:
        raise InputError(f"unknown target language {target!r}; choose one of {', '.join(TARGETS)}")
    models = dict(models)
    if "direct" in models:
        direct = models.pop("direct")
        models.setdefault(f"ar-{target}", direct)
    if target == "en":
        return [("ar-en", models.get("ar-en") or default_model("ar-en"))]
    if "ar-zh" in models:
        return [("ar-zh", models["ar-zh"])]
    return [
        ("ar-en", models.get("ar-en") or default_model("ar-en")),
        ("en-zh", models.get("en-zh") or default_model("en-zh")),
    ]
