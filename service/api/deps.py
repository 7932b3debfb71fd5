"""Typed accessors for what the lifespan put on ``app.state`` and the middleware on the request."""

from __future__ import annotations

from starlette.requests import Request

from service.api.auth import Authenticator
from service.pipeline import Engine, RequestRecord


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def authenticator(request: Request) -> Authenticator:
    auth: Authenticator = request.app.state.auth
    return auth


def record_of(request: Request) -> RequestRecord:
    """The request's audit record (created by :class:`AuditMiddleware`)."""
    record = getattr(request.state, "record", None)
    if record is None:
        record = RequestRecord(endpoint=request.url.path)
        request.state.record = record
    return record
