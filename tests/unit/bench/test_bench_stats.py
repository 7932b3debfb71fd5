"""Percentiles, Server-Timing parsing and stage means of the benchmark."""

from __future__ import annotations

import random

import numpy as np
import pytest

from service.bench.stats import (
    StageAccumulator,
    best,
    latency_summary,
    parse_server_timing,
    percentile,
    safe_ratio,
)


@pytest.mark.parametrize("q", [0, 1, 25, 50, 90, 95, 99, 99.9, 100])
@pytest.mark.parametrize("n", [1, 2, 7, 100, 1001])
def test_percentile_matches_numpy_linear(q: float, n: int) -> None:
    rng = random.Random(n * 1000 + int(q * 10))
    values = [rng.expovariate(1 / 20) for _ in range(n)]
    assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)))


def test_percentile_is_order_independent_and_interpolates() -> None:
    assert percentile([40.0, 10.0, 30.0, 20.0], 50) == pytest.approx(25.0)
    assert percentile([1.0, 2.0], 25) == pytest.approx(1.25)


@pytest.mark.parametrize("q", [-1, 100.5, float("nan")])
def test_percentile_rejects_bad_q(q: float) -> None:
    with pytest.raises(ValueError):
        percentile([1.0, 2.0], q)


def test_percentile_of_nothing_is_an_error_not_zero() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)


def test_latency_summary_empty_and_filled() -> None:
    assert latency_summary([]) == {
        "p50_ms": None,
        "p95_ms": None,
        "p99_ms": None,
        "mean_ms": None,
        "max_ms": None,
    }
    values = [float(v) for v in range(1, 101)]
    summary = latency_summary(values)
    assert summary["p50_ms"] == pytest.approx(50.5)
    assert summary["p95_ms"] == pytest.approx(95.05)
    assert summary["p99_ms"] == pytest.approx(99.01)
    assert summary["max_ms"] == 100.0
    assert summary["mean_ms"] == pytest.approx(50.5)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            "parse;dur=1.25, deidentify;dur=3.5, tokenize;dur=0.4, infer;dur=30, build;dur=2",
            {"parse": 1.25, "deidentify": 3.5, "tokenize": 0.4, "infer": 30.0, "build": 2.0},
        ),
        ('infer;desc="model";dur=12.5', {"infer": 12.5}),
        ("cache;desc=hit, infer;dur=3", {"infer": 3.0}),  # no dur: skipped
        ("infer;dur=abc, build;dur=1", {"build": 1.0}),  # not a number: skipped
        ("infer;dur=1, infer;dur=2", {"infer": 3.0}),  # repeated: summed
        ("", {}),
        ("  ,  ", {}),
        ("audit;DUR=0.5", {"audit": 0.5}),
    ],
)
def test_parse_server_timing(header: str, expected: dict[str, float]) -> None:
    assert parse_server_timing(header) == pytest.approx(expected)


def test_stage_accumulator_counts_missing_stage_as_zero() -> None:
    acc = StageAccumulator()
    assert acc.means() == {}
    acc.add({"parse": 1.0, "infer": 10.0})
    acc.add({"parse": 3.0, "infer": 20.0, "fetch": 4.0})
    assert acc.means() == pytest.approx({"parse": 2.0, "infer": 15.0, "fetch": 2.0})


def test_safe_ratio_and_best() -> None:
    assert safe_ratio(3.0, 2.0) == 1.5
    assert safe_ratio(None, 2.0) is None
    assert safe_ratio(1.0, 0.0) is None
    assert best([None, 2.0, 5.0, 1.0]) == 5.0
    assert best([None, None]) is None
