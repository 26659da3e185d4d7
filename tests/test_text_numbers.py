"""Issue 22: one number scanner (mt.text.numbers) serves quality estimation and sentence alignment, so that both
read a number and its magnitude word alike (before, each had its own table and alignment lacked بليون)."""

from __future__ import annotations

import pytest

from mt.alignment.sentence.anchors import sentence_anchors
from mt.qe.numbers import find_numbers
from mt.text.numbers import SCALES, scaled


@pytest.mark.parametrize("word", sorted(SCALES))
def test_qe_and_alignment_scale_every_magnitude_word_alike(word):
    lang = "zh" if word in ("万亿", "万", "亿", "千") else "en" if word.isascii() else "ar"
    text = f"١٫٥ {word}" if lang == "ar" else f"1.5{word}" if lang == "zh" else f"1.5 {word}"
    value = scaled("1.5", SCALES[word])
    assert value in find_numbers(text, lang)[0].readings
    assert f"#{value}" in sentence_anchors(text)


def test_a_billion_in_arabic_anchors_to_the_english_figure():
    """بليون (a billion, as in Levantine and older MSA texts) is the English sentence's number."""
    arabic = sentence_anchors("بلغت الميزانية 2.5 بليون دولار في عام 2019.")
    english = sentence_anchors("The budget reached 2.5 billion dollars in 2019.")
    assert {"#2500000000", "#2019"} <= arabic & english
