"""Checks of a whole glossary (``mt glossary check``) and of a new concept (``mt glossary add``).

Errors make a glossary unusable or ambiguous (a source variant claimed by two concepts with different targets,
an empty field); warnings are worth a look (a missing language, a redundant variant, a target the model's
vocabulary cannot spell).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import sentencepiece as spm

from mt.errors import GlossaryError
from mt.glossary.matcher import _tokens
from mt.glossary.model import Concept, concept_problem

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Issue:
    """One finding: level is "error", "warning" or "info"."""

    level: str
    concept_id: str
    message: str


def source_key(variant: str) -> tuple[str, ...]:
    """The normalised token sequence a source variant matches on (variants with equal keys are the same)."""
    return tuple(t.key for t in _tokens(variant, "ar"))


def check_concept(concept: Concept) -> list[Issue]:
    """Problems inside one concept."""
    issues: list[Issue] = []
    problem = concept_problem(concept)
    if problem:
        return [Issue("error", concept.id, problem)]
    keys: dict[tuple[str, ...], str] = {}
    for variant in concept.ar:
        key = source_key(variant)
        if not key:
            issues.append(Issue("error", concept.id, f"Arabic variant {variant!r} has no word characters"))
        elif key in keys:
            # not a problem: explicit spellings help tools that do not normalise (DeepL, Google) after export
            issues.append(
                Issue(
                    "info",
                    concept.id,
                    f"Arabic variants {keys[key]!r} and {variant!r} are the same after normalisation",
                )
            )
        else:
            keys[key] = variant
    for lang in ("en", "zh"):
        if not concept.targets(lang):
            issues.append(Issue("warning", concept.id, f"no {lang} target"))
    return issues


def check_against(concept: Concept, others: Iterable[Concept]) -> list[Issue]:
    """Source variants of ``concept`` that another concept already claims (duplicate or conflicting)."""
    index: dict[tuple[str, ...], Concept] = {}
    for other in others:
        if other.id == concept.id:
            continue
        for variant in other.ar:
            index.setdefault(source_key(variant), other)
    issues: list[Issue] = []
    for variant in concept.ar:
        claimed = index.get(source_key(variant))
        if claimed is None:
            continue
        same = concept.en[:1] == claimed.en[:1] and concept.zh[:1] == claimed.zh[:1]
        kind = "duplicate" if same else "conflicting"
        issues.append(
            Issue(
                "error",
                concept.id,
                f"{kind} source variant {variant!r}: already in concept {claimed.id!r}"
                + ("" if same else f" ({claimed.preferred('en') or claimed.preferred('zh')})"),
            )
        )
    return issues


def lint(concepts: list[Concept], vocab: "TargetVocab | None" = None) -> list[Issue]:
    """All problems of a glossary, errors first (each conflict is reported once, on the later concept)."""
    issues: list[Issue] = []
    seen_ids: set[str] = set()
    index: dict[tuple[str, ...], Concept] = {}
    for concept in concepts:
        if concept.id in seen_ids:
            issues.append(Issue("error", concept.id, "duplicate id"))
        seen_ids.add(concept.id)
        issues.extend(check_concept(concept))
        for variant in concept.ar:
            key = source_key(variant)
            other = index.get(key)
            if other is not None and other.id != concept.id:
                same = concept.en[:1] == other.en[:1] and concept.zh[:1] == other.zh[:1]
                issues.append(
                    Issue(
                        "error",
                        concept.id,
                        f"{'duplicate' if same else 'conflicting'} source variant {variant!r}: "
                        f"also in concept {other.id!r}",
                    )
                )
            else:
                index[key] = concept
        if vocab is not None:
            issues.extend(vocab.check(concept))
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(issues, key=lambda i: order[i.level])


class TargetVocab:
    """A Marian model's target vocabulary: DIR/target.spm plus DIR/target_vocab.json (or DIR/vocab.json)."""

    def __init__(self, model_dir: str | Path, lang: str) -> None:
        model_dir = Path(model_dir)
        spm_path = model_dir / "target.spm"
        vocab_path = model_dir / "target_vocab.json"
        if not vocab_path.exists():
            vocab_path = model_dir / "vocab.json"
        for path in (spm_path, vocab_path):
            if not path.exists():
                raise GlossaryError(f"{model_dir}: no {path.name} (need target.spm and vocab.json)")
        try:
            self.sp = spm.SentencePieceProcessor(model_file=str(spm_path))
        except (OSError, RuntimeError) as error:
            raise GlossaryError(f"{spm_path}: cannot load sentencepiece model ({error})") from error
        try:
            self.vocab: dict[str, int] = json.loads(vocab_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise GlossaryError(f"{vocab_path}: cannot read vocabulary ({error})") from error
        self.lang = lang
        self.model_dir = model_dir

    def unknown_pieces(self, term: str) -> list[str]:
        """Pieces of ``term`` that the model cannot produce (not in the vocab, or sentencepiece's unk)."""
        pieces = self.sp.encode(term, out_type=str)
        ids = self.sp.encode(term)
        unk = self.sp.unk_id()
        return [p for p, i in zip(pieces, ids) if i == unk or p not in self.vocab]

    def check(self, concept: Concept) -> list[Issue]:
        """Targets of ``concept`` in this vocabulary's language that it cannot spell."""
        issues = []
        for term in concept.targets(self.lang):
            bad = self.unknown_pieces(term)
            if bad:
                issues.append(
                    Issue(
                        "warning",
                        concept.id,
                        f"{self.lang} target {term!r}: the model at "
                        f"{self.model_dir} cannot spell {' '.join(bad)!r} (unknown pieces)",
                    )
                )
        return issues
