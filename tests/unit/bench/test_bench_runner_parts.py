"""Pure parts of the runner and the server helpers (nothing is started)."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.bench.runner import BenchConfig, prepare_workload, summarize_reason
from service.bench.servers import gateway_env, startup_failed
from service.config import Settings
from service.inference.tokenization import NoteTokenizer


def test_gateway_env_isolates_the_measured_gateway(tmp_path: Path) -> None:
    parent = {
        "TRITON_URL": "remote:8001",
        "PROMETHEUS_MULTIPROC_DIR": "/tmp/x",
        "PORT": "9999",
        "CDS_INPROCESS_THREADS": "2",
        "PATH": "/usr/bin",
    }
    env = gateway_env(parent, {"INFERENCE_BACKEND": "null"}, port=1234, database=tmp_path / "a.db")
    assert "TRITON_URL" not in env  # never a server the bench did not start
    assert "PROMETHEUS_MULTIPROC_DIR" not in env and "PORT" not in env
    assert env["CDS_INPROCESS_THREADS"] == "2"  # other CDS_* settings pass through
    assert env["CDS_RATE_LIMIT_PER_MINUTE"] == "0"
    assert env["CDS_ALLOW_UNAUTHENTICATED"] == "true"
    assert env["CDS_HOST"] == "127.0.0.1"
    assert env["DATABASE_URL"] == f"sqlite:///{tmp_path / 'a.db'}"
    assert env["INFERENCE_BACKEND"] == "null"
    with_triton = gateway_env(parent, {"TRITON_URL": "127.0.0.1:5"}, port=1, database=tmp_path)
    assert with_triton["TRITON_URL"] == "127.0.0.1:5"


@pytest.mark.parametrize(
    ("log", "failed"),
    [
        ("INFO: Started server process\nINFO: Waiting for application startup.", False),
        ("ERROR: Error loading ASGI app. Could not import module", True),
        ("Traceback (most recent call last):\n  File x\nImportError: y", True),
        ("ERROR: Application startup failed. Exiting.", True),
    ],
)
def test_startup_failed(log: str, failed: bool) -> None:
    assert startup_failed(log) is failed


def test_summarize_reason_keeps_first_and_last_line() -> None:
    assert summarize_reason("") == "unknown error"
    assert summarize_reason("boom") == "boom"
    text = "gateway x failed to start:\nTraceback\n  File a\nImportError: cannot import name 'Z'"
    assert summarize_reason(text) == (
        "gateway x failed to start: ... ImportError: cannot import name 'Z'"
    )


def test_prepare_workload_summary(note_tokenizer: NoteTokenizer) -> None:
    config = BenchConfig.preset_config("smoke", workload_size=80, seed=3)
    settings = Settings(allow_unauthenticated=True)
    prepared = prepare_workload(config, settings, note_tokenizer)
    summary = prepared.summary
    assert summary["requests"] == 80 == len(prepared.requests)
    assert summary["hook_requests"] + summary["assess_requests"] == 80
    assert summary["notes"] == summary["hook_requests"] * 3 + summary["assess_requests"]
    assert summary["windows"] == sum(prepared.windows_per_request)
    assert summary["windows_per_note"] == pytest.approx(summary["windows"] / summary["notes"])
    assert 0 < summary["multi_window_share"] < 1
    assert sum(int(v) for v in summary["bucket_mix"].values()) == summary["windows"]


def test_group_helpers_see_a_child_group_and_its_end() -> None:
    import subprocess
    import sys

    from service.bench.servers import group_alive, group_members, wait_group_gone

    proc = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(30)"], start_new_session=True
    )
    try:
        assert group_alive(proc.pid)
        assert proc.pid in [pid for pid, _ in group_members(proc.pid)]
    finally:
        proc.kill()
        proc.wait()
    assert wait_group_gone(proc.pid, 5.0)
    assert not group_alive(proc.pid)


def test_raw_batches_hold_at_most_max_tokens_per_pass() -> None:
    import numpy as np

    from service.bench.rawmodel import make_batches
    from service.inference.tokenization import Window

    def window(bucket: int) -> Window:
        ids = np.ones(bucket, dtype=np.int64)
        return Window(input_ids=ids, attention_mask=ids.copy(), n_tokens=bucket)

    windows = [window(128) for _ in range(20)] + [window(32) for _ in range(40)]
    capped = make_batches(windows, 32, seed=1, max_tokens=1024)
    # 1,024 tokens: 8 windows of 128 (20 -> 8 + 8 + 4), 32 of 32 (40 -> 32 + 8)
    assert sorted(ids.shape for ids, _ in capped) == sorted(
        [(8, 128), (8, 128), (4, 128), (32, 32), (8, 32)]
    )
    uncapped = make_batches(windows, 32, seed=1)
    assert sorted(ids.shape for ids, _ in uncapped) == [(8, 32), (20, 128), (32, 32)]
