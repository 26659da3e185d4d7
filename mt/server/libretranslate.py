"""The LibreTranslate API (v1.9 app.py): same paths, field names, status codes and ``{"error": ...}`` bodies.

POST /translate, GET /languages, POST /detect, POST /translate_file, GET /download_file/{name},
GET /frontend/settings, POST /suggest (disabled: 403), GET /spec (the OpenAPI description). Bodies are JSON
or form-encoded, with fields in the query string added; ``api_key`` is a body field (a header works too).
"""

from __future__ import annotations

import io
from pathlib import PurePath
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from mt.errors import InputError
from mt.formats import registry
from mt.server.bodies import (
    LANGUAGE_NAMES,
    LISTED_CODES,
    SOURCES,
    int_field,
    read_fields,
    source_code,
    required_text,
    text_field,
    texts_field,
    upload_field,
)
from mt.server.detection import detect, is_arabic
from mt.server.downloads import clean_file_name, output_name
from mt.server.errors import ApiError
from mt.server.service import Service, check_texts
from mt.text.lines import validate

router = APIRouter(tags=["LibreTranslate"])


def service(request: Request) -> Service:
    return request.app.state.service


async def translate_html(svc: Service, texts: list[str], to: str, request: Request) -> list[str]:
    """``format: html``: each text through the HTML document format (mt.formats.html), as a fragment or a page:
    paragraphs translated whole, inline tags placed on the words they wrapped."""
    fmt = registry.FORMATS["html"]
    out = []
    for text in texts:
        data = await svc.translate_document(fmt, text.encode("utf-8"), "q", to, request, svc.options.char_limit)
        out.append(data.decode("utf-8"))
    return out


def detected_sources(texts: list[str], is_list: bool, html: bool) -> list[dict]:
    """``source: auto``: each text's detected language (Arabic, else a 400 naming the text and what it is),
    judged on its words (for HTML, the visible text: not the tags, links or hashtags)."""
    detected = []
    for number, text in enumerate(texts):
        best = detect([text], html)[0]
        if not is_arabic(text, html):
            where = f"q[{number}]" if is_list else "q"
            raise ApiError(
                400,
                f"{where} was detected as {best['language']}, which is not supported as a source "
                "language; this server translates from ar (Arabic)",
            )
        detected.append({"confidence": 100.0 if best["confidence"] == 0 else best["confidence"], "language": "ar"})
    return detected


@router.post("/translate", summary="Translate text (LibreTranslate API)")
async def translate(request: Request) -> dict:
    svc = service(request)
    fields = await read_fields(request)
    svc.access.check(request, fields)
    texts, is_list = texts_field(fields)
    source = source_code(required_text(fields, "source"))
    to = svc.target(required_text(fields, "target"))
    fmt = text_field(fields, "format", required=False, default="text")
    if fmt not in ("text", "html"):
        raise ApiError(400, f"Invalid request: format must be text or html, not {fmt!r}")
    alternatives = int_field(fields, "alternatives", 0)
    check_texts(texts, listed=is_list)
    svc.check_chars(texts)
    detected = detected_sources(texts, is_list, fmt == "html") if source == "auto" else None
    if fmt == "html":
        translations = await translate_html(svc, texts, to, request)
    else:
        translations = await svc.translate_plain(texts, to, request)
    body: dict = {"translatedText": translations if is_list else translations[0]}
    if detected is not None:
        body["detectedLanguage"] = detected if is_list else detected[0]
    if alternatives:
        body["alternatives"] = [[] for _ in texts] if is_list else []
    return body


@router.get("/languages", summary="Supported languages (LibreTranslate API)")
async def languages(request: Request) -> list[dict]:
    listed = {code: name for target in service(request).options.targets for code, name in LISTED_CODES[target].items()}
    out = [{"code": code, "name": name, "targets": list(listed)} for code, name in SOURCES.items()]
    out += [{"code": code, "name": name, "targets": []} for code, name in listed.items()]
    return out


@router.post("/detect", summary="Detect the language of a text (by script)")
async def detect_language(request: Request) -> list[dict]:
    svc = service(request)
    fields = await read_fields(request)
    svc.access.check(request, fields)
    texts, is_list = texts_field(fields)
    check_texts(texts, listed=is_list)
    svc.check_chars(texts)
    return detect(texts)


