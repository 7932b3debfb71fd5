"""SMART access tokens and SMART v1/v2 scope checks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from jose import jwk

from service.errors import AuthenticationFailed, Forbidden
from service.security import (
    CallerIdentity,
    JWKSCache,
    SmartVerifier,
    load_issuers,
    missing_scopes,
    parse_scope,
    require_scopes,
)
from service.security.smart import ScopeGrant
from service.security.testing import (
    SigningKey,
    generate_ec_key,
    generate_rsa_key,
    jwks,
    mint_smart_token,
)

AUTH = "https://auth.example.org"
FHIR_BASE = "https://cds.example.org/fhir"


@pytest.fixture(scope="module")
def rs256_key() -> SigningKey:
    return generate_rsa_key("rs256", alg="RS256")


@pytest.fixture(scope="module")
def es256_key() -> SigningKey:
    return generate_ec_key("es256", alg="ES256")


@pytest.fixture
def verifier(
    ec_key: SigningKey, rsa_key: SigningKey, rs256_key: SigningKey, es256_key: SigningKey
) -> SmartVerifier:
    issuers = load_issuers(
        json.dumps(
            {
                AUTH: {"jwks": jwks(ec_key, rsa_key, rs256_key, es256_key)},
                "https://other-auth.example.org": {
                    "jwks": jwks(ec_key),
                    "audience": ["https://gateway.internal/fhir"],
                },
            }
        ),
        kind="smart",
    )
    return SmartVerifier(issuers, jwks=JWKSCache(), default_audience=FHIR_BASE)


@pytest.mark.parametrize("key_name", ["ec_key", "rsa_key", "rs256_key", "es256_key"])
async def test_valid_access_token_is_accepted(
    verifier: SmartVerifier, key_name: str, request: pytest.FixtureRequest
) -> None:
    key: SigningKey = request.getfixturevalue(key_name)
    token = mint_smart_token(
        key, iss=AUTH, aud=FHIR_BASE, scope="system/RiskAssessment.c openid", client_id="bench"
    )
    identity = await verifier.verify(f"Bearer {token}")
    assert identity.kind == "smart"
    assert identity.issuer == AUTH
    assert identity.client_id == "bench"
    assert identity.scopes == {"system/RiskAssessment.c", "openid"}


async def test_scp_list_claim_and_at_jwt_type(verifier: SmartVerifier, ec_key: SigningKey) -> None:
    token = mint_smart_token(
        ec_key,
        iss=AUTH,
        aud=FHIR_BASE,
        scope="ignored",
        scp=["user/DocumentReference.rs"],
        headers={"typ": "at+jwt"},
    )
    # ``scope`` wins when both are present (RFC 9068); here scp would be used only without it.
    identity = await verifier.verify(f"Bearer {token}")
    assert identity.scopes == {"ignored"}
    from service.security.testing import sign

    now = int(time.time())
    claims = {"iss": AUTH, "aud": FHIR_BASE, "exp": now + 60, "scp": ["user/Observation.r"]}
    identity = await verifier.verify(f"Bearer {sign(ec_key, claims)}")
    assert identity.scopes == {"user/Observation.r"}
    assert identity.client_id == AUTH  # no client_id/azp/sub: the issuer stands in


async def test_configured_audience_replaces_the_default(
    verifier: SmartVerifier, ec_key: SigningKey
) -> None:
    other = "https://other-auth.example.org"
    good = mint_smart_token(ec_key, iss=other, aud="https://gateway.internal/fhir", scope="")
    assert (await verifier.verify(f"Bearer {good}")).issuer == other
    bad = mint_smart_token(ec_key, iss=other, aud=FHIR_BASE, scope="")
    with pytest.raises(AuthenticationFailed) as info:
        await verifier.verify(f"Bearer {bad}")
    assert info.value.category == "invalid_audience"


@pytest.mark.parametrize(
    ("kwargs", "category"),
    [
        ({"aud": "https://elsewhere.example/fhir"}, "invalid_audience"),
        ({"now": time.time() - 7200}, "expired"),
        ({"iss": "https://evil.example.org"}, "untrusted_issuer"),
    ],
)
async def test_bad_access_tokens_are_rejected(
    verifier: SmartVerifier, ec_key: SigningKey, kwargs: dict[str, Any], category: str
) -> None:
    params: dict[str, Any] = {"iss": AUTH, "aud": FHIR_BASE, "scope": "system/*.*"}
    params.update(kwargs)
    token = mint_smart_token(ec_key, **params)
    with pytest.raises(AuthenticationFailed) as info:
        await verifier.verify(f"Bearer {token}")
    assert info.value.category == category


async def test_hs256_with_public_key_and_none_are_rejected(
    verifier: SmartVerifier, rsa_key: SigningKey
) -> None:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    claims = {"iss": AUTH, "aud": FHIR_BASE, "exp": int(time.time()) + 60, "scope": "system/*.*"}
    body = b64(json.dumps(claims).encode())
    for alg in ("HS256", "none"):
        head = b64(json.dumps({"alg": alg, "kid": rsa_key.kid}).encode())
        pem = jwk.construct(rsa_key.public_jwk, "RS384").to_pem()
        sig = b64(hmac.new(pem, f"{head}.{body}".encode(), hashlib.sha256).digest())
        token = f"{head}.{body}.{sig if alg != 'none' else ''}"
        with pytest.raises(AuthenticationFailed):
            await verifier.verify(f"Bearer {token}")


async def test_missing_kid_uses_the_single_fitting_key_only(
    ec_key: SigningKey, rsa_key: SigningKey
) -> None:
    from jose import jwt

    claims = {"iss": AUTH, "aud": FHIR_BASE, "exp": int(time.time()) + 60}
    token = jwt.encode(claims, ec_key.private_pem, algorithm="ES384")  # no kid
    single = SmartVerifier(
        load_issuers(json.dumps({AUTH: {"jwks": jwks(ec_key, rsa_key)}}), kind="smart"),
        jwks=JWKSCache(),
        default_audience=FHIR_BASE,
    )
    assert (await single.verify(f"Bearer {token}")).issuer == AUTH
    ambiguous = SmartVerifier(
        load_issuers(
            json.dumps({AUTH: {"jwks": jwks(ec_key, generate_ec_key("second"))}}), kind="smart"
        ),
        jwks=JWKSCache(),
        default_audience=FHIR_BASE,
    )
    with pytest.raises(AuthenticationFailed):
        await ambiguous.verify(f"Bearer {token}")


# --- scopes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ("system/RiskAssessment.c", ScopeGrant("system", "RiskAssessment", frozenset("c"))),
        ("user/DocumentReference.rs", ScopeGrant("user", "DocumentReference", frozenset("rs"))),
        ("patient/*.cruds", ScopeGrant("patient", "*", frozenset("cruds"))),
        ("patient/Observation.read", ScopeGrant("patient", "Observation", frozenset("rs"))),
        ("user/RiskAssessment.write", ScopeGrant("user", "RiskAssessment", frozenset("cud"))),
        ("system/*.*", ScopeGrant("system", "*", frozenset("cruds"))),
        ("system/Observation.sr", None),  # v2 letters out of order
        ("system/Observation.rr", None),  # repeated letter
        ("system/Observation.x", None),
        ("system/Observation.rs?category=laboratory", None),  # query-restricted
        ("openid", None),
        ("launch/patient", None),
        ("admin/Observation.read", None),
    ],
)
def test_parse_scope(scope: str, expected: ScopeGrant | None) -> None:
    assert parse_scope(scope) == expected


def _identity(*scopes: str) -> CallerIdentity:
    from datetime import UTC, datetime

    return CallerIdentity(
        issuer=AUTH,
        client_id="c",
        kind="smart",
        expires_at=datetime.now(UTC),
        scopes=frozenset(scopes),
    )


@pytest.mark.parametrize(
    "scopes",
    [
        ("system/RiskAssessment.c", "system/DocumentReference.rs"),
        ("user/RiskAssessment.write", "user/DocumentReference.read"),  # v1
        ("system/*.cruds",),
        ("system/*.*",),
        ("patient/RiskAssessment.cud", "patient/*.r"),
    ],
)
def test_require_scopes_accepts(scopes: tuple[str, ...]) -> None:
    require_scopes(_identity(*scopes), write="RiskAssessment", reads={"DocumentReference"})


@pytest.mark.parametrize(
    ("scopes", "missing"),
    [
        ((), ["system/RiskAssessment.c", "system/DocumentReference.r"]),
        (("system/DocumentReference.rs",), ["system/RiskAssessment.c"]),
        (("system/RiskAssessment.c",), ["system/DocumentReference.r"]),
        (("system/RiskAssessment.r", "system/DocumentReference.s"), None),
        (("system/*.read",), ["system/RiskAssessment.c"]),
        (("system/RiskAssessment.c", "system/DocumentReference.rs?status=current"), None),
        (("system/Observation.rs", "system/RiskAssessment.c"), ["system/DocumentReference.r"]),
    ],
)
def test_require_scopes_refuses_with_403_naming_the_scope(
    scopes: tuple[str, ...], missing: list[str] | None
) -> None:
    identity = _identity(*scopes)
    with pytest.raises(Forbidden) as info:
        require_scopes(identity, write="RiskAssessment", reads={"DocumentReference"})
    assert info.value.status_code == 403
    found = missing_scopes(identity.scopes, write="RiskAssessment", reads={"DocumentReference"})
    assert found
    for scope in found:
        assert scope in info.value.detail
    if missing is not None:
        assert found == missing


def test_read_only_operation_needs_no_write_scope() -> None:
    require_scopes(_identity("user/Observation.rs"), write=None, reads={"Observation"})
    with pytest.raises(Forbidden):
        require_scopes(_identity("user/Observation.c"), write=None, reads={"Observation"})
