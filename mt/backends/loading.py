"""Open a decoding backend on a model: the kind of directory (Hugging Face Marian or CTranslate2) chooses it."""

from __future__ import annotations

from mt.backends.base import Backend
from mt.backends.ct2 import CTranslate2Backend
from mt.backends.hf import TransformersBackend
from mt.models.loading import plan_model

BACKENDS: dict[str, type] = {"hf": TransformersBackend, "ct2": CTranslate2Backend}  # by ModelPlan.backend


def load_backend(model: str, backend: str | None = None, device: str = "cpu", threads: int | None = None,
                 pair: str | None = None) -> Backend:
    """Open a decoding backend on `model` (for `pair`, when given, checked against what the model declares);
    the kind of directory chooses the backend unless `backend` is given (see mt.models.loading.plan_model)."""
    plan = plan_model(model, backend, pair)
    return BACKENDS[plan.backend](plan.path, device=device, threads=threads)
