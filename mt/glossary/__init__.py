"""Terminology: the term base (concepts, files), source-side matching and target-side verification.

from mt.glossary import Glossary
g = Glossary.load("glossaries/ecommerce.tsv")
for m in g.match(arabic_text):
    print(m.start, m.end, m.text, m.concept.preferred("en"))
"""

from mt.glossary.glossary import Glossary, write_atomic
from mt.glossary.matcher import Matcher, TermMatch
from mt.glossary.model import TYPES, Concept, make_concept
from mt.glossary.verify import find_forbidden, find_target, has_target

__all__ = [
    "Concept",
    "TermMatch",
    "Glossary",
    "Matcher",
    "TYPES",
    "make_concept",
    "find_target",
    "find_forbidden",
    "has_target",
    "write_atomic",
]
