"""`mt serve`: a LibreTranslate-compatible HTTP server with a native /v1 API and a web page (extra "server").

    from mt.server import ServerOptions, create_app
    app = create_app(translator, GlossaryStore([path]), ServerOptions(char_limit=5000))

Modules: app (factory), libretranslate and native (routes), page (the web page), worker (the thread that owns
the Translator and shares decodes), service (what routes share), glossaries, keys, access, limits, downloads,
bodies and errors (LibreTranslate's request and error shapes). The names below are imported on first use
(mt.plugins), so that `mt serve keys` (SQLite only) runs without FastAPI.
"""

from __future__ import annotations

from typing import Any

from mt.plugins import Plugin

_NEEDS = ("fastapi", "starlette", "uvicorn", "multipart")
_EXPORTS = {
    "create_app": Plugin("mt.server.app:create_app", extra="server", needs=_NEEDS, what="mt serve"),
    "GlossaryStore": Plugin("mt.server.glossaries:GlossaryStore", extra="server", needs=_NEEDS, what="mt serve"),
    "ServerOptions": Plugin("mt.server.service:ServerOptions", extra="server", needs=_NEEDS, what="mt serve"),
}
__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'mt.server' has no attribute {name!r}")
    return _EXPORTS[name].load()
