"""The repetition detector: a phrase repeated back to back (the decoder's loop), beyond what the source has."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from mt.qe.model import Detection, Flag, Pair, Span

MAX_N = 8  # longest repeated unit looked for, in tokens (Chinese: characters)
MAX_FEATURE = 6.0
FLAG_EXTRA = 2  # extra copies (beyond the source's own) before a flag names the loop


def longest_loop(tokens: Sequence[str]) -> tuple[int, int, int, int]:
    """The most repeated back-to-back unit: (extra copies, first token, last token + 1, unit length) of the
    run; a single token must occur three times in a row to count (``very very`` is English)."""
    best = (0, 0, 0, 1)
    size = len(tokens)
    for n in range(1, MAX_N + 1):
        start = 0
        while start + 2 * n <= size:
            copies = 1
            while tokens[start + copies * n : start + (copies + 1) * n] == tokens[start : start + n]:
                copies += 1
            extra = copies - 1 if n > 1 else copies - 2
            if extra > best[0]:
                best = (extra, start, start + copies * n, n)
            start += max(copies - 1, 1) * n if copies > 1 else 1
    return best


def _units(tokens) -> list[str]:
    return [token.text.lower() for token in tokens]


@dataclass
class RepetitionDetector:
    """Loops: a unit of up to 8 tokens repeated in a row more often than anything in the source is."""

    features: tuple[str, ...] = ("repetition",)

    def detect(self, pair: Pair) -> Detection:
        tokens = pair.translation_tokens
        extra, first, last, size = longest_loop(_units(tokens))
        source_extra = longest_loop(_units(pair.source_tokens))[0]
        value = min(max(extra - source_extra, 0), MAX_FEATURE)
        if value < FLAG_EXTRA:  # a phrase said twice is prose; the feature still counts it
            return Detection((), {"repetition": float(value)})
        span = Span("translation", tokens[first].start, tokens[last - 1].end)
        unit = " ".join(t.text for t in tokens[first : first + size])
        detail = f"{unit!r} repeated {(last - first) // size} times in a row"
        return Detection((Flag("repetition", detail, (span,)),), {"repetition": float(value)})
