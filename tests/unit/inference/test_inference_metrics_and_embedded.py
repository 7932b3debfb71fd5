"""Triton metrics parsing, and the embedded server's command line and environment."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from service.inference.embedded import (
    EmbeddedTriton,
    find_tritonserver,
    prepare_backends,
    triton_environment,
)
from service.inference.metrics import TritonModelStats, model_stats, parse_triton_metrics
from tests.unit.inference.conftest import REPOSITORY

METRICS = """\
# HELP nv_inference_request_success Number of successful inference requests, all batch sizes
# TYPE nv_inference_request_success counter
nv_inference_request_success{model="distilbert_sentiment",version="1"} 200
nv_inference_request_success{model="other",version="3"} 5
# HELP nv_inference_request_failure Number of failed inference requests, all batch sizes
# TYPE nv_inference_request_failure counter
nv_inference_request_failure{model="distilbert_sentiment",reason="BACKEND",version="1"} 2
# HELP nv_inference_count Number of inferences performed (does not include cached requests)
# TYPE nv_inference_count counter
nv_inference_count{model="distilbert_sentiment",version="1"} 200
nv_inference_count{model="other",version="3"} 5
# HELP nv_inference_exec_count Number of model executions performed
# TYPE nv_inference_exec_count counter
nv_inference_exec_count{model="distilbert_sentiment",version="1"} 8
nv_inference_exec_count{model="other",version="3"} 5
# HELP nv_inference_queue_duration_us Cumulative inference queuing duration in microseconds
# TYPE nv_inference_queue_duration_us counter
nv_inference_queue_duration_us{model="distilbert_sentiment",version="1"} 40000
# HELP nv_cpu_utilization CPU utilization rate [0.0 - 1.0]
# TYPE nv_cpu_utilization gauge
nv_cpu_utilization 0.5
"""


def test_parse_triton_metrics() -> None:
    parsed = parse_triton_metrics(METRICS)
    assert set(parsed) == {("distilbert_sentiment", "1"), ("other", "3")}
    stats = parsed[("distilbert_sentiment", "1")]
    assert stats.inference_count == 200
    assert stats.exec_count == 8
    assert stats.request_success == 200
    assert stats.request_failure == 2
    assert stats.mean_batch_size == 25
    assert stats.mean_queue_us == 200
    assert parsed[("other", "3")].mean_batch_size == 1


def test_model_stats_and_deltas() -> None:
    before = model_stats(METRICS, "distilbert_sentiment")
    later = METRICS.replace("} 200\n", "} 264\n").replace("} 8\n", "} 10\n")
    delta = model_stats(later, "distilbert_sentiment", "1").since(before)
    assert delta.inference_count == 64
    assert delta.exec_count == 2
    assert delta.mean_batch_size == 32
    assert model_stats(METRICS, "absent") == TritonModelStats()
    assert TritonModelStats().mean_batch_size == 0


def test_command_line_binds_loopback_and_explicit_mode(tmp_path: Path) -> None:
    server = EmbeddedTriton(REPOSITORY, models=["distilbert_sentiment"], config_name="unbatched")
    ports = {server.grpc_port, server.http_port, server.metrics_port}
    assert len(ports) == 3 and 0 not in ports  # 0 was replaced by free ports
    cmd = server.command(tmp_path)
    assert cmd[0] == str(find_tritonserver())
    for flag in (
        "--http-address=127.0.0.1",
        "--grpc-address=127.0.0.1",
        "--metrics-address=127.0.0.1",
    ):
        assert flag in cmd
    assert "--model-control-mode=explicit" in cmd
    assert "--load-model=distilbert_sentiment" in cmd
    assert "--model-config-name=unbatched" in cmd
    assert f"--model-repository={REPOSITORY.resolve()}" in cmd
    assert server.grpc_url == f"127.0.0.1:{server.grpc_port}"
    assert server.metrics_url == f"http://127.0.0.1:{server.metrics_port}/metrics"
    default = EmbeddedTriton(
        REPOSITORY, models=["m"], grpc_port=9101, http_port=9100, metrics_port=9102
    )
    assert not any(a.startswith("--model-config-name") for a in default.command(tmp_path))
    assert "--grpc-port=9101" in default.command(tmp_path)


def test_backend_folder_has_the_stub_for_this_python(tmp_path: Path) -> None:
    target = prepare_backends(tmp_path / "backends")
    names = {p.name for p in (target / "python").iterdir()}
    assert {
        "libtriton_python.so",
        "triton_python_backend_utils.py",
        "triton_python_backend_stub",
    } <= names
    assert os.access(target / "python" / "triton_python_backend_stub", os.X_OK)


def test_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    env = triton_environment({"PATH": "/usr/bin", "LD_LIBRARY_PATH": "/opt/x"})
    libs = env["LD_LIBRARY_PATH"].split(os.pathsep)
    assert any(p.endswith("nvidia_pytriton.libs") for p in libs)
    assert libs[-1] == "/opt/x"  # existing entries are kept
    assert env["PATH"].split(os.pathsep)[0] == str(Path(sys.executable).parent)
    assert env["PYTHONPATH"]
