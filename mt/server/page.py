"""The web page at / and the API documentation at /docs: static files shipped in the package
(mt/server/static), nothing from outside (/docs reads the OpenAPI description from /openapi.json)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).resolve().parent / "static"

router = APIRouter(include_in_schema=False)


@router.get("/")
async def index() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")


@router.get("/docs")
async def docs() -> FileResponse:
    return FileResponse(STATIC / "docs.html", media_type="text/html; charset=utf-8")


def static_files() -> StaticFiles:
    return StaticFiles(directory=STATIC)
