"""API keys, stored hashed in SQLite (`mt serve keys add|list|remove`).

A key is 32 random bytes (URL-safe base64, prefixed ``mt-``) shown once when it is made; the database keeps
only its SHA-256 (a key has 256 bits of entropy, so a plain hash is enough: there is nothing to guess), a name,
whether it is an admin key (admin keys may edit glossaries) and an optional per-key request limit.
The database is opened per call, so keys added or removed while the server runs take effect at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from mt.errors import InputError

SCHEMA = """CREATE TABLE IF NOT EXISTS keys (
    name TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    admin INTEGER NOT NULL DEFAULT 0,
    req_limit INTEGER,
    created TEXT NOT NULL
)"""


@dataclass(frozen=True)
class KeyInfo:
    name: str
    admin: bool
    req_limit: int | None  # requests per minute; None: the server's --req-limit
    created: str


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class KeyStore:
    """The key database at ``path`` (created by :meth:`add` when missing)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def _connect(self, create: bool = False) -> sqlite3.Connection:
        if not create and not self.path.is_file():
            raise InputError(f"{self.path}: no such key database; make one with mt serve keys add {self.path} NAME")
        try:
            connection = sqlite3.connect(self.path, timeout=5)
            connection.execute(SCHEMA)
        except sqlite3.DatabaseError as error:
            raise InputError(f"{self.path}: not a key database ({error})") from error
        return connection

    def check_readable(self) -> None:
        with closing(self._connect()):
            pass

    def add(self, name: str, *, admin: bool = False, req_limit: int | None = None) -> str:
        """Make a key named ``name``; return it (the only time it is seen in clear)."""
        name = name.strip()
        if not name or len(name) > 100 or any(c in name for c in "\t\r\n"):
            raise InputError("a key name is 1 to 100 characters on one line")
        if req_limit is not None and req_limit < 1:
            raise InputError("--req-limit must be at least 1 request per minute")
        key = "mt-" + secrets.token_urlsafe(32)
        created = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        with closing(self._connect(create=True)) as db, db:
            try:
                db.execute(
                    "INSERT INTO keys (name, hash, admin, req_limit, created) VALUES (?, ?, ?, ?, ?)",
                    (name, key_hash(key), int(admin), req_limit, created),
                )
            except sqlite3.IntegrityError:
                raise InputError(
                    f"{self.path}: a key named {name!r} exists; remove it first or pick another name"
                ) from None
        return key

    def list(self) -> list[KeyInfo]:
        with closing(self._connect()) as db:
            rows = db.execute("SELECT name, admin, req_limit, created FROM keys ORDER BY name").fetchall()
        return [KeyInfo(name, bool(admin), limit, created) for name, admin, limit, created in rows]

    def remove(self, name: str) -> None:
        with closing(self._connect()) as db, db:
            if db.execute("DELETE FROM keys WHERE name = ?", (name,)).rowcount == 0:
                raise InputError(f"{self.path}: no key named {name!r}")

    def lookup(self, key: str) -> KeyInfo | None:
        """The key's record, or None for an unknown key."""
        if not key or len(key) > 200:
            return None
        digest = key_hash(key)
        with closing(self._connect()) as db:
            row = db.execute(
                "SELECT name, hash, admin, req_limit, created FROM keys WHERE hash = ?", (digest,)
            ).fetchone()
        if row is None or not hmac.compare_digest(row[1], digest):
            return None
        return KeyInfo(row[0], bool(row[2]), row[3], row[4])
