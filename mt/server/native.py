"""Tarjama's own API under /v1: translations with sentences, scores and terms; glossaries (browse, add a
concept with an admin key); evaluation; and /health."""

from __future__ import annotations

import asyncio
from typing import Literal, Union

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from mt.evaluation import evaluate
from mt.glossary.edit import ConceptFields
from mt.server.errors import ApiError
from mt.server.glossaries import concept_dict
from mt.server.service import Service, input_result

router = APIRouter(tags=["Tarjama"])


def service(request: Request) -> Service:
    return request.app.state.service


class TranslateBody(BaseModel):
    q: Union[str, list[str]] = Field(description="Arabic text, or a list of texts")
    target: str = Field(description="en or zh (zh-Hans, zh-CN accepted)")
    glossary: str | None = Field(None, description="A glossary name (GET /v1/glossaries); default: the server's")
    glossary_mode: Literal["strict", "soft", "off"] = "strict"
    qe: bool = Field(False, description="Quality estimation: risk (0-1) and flags per sentence and per text")
    api_key: str | None = None


class ConceptBody(BaseModel):
    ar: Union[str, list[str]] = Field(description="Arabic source variants (a list, or '|'-separated)")
    en: Union[str, list[str]] = Field("", description="English preferred term, then accepted alternatives")
    zh: Union[str, list[str]] = Field("", description="Chinese preferred term, then accepted alternatives")
    id: str | None = Field(None, description="Concept id (default: made from the English term)")
    type: str = "other"
    note: str = ""
    forbidden_en: Union[str, list[str]] = ""
    forbidden_zh: Union[str, list[str]] = ""
    api_key: str | None = None


class EvaluateBody(BaseModel):
    hypotheses: Union[list[str], dict[str, list[str]]] = Field(description="One system's lines, or name -> lines")
    references: Union[list[str], list[list[str]]] = Field(description="One reference (lines) or several")
    lang: Literal["en", "zh"] | None = None
    metrics: Union[str, list[str], None] = None
    sources: list[str] | None = None
    api_key: str | None = None


def _terms(value: Union[str, list[str]]) -> list[str]:
    items = value.split("|") if isinstance(value, str) else value
    return [t.strip() for t in items if t.strip()]


@router.post("/v1/translate", summary="Translate with sentences, scores and glossary terms")
async def translate(request: Request, body: TranslateBody) -> dict:
    svc = service(request)
    svc.access.check(request, {"api_key": body.api_key})
    texts = [body.q] if isinstance(body.q, str) else list(body.q)
    if not texts:
        raise ApiError(400, "q: an empty list")
    to = svc.target(body.target)
    svc.check_chars(texts)
    results = await svc.translate(texts, to, body.glossary, body.glossary_mode, request)
    if body.qe:
        results = await svc.assess(results, to)
    return {
        "target": to,
        "glossary": body.glossary,
        "glossary_mode": body.glossary_mode,
        "results": [input_result(text, lines) for text, lines in zip(texts, results)],
    }


# glossaries are read on the worker thread, where they are edited: never in the middle of an edit


@router.get("/v1/glossaries", summary="The server's glossaries")
async def glossaries(request: Request) -> dict:
    svc = service(request)
    svc.access.check(request, dict(request.query_params))
    store = svc.glossaries
    return await svc.on_worker(
        lambda worker: {
            "glossaries": [
                {"name": name, "concepts": len(store.get(name)), "editable": store.editable(name)}
                for name in store.names
            ]
        }
    )


@router.get("/v1/glossaries/{name}", summary="Every concept of a glossary")
async def glossary(request: Request, name: str) -> dict:
    svc = service(request)
    svc.access.check(request, dict(request.query_params))
    store = svc.glossaries
    if name not in store:
        raise ApiError(404, f"no glossary named {name!r}")
    return await svc.on_worker(
        lambda worker: {
            "name": name,
            "editable": store.editable(name),
            "concepts": [concept_dict(c) for c in store.get(name)],
        }
    )


@router.post(
    "/v1/glossaries/{name}/concepts", status_code=201, summary="Add a concept (validated as mt glossary add; admin key)"
)
async def add_concept(request: Request, name: str, body: ConceptBody) -> dict:
    svc = service(request)
    svc.access.check(request, {"api_key": body.api_key}, admin=True)
    if name not in svc.glossaries:
        raise ApiError(404, f"no glossary named {name!r}")
    fields: ConceptFields = {
        "ar": _terms(body.ar),
        "en": _terms(body.en),
        "zh": _terms(body.zh),
        "concept_id": body.id,
        "type": body.type.strip().lower() or "other",
        "note": body.note,
        "forbidden_en": _terms(body.forbidden_en),
        "forbidden_zh": _terms(body.forbidden_zh),
    }
    if not body.id and not fields["en"]:
        raise ApiError(400, "no id given and no English term to make one from")

    # on the worker thread: no translation is matched against a half-edited glossary
    def add(worker) -> dict:
        concept, issues = svc.glossaries.add(name, fields)
        return {
            "added": concept_dict(concept),
            "warnings": [i.message for i in issues],
            "concepts": len(svc.glossaries.get(name)),
        }

    return await svc.on_worker(add)


@router.post("/v1/evaluate", summary="Score hypotheses against references (mt evaluate's JSON)")
async def evaluate_route(request: Request, body: EvaluateBody) -> dict:
    svc = service(request)
    svc.access.check(request, {"api_key": body.api_key})
    systems = body.hypotheses if isinstance(body.hypotheses, dict) else {"hypothesis": body.hypotheses}
    references = body.references
    svc.check_chars(
        [line for lines in systems.values() for line in lines]
        + [line for ref in references for line in ([ref] if isinstance(ref, str) else ref)]
        + list(body.sources or []),
        svc.options.eval_char_limit,
    )
    if not systems or not references:
        raise ApiError(400, "hypotheses and references must not be empty")
    result = await asyncio.get_running_loop().run_in_executor(
        None, lambda: evaluate(systems, references, lang=body.lang, metrics=body.metrics, sources=body.sources)
    )
    return result.to_dict()


@router.get("/health", summary="Whether the server is up and what it serves")
async def health(request: Request) -> dict:
    svc = service(request)
    return {
        "status": "ok",
        "source": "ar",
        "targets": list(svc.options.targets),
        "glossaries": svc.glossaries.names,
        "keyRequired": svc.access.key_required,
        "stats": {
            "translation_requests": svc.worker.jobs_done,
            "translate_calls": svc.worker.decode_calls,
            "cancelled": svc.worker.jobs_cancelled,
        },
    }
