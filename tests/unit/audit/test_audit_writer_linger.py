"""The writer thread's commit interval: batches under load, no wait after a quiet spell."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future

import pytest

from service.audit import AuditEntry, AuditStore
from service.audit.store import _GroupCommitWriter


class _Recorder:
    """A ``write`` callable that notes each batch and when it started."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.starts: list[float] = []
        self.lock = threading.Lock()

    def __call__(self, items: list[int]) -> None:
        with self.lock:
            self.starts.append(time.monotonic())
            self.batches.append(list(items))


def _wait(futures: list[Future[None]]) -> None:
    for future in futures:
        future.result(timeout=10)


def test_rows_arriving_within_the_interval_share_one_commit() -> None:
    write = _Recorder()
    writer = _GroupCommitWriter(write, max_batch=256, name="t", linger_s=0.2)
    try:
        _wait([writer.submit(0)])  # the first row after a quiet spell: written at once
        futures = [writer.submit(i) for i in range(1, 21)]
        _wait(futures)
    finally:
        writer.close()
    assert write.batches == [[0], list(range(1, 21))]
    assert write.starts[1] - write.starts[0] >= 0.2 - 0.01


def test_a_row_after_a_quiet_spell_is_not_held_back() -> None:
    write = _Recorder()
    writer = _GroupCommitWriter(write, max_batch=256, name="t", linger_s=0.05)
    try:
        _wait([writer.submit(0)])
        time.sleep(0.1)
        sent = time.monotonic()
        _wait([writer.submit(1)])
        waited = time.monotonic() - sent
    finally:
        writer.close()
    assert write.batches == [[0], [1]]
    assert waited < 0.05


def test_close_writes_rows_queued_while_the_writer_waits() -> None:
    write = _Recorder()
    writer = _GroupCommitWriter(write, max_batch=256, name="t", linger_s=0.5)
    _wait([writer.submit(0)])
    futures = [writer.submit(i) for i in range(1, 6)]
    writer.close()
    assert all(f.done() and f.exception() is None for f in futures)
    assert [i for batch in write.batches for i in batch] == list(range(6))


def test_zero_interval_commits_without_waiting() -> None:
    write = _Recorder()
    writer = _GroupCommitWriter(write, max_batch=256, name="t", linger_s=0.0)
    try:
        for i in range(5):
            _wait([writer.submit(i)])
    finally:
        writer.close()
    assert write.batches == [[i] for i in range(5)]


def test_a_negative_interval_is_refused(sqlite_url: str) -> None:
    with pytest.raises(ValueError):
        AuditStore(sqlite_url, secret=b"k" * 32, linger_s=-1)
    with pytest.raises(ValueError):
        _GroupCommitWriter(_Recorder(), max_batch=1, name="t", linger_s=-0.1)


def test_the_store_batches_a_burst_and_the_chain_verifies(sqlite_url: str) -> None:
    store = AuditStore(sqlite_url, secret=b"k" * 32, linger_s=0.2)
    store.create_all()
    sizes: list[int] = []
    append = store._append

    def counting(entries: list[AuditEntry]) -> None:
        sizes.append(len(entries))
        append(entries)

    store._append = counting  # type: ignore[method-assign]
    entry = AuditEntry(endpoint="/fhir/$assess", outcome="success", http_status=200, latency_ms=1)
    try:
        store.submit(entry).result(timeout=10)
        futures = [store.submit(entry) for _ in range(50)]
        _wait(futures)
    finally:
        store.close()
    assert sizes == [1, 50]
    report = AuditStore(sqlite_url, secret=b"k" * 32).verify_chain()
    assert report.ok and report.count == 51
