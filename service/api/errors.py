"""The one place where errors become HTTP responses.

FHIR routes (and ``/deidentify``) answer with an OperationOutcome as ``application/fhir+json``;
CDS Hooks routes answer with the same OperationOutcome as ``application/json`` (the CDS Hooks
3.0 ballot asks for an OperationOutcome body on non-2xx). Messages come from our own error
classes and never echo request content.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from service.errors import CDSError, InvalidRequest, NotFound
from service.interop.risk import operation_outcome
from service.observability import ERRORS

log = logging.getLogger("service.api")

FHIR_JSON = "application/fhir+json"


#: Starlette's ``JSONResponse.render`` options, in an encoder built once: ``json.dumps`` with
#: options builds a new encoder on every call. Same bytes as ``JSONResponse``.
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":"))


class FastJSONResponse(JSONResponse):
    """``JSONResponse`` rendered with a prebuilt encoder (identical output)."""

    def render(self, content: Any) -> bytes:
        return _ENCODER.encode(content).encode("utf-8")


class FhirJSONResponse(FastJSONResponse):
    media_type = FHIR_JSON


def error_response(request: Request, error: CDSError) -> Response:
    ERRORS.labels(type(error).__name__).inc()
    request.state.error = type(error).__name__
    body = operation_outcome(error)
    media = "application/json" if request.url.path.startswith("/cds-services") else FHIR_JSON
    return FastJSONResponse(
        body, status_code=error.status_code, headers=error.headers, media_type=media
    )


class MethodNotAllowed(CDSError):
    status_code = 405
    issue_code = "not-supported"
    public_message = "method not allowed"


async def _on_cds_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CDSError)
    return error_response(request, exc)


async def _on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        return error_response(request, NotFound("no such endpoint"))
    if exc.status_code == 405:
        return error_response(request, MethodNotAllowed())
    err = CDSError(str(exc.detail) if exc.status_code < 500 else None)
    err.status_code = exc.status_code
    return error_response(request, err)


async def _on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    # Only locations are reported, never the submitted values.
    where = [".".join(str(p) for p in e.get("loc", ())) for e in exc.errors()]
    return error_response(request, InvalidRequest("the request is not valid", expression=where))


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    # A bug, not bad input: log the class and where, never the request content.
    log.error("unhandled %s on %s", type(exc).__name__, request.url.path, exc_info=exc)
    return error_response(request, CDSError())


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(CDSError, _on_cds_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(Exception, _on_unexpected)
