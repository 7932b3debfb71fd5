"""Security test fixtures: keys generated per session, a real JWKS server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from service.security.testing import SigningKey, generate_ec_key, generate_rsa_key


@pytest.fixture(scope="session")
def ec_key() -> SigningKey:
    return generate_ec_key("ec-key-1")


@pytest.fixture(scope="session")
def ec_key_2() -> SigningKey:
    return generate_ec_key("ec-key-2")


@pytest.fixture(scope="session")
def rsa_key() -> SigningKey:
    return generate_rsa_key("rsa-key-1", alg="RS384")


@pytest.fixture(scope="session")
def attacker_key() -> SigningKey:
    # Same kid as ec_key: a forger who knows the kid but not the private key.
    return generate_ec_key("ec-key-1")


class JWKSServer:
    """Serves a mutable JWK Set per path on 127.0.0.1 and counts the requests per path."""

    def __init__(self) -> None:
        self.documents: dict[str, Any] = {}
        self.hits: dict[str, int] = {}
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with server._lock:
                    server.hits[self.path] = server.hits.get(self.path, 0) + 1
                    doc = server.documents.get(self.path)
                if doc is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                body = json.dumps(doc).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def serve(self, path: str, document: Any) -> str:
        with self._lock:
            self.documents[path] = document
        return self.url(path)

    def hit_count(self, path: str) -> int:
        with self._lock:
            return self.hits.get(path, 0)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def jwks_server() -> Iterator[JWKSServer]:
    server = JWKSServer()
    yield server
    server.close()
