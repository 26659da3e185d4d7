"""The decoding settings: one frozen value holding every setting that can change the bytes of a translation,
validated once, with one fingerprint.

    settings = DecodingSettings(beam_size=4, max_length_ratio=2.0)
    settings.fingerprint()          # 16 hex digits: part of the TM key and job checkpoints (both paths)

The pipeline (Translator), the translation memory key (Translator.memory_key), the resumable jobs, the engines
(mt.engines) and the server build their decoders from this value, so that a sentence's translation is a function
of the sentence, the model and these settings alone. ``batch_tokens`` and ``threads`` are settings but not part
of the fingerprint: batches never mix source-length buckets, so the batch budget and the thread count change how
fast a run is, not what it writes (CTranslate2 int8, checked by tests/test_batch_invariance.py; the float
transformers backend may differ in the last bits, see docs/translate.md).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass

from mt.errors import InputError

# Raise it when a change to mt.pipeline, mt.decoding or mt.glossary's enforcement can change the bytes a run
# produces, so that MT entries and checkpoints of older code are no longer reused.
# 2: per-sentence decoding limits, batches that never mix source-length buckets (batch-invariant output).
# 3: buckets of 32/64/128/256/512 source positions, every batch padded to its bucket's width (limits follow).
DECODING_VERSION = 3

GLOSSARY_MODES = ("strict", "soft", "off")
NUMBER_MODES = ("enforce", "check", "off")
BACKEND_NAMES = ("hf", "ct2")
OPTIONAL = ("max_input_tokens", "threads")  # None: the model's (half its positions) or all cores


def _integer(value: object, option: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{option} {value!r}: expected a whole number from {low} to {high}")
    if not low <= value <= high:
        raise InputError(f"{option} {value}: expected a whole number from {low} to {high}")
    return value


def _number(value: object, option: str, low: float, high: float, *, open_low: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"{option} {value!r}: expected a number")
    if not math.isfinite(value) or value > high or value < low or (open_low and value <= low):
        bound = f"above {low:g}" if open_low else f"from {low:g}"
        raise InputError(f"{option} {value!r}: expected a finite number {bound} to {high:g}")
    return float(value)


@dataclass(frozen=True)
class Bounds:
    """The documented range of a numeric setting, declared once: DecodingSettings checks it and the commands that
    decode (mt translate, mt serve) build their options from it (mt.cli.options.decoding_option).

    option: the command-line option named in errors; low, high: the range, both included unless ``above_low``
    (a finite number above low); help: the option's help, to which the range is added.
    """

    option: str
    low: int | float
    high: int | float
    help: str
    above_low: bool = False

    def describe(self) -> str:
        """The range as the help shows it: '1-64', 'above 0, at most 100'."""
        return f"above {self.low:g}, at most {self.high:g}" if self.above_low else f"{self.low:,}-{self.high:,}"


RANGES: dict[str, Bounds] = {
    "beam_size": Bounds("--beam", 1, 64, "Beam size."),
    "length_penalty": Bounds("length_penalty", 0.0, 10.0, "Length penalty."),
    "max_input_tokens": Bounds(
        "--max-input-tokens",
        4,
        65536,
        "Chunk sentences longer than this many source tokens (default: half the model's positions, 256 for OPUS-MT).",
    ),
    "max_length_ratio": Bounds(
        "--max-length-ratio",
        0.0,
        100.0,
        "Decoding limit per sentence: this many target "
        "tokens per source token (its length rounded up to a multiple of 8), plus "
        "--max-length-extra, capped by the model's positions.",
        above_low=True,
    ),
    "max_length_extra": Bounds("--max-length-extra", 0, 4096, "Target tokens added to the decoding limit."),
    "batch_tokens": Bounds("--batch-tokens", 1, 1 << 24, "Token budget per batch (sentences x length)."),
    "threads": Bounds("--threads", 1, 4096, "CPU threads (default: all cores)."),
}


@dataclass(frozen=True)
class DecodingSettings:
    """Every setting that can change the output bytes, with its documented range (checked on creation; a value
    out of range is an InputError naming the command-line option).

    beam_size: beam width, 1 to 64 (--beam; default 4, as the OPUS-MT models were tuned).
    length_penalty: CTranslate2/transformers length penalty, finite, 0 to 10 (default 1.0).
    max_input_tokens: chunk limit in source tokens, 4 to 65,536, or None: half the model's positions.
    max_length_ratio, max_length_extra: a sentence's decoding limit is ratio x its source length rounded up to
        its bucket (32, 64, 128, 256, 512 pieces, then multiples of 512: mt.decoding.batching) + extra, capped
        by the model's positions; ratio finite, above 0 and at most 100; extra 0 to 4,096.
    batch_tokens: token budget of a batch (sentences x bucket width), 1 to 16,777,216: speed only.
    glossary_mode: strict, soft or off.
    numbers: the source's digit numbers, as glossary concepts (mt.qe.number_terms): "enforce" (verified and
        placed where missing, the default), "check" (verified and reported only) or "off".
    backend: hf, ct2 or None (what the model directory holds).
    device: cpu, cuda or cuda:N.
    threads: CPU threads, 1 to 4,096, or None for all cores: speed only.
    The numeric ranges are declared once, in RANGES.
    """

    beam_size: int = 4
    length_penalty: float = 1.0
    max_input_tokens: int | None = None
    max_length_ratio: float = 2.0
    max_length_extra: int = 10
    batch_tokens: int = 4096
    glossary_mode: str = "strict"
    numbers: str = "enforce"
    backend: str | None = None
    device: str = "cpu"
    threads: int | None = None

    def __post_init__(self) -> None:
        for name, bounds in RANGES.items():
            value = getattr(self, name)
            if value is None and name in OPTIONAL:
                continue
            if isinstance(bounds.low, float):
                object.__setattr__(
                    self, name, _number(value, bounds.option, bounds.low, bounds.high, open_low=bounds.above_low)
                )
            else:
                _integer(value, bounds.option, int(bounds.low), int(bounds.high))
        if self.glossary_mode not in GLOSSARY_MODES:
            raise InputError(f"unknown glossary mode {self.glossary_mode!r}; choose strict, soft or off")
        if self.numbers not in NUMBER_MODES:
            raise InputError(f"unknown numbers mode {self.numbers!r}; choose enforce, check or off")
        if self.backend is not None and self.backend not in BACKEND_NAMES:
            raise InputError(f"unknown backend {self.backend!r}; choose hf or ct2")
        if not isinstance(self.device, str) or not (
            self.device in ("cpu", "cuda") or self.device.startswith("cuda:") and self.device[5:].isdigit()
        ):
            raise InputError(f"unknown device {self.device!r}; choose cpu, cuda or cuda:N")

    def fingerprint(self) -> str:
        """16 hex digits naming what these settings can change in the output (DECODING_VERSION included;
        batch_tokens and threads left out: they change the speed, not the bytes)."""
        fields = asdict(self)
        for speed_only in ("batch_tokens", "threads"):
            del fields[speed_only]
        fields["version"] = DECODING_VERSION
        text = json.dumps(fields, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
