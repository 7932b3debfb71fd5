"""Run the ``tritonserver`` binary shipped in the ``nvidia-pytriton`` wheel as a child process.

The wheel carries a real Triton (python backend only; Linux x86-64, glibc >= 2.35). Running it
standalone needs three things the wheel does not arrange by itself:

* ``LD_LIBRARY_PATH`` with ``<site-packages>/nvidia_pytriton.libs`` (its bundled shared libs) and
  the directory of this interpreter's ``libpython`` (the python-backend stub embeds Python);
* one backend folder ``<dir>/python/`` holding ``libtriton_python.so``,
  ``triton_python_backend_utils.py`` and the stub built for this Python minor version;
* this interpreter's ``bin`` first on ``PATH``: the stub's embedded Python finds its prefix (and
  so our virtualenv's ``site-packages`` with numpy and onnxruntime) from the ``python3`` it finds
  on ``PATH``. ``PYTHONPATH`` alone is not honoured by the stub.

Every port is bound to 127.0.0.1. The model is loaded in explicit model-control mode, so a new
version is swapped in with :meth:`EmbeddedTriton.load_model` without downtime. The server runs
in its own process group and dies with us: ``stop()`` signals the group (SIGTERM, then SIGKILL),
an ``atexit`` hook calls it, and on Linux ``PR_SET_PDEATHSIG`` delivers SIGTERM to Triton if the
process that started it dies without cleaning up.

Config variants: ``config_name="unbatched"`` passes ``--model-config-name=unbatched``, which makes
Triton read ``<model>/configs/unbatched.pbtxt`` instead of ``config.pbtxt`` (dynamic batching off;
the benchmark's ``triton_unbatched`` mode). Models without that file fall back to ``config.pbtxt``.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from service.config import Settings

logger = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1


class EmbeddedTritonError(RuntimeError):
    """The embedded Triton cannot be found, started or made ready."""


def free_port(host: str = "127.0.0.1") -> int:
    """A currently free TCP port on ``host`` (the OS picks; racy only against other binders)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def pytriton_root() -> Path:
    """``<site-packages>/pytriton`` of the installed ``nvidia-pytriton`` wheel."""
    try:
        import pytriton
    except ImportError as exc:
        raise EmbeddedTritonError(
            "nvidia-pytriton is not installed (Linux x86-64 only); set TRITON_URL or "
            "INFERENCE_BACKEND=inprocess"
        ) from exc
    files = getattr(pytriton, "__file__", None)
    if files is None:
        raise EmbeddedTritonError("cannot locate the nvidia-pytriton package")
    return Path(files).resolve().parent


def find_tritonserver() -> Path:
    """Path of the ``tritonserver`` binary inside the nvidia-pytriton wheel."""
    binary = pytriton_root() / "tritonserver" / "bin" / "tritonserver"
    if not binary.is_file():
        raise EmbeddedTritonError(f"tritonserver binary not found at {binary}")
    return binary


def prepare_backends(target: Path) -> Path:
    """Assemble ``<target>/python/`` (python backend + the stub for this Python) and return it."""
    root = pytriton_root() / "tritonserver"
    minor = f"{sys.version_info.major}.{sys.version_info.minor}"
    stub = root / "python_backend_stubs" / minor / "triton_python_backend_stub"
    if not stub.is_file():
        raise EmbeddedTritonError(f"no python-backend stub for Python {minor} in nvidia-pytriton")
    python_dir = target / "python"
    python_dir.mkdir(parents=True, exist_ok=True)
    for source in (root / "backends" / "python").iterdir():
        if source.is_file():
            shutil.copy2(source, python_dir / source.name)
    shutil.copy2(stub, python_dir / stub.name)
    return target


