"""Issue 20 item 5: the local Ray instance lives and dies with the `mt translate --engine ray` driver. SIGTERM
is one line and exit 143 (Ray's own handler exited 15 with a stack dump); after SIGKILL of the driver, no
process of its Ray session is left (Ray left its agents running, about 175 MB)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import DATA

pytest.importorskip("ray", reason="the ray extra is not installed")
pytestmark = pytest.mark.slow

FLORES_AR = DATA / "flores200" / "flores200.dev.arb_Arab"


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of every process."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as handle:
                    parent = int(handle.read().rsplit(b")", 1)[1].split()[1])
                with open(f"/proc/{entry}/cmdline", "rb") as handle:
                    command = handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
            except (OSError, IndexError, ValueError):
                continue
            found[int(entry)] = (parent, command)
    return found


def _session_of(driver: int, deadline: float) -> str:
    """The Ray session the driver started, once its translating actor runs (ray.init has long returned: the
    workers it prestarts are not enough)."""
    while time.monotonic() < deadline:
        table = _processes()
        descendants, grew = {driver}, True
        while grew:
            more = {pid for pid, (parent, _) in table.items() if parent in descendants} - descendants
            descendants |= more
            grew = bool(more)
        commands = [table[pid][1] for pid in descendants if pid in table]
        sessions = {m.group() for c in commands for m in [re.search(r"session_\d{4}-[\d_-]+", c)] if m}
        if sessions and any("MapWorker" in c or "TranslateBatches" in c for c in commands):
            return sessions.pop()
        time.sleep(0.5)
    raise AssertionError("the Ray job never started its workers")


def _alive(session: str) -> list[str]:
    return [command for _, command in _processes().values() if session in command]


def _start(tiny_models, tmp_path, source=FLORES_AR, **env):
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mt",
            "translate",
            source,
            "--to",
            "en",
            "--engine",
            "ray",
            "--actors",
            "1",
            "-o",
            tmp_path / "out.txt",
            "--beam",
            "1",
            *tiny_models,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "MT_PROGRESS": "0", **env},
    )


def test_without_ray_address_the_driver_starts_its_own_instance_whatever_ray_address_names(tiny_models, tmp_path):
    # ray.init(address=None) joins the cluster that RAY_ADDRESS (or the last `ray start` on the machine) names; the
    # docs promise a local instance of the job's own, which the driver's watchdog may stop: it must never be
    # someone else's cluster (here an address where nothing listens: joining it fails)
    source = tmp_path / "in.ar"
    source.write_text("\n".join(FLORES_AR.read_text(encoding="utf-8").splitlines()[:8]) + "\n", encoding="utf-8")
    process = _start(tiny_models, tmp_path, source, RAY_ADDRESS="127.0.0.1:9")
    try:
        _, err = process.communicate(timeout=180)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err.decode()[-2000:]
    assert len((tmp_path / "out.txt").read_text(encoding="utf-8").splitlines()) == 8


def test_sigterm_of_a_ray_driver_is_one_line_and_exit_143(tiny_models, tmp_path):
    process = _start(tiny_models, tmp_path)
    try:
        session = _session_of(process.pid, time.monotonic() + 300)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    # Ray's C++ core worker logs its own notes at actor creation (``[date time E pid tid] core_worker.cc``)
    lines = [line for line in err.decode().splitlines() if line.strip() and not re.match(r"\[\d{4}-", line)]
    assert process.returncode == 143 and lines == ["mt: terminated"], err.decode()
    deadline = time.monotonic() + 60
    while _alive(session) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _alive(session)


def test_sigkill_of_a_ray_driver_leaves_no_ray_process(tiny_models, tmp_path):
    process = _start(tiny_models, tmp_path)
    try:
        session = _session_of(process.pid, time.monotonic() + 300)
        process.kill()
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    deadline = time.monotonic() + 60
    while _alive(session) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _alive(session), _alive(session)
