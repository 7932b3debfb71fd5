"""Per-request bookkeeping: one audit row and the request metrics, for every API call.

A pure ASGI middleware (no BaseHTTPMiddleware: it would buffer and slow every response). It
creates the request's :class:`RequestRecord`, notes the status the route answered with, and
writes the audit row once the response has been sent, so audit latency is not the caller's.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.observability import REQUEST_LATENCY, REQUESTS
from service.pipeline import Engine, RequestRecord

log = logging.getLogger("service.api")

#: Paths that are audited (health and metrics are not requests about patients).
AUDITED = ("/cds-services", "/fhir/", "/deidentify")


class AuditMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        start = time.perf_counter()
        record = RequestRecord(endpoint=path)
        state: dict[str, Any] = scope.setdefault("state", {})
        state["record"] = record
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - start
            route = _route_label(scope, path)
            REQUESTS.labels(route, str(status)).inc()
            REQUEST_LATENCY.labels(route).observe(elapsed)
            if path.startswith(AUDITED) and scope.get("method") != "OPTIONS":
                engine: Engine | None = getattr(scope["app"].state, "engine", None)
                if engine is not None:
                    try:
                        with record.timer.stage("audit"):
                            await engine.audit.record(
                                _entry(engine, record, state, route, status, elapsed)
                            )
                    except Exception as exc:  # the response is sent; the failure must show
                        log.error("audit write failed: %s", type(exc).__name__)


def _route_label(scope: Scope, path: str) -> str:
    route = scope.get("route")
    template = getattr(route, "path", None)
    return str(template) if template else ("unmatched" if path != "/" else "/")


_REF = re.compile(r"^[A-Z][A-Za-z]{0,63}/[A-Za-z0-9\-.]{1,64}$")
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def _entry(
    engine: Engine,
    record: RequestRecord,
    state: dict[str, Any],
    route: str,
    status: int,
    elapsed: float,
) -> Any:
    from service.audit import AuditEntry

    caller = state.get("caller")
    error = state.get("error")
    hook_instance = None
    if record.hook_instance:
        try:
            hook_instance = uuid.UUID(record.hook_instance)
        except ValueError:
            hook_instance = None
    # Only plain ``Type/id`` references are audited (hashed by the store); bundle-local
    # ``urn:uuid:`` ids identify nothing outside the request.
    refs = tuple(dict.fromkeys(r for r in record.resource_refs if _REF.match(r)))[:32]
    return AuditEntry(
        caller_issuer=getattr(caller, "issuer", None),
        caller_client=getattr(caller, "client_id", None),
        tenant=getattr(caller, "tenant", None),
        endpoint=route,
        hook=record.hook,
        hook_instance=hook_instance,
        resource_refs=refs,
        patient_ref=record.patient_ref
        if record.patient_ref and _REF.match(record.patient_ref)
        else None,
        outcome="success" if status < 400 else _CAMEL.sub("_", str(error or "error")).lower(),
        http_status=status,
        latency_ms=round(elapsed * 1000, 3),
        model_name=engine.info.name,
        model_version=engine.info.version,
        phi_spans=dict(record.phi_counts),
    )
