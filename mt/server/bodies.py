"""Reading request bodies the way LibreTranslate does: JSON or form-encoded (or multipart), same field names,
and the language codes its clients send."""

from __future__ import annotations

import json

from fastapi import Request
from starlette.datastructures import UploadFile

from mt.server.errors import ApiError

SOURCES = {"ar": "Arabic"}
TARGETS = {"en": "English", "zh": "Chinese"}
LANGUAGE_NAMES = {**SOURCES, **TARGETS}
_TARGET_ALIASES = {"en": "en", "en-us": "en", "en-gb": "en", "zh": "zh", "zh-hans": "zh", "zh-cn": "zh",
                   "zh-sg": "zh", "cmn": "zh", "cmn-hans": "zh"}


async def read_fields(request: Request) -> dict:
    """The request's fields: a JSON object, or form fields (a repeated form field becomes a list)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.form()
        fields: dict = {}
        for name in form.keys():
            values = form.getlist(name)
            fields[name] = values[0] if len(values) == 1 else values
        return fields
    raw = await request.body()
    if not raw.strip():
        return dict(request.query_params)  # GET-style clients send the fields in the query string
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ApiError(400, "the body is not valid JSON (send JSON or form fields)") from None
    if not isinstance(data, dict):
        raise ApiError(400, f"the body must be a JSON object, not {type(data).__name__}")
    return data


def text_field(fields: dict, name: str, *, required: bool = True, default: str | None = None) -> str | None:
    value = fields.get(name)
    if value is None or value == "":
        if required and default is None:
            raise ApiError(400, f"Invalid request: missing {name} parameter")
        return default
    if not isinstance(value, str):
        raise ApiError(400, f"Invalid request: {name} must be a string, not {type(value).__name__}")
    return value


def texts_field(fields: dict, name: str = "q") -> tuple[list[str], bool]:
    """``q`` as a list of texts, and whether it came as a list."""
    value = fields.get(name)
    if value is None:
        raise ApiError(400, f"Invalid request: missing {name} parameter")
    if isinstance(value, str):
        return [value], False
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return list(value), True
    if isinstance(value, list) and not value:
        raise ApiError(400, f"Invalid request: {name} is an empty list")
    raise ApiError(400, f"Invalid request: {name} must be a string or a list of strings")


def int_field(fields: dict, name: str, default: int = 0) -> int:
    value = fields.get(name, default)
    if isinstance(value, bool):
        raise ApiError(400, f"Invalid request: {name} must be an integer")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ApiError(400, f"Invalid request: {name} must be an integer") from None
    if number < 0:
        raise ApiError(400, f"Invalid request: {name} must not be negative")
    return number


def target_code(value: str) -> str:
    """en or zh from what clients send (zh-Hans, zh-CN, zh_Hans ...); 400 naming the languages otherwise."""
    code = _TARGET_ALIASES.get(value.strip().lower().replace("_", "-"))
    if code is None:
        raise ApiError(400, f"{value} is not supported as a target language; choose en or zh")
    return code


def source_code(value: str) -> str:
    """ar or auto; 400 otherwise."""
    code = value.strip().lower()
    if code not in ("ar", "auto"):
        raise ApiError(400, f"{value} is not supported as a source language; this server translates from ar "
                       "(Arabic) or auto")
    return code


def upload_field(fields: dict, name: str = "file") -> UploadFile:
    value = fields.get(name)
    if not isinstance(value, UploadFile):
        raise ApiError(400, f"Invalid request: missing {name} parameter (a multipart file upload)")
    return value
