"""Quality estimation of translated sentences (mt translate --qe, the server's "qe": true): each
:class:`~mt.results.SentenceResult` gets its ``risk`` and ``flags`` from the model-free estimator, a function of
the sentence's source and translation alone (a segment's review note: mt.results.review_note). In documents, a
sentence holding an inline tag that could not be placed on its words (TranslatedSegment.displaced) also gets a
``tags`` flag naming the tag ids (:meth:`SentenceAssessor.flag_displaced`)."""

from __future__ import annotations

from dataclasses import replace

from mt.formats.document import Tag, TranslatedSegment
from mt.glossary import Glossary
from mt.qe.estimator import RISK_DIGITS, QualityEstimator
from mt.qe.model import Flag, Span
from mt.results import SentenceResult


class SentenceAssessor:
    """Give sentences into one target language their risk and flags (estimators built once, on first use)."""

    def __init__(self, glossary: Glossary | None = None, threshold: float | None = None) -> None:
        self.glossary = glossary
        self.threshold = threshold
        self._estimators: dict[str, QualityEstimator] = {}

    def estimator(self, to: str) -> QualityEstimator:
        if to not in self._estimators:
            self._estimators[to] = QualityEstimator(to, glossary=self.glossary, threshold=self.threshold)
        return self._estimators[to]

    def assess(self, sentence: SentenceResult, to: str) -> SentenceResult:
        """The sentence with its risk (4 decimals) and flags."""
        verdict = self.estimator(to).assess(sentence.source, sentence.translation)
        return replace(
            sentence, risk=round(verdict.risk, RISK_DIGITS), flags=[flag.to_json() for flag in verdict.flags]
        )

    def flag_displaced(self, translated: TranslatedSegment, to: str) -> TranslatedSegment:
        """The segment with a ``tags`` flag on each sentence whose source holds a displaced tag (ids named, the
        tag's source span where it covers text), that sentence's risk raised to at least the threshold: a tag
        off its words is a rule broken, like a missing term. Unchanged without displaced tags."""
        if not translated.displaced or not translated.sentences:
            return translated
        starts = _sentence_starts(translated.segment.text, translated.sentences)
        owned: dict[int, list[Tag]] = {}
        for tag_id in translated.displaced:
            tag = translated.segment.tags[[t.id for t in translated.segment.tags].index(tag_id)]
            owner = max([k for k, start in enumerate(starts) if start <= tag.start] or [0])
            owned.setdefault(owner, []).append(tag)
        threshold = self.estimator(to).threshold  # on the reported risk's grid (mt.qe.estimator.RISK_DIGITS)
        sentences = list(translated.sentences)
        for k, tags in owned.items():
            sentence = sentences[k]
            flag = _tags_flag(tags, starts[k], len(sentence.source))
            sentences[k] = replace(
                sentence, risk=max(sentence.risk or 0.0, threshold), flags=[*sentence.flags, flag.to_json()]
            )
        return replace(translated, sentences=sentences)


def _sentence_starts(text: str, sentences: list[SentenceResult]) -> list[int]:
    """Where each sentence's source starts in its segment's text (in order; a sentence not found there starts
    where the previous one ended)."""
    starts, cursor = [], 0
    for sentence in sentences:
        found = text.find(sentence.source, cursor)
        start = cursor if found < 0 else found
        starts.append(start)
        cursor = start + len(sentence.source)
    return starts


def _tags_flag(tags: list[Tag], start: int, length: int) -> Flag:
    """The ``tags`` flag of one sentence: the ids, and the source text each paired tag covers in it."""
    ids = ", ".join(tag.id for tag in tags)
    spans = tuple(
        Span("source", max(tag.start - start, 0), min(tag.end - start, length))
        for tag in tags
        if tag.paired and min(tag.end - start, length) > max(tag.start - start, 0)
    )
    plural = "s" if len(tags) > 1 else ""
    return Flag(
        "tags",
        f"tag{plural} {ids} could not be placed on {'their' if plural else 'its'} words "
        "(put at the nearest valid point)",
        spans,
    )
