"""A small, patient-scoped FHIR R4 read client for CDS Hooks calls (``fhirServer``).

Used when a hook's prefetch was not satisfied and to resolve ``Attachment.url``. Rules:

* Every request has a timeout; redirects are never followed (a redirect could carry the bearer
  token elsewhere); the client ignores proxy environment variables.
* The bearer token goes **only** to URLs under ``fhirServer``; attachment URLs elsewhere are
  fetched without it (or refused with ``allow_external=False``). The token is never logged
  and never part of ``repr``.
* Patient scope: with ``patient_id`` set, a request naming another patient (``Patient/<id>``
  in the path, ``patient=``/``subject=`` parameters) raises :class:`PatientScopeError`, a
  type-level search without a ``patient``/``subject`` parameter is refused, a single resource
  about another patient raises, and search-set entries about another patient are dropped.
* Errors: every failure of the server (timeout, connection, HTTP error status, a body that is
  not FHIR JSON) raises :class:`FhirServerError`, an :class:`~service.errors.UpstreamError`
  (502). **Hook routes must turn it into** :class:`~service.errors.PrefetchUnavailable`
  **(412) when the data is needed** (CDS Hooks: the service cannot get the FHIR data it
  needs); :func:`prefetch_unavailable` does that. ``$assess`` routes may keep the 502.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Mapping
from types import TracebackType
from typing import Any
from urllib.parse import SplitResult, parse_qsl, unquote, urlsplit

import httpx

from service.errors import (
    CDSError,
    Forbidden,
    PayloadTooLarge,
    PrefetchUnavailable,
    UnprocessableContent,
    UpstreamError,
)
from service.interop.notes import patient_of

log = logging.getLogger(__name__)

FHIR_JSON = "application/fhir+json"
#: Parameters that name the patient a search is about (with or without ``:Patient``).
_PATIENT_PARAMS = frozenset({"patient", "subject"})
#: Type-level requests that are not about one patient's compartment.
_UNSCOPED_TYPES = frozenset({"Binary", "metadata"})


class FhirServerError(UpstreamError):
    """The FHIR server failed or answered badly; ``upstream_status`` is its HTTP status."""

    def __init__(self, detail: str, *, upstream_status: int | None = None) -> None:
        super().__init__(detail)
        self.upstream_status = upstream_status


class PatientScopeError(Forbidden):
    """A request or an answer would involve a patient other than the one in context."""

    public_message = "the request would involve another patient's data"


def prefetch_unavailable(exc: Exception, key: str) -> PrefetchUnavailable:
    """The 412 a hook route raises when it cannot get prefetch ``key`` (``raise ... from``)."""
    # Our errors' details are fixed strings without input, so they may be passed on.
    reason = exc.detail if isinstance(exc, CDSError) else "the FHIR server failed"
    return PrefetchUnavailable(
        f"could not obtain prefetch {key}: {reason}", expression=[f"prefetch.{key}"]
    )


def _origin(parts: SplitResult) -> tuple[str, str, int | None]:
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port or default


class FhirClient:
    """Reads from one FHIR server for one patient. Use as ``async with`` or call ``aclose``."""

    def __init__(
        self,
        base_url: str,
        *,
        access_token: str | None,
        patient_id: str | None,
        timeout: float,
        client: httpx.AsyncClient | None = None,
        max_bytes: int = 5 * 1024 * 1024,
        allow_external: bool = True,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("base_url must be an absolute http(s) URL")
        self.base_url = base_url.rstrip("/")
        self._base = urlsplit(self.base_url)
        self._token = access_token
        self.patient_id = patient_id
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.allow_external = allow_external
        self._owned = client is None
        self._client = client or httpx.AsyncClient(follow_redirects=False, trust_env=False)

    def __repr__(self) -> str:  # never the token
        return f"FhirClient(base_url={self.base_url!r}, token={'set' if self._token else 'none'})"

    async def __aenter__(self) -> FhirClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owned:
            await self._client.aclose()

    # ---------------------------------------------------------------------------- URLs ---

    def resolve(self, url: str) -> tuple[str, bool]:
        """``(absolute URL, is under fhirServer)`` for a relative or absolute reference."""
        parts = urlsplit(url)
        if parts.scheme:
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise UnprocessableContent("only http(s) URLs can be fetched")
            return url, self._under_base(parts)
        if url.startswith("//") or url.startswith("#") or not url.strip("/"):
            raise UnprocessableContent("the reference cannot be resolved against fhirServer")
        if ".." in url.split("?", 1)[0].split("/"):
            raise UnprocessableContent("the reference cannot be resolved against fhirServer")
        return f"{self.base_url}/{url.lstrip('/')}", True

    def _under_base(self, parts: SplitResult) -> bool:
        if _origin(parts) != _origin(self._base):
            return False
        base_path = self._base.path.rstrip("/")
        return parts.path == base_path or parts.path.startswith(base_path + "/")

    def _relative_path(self, absolute: str) -> tuple[list[str], list[tuple[str, str]]]:
        parts = urlsplit(absolute)
        rest = parts.path[len(self._base.path.rstrip("/")) :]
        segments = [s for s in rest.split("/") if s]
        return segments, parse_qsl(parts.query, keep_blank_values=True)

    def _same_patient(self, value: str) -> bool:
        return value.rstrip("/").split("/")[-1] == self.patient_id

    def check_scope(self, absolute: str) -> None:
        """Refuse a request under fhirServer that names another patient (see module doc)."""
        segments, params = self._relative_path(absolute)
        if any(unquote(s) in (".", "..") for s in segments):
            raise PatientScopeError("refusing a path with dot segments")
        if self.patient_id is None:
            return
        if not segments:
            raise PatientScopeError("refusing a request without a resource type")
        if segments[0] == "Patient" and len(segments) >= 2 and segments[1] != self.patient_id:
            raise PatientScopeError("refusing to read another patient's data")
        named = False
        for key, value in params:
            name, _, modifier = key.partition(":")
            if name == "_id" and segments[0] == "Patient" and len(segments) == 1:
                if any(v != self.patient_id for v in value.split(",")):
                    raise PatientScopeError("refusing to read another patient's data")
                named = True
            if name.split(".")[0] in _PATIENT_PARAMS:
                if "." in name or modifier not in ("", "Patient"):
                    raise PatientScopeError("refusing a chained or modified patient search")
                if not all(self._same_patient(v) for v in value.split(",")):
                    raise PatientScopeError("refusing to read another patient's data")
                named = True
        type_level = len(segments) == 1 and segments[0] not in _UNSCOPED_TYPES
        if type_level and not named:
            raise PatientScopeError("refusing a search that is not limited to the patient")

    def _headers(self, under_base: bool, accept: str) -> dict[str, str]:
        headers = {"Accept": accept}
        if under_base and self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    # ------------------------------------------------------------------------- requests ---

    async def _send(self, url: str, headers: Mapping[str, str]) -> tuple[int, bytes, str | None]:
        try:
            async with self._client.stream(
                "GET",
                url,
                headers=dict(headers),
                timeout=httpx.Timeout(self.timeout),
                follow_redirects=False,
            ) as response:
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > self.max_bytes:
                    raise PayloadTooLarge("the fetched content is over the size limit")
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > self.max_bytes:
                        raise PayloadTooLarge("the fetched content is over the size limit")
                return response.status_code, bytes(body), response.headers.get("content-type")
        except httpx.TimeoutException:
            log.warning("FHIR server request timed out after %.1fs", self.timeout)
            raise FhirServerError("the FHIR server did not answer in time") from None
        except httpx.HTTPError as exc:
            log.warning("FHIR server request failed: %s", type(exc).__name__)
            raise FhirServerError("the FHIR server could not be reached") from None

    @staticmethod
    def _check_status(status: int) -> None:
        if 300 <= status < 400:
            raise FhirServerError(
                "the FHIR server answered with a redirect", upstream_status=status
            )
        if status >= 400:
            log.warning("FHIR server answered HTTP %d", status)
            raise FhirServerError(f"the FHIR server answered HTTP {status}", upstream_status=status)

    @staticmethod
    def _json_resource(body: bytes) -> dict[str, Any]:
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise FhirServerError("the FHIR server returned a body that is not JSON") from None
        if not isinstance(data, dict) or not isinstance(data.get("resourceType"), str):
            raise FhirServerError("the FHIR server returned JSON that is not a FHIR resource")
        return data

    def _scope_result(self, resource: dict[str, Any]) -> dict[str, Any]:
        if self.patient_id is None:
            return resource
        if resource["resourceType"] == "Bundle":
            entries = resource.get("entry") or []
            kept = [
                e
                for e in entries
                if not (
                    isinstance(e, dict)
                    and isinstance(e.get("resource"), dict)
                    and patient_of(e["resource"]) not in (None, self.patient_id)
                )
            ]
            if len(kept) != len(entries):
                log.warning(
                    "dropped %d search entries about another patient", len(entries) - len(kept)
                )
                resource = {**resource, "entry": kept}
            return resource
        if resource["resourceType"] == "Patient" and resource.get("id") not in (
            None,
            self.patient_id,
        ):
            raise PatientScopeError("the FHIR server returned another patient")
        if patient_of(resource) not in (None, self.patient_id):
            raise PatientScopeError("the FHIR server returned another patient's data")
        return resource

    async def get(self, relative_or_absolute: str, *, max_pages: int = 1) -> dict[str, Any]:
        """GET a FHIR resource or search under fhirServer, as JSON.

        Search Bundles follow ``next`` links up to ``max_pages`` pages (default 1: the hook
        templates already ask for the most recent ``_count=10``), merging the entries.
        """
        url, under_base = self.resolve(relative_or_absolute)
        if not under_base:
            raise FhirServerError("refusing to read FHIR data from outside fhirServer")
        result: dict[str, Any] | None = None
        for _ in range(max(1, max_pages)):
            self.check_scope(url)
            status, body, _ = await self._send(url, self._headers(True, FHIR_JSON))
            self._check_status(status)
            page = self._scope_result(self._json_resource(body))
            if result is None:
                result = page
            else:
                result["entry"] = [*(result.get("entry") or []), *(page.get("entry") or [])]
            next_url = _next_link(page)
            if page.get("resourceType") != "Bundle" or next_url is None:
                break
            url, under_base = self.resolve(next_url)
            if not under_base:
                raise FhirServerError("the next link points outside fhirServer")
        assert result is not None
        return result

    async def fetch(self, url: str) -> tuple[bytes, str | None]:
        """Content behind ``Attachment.url``: a ``Binary`` (JSON or raw) or any http(s) URL.

        Implements :class:`service.interop.notes.AttachmentFetcher`.
        """
        absolute, under_base = self.resolve(url)
        if not under_base and not self.allow_external:
            raise UnprocessableContent("attachments outside the FHIR server are not fetched")
        if under_base:
            self.check_scope(absolute)
        accept = f"{FHIR_JSON}, */*;q=0.5" if under_base else "*/*"
        status, body, ctype = await self._send(absolute, self._headers(under_base, accept))
        self._check_status(status)
        mime = (ctype or "").split(";")[0].strip().lower()
        if mime in (FHIR_JSON, "application/json") and under_base:
            resource = self._scope_result(self._json_resource(body))
            if resource["resourceType"] != "Binary":
                raise FhirServerError("the attachment URL did not return a Binary")
            return _binary_content(resource)
        return body, ctype


def _next_link(bundle: Mapping[str, Any]) -> str | None:
    for link in bundle.get("link") or []:
        if isinstance(link, dict) and link.get("relation") == "next":
            url = link.get("url")
            return url if isinstance(url, str) and url else None
    return None


def _binary_content(binary: Mapping[str, Any]) -> tuple[bytes, str | None]:
    data = binary.get("data")
    ctype = binary.get("contentType")
    if not isinstance(data, str):
        raise UnprocessableContent("the Binary has no data")
    try:
        content = base64.b64decode("".join(data.split()), validate=True)
    except (binascii.Error, ValueError):
        raise FhirServerError("the FHIR server returned a Binary with invalid base64") from None
    return content, ctype if isinstance(ctype, str) else None
