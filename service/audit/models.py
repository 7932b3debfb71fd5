"""Audit tables (SQLModel). Every column is a number, a timestamp, a hash, an identifier or a
small JSON document of hashes/counts; no column can hold free text (a unit test introspects the
tables against a whitelist).

``audit_record`` rows form a hash chain: ``row_hash`` = HMAC-SHA256 over the row's canonical
serialization including ``prev_hash`` (the previous row's ``row_hash``). ``audit_chain_head``
holds the id and hash of the last row: it is the row writers lock while appending and it lets
``verify`` notice rows cut from the end.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

HASH_LEN = 64  # hex SHA-256
GENESIS_HASH = "0" * HASH_LEN


class AuditRecord(SQLModel, table=True):
    """One request handled by the gateway."""

    __tablename__ = "audit_record"

    #: Position in the chain (1, 2, 3...), assigned under the chain lock, never reused.
    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    time: datetime = Field(index=True)
    caller_issuer: str | None = Field(default=None, max_length=255)
    caller_client: str | None = Field(default=None, max_length=255)
    tenant: str | None = Field(default=None, max_length=128)
    #: Route template (``/fhir/DocumentReference/$assess``) or CDS service id.
    endpoint: str = Field(max_length=255)
    hook: str | None = Field(default=None, max_length=64)
    hook_instance: str | None = Field(default=None, max_length=36)
    #: JSON list of keyed hashes (hex) of the resources involved (first 32).
    resource_ids: str = Field(default="[]", max_length=4096)
    resource_count: int = 0
    patient_ref_hash: str | None = Field(default=None, max_length=HASH_LEN, index=True)
    #: ``success`` or an error category.
    outcome: str = Field(max_length=64)
    http_status: int
    latency_ms: float
    model_name: str | None = Field(default=None, max_length=128)
    model_version: str | None = Field(default=None, max_length=32)
    #: JSON object PHI category -> number of spans removed.
    phi_spans: str = Field(default="{}", max_length=1024)
    prev_hash: str = Field(max_length=HASH_LEN)
    row_hash: str = Field(max_length=HASH_LEN)


class AuditChainHead(SQLModel, table=True):
    """The single row (``id = 1``) naming the chain's last record."""

    __tablename__ = "audit_chain_head"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last_id: int = 0
    last_hash: str = Field(default=GENESIS_HASH, max_length=HASH_LEN)


class FeedbackRecord(SQLModel, table=True):
    """One CDS Hooks feedback item (codes and UUIDs only)."""

    __tablename__ = "audit_feedback"

    id: int | None = Field(default=None, primary_key=True)
    received_at: datetime = Field(index=True)
    service_id: str = Field(max_length=64)
    card_uuid: str = Field(max_length=36, index=True)
    #: ``accepted`` or ``overridden``.
    outcome: str = Field(max_length=16)
    outcome_timestamp: datetime
    #: JSON list of accepted suggestion UUIDs.
    accepted_suggestions: str = Field(default="[]", max_length=2600)
    override_reason_system: str | None = Field(default=None, max_length=255)
    override_reason_code: str | None = Field(default=None, max_length=64)
    caller_issuer: str | None = Field(default=None, max_length=255)
    caller_client: str | None = Field(default=None, max_length=255)
    tenant: str | None = Field(default=None, max_length=128)


class SeenJti(SQLModel, table=True):
    """CDS Hooks ``jti`` values seen, kept until their token expires (replay protection)."""

    __tablename__ = "audit_seen_jti"

    #: SHA-256 (hex) of issuer + jti: bounded size, and one key per issuer.
    jti_hash: str = Field(primary_key=True, max_length=HASH_LEN)
    issuer: str = Field(max_length=255)
    expires_at: datetime = Field(index=True)


AUDIT_TABLES = (
    AuditRecord.__table__,  # type: ignore[attr-defined]
    AuditChainHead.__table__,  # type: ignore[attr-defined]
    FeedbackRecord.__table__,  # type: ignore[attr-defined]
    SeenJti.__table__,  # type: ignore[attr-defined]
)
