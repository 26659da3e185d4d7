"""A model directory's revision: a content hash that names these weights, however the directory was copied."""

from __future__ import annotations

import hashlib
from pathlib import Path

_SAMPLE = 1 << 20  # bytes read at the start, middle and end of a large model file for its revision hash


def model_revision(directory: Path) -> str:
    """A content hash of a model directory (16 hex digits): every file's name and size, small files whole and
    large ones (weights) by three 1 MiB samples, so that copying or moving a model keeps its revision and
    another model (other weights, another quantisation in its metadata) gets another one, in milliseconds."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(directory).iterdir() if p.is_file()):
        size = path.stat().st_size
        digest.update(f"{path.name}\0{size}\0".encode("utf-8"))
        with path.open("rb") as handle:
            if size <= 3 * _SAMPLE:
                digest.update(handle.read())
            else:
                for offset in (0, size // 2, size - _SAMPLE):
                    handle.seek(offset)
                    digest.update(handle.read(_SAMPLE))
    return digest.hexdigest()[:16]
