"""Issuer configuration parsing and the JWK Set cache against a real local HTTP server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from service.errors import AuthenticationFailed
from service.security import (
    CDSHooksVerifier,
    InMemoryReplayCache,
    IssuerConfigError,
    JWKSCache,
    JWKSSource,
    JWKSUnavailable,
    load_issuers,
)
from service.security.testing import SigningKey, jwks, mint_cds_hooks_jwt

ISSUER = "https://ehr.example.org"
ENDPOINT = "https://cds.example.org/cds-services/sentiment-risk"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- configuration ------------------------------------------------------------------------


def test_string_forms_url_and_file(tmp_path: Path, ec_key: SigningKey) -> None:
    key_file = tmp_path / "jwks.json"
    key_file.write_text(json.dumps(jwks(ec_key)))
    issuers = load_issuers(
        json.dumps({ISSUER: "https://ehr.example.org/jwks", "https://b.example": str(key_file)}),
        kind="cds-hooks",
    )
    assert issuers[ISSUER].source == JWKSSource(url="https://ehr.example.org/jwks")
    assert issuers["https://b.example"].source == JWKSSource(path=key_file)


def test_config_from_a_file_resolves_relative_paths(tmp_path: Path, ec_key: SigningKey) -> None:
    (tmp_path / "keys.json").write_text(json.dumps(jwks(ec_key)))
    config = tmp_path / "issuers.json"
    config.write_text(json.dumps({ISSUER: {"jwks_file": "keys.json", "client_id": "ehr"}}))
    issuers = load_issuers(str(config), kind="cds-hooks")
    assert issuers[ISSUER].source == JWKSSource(path=tmp_path / "keys.json")
    assert issuers[ISSUER].client_id == "ehr"


def test_object_form_with_audience_for_smart(ec_key: SigningKey) -> None:
    issuers = load_issuers(
        json.dumps(
            {
                ISSUER: {
                    "jwks": jwks(ec_key),
                    "audience": "https://cds.example.org/fhir",
                    "jku_allowlist": ["https://ehr.example.org/rotating"],
                }
            }
        ),
        kind="smart",
    )
    assert issuers[ISSUER].audience == ("https://cds.example.org/fhir",)
    assert issuers[ISSUER].jku_allowlist == frozenset({"https://ehr.example.org/rotating"})


@pytest.mark.parametrize(
    ("config", "kind", "message"),
    [
        ({ISSUER: "http://ehr.example.org/jwks"}, "cds-hooks", "https"),
        ({ISSUER: {"jwks_url": "ftp://ehr.example.org/jwks"}}, "cds-hooks", "https"),
        ({ISSUER: {"jku_allowlist": ["http://10.0.0.1/jwks"]}}, "cds-hooks", "https"),
        ({ISSUER: "/nonexistent/jwks.json"}, "cds-hooks", "not found"),
        ({ISSUER: {"jwks_url": "https://a/x", "jwks_file": "/x"}}, "cds-hooks", "only one"),
        ({ISSUER: {"jwks_url": "https://a/x", "colour": "red"}}, "cds-hooks", "unknown keys"),
        ({ISSUER: {"client_id": "x"}}, "cds-hooks", "no JWK Set"),
        ({ISSUER: {"jwks_url": "https://a/x", "audience": "x"}}, "cds-hooks", "SMART"),
        ({ISSUER: {"jwks": {"nokeys": []}}}, "cds-hooks", "jwks must be"),
        ({}, "cds-hooks", "non-empty"),
    ],
)
def test_bad_configurations_are_refused(config: Any, kind: Any, message: str) -> None:
    with pytest.raises(IssuerConfigError, match=message):
        load_issuers(json.dumps(config), kind=kind)


def test_loopback_http_is_allowed_and_blank_means_none() -> None:
    for host in ("127.0.0.1:8000", "localhost", "[::1]:9"):
        assert load_issuers(json.dumps({ISSUER: f"http://{host}/jwks"}), kind="smart")
    assert load_issuers(None, kind="cds-hooks") == {}
    assert load_issuers("  ", kind="cds-hooks") == {}
    with pytest.raises(IssuerConfigError, match="not valid JSON"):
        load_issuers("{not json", kind="cds-hooks")


# --- cache ---------------------------------------------------------------------------------


async def test_unknown_kid_triggers_one_refetch_from_the_server(
    jwks_server: Any, ec_key: SigningKey, ec_key_2: SigningKey
) -> None:
    path = "/rotate.json"
    url = jwks_server.serve(path, jwks(ec_key))
    cache = JWKSCache(min_refresh_interval_s=0, ttl_s=3600)
    verifier = CDSHooksVerifier(
        load_issuers(json.dumps({ISSUER: url}), kind="cds-hooks"),
        replay_cache=InMemoryReplayCache(),
        jwks=cache,
    )
    try:
        token = mint_cds_hooks_jwt(ec_key, iss=ISSUER, aud=ENDPOINT)
        await verifier.verify(f"Bearer {token}", audience=ENDPOINT)
        assert jwks_server.hit_count(path) == 1
        token = mint_cds_hooks_jwt(ec_key, iss=ISSUER, aud=ENDPOINT)
        await verifier.verify(f"Bearer {token}", audience=ENDPOINT)
        assert jwks_server.hit_count(path) == 1  # cached

        # The EHR rotates in a new key: the first token with the new kid causes one refetch.
        jwks_server.serve(path, jwks(ec_key, ec_key_2))
        token = mint_cds_hooks_jwt(ec_key_2, iss=ISSUER, aud=ENDPOINT)
        assert (await verifier.verify(f"Bearer {token}", audience=ENDPOINT)).issuer == ISSUER
        assert jwks_server.hit_count(path) == 2

        # A kid that is in no version of the set: exactly one more fetch, then refusal.
        from service.security.testing import generate_ec_key

        stranger = generate_ec_key("never-published")
        token = mint_cds_hooks_jwt(stranger, iss=ISSUER, aud=ENDPOINT)
        with pytest.raises(AuthenticationFailed):
            await verifier.verify(f"Bearer {token}", audience=ENDPOINT)
        assert jwks_server.hit_count(path) == 3
    finally:
        await cache.aclose()


async def test_unknown_kid_refreshes_are_spaced(jwks_server: Any, ec_key: SigningKey) -> None:
    url = jwks_server.serve("/spaced.json", jwks(ec_key))
    clock = FakeClock()
    cache = JWKSCache(min_refresh_interval_s=30, ttl_s=3600, clock=clock)
    try:
        source = JWKSSource(url=url)
        assert await cache.keys(source, kid=ec_key.kid)
        for _ in range(5):
            assert await cache.keys(source, kid="random-kid") == []
        assert jwks_server.hit_count("/spaced.json") == 1
        clock.now += 31
        assert await cache.keys(source, kid="random-kid") == []
        assert jwks_server.hit_count("/spaced.json") == 2
    finally:
        await cache.aclose()


async def test_ttl_expiry_refetches_and_failure_keeps_old_keys(
    jwks_server: Any, ec_key: SigningKey, ec_key_2: SigningKey
) -> None:
    path = "/ttl.json"
    url = jwks_server.serve(path, jwks(ec_key))
    clock = FakeClock()
    cache = JWKSCache(min_refresh_interval_s=1, ttl_s=60, clock=clock)
    try:
        source = JWKSSource(url=url)
        assert await cache.keys(source, kid=ec_key.kid)
        jwks_server.serve(path, jwks(ec_key_2))
        clock.now += 61
        assert await cache.keys(source, kid=ec_key_2.kid)
        assert jwks_server.hit_count(path) == 2
        # The server breaks: the cached keys stay in use.
        jwks_server.serve(path, None)
        clock.now += 61
        assert await cache.keys(source, kid=ec_key_2.kid)
        assert jwks_server.hit_count(path) == 3
    finally:
        await cache.aclose()


async def test_unreachable_jwks_with_nothing_cached_raises() -> None:
    cache = JWKSCache(timeout_s=2)
    try:
        with pytest.raises(JWKSUnavailable):
            # Port 9 on loopback: nothing listens there, the connection is refused at once.
            await cache.keys(JWKSSource(url="http://127.0.0.1:9/jwks"), kid="k")
    finally:
        await cache.aclose()


async def test_private_keys_in_a_jwks_are_ignored(tmp_path: Path, ec_key: SigningKey) -> None:
    from jose import jwk

    private = jwk.construct(ec_key.private_pem, "ES384").to_dict()
    private["kid"] = "leaked"
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [private, ec_key.public_jwk]}))
    cache = JWKSCache()
    keys = await cache.keys(JWKSSource(path=path), kid=None)
    assert [k["kid"] for k in keys] == [ec_key.kid]
