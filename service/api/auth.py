"""Authentication at the edge: CDS Hooks JWTs on hook routes, SMART tokens on FHIR routes.

Tokens are required as soon as any issuer is configured; with none configured the settings
only load when ``CDS_ALLOW_UNAUTHENTICATED=true`` (local demo), and every caller is anonymous.
The per-caller rate limit is applied here too, keyed by the verified caller (or the client
address when anonymous).
"""

from __future__ import annotations

from collections.abc import Collection

import httpx
from starlette.requests import Request

from service.config import Settings
from service.security.cds_jwt import CDSHooksVerifier
from service.security.identity import CallerIdentity, ReplayCache
from service.security.issuers import JWKSCache, load_issuers
from service.security.ratelimit import TokenBucketLimiter, rate_limit_key
from service.security.smart import SmartVerifier, require_scopes


class Authenticator:
    """Verifies callers and enforces the rate limit; one per process."""

    def __init__(self, settings: Settings, *, replay_cache: ReplayCache, http: httpx.AsyncClient):
        self._base = settings.public_base_url.rstrip("/")
        self._jwks = JWKSCache(timeout_s=settings.fhir_timeout_s, client=http)
        cds = load_issuers(settings.trusted_issuers, kind="cds-hooks")
        smart = load_issuers(settings.smart_issuers, kind="smart")
        self._required = settings.auth_enabled
        self._cds = (
            CDSHooksVerifier(cds, replay_cache=replay_cache, jwks=self._jwks) if cds else None
        )
        self._smart = (
            SmartVerifier(smart, jwks=self._jwks, default_audience=f"{self._base}/fhir")
            if smart
            else None
        )
        self._limiter = TokenBucketLimiter(settings.rate_limit_per_minute)

    def _limit(self, request: Request, identity: CallerIdentity | None) -> None:
        client = request.client.host if request.client else None
        self._limiter.check(rate_limit_key(identity, client))

    async def cds_hooks(self, request: Request) -> CallerIdentity | None:
        identity: CallerIdentity | None = None
        if self._required:
            if self._cds is None:
                from service.errors import AuthenticationFailed

                raise AuthenticationFailed("untrusted_issuer")
            # ``aud`` must be the exact endpoint URL being called, built from the public base.
            identity = await self._cds.verify(
                request.headers.get("authorization"), audience=self._base + request.url.path
            )
        request.state.caller = identity
        self._limit(request, identity)
        return identity

    async def smart(
        self, request: Request, *, write: str | None, reads: Collection[str]
    ) -> CallerIdentity | None:
        identity: CallerIdentity | None = None
        if self._required:
            if self._smart is None:
                from service.errors import AuthenticationFailed

                raise AuthenticationFailed("untrusted_issuer")
            identity = await self._smart.verify(request.headers.get("authorization"))
            request.state.caller = identity
            require_scopes(identity, write=write, reads=reads)
        request.state.caller = identity
        self._limit(request, identity)
        return identity

    async def aclose(self) -> None:
        await self._jwks.aclose()
