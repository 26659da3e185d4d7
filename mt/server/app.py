"""The app factory: ``create_app(translator, glossaries, options)`` gives the FastAPI app of `mt serve`.

The translator's models should be loaded already (``translator.legs(to)`` for each target): the server does
no loading on a request. The worker thread starts with the app (lifespan) and, when the server stops
(uvicorn's graceful shutdown on SIGTERM: in-flight requests are answered first, those past the shutdown timeout
cancelled), finishes its queue and ends.

Around the routes, outermost first: X-Forwarded-* only from trusted proxies, CORS (``Access-Control-Allow-*``
on every answer to a browser, preflight OPTIONS answered), the body's time limit, the body's size limit.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from mt.pipeline import Translator
from mt.server import errors, libretranslate, native, page
from mt.server.forwarding import ForwardedHeaders
from mt.server.glossaries import GlossaryStore
from mt.server.limits import BodyLimit, BodyTimeout
from mt.server.logs import ACCESS_LOGGER, RedactKeys
from mt.server.service import ServerOptions, Service

CORS_MAX_AGE_S = 20 * 24 * 3600  # as LibreTranslate


class AnyOriginOnEveryAnswer:
    """ASGI middleware for ``--cors-origins '*'``: ``Access-Control-Allow-Origin: *`` on every answer, also to a
    request without an Origin header (CORSMiddleware answers only those that carry one), as LibreTranslate does."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_origin(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                if not any(name.lower() == b"access-control-allow-origin" for name, _ in headers):
                    headers.append((b"access-control-allow-origin", b"*"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_origin)


def create_app(
    translator: Translator, glossaries: GlossaryStore | None = None, options: ServerOptions | None = None
) -> FastAPI:
    service = Service(translator, glossaries or GlossaryStore(), options or ServerOptions())
    redact = RedactKeys()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        logging.getLogger(ACCESS_LOGGER).addFilter(redact)
        service.start()
        try:
            yield
        finally:
            service.stop()
            logging.getLogger(ACCESS_LOGGER).removeFilter(redact)

    app = FastAPI(
        title="Tarjama",
        summary="Arabic into English and Chinese, with enforced terminology; LibreTranslate-compatible",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.service = service
    errors.install(app)
    opts = service.options
    app.add_middleware(BodyLimit, limit=opts.body_limit)
    app.add_middleware(BodyTimeout, timeout=opts.body_timeout_s)
    if opts.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(opts.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-API-Key"],
            max_age=CORS_MAX_AGE_S,
        )
        if tuple(opts.cors_origins) == ("*",):
            app.add_middleware(AnyOriginOnEveryAnswer)
    app.add_middleware(ForwardedHeaders, trusted=opts.forwarded_allow_ips)
    app.include_router(libretranslate.router)
    app.include_router(native.router)
    app.include_router(page.router)
    app.mount("/static", page.static_files(), name="static")
    return app