def _file_suffixes() -> list[str]:
    suffixes = [".txt"]
    for fmt in registry.FORMATS.values():
        suffixes += [s for s in fmt.extensions if s not in suffixes]
    return suffixes


@router.get("/frontend/settings", summary="Settings for front ends (LibreTranslate API)")
async def frontend_settings(request: Request) -> dict:
    svc = service(request)
    targets = svc.options.targets
    return {
        "charLimit": svc.options.char_limit or -1,
        "frontendTimeout": 500,
        "apiKeys": svc.access.key_required,
        "keyRequired": svc.access.key_required,
        "suggestions": False,
        "filesTranslation": True,
        "supportedFilesFormat": _file_suffixes(),
        "language": {
            "source": {"code": "ar", "name": "Arabic"},
            "target": {"code": targets[0], "name": LANGUAGE_NAMES[targets[0]]},
        },
    }


def _public_base(request: Request) -> str:
    """The URL the client reached the server at: X-Forwarded-Proto/-Host/-Prefix (a TLS proxy) override the
    request's own scheme, host and path prefix."""
    proto = (request.headers.get("x-forwarded-proto") or request.url.scheme).split(",")[0].strip()
    host = request.headers.get("x-forwarded-host") or request.headers.get("host") or request.url.netloc
    host = host.split(",")[0].strip()
    prefix = (request.headers.get("x-forwarded-prefix") or request.scope.get("root_path") or "").rstrip("/")
    if proto not in ("http", "https"):
        proto = request.url.scheme
    return f"{proto}://{host}{prefix}"


def _text_file(data: bytes, name: str) -> str:
    """An uploaded plain-text file as text: UTF-8 (a BOM dropped), no NUL bytes (one-line errors)."""
    validate(io.BytesIO(data), name)
    return data.decode("utf-8").removeprefix("\ufeff")


@router.post("/translate_file", summary="Translate a file (LibreTranslate API)")
async def translate_file(request: Request) -> dict:
    svc = service(request)
    fields = await read_fields(request)
    svc.access.check(request, fields)
    upload = upload_field(fields)
    source_code(required_text(fields, "source"))
    to = svc.target(required_text(fields, "target"))
    name = clean_file_name(upload.filename or "file.txt")
    suffix = PurePath(name).suffix.lower()
    data = await upload.read()
    fmt = registry.format_for(name)
    if fmt is None and suffix not in registry.TEXT_EXTENSIONS:
        raise ApiError(
            400,
            f"{name}: {suffix or 'a file without an extension'} is not a supported file format; "
            f"supported: {', '.join(_file_suffixes())}",
        )
    if fmt is not None:
        output = await svc.translate_document(fmt, data, name, to, request)
    else:
        try:
            text = _text_file(data, name)
        except InputError as error:
            raise ApiError(400, str(error)) from error
        svc.check_chars([text], svc.options.file_char_limit)
        lines = text.split("\n")
        final_newline = text.endswith("\n")
        if final_newline:
            lines.pop()
        translated = await svc.translate_plain(lines, to, request) if lines else []
        output = ("\n".join(translated) + ("\n" if final_newline else "")).encode("utf-8")
    download = svc.downloads.put(output_name(name, to), output)
    return {
        "translatedFileUrl": f"{_public_base(request)}/download_file/{quote(download.name)}",
        "expiresIn": int(svc.options.file_expiry_s),
    }


@router.get("/download_file/{name}", summary="Download a translated file")
async def download_file(request: Request, name: str) -> FileResponse:
    found = service(request).downloads.get(name)
    if found is None:
        raise ApiError(404, "no such file (the link is wrong or has expired)")
    return FileResponse(found.path, filename=found.name[33:], media_type="application/octet-stream")


@router.post("/suggest", summary="Suggest a better translation (disabled on this server)")
async def suggest(request: Request) -> dict:
    raise ApiError(403, "Suggestions are disabled on this server.")


@router.get("/spec", summary="The API description (OpenAPI), as LibreTranslate serves it")
async def spec(request: Request) -> dict:
    return request.app.openapi()
