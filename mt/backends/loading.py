"""Open a decoding backend on a model: the kind of directory (Hugging Face Marian or CTranslate2) chooses it.

Backends are registered by name in :data:`BACKENDS` (see mt.plugins): a backend's module, and the packages it
needs (torch and transformers for ``hf``, ctranslate2 for ``ct2``), are imported only when a model is opened on
it, so a CTranslate2 translation never imports torch.
"""

from __future__ import annotations

from collections.abc import Callable

from mt.backends.base import Backend
from mt.models.loading import plan_model
from mt.plugins import Plugin

BACKENDS: dict[str, Plugin] = {  # by ModelPlan.backend
    "hf": Plugin(
        "mt.backends.hf:TransformersBackend",
        extra="hf",
        needs=("torch", "transformers"),
        what="the transformers backend (Hugging Face model directories)",
    ),
    "ct2": Plugin("mt.backends.ct2:CTranslate2Backend", needs=("ctranslate2",), what="the CTranslate2 backend"),
}


def backend_class(name: str) -> Callable[..., Backend]:
    """The class of backend ``name`` (a key of :data:`BACKENDS`), imported now; it is called with the model
    directory and ``device`` and ``threads`` keywords."""
    return BACKENDS[name].load()


def load_backend(
    model: str, backend: str | None = None, device: str = "cpu", threads: int | None = None, pair: str | None = None
) -> Backend:
    """Open a decoding backend on `model` (for `pair`, when given, checked against what the model declares);
    the kind of directory chooses the backend unless `backend` is given (see mt.models.loading.plan_model)."""
    plan = plan_model(model, backend, pair)
    return backend_class(plan.backend)(plan.path, device=device, threads=threads)
