"""Outputs never lose data: no output replaces an input (even with --force), two inputs never share an
output, an unwritable directory is a one-line error naming the output, SIGTERM leaves nothing behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time

import pytest

from tests.conftest import DATA, SEEDS
from tests.mounts import can_mount, tmpfs

SEED_AR = SEEDS / "article.ar.txt"
SEED_EN = SEEDS / "article.en.txt"
FLORES_AR = DATA / "flores200" / "flores200.dev.arb_Arab"
FLORES_EN = DATA / "flores200" / "flores200.dev.eng_Latn"


def _one_line_error(code: int, err: str, *needles: str) -> str:
    assert code == 1, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("mt: error: "), err
    for needle in needles:
        assert needle in lines[0], err
    return lines[0]


def _copy(source, target, lines: int | None = None):
    text = source.read_text(encoding="utf-8")
    if lines is not None:
        text = "".join(line + "\n" for line in text.splitlines()[:lines])
    target.write_text(text, encoding="utf-8")
    return target


# -- item 5: two inputs, one planned output ------------------------------------------------------------------


def test_translate_refuses_two_inputs_with_the_same_output(run_cli, fast_tiny, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = _copy(SEED_AR, tmp_path / "a" / "x.txt", 2)
    second = _copy(FLORES_AR, tmp_path / "b" / "x.txt", 2)
    out = tmp_path / "out"
    out.mkdir()
    code, _, err = run_cli("translate", first, second, "--to", "en", "-o", out, *fast_tiny)
    _one_line_error(code, err, str(first), str(second), "x.en.txt")
    assert list(out.iterdir()) == []  # refused before anything was translated
    code, _, err = run_cli("translate", first, first, "--to", "en", "-o", out, *fast_tiny)
    _one_line_error(code, err, "would both be translated into")


def test_evaluate_several_systems_keep_their_outputs_apart(run_cli, tmp_path):
    ref = _copy(FLORES_EN, tmp_path / "ref.en", 20)
    sys1 = _copy(FLORES_EN, tmp_path / "sys1.en", 20)
    sys2 = tmp_path / "sys2.en"
    sys2.write_text(
        "".join(line[::-1] + "\n" for line in sys1.read_text(encoding="utf-8").splitlines()), encoding="utf-8"
    )
    report = tmp_path / "report.json"
    code, _, err = run_cli(
        "evaluate", "-r", ref, sys1, sys2, "-o", report, "--segments", report, "--confidence-n", "0", "--test", "none"
    )
    _one_line_error(code, err, "name the same file")
    same = tmp_path / "link.json"
    report.write_text("{}", encoding="utf-8")
    os.link(report, same)
    code, _, err = run_cli(
        "evaluate",
        "-r",
        ref,
        sys1,
        sys2,
        "-o",
        report,
        "--segments",
        same,
        "--force",
        "--confidence-n",
        "0",
        "--test",
        "none",
    )
    _one_line_error(code, err, "name the same file")
    code, _, err = run_cli("evaluate", "-r", ref, sys1, sys1, "--confidence-n", "0")
    _one_line_error(code, err, "given twice")


# -- item 11: --force never lets an output replace an input ---------------------------------------------------


def test_translate_output_never_replaces_an_input(run_cli, fast_tiny, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = _copy(SEED_AR, tmp_path / "a.txt", 2)
    before = source.read_bytes()
    (tmp_path / "link.txt").symlink_to(source)
    os.link(source, tmp_path / "hard.txt")
    for name, output in (
        ("a.txt", "a.txt"),
        ("a.txt", "./a.txt"),
        ("link.txt", "a.txt"),
        ("hard.txt", "a.txt"),
        ("a.txt", str(source)),
    ):
        code, _, err = run_cli("translate", name, "--to", "en", "-o", output, "--force", *fast_tiny)
        _one_line_error(code, err, "would replace the input")
        assert source.read_bytes() == before
    reference = _copy(SEED_EN, tmp_path / "ref.en", 2)
    code, _, err = run_cli(
        "translate", "a.txt", "--to", "en", "-o", reference, "--ref", reference, "--force", *fast_tiny
    )
    _one_line_error(code, err, "would replace the input")


def test_evaluate_output_never_replaces_an_input(run_cli, tmp_path):
    ref = _copy(FLORES_EN, tmp_path / "ref.en", 10)
    system = _copy(FLORES_EN, tmp_path / "sys.en", 10)
    before = system.read_bytes(), ref.read_bytes()
    for option, target in (("-o", system), ("-o", ref), ("--segments", system), ("--segments", ref)):
        code, _, err = run_cli("evaluate", "-r", ref, system, option, target, "--force", "--confidence-n", "0")
        _one_line_error(code, err, "would replace the input")
        assert (system.read_bytes(), ref.read_bytes()) == before


def test_align_output_never_replaces_an_input(run_cli, tmp_path):
    src = _copy(SEED_AR, tmp_path / "s.ar", 4)
    tgt = _copy(SEED_EN, tmp_path / "s.en", 4)
    before = tgt.read_bytes()
    code, _, err = run_cli("align", "words", src, tgt, "-o", tgt, "--force", "--backend", "fastalign")
    _one_line_error(code, err, "would replace the input")
    assert tgt.read_bytes() == before
    extra_src = _copy(FLORES_AR, tmp_path / "x.ar", 5)
    extra_tgt = _copy(FLORES_EN, tmp_path / "x.en", 5)
    code, _, err = run_cli(
        "align",
        "words",
        src,
        tgt,
        "--corpus",
        extra_src,
        extra_tgt,
        "-o",
        extra_tgt,
        "--force",
        "--backend",
        "fastalign",
    )
    _one_line_error(code, err, "would replace the input", str(extra_tgt))
    code, _, err = run_cli("align", "sentences", src, tgt, "-o", src, "--force")
    _one_line_error(code, err, "would replace the input")


def test_glossary_export_never_replaces_its_input(run_cli, tmp_path, repo):
    glossary = tmp_path / "g.tsv"
    glossary.write_bytes((repo / "glossaries" / "ecommerce.tsv").read_bytes())
    os.link(glossary, tmp_path / "same.tsv")
    code, _, err = run_cli("glossary", "export", glossary, "-o", tmp_path / "same.tsv", "--force")
    _one_line_error(code, err, "would replace the input")
    code, _, err = run_cli("glossary", "import", glossary, "-o", tmp_path / "same.tsv", "--force")
    _one_line_error(code, err, "would replace the input")


# -- item 11: an output directory that cannot be written -------------------------------------------------------


def _unwritable(monkeypatch, directory):
    """Make creating files in ``directory`` fail as it does for a non-root user in a read-only folder."""
    real = tempfile.mkstemp

    def mkstemp(*args, dir=None, **kwargs):  # noqa: A002 - tempfile's own name
        if dir is not None and os.path.abspath(dir) == os.path.abspath(directory):
            raise PermissionError(13, "Permission denied", os.path.join(str(dir), ".x.part"))
        return real(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: os.path.abspath(path) != os.path.abspath(directory))


def test_unwritable_directory_is_a_one_line_error(run_cli, fast_tiny, tmp_path, monkeypatch, repo):
    locked = tmp_path / "locked"
    locked.mkdir()
    _unwritable(monkeypatch, locked)
    ref = _copy(FLORES_EN, tmp_path / "ref.en", 5)
    src = _copy(FLORES_AR, tmp_path / "src.ar", 5)
    glossary = tmp_path / "g.tsv"
    glossary.write_bytes((repo / "glossaries" / "ecommerce.tsv").read_bytes())
    commands = [
        ("translate", src, "--to", "en", "-o", locked / "out.txt", *fast_tiny),
        ("evaluate", "-r", ref, ref, "-o", locked / "report.txt", "--confidence-n", "0"),
        ("evaluate", "-r", ref, ref, "--segments", locked / "seg.jsonl", "--confidence-n", "0"),
        ("align", "words", src, ref, "-o", locked / "links.txt", "--backend", "fastalign"),
        ("glossary", "import", glossary, "-o", locked / "g.tsv"),
    ]
    for args in commands:
        code, _, err = run_cli(*args)
        line = _one_line_error(code, err, str(locked), "not writable")
        assert ".part" not in line
    # an edit in place: the check happens at the write (the directory is the glossary's own)
    _unwritable(monkeypatch, tmp_path)
    code, _, err = run_cli("glossary", "add", glossary, "--ar", "كتاب", "--en", "book", "--zh", "书")
    line = _one_line_error(code, err, str(glossary), "cannot write")
    assert ".part" not in line


def test_read_only_directory_for_real(run_cli, tmp_path):
    """Root (CI) writes into a 0555 directory, so there the directory is a read-only mount instead."""
    ref = _copy(FLORES_EN, tmp_path / "ref.en", 5)
    locked = tmp_path / "locked"
    if os.geteuid() == 0:
        if not can_mount():
            pytest.skip("root without mount(8): no read-only directory to test with")
        with tmpfs(locked, read_only=True):
            code, _, err = run_cli("evaluate", "-r", ref, ref, "-o", locked / "r.txt", "--confidence-n", "0")
        _one_line_error(code, err, "not writable")
        return
    locked.mkdir()
    locked.chmod(0o555)
    try:
        code, _, err = run_cli("evaluate", "-r", ref, ref, "-o", locked / "r.txt", "--confidence-n", "0")
        _one_line_error(code, err, "not writable")
    finally:
        locked.chmod(0o755)


def test_atomic_writer_names_the_output_not_the_temporary_file(tmp_path, monkeypatch):
    from mt.errors import InputError
    from mt.formats.writing import atomic_writer

    _unwritable(monkeypatch, tmp_path)
    with pytest.raises(InputError, match=r"out\.txt: cannot write the output in directory") as caught:
        with atomic_writer(tmp_path / "out.txt") as handle:
            handle.write("x")
    assert ".part" not in str(caught.value)
    assert isinstance(caught.value.__cause__, PermissionError)


# -- item 11: SIGTERM cleans up like Ctrl-C ---------------------------------------------------------------------


def test_sigterm_leaves_no_partial_output(tiny_models, tmp_path):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    output = out_dir / "flores.en.txt"
    # random tiny weights never emit </s>: every sentence runs to the decoding limit, so this run takes minutes
    process = subprocess.Popen(
        [sys.executable, "-m", "mt", "translate", FLORES_AR, "--to", "en", "-o", output, "--beam", "1", *tiny_models],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "MT_PROGRESS": "0"},
    )
    try:
        deadline = time.monotonic() + 120
        while not list(out_dir.iterdir()) and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)
        assert [p.name for p in out_dir.iterdir()][0].endswith(".part"), "the run never started writing"
        time.sleep(0.5)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 143, err.decode()
    assert "mt: terminated" in err.decode() and b"Traceback" not in err
    assert list(out_dir.iterdir()) == []  # neither the output nor its hidden .part file
