"""Per-caller token bucket."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from service.errors import RateLimited
from service.security import CallerIdentity, TokenBucketLimiter, rate_limit_key


class FakeClock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


def _drain(limiter: TokenBucketLimiter, key: str) -> int:
    for allowed in range(10_000):
        try:
            limiter.check(key)
        except RateLimited:
            return allowed
    raise AssertionError("the limiter never refused")


def test_burst_then_429_with_retry_after_then_refill() -> None:
    clock = FakeClock()
    limiter = TokenBucketLimiter(60, burst=5, clock=clock)  # one token per second
    assert _drain(limiter, "a") == 5
    with pytest.raises(RateLimited) as info:
        limiter.check("a")
    assert info.value.status_code == 429
    assert info.value.retry_after == 1
    assert info.value.headers["Retry-After"] == "1"
    clock.now += 3
    assert _drain(limiter, "a") == 3
    clock.now += 1000
    assert _drain(limiter, "a") == 5  # capped at the burst size


def test_retry_after_reflects_the_deficit() -> None:
    clock = FakeClock()
    limiter = TokenBucketLimiter(6, burst=1, clock=clock)  # one token per 10 s
    limiter.check("slow")
    with pytest.raises(RateLimited) as info:
        limiter.check("slow")
    assert info.value.retry_after == 10


def test_keys_are_independent_and_default_burst() -> None:
    clock = FakeClock()
    limiter = TokenBucketLimiter(600, clock=clock)  # default burst: ten seconds' worth
    assert _drain(limiter, "a") == 100
    assert _drain(limiter, "b") == 100


def test_zero_disables() -> None:
    limiter = TokenBucketLimiter(0)
    assert not limiter.enabled
    for _ in range(1000):
        limiter.check("x")
    assert len(limiter) == 0


def test_memory_is_bounded_by_max_keys_and_idle_eviction() -> None:
    clock = FakeClock()
    limiter = TokenBucketLimiter(60, burst=10, max_keys=100, clock=clock)
    for i in range(1000):
        limiter.check(f"ip|10.0.{i // 256}.{i % 256}")
    assert len(limiter) <= 101
    # After everyone has refilled completely, touching new keys drains the idle ones.
    clock.now += 11
    for i in range(60):
        limiter.check(f"new-{i}")
    assert len(limiter) <= 60


def test_concurrent_threads_never_exceed_the_burst() -> None:
    clock = FakeClock()  # frozen: no refill during the test
    limiter = TokenBucketLimiter(60, burst=50, clock=clock)
    allowed = 0
    lock = threading.Lock()

    def worker() -> None:
        nonlocal allowed
        for _ in range(100):
            try:
                limiter.check("shared")
            except RateLimited:
                continue
            with lock:
                allowed += 1

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert allowed == 50


def test_rate_limit_key() -> None:
    identity = CallerIdentity(
        issuer="https://ehr.example.org",
        client_id="ehr",
        kind="cds-hooks",
        expires_at=datetime.now(UTC),
    )
    assert rate_limit_key(identity, "10.0.0.1") == "cds-hooks|https://ehr.example.org|ehr"
    assert rate_limit_key(None, "10.0.0.1") == "ip|10.0.0.1"
    assert rate_limit_key(None, None) == "ip|unknown"
