"""Trusted token issuers and their JSON Web Key Sets.

Configuration (``CDS_TRUSTED_ISSUERS`` for CDS Hooks clients, ``CDS_SMART_ISSUERS`` for SMART
authorization servers). The variable holds either a JSON object inline or the path of a file
containing one (relative paths are resolved against the working directory). Each key is an
issuer, compared exactly with the token's ``iss`` claim; each value is either a string or an
object::

    {
      "https://sandbox.cds-hooks.org": "https://sandbox.cds-hooks.org/.well-known/jwks.json",
      "https://ehr.example.org": "/etc/cds/ehr-jwks.json",
      "https://fhir.example.org/auth": {
        "jwks_url": "https://fhir.example.org/auth/jwks",
        "jku_allowlist": ["https://fhir.example.org/auth/jwks-rotating"],
        "audience": ["https://cds.example.org/fhir"],
        "client_id": "ehr-prod"
      }
    }

A string value is an ``https://`` URL of a JWK Set, or a local file path of one. In the object
form exactly one key source may be given (or none, if ``jku_allowlist`` is not empty):

``jwks_url``
    https URL of the issuer's JWK Set (fetched with ``httpx``, see :class:`JWKSCache`).
``jwks_file``
    local path of a JWK Set file (re-read after the cache TTL, so rotation needs no restart).
``jwks``
    the JWK Set itself, inline (``{"keys": [...]}``).
``jku_allowlist``
    JWK Set URLs a token may name in its ``jku`` header; a token whose ``jku`` is not in this
    list is refused, and one whose ``jku`` is in it is verified with keys from that URL only.
``audience``
    SMART only: the ``aud`` value(s) accepted for this server's access tokens (string or list).
    Default: the service's public base URL + ``/fhir``.
``client_id``
    optional label recorded as the caller's client in audit rows (default: the issuer for CDS
    Hooks, the token's ``client_id``/``azp``/``sub`` for SMART).

URL rule: key URLs (``jwks_url``, ``jku_allowlist`` entries and the string form) must be
``https://``. Plain ``http://`` is accepted only for loopback hosts (``127.0.0.1``, ``::1``,
``localhost``), which local tests and sidecars use. Redirects are never followed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import anyio
import httpx

logger = logging.getLogger("service.security")

IssuerKind = Literal["cds-hooks", "smart"]
JWK = Mapping[str, Any]

_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
_MAX_JWKS_BYTES = 256 * 1024


class IssuerConfigError(ValueError):
    """The issuers configuration cannot be used (raised at startup, never per request)."""


class JWKSUnavailable(Exception):
    """No JWK Set could be obtained for an issuer (fetch failed and nothing is cached)."""


def check_key_url(url: str) -> str:
    """Return ``url`` if it is an acceptable JWK Set URL (see the module docstring)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS:
        return url
    raise IssuerConfigError(
        "JWK Set URLs must use https (plain http only for 127.0.0.1, ::1 or localhost)"
    )


@dataclass(frozen=True, slots=True)
class JWKSSource:
    """Where one JWK Set comes from: exactly one of ``url``, ``path`` or ``inline``."""

    url: str | None = None
    path: Path | None = None
    #: Canonical JSON of an inline JWK Set (a string keeps the source hashable).
    inline: str | None = None

    def describe(self) -> str:
        """A short, log-safe description (no key material)."""
        if self.url is not None:
            return self.url
        if self.path is not None:
            return str(self.path)
        return "inline JWK Set"


@dataclass(frozen=True, slots=True)
class IssuerConfig:
    """One trusted issuer (see the module docstring for the configuration format)."""

    issuer: str
    source: JWKSSource | None
    jku_allowlist: frozenset[str] = frozenset()
    audience: tuple[str, ...] = ()
    client_id: str | None = None


def load_issuers(
    value: str | None, *, kind: IssuerKind, base_dir: Path | None = None
) -> dict[str, IssuerConfig]:
    """Parse ``CDS_TRUSTED_ISSUERS`` / ``CDS_SMART_ISSUERS``; ``None`` or blank gives ``{}``.

    ``base_dir`` resolves relative paths (of the configuration file itself and of JWK Set
    files inside it); default: the working directory, or the config file's folder for paths
    found inside a config file.
    """
    if value is None or not value.strip():
        return {}
    text = value.strip()
    if not text.startswith("{"):
        config_path = _resolve(Path(text), base_dir)
        try:
            text = config_path.read_text(encoding="utf-8")
        except OSError as exc:
            raise IssuerConfigError(f"cannot read issuers file {config_path}") from exc
        base_dir = config_path.parent
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise IssuerConfigError("issuers configuration is not valid JSON") from exc
    if not isinstance(raw, dict) or not raw:
        raise IssuerConfigError("issuers configuration must be a non-empty JSON object")
    return {
        issuer: _parse_issuer(issuer, spec, kind=kind, base_dir=base_dir)
        for issuer, spec in raw.items()
    }


