"""A translation that stops mid-sentence: the source ends its sentence, the translation does not (output cut off
at a length limit, a decoder that ended early, the second half of a sentence lost). Closing quotes and brackets
are looked through on both sides; a source without final punctuation (a title, a list item) is not judged."""

from __future__ import annotations

from dataclasses import dataclass

from mt.qe.model import Detection, Flag, Pair

#: Punctuation that ends a sentence or a clause that may end one, in Arabic, Latin and Chinese use.
SENTENCE_END = frozenset(".!?؟…;:؛。！？；：．")
#: Closing quotes and brackets, looked through: ``...1998年）`` ends with the bracket after the sentence.
CLOSERS = frozenset("\"'”’»›)]}）】」』〕〉》")


def final_mark(text: str) -> str:
    """The last character of ``text`` that is no space, closing quote or bracket ('' when there is none)."""
    for char in reversed(text):
        if not char.isspace() and char not in CLOSERS:
            return char
    return ""


@dataclass
class EndingDetector:
    """``unfinished`` is 1 when the source ends with sentence-final punctuation and the translation ends with
    none."""

    features: tuple[str, ...] = ("unfinished",)

    def detect(self, pair: Pair) -> Detection:
        if not pair.translation.strip() or final_mark(pair.source) not in SENTENCE_END:
            return Detection((), {"unfinished": 0.0})
        last = final_mark(pair.translation)
        if last in SENTENCE_END:
            return Detection((), {"unfinished": 0.0})
        ending = final_mark(pair.source)
        return Detection(
            (
                Flag(
                    "omission",
                    f"the translation stops mid-sentence: the source ends with "
                    f"{ending!r}, the translation with {last!r}",
                ),
            ),
            {"unfinished": 1.0},
        )
