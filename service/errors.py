"""One exception tree for the whole service, mapped to HTTP at the edge only.

::

    CDSError                      500 exception     (base; never raised directly)
    ├── InvalidRequest            400 invalid       malformed JSON / resource / hook request
    │   └── UnsupportedResource   400 not-supported resourceType this endpoint does not take
    ├── AuthenticationFailed      401 login         missing or bad token (category only)
    ├── Forbidden                 403 forbidden     valid token without the needed scope
    ├── NotFound                  404 not-found     unknown CDS service or route
    ├── PrefetchUnavailable       412 not-found     data the hook needs cannot be had (CDS Hooks)
    ├── PayloadTooLarge           413 too-costly    body or note over the configured limit
    ├── UnsupportedMediaType      415 not-supported wrong Content-Type of the request
    ├── UnprocessableContent      422 processing    valid FHIR we cannot score (e.g. a PDF note)
    ├── RateLimited               429 throttled     per-caller limit; carries ``retry_after``
    ├── UpstreamError             502 exception     the EHR's FHIR server answered badly
    ├── InferenceUnavailable      503 transient     Triton down / model not ready / deadline
    └── InferenceFailed           500 exception     Triton answered with an internal error

Each class knows its HTTP status, its OperationOutcome ``issue.code`` and a public message.
Messages are written by us and never contain request content (no note text, no names): callers
pass a fixed ``detail`` and, where useful, a FHIRPath ``expression`` pointing at the element.
"""

from __future__ import annotations

from collections.abc import Sequence


class CDSError(Exception):
    """Base of every error the service raises on purpose."""

    status_code: int = 500
    issue_code: str = "exception"
    public_message: str = "internal error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        expression: Sequence[str] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        self.detail = detail or self.public_message
        self.expression = list(expression)
        self.headers = dict(headers or {})
        super().__init__(self.detail)


class InvalidRequest(CDSError):
    status_code = 400
    issue_code = "invalid"
    public_message = "the request is not valid"


class UnsupportedResource(InvalidRequest):
    issue_code = "not-supported"
    public_message = "this resource type is not supported here"


class AuthenticationFailed(CDSError):
    status_code = 401
    issue_code = "login"
    public_message = "authentication failed"

    def __init__(self, category: str = "invalid_token") -> None:
        # Only the category reaches the caller; the failed check is logged by the verifier.
        self.category = category
        super().__init__(f"authentication failed: {category}")
        self.headers = {"WWW-Authenticate": f'Bearer error="{category}"'}


class Forbidden(CDSError):
    status_code = 403
    issue_code = "forbidden"
    public_message = "the token does not grant this operation"


class NotFound(CDSError):
    status_code = 404
    issue_code = "not-found"
    public_message = "not found"


class PrefetchUnavailable(CDSError):
    status_code = 412
    issue_code = "not-found"
    public_message = "the FHIR data this service needs could not be obtained"


class PayloadTooLarge(CDSError):
    status_code = 413
    issue_code = "too-costly"
    public_message = "the request is too large"


class UnsupportedMediaType(CDSError):
    status_code = 415
    issue_code = "not-supported"
    public_message = "unsupported media type"


class UnprocessableContent(CDSError):
    status_code = 422
    issue_code = "processing"
    public_message = "the content cannot be processed"


class RateLimited(CDSError):
    status_code = 429
    issue_code = "throttled"
    public_message = "too many requests"

    def __init__(self, retry_after: int, detail: str | None = None) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after))})
        self.retry_after = retry_after


class UpstreamError(CDSError):
    status_code = 502
    issue_code = "exception"
    public_message = "the FHIR server answered with an error"


class InferenceUnavailable(CDSError):
    status_code = 503
    issue_code = "transient"
    public_message = "the inference service is unavailable; retry later"


class InferenceFailed(CDSError):
    status_code = 500
    issue_code = "exception"
    public_message = "the inference service failed"
