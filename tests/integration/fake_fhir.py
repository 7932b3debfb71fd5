"""A tiny FHIR server on 127.0.0.1 for the prefetch-fetching tests (stdlib, in a thread).

It serves a fixed set of resources by path (``Patient/p-1``) and searches by resource type,
and records every request (path and Authorization header) so tests can check what the
gateway asked for and with which token.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class FakeFhirServer:
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    status: int = 200
    base_url: str = ""
    _server: ThreadingHTTPServer | None = None

    def add(self, resource: dict[str, Any]) -> None:
        self.resources[f"{resource['resourceType']}/{resource['id']}"] = resource

    def search(self, rtype: str, params: dict[str, list[str]]) -> dict[str, Any]:
        patient = (params.get("patient") or params.get("subject") or [""])[0]
        patient = patient.removeprefix("Patient/")
        hits = [
            r
            for key, r in self.resources.items()
            if key.startswith(rtype + "/")
            and (not patient or r.get("subject", {}).get("reference") == f"Patient/{patient}")
        ]
        return {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(hits),
            "entry": [
                {"fullUrl": f"{self.base_url}/{h['resourceType']}/{h['id']}", "resource": h}
                for h in hits
            ],
        }

    def start(self) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def do_GET(self) -> None:
                outer.requests.append((self.path, self.headers.get("Authorization")))
                if outer.status != 200:
                    self._send(outer.status, {"resourceType": "OperationOutcome", "issue": []})
                    return
                parts = urlsplit(self.path)
                path = parts.path.strip("/")
                if path in outer.resources:
                    self._send(200, outer.resources[path])
                elif "/" not in path and path:
                    self._send(200, outer.search(path, parse_qs(parts.query)))
                else:
                    self._send(404, {"resourceType": "OperationOutcome", "issue": []})

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/fhir+json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def running(server: FakeFhirServer) -> Iterator[FakeFhirServer]:
    server.start()
    try:
        yield server
    finally:
        server.stop()
