"""Triton stopped mid-run: the gateway answers 503 (never a 500, never a hang), reports not
ready, and recovers by itself once Triton is back."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.inference.embedded import EmbeddedTriton
from tests.integration.gateway_fixtures import (
    FHIR,
    ROOT,
    Gateway,
    document_reference,
    start_gateway,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def own_triton() -> Iterator[EmbeddedTriton]:
    with EmbeddedTriton(ROOT / "model_repository", models=["distilbert_sentiment"]) as triton:
        yield triton


@pytest.fixture
def gw(tmp_path: Path, own_triton: EmbeddedTriton) -> Iterator[Gateway]:
    gateway = start_gateway(
        tmp_path,
        env={
            "CDS_ALLOW_UNAUTHENTICATED": "true",
            "TRITON_URL": own_triton.grpc_url,
            "CDS_TRITON_TIMEOUT_S": "5",
        },
    )
    yield gateway
    gateway.stop()


def test_triton_down_then_back(gw: Gateway, own_triton: EmbeddedTriton) -> None:
    doc = document_reference("Comfortable, pain controlled.")
    with gw.client() as c:
        assert c.post("/fhir/DocumentReference/$assess", json=doc, headers=FHIR).status_code == 200
        own_triton.stop()
        down = c.post("/fhir/DocumentReference/$assess", json=doc, headers=FHIR)
        assert down.status_code == 503, down.text
        assert down.json()["issue"][0]["code"] == "transient"
        assert c.get("/readyz").status_code == 503
        assert c.get("/healthz").status_code == 200  # alive, just not ready
        own_triton.start()
        own_triton.wait_ready(120)
        deadline = time.monotonic() + 60
        status = 0
        while time.monotonic() < deadline:
            status = c.post("/fhir/DocumentReference/$assess", json=doc, headers=FHIR).status_code
            if status == 200:
                break
            assert status == 503
            time.sleep(0.5)
        assert status == 200
        assert c.get("/readyz").status_code == 200
