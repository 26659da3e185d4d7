"""Numbers as glossary concepts, so that the enforcement that guarantees terms guarantees numbers too.

Every digit number of the Arabic sources (not the soft ones: number words, ordinals, a paragraph number opening a
line) becomes a concept ``number-<value>`` whose Arabic variants are the number as written there (``000 20``,
``٣٫٥``, ``2016``) and whose targets are the value in the target's convention: English ``20,000`` (years and
other four-digit numbers from 1000 to 2100 without a comma), Chinese ``20000``; the other grouping is accepted
as an alternative. Merged with the user's glossary (:meth:`mt.glossary.Glossary.merge`) and given to a
Translator, the existing enforcer (mt.decoding.enforce) verifies each number and places a missing one where its
source aligns, and reports it beside the terms (``verified``, ``enforced``, ``missing``); ar -> zh carries it
through English like any term. A value has one concept whatever sentence it came from, and a concept matches
only where its written form stands, so a sentence's result still depends only on that sentence.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Iterable

from mt.glossary import Concept, Glossary, make_concept
from mt.qe.numbers import find_numbers

PREFIX = "number-"
YEAR_LIKE = range(1000, 2101)


def target_forms(value: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(English forms, Chinese forms) of a normalised value, preferred first."""
    number = Decimal(value)
    if number != number.to_integral_value():
        return (value,), (value,)
    integer = int(number)
    plain, grouped = str(integer), f"{integer:,}"
    if plain == grouped:
        return (plain,), (plain,)
    english = (plain, grouped) if integer in YEAR_LIKE else (grouped, plain)
    return english, (plain, grouped)


def number_concepts(sources: Iterable[str]) -> list[Concept]:
    """One concept per number value found in the Arabic ``sources`` (see the module docstring)."""
    written: dict[str, list[str]] = {}
    for source in sources:
        for number in find_numbers(source, "ar"):
            if not number.soft and number.value:
                forms = written.setdefault(number.value, [])
                if number.text not in forms:
                    forms.append(number.text)
    concepts = []
    for value, forms in sorted(written.items()):
        english, chinese = target_forms(value)
        concepts.append(make_concept(PREFIX + value, forms, english, chinese,
                                     note="a number of the source (mt.qe.number_terms)"))
    return concepts


def with_numbers(glossary: Glossary | None, sources: Iterable[str]) -> Glossary:
    """The user's glossary (if any) plus the numbers of ``sources`` as concepts."""
    numbers = Glossary(number_concepts(sources))
    return numbers if glossary is None else Glossary.merge([glossary, numbers])
