"""Prometheus metrics and per-request stage timing.

Labels carry route templates, hook ids, stage names and status codes only — never request
content. With several uvicorn workers the ``serve`` command sets ``PROMETHEUS_MULTIPROC_DIR``
and ``/metrics`` aggregates the workers' files.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

#: Stages of the request flow, in order (kserve's preprocess → predict → postprocess, finer).
STAGES = ("parse", "fetch", "deidentify", "tokenize", "infer", "build", "audit")

_LATENCY_BUCKETS = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)

REQUESTS = Counter(
    "cds_requests_total", "Requests served, by route and status", ["route", "status"]
)
REQUEST_LATENCY = Histogram(
    "cds_request_duration_seconds",
    "End-to-end request latency",
    ["route"],
    buckets=_LATENCY_BUCKETS,
)
STAGE_LATENCY = Histogram(
    "cds_stage_duration_seconds",
    "Time spent per pipeline stage",
    ["stage"],
    buckets=_LATENCY_BUCKETS,
)
ERRORS = Counter("cds_errors_total", "Errors by class", ["error"])
NOTES = Counter("cds_notes_scored_total", "Notes scored")
WINDOWS = Counter("cds_windows_scored_total", "Token windows sent to inference")
PHI_SPANS = Counter("cds_phi_spans_removed_total", "PHI spans removed, by category", ["category"])


class StageTimer:
    """Collects stage durations for one request (Server-Timing) and feeds the histograms."""

    __slots__ = ("durations",)

    def __init__(self) -> None:
        self.durations: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - start
            self.durations[name] = self.durations.get(name, 0.0) + elapsed
            STAGE_LATENCY.labels(name).observe(elapsed)

    def server_timing(self) -> str:
        """``Server-Timing`` header value (durations in milliseconds)."""
        return ", ".join(f"{k};dur={v * 1000:.2f}" for k, v in self.durations.items())


def render_metrics() -> tuple[bytes, str]:
    """The exposition text: this process's registry, or all workers' in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    from prometheus_client import REGISTRY

    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
