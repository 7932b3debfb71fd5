"""Pieces shared by the CDS Hooks and SMART verifiers (private to ``service.security``).

The order of checks matters: the header ``alg`` is checked against a fixed allowlist before
any key is looked at (so ``none`` and HMAC-with-a-public-key confusion never reach the crypto),
unverified claims are read only to pick the issuer, and every claim used afterwards comes from
the verified payload.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Mapping
from typing import Any

from jose import jwk, jws
from jose.exceptions import JOSEError

from service.errors import AuthenticationFailed
from service.security.issuers import JWK

logger = logging.getLogger("service.security")

#: Curves that go with each ECDSA algorithm (RFC 7518 §3.4).
_EC_CURVES = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}
_MIN_RSA_BITS = 2048
#: Anything longer is refused before parsing (a CDS Hooks JWT is well under 2 KiB).
MAX_TOKEN_CHARS = 16 * 1024


class Rejected(Exception):
    """A failed check: ``check`` is logged, only ``category`` reaches the caller."""

    def __init__(self, check: str, category: str = "invalid_token") -> None:
        super().__init__(check)
        self.check = check
        self.category = category


def fail(flavour: str, exc: Rejected, issuer: str | None) -> AuthenticationFailed:
    """Log the failed check (never the token, never claim values other than the issuer)."""
    logger.warning(
        "%s token rejected: check=%s category=%s issuer=%r",
        flavour,
        exc.check,
        exc.category,
        None if issuer is None else issuer[:200],
    )
    return AuthenticationFailed(exc.category)


def bearer_token(authorization_header: str | None) -> str:
    if authorization_header is None or not authorization_header.strip():
        raise Rejected("no Authorization header", "missing_token")
    scheme, _, token = authorization_header.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise Rejected("Authorization scheme is not Bearer", "invalid_request")
    token = token.strip()
    if not token:
        raise Rejected("empty bearer token", "missing_token")
    if len(token) > MAX_TOKEN_CHARS:
        raise Rejected("token too long")
    if token.count(".") != 2:
        raise Rejected("not a compact JWS")
    return token


def unverified_header(token: str) -> dict[str, Any]:
    try:
        header = jws.get_unverified_header(token)
    except JOSEError as exc:
        raise Rejected("malformed JOSE header") from exc
    if not isinstance(header, dict):
        raise Rejected("malformed JOSE header")
    if "crit" in header:
        # We implement no header extensions, so RFC 7515 §4.1.11 says refuse.
        raise Rejected("unsupported crit header")
    return header


def unverified_claims(token: str) -> dict[str, Any]:
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, IndexError) as exc:
        raise Rejected("malformed claims") from exc
    if not isinstance(claims, dict):
        raise Rejected("malformed claims")
    return claims


def key_fits(key: JWK, alg: str) -> bool:
    """Whether ``key`` may verify ``alg`` (kty, curve, RSA size, and its own ``alg``)."""
    if key.get("alg") not in (None, alg):
        return False
    if alg.startswith("ES"):
        return key.get("kty") == "EC" and key.get("crv") == _EC_CURVES.get(alg)
    if alg.startswith(("RS", "PS")):
        if key.get("kty") != "RSA" or not isinstance(key.get("n"), str):
            return False
        try:
            modulus = base64.urlsafe_b64decode(key["n"] + "=" * (-len(key["n"]) % 4))
        except ValueError:
            return False
        return len(modulus.lstrip(b"\0")) * 8 >= _MIN_RSA_BITS
    return False


def verify_signature(token: str, keys: list[JWK], alg: str) -> dict[str, Any]:
    """Verify with the first fitting key that matches; return the verified claims."""
    fitting = [k for k in keys if key_fits(k, alg)]
    if not fitting:
        raise Rejected("no key of a matching type for alg")
    for key in fitting:
        try:
            prepared = jwk.construct(dict(key), alg)
            payload = jws.verify(token, prepared, algorithms=[alg])
        except JOSEError:
            continue
        try:
            claims = json.loads(payload)
        except ValueError as exc:
            raise Rejected("payload is not JSON") from exc
        if not isinstance(claims, dict):
            raise Rejected("payload is not a JSON object")
        return claims
    raise Rejected("signature verification failed")


def audience_matches(aud: object, accepted: Mapping[str, None] | tuple[str, ...]) -> bool:
    if isinstance(aud, str):
        return aud in accepted
    if isinstance(aud, list) and aud and all(isinstance(a, str) for a in aud):
        return any(a in accepted for a in aud)
    return False


def numeric_date(claims: Mapping[str, Any], name: str, *, required: bool) -> float | None:
    value = claims.get(name)
    if value is None:
        if required:
            raise Rejected(f"{name} missing")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Rejected(f"{name} is not a NumericDate")
    return float(value)
