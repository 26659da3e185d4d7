"""Limits of the server: requests per minute per key or client (a moving window), and the request body size."""

from __future__ import annotations

import json
import time
from collections import deque


class RateLimiter:
    """At most ``limit`` requests in any 60 seconds per identity (a key's name, or the client's address).

    Used from the event loop only (no lock needed). :meth:`hit` records a request and answers whether it is
    allowed; a refused request is not recorded, so a client that backs off gets through again.
    """

    WINDOW = 60.0

    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self._hits: dict[str, deque] = {}

    def hit(self, identity: str, limit: int | None) -> bool:
        if not limit:
            return True
        now = self._clock()
        hits = self._hits.setdefault(identity, deque())
        while hits and hits[0] <= now - self.WINDOW:
            hits.popleft()
        if len(hits) >= limit:
            return False
        hits.append(now)
        if len(self._hits) > 10_000:  # forget idle identities
            for name in [n for n, h in self._hits.items() if not h or h[-1] <= now - self.WINDOW]:
                del self._hits[name]
        return True


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware: a request body over ``limit`` bytes is answered 413 with a one-line JSON error, whether
    it declares its length (refused before it is read) or streams it (refused once the limit is passed)."""

    def __init__(self, app, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def _refuse(self, send) -> None:
        body = json.dumps({"error": f"request body is larger than the server's limit of {self.limit} bytes"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared > self.limit or declared < 0:
                    await self._refuse(send)
                    return
        received = 0
        started = False

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge()
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(send)
