"""Request body size limit as pure ASGI middleware (413 before the body is parsed).

Two checks, because ``Content-Length`` is optional (chunked uploads) and may lie:

1. a declared ``Content-Length`` above the limit is answered with 413 at once, without reading
   the body;
2. the bytes actually received are counted; when they pass the limit (and the app has not
   started its response) this middleware sends the 413 itself, then the app's ``receive``
   raises :class:`BodyTooLarge` (a :class:`service.errors.PayloadTooLarge`) so the app stops;
   whatever the app sends afterwards (FastAPI turns errors while reading a body into its own
   400) is dropped, and a ``BodyTooLarge`` that reaches the middleware is swallowed.

Responses: ``{"error": "payload_too_large", "detail": ...}`` as ``application/json``, or a FHIR
OperationOutcome (issue code ``too-costly``) as ``application/fhir+json`` for paths under the
FHIR prefix. Add it outermost (``app.add_middleware(BodySizeLimitMiddleware, max_body_bytes=...)``
after the other middlewares) so no other layer buffers the body first.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from service.errors import PayloadTooLarge

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyTooLarge(PayloadTooLarge):
    """Raised from ``receive`` once the streamed body passes the limit."""


class BodySizeLimitMiddleware:
    """Refuse request bodies larger than ``max_body_bytes`` with 413 (see module docstring)."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, fhir_prefix: str = "/fhir") -> None:
        if max_body_bytes < 0:
            raise ValueError("max_body_bytes must be >= 0")
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.fhir_prefix = fhir_prefix.rstrip("/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            await self._reject(scope, send)
            return

        received = 0
        response_started = False
        rejected = False

        async def limited_receive() -> Message:
            nonlocal received, rejected
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    if not response_started and not rejected:
                        # Answer now: frameworks may turn an error raised while reading the
                        # body into their own 400 (FastAPI does), which guarded_send drops.
                        rejected = True
                        await self._reject(scope, send)
                    raise BodyTooLarge(f"request body exceeds {self.max_body_bytes} bytes")
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if rejected:
                return
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except BodyTooLarge:
            if not rejected:
                raise  # the response had already started: the server closes the connection

    def _is_fhir(self, scope: Scope) -> bool:
        path: str = scope.get("path", "")
        prefix = self.fhir_prefix
        return bool(prefix) and (path == prefix or path.startswith(prefix + "/"))

    async def _reject(self, scope: Scope, send: Send) -> None:
        detail = f"request body exceeds {self.max_body_bytes} bytes"
        if self._is_fhir(scope):
            media_type = "application/fhir+json"
            payload: dict[str, Any] = {
                "resourceType": "OperationOutcome",
                "issue": [
                    {
                        "severity": "error",
                        "code": PayloadTooLarge.issue_code,
                        "diagnostics": detail,
                    }
                ],
            }
        else:
            media_type = "application/json"
            payload = {"error": "payload_too_large", "detail": detail}
        body = json.dumps(payload).encode()
        await send(
            {
                "type": "http.response.start",
                "status": PayloadTooLarge.status_code,
                "headers": [
                    (b"content-type", media_type.encode()),
                    (b"content-length", str(len(body)).encode()),
                    # The unread body stays on the socket; closing avoids parsing it as a request.
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server rejects malformed lengths; counting still applies
    return None
