"""Open a decoding backend on a model: the kind of directory (Hugging Face Marian or CTranslate2) chooses it."""

from __future__ import annotations

from mt.backends.base import Backend
from mt.backends.ct2 import CTranslate2Backend
from mt.backends.hf import TransformersBackend
from mt.errors import ModelError
from mt.models.loading import check_pair, resolve


def load_backend(model: str, backend: str | None = None, device: str = "cpu", threads: int | None = None,
                 pair: str | None = None) -> Backend:
    """Open a decoding backend on `model` (for `pair`, when given, checked against what the model declares);
    the kind of directory chooses the backend unless `backend` is given."""
    path, kind = resolve(model)
    if pair:
        check_pair(model, path, pair)
    chosen = backend or kind
    if chosen == "hf":
        if kind != "hf":
            raise ModelError(f"{model}: a CTranslate2 directory cannot run on the transformers backend")
        return TransformersBackend(path, device=device, threads=threads)
    if chosen == "ct2":
        return CTranslate2Backend(path, device=device, threads=threads)
    raise ModelError(f"unknown backend {chosen!r}; choose hf or ct2")
