"""Translated files waiting to be downloaded: random unguessable names, an expiry, no path from the client.

A download name is 32 random hex digits, a dot and a cleaned file name (letters and digits of any script
kept: ``تقرير.docx`` stays ``تقرير.docx``); it is looked up in this store's own
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
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePath

from mt.formats.writing import write_bytes_atomic

NAME_RE = re.compile(r"^[0-9a-f]{32}\.[\w.-]{1,120}$")
_UNSAFE = re.compile(r"[^\w.-]+")  # \w: letters, digits and _ of every script; no separators, no controls


def _clean(part: str) -> str:
    return _UNSAFE.sub("_", part).strip("._")


def clean_file_name(name: str, default: str = "file.txt") -> str:
    """The last part of an uploaded file's name (NFC), with only letters and digits of any script, '.', '_'
    and '-' kept (spaces and anything else become '_'); its extension kept whatever its stem is."""
    base = unicodedata.normalize("NFC", PurePath(name.replace("\\", "/")).name)
    path = PurePath(base) if base not in ("", ".", "..") else PurePath(default)
    stem, suffix = _clean(path.stem) or "file", _clean(path.suffix)
    if not suffix and path.suffix == "" and path.stem.startswith("."):  # ".docx": an extension, no stem
        stem, suffix = "file", _clean(path.stem)
    cleaned = f"{stem}.{suffix}" if suffix else stem
    return cleaned if len(cleaned) <= 120 else f"{stem[: 119 - len(suffix)]}.{suffix}"


def output_name(name: str, to: str) -> str:
    """The translated file's name: the target language before the extension (report.docx -> report.en.docx)."""
    stem, dot, ext = name.rpartition(".")
    return f"{stem}.{to}.{ext}" if dot and stem else f"{name}.{to}"


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
