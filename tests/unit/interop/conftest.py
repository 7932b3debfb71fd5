"""Fixtures for the interop tests: the example files, a fake fetcher, a real FHIR server."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

FHIR_DIR = Path(__file__).resolve().parents[3] / "fhir"


def load_example(relative: str) -> dict[str, Any]:
    """A JSON artifact from fhir/ (fresh copy each time)."""
    return json.loads((FHIR_DIR / relative).read_text(encoding="utf-8"))


def b64(data: bytes | str, encoding: str = "utf-8") -> str:
    raw = data.encode(encoding) if isinstance(data, str) else data
    return base64.b64encode(raw).decode("ascii")


def docref(*attachments: dict[str, Any], rid: str | None = "dr1") -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "status": "current",
        "subject": {"reference": "Patient/p1"},
        "content": [{"attachment": a} for a in attachments],
    }
    if rid:
        res["id"] = rid
    return res


class FakeFetcher:
    """An AttachmentFetcher that serves canned content and records the URLs asked for."""

    def __init__(self, content: dict[str, tuple[bytes, str | None]]) -> None:
        self.content = content
        self.calls: list[str] = []

    async def fetch(self, url: str) -> tuple[bytes, str | None]:
        self.calls.append(url)
        return self.content[url]


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    content_type: str | None = "application/fhir+json"
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]


class FhirTestServer:
    """A stdlib HTTP server on 127.0.0.1 (port 0) with canned routes; records every request."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Recorded] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(
                    Recorded(self.path, {k.lower(): v for k, v in self.headers.items()})
                )
                route = server.routes.get(self.path) or server.routes.get(self.path.split("?")[0])
                if route is None:
                    route = Route(
                        404,
                        json.dumps(
                            {
                                "resourceType": "OperationOutcome",
                                "issue": [{"severity": "error", "code": "not-found"}],
                            }
                        ).encode(),
                    )
                if route.delay:
                    time.sleep(route.delay)
                try:
                    self.send_response(route.status)
                    if route.content_type:
                        self.send_header("Content-Type", route.content_type)
                    for k, v in route.headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(route.body)))
                    self.end_headers()
                    self.wfile.write(route.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base(self) -> str:
        return f"{self.origin}/fhir"

    def json_route(self, path: str, resource: dict[str, Any], **kw: Any) -> None:
        self.routes[path] = Route(body=json.dumps(resource).encode(), **kw)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def fhir_server() -> Iterator[FhirTestServer]:
    server = FhirTestServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fresh_server(fhir_server: FhirTestServer) -> FhirTestServer:
    """The module's server with its routes and request log cleared."""
    fhir_server.routes.clear()
    fhir_server.requests.clear()
    return fhir_server


@pytest.fixture
def example() -> Callable[[str], dict[str, Any]]:
    return load_example


@pytest.fixture
def h() -> SimpleNamespace:
    """Small builders shared by the interop tests (conftest modules cannot be imported)."""
    return SimpleNamespace(
        b64=b64, docref=docref, FakeFetcher=FakeFetcher, load=load_example, Route=Route
    )
