"""A watchdog for the local Ray instance that `mt translate --engine ray` starts: it outlives the driver and,
if the driver dies without saying goodbye (SIGKILL, a crash), stops every process of that Ray session (GCS,
raylet, agents, workers: each names its session in its command line), which Ray itself leaves running.

Run as ``python -m mt.engines.ray_watchdog SESSION_NAME`` with a pipe on stdin: "done" on it means a clean
shutdown (nothing to do); end of file without it means the driver is gone.
"""

from __future__ import annotations

import os
import signal
import sys
import time

GRACE_S = 3.0


def session_processes(session: str) -> list[int]:
    """The pids whose command line names the Ray session (never this process)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                command = handle.read().decode("utf-8", "replace")
        except OSError:
            continue
        if session in command:
            found.append(int(entry))
    return found


def stop(session: str) -> None:
    """SIGTERM the session's processes, then SIGKILL what is left after GRACE_S seconds."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        pids = session_processes(session)
        for pid in pids:
            try:
                os.kill(pid, sig)
            except OSError:
                pass
        deadline = time.monotonic() + GRACE_S
        while pids and time.monotonic() < deadline and session_processes(session):
            time.sleep(0.1)


def main() -> None:
    session = sys.argv[1]
    if not session.startswith("session_"):  # never match more than one Ray session's processes
        sys.exit(2)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the driver's whole group; the driver decides
    if sys.stdin.readline().strip() != "done":
        stop(session)


if __name__ == "__main__":
    main()
