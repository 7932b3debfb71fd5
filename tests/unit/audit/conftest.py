"""Audit test fixtures: a throwaway PostgreSQL cluster on 127.0.0.1 and store factories.

The cluster is created with ``initdb`` in a temp directory and started with ``pg_ctl`` on a
free loopback port (unix socket in the same directory, fsync off). PostgreSQL refuses to run as
root, so when the tests run as root the cluster directory is handed to the ``postgres`` system
user (or ``nobody``) and the server commands run through ``runuser``. Without ``initdb`` the
PostgreSQL tests are skipped with the reason.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from service.audit import AuditStore

SECRET = b"unit-test-audit-secret-0123456789"


def _pg_bin() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(candidates[-1]).parent if candidates else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_as() -> str | None:
    """The unprivileged user to run PostgreSQL as when we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    return None


class PostgresCluster:
    """A temporary PostgreSQL server; ``url(db)`` gives a SQLAlchemy URL for a database."""

    def __init__(self) -> None:
        bin_dir = _pg_bin()
        if bin_dir is None:
            raise RuntimeError("initdb not found (install PostgreSQL server binaries)")
        self.bin_dir = bin_dir
        self.user = _run_as()
        if os.geteuid() == 0 and self.user is None:
            raise RuntimeError("running as root and no unprivileged user to run PostgreSQL as")
        # Directly under /tmp (not pytest's 0700 tmp dirs) so the postgres user can reach it.
        self.root = Path(tempfile.mkdtemp(prefix="cds-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self.started = False

    def _cmd(self, *args: str) -> list[str]:
        if self.user is None:
            return list(args)
        return ["runuser", "-u", self.user, "--", *args]

    def start(self) -> None:
        subprocess.run(
            self._cmd(
                str(self.bin_dir / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
                "-E",
                "UTF8",
            ),
            check=True,
            capture_output=True,
            cwd=self.root,
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.root}"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            " -c max_connections=60 -c shared_buffers=32MB"
        )
        subprocess.run(
            self._cmd(
                str(self.bin_dir / "pg_ctl"),
                "-D",
                str(self.data),
                "-o",
                options,
                "-l",
                str(self.root / "server.log"),
                "-w",
                "-t",
                "60",
                "start",
            ),
            check=True,
            capture_output=True,
            cwd=self.root,
        )
        self.started = True

    def stop(self) -> None:
        if self.started:
            subprocess.run(
                self._cmd(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop"),
                check=False,
                capture_output=True,
                cwd=self.root,
            )
            self.started = False
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        import psycopg

        name = f"audit_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    try:
        cluster = PostgresCluster()
    except RuntimeError as exc:
        pytest.skip(f"PostgreSQL not available: {exc}")
    try:
        cluster.start()
    except (subprocess.CalledProcessError, OSError) as exc:
        stderr = getattr(exc, "stderr", b"") or b""
        cluster.stop()
        pytest.skip(f"PostgreSQL could not start: {exc}: {stderr.decode(errors='replace')[-500:]}")
    yield cluster
    cluster.stop()


@pytest.fixture
def postgres_url(postgres_cluster: PostgresCluster) -> str:
    """A fresh, empty database on the session's PostgreSQL server."""
    return postgres_cluster.url(postgres_cluster.create_database())


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'audit.db'}"


@pytest.fixture
def make_store() -> Iterator[Callable[..., AuditStore]]:
    """Build stores that are closed after the test; ``create_all`` already done."""
    stores: list[AuditStore] = []

    def factory(url: str, *, secret: bytes = SECRET) -> AuditStore:
        store = AuditStore(url, secret=secret)
        store.create_all()
        stores.append(store)
        return store

    yield factory
    for store in stores:
        store.close()


@pytest.fixture
def secret() -> bytes:
    return SECRET


@pytest.fixture
def random_secret() -> bytes:
    return secrets.token_bytes(32)
