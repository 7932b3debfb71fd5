"""Prometheus snapshots: Triton's batching counters and the gateway's counters/histograms."""

from __future__ import annotations

import pytest

from service.bench.prom import (
    histogram_means,
    metric_delta,
    metric_total,
    parse_prometheus,
    triton_counters,
)


def triton_text(*, count: int, execs: int, success: int, queue_us: int, other: int = 7) -> str:
    return f"""# HELP nv_inference_request_success Number of successful inference requests
# TYPE nv_inference_request_success counter
nv_inference_request_success{{model="distilbert_sentiment",version="1"}} {success}
nv_inference_request_success{{model="other",version="1"}} {other}
# HELP nv_inference_request_failure Number of failed inference requests
# TYPE nv_inference_request_failure counter
nv_inference_request_failure{{model="distilbert_sentiment",version="1"}} 0
# HELP nv_inference_count Number of inferences performed
# TYPE nv_inference_count counter
nv_inference_count{{model="distilbert_sentiment",version="1"}} {count}
nv_inference_count{{model="other",version="1"}} {other * 100}
# HELP nv_inference_exec_count Number of model executions performed
# TYPE nv_inference_exec_count counter
nv_inference_exec_count{{model="distilbert_sentiment",version="1"}} {execs}
nv_inference_exec_count{{model="other",version="1"}} {other}
# HELP nv_inference_queue_duration_us Cumulative inference queuing duration
# TYPE nv_inference_queue_duration_us counter
nv_inference_queue_duration_us{{model="distilbert_sentiment",version="1"}} {queue_us}
"""


def test_triton_mean_batch_is_delta_count_over_delta_exec() -> None:
    before = triton_text(count=100, execs=50, success=100, queue_us=1000)
    after = triton_text(count=100 + 480, execs=50 + 40, success=100 + 480, queue_us=1000 + 96000)
    got = triton_counters(before, after, "distilbert_sentiment")
    assert got["inference_count"] == 480
    assert got["exec_count"] == 40
    assert got["request_success"] == 480
    assert got["mean_batch"] == pytest.approx(12.0)
    assert got["mean_queue_us"] == pytest.approx(200.0)


def test_triton_counters_ignore_other_models_and_idle_intervals() -> None:
    text = triton_text(count=10, execs=10, success=10, queue_us=5)
    got = triton_counters(
        text,
        triton_text(count=10, execs=10, success=10, queue_us=5, other=99),
        "distilbert_sentiment",
    )
    assert got["exec_count"] == 0
    assert got["mean_batch"] is None
    assert got["mean_queue_us"] is None


def test_triton_counters_sum_versions() -> None:
    before = triton_text(count=0, execs=0, success=0, queue_us=0)
    after = before + (
        'nv_inference_count{model="distilbert_sentiment",version="2"} 64\n'
        'nv_inference_exec_count{model="distilbert_sentiment",version="2"} 2\n'
    )
    got = triton_counters(before, after, "distilbert_sentiment")
    assert got["mean_batch"] == pytest.approx(32.0)


GATEWAY = """# HELP cds_windows_scored_total Token windows sent to inference
# TYPE cds_windows_scored_total counter
cds_windows_scored_total {windows}
cds_windows_scored_created 1.7e9
# HELP cds_stage_duration_seconds Time spent per pipeline stage
# TYPE cds_stage_duration_seconds histogram
cds_stage_duration_seconds_bucket{{le="0.01",stage="infer"}} {n}
cds_stage_duration_seconds_bucket{{le="+Inf",stage="infer"}} {n}
cds_stage_duration_seconds_count{{stage="infer"}} {n}
cds_stage_duration_seconds_sum{{stage="infer"}} {infer_sum}
cds_stage_duration_seconds_count{{stage="parse"}} {n}
cds_stage_duration_seconds_sum{{stage="parse"}} {parse_sum}
# HELP cds_requests_total Requests served, by route and status
# TYPE cds_requests_total counter
cds_requests_total{{route="/a",status="200"}} {n}
cds_requests_total{{route="/b",status="200"}} 3
cds_requests_total{{route="/a",status="400"}} 2
"""


def test_gateway_counter_delta_with_and_without_total_suffix() -> None:
    before = parse_prometheus(GATEWAY.format(windows=10, n=5, infer_sum=0.5, parse_sum=0.01))
    after = parse_prometheus(GATEWAY.format(windows=52, n=25, infer_sum=2.5, parse_sum=0.05))
    assert metric_delta(before, after, "cds_windows_scored") == 42
    assert metric_delta(before, after, "cds_windows_scored_total") == 42
    assert not any(name.endswith("_created") for name, _ in after)


def test_metric_total_filters_by_labels() -> None:
    snap = parse_prometheus(GATEWAY.format(windows=0, n=10, infer_sum=0, parse_sum=0))
    assert metric_total(snap, "cds_requests_total") == 15
    assert metric_total(snap, "cds_requests", status="200") == 13
    assert metric_total(snap, "cds_requests", route="/a", status="200") == 10
    assert metric_total(snap, "absent_metric") == 0


def test_histogram_means_per_stage() -> None:
    before = parse_prometheus(GATEWAY.format(windows=0, n=5, infer_sum=0.5, parse_sum=0.01))
    after = parse_prometheus(GATEWAY.format(windows=0, n=25, infer_sum=2.5, parse_sum=0.05))
    means = histogram_means(before, after, "cds_stage_duration_seconds", "stage")
    assert means == pytest.approx({"infer": 0.1, "parse": 0.002})


def test_histogram_means_skips_idle_stages() -> None:
    snap = parse_prometheus(GATEWAY.format(windows=0, n=5, infer_sum=0.5, parse_sum=0.01))
    assert histogram_means(snap, snap, "cds_stage_duration_seconds", "stage") == {}
