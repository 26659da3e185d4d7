"""The term detector: every glossary concept found in the source needs an accepted target form."""

from __future__ import annotations

from dataclasses import dataclass

from mt.glossary import Glossary, has_target
from mt.qe.model import Detection, Flag, Pair, Span

MAX_COUNT = 3.0


@dataclass
class TermDetector:
    """Glossary concepts matched in the Arabic source whose target (preferred or alternative) is absent."""

    glossary: Glossary
    features: tuple[str, ...] = ("term",)

    def detect(self, pair: Pair) -> Detection:
        missing = []
        seen: set[str] = set()
        for match in self.glossary.match(pair.source, "ar"):
            concept = match.concept
            if concept.id in seen or not concept.targets(pair.tgt_lang):
                continue
            seen.add(concept.id)
            if not has_target(pair.translation, concept, pair.tgt_lang):
                missing.append(match)
        flags = tuple(
            Flag(
                "term",
                f"{m.text} should be translated as {m.concept.preferred(pair.tgt_lang)}",
                (Span("source", m.start, m.end),),
            )
            for m in missing
        )
        return Detection(flags, {"term": min(float(len(missing)), MAX_COUNT)})
