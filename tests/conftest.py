"""Shared fixtures. The suite never touches the network: the hub is switched off before anything imports it."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# caches the code writes (the model score's calibration for `mt qe --model`) go to a directory of this run, never
# to the user's ~/.cache
os.environ["MT_CACHE_DIR"] = tempfile.mkdtemp(prefix="mt-test-cache-")
atexit.register(shutil.rmtree, os.environ["MT_CACHE_DIR"], True)
# torch's intra-op threads (one per core by default) only cost on the tests' tiny models: a 64-line tiny-model
# translate used 46 s of CPU with 2 threads, 7 s with 1, same bytes (2026-12-07, on the shared 2-core machine).
# The `mt` processes the tests start inherit it; CTranslate2 and --threads set their own threads explicitly.
os.environ.setdefault("OMP_NUM_THREADS", "1")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "eval" / "data"
SEEDS = REPO / "seeds"


def as_schema_3(path: Path) -> None:
    """Turn a memory back into what Tarjama's schema 3 wrote: one MT entry per normalised source (the unique key
    without the exact source), user_version 3."""
    import sqlite3

    db = sqlite3.connect(path)
    try:
        db.execute("DROP INDEX entries_key")
        db.execute(
            "CREATE UNIQUE INDEX entries_key ON entries (source_lang, target_lang, source_norm, origin, model_id, "
            "model_revision, glossary_fp, decoding_fp)"
        )
        db.execute("PRAGMA user_version = 3")
        db.commit()
    finally:
        db.close()


def sqlite_count(path: Path, query: str) -> int:
    """A count from a SQLite file that another process is writing (read-only; 0 while it is missing or locked)."""
    import sqlite3

    if not path.exists():
        return 0
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            return db.execute(query).fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def kill_when(process, ready) -> None:
    """SIGKILL a running ``mt`` process (a subprocess.Popen) once ``ready()`` holds (within 300 s); it must still
    be running then. The process is reaped whatever happens."""
    import signal
    import time

    try:
        deadline = time.monotonic() + 300
        while not ready() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert process.poll() is None, "the run finished before it could be killed"
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def tiny_ar_en(tmp_path_factory) -> Path:
    """A tiny random ar-en Marian model in the OPUS-MT layout (built once per test session)."""
    from mt.testing import build_model

    return build_model(tmp_path_factory.mktemp("models") / "tiny-ar-en", size="tiny", pair="ar-en", seed=1)


@pytest.fixture(scope="session")
def tiny_en_zh(tmp_path_factory) -> Path:
    """A tiny random en-zh Marian model whose vocabulary has >>cmn_Hans<< like opus-mt-en-zh."""
    from mt.testing import build_model

    return build_model(tmp_path_factory.mktemp("models") / "tiny-en-zh", size="tiny", pair="en-zh", seed=2)


@pytest.fixture(scope="session")
def tiny_models(tiny_ar_en, tiny_en_zh) -> list[str]:
    """`--model` options for both legs of the tiny models."""
    return ["--model", f"ar-en={tiny_ar_en}", "--model", f"en-zh={tiny_en_zh}"]


@pytest.fixture(scope="session")
def fast_tiny(tiny_models) -> list[str]:
    """The tiny models with short decoding: random weights never emit </s>, so every output runs to the
    decoding limit; a low limit keeps the suite fast without changing what is asserted (structure, errors)."""
    return [*tiny_models, "--max-length-ratio", "0.5", "--max-length-extra", "4"]


@pytest.fixture
def run_cli(capsys):
    """Run `mt ARGS...` in-process; return (exit code, stdout, stderr)."""
    from mt.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture(scope="session")
def tiny_ending_ct2(tmp_path_factory) -> dict[str, Path]:
    """Tiny ar-en and en-zh models that end their sentences (``ends_sentences=True``), converted to CTranslate2
    int8: quick, deterministic decodes for tests that run many translations (the server's)."""
    from mt.models.convert import convert
    from mt.testing import build_model

    root = tmp_path_factory.mktemp("ending-models")
    out = {}
    for pair, seed in (("ar-en", 1), ("en-zh", 2)):
        hf = build_model(root / f"{pair}-hf", size="tiny", pair=pair, seed=seed, ends_sentences=True)
        out[pair] = root / f"{pair}-ct2"
        convert(str(hf), out[pair], quantization="int8", force=True)
    return out