def _resolve(path: Path, base_dir: Path | None) -> Path:
    path = path.expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    return path


def _source_from_string(spec: str, base_dir: Path | None) -> JWKSSource:
    if "://" in spec:
        return JWKSSource(url=check_key_url(spec))
    path = _resolve(Path(spec), base_dir)
    if not path.is_file():
        raise IssuerConfigError(f"JWK Set file not found: {path}")
    return JWKSSource(path=path)


def _parse_issuer(
    issuer: str, spec: object, *, kind: IssuerKind, base_dir: Path | None
) -> IssuerConfig:
    if not issuer or not isinstance(issuer, str):
        raise IssuerConfigError("issuer names must be non-empty strings")
    if isinstance(spec, str):
        return IssuerConfig(issuer=issuer, source=_source_from_string(spec, base_dir))
    if not isinstance(spec, dict):
        raise IssuerConfigError(f"issuer {issuer!r}: value must be a string or an object")
    known = {"jwks_url", "jwks_file", "jwks", "jku_allowlist", "audience", "client_id"}
    unknown = sorted(set(spec) - known)
    if unknown:
        raise IssuerConfigError(f"issuer {issuer!r}: unknown keys {unknown}")
    given = [k for k in ("jwks_url", "jwks_file", "jwks") if k in spec]
    if len(given) > 1:
        raise IssuerConfigError(f"issuer {issuer!r}: give only one of {given}")
    source: JWKSSource | None = None
    if "jwks_url" in spec:
        url = spec["jwks_url"]
        if not isinstance(url, str):
            raise IssuerConfigError(f"issuer {issuer!r}: jwks_url must be a string")
        source = JWKSSource(url=check_key_url(url))
    elif "jwks_file" in spec:
        path = spec["jwks_file"]
        if not isinstance(path, str) or "://" in path:
            raise IssuerConfigError(f"issuer {issuer!r}: jwks_file must be a file path")
        source = _source_from_string(path, base_dir)
    elif "jwks" in spec:
        jwks = spec["jwks"]
        if not _looks_like_jwks(jwks):
            raise IssuerConfigError(f"issuer {issuer!r}: jwks must be {{'keys': [...]}}")
        source = JWKSSource(inline=json.dumps(jwks, sort_keys=True))
    allow = spec.get("jku_allowlist", [])
    if not isinstance(allow, list) or not all(isinstance(u, str) for u in allow):
        raise IssuerConfigError(f"issuer {issuer!r}: jku_allowlist must be a list of URLs")
    allowlist = frozenset(check_key_url(u) for u in allow)
    if source is None and not allowlist:
        raise IssuerConfigError(f"issuer {issuer!r}: no JWK Set and no jku_allowlist")
    audience: tuple[str, ...] = ()
    if "audience" in spec:
        if kind != "smart":
            # CDS Hooks fixes aud to the endpoint URL being called; nothing to configure.
            raise IssuerConfigError(f"issuer {issuer!r}: audience applies to SMART issuers only")
        aud = spec["audience"]
        aud_list = [aud] if isinstance(aud, str) else aud
        if not isinstance(aud_list, list) or not aud_list:
            raise IssuerConfigError(f"issuer {issuer!r}: audience must be a string or a list")
        if not all(isinstance(a, str) and a for a in aud_list):
            raise IssuerConfigError(f"issuer {issuer!r}: audience entries must be strings")
        audience = tuple(aud_list)
    client_id = spec.get("client_id")
    if client_id is not None and (not isinstance(client_id, str) or not client_id):
        raise IssuerConfigError(f"issuer {issuer!r}: client_id must be a non-empty string")
    return IssuerConfig(
        issuer=issuer,
        source=source,
        jku_allowlist=allowlist,
        audience=audience,
        client_id=client_id,
    )


def _looks_like_jwks(value: object) -> bool:
    return isinstance(value, dict) and isinstance(value.get("keys"), list)


