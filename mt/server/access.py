"""Who may do what: API keys (required when the server has a key database), admin keys for glossary edits,
and the requests-per-minute limit per key or client address."""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, field

from fastapi import Request

from mt.errors import InputError
from mt.server.errors import ApiError
from mt.server.keys import KeyInfo, KeyStore
from mt.server.limits import RateLimiter

log = logging.getLogger("mt.server")


def presented_key(request: Request, fields: dict) -> str | None:
    """The key a client sent: the ``api_key`` field (LibreTranslate), ``X-API-Key`` or ``Authorization: Bearer``."""
    key = fields.get("api_key")
    if isinstance(key, str) and key:
        return key
    header = request.headers.get("x-api-key") or ""
    if header:
        return header
    auth = request.headers.get("authorization") or ""
    if auth.lower().startswith("bearer "):
        return auth[7:].strip() or None
    return None


@dataclass
class Access:
    keys: KeyStore | None = None  # None: no keys, every client is anonymous (and no glossary edits)
    req_limit: int | None = None  # requests per minute per key or client; None: unlimited
    limiter: RateLimiter = field(default_factory=RateLimiter)

    @property
    def key_required(self) -> bool:
        return self.keys is not None

    def check(self, request: Request, fields: dict, *, admin: bool = False) -> KeyInfo | None:
        """The caller's key (None: anonymous); 403 for a missing or invalid key where one is needed, 429 over
        the rate limit (counted for this request)."""
        key = presented_key(request, fields)
        info = None
        if self.keys is not None:
            if key is None:
                raise ApiError(403, "this server requires an API key (api_key); ask its operator for one")
            info = self._lookup(self.keys, key)
            if info is None:
                raise ApiError(403, "Invalid API key")
        if admin and (info is None or not info.admin):
            if self.keys is None:
                raise ApiError(
                    403,
                    "editing glossaries needs an admin API key, and this server has no key database "
                    "(start it with --api-keys FILE; mt serve keys add FILE NAME --admin)",
                )
            raise ApiError(403, "editing glossaries needs an admin API key")
        identity = f"key:{info.name}" if info else f"client:{request.client.host if request.client else '?'}"
        limit = info.req_limit if info is not None and info.req_limit else self.req_limit
        if not self.limiter.hit(identity, limit):
            raise ApiError(429, f"Slowdown: too many requests ({limit} per minute)")
        return info

    @staticmethod
    def _lookup(keys: KeyStore, key: str) -> KeyInfo | None:
        """The key's record; a key database that is missing or unreadable is logged (with its path) and
        answered 503 without it."""
        try:
            return keys.lookup(key)
        except (InputError, sqlite3.Error) as error:
            log.error("the API key database cannot be read: %s", error)
            raise ApiError(503, "the server's API key database cannot be read (the error is in its log)") from None
