"""``service.listener``: each worker gets its own SO_REUSEPORT socket on the supervisor's port."""

from __future__ import annotations

import pickle
import select
import socket
import sys
from multiprocessing.reduction import ForkingPickler
from typing import ClassVar

import pytest

from service import listener
from service.listener import ReusePortListener, bind_reuseport

needs_reuseport = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not hasattr(socket, "SO_REUSEPORT"),
    reason="SO_REUSEPORT balances connections on Linux only",
)


def _as_worker_receives(sock: socket.socket) -> socket.socket:
    """What a spawned worker gets: uvicorn passes sockets through multiprocessing's pickler."""
    received = pickle.loads(ForkingPickler.dumps(sock))
    assert isinstance(received, socket.socket)
    return received


def _accept_all(servers: list[socket.socket], expected: int) -> list[int]:
    """Accept connections until ``expected`` arrived; how many each server accepted."""
    counts = [0] * len(servers)
    accepted: list[socket.socket] = []
    while sum(counts) < expected:
        ready, _, _ = select.select(servers, [], [], 5.0)
        assert ready, f"only {sum(counts)} of {expected} connections arrived"
        for server in ready:
            conn, _ = server.accept()
            accepted.append(conn)
            counts[servers.index(server)] += 1
    for conn in accepted:
        conn.close()
    return counts


@needs_reuseport
def test_supervisor_binds_without_listening_and_keeps_the_port() -> None:
    sock = bind_reuseport("127.0.0.1", 0)
    assert isinstance(sock, ReusePortListener)
    try:
        port = sock.getsockname()[1]
        assert port != 0
        # Bound, not listening: nothing can connect until a worker listens.
        assert not sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
        # The port is held against binds without SO_REUSEPORT.
        with socket.socket() as other, pytest.raises(OSError):
            other.bind(("127.0.0.1", port))
    finally:
        sock.close()


@needs_reuseport
def test_each_worker_gets_its_own_socket_and_connections_spread() -> None:
    parent = bind_reuseport("127.0.0.1", 0)
    assert parent is not None
    workers: list[socket.socket] = []
    clients: list[socket.socket] = []
    try:
        address = parent.getsockname()
        workers = [_as_worker_receives(parent) for _ in range(2)]
        for w in workers:
            assert w.fileno() != parent.fileno()
            assert w.getsockname() == address
            assert w.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT)
            w.listen(64)
            w.setblocking(False)
        # Opened together, as a client pool does: the kernel hashes each connection to one
        # worker's socket, so all 32 landing on one worker has probability 2**-31.
        clients = [socket.create_connection(address, timeout=5) for _ in range(32)]
        counts = _accept_all(workers, 32)
        assert all(c > 0 for c in counts), counts
    finally:
        for s in (*clients, *workers, parent):
            s.close()


def test_without_reuseport_the_caller_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(socket, "SO_REUSEPORT", raising=False)
    assert bind_reuseport("127.0.0.1", 0) is None


@pytest.mark.parametrize("platform", ["darwin", "win32", "freebsd13"])
def test_outside_linux_the_caller_falls_back(
    monkeypatch: pytest.MonkeyPatch, platform: str
) -> None:
    # These accept SO_REUSEPORT (or lack it) but do not spread connections over the sockets.
    monkeypatch.setattr(sys, "platform", platform)
    assert bind_reuseport("127.0.0.1", 0) is None


@needs_reuseport
def test_refused_reuseport_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(sock: socket.socket) -> None:
        raise OSError(92, "Protocol not available")

    monkeypatch.setattr(listener, "_set_reuse", refuse)
    assert bind_reuseport("127.0.0.1", 0) is None


@needs_reuseport
def test_port_in_use_is_the_callers_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        with pytest.raises(OSError):
            bind_reuseport("127.0.0.1", taken.getsockname()[1])


@needs_reuseport
def test_worker_that_cannot_bind_exits_as_a_startup_failure() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        with pytest.raises(SystemExit) as exc:
            listener._open_in_worker(int(socket.AF_INET), taken.getsockname())
    # uvicorn's supervisor stops on this status instead of respawning the worker.
    assert exc.value.code == 3


class _FakeSupervisor:
    """Stands in for uvicorn's Multiprocess: records the sockets its workers would get."""

    seen: ClassVar[list[socket.socket]] = []

    def __init__(self, config: object, sockets: list[socket.socket]) -> None:
        type(self).seen = list(sockets)

    def run(self) -> None:
        assert all(s.fileno() != -1 for s in self.seen), "the socket is open while serving"


class _Config:
    host = "127.0.0.1"
    port = 0
    workers = 2

    def __init__(self) -> None:
        self.bound: list[socket.socket] = []

    def bind_socket(self) -> socket.socket:
        sock = socket.socket()
        sock.bind((self.host, self.port))
        self.bound.append(sock)
        return sock


@needs_reuseport
def test_run_workers_hands_uvicorn_the_reuseport_listener(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn.supervisors

    monkeypatch.setattr(uvicorn.supervisors, "Multiprocess", _FakeSupervisor)
    config = _Config()
    listener.run_workers(config)
    (sock,) = _FakeSupervisor.seen
    assert isinstance(sock, ReusePortListener)
    assert not config.bound
    assert sock.fileno() == -1, "closed once the supervisor returns"


def test_run_workers_falls_back_to_one_shared_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn.supervisors

    monkeypatch.setattr(uvicorn.supervisors, "Multiprocess", _FakeSupervisor)
    monkeypatch.setattr(listener, "bind_reuseport", lambda host, port: None)
    config = _Config()
    listener.run_workers(config)
    assert _FakeSupervisor.seen == config.bound
    assert not isinstance(config.bound[0], ReusePortListener)


@needs_reuseport
def test_run_workers_port_in_use_is_a_startup_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn.supervisors

    monkeypatch.setattr(uvicorn.supervisors, "Multiprocess", _FakeSupervisor)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        config = _Config()
        config.port = taken.getsockname()[1]
        with pytest.raises(SystemExit) as exc:
            listener.run_workers(config)
    assert exc.value.code == 3
