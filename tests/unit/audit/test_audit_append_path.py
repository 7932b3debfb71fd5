"""The append's compiled-statement path: rows as SQLAlchemy stores them, submit and flush."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from service.audit import AuditEntry, AuditStore
from service.audit.models import AuditRecord

_RECORDS = AuditRecord.__table__  # type: ignore[attr-defined]


def _entry(i: int) -> AuditEntry:
    return AuditEntry(
        endpoint="/fhir/DocumentReference/$assess",
        outcome="success" if i % 2 else "invalid_request",
        http_status=200 if i % 2 else 400,
        latency_ms=1.0 + i / 3,
        tenant="acme" if i % 3 else "not an identifier",
        hook_instance=uuid.UUID(int=i) if i % 4 else None,
        patient_ref=f"Patient/p{i}" if i % 5 else None,
        resource_refs=tuple(f"DocumentReference/d{i}-{k}" for k in range(i % 3)),
        model_name="distilbert-sentiment",
        model_version="2",
        phi_spans={"NAME": i, "DATE": 1} if i % 2 else {},
        time=datetime(2026, 3, 1, 8, tzinfo=UTC) + timedelta(seconds=i, microseconds=17 * i),
    )


def _rows(store: AuditStore) -> list[dict[str, object]]:
    with store.engine.connect() as conn:
        result = conn.execute(select(_RECORDS).order_by(_RECORDS.c.id))
        return [dict(row._mapping) for row in result]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'append.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


def test_rows_are_stored_as_sqlalchemy_core_would_store_them(
    make_store: Callable[..., AuditStore], db_url: str, tmp_path
) -> None:
    store = make_store(db_url)
    entries = [_entry(i) for i in range(1, 9)]
    store.record_sync(entries[:3])
    store.record_sync(entries[3:])
    written = _rows(store)
    assert store.verify_chain().ok

    # The same values inserted through SQLAlchemy Core (bind processing by the column types)
    # into a second database read back identically: the DBAPI path skips nothing.
    reference = make_store(f"sqlite:///{tmp_path / 'reference.db'}")
    values, prev = [], "0" * 64
    for i, entry in enumerate(entries, start=1):
        row = reference._row_values(entry, i, prev)
        prev = row["row_hash"]
        values.append(row)
    with reference.engine.begin() as conn:
        conn.execute(insert(_RECORDS), values)
    assert written == _rows(reference)
    # Times come back as the same instants (UTC), not as the driver's default text form.
    assert [r["time"] for r in written] == [e.time for e in entries]


async def test_submit_returns_at_once_and_close_flushes_the_queue(
    make_store: Callable[..., AuditStore], sqlite_url: str
) -> None:
    store = make_store(sqlite_url)
    futures = [store.submit(_entry(i)) for i in range(200)]
    store.close()  # what the lifespan does on shutdown: every queued row is written first
    assert all(f.done() and f.exception() is None for f in futures)
    check = make_store(sqlite_url)
    report = check.verify_chain()
    assert report.ok and report.count == 200


def test_submit_refuses_anything_but_an_entry(
    make_store: Callable[..., AuditStore], sqlite_url: str
) -> None:
    store = make_store(sqlite_url)
    with pytest.raises(TypeError):
        store.submit({"endpoint": "x"})  # type: ignore[arg-type]


def test_a_failed_append_reaches_the_future_and_leaves_the_chain_intact(
    make_store: Callable[..., AuditStore], sqlite_url: str
) -> None:
    store = make_store(sqlite_url)
    store.record_sync([_entry(1)])
    with store.engine.begin() as conn:
        # A row with the id the next append will take: its INSERT fails on the primary key.
        conn.execute(insert(_RECORDS), [store._row_values(_entry(2), 2, "0" * 64)])
    future = store.submit(_entry(3))
    with pytest.raises(Exception, match=r"(?i)unique|constraint"):
        future.result(timeout=30)
    assert store.count_records() == 1  # rolled back: the head did not move
