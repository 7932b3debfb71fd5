"""Pure statistics helpers: percentiles, ``Server-Timing`` parsing, per-stage means."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) with linear interpolation between closest ranks.

    Same definition as ``numpy.percentile``'s default, so figures compare with other tools.
    Raises ``ValueError`` on an empty sequence (an empty run has no latency, not a zero one).
    """
    if not values:
        raise ValueError("percentile of an empty sequence")
    if not 0.0 <= q <= 100.0 or math.isnan(q):
        raise ValueError("q must be within [0, 100]")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = math.ceil(pos)
    if lo == hi:
        return float(ordered[lo])
    frac = pos - lo
    return float(ordered[lo] + (ordered[hi] - ordered[lo]) * frac)


def latency_summary(latencies_ms: Sequence[float]) -> dict[str, float | None]:
    """p50/p95/p99/mean/max in milliseconds; ``None`` for each when there is no sample."""
    if not latencies_ms:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None, "mean_ms": None, "max_ms": None}
    return {
        "p50_ms": percentile(latencies_ms, 50),
        "p95_ms": percentile(latencies_ms, 95),
        "p99_ms": percentile(latencies_ms, 99),
        "mean_ms": sum(latencies_ms) / len(latencies_ms),
        "max_ms": max(latencies_ms),
    }


def parse_server_timing(value: str) -> dict[str, float]:
    """``parse;dur=1.2, infer;dur=30`` → ``{"parse": 1.2, "infer": 30.0}`` (milliseconds).

    Metrics without a ``dur`` parameter, or with one that is not a number, are skipped; a
    metric named twice is summed (the spec allows repeats).
    https://www.w3.org/TR/server-timing/#the-server-timing-header-field
    """
    out: dict[str, float] = {}
    for item in value.split(","):
        parts = [p.strip() for p in item.split(";")]
        name = parts[0]
        if not name:
            continue
        for param in parts[1:]:
            key, _, raw = param.partition("=")
            if key.strip().lower() != "dur":
                continue
            try:
                dur = float(raw.strip().strip('"'))
            except ValueError:
                break
            if math.isfinite(dur):
                out[name] = out.get(name, 0.0) + dur
            break
    return out


class StageAccumulator:
    """Sums ``Server-Timing`` stages over responses; means are per response that had a header.

    A stage absent from a response counts as zero for it (e.g. ``fetch`` when the prefetch was
    complete), so the means add up to the server's mean total time.
    """

    __slots__ = ("responses", "sums")

    def __init__(self) -> None:
        self.sums: dict[str, float] = {}
        self.responses = 0

    def add(self, stages: Mapping[str, float]) -> None:
        self.responses += 1
        for name, dur in stages.items():
            self.sums[name] = self.sums.get(name, 0.0) + dur

    def means(self) -> dict[str, float]:
        if self.responses == 0:
            return {}
        return {name: total / self.responses for name, total in self.sums.items()}


def safe_ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator / denominator``, or ``None`` when either is missing or the divisor is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def best(values: Iterable[float | None]) -> float | None:
    """The largest present value, or ``None``."""
    present = [v for v in values if v is not None]
    return max(present) if present else None
