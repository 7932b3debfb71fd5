"""Per-request bookkeeping: one audit row and the request metrics, for every API call.

A pure ASGI middleware (no BaseHTTPMiddleware: it would buffer and slow every response). It
creates the request's :class:`RequestRecord`, notes the status the route answered with, and
hands the audit row to the store's writer thread once the response has been sent, so audit
latency is not the caller's. It does not wait for the commit either: the writer groups rows
of many requests in one transaction, a failed write is logged (its exception type only) from
the writer's callback, the ``audit`` stage histogram records queueing plus commit time, and
the store's shutdown flush writes whatever is still queued.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from concurrent.futures import Future
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.observability import observe_request, stage_histogram
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
            observe_request(route, status, elapsed)
            if path.startswith(AUDITED) and scope.get("method") != "OPTIONS":
                engine: Engine | None = getattr(scope["app"].state, "engine", None)
                if engine is not None:
                    try:
                        future = engine.audit.submit(
                            _entry(engine, record, state, route, status, elapsed)
                        )
                    except Exception as exc:  # the response is sent; the failure must show
                        log.error("audit write failed: %s", type(exc).__name__)
                    else:
                        future.add_done_callback(_AuditDone(time.perf_counter()))


class _AuditDone:
    """Runs in the audit writer thread once the row is committed (or failed)."""

    __slots__ = ("_queued",)

    def __init__(self, queued: float) -> None:
        self._queued = queued

    def __call__(self, future: Future[None]) -> None:
        exc = future.exception()
        if exc is not None:
            # The type only: a driver's message may quote parameter values.
            log.error("audit write failed: %s", type(exc).__name__)
            return
        stage_histogram("audit").observe(time.perf_counter() - self._queued)


def _route_label(scope: Scope, path: str) -> str:
    route = scope.get("route")
    template = getattr(route, "path", None)
    return str(template) if template else ("unmatched" if path != "/" else "/")


_REF = re.compile(r"^[A-Z][A-Za-z]{0,63}/[A-Za-z0-9\-.]{1,64}$")
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def _outcome(error: object) -> str:
    """The audit outcome of a failed request: its error class in snake case
    ("MethodNotAllowed" -> "method_not_allowed"); a leading underscore would make the row
    invalid (the outcome must start with a letter), and the row would be lost."""
    return _CAMEL.sub("_", str(error or "error").lstrip("_")).lower() or "error"


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
        outcome="success" if status < 400 else _outcome(error),
        http_status=status,
        latency_ms=round(elapsed * 1000, 3),
        model_name=engine.info.name,
        model_version=engine.info.version,
        phi_spans=dict(record.phi_counts),
    )
