"""SMART on FHIR bearer access tokens for the FHIR endpoints and ``/deidentify``.

Access tokens are JWTs issued by an authorization server listed in ``CDS_SMART_ISSUERS`` (see
:mod:`service.security.issuers`). :class:`SmartVerifier` checks: Bearer header, ``alg`` in
RS256/RS384/ES256/ES384 (checked before any key is used), ``typ`` ``JWT`` or ``at+jwt`` when
present, trusted ``iss``, signature with the issuer's JWK Set (by ``kid``; a key-set with a
single fitting key may be used without ``kid``, as some servers omit it), ``aud`` among the
issuer's configured audiences (default: our public base URL + ``/fhir``), ``exp`` present and
not past, ``nbf``/``iat`` not in the future. Access tokens are reusable bearer tokens by design,
so there is no ``jti`` replay check here.

Scopes (``scope``: space-separated string, or ``scp``: list or string) are checked per
operation with :func:`require_scopes`, following SMART App Launch v2 scopes
(https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html):

* ``<context>/<Resource|*>.<permissions>`` with context ``patient``, ``user`` or ``system``;
* v2 permissions are a subset of ``cruds`` in that order (``c`` create, ``r`` read, ``u``
  update, ``d`` delete, ``s`` search), e.g. ``system/RiskAssessment.c``,
  ``user/DocumentReference.rs``;
* v1 permissions: ``read`` (= ``rs``), ``write`` (= ``cud``), ``*`` (= ``cruds``);
* a scope with a query (``...rs?category=...``) restricts access to matching resources; we
  cannot check such restrictions on submitted content, so those scopes grant nothing here;
* the launch context (which patient a ``patient/`` scope is bound to) is not enforced by this
  module: the service creates nothing and reads only what the caller submits.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from service.errors import Forbidden
from service.security import _jwt
from service.security._jwt import Rejected
from service.security.identity import CallerIdentity
from service.security.issuers import JWK, IssuerConfig, JWKSCache, JWKSUnavailable

_FLAVOUR = "SMART"
_V2_ORDER = "cruds"
_TYPES = frozenset({"jwt", "at+jwt", "application/at+jwt"})
_V1_PERMISSIONS = {"read": "rs", "write": "cud", "*": _V2_ORDER}
_SCOPE_RE = re.compile(
    r"^(?P<context>patient|user|system)/(?P<resource>\*|[A-Z][A-Za-z]{0,63})\.(?P<perm>[a-z*]+)$"
)


class SmartVerifier:
    """Verifies SMART bearer access tokens (see the module docstring)."""

    ALGORITHMS = frozenset({"RS256", "RS384", "ES256", "ES384"})

    def __init__(
        self,
        issuers: Mapping[str, IssuerConfig],
        *,
        jwks: JWKSCache,
        default_audience: str,
        leeway_s: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._issuers = dict(issuers)
        self._jwks = jwks
        self._default_audience = (default_audience,)
        self._leeway_s = leeway_s
        self._clock = clock

    async def verify(self, authorization_header: str | None) -> CallerIdentity:
        """Return the caller's identity (with scopes) or raise ``AuthenticationFailed``."""
        issuer: str | None = None
        try:
            token = _jwt.bearer_token(authorization_header)
            header = _jwt.unverified_header(token)
            alg = header.get("alg")
            if alg not in self.ALGORITHMS:
                raise Rejected("alg not allowed")
            typ = header.get("typ")
            if typ is not None and (
                not isinstance(typ, str)
                or typ.lower() not in {"jwt", "at+jwt", "application/at+jwt"}
            ):
                raise Rejected("typ is not JWT or at+jwt")
            if "jku" in header:
                # Access tokens come from configured servers only; no key URL from the token.
                raise Rejected("jku not accepted for access tokens")
            kid = header.get("kid")
            if kid is not None and (not isinstance(kid, str) or not kid):
                raise Rejected("kid malformed")
            unverified_iss = _jwt.unverified_claims(token).get("iss")
            if not isinstance(unverified_iss, str) or not unverified_iss:
                raise Rejected("iss missing")
            issuer = unverified_iss
            config = self._issuers.get(issuer)
            if config is None:
                raise Rejected("issuer not trusted", "untrusted_issuer")
            keys = await self._keys(config, kid, alg)
            claims = _jwt.verify_signature(token, keys, alg)
            return self._check_claims(claims, config)
        except Rejected as exc:
            raise _jwt.fail(_FLAVOUR, exc, issuer) from None

    async def _keys(self, config: IssuerConfig, kid: str | None, alg: str) -> list[JWK]:
        if config.source is None:
            raise Rejected("issuer has no JWK Set")
        try:
            keys = await self._jwks.keys(config.source, kid=kid)
        except JWKSUnavailable as exc:
            raise Rejected("JWK Set unavailable") from exc
        if kid is None:
            fitting = [k for k in keys if _jwt.key_fits(k, alg)]
            if len(fitting) != 1:
                raise Rejected("kid missing and the JWK Set has no single fitting key")
            return fitting
        if not keys:
            raise Rejected("unknown kid")
        return keys

    def _check_claims(self, claims: Mapping[str, object], config: IssuerConfig) -> CallerIdentity:
        if claims.get("iss") != config.issuer:
            raise Rejected("iss changed between reads")
        accepted = config.audience or self._default_audience
        if not _jwt.audience_matches(claims.get("aud"), accepted):
            raise Rejected("aud not accepted", "invalid_audience")
        now = self._clock()
        exp = _jwt.numeric_date(claims, "exp", required=True)
        assert exp is not None
        if exp <= now - self._leeway_s:
            raise Rejected("exp in the past", "expired")
        for name in ("nbf", "iat"):
            value = _jwt.numeric_date(claims, name, required=False)
            if value is not None and value > now + self._leeway_s:
                raise Rejected(f"{name} in the future")
        scopes = _scopes_claim(claims)
        client = next(
            (
                v
                for v in (claims.get("client_id"), claims.get("azp"), claims.get("sub"))
                if isinstance(v, str) and v
            ),
            None,
        )
        jti = claims.get("jti")
        return CallerIdentity(
            issuer=config.issuer,
            client_id=config.client_id or client or config.issuer,
            kind="smart",
            expires_at=datetime.fromtimestamp(exp, UTC),
            tenant=None,
            jti=jti if isinstance(jti, str) else None,
            scopes=frozenset(scopes),
        )


