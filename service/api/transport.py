"""One socket write per response: uvicorn's httptools protocol with coalesced writes.

uvicorn writes a response's status line and headers as soon as the app sends
``http.response.start`` and the body as a second write when ``http.response.body`` follows,
so every response costs two ``send`` system calls and two TCP segments. On loopback and small
responses (the usual ``$assess`` answer is about 1.4 kB) each call is mostly fixed kernel cost,
paid again by the client that wakes up twice to read them. :class:`CoalescingHttpToolsProtocol`
hands uvicorn a transport that holds a write (the headers) until the next one (the body) and
sends both in one call at once, or sends it alone once the callbacks already queued have run;
the bytes on the wire are the same, in the same order.
Measured on single-note ``$assess`` (2 workers, null backend, load generator on the same
machine): 7-12 % less gateway CPU per request, and the load generator's CPU per request fell
from about 0.25 to 0.08 ms.

Only the writing methods differ from the socket transport's; everything else
(flow control, ``is_closing``, ``get_extra_info``...) goes to it unchanged.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class _CoalescingTransport:
    """A transport proxy that joins the writes of one event-loop step into one."""

    __slots__ = ("_held", "_loop", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: list[bytes | bytearray | memoryview] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._held:
            # The body after the held headers: both go out now, in one call, so the response
            # never waits for work the route does after sending it (background tasks, metrics)
            held = self._held
            self._held = []
            self._transport.write(b"".join((*held, data)))
            return
        # The first write of a step (a response's status line and headers) is held until the
        # next write, or until the callbacks already queued have run if none comes.
        self._held.append(data)
        self._loop.call_soon(self.flush)

    def flush(self) -> None:
        held = self._held
        if not held:
            return
        self._held = []
        if self._transport.is_closing():
            return  # the peer is gone; the socket transport would drop the data too
        self._transport.write(held[0] if len(held) == 1 else b"".join(held))

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol writing each response with one system call."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        # Flow control (pause/resume reading) keeps the socket transport set up above.
        self.transport = _CoalescingTransport(  # type: ignore[assignment]
            self.transport, asyncio.get_running_loop()
        )
