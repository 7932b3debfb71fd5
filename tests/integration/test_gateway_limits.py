"""The per-caller rate limit answers 429 with Retry-After, as an OperationOutcome."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.gateway_fixtures import Gateway, start_gateway

pytestmark = pytest.mark.integration


@pytest.fixture
def limited(tmp_path: Path, triton_server: Any) -> Iterator[Gateway]:
    gw = start_gateway(
        tmp_path,
        name="limited",
        env={
            "CDS_ALLOW_UNAUTHENTICATED": "true",
            "TRITON_URL": triton_server.grpc_url,
            "CDS_RATE_LIMIT_PER_MINUTE": "6",  # a burst of 1, then one request per 10 s
        },
    )
    yield gw
    gw.stop()


def test_rate_limit_429_with_retry_after(limited: Gateway) -> None:
    with limited.client() as c:
        statuses = [c.get("/cds-services") for _ in range(4)]
    codes = [r.status_code for r in statuses]
    assert codes[0] == 200
    refused = [r for r in statuses if r.status_code == 429]
    assert refused, codes
    r = refused[0]
    assert int(r.headers["retry-after"]) >= 1
    assert r.json()["issue"][0]["code"] == "throttled"
    with limited.client() as c:
        assert c.get("/healthz").status_code == 200  # health is never limited
