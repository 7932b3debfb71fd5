"""De-identification alone: MB of note text per second on one core (one thread).

Each note is de-identified with a context built from its (fake) Patient, as the gateway does
for a hook call, so name matching from the FHIR resource is part of the cost. Contexts are
built before the clock starts: the figure is the text-processing rate.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from service.bench.workload import BenchRequest


@dataclass(frozen=True)
class DeidResult:
    """Bytes of UTF-8 note text de-identified, wall and CPU seconds, PHI spans found."""

    notes: int
    bytes: int
    seconds: float
    cpu_seconds: float
    spans: int

    @property
    def mb_per_s(self) -> float:
        return self.bytes / 1e6 / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "mb_per_s": self.mb_per_s,
            "notes": self.notes,
            "bytes": self.bytes,
            "seconds": self.seconds,
            "cpu_seconds": self.cpu_seconds,
            "phi_spans": self.spans,
            "notes_per_s": self.notes / self.seconds if self.seconds > 0 else 0.0,
        }


def measure_deid(
    requests: Sequence[BenchRequest], *, max_seconds: float, key: bytes = b"bench-key-0123456789"
) -> DeidResult:
    """De-identify the workload's notes (cycling) for ``max_seconds``; at least one pass of one."""
    from service import deid

    jobs: list[tuple[str, Any]] = []
    for request in requests:
        context = deid.DeidContext.from_fhir(
            patient=request.patient.resource(), related=[], key=key, operators={}
        )
        jobs.extend((text, context) for text in request.notes)
    if not jobs:
        return DeidResult(notes=0, bytes=0, seconds=0.0, cpu_seconds=0.0, spans=0)
    sizes = [len(text.encode("utf-8")) for text, _ in jobs]
    # Warm-up: lexicons and compiled patterns load on first use; that is not throughput.
    deid.deidentify(jobs[0][0], jobs[0][1])
    done = total_bytes = spans = 0
    cpu_start = time.process_time()
    start = time.perf_counter()
    deadline = start + max_seconds
    while True:
        text, context = jobs[done % len(jobs)]
        result = deid.deidentify(text, context)
        spans += sum(result.counts().values())
        total_bytes += sizes[done % len(jobs)]
        done += 1
        if time.perf_counter() >= deadline:
            break
    return DeidResult(
        notes=done,
        bytes=total_bytes,
        seconds=time.perf_counter() - start,
        cpu_seconds=time.process_time() - cpu_start,
        spans=spans,
    )


def single_core_note() -> str:
    """How "one core" is ensured, for the results (the bench runs in one thread)."""
    return f"one thread in the bench process (machine has {os.cpu_count()} CPUs)"
