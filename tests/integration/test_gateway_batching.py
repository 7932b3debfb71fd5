"""Dynamic batching really batched: Triton's own counters under concurrent gateway load."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest

from tests.integration.gateway_fixtures import FHIR, Gateway, document_reference

pytestmark = pytest.mark.integration


def _counter(metrics: str, name: str, model: str) -> float:
    total = 0.0
    for line in metrics.splitlines():
        if line.startswith(name + "{") and f'model="{model}"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_concurrent_requests_are_batched(gateway: Gateway, triton_server: Any) -> None:
    model = "distilbert_sentiment"
    before = httpx.get(triton_server.metrics_url, timeout=10).text
    n = 96

    async def fire() -> list[int]:
        limits = httpx.Limits(max_connections=n)
        async with httpx.AsyncClient(base_url=gateway.base_url, timeout=120, limits=limits) as c:
            texts = [
                f"Day {i}: patient comfortable, pain controlled, good spirits." for i in range(n)
            ]
            rs = await asyncio.gather(
                *(
                    c.post(
                        "/fhir/DocumentReference/$assess",
                        json=document_reference(t, rid=f"b{i}"),
                        headers=FHIR,
                    )
                    for i, t in enumerate(texts)
                )
            )
            return [r.status_code for r in rs]

    statuses = asyncio.run(fire())
    assert statuses == [200] * n
    after = httpx.get(triton_server.metrics_url, timeout=10).text
    inferences = _counter(after, "nv_inference_count", model) - _counter(
        before, "nv_inference_count", model
    )
    executions = _counter(after, "nv_inference_exec_count", model) - _counter(
        before, "nv_inference_exec_count", model
    )
    assert inferences >= n  # every window reached Triton
    assert 0 < executions < inferences, (inferences, executions)
    assert re.search(r"nv_inference_exec_count", after)
