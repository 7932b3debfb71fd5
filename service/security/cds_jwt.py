"""CDS Hooks caller authentication (the JWT every CDS Client sends).

Spec: https://cds-hooks.hl7.org/2.0/#trusting-cds-clients. The client signs a short-lived JWT
with its own key; we trust a fixed list of issuers (``CDS_TRUSTED_ISSUERS``, see
:mod:`service.security.issuers`) and check, in this order:

1. an ``Authorization: Bearer <JWT>`` header is present (``missing_token``);
2. header ``alg`` is ES384 or RS384 (``none``, HMAC and everything else are refused before any
   key is touched), ``typ`` is ``JWT`` when present, ``kid`` is present (``invalid_token``);
3. the unverified ``iss`` is a trusted issuer (``untrusted_issuer``), then a ``jku`` header,
   if any, is on that issuer's allowlist (``invalid_token``);
4. the signature verifies with the issuer's key whose ``kid`` matches (JWK Set refreshed once
   for an unknown ``kid``) (``invalid_token``);
5. verified claims: ``iss`` unchanged, ``aud`` equals the endpoint URL being called (string or
   array) (``invalid_audience``), ``exp`` present and not past (``expired``) and not further
   than ``max_lifetime_s`` + leeway ahead, ``iat`` present and not in the future, ``nbf``
   respected, ``jti`` a non-empty string (``invalid_token``);
6. the ``jti`` was never seen for this issuer while unexpired (``replayed``): the replay cache
   is consulted last so a token failing any other check does not burn its ``jti``.

Each failure raises :class:`service.errors.AuthenticationFailed` carrying only the category;
the failed check is logged at WARNING on ``service.security`` with the issuer, never the token
or other claim values. Errors of the replay cache itself (database down) propagate.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from service.security import _jwt
from service.security._jwt import Rejected
from service.security.identity import CallerIdentity, ReplayCache
from service.security.issuers import JWK, IssuerConfig, JWKSCache, JWKSSource, JWKSUnavailable

_FLAVOUR = "CDS Hooks"


class CDSHooksVerifier:
    """Verifies CDS Hooks bearer JWTs against the trusted issuers (see the module docstring)."""

    #: The spec recommends these two; nothing else is accepted.
    ALGORITHMS = frozenset({"ES384", "RS384"})

    def __init__(
        self,
        issuers: Mapping[str, IssuerConfig],
        *,
        replay_cache: ReplayCache,
        jwks: JWKSCache,
        max_lifetime_s: float = 300.0,
        leeway_s: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._issuers = dict(issuers)
        self._replay_cache = replay_cache
        self._jwks = jwks
        self._max_lifetime_s = max_lifetime_s
        self._leeway_s = leeway_s
        self._clock = clock

    @property
    def issuers(self) -> Mapping[str, IssuerConfig]:
        return self._issuers

    async def verify(self, authorization_header: str | None, *, audience: str) -> CallerIdentity:
        """Return the caller's identity or raise ``AuthenticationFailed(category)``.

        ``audience`` is the absolute URL of the endpoint being called, built from
        ``CDS_PUBLIC_BASE_URL`` (never from the request's Host header).
        """
        issuer: str | None = None
        try:
            token = _jwt.bearer_token(authorization_header)
            header = _jwt.unverified_header(token)
            alg = header.get("alg")
            if alg not in self.ALGORITHMS:
                raise Rejected("alg not allowed")
            typ = header.get("typ")
            if typ is not None and (not isinstance(typ, str) or typ.upper() != "JWT"):
                raise Rejected("typ is not JWT")
            kid = header.get("kid")
            if not isinstance(kid, str) or not kid:
                raise Rejected("kid missing")
            unverified_iss = _jwt.unverified_claims(token).get("iss")
            if not isinstance(unverified_iss, str) or not unverified_iss:
                raise Rejected("iss missing")
            issuer = unverified_iss
            config = self._issuers.get(issuer)
            if config is None:
                raise Rejected("issuer not trusted", "untrusted_issuer")
            keys = await self._keys(config, header, kid)
            claims = _jwt.verify_signature(token, keys, alg)
            return await self._check_claims(claims, config, audience)
        except Rejected as exc:
            raise _jwt.fail(_FLAVOUR, exc, issuer) from None

    async def _keys(
        self, config: IssuerConfig, header: Mapping[str, object], kid: str
    ) -> list[JWK]:
        jku = header.get("jku")
        source: JWKSSource | None
        if jku is not None:
            if not isinstance(jku, str) or jku not in config.jku_allowlist:
                raise Rejected("jku not on the issuer's allowlist")
            source = JWKSSource(url=jku)
        else:
            source = config.source
        if source is None:
            raise Rejected("issuer has no JWK Set and the token names no jku")
        try:
            keys = await self._jwks.keys(source, kid=kid)
        except JWKSUnavailable as exc:
            raise Rejected("JWK Set unavailable") from exc
        if not keys:
            raise Rejected("unknown kid")
        return keys

    async def _check_claims(
        self, claims: Mapping[str, object], config: IssuerConfig, audience: str
    ) -> CallerIdentity:
        if claims.get("iss") != config.issuer:
            raise Rejected("iss changed between reads")
        if not _jwt.audience_matches(claims.get("aud"), (audience,)):
            raise Rejected("aud does not match the endpoint", "invalid_audience")
        now = self._clock()
        exp = _jwt.numeric_date(claims, "exp", required=True)
        iat = _jwt.numeric_date(claims, "iat", required=True)
        nbf = _jwt.numeric_date(claims, "nbf", required=False)
        assert exp is not None and iat is not None
        if exp <= now - self._leeway_s:
            raise Rejected("exp in the past", "expired")
        if exp > now + self._max_lifetime_s + self._leeway_s:
            raise Rejected("exp too far in the future")
        if iat > now + self._leeway_s:
            raise Rejected("iat in the future")
        if nbf is not None and nbf > now + self._leeway_s:
            raise Rejected("nbf in the future")
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti or len(jti) > 256:
            raise Rejected("jti missing")
        tenant = claims.get("tenant")
        if tenant is not None and not isinstance(tenant, str):
            raise Rejected("tenant is not a string")
        expires_at = datetime.fromtimestamp(exp, UTC)
        if not await self._replay_cache.claim(jti, config.issuer, expires_at):
            raise Rejected("jti already used", "replayed")
        return CallerIdentity(
            issuer=config.issuer,
            client_id=config.client_id or config.issuer,
            kind="cds-hooks",
            expires_at=expires_at,
            tenant=tenant or None,
            jti=jti,
        )


__all__ = ["CDSHooksVerifier"]
