"""Several OS processes append to one database at once; the chain must stay intact."""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from service.audit import AuditEntry, AuditStore

ROOT = Path(__file__).resolve().parents[3]
PROCESSES = 4
PER_PROCESS = 50
BATCH = 5

# One fresh interpreter imports the package once, then forks the workers (no threads exist yet,
# so fork is safe, and the workers skip the slow imports). Each worker opens its own store
# (create_all races with the others on purpose), writes one batch, waits until every worker has
# written its first batch (so the rows are guaranteed to interleave whatever the scheduler
# does), then writes the rest in concurrent groups. The parent fails if any worker fails.
WORKER = r"""
import asyncio, os, signal, sys, time, traceback
sys.path.insert(0, sys.argv[1])
from service.audit import AuditEntry, AuditStore

url, secret, n, batch, workers = sys.argv[2:7]
n, batch, workers = int(n), int(batch), int(workers)
deadline = time.monotonic() + 90


def entry(worker, i):
    return AuditEntry(endpoint=f"worker-{worker}", outcome="success", http_status=200,
                      latency_ms=float(i), patient_ref=f"Patient/{worker}-{i}")


async def work(store, worker):
    await asyncio.gather(*(store.record(entry(worker, i)) for i in range(batch)))
    while store.count_records() < batch * workers:
        if time.monotonic() > deadline:
            raise SystemExit("the other workers never wrote")
        await asyncio.sleep(0.005)
    for start in range(batch, n, batch):
        await asyncio.gather(
            *(store.record(entry(worker, i)) for i in range(start, min(n, start + batch)))
        )


def child(worker):
    store = AuditStore(url, secret=bytes.fromhex(secret))
    store.create_all()
    asyncio.run(work(store, worker))
    store.close()


pids = []
for worker in range(workers):
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            child(worker)
        except BaseException:
            sys.stderr.write(f"worker {worker} failed:\n{traceback.format_exc()}")
            code = 1
        sys.stderr.flush()
        os._exit(code)
    pids.append(pid)
failed = False
remaining = set(pids)
while remaining:
    pid, status = os.wait()
    remaining.discard(pid)
    if status != 0 and not failed:
        failed = True
        for other in remaining:  # the others would only wait for the failed one's rows
            os.kill(other, signal.SIGTERM)
sys.exit(1 if failed else 0)
"""


def _run_writers(url: str, secret: bytes) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            WORKER,
            str(ROOT),
            url,
            secret.hex(),
            str(PER_PROCESS),
            str(BATCH),
            str(PROCESSES),
        ],
        capture_output=True,
        timeout=180,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]


def _check(store: AuditStore) -> None:
    report = store.verify_chain()
    assert report.ok, report
    assert report.count == PROCESSES * PER_PROCESS
    with store.engine.connect() as conn:
        per_worker: dict[str, int] = dict(
            conn.execute(
                text("SELECT endpoint, COUNT(*) FROM audit_record GROUP BY endpoint")
            ).all()
        )
        order = [r[0] for r in conn.execute(text("SELECT endpoint FROM audit_record ORDER BY id"))]
    assert per_worker == {f"worker-{w}": PER_PROCESS for w in range(PROCESSES)}
    runs = 1 + sum(1 for a, b in itertools.pairwise(order) if a != b)
    assert runs > PROCESSES  # the workers' rows interleave in the chain


@pytest.mark.slow
def test_concurrent_processes_sqlite(
    make_store: Callable[..., AuditStore], sqlite_url: str, secret: bytes
) -> None:
    _run_writers(sqlite_url, secret)
    _check(make_store(sqlite_url))


@pytest.mark.slow
@pytest.mark.postgres
def test_concurrent_processes_postgres(
    make_store: Callable[..., AuditStore], postgres_url: str, secret: bytes
) -> None:
    _run_writers(postgres_url, secret)
    _check(make_store(postgres_url))


@pytest.mark.postgres
async def test_tampering_detected_on_postgres(
    make_store: Callable[..., AuditStore], postgres_url: str
) -> None:
    store = make_store(postgres_url)
    for i in range(5):
        await store.record(
            AuditEntry(endpoint="x", outcome="success", http_status=200, latency_ms=i / 3)
        )
    assert store.verify_chain().ok
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE audit_record SET latency_ms = 0.5 WHERE id = 4"))
    assert store.verify_chain().first_broken_id == 4
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_record WHERE id = 2"))
    report = store.verify_chain()
    assert report.first_broken_id == 3 and report.reason and "missing" in report.reason
