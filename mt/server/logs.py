"""Keys never reach a log: the access log's request line has ``api_key=...`` (and other secrets given in the
query string) replaced by ``api_key=[redacted]``."""

from __future__ import annotations

import logging
import re

ACCESS_LOGGER = "uvicorn.access"
_SECRET = re.compile(r"((?:^|[?&;])(?:api_key|apikey|key|secret|token|access_token)=)[^&;\s\"]*", re.IGNORECASE)


def redact(text: str) -> str:
    return _SECRET.sub(r"\1[redacted]", text)


class RedactKeys(logging.Filter):
    """A filter for uvicorn's access logger (its arguments: client, method, path with query, version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True
