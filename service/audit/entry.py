"""What the gateway hands to the audit store: typed values only, never free text.

:class:`AuditEntry` (one per request) and :class:`FeedbackEntry` (one per CDS Hooks feedback
item) accept only numbers, datetimes, UUIDs, short identifiers (no whitespace, no control
characters, bounded length) and FHIR references that the store hashes before storing. There is
deliberately no field that could hold a sentence, so a note, a name in prose or an error
message cannot end up in the audit database by mistake.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Literal
from uuid import UUID

#: Identifiers: URLs, route templates, hook ids, model names, error categories.
_IDENT = re.compile(r"^[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%{}|^-]{1,255}$")
#: Outcomes: ``success`` or an error category such as ``invalid_token``.
_OUTCOME = re.compile(r"^[a-z][a-z0-9_.:-]{0,63}$")
#: PHI categories of the de-identifier (``NAME``, ``DATE``, ``SSN``...).
_CATEGORY = re.compile(r"^[A-Z][A-Z0-9_]{0,31}$")
#: FHIR references ``Type/id`` (or bare ids), FHIR id syntax: [A-Za-z0-9-.]{1,64}.
_REFERENCE = re.compile(r"^(?:[A-Z][A-Za-z]{0,63}/)?[A-Za-z0-9\-.]{1,64}$")
#: A FHIR ``code`` (single inner spaces allowed by the datatype), bounded; the codes come
#: from the ``overrideReasons`` our own cards offer, so they are not free text.
_CODE = re.compile(r"^(?=.{1,64}$)[^\s]+( [^\s]+)*$")

MAX_RESOURCE_REFS = 32
MAX_ACCEPTED_SUGGESTIONS = 64


def _ident(name: str, value: str | None, *, max_len: int = 255) -> None:
    if value is None:
        return
    if not isinstance(value, str) or len(value) > max_len or not _IDENT.match(value):
        raise ValueError(f"{name} must be an identifier (no spaces, at most {max_len} chars)")


def _aware(name: str, value: datetime) -> None:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEntry:
    """One audited request. Build it at the end of the request and pass it to ``record``.

    ``patient_ref`` and ``resource_refs`` are FHIR references (``Patient/123``,
    ``DocumentReference/abc``) kept in memory only: the store writes their keyed hashes.
    ``tenant`` comes from the caller's token; a value that is not an identifier is stored as a
    keyed hash (``h:...``) instead.
    """

    endpoint: str
    outcome: str
    http_status: int
    latency_ms: float
    time: datetime = field(default_factory=_now)
    caller_issuer: str | None = None
    caller_client: str | None = None
    tenant: str | None = None
    hook: str | None = None
    hook_instance: UUID | None = None
    patient_ref: str | None = None
    resource_refs: tuple[str, ...] = ()
    model_name: str | None = None
    model_version: str | None = None
    #: PHI spans removed per category (``{"NAME": 2, "DATE": 1}``).
    phi_spans: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        _ident("endpoint", self.endpoint)
        _ident("caller_issuer", self.caller_issuer)
        _ident("caller_client", self.caller_client)
        _ident("hook", self.hook, max_len=64)
        _ident("model_name", self.model_name, max_len=128)
        _ident("model_version", self.model_version, max_len=32)
        if not isinstance(self.outcome, str) or not _OUTCOME.match(self.outcome):
            raise ValueError("outcome must be 'success' or an error category identifier")
        if isinstance(self.http_status, bool) or not isinstance(self.http_status, int):
            raise ValueError("http_status must be an int")
        if not 100 <= self.http_status <= 599:
            raise ValueError("http_status must be an HTTP status code")
        if isinstance(self.latency_ms, bool) or not isinstance(self.latency_ms, int | float):
            raise ValueError("latency_ms must be a number")
        if not 0 <= self.latency_ms < 1e9:
            raise ValueError("latency_ms out of range")
        _aware("time", self.time)
        if self.tenant is not None and (not isinstance(self.tenant, str) or not self.tenant):
            raise ValueError("tenant must be a non-empty string")
        if self.hook_instance is not None and not isinstance(self.hook_instance, UUID):
            raise ValueError("hook_instance must be a UUID")
        for ref in (self.patient_ref, *self.resource_refs):
            if ref is not None and (not isinstance(ref, str) or not _REFERENCE.match(ref)):
                raise ValueError("references must be FHIR references 'Type/id'")
        if not isinstance(self.resource_refs, tuple):
            raise ValueError("resource_refs must be a tuple")
        spans = dict(self.phi_spans)
        for category, count in spans.items():
            if not isinstance(category, str) or not _CATEGORY.match(category):
                raise ValueError("phi_spans keys must be category names like 'NAME'")
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise ValueError("phi_spans values must be non-negative ints")
        if len(spans) > 32:
            raise ValueError("too many PHI categories")
        object.__setattr__(self, "phi_spans", MappingProxyType(spans))


FeedbackOutcome = Literal["accepted", "overridden"]


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedbackEntry:
    """One CDS Hooks feedback item (``POST {service}/feedback``), without free text.

    ``overrideReason`` is a Coding in the spec: only its ``system`` and ``code`` are kept
    (``display`` and any user comment are dropped by design).
    """

    service_id: str
    card_uuid: UUID
    outcome: FeedbackOutcome
    outcome_timestamp: datetime
    accepted_suggestions: tuple[UUID, ...] = ()
    override_reason_system: str | None = None
    override_reason_code: str | None = None
    caller_issuer: str | None = None
    caller_client: str | None = None
    tenant: str | None = None
    received_at: datetime = field(default_factory=_now)

    def __post_init__(self) -> None:
        _ident("service_id", self.service_id, max_len=64)
        _ident("caller_issuer", self.caller_issuer)
        _ident("caller_client", self.caller_client)
        _ident("override_reason_system", self.override_reason_system)
        if self.override_reason_code is not None and (
            not isinstance(self.override_reason_code, str)
            or not _CODE.match(self.override_reason_code)
        ):
            raise ValueError("override_reason_code must be a FHIR code (<= 64 chars)")
        if self.outcome not in ("accepted", "overridden"):
            raise ValueError("outcome must be 'accepted' or 'overridden'")
        if not isinstance(self.card_uuid, UUID):
            raise ValueError("card_uuid must be a UUID")
        if not isinstance(self.accepted_suggestions, tuple) or not all(
            isinstance(u, UUID) for u in self.accepted_suggestions
        ):
            raise ValueError("accepted_suggestions must be a tuple of UUIDs")
        if len(self.accepted_suggestions) > MAX_ACCEPTED_SUGGESTIONS:
            raise ValueError("too many accepted suggestions")
        if self.tenant is not None and (not isinstance(self.tenant, str) or not self.tenant):
            raise ValueError("tenant must be a non-empty string")
        if (
            isinstance(self.outcome_timestamp, datetime)
            and self.outcome_timestamp.utcoffset() is None
        ):
            # The client's instant without an offset: read it as UTC rather than fail the call.
            object.__setattr__(
                self, "outcome_timestamp", self.outcome_timestamp.replace(tzinfo=UTC)
            )
        _aware("outcome_timestamp", self.outcome_timestamp)
        _aware("received_at", self.received_at)


def is_identifier(value: str, *, max_len: int = 128) -> bool:
    """Whether ``value`` may be stored in clear (used for ``tenant``)."""
    return len(value) <= max_len and _IDENT.match(value) is not None
