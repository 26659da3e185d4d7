"""The models that translate Arabic into a language, and what each leg enforces.

:class:`Router` finds (once) the route's models (mt.models.registry.route: direct, or ar -> en -> zh through
English), checks them without loading weights, loads their legs on demand, names them (model id and revision)
and gives the run's translation-memory key. :class:`TermPolicy` holds the glossary and the number setting: one
enforcer per leg, and the terms of a sentence taken from a memory or a job record. :func:`decode_units` sends
sentence units through each leg, the pivot's second leg translating the first one's English.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Callable, Sequence

from mt.backends.loading import BACKENDS, load_backend
from mt.decoding import Enforcer, Leg, Steps, Unit, UnitTranslation
from mt.decoding.leg import input_limit, target_prefix
from mt.glossary.glossary import Glossary
from mt.glossary.matcher import TermMatch
from mt.glossary.model import Concept
from mt.glossary.verify import concept_spans
from mt.memory import MtKey, fingerprint, glossary_fingerprint
from mt.models.loading import ModelPlan, plan_model, resolve
from mt.models.registry import route
from mt.models.revision import model_revision
from mt.models.vocab import MarianVocab
from mt.qe.number_terms import NumberGlossary, is_number
from mt.results import SentenceResult, TermResult
from mt.settings import DecodingSettings
from mt.text.chunking import chunk


def model_identity(model: str, path: Path | None = None) -> tuple[str, str]:
    """(model id, revision) of a model as given: a hub id stays itself, a directory is named by its last part;
    the revision is :func:`model_revision` of the directory the model resolves to (``path``, when known)."""
    if path is None:
        path, _ = resolve(model)
    expanded = Path(model).expanduser()
    name = expanded.resolve().name if expanded.exists() else model
    return name, model_revision(path)


def sentence_result(
    source: str,
    translation: str,
    score: float | None,
    terms: list[TermResult],
    intermediate: str | None = None,
    chunked: bool = False,
    complete: bool = True,
    origin: str | None = None,
    decoded: list | None = None,
) -> SentenceResult:
    """A SentenceResult with the enforcer's results split: the glossary's terms, and the source's numbers."""
    return SentenceResult(
        source,
        translation,
        score,
        [t for t in terms if not is_number(t.concept_id)],
        intermediate,
        chunked,
        complete,
        origin,
        decoded,
        numbers=[t for t in terms if is_number(t.concept_id)],
    )


def _pair(plan: ModelPlan) -> str:
    """The pair a routed model is planned for (the router plans every leg with its pair)."""
    if plan.pair is None:
        raise ValueError(f"{plan.model}: planned without a language pair")
    return plan.pair


