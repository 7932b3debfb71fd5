"""Request bodies: media type check and JSON decoding with FHIR-style errors."""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from typing import Any

from starlette.requests import Request

from service.errors import InvalidRequest, UnsupportedMediaType

FHIR_TYPES = ("application/fhir+json", "application/json")
JSON_TYPES = ("application/json", "application/fhir+json")
#: A JSON escape of a UTF-16 surrogate ("\ud83d"): fine in a pair (an emoji written
#: "\ud83d\ude00"), but alone it is no character (RFC 8259 section 8.2), and a note holding
#: one could not be written back as UTF-8 (the answer, the audit log).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


async def read_json(request: Request, *, accept: Collection[str]) -> Any:
    """Decode the JSON body after checking ``Content-Type`` (415 otherwise)."""
    ctype = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if ctype not in accept:
        raise UnsupportedMediaType(f"send the body as {' or '.join(accept)}")
    raw = await request.body()
    if not raw:
        raise InvalidRequest("the request body is empty")
    try:
        payload = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        # Position only: the body itself may hold PHI.
        pos = getattr(exc, "pos", None)
        where = f" at byte {pos}" if pos is not None else ""
        raise InvalidRequest(f"the body is not valid JSON{where}") from None
    if _SURROGATE_ESCAPE.search(raw) is not None:
        # Only bodies that escape a surrogate pay for this check (encoding finds a lone one).
        try:
            json.dumps(payload, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidRequest(
                "the body is not valid JSON text: it escapes a lone UTF-16 surrogate "
                "(\\ud800-\\udfff outside a pair)"
            ) from None
    return payload
