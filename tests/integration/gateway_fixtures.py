"""Real gateways for the integration tests: ``cds-service serve`` as a subprocess on 127.0.0.1.

Each gateway logs to a file the PHI tests read, writes its audit rows to its own SQLite file,
and talks gRPC to a real Triton (the session's embedded one, unless a test brings its own).
"""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "fhir"
SECRET = "integration-test-secret-key-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Gateway:
    """A running gateway process."""

    base_url: str
    proc: subprocess.Popen[bytes]
    log_path: Path
    db_path: Path
    env: dict[str, str] = field(default_factory=dict)

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=60.0, **kwargs)

    def logs(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def start_gateway(tmp: Path, *, env: Mapping[str, str], name: str = "gw") -> Gateway:
    """Start ``cds-service serve`` and wait until ``/readyz`` answers 200."""
    port = free_port()
    log_path = tmp / f"{name}.log"
    db_path = tmp / f"{name}-audit.db"
    full_env = {
        **os.environ,
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{db_path}",
        "CDS_SECRET_KEY": SECRET,
        "CDS_LOG_LEVEL": "DEBUG",
        "CDS_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve"],
            cwd=ROOT,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    gw = Gateway(f"http://127.0.0.1:{port}", proc, log_path, db_path, dict(env))
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gateway exited early:\n{gw.logs()[-3000:]}")
        try:
            r = httpx.get(f"{gw.base_url}/readyz", timeout=2)
            if r.status_code == 200:
                return gw
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    gw.stop()
    raise RuntimeError(f"gateway not ready in time:\n{gw.logs()[-3000:]}")


def example(relative: str) -> Any:
    return json.loads((EXAMPLES / relative).read_text(encoding="utf-8"))


def document_reference(
    text: str, *, rid: str = "doc-1", patient: str = "Patient/p-1"
) -> dict[str, Any]:
    return {
        "resourceType": "DocumentReference",
        "id": rid,
        "status": "current",
        "subject": {"reference": patient},
        "content": [
            {
                "attachment": {
                    "contentType": "text/plain; charset=utf-8",
                    "data": base64.b64encode(text.encode()).decode(),
                }
            }
        ],
    }


FHIR = {"Content-Type": "application/fhir+json"}


@pytest.fixture(scope="session")
def gateway(tmp_path_factory: pytest.TempPathFactory, triton_server: Any) -> Iterator[Gateway]:
    """Unauthenticated demo-mode gateway on the session's embedded Triton."""
    tmp = tmp_path_factory.mktemp("gateway")
    gw = start_gateway(
        tmp, env={"CDS_ALLOW_UNAUTHENTICATED": "true", "TRITON_URL": triton_server.grpc_url}
    )
    yield gw
    gw.stop()
