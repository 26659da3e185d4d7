"""Numbers guaranteed like terms: the source's numbers, as glossary concepts (mt.qe.number_terms), are placed
by the existing enforcer. Random-weight tiny models never write these numbers by themselves, so every number
present in the output is there because verification and repair put it there.

Real Arabic lines with numbers: the seed article (Xinhua) and the UN v1.0 devset (UN-style ``000 100``)."""

from __future__ import annotations

import pytest

from mt.glossary import Glossary
from mt.glossary.verify import has_target
from mt.pipeline import Translator
from mt.qe.number_terms import PREFIX, number_concepts, target_forms, with_numbers
from tests.conftest import DATA, REPO, SEEDS

FAST = {"max_length_ratio": 0.5, "max_length_extra": 4}


def _lines():
    seed = (SEEDS / "article.ar.txt").read_text(encoding="utf-8").split("\n")[:2]
    un = (DATA / "un_v1.0/UNv1.0.devset.ar").read_text(encoding="utf-8").split("\n")
    return seed + [un[155], un[355], un[477]]


def test_number_concepts_use_the_targets_convention():
    concepts = {c.id: c for c in number_concepts(["يبلغ عددهم نحو 000 20 نسمة في عام ٢٠١٦ و ٣٫٥ مليون"])}
    assert set(concepts) == {"number-20000", "number-2016", "number-3.5"}
    assert concepts["number-20000"].ar == ("000 20",) and concepts["number-20000"].en[0] == "20,000"
    assert concepts["number-20000"].zh[0] == "20000" and concepts["number-2016"].en[0] == "2016"
    assert target_forms("3.5") == (("3.5",), ("3.5",))
    assert not number_concepts(["10- اتفقت اللجنة على تنظيم خمس مناقشات"])  # a paragraph number, a word


@pytest.mark.parametrize("target", ["en", "zh"])
def test_every_source_number_is_placed_by_enforcement(tiny_ar_en, tiny_en_zh, target):
    lines = _lines()
    user = Glossary.load(REPO / "glossaries" / "ecommerce.tsv")
    glossary = with_numbers(user, lines)
    translator = Translator({"ar-en": str(tiny_ar_en), "en-zh": str(tiny_en_zh)}, glossary=glossary, **FAST)
    results = translator.translate(lines, to=target)
    numbers = [t for r in results for s in r.sentences for t in s.terms if t.concept_id.startswith(PREFIX)]
    expected = [m for r in results for s in r.sentences for m in glossary.match(s.source)
                if m.concept.id.startswith(PREFIX)]
    assert len(numbers) == len(expected) >= 10  # 17 Nov 2016, 11 Nov, 483,918, 196,616, 100,000, 2,000, ...
    for line in results:
        for sentence in line.sentences:
            for term in sentence.terms:
                if term.concept_id.startswith(PREFIX):
                    assert term.status in ("verified", "enforced"), (term, sentence.translation)
                    assert has_target(sentence.translation, glossary.get(term.concept_id), target), term
    assert [t for t in numbers if t.status == "enforced"]  # the repair did the work
    assert any(t.concept_id == "number-100000" for t in numbers)  # UN "000 100"
