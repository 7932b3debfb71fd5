"""The hash chain: intact chains verify, every kind of tampering is found and located."""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from service.audit import AuditEntry, AuditStore, run_verify
from service.audit.store import canonical_row


def _entry(i: int, **overrides: object) -> AuditEntry:
    values: dict[str, object] = {
        "endpoint": "/fhir/DocumentReference/$assess",
        "outcome": "success",
        "http_status": 200,
        "latency_ms": 10.0 + i / 7,
        "caller_issuer": "https://ehr.example.org",
        "caller_client": "ehr",
        "tenant": "acme",
        "hook_instance": uuid.uuid4(),
        "patient_ref": f"Patient/{i}",
        "resource_refs": (f"DocumentReference/d{i}",),
        "model_name": "distilbert-sentiment",
        "model_version": "1",
        "phi_spans": {"NAME": i % 3, "DATE": 1},
        "time": datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=i, microseconds=123),
    }
    values.update(overrides)
    return AuditEntry(**values)  # type: ignore[arg-type]


async def _fill(store: AuditStore, n: int) -> None:
    for i in range(n):
        await store.record(_entry(i))


@pytest.fixture
def store(make_store: Callable[..., AuditStore], sqlite_url: str) -> AuditStore:
    return make_store(sqlite_url)


async def test_intact_chain_verifies(store: AuditStore) -> None:
    await _fill(store, 6)
    report = store.verify_chain()
    assert report.ok, report
    assert report.count == 6
    assert store.count_records() == 6


async def test_empty_chain_verifies(store: AuditStore) -> None:
    report = store.verify_chain()
    assert report.ok and report.count == 0


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("http_status", "500"),
        ("outcome", "'error'"),
        ("latency_ms", "1.5"),
        ("patient_ref_hash", "'" + "ab" * 32 + "'"),
        ("time", "'2020-01-01 00:00:00.000000'"),
        ("tenant", "NULL"),
    ],
)
async def test_edited_row_is_reported(store: AuditStore, column: str, value: str) -> None:
    await _fill(store, 5)
    with store.engine.begin() as conn:
        conn.execute(text(f"UPDATE audit_record SET {column} = {value} WHERE id = 3"))
    report = store.verify_chain()
    assert not report.ok
    assert report.first_broken_id == 3
    assert report.reason is not None and "row_hash" in report.reason
    assert report.count == 2


async def test_deleted_row_is_reported(store: AuditStore) -> None:
    await _fill(store, 5)
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_record WHERE id = 2"))
    report = store.verify_chain()
    assert not report.ok
    assert report.first_broken_id == 3
    assert report.reason is not None and "missing" in report.reason


async def test_deleted_last_row_is_reported(store: AuditStore) -> None:
    await _fill(store, 4)
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_record WHERE id = 4"))
    report = store.verify_chain()
    assert not report.ok
    assert report.first_broken_id == 4


async def test_renumbered_chain_after_delete_is_reported(store: AuditStore) -> None:
    # Deleting row 2 and renumbering the later rows hides the gap but not the broken link.
    await _fill(store, 4)
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_record WHERE id = 2"))
        conn.execute(text("UPDATE audit_record SET id = id - 1 WHERE id > 2"))
        conn.execute(text("UPDATE audit_chain_head SET last_id = 3"))
    report = store.verify_chain()
    assert not report.ok
    assert report.first_broken_id == 2
    assert report.reason is not None and "prev_hash" in report.reason


async def test_rehashed_forgery_without_the_secret_is_reported(store: AuditStore) -> None:
    # The attacker edits a row and recomputes an unkeyed SHA-256 over it: still detected.
    await _fill(store, 3)
    with store.engine.begin() as conn:
        row = dict(conn.execute(text("SELECT * FROM audit_record WHERE id = 2")).mappings().one())
        row["http_status"] = 403
        forged = hashlib.sha256(canonical_row(row)).hexdigest()
        conn.execute(
            text("UPDATE audit_record SET http_status = 403, row_hash = :h WHERE id = 2"),
            {"h": forged},
        )
    report = store.verify_chain()
    assert report.first_broken_id == 2


async def test_wrong_secret_fails_at_the_first_row(
    store: AuditStore, make_store: Callable[..., AuditStore], sqlite_url: str
) -> None:
    await _fill(store, 2)
    other = make_store(sqlite_url, secret=b"another-secret-another-secret")
    report = other.verify_chain()
    assert not report.ok and report.first_broken_id == 1


async def test_run_verify_exit_codes_and_output(
    store: AuditStore, sqlite_url: str, secret: bytes
) -> None:
    await _fill(store, 3)
    out = io.StringIO()
    assert run_verify(sqlite_url, secret, out=out) == 0
    assert "OK" in out.getvalue() and "3 records" in out.getvalue()
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE audit_record SET http_status = 201 WHERE id = 2"))
    out = io.StringIO()
    assert run_verify(sqlite_url, secret, out=out) == 1
    assert "BROKEN at record id 2" in out.getvalue()
    assert run_verify(sqlite_url, b"", out=io.StringIO()) == 2


async def test_batched_concurrent_records_in_one_process(store: AuditStore) -> None:
    import asyncio

    await asyncio.gather(*(store.record(_entry(i)) for i in range(120)))
    report = store.verify_chain()
    assert report.ok and report.count == 120


async def test_record_sync_appends_to_the_same_chain(store: AuditStore) -> None:
    await _fill(store, 2)
    store.record_sync([_entry(10), _entry(11)])
    await _fill(store, 1)
    report = store.verify_chain()
    assert report.ok and report.count == 5