class Router:
    """The models of each route into a target language: plans (checked once), legs (loaded once), identities and
    source token counters. Translators that share models share one Router (its caches are not locked: one
    thread at a time loads)."""

    def __init__(self, models: dict[str, str], settings: DecodingSettings) -> None:
        self.models = models
        self.settings = settings
        self._legs: dict[tuple[str, str], Leg] = {}
        self._plans: dict[tuple[str, str], ModelPlan] = {}
        self._counters: dict[tuple[str, str], Callable[[str], int]] = {}
        self._identities: dict[str, tuple[str, str]] = {}

    def plans(self, to: str) -> list[ModelPlan]:
        """Find and check (once) the models that translate Arabic into `to`, without loading their weights: a
        missing model, a wrong pair or backend fails here (mt.models.loading.plan_model)."""
        plans = []
        for pair, model in route(to, self.models):
            if (pair, model) not in self._plans:
                self._plans[pair, model] = plan_model(model, self.settings.backend, pair)
            plans.append(self._plans[pair, model])
        return plans

    def legs(self, to: str) -> list[Leg]:
        """Load (once) and return the legs that translate Arabic into `to`."""
        legs = []
        for pair, model in route(to, self.models):
            key = (pair, model)
            if key not in self._legs:
                backend = load_backend(
                    model,
                    backend=self.settings.backend,
                    device=self.settings.device,
                    threads=self.settings.threads,
                    pair=pair,
                )
                self._legs[key] = Leg(pair, backend, self.settings)
            legs.append(self._legs[key])
        return legs

    def identity(self, plan: ModelPlan) -> tuple[str, str]:
        """(model id, revision) of a leg's model (:func:`model_identity`, computed once)."""
        if plan.model not in self._identities:
            self._identities[plan.model] = model_identity(plan.model, plan.path)
        return self._identities[plan.model]

    def source_tokens(self, plan: ModelPlan) -> Callable[[str], int]:
        """The first leg's source token count (Leg.count_tokens) from the model's tokenizer files alone, for
        sentences taken from the memory while the model is not loaded."""
        key = (_pair(plan), plan.model)
        if key in self._legs:
            return self._legs[key].count_tokens
        if key not in self._counters:
            vocab = MarianVocab.from_dir(plan.path)
            extra = len(target_prefix(vocab, _pair(plan).partition("-")[2]))
            self._counters[key] = lambda text: vocab.count_source_tokens(text) + extra
        return self._counters[key]

    def chunked(self, text: str, to: str) -> bool:
        """Whether the first leg into `to` chunks `text` (counted from the tokenizer files when not loaded)."""
        first = self.plans(to)[0]
        return (
            len(
                chunk(text, self.source_tokens(first), input_limit(self.settings.max_input_tokens, first.max_positions))
            )
            > 1
        )

    def memory_key(self, to: str, settings: DecodingSettings, glossary: Glossary | None) -> MtKey:
        """The key MT entries into `to` are stored and reused under (and resumable jobs, engine ones too, are
        named by): the last leg's model id and revision, the fingerprint of the glossary's concepts in the
        languages the route produces, and a fingerprint of each leg (model, revision, backend, chunk limit,
        positions) with :meth:`DecodingSettings.fingerprint` (every setting that can change the output bytes,
        DECODING_VERSION included). For ar -> en -> zh, both legs are in it: the final Chinese is stored under one
        key. Read from the model directories (:meth:`plans`): no weights are loaded."""
        plans = self.plans(to)
        identities = [self.identity(plan) for plan in plans]
        glossed = glossary is not None and settings.glossary_mode != "off"
        fingerprinted = {
            "legs": [
                {
                    "pair": plan.pair,
                    "model": model_id,
                    "revision": revision,
                    "backend": BACKENDS[plan.backend].name,
                    "max_input_tokens": input_limit(settings.max_input_tokens, plan.max_positions),
                    "positions": plan.max_positions,
                }
                for plan, (model_id, revision) in zip(plans, identities)
            ],
            "settings": (settings if glossed else replace(settings, glossary_mode="off")).fingerprint(),
        }
        glossary_fp = ""
        if glossed and glossary is not None:
            glossary_fp = glossary_fingerprint(glossary, [_pair(plan).partition("-")[2] for plan in plans])
        model_id, revision = identities[-1]
        return MtKey(model_id, revision, glossary_fp, fingerprint(fingerprinted))


class TermPolicy:
    """What the enforcer finds, verifies and places: the glossary's terms (unless its mode is off) and, unless
    numbers are off, each sentence's numbers (mt.qe.number_terms.NumberGlossary); one enforcer per leg, so its
    matcher caches outlive a block."""

    def __init__(self, glossary: Glossary | None, settings: DecodingSettings) -> None:
        self.glossary = glossary
        self.settings = settings
        self._enforcers: dict[str, Enforcer | None] = {}

    def terms(self) -> Glossary | NumberGlossary | None:
        glossary = self.glossary if self.settings.glossary_mode != "off" else None
        return glossary if self.settings.numbers == "off" else NumberGlossary(glossary)

    def enforces(self, concept: Concept) -> bool:
        """Whether a missing concept is placed: a number under numbers=enforce, a term under a strict glossary."""
        if is_number(concept.id):
            return self.settings.numbers == "enforce"
        return self.settings.glossary_mode == "strict"

    def enforcer(self, leg: Leg) -> Enforcer | None:
        if leg.pair not in self._enforcers:
            terms = self.terms()
            strict = self.settings.glossary_mode == "strict" and terms is not None or self.settings.numbers == "enforce"
            self._enforcers[leg.pair] = (
                None
                if terms is None
                else Enforcer(terms, leg.source_lang, leg.target_lang, strict=strict, enforces=self.enforces)
            )
        return self._enforcers[leg.pair]

    def verified(self, source: str, translation: str, lang: str) -> list[TermResult]:
        """The terms of `source` judged on a stored `translation` (verified or missing, never placed)."""
        terms = self.terms()
        if terms is None:
            return []
        matches = [m for m in terms.match(source, lang="ar") if m.concept.targets(lang)]
        concepts = {m.concept.id: m.concept for m in matches}
        spans = concept_spans(translation, concepts, lang, Counter(m.concept.id for m in matches))
        out = []
        for match in matches:
            found = spans[match.concept.id]
            start, end = found.pop(0) if found else (0, 0)
            out.append(
                TermResult(
                    match.concept.id,
                    match.text,
                    match.start,
                    match.end,
                    translation[start:end] if end > start else None,
                    "verified" if end > start else "missing",
                    match.lang,
                    match.concept,
                    (start, end) if end > start else None,
                )
            )
        return out

    def recorded(self, records: list) -> list[TermResult]:
        """The terms of a job record (mt.memory_session.job_record), their concepts looked up again."""
        glossary = self.terms()
        return [
            TermResult(
                concept_id,
                source,
                start,
                end,
                target,
                status,
                lang,
                glossary.get(concept_id) if glossary is not None and concept_id in glossary else None,
                tuple(span) if span else None,
            )
            for concept_id, source, start, end, target, status, lang, span in records
        ]


