"""Per-caller rate limiting: an in-process token bucket per key.

Key: :attr:`CallerIdentity.rate_limit_key` for authenticated callers, the client IP otherwise
(:func:`rate_limit_key`). Each process limits on its own, so with N gateway workers a caller
gets up to N times the configured rate in the worst case; the limit protects the model
server from one runaway client, it is not a quota.

Memory is bounded: buckets live in an LRU ordered by last use; a bucket idle long enough to
have refilled completely carries no state (a fresh one behaves the same), so idle buckets are
dropped as they reach the front, and the least recently used bucket is dropped when
``max_keys`` is reached. Every operation is O(1) amortised and runs under a
``threading.Lock`` (held for microseconds, so it is safe to call from async code).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from service.errors import RateLimited
from service.security.identity import CallerIdentity


def rate_limit_key(identity: CallerIdentity | None, client_ip: str | None) -> str:
    """The bucket key: the verified caller, else the client's address."""
    if identity is not None:
        return identity.rate_limit_key
    return f"ip|{client_ip or 'unknown'}"


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class TokenBucketLimiter:
    """``rate_per_minute`` requests per key, with bursts up to ``burst`` requests.

    The default burst is ten seconds' worth of requests (at least 1). ``rate_per_minute=0``
    disables the limiter (``check`` does nothing).
    """

    def __init__(
        self,
        rate_per_minute: int,
        *,
        burst: int | None = None,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate_per_minute < 0:
            raise ValueError("rate_per_minute must be >= 0")
        self._rate = rate_per_minute / 60.0  # tokens per second
        default_burst = max(1, math.ceil(rate_per_minute / 6))
        self._capacity = float(burst if burst is not None else default_burst)
        if self._capacity < 1:
            raise ValueError("burst must be >= 1")
        self._max_keys = max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()
        # Time for an empty bucket to refill completely: after that, its state is redundant.
        self._idle_s = self._capacity / self._rate if self._rate else 0.0

    @property
    def enabled(self) -> bool:
        return self._rate > 0

    def __len__(self) -> int:
        return len(self._buckets)

    def check(self, key: str, cost: float = 1.0) -> None:
        """Take ``cost`` tokens for ``key`` or raise :class:`RateLimited` (``retry_after`` s)."""
        if not self.enabled:
            return
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = _Bucket(tokens=self._capacity, updated=now)
                self._buckets[key] = bucket
            else:
                elapsed = max(0.0, now - bucket.updated)
                bucket.tokens = min(self._capacity, bucket.tokens + elapsed * self._rate)
                bucket.updated = now
                self._buckets.move_to_end(key)
            self._evict(now)
            if bucket.tokens >= cost:
                bucket.tokens -= cost
                return
            deficit = cost - bucket.tokens
        raise RateLimited(retry_after=max(1, math.ceil(deficit / self._rate)))

    def _evict(self, now: float) -> None:
        # At most two evictions per call keep it O(1) while still draining idle keys.
        for _ in range(2):
            if not self._buckets:
                return
            oldest_key, oldest = next(iter(self._buckets.items()))
            if len(self._buckets) > self._max_keys or now - oldest.updated >= self._idle_s:
                del self._buckets[oldest_key]
            else:
                return
