"""CDS Hooks 2.0 routes: discovery, service calls and feedback (https://cds-hooks.hl7.org/2.0/)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from service import pipeline
from service.api.body import JSON_TYPES, read_json
from service.api.deps import authenticator, engine_of, record_of
from service.api.errors import FastJSONResponse
from service.api.routing import PlainRoute
from service.errors import NotFound
from service.interop.cds_hooks import SERVICES, ServiceDefinition, discovery_document

router = APIRouter(prefix="/cds-services", tags=["CDS Hooks"], route_class=PlainRoute)

_BY_ID = {s.id: s for s in SERVICES}


def _service(service_id: str) -> ServiceDefinition:
    try:
        return _BY_ID[service_id]
    except KeyError:
        raise NotFound("no CDS service with this id") from None


@router.get("", summary="Discovery")
async def discovery(request: Request) -> Response:
    await authenticator(request).cds_hooks(request)
    return JSONResponse(discovery_document(SERVICES))


@router.post("/{service_id}", summary="Call a CDS service")
async def call_service(service_id: str, request: Request) -> Response:
    service = _service(service_id)
    record = record_of(request)
    record.endpoint = f"cds-services/{service.id}"
    await authenticator(request).cds_hooks(request)
    payload = await read_json(request, accept=JSON_TYPES)
    result = await pipeline.run_hook(engine_of(request), service, payload, record=record)
    return FastJSONResponse(result, headers={"Server-Timing": record.timer.server_timing()})


@router.post("/{service_id}/feedback", summary="Card feedback")
async def feedback(service_id: str, request: Request) -> Response:
    service = _service(service_id)
    record = record_of(request)
    record.endpoint = f"cds-services/{service.id}/feedback"
    caller = await authenticator(request).cds_hooks(request)
    payload = await read_json(request, accept=JSON_TYPES)
    await pipeline.store_feedback(engine_of(request), service, payload, caller=caller)
    return JSONResponse({}, status_code=200)
