"""``cds-service audit verify|export`` (the lead's CLI calls these and exits with the result)."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path
from typing import TextIO

from service.audit.store import AuditStore


def run_verify(database_url: str, secret: bytes, *, out: TextIO | None = None) -> int:
    """Verify the audit chain and print the result.

    Returns 0 when intact, 1 when broken (the first broken row is printed), 2 without a secret.
    """
    stream = out if out is not None else sys.stdout
    if not secret:
        stream.write("audit verify needs CDS_SECRET_KEY (the key the rows were chained with)\n")
        return 2
    store = AuditStore(database_url, secret=secret)
    try:
        report = store.verify_chain()
    finally:
        store.close()
    if report.ok:
        stream.write(f"audit chain OK: {report.count} records verified\n")
        return 0
    stream.write(
        f"audit chain BROKEN at record id {report.first_broken_id}: {report.reason} "
        f"({report.count} records verified before it)\n"
    )
    return 1


def run_export(database_url: str, out: str | Path | TextIO) -> int:
    """Write all audit rows as FHIR R4 AuditEvent NDJSON to ``out`` (a path, ``-`` or a
    stream); report the count on stderr; return 0."""
    # Export reads stored rows only; the keyed-hash secret is never used, so any key will do.
    store = AuditStore(database_url, secret=secrets.token_bytes(32))
    try:
        if isinstance(out, str | Path) and str(out) != "-":
            with open(out, "w", encoding="utf-8") as handle:
                count = store.export_audit_events(handle)
        else:
            count = store.export_audit_events(sys.stdout if isinstance(out, str | Path) else out)
    finally:
        store.close()
    sys.stderr.write(f"exported {count} AuditEvent resources\n")
    return 0
