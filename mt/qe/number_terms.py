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

from dataclasses import replace
from decimal import Decimal
from functools import lru_cache
from typing import Iterable

from mt.glossary import Concept, Glossary, make_concept
from mt.glossary.matcher import TermMatch
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


def is_number(concept_id: str) -> bool:
    """Whether a concept id names a number of the source (not a term of the user's glossary)."""
    return concept_id.startswith(PREFIX)


@lru_cache(maxsize=4096)
def value_concept(value: str, written: str | None = None) -> Concept:
    """The concept of a number value: Arabic variant as ``written`` (default: the value), targets by convention."""
    english, chinese = target_forms(value)
    return make_concept(
        PREFIX + value, [written or value], english, chinese, note="a number of the source (mt.qe.number_terms)"
    )


def number_concepts(sources: Iterable[str]) -> list[Concept]:
    """One concept per number value found in the Arabic ``sources`` (see the module docstring)."""
    written: dict[str, list[str]] = {}
    for source in sources:
        for number in find_numbers(source, "ar"):
            if not number.soft and number.value:
                forms = written.setdefault(number.value, [])
                if number.text not in forms:
                    forms.append(number.text)
    return [replace(value_concept(value), ar=tuple(forms)) for value, forms in sorted(written.items())]


def with_numbers(glossary: Glossary | None, sources: Iterable[str]) -> Glossary:
    """The user's glossary (if any) plus the numbers of ``sources`` as concepts."""
    numbers = Glossary(number_concepts(sources))
    return numbers if glossary is None else Glossary.merge([glossary, numbers])


def sentence_numbers(text: str) -> list[TermMatch]:
    """The digit numbers of one Arabic text as term matches (soft ones left out), each of its value's concept."""
    return [
        TermMatch(n.start, n.end, n.text, value_concept(n.value, n.text), "ar", n.text)
        for n in find_numbers(text, "ar")
        if not n.soft and n.value
    ]


class NumberGlossary:
    """A glossary (or none) plus the numbers of whatever Arabic text it matches, found by the number scanner in
    that text alone (mt.qe.numbers), so a sentence's numbers never depend on the other sentences of a file.

    It answers what the enforcer asks of a glossary (:meth:`match`, :meth:`get`, ``in``), reading the user's
    glossary live (an edit made since is seen). Matching Arabic gives the user's terms and, where no term covers
    them, the numbers; matching a target language (the pivot's English) gives the user's terms only: the enforcer
    asks for a number's concept by id and matches its target forms there.
    """

    def __init__(self, glossary: Glossary | None = None) -> None:
        self.glossary = glossary

    def __contains__(self, concept_id: object) -> bool:
        return isinstance(concept_id, str) and (
            is_number(concept_id) or self.glossary is not None and concept_id in self.glossary
        )

    def get(self, concept_id: str) -> Concept:
        if is_number(concept_id) or self.glossary is None:
            return value_concept(concept_id[len(PREFIX) :])
        return self.glossary.get(concept_id)

    def match(self, text: str, lang: str = "ar") -> list[TermMatch]:
        terms = self.glossary.match(text, lang) if self.glossary is not None else []
        if lang != "ar":
            return terms
        free = [n for n in sentence_numbers(text) if not any(t.start < n.end and n.start < t.end for t in terms)]
        return sorted(terms + free, key=lambda m: (m.start, m.end))