def pivot_terms(first: list[TermResult], second: list[TermResult], translation: str, lang: str) -> list[TermResult]:
    """The Arabic terms of a pivoted sentence, judged on the final translation.

    Leg 1 enforced the English form, leg 2 the `lang` form where that English stands (as often as the Arabic
    has the term). A term is present when an accepted `lang` form is in the final text; it is "enforced" when
    the last leg had to place it.
    """
    forced = Counter(t.concept_id for t in second if t.status == "enforced")
    concepts = {t.concept_id: t.concept for t in first if isinstance(t.concept, Concept) and t.concept.targets(lang)}
    spans = concept_spans(translation, concepts, lang, Counter(t.concept_id for t in first if t.concept_id in concepts))
    out = []
    for term in first:
        if term.concept_id not in concepts:  # no `lang` form in the glossary: nothing to check in this language
            continue
        found = spans[term.concept_id]
        if found:
            start, end = found.pop(0)
            status = "enforced" if forced[term.concept_id] > 0 else "verified"
            forced[term.concept_id] -= 1
            out.append(
                TermResult(
                    term.concept_id,
                    term.source,
                    term.start,
                    term.end,
                    translation[start:end],
                    status,
                    term.lang,
                    term.concept,
                )
            )
        else:
            out.append(
                TermResult(term.concept_id, term.source, term.start, term.end, None, "missing", term.lang, term.concept)
            )
    return out


def _pivot_units(intermediates: list[str], all_terms: list[list[TermResult]], source_lang: str) -> list[Unit]:
    """The second leg's units: the first leg's English, with the concepts it holds and the spans placed in it."""
    return [
        Unit(
            text,
            concepts=Counter(t.concept_id for t in terms),
            placed=[
                TermMatch(
                    t.target_span[0],
                    t.target_span[1],
                    text[slice(*t.target_span)],
                    t.concept,
                    source_lang,
                    text[slice(*t.target_span)],
                )
                for t in terms
                if t.target_span and isinstance(t.concept, Concept)
            ],
        )
        for text, terms in zip(intermediates, all_terms)
    ]


def decode_units(units: list[Unit], legs: list[Leg], policy: TermPolicy, attention: bool) -> Steps[tuple]:
    """Decode units through each leg (the second leg of the pivot translates the first one's output); returns
    their translations, terms, (pivot) intermediate English and, with ``attention``, how each leg decoded them
    (SentenceResult.decoded: pieces and alignment head, to place inline tags), one each per unit."""
    translations: list[UnitTranslation] = yield from legs[0].unit_steps(units, policy.enforcer(legs[0]), attention)
    how: list[list] = [[(t.source_pieces, t.pieces, t.attention)] for t in translations]
    intermediates: Sequence[str | None] = [None] * len(units)
    all_terms = [t.terms for t in translations]
    for leg in legs[1:]:
        english = [t.translation for t in translations]
        intermediates = english
        next_units = _pivot_units(english, all_terms, leg.source_lang)
        next_translations = yield from leg.unit_steps(next_units, policy.enforcer(leg), attention)
        for steps, t in zip(how, next_translations):
            steps.append((t.source_pieces, t.pieces, t.attention))
        for first, second in zip(translations, next_translations):
            second.complete &= first.complete
        all_terms = [
            pivot_terms(a, b.terms, b.translation, leg.target_lang) for a, b in zip(all_terms, next_translations)
        ]
        translations = next_translations
    decoded = [steps if attention and all(s[1] is not None for s in steps) else None for steps in how]
    return translations, all_terms, intermediates, decoded
