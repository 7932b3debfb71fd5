"""The service's routes sit on the app's own router, as ``include_router`` would serve them."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.routing import APIRoute
from starlette.responses import JSONResponse, Response

from service.api import cds_hooks, deidentify, fhir, health
from service.api.routing import PlainRoute
from service.main import _add_routes
from tests.unit.api.conftest import running

_ROUTERS = (fhir.router, cds_hooks.router, deidentify.router, health.router)


def test_the_openapi_document_is_the_one_include_router_gives(
    make_app: Callable[..., FastAPI],
) -> None:
    app = make_app()
    reference = FastAPI(title=app.title, version=app.version, summary=app.summary)
    for router in _ROUTERS:
        reference.include_router(router)
    assert app.openapi() == reference.openapi()


def test_every_service_route_is_on_the_app_router_before_the_docs(
    make_app: Callable[..., FastAPI],
) -> None:
    routes = make_app().router.routes
    ours = [r for router in _ROUTERS for r in router.routes]
    assert routes[: len(ours)] == ours
    assert all(isinstance(r, APIRoute) for r in ours)


async def test_route_templates_still_label_the_metrics(make_app: Callable[..., FastAPI]) -> None:
    async with running(make_app()) as client:
        assert (await client.post("/cds-services/nope", json={})).status_code == 404
        assert (await client.get("/nope")).status_code == 404
        text = (await client.get("/metrics")).text
    assert 'route="/cds-services/{service_id}",status="404"' in text
    assert 'route="unmatched",status="404"' in text


async def test_a_router_with_dependencies_is_included() -> None:
    seen: list[str] = []

    async def dependency() -> None:
        seen.append("ran")

    router = APIRouter(route_class=PlainRoute, dependencies=[Depends(dependency)])

    @router.get("/p")
    async def endpoint(request: Request) -> Response:
        return JSONResponse({})

    app = FastAPI()
    _add_routes(app, router)
    # Left to include_router, which knows what to do with router options.
    assert not any(route in app.router.routes for route in router.routes)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://x") as client:
        assert (await client.get("/p")).status_code == 200
    assert seen == ["ran"]
