"""PlainRoute: request-only endpoints skip FastAPI's handler; everything else keeps it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, BackgroundTasks, Depends, FastAPI, Request
from fastapi import routing as fastapi_routing
from fastapi.routing import APIRoute
from starlette.responses import JSONResponse, Response

from service.api.routing import PlainRoute
from tests.unit.api.conftest import running


def _count_fastapi_handlers(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count calls of FastAPI's own request handler (it always solves dependencies)."""
    calls = [0]
    real = fastapi_routing.solve_dependencies

    async def counting(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return await real(*args, **kwargs)

    monkeypatch.setattr(fastapi_routing, "solve_dependencies", counting)
    return calls


async def test_the_service_routes_use_the_plain_handler_where_they_can(
    make_app: Callable[..., FastAPI], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _count_fastapi_handlers(monkeypatch)
    async with running(make_app()) as client:
        assert (await client.get("/healthz")).status_code == 200  # no parameter at all
        assert (await client.get("/fhir/metadata")).status_code == 200
        assert (await client.get("/cds-services")).status_code == 200
        refused = await client.post(
            "/fhir/DocumentReference/$assess", content=b"{}", headers={"Content-Type": "text/plain"}
        )
        assert refused.status_code == 415
        assert calls[0] == 0
        # A path parameter: FastAPI's handler (it validates and passes ``service_id``).
        assert (await client.post("/cds-services/nope", json={})).status_code == 404
        assert calls[0] == 1


def _routers(route_class: type[APIRoute]) -> APIRouter:
    router = APIRouter(prefix="/t", tags=["t"], route_class=route_class)

    @router.post("/plain", summary="request only")
    async def plain(request: Request) -> Response:
        return JSONResponse({"path": request.url.path})

    @router.get("/{item}", summary="path parameter")
    async def with_path(item: int, request: Request) -> Response:
        return JSONResponse({"item": item})

    @router.get("/bg/x", summary="background task")
    async def with_background(background: BackgroundTasks) -> Response:
        background.add_task(lambda: None)
        return JSONResponse({})

    return router


def test_the_openapi_document_is_the_same() -> None:
    plain, default = FastAPI(), FastAPI()
    plain.include_router(_routers(PlainRoute))
    default.include_router(_routers(APIRoute))
    assert plain.openapi() == default.openapi()


async def test_answers_match_fastapis_handler() -> None:
    results = []
    for route_class in (PlainRoute, APIRoute):
        app = FastAPI()
        app.include_router(_routers(route_class))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://x") as client:
            answers = [
                await client.post("/t/plain"),
                await client.get("/t/7"),
                await client.get("/t/seven"),  # 422 from FastAPI's validation either way
                await client.get("/t/bg/x"),
            ]
        results.append([(r.status_code, r.content, r.headers.get("content-type")) for r in answers])
    assert results[0] == results[1]
    assert results[0][2][0] == 422


async def test_router_dependencies_get_fastapis_handler() -> None:
    seen: list[str] = []

    async def dependency() -> None:
        seen.append("ran")

    router = APIRouter(route_class=PlainRoute)

    @router.get("/p")
    async def endpoint(request: Request) -> Response:
        return JSONResponse({})

    app = FastAPI()
    app.include_router(router, dependencies=[Depends(dependency)])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://x") as client:
        assert (await client.get("/p")).status_code == 200
    assert seen == ["ran"]


async def test_an_endpoint_that_returns_no_response_is_an_error() -> None:
    router = APIRouter(route_class=PlainRoute)

    @router.get("/bad")
    async def bad(request: Request) -> Any:
        return {"not": "a response"}

    app = FastAPI()
    app.include_router(router)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=True)
    async with httpx.AsyncClient(transport=transport, base_url="http://x") as client:
        with pytest.raises(TypeError):
            await client.get("/bad")
