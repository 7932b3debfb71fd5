"""No text can be stored: the tables hold only whitelisted typed columns, entries validate."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Float, Integer, String
from sqlalchemy.types import DateTime, TypeDecorator

from service.audit import AuditEntry, FeedbackEntry
from service.audit.models import AUDIT_TABLES

# Every column of every audit table, with what it is. Adding a column means adding it here,
# which is the moment to ask whether it could ever carry text.
WHITELIST: dict[str, dict[str, str]] = {
    "audit_record": {
        "id": "int",
        "time": "datetime",
        "caller_issuer": "ident",
        "caller_client": "ident",
        "tenant": "ident",
        "endpoint": "ident",
        "hook": "ident",
        "hook_instance": "uuid",
        "resource_ids": "json-hashes",
        "resource_count": "int",
        "patient_ref_hash": "hash",
        "outcome": "ident",
        "http_status": "int",
        "latency_ms": "float",
        "model_name": "ident",
        "model_version": "ident",
        "phi_spans": "json-counts",
        "prev_hash": "hash",
        "row_hash": "hash",
    },
    "audit_chain_head": {"id": "int", "last_id": "int", "last_hash": "hash"},
    "audit_feedback": {
        "id": "int",
        "received_at": "datetime",
        "service_id": "ident",
        "card_uuid": "uuid",
        "outcome": "ident",
        "outcome_timestamp": "datetime",
        "accepted_suggestions": "json-uuids",
        "override_reason_system": "ident",
        "override_reason_code": "ident",
        "caller_issuer": "ident",
        "caller_client": "ident",
        "tenant": "ident",
    },
    "audit_seen_jti": {"jti_hash": "hash", "issuer": "ident", "expires_at": "datetime"},
}
MAX_LENGTH = {"ident": 255, "uuid": 36, "hash": 64, "json-hashes": 4096, "json-counts": 1024}


def _impl(column_type: Any) -> Any:
    return column_type.impl if isinstance(column_type, TypeDecorator) else column_type


def test_every_column_is_whitelisted_and_typed() -> None:
    assert {t.name for t in AUDIT_TABLES} == set(WHITELIST)
    for table in AUDIT_TABLES:
        columns = {c.name: c for c in table.columns}
        assert set(columns) == set(WHITELIST[table.name]), table.name
        for name, column in columns.items():
            kind = WHITELIST[table.name][name]
            impl = _impl(column.type)
            if kind == "int":
                assert isinstance(impl, Integer), (table.name, name)
            elif kind == "float":
                assert isinstance(impl, Float), (table.name, name)
            elif kind == "datetime":
                assert isinstance(impl, DateTime), (table.name, name)
            else:
                # Strings must be bounded (no TEXT / unbounded VARCHAR anywhere).
                assert isinstance(impl, String), (table.name, name)
                assert impl.length is not None, (table.name, name)
                assert impl.length <= MAX_LENGTH.get(kind, 2600), (table.name, name, impl.length)


def test_entry_dataclasses_have_no_free_text_fields() -> None:
    allowed = {
        "str",
        "str | None",
        "int",
        "float",
        "datetime",
        "UUID | None",
        "UUID",
        "tuple[str, ...]",
        "tuple[UUID, ...]",
        "Mapping[str, int]",
        "FeedbackOutcome",
    }
    for cls in (AuditEntry, FeedbackEntry):
        for field in dataclasses.fields(cls):
            assert field.type in allowed, (cls.__name__, field.name, field.type)


_BASE: dict[str, Any] = {
    "endpoint": "x",
    "outcome": "success",
    "http_status": 200,
    "latency_ms": 1.0,
}


@pytest.mark.parametrize(
    "overrides",
    [
        {"endpoint": "patient John Smith said hello"},
        {"caller_issuer": "https://ehr.example.org/ note"},
        {"caller_client": "a\nb"},
        {"hook": "patient view"},
        {"model_name": "x" * 300},
        {"outcome": "Failed: patient refused"},
        {"outcome": "success "},
        {"http_status": 99},
        {"http_status": True},
        {"latency_ms": -1},
        {"patient_ref": "Patient/John Smith"},
        {"resource_refs": ("DocumentReference/has space",)},
        {"resource_refs": ["DocumentReference/list-not-tuple"]},
        {"phi_spans": {"name of the patient": 1}},
        {"phi_spans": {"NAME": -1}},
        {"phi_spans": {"NAME": "2"}},
        {"hook_instance": "d4b5c6a7-0000-0000-0000-000000000000"},
        {"time": datetime(2026, 1, 1)},  # naive
        {"tenant": ""},
    ],
)
def test_audit_entry_refuses_text(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        AuditEntry(**{**_BASE, **overrides})


def test_audit_entry_accepts_typed_values_and_freezes_counts() -> None:
    counts = {"NAME": 2}
    entry = AuditEntry(
        endpoint="/fhir/DocumentReference/$assess",
        outcome="success",
        http_status=200,
        latency_ms=3,
        hook_instance=uuid.uuid4(),
        patient_ref="Patient/123",
        resource_refs=("DocumentReference/abc-1.2",),
        phi_spans=counts,
    )
    counts["NAME"] = 99
    assert entry.phi_spans["NAME"] == 2
    with pytest.raises(TypeError):
        entry.phi_spans["DATE"] = 1  # type: ignore[index]


def test_chain_covers_every_column() -> None:
    from service.audit.store import CHAIN_FIELDS

    table = next(t for t in AUDIT_TABLES if t.name == "audit_record")
    assert set(CHAIN_FIELDS) == {c.name for c in table.columns} - {"row_hash"}
    assert len(CHAIN_FIELDS) == len(set(CHAIN_FIELDS))
