"""Keys and tokens for tests, the benchmark and local demos (never used to verify anything).

Example::

    key = generate_ec_key("ehr-key-1")                      # EC P-384, ES384
    jwks_json = json.dumps(jwks(key))                       # serve or save as the issuer's JWKS
    token = mint_cds_hooks_jwt(
        key, iss="https://ehr.example.org",
        aud="http://127.0.0.1:8080/cds-services/sentiment-risk",
    )
    headers = {"Authorization": f"Bearer {token}"}

    smart_key = generate_rsa_key("as-key-1", alg="RS384")
    access = mint_smart_token(
        smart_key, iss="https://auth.example.org", aud="http://127.0.0.1:8080/fhir",
        scope="system/RiskAssessment.c system/DocumentReference.rs",
    )
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jose import jwk, jwt


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A private key (PEM) with its ``kid``, algorithm and public JWK."""

    kid: str
    alg: str
    private_pem: str
    public_jwk: dict[str, Any]


def _pem(private_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> str:
    return private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _signing_key(pem: str, kid: str | None, alg: str) -> SigningKey:
    kid = kid or uuid.uuid4().hex
    public = jwk.construct(pem, alg).public_key().to_dict()
    public.update({"kid": kid, "use": "sig", "alg": alg})
    return SigningKey(kid=kid, alg=alg, private_pem=pem, public_jwk=dict(public))


def generate_ec_key(kid: str | None = None, *, alg: str = "ES384") -> SigningKey:
    """A fresh EC key: P-384 for ES384 (the default), P-256 for ES256."""
    curve: ec.EllipticCurve = ec.SECP384R1() if alg == "ES384" else ec.SECP256R1()
    if alg not in {"ES384", "ES256"}:
        raise ValueError("alg must be ES384 or ES256")
    return _signing_key(_pem(ec.generate_private_key(curve)), kid, alg)


def generate_rsa_key(kid: str | None = None, *, alg: str = "RS384", bits: int = 2048) -> SigningKey:
    """A fresh RSA key (2048 bits by default) for RS256/RS384/RS512."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return _signing_key(_pem(private), kid, alg)


def jwks(*keys: SigningKey) -> dict[str, Any]:
    """The public JWK Set of ``keys``."""
    return {"keys": [dict(k.public_jwk) for k in keys]}


def sign(
    key: SigningKey, claims: Mapping[str, Any], *, headers: Mapping[str, Any] | None = None
) -> str:
    """Sign arbitrary claims with ``key`` (``kid`` header set unless ``headers`` overrides)."""
    extra = {"kid": key.kid, "typ": "JWT"}
    extra.update(headers or {})
    token: str = jwt.encode(dict(claims), key.private_pem, algorithm=key.alg, headers=extra)
    return token


def mint_cds_hooks_jwt(
    key: SigningKey,
    *,
    iss: str,
    aud: str | list[str],
    lifetime_s: int = 300,
    jti: str | None = None,
    tenant: str | None = None,
    now: float | None = None,
    headers: Mapping[str, Any] | None = None,
    **claims: Any,
) -> str:
    """A CDS Hooks client JWT (``iss``, ``aud``, ``exp``, ``iat``, ``jti``, ``tenant``?)."""
    issued = int(now if now is not None else time.time())
    body: dict[str, Any] = {
        "iss": iss,
        "aud": aud,
        "exp": issued + lifetime_s,
        "iat": issued,
        "jti": jti or str(uuid.uuid4()),
    }
    if tenant is not None:
        body["tenant"] = tenant
    body.update(claims)
    return sign(key, body, headers=headers)


def mint_smart_token(
    key: SigningKey,
    *,
    iss: str,
    aud: str | list[str],
    scope: str,
    client_id: str = "test-client",
    lifetime_s: int = 300,
    now: float | None = None,
    headers: Mapping[str, Any] | None = None,
    **claims: Any,
) -> str:
    """A SMART backend-services style access token (RFC 9068 claims)."""
    issued = int(now if now is not None else time.time())
    body: dict[str, Any] = {
        "iss": iss,
        "aud": aud,
        "sub": client_id,
        "client_id": client_id,
        "scope": scope,
        "exp": issued + lifetime_s,
        "iat": issued,
        "jti": str(uuid.uuid4()),
    }
    body.update(claims)
    return sign(key, body, headers=headers)
