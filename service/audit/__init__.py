"""Audit trail: one hash-chained row per request (no text, ever), feedback rows, jti cache."""

from __future__ import annotations

from service.audit.cli import run_export, run_verify
from service.audit.entry import AuditEntry, FeedbackEntry
from service.audit.models import AuditChainHead, AuditRecord, FeedbackRecord, SeenJti
from service.audit.store import AuditStore, ChainReport

__all__ = [
    "AuditChainHead",
    "AuditEntry",
    "AuditRecord",
    "AuditStore",
    "ChainReport",
    "FeedbackEntry",
    "FeedbackRecord",
    "SeenJti",
    "run_export",
    "run_verify",
]
