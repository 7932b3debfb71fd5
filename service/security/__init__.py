"""Authentication and request limits: CDS Hooks JWTs, SMART access tokens, rate and size limits.

Test keys and tokens live in :mod:`service.security.testing` (not imported here).
"""

from __future__ import annotations

from service.security.bodylimit import BodySizeLimitMiddleware, BodyTooLarge
from service.security.cds_jwt import CDSHooksVerifier
from service.security.identity import CallerIdentity, InMemoryReplayCache, ReplayCache
from service.security.issuers import (
    IssuerConfig,
    IssuerConfigError,
    JWKSCache,
    JWKSSource,
    JWKSUnavailable,
    check_key_url,
    load_issuers,
)
from service.security.ratelimit import TokenBucketLimiter, rate_limit_key
from service.security.smart import SmartVerifier, missing_scopes, parse_scope, require_scopes

__all__ = [
    "BodySizeLimitMiddleware",
    "BodyTooLarge",
    "CDSHooksVerifier",
    "CallerIdentity",
    "InMemoryReplayCache",
    "IssuerConfig",
    "IssuerConfigError",
    "JWKSCache",
    "JWKSSource",
    "JWKSUnavailable",
    "ReplayCache",
    "SmartVerifier",
    "TokenBucketLimiter",
    "check_key_url",
    "load_issuers",
    "missing_scopes",
    "parse_scope",
    "rate_limit_key",
    "require_scopes",
]
