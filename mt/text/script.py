"""The one script detector: which writing system (Arabic, Latin, Chinese) a text is in.

It picks the BLEU tokenizer, catches a hypothesis in the wrong language (`mt evaluate`), warns when input to
`mt translate` is not Arabic, and guesses the target language of a parallel text (`mt align`). Only letters
count (digits, punctuation and marks belong to no script); a sample of the first ~200k characters is judged.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

#: the script each language of the project is written in
LANGUAGE_SCRIPT = {"ar": "arabic", "en": "latin", "zh": "cjk"}
SCRIPT_LANGUAGE = {script: lang for lang, script in LANGUAGE_SCRIPT.items()}
_NAMES = {
    "ar": "Arabic",
    "en": "English",
    "zh": "Chinese",
    "latin": "Latin-script",
    "arabic": "Arabic",
    "cjk": "Chinese",
    "other": "in another script",
}
SAMPLE_CHARS = 200_000
MIN_LETTERS = 20  # fewer letters than this are not judged


def char_script(char: str) -> str | None:
    """The script of one letter: "latin", "arabic", "cjk", "other", or None for a non-letter."""
    code = ord(char)
    if char.isascii():
        return "latin" if char.isalpha() else None
    if not char.isalpha():
        return None
    if 0x00C0 <= code <= 0x024F or 0x1E00 <= code <= 0x1EFF:
        return "latin"
    if (
        0x0600 <= code <= 0x06FF
        or 0x0750 <= code <= 0x077F
        or 0x08A0 <= code <= 0x08FF
        or 0xFB50 <= code <= 0xFDFF
        or 0xFE70 <= code <= 0xFEFF
    ):
        return "arabic"
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x3134F:
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
        """The script with the most letters; a tie goes to the first of cjk, latin, arabic, other."""
        if not self.letters:
            return None
        return max(("cjk", "latin", "arabic", "other"), key=lambda s: self.counts.get(s, 0))


def profile(lines: Iterable[str], max_chars: int = SAMPLE_CHARS) -> ScriptProfile:
    """Count letters per script in the first ~``max_chars`` characters of ``lines`` (each distinct character
    classified once: a text holds a few hundred of them)."""
    chars: Counter[str] = Counter()
    seen = 0
    for line in lines:
        chars.update(line)
        seen += len(line)
        if seen >= max_chars:
            break
    counts: Counter[str] = Counter()
    for char, count in chars.items():
        script = char_script(char)
        if script:
            counts[script] += count
    return ScriptProfile(dict(counts))


def detect_lang(lines: Iterable[str]) -> str | None:
    """Guess "en" or "zh" (a translation's language) from the script of ``lines``; None when it is neither."""
    prof = profile(lines)
    if prof.letters == 0:
        return None
    if prof.share("cjk") >= 0.3:
        return "zh"
    if prof.share("latin") >= 0.5:
        return "en"
    return None


def dominant_language(lines: Iterable[str], default: str = "en") -> str:
    """ar, en or zh: the language whose script has the most letters in ``lines``; ``default`` when none has."""
    dominant = profile(lines).dominant
    return SCRIPT_LANGUAGE.get(dominant or "", default)


def wrong_script(lines: Iterable[str], lang: str) -> str | None:
    """Describe why ``lines`` do not look like ``lang`` (e.g. "72% of its letters are Arabic, not English"),
    or None.

    A text passes when at least 30% of its letters are in the language's script; texts with fewer than
    20 letters are not judged.
    """
    return judge(profile(lines), lang)


def judge(prof: ScriptProfile, lang: str) -> str | None:
    """:func:`wrong_script` on a profile already counted."""
    expected, dominant = LANGUAGE_SCRIPT.get(lang), prof.dominant
    if expected is None or dominant is None or prof.letters < MIN_LETTERS or prof.share(expected) >= 0.3:
        return None
    return f"{prof.share(dominant):.0%} of its letters are {_NAMES.get(dominant, dominant)}, not {_NAMES[lang]}"


class ScriptWatch:
    """Judge lines against a language as they stream past (see :func:`wrong_script`), once: on the first
    ``sample_letters`` letters, or on all of them at :meth:`finish` when the text is shorter. A problem is
    handed to ``report`` (a warning, say); the lines pass through unchanged."""

    def __init__(self, lang: str, report: Callable[[str], None], sample_letters: int = 2000) -> None:
        self.lang = lang
        self.report = report
        self.sample_letters = sample_letters
        self.counts: Counter[str] = Counter()
        self.judged = False

    def watch(self, lines: Iterable[str]) -> Iterator[str]:
        for line in lines:
            if not self.judged:
                self.counts.update(profile([line]).counts)
                if sum(self.counts.values()) >= self.sample_letters:
                    self.finish()
            yield line

    def finish(self) -> None:
        """Judge what was seen, if not judged yet."""
        if self.judged:
            return
        self.judged = True
        problem = judge(ScriptProfile(dict(self.counts)), self.lang)
        if problem:
            self.report(problem)


def language_name(lang: str) -> str:
    """ "English", "Chinese", "Arabic" (or the code itself for another language)."""
    return _NAMES.get(lang, lang)
