"""The request path in process: inline vs thread preparation, audit hand-off, output checks."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import anyio.to_thread
import pytest
from fastapi import FastAPI
from fhir.resources.R4B.riskassessment import RiskAssessment

from service import pipeline
from service.audit import AuditStore
from tests.integration.gateway_fixtures import document_reference
from tests.unit.api.conftest import SECRET, running

ASSESS = "/fhir/DocumentReference/$assess"
FHIR = {"Content-Type": "application/fhir+json"}
SHORT = "Patient John Smith seen 03/04/2021, feels much better, pain resolved."
LONG = " ".join(
    f"Day {i}: John Smith anxious and tearful, sleeping poorly, plan reviewed." for i in range(40)
)


def _stable(resource: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resource.items() if k != "occurrenceDateTime"}


async def _assess(app: FastAPI, text: str, **kw: Any) -> tuple[dict[str, Any], dict[str, str]]:
    async with running(app) as client:
        r = await client.post(ASSESS, json=document_reference(text, **kw), headers=FHIR)
        assert r.status_code == 200, r.text
        return r.json(), dict(r.headers)


@pytest.mark.parametrize("text", [SHORT, LONG])
async def test_inline_and_thread_preparation_give_the_same_answer(
    make_app: Callable[..., FastAPI], monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    hops: list[str] = []
    real = anyio.to_thread.run_sync

    async def counting(func: Any, *args: Any, **kwargs: Any) -> Any:
        hops.append(getattr(func, "__name__", "?"))
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting)
    monkeypatch.setattr(pipeline, "INLINE_MAX_CHARS", 10**9)
    inline, headers = await _assess(make_app(), text)
    assert "_prepare" not in hops
    monkeypatch.setattr(pipeline, "INLINE_MAX_CHARS", 0)
    threaded, _ = await _assess(make_app(), text)
    assert "_prepare" in hops
    assert _stable(inline) == _stable(threaded)
    RiskAssessment.model_validate(inline)
    timing = headers["server-timing"]
    for stage in ("parse", "deidentify", "tokenize", "infer", "build"):
        assert f"{stage};dur=" in timing


def test_the_default_threshold_sends_long_notes_to_a_thread() -> None:
    assert len(SHORT) <= pipeline.INLINE_MAX_CHARS < len(LONG)


async def test_every_request_is_audited_and_the_chain_verifies(
    make_app: Callable[..., FastAPI], db_path: Path
) -> None:
    app = make_app()
    async with running(app) as client:
        for i in range(12):
            doc = document_reference(SHORT, rid=f"d{i}", patient=f"Patient/p{i % 3}")
            assert (await client.post(ASSESS, json=doc, headers=FHIR)).status_code == 200
        bad = document_reference(SHORT, rid="bad")
        bad["date"] = "not a FHIR instant"
        assert (await client.post(ASSESS, json=bad, headers=FHIR)).status_code == 400
    # The lifespan has ended: the store flushed whatever the writer still had queued.
    rows = sqlite3.connect(db_path).execute("SELECT outcome, http_status FROM audit_record")
    outcomes = [tuple(r) for r in rows]
    assert len(outcomes) == 13
    assert outcomes.count(("success", 200)) == 12
    assert sum(1 for o, s in outcomes if s == 400 and o != "success") == 1
    store = AuditStore(f"sqlite:///{db_path}", secret=SECRET.encode())
    try:
        report = store.verify_chain()
        assert report.ok and report.count == 13
    finally:
        store.close()


async def test_a_failed_audit_write_is_logged_without_content(
    make_app: Callable[..., FastAPI],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def failing_submit(self: AuditStore, entry: object) -> Future[None]:
        future: Future[None] = Future()
        future.set_exception(RuntimeError("database said: Patient/p-1 John Smith"))
        return future

    monkeypatch.setattr(AuditStore, "submit", failing_submit)
    with caplog.at_level(logging.ERROR, logger="service.api"):
        body, _ = await _assess(make_app(), SHORT)
    assert body["resourceType"] == "RiskAssessment"  # the caller is not affected
    messages = [r.getMessage() for r in caplog.records]
    assert "audit write failed: RuntimeError" in messages
    assert not any("John" in m or "p-1" in m for m in messages)


async def test_output_validation_on_request_gives_the_same_resource(
    make_app: Callable[..., FastAPI],
) -> None:
    plain, _ = await _assess(make_app(), SHORT)
    validated, _ = await _assess(make_app(validate_output=True), SHORT)
    assert _stable(plain) == _stable(validated)
