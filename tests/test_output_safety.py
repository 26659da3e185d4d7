"""Issue 20 item 3: never write over what is not a regular file, never over an input (stdin's file, a model's
files, the TM's SQLite siblings), and a write the disk refuses is one line naming the output, exit 74
(EX_IOERR), with nothing half-written left."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys

import pytest

from tests.conftest import SEEDS
from tests.mounts import can_mount, tmpfs

SEED_AR = SEEDS / "article.ar.txt"
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "MT_PROGRESS": "0"}
needs_root = pytest.mark.skipif(not can_mount(), reason="needs root (mount, mknod), as CI runs")


def _lines(path, count=3):
    path.write_text(
        "".join(line + "\n" for line in SEED_AR.read_text(encoding="utf-8").splitlines()[:count]), encoding="utf-8"
    )
    return path


def _one_line(err: str, *needles: str) -> str:
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("mt: warning: ")]
    assert len(lines) == 1 and lines[0].startswith("mt: error: "), err
    for needle in needles:
        assert needle in lines[0], err
    return lines[0]


def _mt(*args, **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("stdout", subprocess.PIPE)
    return subprocess.run(
        [sys.executable, "-m", "mt", *map(str, args)], stderr=subprocess.PIPE, env=ENV, timeout=300, **kwargs
    )


def test_fifo_output_is_written_into_not_replaced(run_cli, fast_tiny, tmp_path):
    source = _lines(tmp_path / "in.txt")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = tmp_path / "received.txt"
    with open(received, "wb") as sink:
        reader = subprocess.Popen(["cat", str(fifo)], stdout=sink)
        try:
            code, _, err = run_cli("translate", source, "--to", "en", "-o", fifo, "--force", *fast_tiny)
            reader.wait(timeout=30)
        finally:
            if reader.poll() is None:
                reader.kill()
                reader.wait()
    assert code == 0, err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # still the FIFO
    assert len(received.read_text(encoding="utf-8").splitlines()) == 3


def test_stdout_link_is_written_into_not_replaced(fast_tiny, tmp_path):
    """/dev/stdout is a link to /proc/self/fd/1; a link of our own to it behaves the same (and is safe to break
    on code that replaces outputs, which /dev/stdout is not)."""
    source = _lines(tmp_path / "in.txt")
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")
    captured = tmp_path / "captured.txt"
    with open(captured, "wb") as sink:
        done = _mt("translate", source, "--to", "en", "-o", link, "--force", *fast_tiny, stdout=sink)
    assert done.returncode == 0, done.stderr.decode()
    assert link.is_symlink() and os.readlink(link) == "/proc/self/fd/1"
    assert len(captured.read_text(encoding="utf-8").splitlines()) == 3


@needs_root
def test_character_devices_are_written_into(run_cli, fast_tiny, tmp_path):
    source = _lines(tmp_path / "in.txt")
    null, full = tmp_path / "null", tmp_path / "full"
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # copies of /dev/null and /dev/full
    os.mknod(full, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    code, _, err = run_cli("translate", source, "--to", "en", "-o", null, "--force", *fast_tiny)
    assert code == 0, err
    assert stat.S_ISCHR(os.lstat(null).st_mode)
    code, _, err = run_cli("translate", source, "--to", "en", "-o", full, "--force", *fast_tiny)
    assert code == 74, err
    _one_line(err, str(full), "No space left on device")
    assert stat.S_ISCHR(os.lstat(full).st_mode)


def test_full_standard_output_is_one_line(fast_tiny, tmp_path):
    source = _lines(tmp_path / "in.txt")
    with open("/dev/full", "wb") as full:
        done = _mt("translate", source, "--to", "en", *fast_tiny, stdout=full)
    assert done.returncode == 74, done.stderr.decode()
    _one_line(done.stderr.decode(), "standard output", "No space left on device")


def test_stdin_redirected_from_the_output_is_refused(fast_tiny, tmp_path):
    source = _lines(tmp_path / "in.txt")
    before = source.read_bytes()
    with open(source, "rb") as stdin:
        done = _mt("translate", "-", "--to", "en", "-o", source, "--force", *fast_tiny, stdin=stdin)
    assert done.returncode == 1
    _one_line(done.stderr.decode(), str(source), "standard input")
    assert source.read_bytes() == before
    with open(source, "rb") as stdin:  # --report is an output too
        done = _mt(
            "translate",
            "-",
            "--to",
            "en",
            "-o",
            tmp_path / "out.txt",
            "--report",
            source,
            "--force",
            *fast_tiny,
            stdin=stdin,
        )
    assert done.returncode == 1 and source.read_bytes() == before


def test_model_files_and_the_memory_files_are_inputs(run_cli, tiny_ar_en, tmp_path):
    model = shutil.copytree(tiny_ar_en, tmp_path / "model")  # a copy: a failing run would break the shared one
    source = _lines(tmp_path / "in.txt")
    config = (model / "config.json").read_bytes()
    args = ["--model", f"ar-en={model}", "--max-length-ratio", "0.5", "--max-length-extra", "4"]
    for output in (model / "config.json", model / "new.txt"):
        code, _, err = run_cli("translate", source, "--to", "en", "-o", output, "--force", *args)
        assert code == 1
        _one_line(err, str(output), str(model))
    code, _, err = run_cli(
        "translate",
        source,
        "--to",
        "en",
        "-o",
        tmp_path / "out.txt",
        "--report",
        model / "config.json",
        "--force",
        *args,
    )
    assert code == 1 and "config.json" in _one_line(err)
    code, _, err = run_cli(
        "translate", source, "--to", "en", "--engine", "local", "-o", model / "config.json", "--force", *args
    )
    assert code == 1 and "config.json" in _one_line(err)
    assert (model / "config.json").read_bytes() == config and not (model / "new.txt").exists()
    tm = tmp_path / "work.tm"
    for suffix in ("-wal", "-shm", "-journal"):
        code, _, err = run_cli("translate", source, "--to", "en", "-o", f"{tm}{suffix}", "--tm", tm, *args)
        assert code == 1, err
        _one_line(err, f"work.tm{suffix}")
        code, _, err = run_cli(
            "translate", source, "--to", "en", "-o", tmp_path / "o.txt", "--report", f"{tm}{suffix}", "--tm", tm, *args
        )
        assert code == 1, err
        _one_line(err, f"work.tm{suffix}")
    assert not (tmp_path / "o.txt").exists()


def test_trailing_slash_names_a_directory(run_cli, fast_tiny, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = _lines(tmp_path / "in.txt")
    code, _, err = run_cli("translate", source, "--to", "en", "-o", "newdir/", *fast_tiny)
    assert code == 1
    _one_line(err, "newdir/", "no such directory")
    assert not (tmp_path / "newdir").exists()


@needs_root
def test_full_disk_is_one_line_and_leaves_nothing(run_cli, fast_tiny, tiny_ar_en, tmp_path):
    source = _lines(tmp_path / "in.txt")
    with tmpfs(tmp_path / "full", fill=True) as full:
        before = sorted(p.name for p in full.iterdir())
        code, _, err = run_cli("translate", source, "--to", "en", "-o", full / "out.txt", *fast_tiny)
        assert code == 74, err
        _one_line(err, str(full / "out.txt"), "No space left on device")
        code, _, err = run_cli("models", "convert", tiny_ar_en, full / "ct2")
        assert code == 74, err
        _one_line(err, str(full / "ct2"), "No space left on device")
        assert sorted(p.name for p in full.iterdir()) == before  # no output, no .part, no staging directory
    with tmpfs(tmp_path / "small", size="200k") as small:  # room to start, not to finish
        code, _, err = run_cli("models", "convert", tiny_ar_en, small / "ct2")
        assert code == 74, err
        _one_line(err, str(small / "ct2"))
        assert list(small.iterdir()) == []


@needs_root
def test_read_only_targets_are_one_line(run_cli, tiny_ar_en, tmp_path):
    from tests.test_finetune import un_pairs, write_tsv

    train = write_tsv(tmp_path / "train.tsv", un_pairs(1000, 20))
    with tmpfs(tmp_path / "ro", read_only=True) as read_only:
        code, _, err = run_cli("models", "convert", tiny_ar_en, read_only / "ct2")
        assert code == 74, err
        _one_line(err, str(read_only / "ct2"), "Read-only file system")
        code, _, err = run_cli("finetune", "--base", tiny_ar_en, "--train", train, "--out", read_only / "tuned", "-q")
        assert code == 74, err
        _one_line(err, str(read_only / "tuned"), "Read-only file system")
        assert list(read_only.iterdir()) == []
