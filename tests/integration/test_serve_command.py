"""``cds-service serve`` as ``make run`` uses it: embedded Triton + gateway, Ctrl-C stops both."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.gateway_fixtures import ROOT, start_gateway

pytestmark = pytest.mark.integration


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            out.append(int(proc.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_serve_starts_embedded_triton_and_ctrl_c_stops_both(tmp_path: Path) -> None:
    gw = start_gateway(
        tmp_path,
        name="serve",
        env={
            "CDS_ALLOW_UNAUTHENTICATED": "true",
            "CDS_TRITON_GRPC_PORT": "0",
            "CDS_TRITON_HTTP_PORT": "0",
            "CDS_TRITON_METRICS_PORT": "0",
        },
    )
    try:
        tritons = [
            pid
            for pid in _children(gw.proc.pid)
            if "tritonserver"
            in (Path("/proc") / str(pid) / "cmdline").read_bytes().decode(errors="replace")
        ]
        assert len(tritons) == 1, "the embedded Triton runs as a child of the gateway"
        cmdline = (Path("/proc") / str(tritons[0]) / "cmdline").read_bytes().split(b"\0")
        # Bound to loopback only.
        assert any(a.startswith(b"--grpc-address=127.0.0.1") or a == b"127.0.0.1" for a in cmdline)
        with gw.client() as c:
            assert c.get("/readyz").json()["model"]["ready"] is True
    finally:
        gw.proc.send_signal(signal.SIGINT)  # what Ctrl-C in `make run` sends
        gw.proc.wait(timeout=60)
    assert not _alive(tritons[0]), "Triton outlived the gateway"


def test_serve_refuses_to_start_without_auth(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDS_")}
    r = subprocess.run(
        [sys.executable, "-m", "service.cli", "serve"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2
    assert "CDS_ALLOW_UNAUTHENTICATED" in r.stderr
