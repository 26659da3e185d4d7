"""Every error answer is LibreTranslate's shape, ``{"error": "one line"}``, with the status that names the
kind of problem (400 bad input, 403 key, 404, 405, 409, 413, 429, 500). A failure inside the server is logged
with its traceback and answered with a generic line: no path, stack trace or other client's text leaves it."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from mt.errors import GlossaryError, InputError

log = logging.getLogger("mt.server")

INTERNAL = "the server failed to handle this request (the error is in its log)"


class ApiError(Exception):
    """An answer other than 200: ``status`` and a one-line message for the client."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = " ".join(message.split())


def error_response(status: int, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": " ".join(str(message).split())}, status_code=status, headers=headers)


def _validation_message(error: RequestValidationError) -> str:
    first = error.errors()[0] if error.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "body"
    if first.get("type") == "json_invalid":
        return "the body is not valid JSON"
    return f"{where}: {first.get('msg', 'invalid value')}"


def install(app: FastAPI) -> None:
    """Register the handlers that turn every exception into ``{"error": ...}``."""

    @app.exception_handler(ApiError)
    async def _api(request: Request, error: ApiError) -> JSONResponse:
        headers = {"Retry-After": "60"} if error.status == 429 else None
        if error.status in (408, 413):  # the body may not have been read to its end: the connection cannot go on
            headers = {"Connection": "close"}
        return error_response(error.status, error.message, headers)

    @app.exception_handler(InputError)
    async def _input(request: Request, error: InputError) -> JSONResponse:
        return error_response(400, str(error))

    @app.exception_handler(GlossaryError)
    async def _glossary(request: Request, error: GlossaryError) -> JSONResponse:
        return error_response(409 if "already exists" in str(error) else 400, str(error))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> JSONResponse:
        return error_response(400, _validation_message(error))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        message = {404: "not found", 405: "method not allowed"}.get(error.status_code, str(error.detail))
        return error_response(
            error.status_code,
            f"{message}: {request.method} {request.url.path}" if error.status_code in (404, 405) else message,
        )

    @app.exception_handler(Exception)
    async def _internal(request: Request, error: Exception) -> JSONResponse:
        log.error("%s %s failed", request.method, request.url.path, exc_info=error)
        return error_response(500, INTERNAL)
