"""Which X-Forwarded-* headers count: only those a trusted proxy set (``--forwarded-allow-ips``).

From any other peer they are dropped before the app sees them, so a client can neither pick the address the
rate limit counts (X-Forwarded-For) nor the host of the download links it gets back (X-Forwarded-Host). From a
trusted proxy, uvicorn's ProxyHeadersMiddleware sets the client's address and scheme (X-Forwarded-For,
-Proto), and the routes read X-Forwarded-Host and -Prefix for the links.
"""

from __future__ import annotations

import ipaddress
from typing import Sequence

from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware


class TrustedPeers:
    """Addresses and networks ("10.0.0.0/8"), or "*" for any peer."""

    def __init__(self, entries: Sequence[str]) -> None:
        self.any = "*" in entries
        self.networks = [ipaddress.ip_network(e, strict=False) for e in entries if e != "*"]

    def __contains__(self, host: object) -> bool:
        if self.any:
            return True
        try:
            address = ipaddress.ip_address(str(host))
        except ValueError:
            return False
        return any(address in network for network in self.networks)


class ForwardedHeaders:
    """ASGI middleware: X-Forwarded-* from a trusted peer are used, from any other peer removed."""

    def __init__(self, app, trusted: Sequence[str] = ()) -> None:
        self.app = app
        self.trusted = TrustedPeers(trusted)
        self.proxy = ProxyHeadersMiddleware(app, trusted_hosts=list(trusted)) if trusted else None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        if self.proxy is not None and client and client[0] in self.trusted:
            await self.proxy(scope, receive, send)
            return
        headers = [(name, value) for name, value in scope.get("headers", ()) if not name.startswith(b"x-forwarded-")]
        await self.app({**scope, "headers": headers}, receive, send)


def parse_peers(value: str | None) -> tuple[str, ...]:
    """``--forwarded-allow-ips`` (comma-separated addresses, networks or "*") as a tuple; ValueError names a bad
    entry."""
    entries = tuple(e.strip() for e in (value or "").split(",") if e.strip())
    for entry in entries:
        if entry != "*":
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"--forwarded-allow-ips: {entry!r} is not an address or network") from None
    return entries
