"""Shared pieces of the server tests (no tests here): a translator on the tiny CTranslate2 models, apps, and a
real uvicorn server on a free loopback port in a thread."""

from __future__ import annotations

import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import DATA, REPO

pytest.importorskip("fastapi", reason="the server extra is not installed (pip install -e '.[server]')")

FLORES_AR = DATA / "flores200" / "flores200.dev.arb_Arab"
GLOSSARY = REPO / "glossaries" / "ecommerce.tsv"
ALIBABA = "أعلنت مجموعة علي بابا عن نتائجها."  # has the glossary's concept alibaba


def flores(n: int, skip: int = 0) -> list[str]:
    return FLORES_AR.read_text(encoding="utf-8").splitlines()[skip : skip + n]


def make_translator(models: dict[str, Path]):
    from mt.pipeline import Translator

    translator = Translator({"ar-en": str(models["ar-en"]), "en-zh": str(models["en-zh"])}, first_block_units=512)
    for to in ("en", "zh"):
        translator.legs(to)
    return translator


def glossary_copy(directory: Path) -> Path:
    path = directory / "news.tsv"
    shutil.copyfile(GLOSSARY, path)
    return path


@contextmanager
def live_server(app):
    """Serve ``app`` with uvicorn on 127.0.0.1 (a free port) in a thread; yield the base URL."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)
