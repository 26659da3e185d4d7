"""Small file systems for tests of failed writes: a read-only one and a full one (tmpfs mounts, as root, which
is how CI runs; elsewhere the tests that need them skip)."""

from __future__ import annotations

import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def can_mount() -> bool:
    """Root with a mount command (CI): the tests below run; elsewhere they skip."""
    return os.geteuid() == 0 and shutil.which("mount") is not None


@contextmanager
def tmpfs(directory: Path, size: str = "256k", read_only: bool = False, fill: bool = False) -> Iterator[Path]:
    """Mount a tmpfs of ``size`` on ``directory`` (made here); ``fill`` leaves it without a free byte,
    ``read_only`` remounts it read-only. Unmounted at the end."""
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(directory)], check=True)
    try:
        if fill:  # unbuffered, so that nothing is left to flush once the disk is full
            fd = os.open(directory / "filler", os.O_WRONLY | os.O_CREAT)
            try:
                while os.write(fd, b"\0" * 4096):
                    pass
            except OSError:
                pass
            finally:
                os.close(fd)
        if read_only:
            subprocess.run(["mount", "-o", "remount,ro", str(directory)], check=True)
        yield directory
    finally:
        subprocess.run(["umount", "-l", str(directory)], check=False)
