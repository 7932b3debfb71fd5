"""Request bodies: media type check and JSON decoding with FHIR-style errors."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from starlette.requests import Request

from service.errors import InvalidRequest, UnsupportedMediaType

FHIR_TYPES = ("application/fhir+json", "application/json")
JSON_TYPES = ("application/json", "application/fhir+json")


async def read_json(request: Request, *, accept: Collection[str]) -> Any:
    """Decode the JSON body after checking ``Content-Type`` (415 otherwise)."""
    ctype = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if ctype not in accept:
        raise UnsupportedMediaType(f"send the body as {' or '.join(accept)}")
    raw = await request.body()
    if not raw:
        raise InvalidRequest("the request body is empty")
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        # Position only: the body itself may hold PHI.
        pos = getattr(exc, "pos", None)
        where = f" at byte {pos}" if pos is not None else ""
        raise InvalidRequest(f"the body is not valid JSON{where}") from None
