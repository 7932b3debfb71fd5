"""Liveness, readiness and metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from service.api.deps import engine_of
from service.api.routing import PlainRoute
from service.observability import render_metrics

router = APIRouter(tags=["health"], route_class=PlainRoute)


@router.get("/healthz", summary="The process is alive")
async def healthz() -> Response:
    return JSONResponse({"status": "ok"})


@router.get("/readyz", summary="Model ready on the inference tier and database reachable")
async def readyz(request: Request) -> Response:
    engine = engine_of(request)
    model_ready = await engine.backend.is_ready()
    db_ready = await engine.audit.ping()
    ok = model_ready and db_ready
    body = {
        "status": "ready" if ok else "not-ready",
        "model": {"name": engine.info.name, "version": engine.info.version, "ready": model_ready},
        "database": {"ready": db_ready},
    }
    return JSONResponse(body, status_code=200 if ok else 503)


@router.get("/metrics", summary="Prometheus metrics")
async def metrics() -> Response:
    data, media = render_metrics()
    return Response(data, media_type=media)
