"""The model's forced-decoding score of given translations (``mt qe --model``), and its calibration into risk.

:class:`ModelScorer` is a :class:`mt.qe.estimator.PairScorer`: each (source, translation) pair gets the mean token
log-prob of the translation and its closing </s> under a Marian model given the source (`Backend.score_batch`,
the definition of a finished decode's `Hypothesis.score`). Pairs are batched like decoding (mt.decoding.leg):
by source and target bucket, each batch padded to its buckets' widths, so a pair's score is the same alone or in
any file. A pair longer than the model's positions gets None (no score) rather than a cut.

The score is a direct ar->{en,zh} model's: Arabic->Chinese has no direct OPUS-MT model, and the pivot's second leg
would score the translation against an English text the pair does not have, so ``--to zh`` needs a model that
translates Arabic into Chinese itself (one that declares another pair is refused).

:func:`calibrate` fits the model score's part of the risk (mt.qe.risk.MODEL_PART) on a corruption suite scored by
that model, beside the shipped model-free parts, and re-picks the threshold; the weight is a property of the
model (a tc-big model's log-probs are not a base model's), so it is fitted per model, never shipped.
"""

from __future__ import annotations

import math
from typing import Sequence

from mt.backends.base import Backend, bucket_width
from mt.backends.loading import load_backend
from mt.errors import ModelError
from mt.glossary import Glossary
from mt.models.loading import declared_pair, resolve
from mt.models.revision import model_revision
from mt.models.vocab import target_prefix
from mt.qe.estimator import QualityEstimator
from mt.qe.risk import MODEL_FEATURE, MODEL_PART, RiskModel
from mt.qe.synthetic import corruption_suite
from mt.qe.training import fit_risk

BATCH_TOKENS = 4096  # source + target positions per scoring call (padded widths)


class ModelScorer:
    """Forced-decoding scores of translations into ``tgt_lang`` under an Arabic->``tgt_lang`` model."""

    feature = MODEL_FEATURE

    def __init__(self, backend: Backend, tgt_lang: str, batch_tokens: int = BATCH_TOKENS, revision: str = "") -> None:
        self.backend, self.tgt_lang, self.batch_tokens = backend, tgt_lang, batch_tokens
        self.revision = revision  # the model directory's content hash (mt.models.revision), when known
        self.prefix = target_prefix(backend.vocab, tgt_lang)

    @classmethod
    def load(cls, model: str, tgt_lang: str, device: str = "cpu", threads: int | None = None) -> "ModelScorer":
        """Open ``model`` (a directory or hub id; its declared pair, if any, must be ar-``tgt_lang``)."""
        pair = f"ar-{tgt_lang}"
        path = resolve(model)[0]
        declared = declared_pair(path)
        if declared and declared != pair:
            raise ModelError(
                f"{model} translates {declared}, not {pair}: the model score needs a direct {pair} "
                f"model (a pivot's legs cannot score a translation without its English)"
            )
        return cls(
            load_backend(model, device=device, threads=threads, pair=pair), tgt_lang, revision=model_revision(path)
        )

    def pieces(self, source: str, translation: str) -> tuple[list[str], list[str]]:
        """The pair as the model reads it: source pieces (after the target-language token, if the model has one)
        and target pieces."""
        vocab = self.backend.vocab
        source_pieces = vocab.encode_source(source.strip()) if source.strip() else []
        return self.prefix + source_pieces, vocab.encode_target(translation) if translation.strip() else []

    def score(self, sources: Sequence[str], translations: Sequence[str]) -> list[float | None]:
        """One score per pair, in order (None for a pair the model's positions cannot hold)."""
        pairs = [self.pieces(s, t) for s, t in zip(sources, translations)]
        positions = self.backend.max_positions
        groups: dict[tuple[int, int], list[int]] = {}
        for k, (src, tgt) in enumerate(pairs):
            if len(src) + 1 <= positions and len(tgt) + 1 <= positions:
                widths = (min(bucket_width(len(src) + 1), positions), min(bucket_width(len(tgt) + 1), positions))
                groups.setdefault(widths, []).append(k)
        scores: list[float | None] = [None] * len(pairs)
        for (source_width, target_width), members in sorted(groups.items()):
            size = max(1, self.batch_tokens // (source_width + target_width))
            for start in range(0, len(members), size):
                batch = members[start : start + size]
                values = self.backend.score_batch(
                    [pairs[k][0] for k in batch], [pairs[k][1] for k in batch], source_width, target_width
                )
                for k, value in zip(batch, values):
                    scores[k] = value
        return scores


def calibrate(
    scorer: ModelScorer,
    sources: Sequence[str],
    references: Sequence[str],
    other_references: Sequence[str],
    *,
    glossary: Glossary | None = None,
    clean_flagged: float = 0.03,
    seed: int = 1,
) -> RiskModel:
    """The shipped risk model of ``scorer``'s direction plus a model-score part fitted on the corruption suite
    (mt.qe.synthetic) of these line-parallel references (clean vs every corruption, both sides weighing the
    same); the threshold re-picked to flag ``clean_flagged`` of the clean references."""
    lang = scorer.tgt_lang
    cases = list(corruption_suite(sources, references, other_references, lang, glossary=glossary, seed=seed))
    estimator = QualityEstimator(lang, glossary=glossary)
    rows = [estimator.features(case.source, case.translation)[0] for case in cases]
    scores = scorer.score([case.source for case in cases], [case.translation for case in cases])
    scored = {k: score for k, score in enumerate(scores) if score is not None}
    kept = list(scored)
    for k, score in scored.items():
        rows[k][MODEL_FEATURE] = score
    kinds = [cases[k].kind for k in kept]
    part = fit_risk(
        [rows[k] for k in kept],
        kinds,
        {MODEL_PART: (MODEL_FEATURE,)},
        {kind: MODEL_PART for kind in set(kinds) - {"clean"}},
    ).parts[MODEL_PART]
    combined = RiskModel({**estimator.risk_model.parts, MODEL_PART: part}, 0.5)
    clean = sorted(combined.risk(rows[k]) for k in kept if cases[k].kind == "clean")
    index = min(int(math.ceil(len(clean) * (1 - clean_flagged))), len(clean) - 1)
    threshold = round(clean[index] + 1e-6, 6) if clean else estimator.risk_model.threshold
    meta = dict(
        estimator.risk_model.meta,
        model_part={
            "fitted_on": f"corruption suite (seed {seed}) of {len(references)} references, {len(kept)} cases scored",
            "model": str(getattr(scorer.backend, "path", scorer.backend.name)),
            "threshold": f"flags {clean_flagged:.0%} of the clean references with the model part",
        },
    )
    return RiskModel(combined.parts, threshold, meta)