@dataclass(slots=True)
class _Entry:
    keys: tuple[JWK, ...] = ()
    fetched_at: float | None = None
    #: Last attempt (success or failure); refreshes are spaced by ``min_refresh_interval_s``.
    attempted_at: float | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class JWKSCache:
    """JWK Sets by source, cached for ``ttl_s`` and refreshed once on an unknown ``kid``.

    * URLs are fetched with ``httpx`` (``timeout_s`` on connect/read, no redirects, at most
      256 KiB); files are re-read after the TTL; inline sets never change.
    * An unknown ``kid`` triggers one refresh, but not more often than every
      ``min_refresh_interval_s`` per source, so tokens with random ``kid`` values cannot make
      us hammer the issuer.
    * If a refresh fails, the keys already cached stay in use (logged at WARNING); with
      nothing cached, :class:`JWKSUnavailable` is raised.
    * Keys with private members (``d``) or ``use`` other than ``sig`` are ignored.

    One instance per process; close it with :meth:`aclose` on shutdown.
    """

    def __init__(
        self,
        *,
        timeout_s: float = 5.0,
        ttl_s: float = 300.0,
        min_refresh_interval_s: float = 10.0,
        client: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._timeout = httpx.Timeout(timeout_s)
        self._ttl_s = ttl_s
        self._min_refresh_interval_s = min_refresh_interval_s
        self._client = client
        self._owns_client = client is None
        self._clock = clock
        self._entries: dict[JWKSSource, _Entry] = {}

    async def aclose(self) -> None:
        if self._client is not None and self._owns_client:
            await self._client.aclose()
            self._client = None

    async def keys(self, source: JWKSSource, *, kid: str | None) -> list[JWK]:
        """Signing keys of ``source`` whose ``kid`` equals ``kid`` (all of them if ``None``)."""
        entry = self._entries.get(source)
        if entry is None:
            entry = self._entries[source] = _Entry()
        now = self._clock()
        if entry.fetched_at is None or now - entry.fetched_at >= self._ttl_s:
            await self._refresh(source, entry)
        found = _select(entry.keys, kid)
        if not found and kid is not None:
            await self._refresh(source, entry)
            found = _select(entry.keys, kid)
        return found

    async def _refresh(self, source: JWKSSource, entry: _Entry) -> None:
        seen_attempt = entry.attempted_at
        async with entry.lock:
            if entry.attempted_at != seen_attempt:
                return  # another task refreshed while we waited for the lock
            now = self._clock()
            if (
                entry.attempted_at is not None
                and now - entry.attempted_at < self._min_refresh_interval_s
            ):
                if entry.fetched_at is None:
                    raise JWKSUnavailable(source.describe())
                return
            entry.attempted_at = now
            try:
                keys = await self._load(source)
            except (OSError, ValueError, httpx.HTTPError) as exc:
                logger.warning(
                    "JWK Set refresh failed for %s: %s", source.describe(), type(exc).__name__
                )
                if entry.fetched_at is None:
                    raise JWKSUnavailable(source.describe()) from exc
                return
            entry.keys = keys
            entry.fetched_at = now

    async def _load(self, source: JWKSSource) -> tuple[JWK, ...]:
        if source.inline is not None:
            data: object = json.loads(source.inline)
        elif source.path is not None:
            data = json.loads(await anyio.Path(source.path).read_bytes())
        else:
            assert source.url is not None
            data = await self._fetch(source.url)
        if not _looks_like_jwks(data):
            raise ValueError("not a JWK Set")
        assert isinstance(data, dict)
        return tuple(
            k
            for k in data["keys"]
            if isinstance(k, dict)
            and isinstance(k.get("kty"), str)
            and "d" not in k
            and k.get("use", "sig") == "sig"
        )

    async def _fetch(self, url: str) -> object:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout, follow_redirects=False)
        async with self._client.stream(
            "GET", url, headers={"Accept": "application/json"}, timeout=self._timeout
        ) as response:
            if response.status_code != 200:
                raise ValueError(f"JWK Set URL answered {response.status_code}")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body.extend(chunk)
                if len(body) > _MAX_JWKS_BYTES:
                    raise ValueError("JWK Set too large")
        return json.loads(bytes(body))


def _select(keys: tuple[JWK, ...], kid: str | None) -> list[JWK]:
    if kid is None:
        return list(keys)
    return [k for k in keys if k.get("kid") == kid]
