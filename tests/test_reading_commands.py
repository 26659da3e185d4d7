"""What every command reads the same way: streamed stdin (`tail -f` input), CR-only line ends, a not-Arabic
warning. The rules themselves are tested in test_lines.py."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading

from tests.conftest import DATA, REPO, SEEDS

ARABIC = (SEEDS / "article.ar.txt").read_text(encoding="utf-8").splitlines()
ENGLISH = (SEEDS / "article.en.txt").read_text(encoding="utf-8").splitlines()


def test_stdin_is_translated_as_it_arrives(fast_tiny):
    """Lines written to an open stdin come back translated before stdin is closed (it was read whole)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-m", "mt", "translate", "-", "--to", "en", "--beam", "1", "-q", *fast_tiny],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=REPO,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(line) for line in iter(process.stdout.readline, b"")], daemon=True
    ).start()
    try:
        process.stdin.write(("\n".join(ARABIC[:2]) + "\n").encode("utf-8"))
        process.stdin.flush()
        first = [lines.get(timeout=240) for _ in range(2)]  # stdin still open: a whole read would hang here
        assert all(line.endswith(b"\n") and line.strip() for line in first)
        process.stdin.write((ARABIC[2] + "\n").encode("utf-8"))
        process.stdin.flush()
        assert lines.get(timeout=120).strip()
        process.stdin.write(ARABIC[3].encode("utf-8"))  # a last line without a line end
        process.stdin.close()
        assert process.wait(timeout=120) == 0, process.stderr.read().decode()
        last = lines.get(timeout=10)
        assert last.strip() and not last.endswith(b"\n")
        assert lines.empty()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_cr_only_line_ends_give_one_line_per_line_in_every_command(run_cli, fast_tiny, tmp_path):
    source = tmp_path / "mac.ar"
    source.write_bytes("\r".join(ARABIC[:3]).encode("utf-8") + b"\r")
    out = tmp_path / "mac.en.txt"
    code, _, err = run_cli("translate", source, "--to", "en", "-o", out, "--beam", "1", *fast_tiny)
    assert code == 0, err
    assert len(out.read_text(encoding="utf-8").splitlines()) == 3  # was 1: the CRs merged the lines

    reference = tmp_path / "ref.en"
    reference.write_bytes("\r".join(ENGLISH[:3]).encode("utf-8") + b"\r")
    hypothesis = tmp_path / "hyp.en"
    hypothesis.write_text("\n".join(ENGLISH[:3]) + "\n", encoding="utf-8")
    code, out_text, err = run_cli("evaluate", "-r", reference, hypothesis, "--format", "json", "--confidence-n", "0")
    assert code == 0, err
    assert '"BLEU"' in out_text and "100.0" in out_text  # the CR reference has the same 3 segments

    links = tmp_path / "links.txt"
    code, _, err = run_cli("align", "words", source, reference, "--backend", "fastalign", "-o", links)
    assert code == 0, err
    assert len(links.read_text(encoding="utf-8").splitlines()) == 3


def test_input_that_is_not_arabic_warns_once_and_is_translated(run_cli, fast_tiny, tmp_path):
    flores = {"en": "flores200.dev.eng_Latn", "zh": "flores200.dev.zho_Hans"}
    for lang, script in (("en", "Latin-script"), ("zh", "Chinese")):
        path = tmp_path / f"input.{lang}"
        path.write_text(
            "\n".join((DATA / "flores200" / flores[lang]).read_text(encoding="utf-8").splitlines()[:3]) + "\n",
            encoding="utf-8",
        )
        code, out, err = run_cli("translate", path, "--to", "en", "--beam", "1", *fast_tiny)
        assert code == 0, err
        assert len(out.splitlines()) == 3
        warnings = [line for line in err.splitlines() if "does not look like Arabic" in line]
        assert len(warnings) == 1 and script in warnings[0] and str(path) in warnings[0], err
    seed = tmp_path / "seed.ar"
    seed.write_text("\n".join(ARABIC[:2]) + "\n", encoding="utf-8")
    code, _, err = run_cli("translate", seed, "--to", "en", "--beam", "1", *fast_tiny)
    assert code == 0 and "does not look like Arabic" not in err
