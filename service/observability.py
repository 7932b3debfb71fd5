"""Prometheus metrics and per-request stage timing.

Labels carry route templates, hook ids, stage names and status codes only — never request
content. With several uvicorn workers the ``serve`` command sets ``PROMETHEUS_MULTIPROC_DIR``
and ``/metrics`` aggregates the workers' files.
"""

from __future__ import annotations

import os
import time

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


#: Labelled children resolved once: ``labels()`` takes a lock and builds a key on every call,
#: and these are hit several times per request.
_STAGE_CHILDREN: dict[str, Histogram] = {}
_ROUTE_CHILDREN: dict[str, Histogram] = {}
_REQUEST_CHILDREN: dict[tuple[str, str], Counter] = {}


def stage_histogram(name: str) -> Histogram:
    """``STAGE_LATENCY.labels(name)``, cached."""
    child = _STAGE_CHILDREN.get(name)
    if child is None:
        child = _STAGE_CHILDREN[name] = STAGE_LATENCY.labels(name)
    return child


_PHI_CHILDREN: dict[str, Counter] = {}


def count_phi(category: str, count: int) -> None:
    """``PHI_SPANS.labels(category).inc(count)``, label child cached."""
    child = _PHI_CHILDREN.get(category)
    if child is None:
        child = _PHI_CHILDREN[category] = PHI_SPANS.labels(category)
    child.inc(count)


def observe_request(route: str, status: int, elapsed: float) -> None:
    """Count one request and observe its latency (label children cached)."""
    key = (route, str(status))
    counter = _REQUEST_CHILDREN.get(key)
    if counter is None:
        counter = _REQUEST_CHILDREN[key] = REQUESTS.labels(*key)
    counter.inc()
    latency = _ROUTE_CHILDREN.get(route)
    if latency is None:
        latency = _ROUTE_CHILDREN[route] = REQUEST_LATENCY.labels(route)
    latency.observe(elapsed)


class _Stage:
    """Context manager timing one stage (a class: cheaper than a generator-based one)."""

    __slots__ = ("_name", "_start", "_timer")

    def __init__(self, timer: StageTimer, name: str) -> None:
        self._timer = timer
        self._name = name
        self._start = 0.0

    def __enter__(self) -> None:
        self._start = time.perf_counter()

    def __exit__(self, *_exc: object) -> None:
        elapsed = time.perf_counter() - self._start
        durations = self._timer.durations
        durations[self._name] = durations.get(self._name, 0.0) + elapsed
        stage_histogram(self._name).observe(elapsed)


class StageTimer:
    """Collects stage durations for one request (Server-Timing) and feeds the histograms."""

    __slots__ = ("durations",)

    def __init__(self) -> None:
        self.durations: dict[str, float] = {}

    def stage(self, name: str) -> _Stage:
        """``with timer.stage("parse"): ...`` adds the block's wall time to ``parse``."""
        return _Stage(self, name)

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
