"""``POST /deidentify``: the de-identifier over HTTP for integration engineers.

Same shapes as the ``cds-service deidentify`` JSONL tool: ``{"id", "text", "patient"?}`` in
(one object, or a list of them), ``{"id", "text", "spans": [{"start", "end", "category"}]}``
out, spans referring to the input text. Behind SMART auth like the FHIR routes.
"""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from service import deid
from service.api.body import JSON_TYPES, read_json
from service.api.deps import authenticator, engine_of, record_of
from service.api.routing import PlainRoute
from service.errors import InvalidRequest

router = APIRouter(tags=["de-identification"], route_class=PlainRoute)

MAX_ITEMS = 1000


def _one(
    item: Any, index: int | None, key: bytes, operators: dict[str, str]
) -> tuple[dict[str, Any], dict[str, int]]:
    where = f"[{index}]" if index is not None else ""
    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
        raise InvalidRequest("each item needs a string 'text'", expression=[f"{where}.text"])
    patient = item.get("patient")
    if patient is not None and (
        not isinstance(patient, dict) or patient.get("resourceType") != "Patient"
    ):
        raise InvalidRequest("'patient' must be a FHIR Patient", expression=[f"{where}.patient"])
    ctx = deid.DeidContext.from_fhir(patient=patient, key=key, operators=operators)
    result = deid.deidentify(item["text"], ctx)
    out = {
        "id": item.get("id"),
        "text": result.text,
        "spans": [{"start": s.start, "end": s.end, "category": s.category} for s in result.spans],
    }
    return out, result.counts()


@router.post("/deidentify", summary="De-identify free text")
async def deidentify(request: Request) -> Response:
    await authenticator(request).smart(request, write=None, reads=())
    payload = await read_json(request, accept=JSON_TYPES)
    engine = engine_of(request)
    key, ops = engine.settings.secret, dict(engine.operators)
    if isinstance(payload, list):
        if len(payload) > MAX_ITEMS:
            raise InvalidRequest(f"at most {MAX_ITEMS} items per request")

        def run_all() -> list[tuple[dict[str, Any], dict[str, int]]]:
            return [_one(item, i, key, ops) for i, item in enumerate(payload)]

        results = await anyio.to_thread.run_sync(run_all)
    else:
        results = [await anyio.to_thread.run_sync(_one, payload, None, key, ops)]
    record = record_of(request)
    for _, counts in results:
        record.phi_counts.update(counts)
    body: Any = [r for r, _ in results] if isinstance(payload, list) else results[0][0]
    return JSONResponse(body)
