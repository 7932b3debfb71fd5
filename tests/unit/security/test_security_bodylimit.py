"""Body size limit middleware on a tiny Starlette app (httpx ASGITransport) and raw ASGI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fhir.resources.R4B.operationoutcome import OperationOutcome
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from service.security import BodySizeLimitMiddleware

LIMIT = 1024


async def echo(request: Request) -> JSONResponse:
    body = await request.body()
    return JSONResponse({"received": len(body)})


async def no_body(request: Request) -> JSONResponse:
    return JSONResponse({"ok": True})


def _app() -> Starlette:
    app = Starlette(
        routes=[
            Route("/cds-services/x", echo, methods=["POST"]),
            Route("/fhir/DocumentReference/$assess", echo, methods=["POST"]),
            Route("/healthz", no_body, methods=["GET"]),
        ]
    )
    app.add_middleware(BodySizeLimitMiddleware, max_body_bytes=LIMIT)
    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


async def test_small_body_passes(client: httpx.AsyncClient) -> None:
    response = await client.post("/cds-services/x", content=b"x" * LIMIT)
    assert response.status_code == 200
    assert response.json() == {"received": LIMIT}
    assert (await client.get("/healthz")).status_code == 200


async def test_declared_length_over_the_limit_gets_413_json(client: httpx.AsyncClient) -> None:
    response = await client.post("/cds-services/x", content=b"x" * (LIMIT + 1))
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"] == "payload_too_large"


async def test_streamed_body_without_length_is_counted(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"y" * 200

    response = await client.post("/cds-services/x", content=chunks())
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"


async def test_fhir_paths_get_an_operation_outcome(client: httpx.AsyncClient) -> None:
    response = await client.post("/fhir/DocumentReference/$assess", content=b"{" * (LIMIT * 3))
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/fhir+json"
    outcome = OperationOutcome.model_validate(response.json())
    assert outcome.issue[0].code == "too-costly"
    assert outcome.issue[0].severity == "error"


async def _call_raw(
    app: Any, path: str, chunks: list[bytes], headers: list[tuple[bytes, bytes]]
) -> list[dict[str, Any]]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("test", 80),
    }
    pending = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


async def test_lying_content_length_is_caught_by_counting() -> None:
    sent = await _call_raw(
        _app(), "/cds-services/x", [b"z" * 600, b"z" * 600], [(b"content-length", b"10")]
    )
    assert sent[0]["type"] == "http.response.start"
    assert sent[0]["status"] == 413


async def test_over_limit_without_reading_does_not_touch_the_app() -> None:
    calls = 0

    async def app(scope: Any, receive: Any, send: Any) -> None:
        nonlocal calls
        calls += 1

    middleware = BodySizeLimitMiddleware(app, max_body_bytes=10)
    sent = await _call_raw(middleware, "/fhir", [b"a" * 11], [(b"content-length", b"11")])
    assert calls == 0
    assert sent[0]["status"] == 413
    assert (b"content-type", b"application/fhir+json") in sent[0]["headers"]


async def test_fastapi_body_parsing_does_not_turn_the_413_into_a_400() -> None:
    # FastAPI converts any error raised while reading a body into its own 400.
    from fastapi import Body, FastAPI

    app = FastAPI()

    @app.post("/cds-services/x")
    async def hook(payload: dict[str, Any] = Body(...)) -> dict[str, int]:
        return {"keys": len(payload)}

    app.add_middleware(BodySizeLimitMiddleware, max_body_bytes=LIMIT)

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"a": "'
        for _ in range(10):
            yield b"x" * 200
        yield b'"}'

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        response = await c.post(
            "/cds-services/x", content=chunks(), headers={"content-type": "application/json"}
        )
        assert response.status_code == 413
        assert response.json()["error"] == "payload_too_large"
        ok = await c.post("/cds-services/x", json={"a": 1, "b": 2})
        assert ok.status_code == 200 and ok.json() == {"keys": 2}
