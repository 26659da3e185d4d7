"""`mt serve`: a LibreTranslate-compatible HTTP server with a native /v1 API and a web page (extra "server").

    from mt.server import ServerOptions, create_app
    app = create_app(translator, GlossaryStore([path]), ServerOptions(char_limit=5000))

Modules: app (factory), libretranslate and native (routes), page (the web page), worker (the thread that owns
the Translator and shares decodes), service (what routes share), glossaries, keys, access, limits, downloads,
bodies and errors (LibreTranslate's request and error shapes).
"""

from mt.server.app import create_app
from mt.server.glossaries import GlossaryStore
from mt.server.service import ServerOptions

__all__ = ["create_app", "GlossaryStore", "ServerOptions"]
