"""``cds-service serve`` as ``make run`` uses it: embedded Triton + gateway, Ctrl-C stops both."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
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


def _sockets_per_worker(port: int, state: str, workers: list[int]) -> dict[int, set[str]]:
    """Inodes of the TCP sockets on local ``port`` in ``state`` (/proc/net/tcp's hex code:
    01 established, 0A listening) that each worker holds."""
    inodes: set[str] = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
            inodes.add(fields[9])
    held: dict[int, set[str]] = {}
    for pid in workers:
        held[pid] = set()
        for fd in (Path("/proc") / str(pid) / "fd").iterdir():
            try:
                link = os.readlink(fd)
            except OSError:
                continue
            if link.startswith("socket:[") and link[8:-1] in inodes:
                held[pid].add(link[8:-1])
    return held


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SO_REUSEPORT balances on Linux")
def test_two_workers_share_the_connections_of_a_pool(tmp_path: Path) -> None:
    """Keep-alive connections opened together reach both workers (one socket per worker)."""
    gw = start_gateway(
        tmp_path,
        name="workers",
        env={
            "CDS_ALLOW_UNAUTHENTICATED": "true",
            "CDS_INFERENCE_BACKEND": "null",
            "CDS_WORKERS": "2",
        },
    )
    try:
        workers = [
            pid
            for pid in _children(gw.proc.pid)
            if b"multiprocessing" in (Path("/proc") / str(pid) / "cmdline").read_bytes()
            and b"resource_tracker" not in (Path("/proc") / str(pid) / "cmdline").read_bytes()
        ]
        assert len(workers) == 2, workers
        port = int(gw.base_url.rsplit(":", 1)[1])
        # /readyz answered from one worker; the other may still be starting up.
        deadline = time.monotonic() + 60
        listening = _sockets_per_worker(port, "0A", workers)
        while not all(listening.values()) and time.monotonic() < deadline:
            time.sleep(0.2)
            listening = _sockets_per_worker(port, "0A", workers)
        # Each worker listens on a socket of its own (SO_REUSEPORT), not on one shared one.
        assert all(len(s) == 1 for s in listening.values()), listening
        assert len(set.union(*listening.values())) == 2, listening
        # A client pool's burst: all connections opened at once, then one request on each.
        conns = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(16)]
        try:
            for conn in conns:
                conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            for conn in conns:
                assert conn.recv(65536).startswith(b"HTTP/1.1 200 ")
            held = {p: len(s) for p, s in _sockets_per_worker(port, "01", workers).items()}
            assert sum(held.values()) == 16, held
            # Split by the kernel's hash: 16 on one worker has probability 2**-15.
            assert all(n > 0 for n in held.values()), held
        finally:
            for conn in conns:
                conn.close()
    finally:
        gw.stop()
    assert gw.proc.returncode == 0
