"""The listening sockets of a multi-worker gateway: one ``SO_REUSEPORT`` socket per worker.

Why: uvicorn binds one socket in its supervisor and every worker accepts from that one socket.
An event loop that wakes up for it accepts every connection pending at that moment (libuv and
asyncio both call ``accept`` until nothing is left), so connections that arrive together go
to whichever worker woke first. With 2 workers, when 8 keep-alive connections were opened at
once (as a client pool does), all 8 went to one worker in 71 of 200 trials, which then did all
the work while the other idled (a benchmark run gave 580 single-note requests/s at 8
connections against 1,070 at 16).

With ``SO_REUSEPORT`` each worker listens on a socket of its own, bound to the same address,
and the kernel gives each new connection to one of them by a hash of its addresses and ports,
whatever the timing of the workers' wake-ups (all 8 on one worker: 2 of 200 trials, the
binomial's 1 in 128), as nginx's ``reuseport`` and gunicorn's ``--reuse-port`` do.

How: the supervisor still binds first, so a port in use is reported there once, port 0 picks
one port for all workers, and the address stays held while a worker restarts; but it never
listens on its socket (only listening sockets receive connections). uvicorn hands sockets to
its spawned workers by pickling them, and :class:`ReusePortListener` pickles as "open a new
``SO_REUSEPORT`` socket on this address": every worker, including one that replaces a crashed
worker or one added by ``SIGTTIN``, listens on its own socket.

Trade-offs: the split is by hash, not by load (a busy worker still receives its share of new
connections); connections a stopping worker has not yet accepted are reset unless the kernel
migrates them (``net.ipv4.tcp_migrate_req = 1``, Linux 5.14 and later); and another process
of the same user could bind the same port with ``SO_REUSEPORT`` too. Outside Linux (where the
option does not balance, or is missing) and where it is refused, :func:`run_workers` falls
back to uvicorn's one shared socket.
"""

from __future__ import annotations

import logging
import socket
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from uvicorn import Config

log = logging.getLogger("service")

#: uvicorn's exit status for "cannot start" (its supervisor then stops instead of respawning).
_STARTUP_FAILURE = 3


def _family(host: str) -> socket.AddressFamily:
    # As uvicorn decides it: a colon means an IPv6 address.
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _set_reuse(sock: socket.socket) -> None:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)


class ReusePortListener(socket.socket):
    """The supervisor's bound, never listening socket; a worker that receives it gets its own.

    Unpickling (which is how a spawned worker receives it) opens a new ``SO_REUSEPORT``
    socket bound to this socket's address instead of sharing this one.
    """

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        return (_open_in_worker, (int(self.family), self.getsockname()))


def _open_in_worker(family: int, address: Any) -> socket.socket:
    sock = socket.socket(socket.AddressFamily(family), socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        _set_reuse(sock)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        # Exit as uvicorn does when it cannot bind, so the supervisor stops rather than
        # respawning a worker that would fail the same way.
        logging.getLogger("uvicorn.error").error("worker cannot listen on %s: %s", address, exc)
        raise SystemExit(_STARTUP_FAILURE) from None
    return sock


def bind_reuseport(host: str, port: int) -> ReusePortListener | None:
    """The supervisor's :class:`ReusePortListener` on ``host:port``.

    None where ``SO_REUSEPORT`` is missing, refused or does not balance (not Linux); an
    ``OSError`` from ``bind`` (port in use, address not available) is the caller's, as with
    any bind.
    """
    if not sys.platform.startswith("linux") or not hasattr(socket, "SO_REUSEPORT"):
        # Only Linux (3.9+) spreads connections over the sockets; macOS and older BSDs accept
        # SO_REUSEPORT but give every connection to one of them.
        return None
    sock = ReusePortListener(_family(host), socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        _set_reuse(sock)
    except OSError:  # defined by the headers but refused by this kernel or socket type
        sock.close()
        return None
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def run_workers(config: Config) -> None:
    """Run uvicorn's multi-worker supervisor on per-worker ``SO_REUSEPORT`` sockets.

    ``config`` is a ``uvicorn.Config`` with ``workers > 1`` and a host/port address; where
    ``SO_REUSEPORT`` is unavailable the workers share uvicorn's one socket, as ``uvicorn.run``
    would set it up.
    """
    from uvicorn.supervisors import Multiprocess

    try:
        listener: socket.socket | None = bind_reuseport(config.host, config.port)
    except OSError as exc:  # as uvicorn reports a failed bind
        logging.getLogger("uvicorn.error").error(
            "error while attempting to bind on address %s: %s",
            (config.host, config.port),
            exc.strerror or exc,
        )
        raise SystemExit(_STARTUP_FAILURE) from None
    if listener is None:
        log.info("SO_REUSEPORT unavailable: the workers share one listening socket")
        listener = config.bind_socket()
    else:
        host, port = listener.getsockname()[:2]
        log.info(
            "listening on %s:%d, one SO_REUSEPORT socket per worker (%d workers)",
            host,
            port,
            config.workers,
        )
    try:
        Multiprocess(config, sockets=[listener]).run()
    except KeyboardInterrupt:  # as uvicorn.run: Ctrl-C is the normal way to stop
        pass
    finally:
        listener.close()
