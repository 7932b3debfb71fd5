"""AuditEvent export, feedback rows, and the database-backed jti replay cache."""

from __future__ import annotations

import asyncio
import io
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fhir.resources.R4B.auditevent import AuditEvent
from sqlalchemy import text

from service.audit import AuditEntry, AuditStore, FeedbackEntry, run_export


@pytest.fixture
def store(make_store: Callable[..., AuditStore], sqlite_url: str) -> AuditStore:
    return make_store(sqlite_url)


async def test_export_writes_valid_audit_events_without_clear_ids(
    store: AuditStore, sqlite_url: str, tmp_path: Path
) -> None:
    hook_instance = uuid.uuid4()
    await store.record(
        AuditEntry(
            endpoint="sentiment-risk",
            hook="patient-view",
            hook_instance=hook_instance,
            outcome="success",
            http_status=200,
            latency_ms=42.5,
            caller_issuer="https://ehr.example.org",
            caller_client="ehr",
            tenant="acme",
            patient_ref="Patient/pat-123",
            resource_refs=("DocumentReference/doc-9", "Observation/obs-7"),
            model_name="distilbert-sentiment",
            model_version="3",
            phi_spans={"NAME": 2, "DATE": 1},
        )
    )
    await store.record(
        AuditEntry(endpoint="/fhir/$assess", outcome="invalid_token", http_status=401, latency_ms=1)
    )
    await store.record(
        AuditEntry(
            endpoint="/fhir/$assess", outcome="inference_unavailable", http_status=503, latency_ms=9
        )
    )
    out = io.StringIO()
    assert store.export_audit_events(out) == 3
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    events = [AuditEvent.model_validate(json.loads(line)) for line in lines]
    assert [e.outcome for e in events] == ["0", "4", "8"]
    first = json.loads(lines[0])
    assert first["agent"][0]["who"]["identifier"] == {
        "system": "https://ehr.example.org",
        "value": "ehr",
    }
    identifiers = {
        e["what"]["identifier"]["value"]
        for e in first["entity"]
        if e.get("what", {}).get("identifier", {}).get("system") == "urn:cds-sentiment:keyed-hash"
    }
    assert identifiers == {
        store.hash_ref("Patient/pat-123"),
        store.hash_ref("DocumentReference/doc-9"),
        store.hash_ref("Observation/obs-7"),
    }
    details = {d["type"]: d["valueString"] for e in first["entity"] for d in e.get("detail", [])}
    assert details["phi-spans-NAME"] == "2"
    assert details["model-name"] == "distilbert-sentiment"
    assert details["latency-ms"] == "42.500"
    assert any(
        e.get("what", {}).get("identifier", {}).get("value") == f"urn:uuid:{hook_instance}"
        for e in first["entity"]
    )
    # Clear identifiers never reach the export (nor the database).
    for clear in ("pat-123", "doc-9", "obs-7"):
        assert clear not in out.getvalue()
    with store.engine.connect() as conn:
        dump = json.dumps(
            [list(r) for r in conn.execute(text("SELECT * FROM audit_record"))], default=str
        )
    assert "pat-123" not in dump and "doc-9" not in dump

    # The CLI function writes the same NDJSON to a file.
    path = tmp_path / "events.ndjson"
    assert run_export(sqlite_url, path) == 0
    assert path.read_text().splitlines() == lines


async def test_tenant_that_is_not_an_identifier_is_stored_hashed(store: AuditStore) -> None:
    await store.record(
        AuditEntry(
            endpoint="x", outcome="success", http_status=200, latency_ms=1, tenant="Acme Health Inc"
        )
    )
    with store.engine.connect() as conn:
        tenant = conn.execute(text("SELECT tenant FROM audit_record")).scalar_one()
    assert tenant.startswith("h:") and "Acme" not in tenant
    assert store.verify_chain().ok


async def test_feedback_is_stored_as_codes_and_uuids(store: AuditStore) -> None:
    card = uuid.uuid4()
    suggestion = uuid.uuid4()
    await store.record_feedback(
        FeedbackEntry(
            service_id="sentiment-risk",
            card_uuid=card,
            outcome="overridden",
            outcome_timestamp=datetime.now(UTC),
            override_reason_system="http://example.org/override-reasons",
            override_reason_code="not-relevant",
            accepted_suggestions=(suggestion,),
            caller_issuer="https://ehr.example.org",
        )
    )
    with store.engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM audit_feedback")).mappings().one()
    assert row["card_uuid"] == str(card)
    assert json.loads(row["accepted_suggestions"]) == [str(suggestion)]
    assert row["override_reason_code"] == "not-relevant"
    with pytest.raises(ValueError):
        FeedbackEntry(
            service_id="sentiment-risk",
            card_uuid=card,
            outcome="overridden",
            outcome_timestamp=datetime.now(UTC),
            override_reason_code="the clinician thinks  this is wrong\nbecause the patient said so",
        )
    naive = FeedbackEntry(
        service_id="sentiment-risk",
        card_uuid=card,
        outcome="accepted",
        outcome_timestamp=datetime(2026, 5, 1, 12, 0),
    )
    assert naive.outcome_timestamp == datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


async def _claims_across_two_stores(first: AuditStore, second: AuditStore) -> None:
    expires = datetime.now(UTC) + timedelta(minutes=5)
    assert await first.claim("jti-1", "https://ehr.example.org", expires) is True
    assert await second.claim("jti-1", "https://ehr.example.org", expires) is False
    assert await first.claim_jti("jti-1", "https://ehr.example.org", expires) is False
    # Same jti from another issuer is a different token.
    assert await second.claim("jti-1", "https://other.example.org", expires) is True
    # Many concurrent claims of one jti: exactly one wins.
    results = await asyncio.gather(
        *(s.claim("jti-race", "https://ehr.example.org", expires) for s in [first, second] * 5)
    )
    assert sorted(results) == [False] * 9 + [True]


async def test_jti_replay_refused_across_two_stores_sqlite(
    make_store: Callable[..., AuditStore], sqlite_url: str
) -> None:
    await _claims_across_two_stores(make_store(sqlite_url), make_store(sqlite_url))


@pytest.mark.postgres
async def test_jti_replay_refused_across_two_stores_postgres(
    make_store: Callable[..., AuditStore], postgres_url: str
) -> None:
    await _claims_across_two_stores(make_store(postgres_url), make_store(postgres_url))


async def test_expired_jti_can_be_claimed_again_and_is_purged(store: AuditStore) -> None:
    past = datetime.now(UTC) - timedelta(seconds=1)
    assert await store.claim("old", "https://ehr.example.org", past) is True
    assert await store.claim("old", "https://ehr.example.org", past) is True  # it had expired
    future = datetime.now(UTC) + timedelta(minutes=5)
    assert await store.claim("new", "https://ehr.example.org", future) is True
    assert store.purge_expired_jti() == 1
    assert await store.claim("new", "https://ehr.example.org", future) is False


async def test_ping(
    store: AuditStore, make_store: Callable[..., AuditStore], tmp_path: Path
) -> None:
    assert await store.ping() is True
    broken = AuditStore(f"sqlite:///{tmp_path}/missing-dir/x.db", secret=b"k" * 32)
    try:
        assert await broken.ping() is False
    finally:
        broken.close()
