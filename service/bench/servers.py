"""Start and stop what the benchmark measures: the embedded Triton and the gateway.

Both run as child processes in their own process groups, bound to 127.0.0.1 on free ports.
The embedded Triton is started here (not by ``cds-service serve``) so that the benchmark
chooses its configuration (``config.pbtxt`` with dynamic batching, or
``configs/unbatched.pbtxt`` without) and reads its metrics port; the gateway then gets it
through ``TRITON_URL``. :meth:`Gateway.stop` and :meth:`TritonHandle.stop` signal the whole
group and check that nothing of it is left.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from service.config import REPO_ROOT
from service.inference.embedded import EmbeddedTriton, free_port

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"

#: Environment variables of the parent that would change what is measured; never inherited.
_DROPPED_ENV = ("TRITON_URL", "CDS_TRITON_URL", "PROMETHEUS_MULTIPROC_DIR", "PORT", "CDS_PORT")


def group_members(pgid: int) -> list[tuple[int, str]]:
    """(pid, state) of every process in group ``pgid``, read from ``/proc`` (Linux)."""
    members: list[tuple[int, str]] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text(encoding="ascii", errors="replace")
        except OSError:
            continue
        # Fields after the parenthesised command name: state, ppid, pgrp, ...
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 2 and fields[2] == str(pgid):
            members.append((int(entry.name), fields[0]))
    return members


def group_alive(pgid: int) -> bool:
    """True while a process of group ``pgid`` still runs (zombies awaiting reaping are dead)."""
    if Path("/proc/self/stat").exists():
        return any(state != "Z" for _, state in group_members(pgid))
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wait_group_gone(pgid: int, timeout_s: float = 5.0) -> bool:
    """Poll until no process of the group runs; True when it is gone in time."""
    deadline = time.monotonic() + timeout_s
    while group_alive(pgid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _kill_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


@dataclass
class TritonHandle:
    """A running embedded Triton and what the results record about it."""

    server: EmbeddedTriton
    batching: bool
    pgid: int

    @property
    def metrics_url(self) -> str:
        return self.server.metrics_url

    def model_config(self, model: str) -> dict[str, Any]:
        response = httpx.get(f"{self.server.http_url}/v2/models/{model}/config", timeout=10)
        response.raise_for_status()
        config: dict[str, Any] = response.json()
        return config

    def version(self) -> str | None:
        try:
            response = httpx.get(f"{self.server.http_url}/v2", timeout=5)
            value = response.json().get("version")
        except (httpx.HTTPError, ValueError):
            return None
        return str(value) if value is not None else None

    def stop(self) -> bool:
        """Stop Triton; True when its process group is gone afterwards."""
        self.server.stop()
        if not wait_group_gone(self.pgid, 2.0):
            _kill_group(self.pgid, signal.SIGKILL)
        return wait_group_gone(self.pgid)


def start_triton(
    repository: Path, model: str, *, batching: bool, timeout_s: float = 180.0
) -> TritonHandle:
    """The embedded Triton with dynamic batching on (``config.pbtxt``) or off (``unbatched``).

    Raises ``RuntimeError`` when the served configuration does not match the request (e.g. the
    unbatched variant is missing and Triton fell back to the batching config).
    """
    server = EmbeddedTriton(
        repository, models=[model], config_name=None if batching else "unbatched"
    )
    server.start()
    pid = server.pid
    assert pid is not None
    handle = TritonHandle(server=server, batching=batching, pgid=pid)
    try:
        server.wait_ready(timeout_s)
        has_batching = "dynamic_batching" in handle.model_config(model)
        if has_batching != batching:
            raise RuntimeError(
                f"Triton serves {model} with dynamic batching {'on' if has_batching else 'off'}, "
                f"the benchmark asked for {'on' if batching else 'off'}"
            )
    except BaseException:
        handle.stop()
        raise
    return handle


@dataclass
class Gateway:
    """A running ``cds-service serve`` (uvicorn; ``workers`` processes) on 127.0.0.1."""

    proc: subprocess.Popen[bytes]
    port: int
    workers: int
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def log_tail(self, lines: int = 25) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, grace_s: float = 20.0) -> bool:
        """SIGINT (uvicorn's graceful stop), then SIGKILL the group; True when it is gone."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                log.warning("gateway ignored SIGINT; killing its process group")
        if not wait_group_gone(self.proc.pid, 2.0):
            _kill_group(self.proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=10)
        return wait_group_gone(self.proc.pid)


def gateway_env(
    base: Mapping[str, str], overrides: Mapping[str, str], *, port: int, database: Path
) -> dict[str, str]:
    """The gateway's environment: the parent's minus what would skew it, plus bench settings."""
    env = {k: v for k, v in base.items() if k not in _DROPPED_ENV}
    env.update(
        {
            "CDS_ALLOW_UNAUTHENTICATED": "true",
            # Every bench request comes from one caller; the per-caller limit would answer 429.
            "CDS_RATE_LIMIT_PER_MINUTE": "0",
            # A closed loop of 128 callers on 2 CPU cores queues for many seconds by design;
            # the production deadline (10 s) would turn that queueing into 503s.
            "CDS_TRITON_TIMEOUT_S": env.get("CDS_TRITON_TIMEOUT_S", "60"),
            "CDS_LOG_LEVEL": env.get("CDS_LOG_LEVEL", "WARNING"),
            "CDS_PUBLIC_BASE_URL": f"http://{LOOPBACK}:{port}",
            "CDS_HOST": LOOPBACK,
            "DATABASE_URL": f"sqlite:///{database}",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(overrides)
    return env


def start_gateway(
    workdir: Path,
    *,
    name: str,
    workers: int,
    env_overrides: Mapping[str, str],
    timeout_s: float = 180.0,
) -> Gateway:
    """Start ``cds-service serve`` and wait for ``/readyz`` = 200."""
    port = free_port()
    log_path = workdir / f"gateway-{name}.log"
    env = gateway_env(os.environ, env_overrides, port=port, database=workdir / f"audit-{name}.db")
    with log_path.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "service.cli",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    gateway = Gateway(proc=proc, port=port, workers=workers, log_path=log_path)
    deadline = time.monotonic() + timeout_s
    with httpx.Client(timeout=2.0) as client:
        while True:
            if proc.poll() is not None:
                tail = gateway.log_tail()
                gateway.stop()
                raise RuntimeError(f"gateway {name} exited with code {proc.returncode}:\n{tail}")
            if startup_failed(gateway.log_tail(200)):
                # uvicorn's multi-worker supervisor keeps respawning a worker that cannot
                # import the app; do not wait for the deadline.
                tail = gateway.log_tail()
                gateway.stop()
                raise RuntimeError(f"gateway {name} failed to start:\n{tail}")
            try:
                if client.get(f"{gateway.base_url}/readyz").status_code == 200:
                    return gateway
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                tail = gateway.log_tail()
                gateway.stop()
                raise RuntimeError(f"gateway {name} not ready after {timeout_s:.0f}s:\n{tail}")
            time.sleep(0.25)


def startup_failed(log_text: str) -> bool:
    """True when the gateway's log shows it cannot start (an import or lifespan error)."""
    return any(
        marker in log_text
        for marker in ("Error loading ASGI app", "Application startup failed", "Traceback (most")
    )


def fetch_text(url: str, *, timeout_s: float = 10.0) -> str:
    """GET a loopback URL's body as text (metrics, discovery)."""
    if not url.startswith(f"http://{LOOPBACK}:"):
        raise ValueError("the benchmark only talks to 127.0.0.1")
    response = httpx.get(url, timeout=timeout_s)
    response.raise_for_status()
    return response.text
