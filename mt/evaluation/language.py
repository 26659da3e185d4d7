"""Which language (script) a text is in: enough to pick the BLEU tokenizer and catch a wrong-language file."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable

SUPPORTED = ("en", "zh")
_NAMES = {"en": "English", "zh": "Chinese", "latin": "Latin-script", "arabic": "Arabic", "cjk": "Chinese",
          "other": "in another script"}
_EXPECTED_SCRIPT = {"en": "latin", "zh": "cjk"}
_SAMPLE_CHARS = 200_000


def char_script(char: str) -> str | None:
    """The script of one letter: "latin", "arabic", "cjk", "other", or None for a non-letter."""
    code = ord(char)
    if char.isascii():
        return "latin" if char.isalpha() else None
    if not char.isalpha():
        return None
    if 0x00C0 <= code <= 0x024F or 0x1E00 <= code <= 0x1EFF:
        return "latin"
    if (0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0x08A0 <= code <= 0x08FF
            or 0xFB50 <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFF):
        return "arabic"
    if (0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF
            or 0x20000 <= code <= 0x3134F):
        return "cjk"
    return "other"


@dataclass(frozen=True)
class ScriptProfile:
    """Letter counts per script over (a sample of) a text."""

    counts: dict[str, int]

    @property
    def letters(self) -> int:
        return sum(self.counts.values())

    def share(self, script: str) -> float:
        return self.counts.get(script, 0) / self.letters if self.letters else 0.0

    @property
    def dominant(self) -> str | None:
        return max(self.counts, key=self.counts.get) if self.letters else None


def profile(lines: Iterable[str]) -> ScriptProfile:
    """Count letters per script in the first ~200k characters of ``lines``."""
    counts: Counter[str] = Counter()
    seen = 0
    for line in lines:
        for char in line:
            script = char_script(char)
            if script:
                counts[script] += 1
        seen += len(line)
        if seen >= _SAMPLE_CHARS:
            break
    return ScriptProfile(dict(counts))


def detect_lang(lines: Iterable[str]) -> str | None:
    """Guess "en" or "zh" from the script of ``lines``; None when it is neither."""
    prof = profile(lines)
    if prof.letters == 0:
        return None
    if prof.share("cjk") >= 0.3:
        return "zh"
    if prof.share("latin") >= 0.5:
        return "en"
    return None


def wrong_script(lines: Iterable[str], lang: str) -> str | None:
    """Describe why ``lines`` do not look like ``lang`` (e.g. "72% of its letters are Arabic"), or None.

    A text passes when at least 30% of its letters are in the target language's script; texts with fewer than
    20 letters are not judged.
    """
    expected = _EXPECTED_SCRIPT.get(lang)
    prof = profile(lines)
    if expected is None or prof.letters < 20 or prof.share(expected) >= 0.3:
        return None
    dominant = prof.dominant
    return (f"{prof.share(dominant):.0%} of its letters are {_NAMES.get(dominant, dominant)}, "
            f"not {_NAMES[lang]}")


def language_name(lang: str) -> str:
    return _NAMES.get(lang, lang)
