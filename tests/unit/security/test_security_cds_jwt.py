"""CDS Hooks JWT verification: every check accepts the good token and refuses the bad ones."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from typing import Any

import pytest
from jose import jwk

from service.errors import AuthenticationFailed
from service.security import CDSHooksVerifier, InMemoryReplayCache, JWKSCache, load_issuers
from service.security.testing import SigningKey, jwks, mint_cds_hooks_jwt, sign

ISSUER = "https://ehr.example.org"
ENDPOINT = "https://cds.example.org/cds-services/sentiment-risk"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": ENDPOINT,
        "exp": now + 300,
        "iat": now,
        "jti": f"jti-{time.perf_counter_ns()}",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


@pytest.fixture
def verifier_factory(ec_key: SigningKey, rsa_key: SigningKey) -> Callable[..., CDSHooksVerifier]:
    def factory(
        config: dict[str, Any] | None = None, *, cache: JWKSCache | None = None, **kwargs: Any
    ) -> CDSHooksVerifier:
        issuers = load_issuers(
            json.dumps(config or {ISSUER: {"jwks": jwks(ec_key, rsa_key)}}), kind="cds-hooks"
        )
        return CDSHooksVerifier(
            issuers,
            replay_cache=kwargs.pop("replay_cache", InMemoryReplayCache()),
            jwks=cache or JWKSCache(min_refresh_interval_s=0),
            **kwargs,
        )

    return factory


@pytest.fixture
def verifier(verifier_factory: Callable[..., CDSHooksVerifier]) -> CDSHooksVerifier:
    return verifier_factory()


async def _reject(
    verifier: CDSHooksVerifier, token: str | None, *, audience: str = ENDPOINT
) -> AuthenticationFailed:
    header = None if token is None else f"Bearer {token}"
    with pytest.raises(AuthenticationFailed) as info:
        await verifier.verify(header, audience=audience)
    assert info.value.status_code == 401
    return info.value


@pytest.mark.parametrize("key_name", ["ec_key", "rsa_key"])
async def test_valid_token_is_accepted(
    verifier: CDSHooksVerifier, key_name: str, request: pytest.FixtureRequest
) -> None:
    key: SigningKey = request.getfixturevalue(key_name)
    token = mint_cds_hooks_jwt(key, iss=ISSUER, aud=ENDPOINT, tenant="acme-health", jti="abc-1")
    identity = await verifier.verify(f"Bearer {token}", audience=ENDPOINT)
    assert identity.issuer == ISSUER
    assert identity.client_id == ISSUER  # CDS Hooks has no sub: the issuer is the client
    assert identity.tenant == "acme-health"
    assert identity.jti == "abc-1"
    assert identity.kind == "cds-hooks"
    assert abs(identity.expires_at.timestamp() - (time.time() + 300)) < 60


async def test_audience_array_containing_the_endpoint_is_accepted(
    verifier: CDSHooksVerifier, ec_key: SigningKey
) -> None:
    token = mint_cds_hooks_jwt(ec_key, iss=ISSUER, aud=["https://elsewhere.example", ENDPOINT])
    assert (await verifier.verify(f"Bearer {token}", audience=ENDPOINT)).issuer == ISSUER


async def test_configured_client_id_label_is_used(
    verifier_factory: Callable[..., CDSHooksVerifier], ec_key: SigningKey
) -> None:
    verifier = verifier_factory({ISSUER: {"jwks": jwks(ec_key), "client_id": "ehr-prod"}})
    token = mint_cds_hooks_jwt(ec_key, iss=ISSUER, aud=ENDPOINT)
    assert (await verifier.verify(f"Bearer {token}", audience=ENDPOINT)).client_id == "ehr-prod"


async def test_missing_header_and_wrong_scheme(verifier: CDSHooksVerifier) -> None:
    assert (await _reject(verifier, None)).category == "missing_token"
    with pytest.raises(AuthenticationFailed) as info:
        await verifier.verify("Basic dXNlcjpwYXNz", audience=ENDPOINT)
    assert info.value.category == "invalid_request"
    assert (await _reject(verifier, "not-a-jwt")).category == "invalid_token"


async def test_expired_token_is_rejected(verifier: CDSHooksVerifier, ec_key: SigningKey) -> None:
    token = mint_cds_hooks_jwt(ec_key, iss=ISSUER, aud=ENDPOINT, now=time.time() - 3600)
    assert (await _reject(verifier, token)).category == "expired"


async def test_wrong_audience_is_rejected(verifier: CDSHooksVerifier, ec_key: SigningKey) -> None:
    token = mint_cds_hooks_jwt(ec_key, iss=ISSUER, aud="https://cds.example.org/cds-services/x")
    assert (await _reject(verifier, token)).category == "invalid_audience"


async def test_untrusted_issuer_is_rejected(verifier: CDSHooksVerifier, ec_key: SigningKey) -> None:
    token = mint_cds_hooks_jwt(ec_key, iss="https://evil.example.org", aud=ENDPOINT)
    assert (await _reject(verifier, token)).category == "untrusted_issuer"


async def test_signature_by_another_key_with_the_same_kid_is_rejected(
    verifier: CDSHooksVerifier, attacker_key: SigningKey
) -> None:
    token = mint_cds_hooks_jwt(attacker_key, iss=ISSUER, aud=ENDPOINT)
    assert (await _reject(verifier, token)).category == "invalid_token"


async def test_unknown_kid_is_rejected(verifier: CDSHooksVerifier, ec_key_2: SigningKey) -> None:
    token = mint_cds_hooks_jwt(ec_key_2, iss=ISSUER, aud=ENDPOINT)
    assert (await _reject(verifier, token)).category == "invalid_token"


async def test_missing_kid_is_rejected(verifier: CDSHooksVerifier, ec_key: SigningKey) -> None:
    from jose import jwt

    token = jwt.encode(_claims(), ec_key.private_pem, algorithm="ES384")  # no kid header
    assert "kid" not in json.loads(_unb64(token.split(".")[0]))
    assert (await _reject(verifier, token)).category == "invalid_token"


async def test_alg_none_is_rejected(
    verifier: CDSHooksVerifier, ec_key: SigningKey, caplog: pytest.LogCaptureFixture
) -> None:
    header = {"alg": "none", "typ": "JWT", "kid": ec_key.kid}
    token = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(_claims()).encode())}."
    with caplog.at_level(logging.WARNING, logger="service.security"):
        assert (await _reject(verifier, token)).category == "invalid_token"
    assert "alg not allowed" in caplog.text


@pytest.mark.parametrize("key_name", ["rsa_key", "ec_key"])
async def test_hs256_signed_with_the_public_key_is_rejected(
    verifier: CDSHooksVerifier,
    key_name: str,
    request: pytest.FixtureRequest,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The classic key-confusion attack: HMAC keyed with the (public) verification key.
    key: SigningKey = request.getfixturevalue(key_name)
    public_pem = jwk.construct(key.public_jwk, key.alg).to_pem()
    header = {"alg": "HS256", "typ": "JWT", "kid": key.kid}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(_claims()).encode())}"
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    token = f"{signing_input}.{_b64(signature)}"
    with caplog.at_level(logging.WARNING, logger="service.security"):
        assert (await _reject(verifier, token)).category == "invalid_token"
    assert "alg not allowed" in caplog.text


async def test_other_asymmetric_algorithms_are_rejected(verifier: CDSHooksVerifier) -> None:
    from service.security.testing import generate_ec_key

    es256 = generate_ec_key("ec-key-1", alg="ES256")  # allowed by SMART, not by CDS Hooks
    token = mint_cds_hooks_jwt(es256, iss=ISSUER, aud=ENDPOINT)
    assert (await _reject(verifier, token)).category == "invalid_token"


async def test_replayed_jti_is_rejected(verifier: CDSHooksVerifier, ec_key: SigningKey) -> None:
    token = mint_cds_hooks_jwt(ec_key, iss=ISSUER, aud=ENDPOINT)
    await verifier.verify(f"Bearer {token}", audience=ENDPOINT)
    assert (await _reject(verifier, token)).category == "replayed"
    # A different token reusing the jti is a replay too.
    again = mint_cds_hooks_jwt(
        ec_key, iss=ISSUER, aud=ENDPOINT, jti=json.loads(_unb64(token.split(".")[1]))["jti"]
    )
    assert (await _reject(verifier, again)).category == "replayed"


async def test_rejected_token_does_not_burn_its_jti(
    verifier: CDSHooksVerifier, ec_key: SigningKey
) -> None:
    bad = mint_cds_hooks_jwt(ec_key, iss=ISSUER, aud="https://wrong.example", jti="same-jti")
    await _reject(verifier, bad)
    good = mint_cds_hooks_jwt(ec_key, iss=ISSUER, aud=ENDPOINT, jti="same-jti")
    assert (await verifier.verify(f"Bearer {good}", audience=ENDPOINT)).jti == "same-jti"


@pytest.mark.parametrize(
    "change", [{"tenant": "other-org"}, {"exp": 4102444800}, {"aud": ENDPOINT + "x"}]
)
async def test_tampered_payload_is_rejected(
    verifier: CDSHooksVerifier, ec_key: SigningKey, change: dict[str, Any]
) -> None:
    token = mint_cds_hooks_jwt(ec_key, iss=ISSUER, aud=ENDPOINT, tenant="acme")
    header, payload, signature = token.split(".")
    claims = json.loads(_unb64(payload))
    claims.update(change)
    forged = f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"
    assert (await _reject(verifier, forged)).category == "invalid_token"


async def test_exp_too_far_in_the_future_is_rejected(
    verifier: CDSHooksVerifier, ec_key: SigningKey
) -> None:
    token = mint_cds_hooks_jwt(ec_key, iss=ISSUER, aud=ENDPOINT, lifetime_s=3600)
    assert (await _reject(verifier, token)).category == "invalid_token"


async def test_max_lifetime_is_configurable(
    verifier_factory: Callable[..., CDSHooksVerifier], ec_key: SigningKey
) -> None:
    verifier = verifier_factory(max_lifetime_s=3600)
    token = mint_cds_hooks_jwt(ec_key, iss=ISSUER, aud=ENDPOINT, lifetime_s=3600)
    assert (await verifier.verify(f"Bearer {token}", audience=ENDPOINT)).issuer == ISSUER


@pytest.mark.parametrize(
    ("overrides", "check"),
    [
        ({"exp": None}, "exp missing"),
        ({"iat": None}, "iat missing"),
        ({"jti": None}, "jti missing"),
        ({"iat": int(time.time()) + 3600, "exp": int(time.time()) + 200}, "iat in the future"),
        ({"exp": "soon"}, "exp is not a NumericDate"),
    ],
)
async def test_missing_or_bad_claims_are_rejected(
    verifier: CDSHooksVerifier,
    ec_key: SigningKey,
    overrides: dict[str, Any],
    check: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    token = sign(ec_key, _claims(**overrides))
    with caplog.at_level(logging.WARNING, logger="service.security"):
        assert (await _reject(verifier, token)).category == "invalid_token"
    assert check in caplog.text


async def test_typ_other_than_jwt_is_rejected(
    verifier: CDSHooksVerifier, ec_key: SigningKey
) -> None:
    token = sign(ec_key, _claims(), headers={"typ": "JOSE+JSON"})
    assert (await _reject(verifier, token)).category == "invalid_token"


async def test_failed_check_is_logged_without_the_token(
    verifier: CDSHooksVerifier, ec_key: SigningKey, caplog: pytest.LogCaptureFixture
) -> None:
    token = mint_cds_hooks_jwt(ec_key, iss=ISSUER, aud="https://wrong.example/x", tenant="t-42")
    with caplog.at_level(logging.DEBUG):
        await _reject(verifier, token)
    records = [r for r in caplog.records if r.name == "service.security"]
    assert len(records) == 1
    assert records[0].levelno == logging.WARNING
    message = records[0].getMessage()
    assert "aud does not match" in message
    assert ISSUER in message
    # Neither the token, nor any of its segments, nor other claim values reach the logs.
    for secret_part in (token, *token.split(".")):
        assert secret_part not in caplog.text
    assert "t-42" not in caplog.text
    assert "wrong.example" not in caplog.text


async def test_jku_not_on_the_allowlist_is_rejected(
    verifier_factory: Callable[..., CDSHooksVerifier], ec_key: SigningKey, jwks_server: Any
) -> None:
    url = jwks_server.serve("/jku-not-allowed.json", jwks(ec_key))
    verifier = verifier_factory({ISSUER: {"jwks": jwks(ec_key)}})
    token = mint_cds_hooks_jwt(ec_key, iss=ISSUER, aud=ENDPOINT, headers={"jku": url})
    assert (await _reject(verifier, token)).category == "invalid_token"
    assert jwks_server.hit_count("/jku-not-allowed.json") == 0  # never fetched


async def test_jku_on_the_allowlist_supplies_the_keys(
    verifier_factory: Callable[..., CDSHooksVerifier],
    ec_key: SigningKey,
    ec_key_2: SigningKey,
    jwks_server: Any,
) -> None:
    url = jwks_server.serve("/jku-allowed.json", jwks(ec_key_2))
    # The issuer's own set lacks ec_key_2: acceptance proves the keys came from the jku URL.
    verifier = verifier_factory({ISSUER: {"jwks": jwks(ec_key), "jku_allowlist": [url]}})
    token = mint_cds_hooks_jwt(ec_key_2, iss=ISSUER, aud=ENDPOINT, headers={"jku": url})
    assert (await verifier.verify(f"Bearer {token}", audience=ENDPOINT)).issuer == ISSUER
    assert jwks_server.hit_count("/jku-allowed.json") == 1
    # A key from the issuer's own set is not accepted when the token points at the jku set.
    other = mint_cds_hooks_jwt(ec_key, iss=ISSUER, aud=ENDPOINT, headers={"jku": url})
    assert (await _reject(verifier, other)).category == "invalid_token"
