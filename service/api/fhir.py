"""FHIR routes: ``$assess`` on DocumentReference, Observation and Bundles, and ``metadata``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from service import __version__, pipeline
from service.api.body import FHIR_TYPES, read_json
from service.api.deps import authenticator, engine_of, record_of
from service.api.errors import FhirJSONResponse
from service.api.routing import PlainRoute
from service.interop.capability import capability_statement

router = APIRouter(prefix="/fhir", tags=["FHIR"], route_class=PlainRoute)

_WRITE = "RiskAssessment"


def _fhir(body: dict[str, object], request: Request) -> Response:
    headers = {"Server-Timing": record_of(request).timer.server_timing()}
    return FhirJSONResponse(body, headers=headers)


@router.post("/DocumentReference/$assess", summary="Score one DocumentReference")
async def assess_document(request: Request) -> Response:
    await authenticator(request).smart(request, write=_WRITE, reads=("DocumentReference",))
    payload = await read_json(request, accept=FHIR_TYPES)
    result = await pipeline.assess_resource(
        engine_of(request), payload, resource_type="DocumentReference", record=record_of(request)
    )
    return _fhir(result, request)


@router.post("/Observation/$assess", summary="Score one text Observation")
async def assess_observation(request: Request) -> Response:
    await authenticator(request).smart(request, write=_WRITE, reads=("Observation",))
    payload = await read_json(request, accept=FHIR_TYPES)
    result = await pipeline.assess_resource(
        engine_of(request), payload, resource_type="Observation", record=record_of(request)
    )
    return _fhir(result, request)


@router.post("/$assess", summary="Score every note of a batch or collection Bundle")
async def assess_bundle(request: Request) -> Response:
    await authenticator(request).smart(
        request, write=_WRITE, reads=("DocumentReference", "Observation")
    )
    payload = await read_json(request, accept=FHIR_TYPES)
    result = await pipeline.assess_bundle(engine_of(request), payload, record=record_of(request))
    return _fhir(result, request)


@router.get("/metadata", summary="CapabilityStatement")
async def metadata(request: Request) -> Response:
    engine = engine_of(request)
    body = capability_statement(
        base_url=engine.settings.public_base_url,
        auth_enabled=engine.settings.auth_enabled,
        software_version=__version__,
        model=engine.model,
    )
    return FhirJSONResponse(body)
