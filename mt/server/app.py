"""The app factory: ``create_app(translator, glossaries, options)`` gives the FastAPI app of `mt serve`.

The translator's models should be loaded already (``translator.legs(to)`` for each target): the server does
no loading on a request. The worker thread starts with the app (lifespan) and, when the server stops
(uvicorn's graceful shutdown on SIGTERM: in-flight requests are answered first), finishes its queue and ends.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from mt.pipeline import Translator
from mt.server import errors, libretranslate, native, page
from mt.server.glossaries import GlossaryStore
from mt.server.limits import BodyLimit
from mt.server.service import ServerOptions, Service


def create_app(translator: Translator, glossaries: GlossaryStore | None = None,
               options: ServerOptions | None = None) -> FastAPI:
    service = Service(translator, glossaries or GlossaryStore(), options or ServerOptions())

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        service.start()
        try:
            yield
        finally:
            service.stop()

    app = FastAPI(title="Tarjama", summary="Arabic into English and Chinese, with enforced terminology; "
                  "LibreTranslate-compatible", lifespan=lifespan, docs_url="/docs", redoc_url=None)
    app.state.service = service
    errors.install(app)
    app.add_middleware(BodyLimit, limit=service.options.body_limit)
    app.include_router(libretranslate.router)
    app.include_router(native.router)
    app.include_router(page.router)
    app.mount("/static", page.static_files(), name="static")
    return app