def triton_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for ``tritonserver`` and the python-backend stub it spawns."""
    env = dict(os.environ if base is None else base)
    site_packages = pytriton_root().parent
    lib_dirs = [str(site_packages / "nvidia_pytriton.libs")]
    libdir = sysconfig.get_config_var("LIBDIR")
    if libdir and any(Path(libdir).glob("libpython3*.so*")):
        # Prefer this interpreter's libpython over a system one of another patch release.
        lib_dirs.insert(0, str(libdir))
    if env.get("LD_LIBRARY_PATH"):
        lib_dirs.append(env["LD_LIBRARY_PATH"])
    env["LD_LIBRARY_PATH"] = os.pathsep.join(lib_dirs)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
    # The stub must import numpy/onnxruntime from this environment; PATH (above) is what makes it
    # find our prefix, PYTHONPATH is set too for stubs that honour it.
    paths = [p for p in sys.path if p.endswith("site-packages")]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    # PR_SET_PDEATHSIG fires when the *thread* that forked us exits: call start() from a
    # long-lived thread (the main thread or the event loop's), not a short-lived worker.
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


class EmbeddedTriton:
    """The wheel's ``tritonserver`` on 127.0.0.1, serving one model of a repository.

    Ports of 0 are replaced by free ports at construction. Use as a context manager, or call
    :meth:`start` and :meth:`wait_ready`, then :meth:`stop`.
    """

    def __init__(
        self,
        repository: Path,
        *,
        models: Sequence[str],
        grpc_port: int = 0,
        http_port: int = 0,
        metrics_port: int = 0,
        config_name: str | None = None,
        work_dir: Path | None = None,
        exit_timeout_s: int = 5,
        log_verbose: int = 0,
        extra_args: Sequence[str] = (),
    ) -> None:
        self.repository = Path(repository).resolve()
        self.models = tuple(models)
        self.host = "127.0.0.1"
        self.grpc_port = grpc_port or free_port()
        self.http_port = http_port or free_port()
        self.metrics_port = metrics_port or free_port()
        self.config_name = config_name
        self.exit_timeout_s = exit_timeout_s
        self.log_verbose = log_verbose
        self.extra_args = tuple(extra_args)
        self._own_work_dir = work_dir is None
        self._work_dir = Path(work_dir) if work_dir else None
        self._process: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None
        self._atexit_registered = False

    # -- addresses --------------------------------------------------------------------------

    @property
    def grpc_url(self) -> str:
        """``host:port`` for ``tritonclient.grpc``."""
        return f"{self.host}:{self.grpc_port}"

    @property
    def http_url(self) -> str:
        return f"http://{self.host}:{self.http_port}"

    @property
    def metrics_url(self) -> str:
        return f"http://{self.host}:{self.metrics_port}/metrics"

    @property
    def log_path(self) -> Path | None:
        return self._work_dir / "tritonserver.log" if self._work_dir else None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def command(self, backend_dir: Path) -> list[str]:
        """The ``tritonserver`` command line."""
        cmd = [
            str(find_tritonserver()),
            f"--model-repository={self.repository}",
            f"--backend-directory={backend_dir}",
            f"--http-address={self.host}",
            f"--http-port={self.http_port}",
            f"--grpc-address={self.host}",
            f"--grpc-port={self.grpc_port}",
            f"--metrics-address={self.host}",
            f"--metrics-port={self.metrics_port}",
            "--allow-gpu-metrics=false",
            "--model-control-mode=explicit",
            *(f"--load-model={name}" for name in self.models),
            # Our configs are complete; skipping auto-complete also skips a stub start per model.
            "--disable-auto-complete-config",
            f"--exit-timeout-secs={self.exit_timeout_s}",
            f"--log-verbose={self.log_verbose}",
        ]
        if self.config_name:
            cmd.append(f"--model-config-name={self.config_name}")
        cmd.extend(self.extra_args)
        return cmd

    # -- lifecycle --------------------------------------------------------------------------

    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start Triton (returns at once; see :meth:`wait_ready`)."""
        if self.is_running():
            return
        if self._work_dir is None:
            self._work_dir = Path(tempfile.mkdtemp(prefix="cds-triton-"))
        self._work_dir.mkdir(parents=True, exist_ok=True)
        backend_dir = prepare_backends(self._work_dir / "backends")
        log_path = self._work_dir / "tritonserver.log"
        self._log_file = log_path.open("ab")
        cmd = self.command(backend_dir)
        logger.info(
            "starting embedded Triton: grpc=%s http=%s metrics=%s config=%s",
            self.grpc_url,
            self.http_url,
            self.metrics_url,
            self.config_name or "config.pbtxt",
        )
        self._process = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            env=triton_environment(),
            start_new_session=True,  # own process group: stop() signals Triton and its stubs
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
        if not self._atexit_registered:
            atexit.register(self.stop)
            self._atexit_registered = True

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of Triton's output (for error messages; Triton logs no request data)."""
        path = self.log_path
        if path is None or not path.is_file():
            return ""
        text = path.read_text(encoding="utf-8", errors="replace").splitlines()
        # Triton prints wide ASCII tables; keep the informative lines.
        useful = [line for line in text if not line.startswith(("+", "|"))]
        return "\n".join(useful[-lines:])

    def _get(self, path: str, timeout: float = 2.0) -> int:
        try:
            with urllib.request.urlopen(self.http_url + path, timeout=timeout) as response:
                status: int = response.status
                return status
        except urllib.error.HTTPError as exc:
            return exc.code
        except (urllib.error.URLError, OSError):
            return 0

    def is_model_ready(self, name: str | None = None) -> bool:
        model = name or self.models[0]
        return self._get(f"/v2/models/{model}/ready") == 200

    def wait_ready(self, timeout: float = 120.0) -> None:
        """Block until every model is ready; raise with Triton's last log lines if it dies."""
        deadline = time.monotonic() + timeout
        while True:
            if self._process is None:
                raise EmbeddedTritonError("embedded Triton was not started")
            code = self._process.poll()
            if code is not None:
                raise EmbeddedTritonError(
                    f"embedded Triton exited with code {code}:\n{self.log_tail()}"
                )
            if all(self.is_model_ready(m) for m in self.models):
                logger.info("embedded Triton ready (pid %s)", self._process.pid)
                return
            if time.monotonic() > deadline:
                tail = self.log_tail()
                self.stop()
                raise EmbeddedTritonError(
                    f"embedded Triton not ready after {timeout:.0f}s:\n{tail}"
                )
            time.sleep(0.2)

    async def wait_ready_async(self, timeout_s: float = 120.0) -> None:
        """:meth:`wait_ready` off the event loop."""
        import asyncio

        await asyncio.to_thread(self.wait_ready, timeout_s)

    def stop(self, grace_s: float = 10.0) -> None:
        """SIGTERM the process group, SIGKILL it after ``grace_s``; remove the temp folder."""
        process, self._process = self._process, None
        if process is not None:
            if process.poll() is None:
                self._signal_group(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=grace_s)
                except subprocess.TimeoutExpired:
                    logger.warning("embedded Triton ignored SIGTERM; killing it")
                    self._signal_group(process.pid, signal.SIGKILL)
                    process.wait(timeout=grace_s)
            logger.info("embedded Triton stopped (exit code %s)", process.returncode)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        if self._own_work_dir and self._work_dir is not None:
            shutil.rmtree(self._work_dir, ignore_errors=True)
            self._work_dir = None

    @staticmethod
    def _signal_group(pgid: int, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, sig)

    def restart(self, timeout: float = 120.0) -> None:
        """Stop and start again on the same ports (used by recovery tests)."""
        self.stop()
        self.start()
        self.wait_ready(timeout)

    # -- model control (explicit mode) -----------------------------------------------------

    def _repository_call(self, action: str, name: str, body: dict[str, Any] | None) -> None:
        data = json.dumps(body or {}).encode()
        request = urllib.request.Request(
            f"{self.http_url}/v2/repository/models/{name}/{action}",
            data=data,
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=300) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", errors="replace")[:500]
            raise EmbeddedTritonError(f"{action} of model {name} failed: {detail}") from exc

    def load_model(self, name: str, *, config: dict[str, Any] | None = None) -> None:
        """(Re)load ``name``: picks up new version folders; a failed load keeps the old one."""
        body = {"parameters": {"config": json.dumps(config)}} if config is not None else None
        self._repository_call("load", name, body)

    def unload_model(self, name: str) -> None:
        self._repository_call("unload", name, None)

    # -- context manager -------------------------------------------------------------------

    def __enter__(self) -> EmbeddedTriton:
        self.start()
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @classmethod
    def from_settings(
        cls, settings: Settings, model_name: str, *, config_name: str | None = None
    ) -> EmbeddedTriton:
        """The embedded server as ``Settings`` describes it (ports, repository)."""
        return cls(
            settings.model_repository,
            models=[model_name],
            grpc_port=settings.triton_grpc_port,
            http_port=settings.triton_http_port,
            metrics_port=settings.triton_metrics_port,
            config_name=config_name,
        )
