"""Translated files waiting to be downloaded: random unguessable names, an expiry, no path from the client.

A download name is 32 random hex digits, a dot and a cleaned file name; it is looked up in this store's own
index (never joined to a path as sent), so "../" or an absolute path in a name is simply not found. Files live
in a private temporary folder, are removed when they expire (checked on every store and fetch) and when the
server stops.
"""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path, PurePath

from mt.formats.writing import write_bytes_atomic

NAME_RE = re.compile(r"^[0-9a-f]{32}\.[A-Za-z0-9._-]{1,120}$")


def clean_file_name(name: str, default: str = "file.txt") -> str:
    """The last part of an uploaded file's name, with only letters, digits, '.', '_' and '-' kept."""
    base = PurePath(name.replace("\\", "/")).name
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._") or default
    return cleaned[-120:]


@dataclass(frozen=True)
class Download:
    name: str
    path: Path
    expires: float  # time.time() seconds


class DownloadStore:
    def __init__(self, expiry_s: float = 1800.0, clock=time.time) -> None:
        self.expiry_s = expiry_s
        self._clock = clock
        self._dir = Path(tempfile.mkdtemp(prefix="mt-serve-downloads-"))
        self._files: dict[str, Download] = {}
        self._lock = threading.Lock()

    def put(self, file_name: str, data: bytes) -> Download:
        self.expire()
        name = f"{secrets.token_hex(16)}.{clean_file_name(file_name)}"
        path = self._dir / name
        write_bytes_atomic(path, data)
        download = Download(name, path, self._clock() + self.expiry_s)
        with self._lock:
            self._files[name] = download
        return download

    def get(self, name: str) -> Download | None:
        self.expire()
        if not NAME_RE.match(name):
            return None
        with self._lock:
            return self._files.get(name)

    def expire(self) -> None:
        now = self._clock()
        with self._lock:
            gone = [d for d in self._files.values() if d.expires <= now]
            for download in gone:
                del self._files[download.name]
        for download in gone:
            download.path.unlink(missing_ok=True)

    def close(self) -> None:
        with self._lock:
            self._files.clear()
        shutil.rmtree(self._dir, ignore_errors=True)
