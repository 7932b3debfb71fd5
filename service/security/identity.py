"""Who called: the identity a verified token yields, and the replay-cache seam.

``security`` and ``audit`` are siblings and never import each other. The ``jti`` replay cache
lives in the audit database (so it holds across gateway replicas); the verifier only sees the
:class:`ReplayCache` protocol below, which :class:`service.audit.AuditStore` satisfies
structurally (its ``claim`` method). :class:`InMemoryReplayCache` is a per-process stand-in for
unit tests and single-process demos.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, Protocol, runtime_checkable

CallerKind = Literal["cds-hooks", "smart"]


@dataclass(frozen=True, slots=True)
class CallerIdentity:
    """A caller whose token passed every check.

    ``client_id`` is the configured ``client_id`` label of a CDS Hooks issuer or the ``iss``
    itself (CDS Hooks JWTs have no ``sub``); for SMART access tokens it is the ``client_id``
    claim (RFC 9068), else ``azp``, else ``sub``, else the issuer.
    """

    issuer: str
    client_id: str
    kind: CallerKind
    expires_at: datetime
    tenant: str | None = None
    jti: str | None = None
    #: SMART scopes granted by the access token (empty for CDS Hooks callers).
    scopes: frozenset[str] = frozenset()

    @property
    def rate_limit_key(self) -> str:
        """Key for the per-caller rate limiter."""
        return f"{self.kind}|{self.issuer}|{self.client_id}"


@runtime_checkable
class ReplayCache(Protocol):
    """Remembers ``jti`` values until their token expires.

    ``claim`` returns ``True`` the first time a ``(issuer, jti)`` pair is seen and ``False`` for
    every later attempt while the first one has not expired. Implementations must make the
    check-and-set atomic across processes if several gateway replicas share it.
    """

    async def claim(self, jti: str, issuer: str, expires_at: datetime) -> bool: ...


class InMemoryReplayCache:
    """A bounded per-process :class:`ReplayCache` (tests, single-process demos).

    Not shared between processes: behind several workers or replicas use the audit store.
    When full, the entry closest to expiry is dropped first (entries are kept in insertion
    order, which approximates expiry order because token lifetimes are short and capped).
    """

    def __init__(self, *, max_entries: int = 100_000) -> None:
        self._max_entries = max_entries
        self._seen: OrderedDict[tuple[str, str], datetime] = OrderedDict()
        self._lock = threading.Lock()

    async def claim(self, jti: str, issuer: str, expires_at: datetime) -> bool:
        now = datetime.now(UTC)
        key = (issuer, jti)
        with self._lock:
            # Drop expired entries from the front: O(1) amortised.
            while self._seen:
                oldest_key, oldest_exp = next(iter(self._seen.items()))
                if oldest_exp >= now and len(self._seen) < self._max_entries:
                    break
                del self._seen[oldest_key]
            previous = self._seen.get(key)
            if previous is not None and previous >= now:
                return False
            self._seen[key] = expires_at
            return True
