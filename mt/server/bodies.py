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
# the codes /languages lists per target: LibreTranslate's current code for Chinese is zh-Hans, older ones zh
LISTED_CODES = {"en": {"en": "English"}, "zh": {"zh": "Chinese", "zh-Hans": "Chinese (Simplified)"}}
_TARGET_ALIASES = {
    "en": "en",
    "en-us": "en",
    "en-gb": "en",
    "zh": "zh",
    "zh-hans": "zh",
    "zh-cn": "zh",
    "zh-sg": "zh",
    "cmn": "zh",
    "cmn-hans": "zh",
}


async def read_fields(request: Request) -> dict:
    """The request's fields: a JSON object, or form fields (a repeated form field becomes a list); fields in
    the query string are added where the body has none (LibreTranslate reads ``request.values``)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.form()
        fields: dict = {}
        for name in form.keys():
            items = form.getlist(name)
            fields[name] = items[0] if len(items) == 1 else items
    else:
        raw = await request.body()
        fields = parse_json_object(raw) if raw.strip() else {}
    for name in request.query_params.keys():
        if name not in fields:
            values = request.query_params.getlist(name)
            fields[name] = values[0] if len(values) == 1 else values
    return fields


def parse_json_object(raw: bytes) -> dict:
    """A JSON body as a dict; 400 with one line for anything else (bad JSON, nesting too deep for Python's
    parser, a number with more digits than Python converts)."""
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ApiError(400, "the body is not valid JSON (send JSON or form fields)") from None
    except RecursionError:
        raise ApiError(400, "the body is not valid JSON: nested too deep") from None
    except ValueError as error:  # e.g. an integer of more than 4,300 digits
        raise ApiError(400, f"the body is not valid JSON: {error}") from None
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


def required_text(fields: dict, name: str) -> str:
    """A required string field: 400 with one line when it is missing or not a string."""
    value = text_field(fields, name)
    if value is None:  # text_field refuses a missing required field: this is for the type checker
        raise ApiError(400, f"Invalid request: missing {name} parameter")
    return value


def texts_field(fields: dict, name: str = "q") -> tuple[list[str], bool]:
    """``q`` as a list of texts, and whether it came as a list."""
    value = fields.get(name)
    if value is None or value == "":
        raise ApiError(400, f"Invalid request: missing {name} parameter")
    if isinstance(value, str):
        return [value], False
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return list(value), True
    if isinstance(value, list) and not value:
        raise ApiError(400, f"Invalid request: {name} is an empty list")
    raise ApiError(400, f"Invalid request: {name} must be a string or a list of strings")


def int_field(fields: dict, name: str, default: int = 0) -> int:
    """A whole number, negative ones taken as 0 (as LibreTranslate does for ``alternatives``)."""
    value = fields.get(name, default)
    if isinstance(value, bool) or isinstance(value, float) and not value.is_integer():
        raise ApiError(400, f"Invalid request: {name} parameter is not a number")
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise ApiError(400, f"Invalid request: {name} parameter is not a number") from None
    return max(0, number)


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
        raise ApiError(
            400, f"{value} is not supported as a source language; this server translates from ar (Arabic) or auto"
        )
    return code


def upload_field(fields: dict, name: str = "file") -> UploadFile:
    value = fields.get(name)
    if not isinstance(value, UploadFile):
        raise ApiError(400, f"Invalid request: missing {name} parameter (a multipart file upload)")
    return value