def _scopes_claim(claims: Mapping[str, object]) -> list[str]:
    raw = claims.get("scope", claims.get("scp"))
    if raw is None:
        return []
    if isinstance(raw, str):
        return raw.split()
    if isinstance(raw, list) and all(isinstance(s, str) for s in raw):
        return [s for s in raw if s]
    raise Rejected("scope claim malformed")


@dataclass(frozen=True, slots=True)
class ScopeGrant:
    """One parsed resource scope: context, resource type (or ``*``) and permission letters."""

    context: str
    resource: str
    permissions: frozenset[str]

    def allows(self, resource: str, permission: str) -> bool:
        return self.resource in ("*", resource) and permission in self.permissions


def parse_scope(scope: str) -> ScopeGrant | None:
    """Parse one SMART v1/v2 resource scope; ``None`` for anything else (``openid``, queries)."""
    match = _SCOPE_RE.match(scope)
    if match is None:
        return None
    perm = match["perm"]
    if perm in _V1_PERMISSIONS:
        letters = _V1_PERMISSIONS[perm]
    else:
        # v2: letters must be distinct and in c-r-u-d-s order (so "rc" or "rr" are invalid).
        positions = [_V2_ORDER.find(ch) for ch in perm]
        if -1 in positions or positions != sorted(set(positions)):
            return None
        letters = perm
    return ScopeGrant(match["context"], match["resource"], frozenset(letters))


def missing_scopes(
    scopes: Iterable[str], *, write: str | None, reads: Collection[str]
) -> list[str]:
    """The scopes (named in v2 ``system/`` form) still needed; ``[]`` when granted.

    ``write`` is the resource type the operation produces (create permission); ``reads`` are
    the resource types the caller submits or asks us to read (read permission).
    """
    grants = [g for g in map(parse_scope, scopes) if g is not None]
    needed: list[tuple[str, str]] = []
    if write is not None:
        needed.append((write, "c"))
    needed.extend((resource, "r") for resource in sorted(set(reads)))
    return [
        f"system/{resource}.{perm}"
        for resource, perm in needed
        if not any(g.allows(resource, perm) for g in grants)
    ]


def require_scopes(identity: CallerIdentity, *, write: str | None, reads: Collection[str]) -> None:
    """Raise :class:`service.errors.Forbidden` (403) naming the missing scope(s).

    E.g. ``$assess`` on a DocumentReference: ``require_scopes(identity,
    write="RiskAssessment", reads={"DocumentReference"})`` accepts ``system/RiskAssessment.c``
    or ``user/RiskAssessment.write`` together with ``system/DocumentReference.rs`` or
    ``patient/*.read``. Scope names are not PHI, so naming them in the error is safe.
    """
    missing = missing_scopes(identity.scopes, write=write, reads=reads)
    if missing:
        # Any context (patient/, user/, system/) would do; the message names the system form.
        raise Forbidden("the access token lacks the scope(s): " + " ".join(missing))
