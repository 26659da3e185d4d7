"""Detectors that read the translation's surface: empty, left in Arabic or copied, in the wrong script."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mt.qe.model import Detection, Flag, Pair, Span

_ARABIC_RUN = re.compile(
    r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]+"
    r"(?:\s+[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]+)*"
)
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+")
_CJK_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
MAX_SPANS = 5


_SCRIPT_LETTERS = {
    "arabic": re.compile(
        r"[\u0621-\u064a\u066e-\u06d3\u06fa-\u06ff\u0750-\u077f\u08a0-\u08c9"
        r"\ufb50-\ufdff\ufe70-\ufefc]"
    ),
    "cjk": _CJK_CHAR,
    "latin": re.compile(r"[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]"),
}


def _letters(text: str) -> tuple[int, dict[str, int]]:
    """Letters per script (Arabic, CJK, Latin; the scripts of mt.text.script) and their total."""
    counts = {script: len(pattern.findall(text)) for script, pattern in _SCRIPT_LETTERS.items()}
    return sum(counts.values()), counts


def _spans(pattern: re.Pattern[str], text: str) -> tuple[Span, ...]:
    return tuple(Span("translation", m.start(), m.end()) for m in pattern.finditer(text))[:MAX_SPANS]


@dataclass
class EmptyDetector:
    """A translation with nothing in it where the source has text, or text where the source line is empty."""

    features: tuple[str, ...] = ("empty", "unsourced")

    def detect(self, pair: Pair) -> Detection:
        empty = bool(pair.source.strip()) and not pair.translation.strip()
        unsourced = not pair.source.strip() and bool(pair.translation.strip())
        flags = (Flag("empty", "the translation is empty"),) if empty else ()
        if unsourced:
            flags = (Flag("hallucination", "the source line is empty but the translation is not"),)
        return Detection(flags, {"empty": float(empty), "unsourced": float(unsourced)})


@dataclass
class UntranslatedDetector:
    """Arabic left in the translation: the whole source copied, or Arabic words not translated."""

    features: tuple[str, ...] = ("untranslated",)

    def detect(self, pair: Pair) -> Detection:
        letters, counts = _letters(pair.translation)
        share = counts.get("arabic", 0) / letters if letters else 0.0
        if not share:
            return Detection((), {"untranslated": 0.0})
        copied = " ".join(pair.source.split()) == " ".join(pair.translation.split())
        detail = "the source is copied unchanged" if copied else f"{share:.0%} of the translation's letters are Arabic"
        return Detection(
            (Flag("untranslated", detail, _spans(_ARABIC_RUN, pair.translation)),), {"untranslated": share}
        )


def _foreign_share(pair: Pair) -> tuple[float, tuple[Span, ...]]:
    """Share of the translation written in the other target script: Han in English; in Chinese, Latin
    words that the source does not hold (names and acronyms written in Latin in the source are fine)."""
    text = pair.translation
    if pair.tgt_lang == "en":
        letters, counts = _letters(text)
        return (counts.get("cjk", 0) / letters if letters else 0.0), _spans(_HAN_RUN, text)
    source_latin = {w.lower() for w in _LATIN_WORD.findall(pair.source)}
    foreign = [m for m in _LATIN_WORD.finditer(text) if m.group().lower() not in source_latin]
    han = len(_CJK_CHAR.findall(text))
    units = len(foreign) + han / 1.5  # a Chinese word is about 1.5 characters
    share = len(foreign) / units if units else 0.0
    return share, tuple(Span("translation", m.start(), m.end()) for m in foreign)[:MAX_SPANS]


@dataclass
class ScriptDetector:
    """Words in the other target language's script: Chinese characters in English, Latin words in Chinese."""

    features: tuple[str, ...] = ("script",)

    def detect(self, pair: Pair) -> Detection:
        share, spans = _foreign_share(pair)
        if not share:
            return Detection((), {"script": 0.0})
        script = "Chinese characters" if pair.tgt_lang == "en" else "Latin-script words"
        return Detection((Flag("script", f"{share:.0%} of the translation is {script}", spans),), {"script": share})
