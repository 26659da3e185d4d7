"""Limits of the server: requests per minute per key or client (a moving window), the request body's size and
the time it may take to arrive."""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque

from mt.server.errors import ApiError


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


class BodyTooLarge(ApiError):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body is larger than the server's limit of {limit} bytes")


async def send_error(send, status: int, message: str) -> None:
    """Answer an ASGI request, from a middleware, with a one-line JSON error and close its connection."""
    body = json.dumps({"error": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def refusing(app, scope, receive, send, refused: type[ApiError]) -> None:
    """Run ``app``; an error of type ``refused`` raised before its answer started is answered with send_error
    (once the answer has started, the connection just ends)."""
    started = False

    async def tracking_send(message):
        nonlocal started
        if message["type"] == "http.response.start":
            started = True
        await send(message)

    try:
        await app(scope, receive, tracking_send)
    except refused as error:
        if not started:
            await send_error(send, error.status, error.message)


class BodyLimit:
    """ASGI middleware: a request body over ``limit`` bytes is answered 413 with a one-line JSON error, whether
    it declares its length (refused before it is read) or streams it (refused once the limit is passed)."""

    def __init__(self, app, limit: int) -> None:
        self.app = app
        self.limit = limit

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
                    error = BodyTooLarge(self.limit)
                    await send_error(send, error.status, error.message)
                    return
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        await refusing(self.app, scope, limited_receive, send, BodyTooLarge)


class BodyTimedOut(ApiError):
    def __init__(self, timeout: float) -> None:
        super().__init__(408, f"the request body did not arrive within {timeout:g} s")


class BodyTimeout:
    """ASGI middleware: a request whose body has not fully arrived ``timeout`` seconds after the app first
    asked for it is answered 408 (one-line JSON error) and its connection closed: a client that sends headers
    and then stalls holds neither a connection nor the server's shutdown."""

    def __init__(self, app, timeout: float) -> None:
        self.app = app
        self.timeout = timeout

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        deadline: float | None = None
        complete = False

        async def timed_receive():
            nonlocal deadline, complete
            if complete:
                return await receive()
            deadline = deadline or time.monotonic() + self.timeout
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                raise BodyTimedOut(self.timeout) from None
            complete = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        await refusing(self.app, scope, timed_receive, send, BodyTimedOut)
