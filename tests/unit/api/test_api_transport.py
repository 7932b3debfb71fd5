"""The coalescing uvicorn protocol: one write per response, the same bytes as uvicorn's own."""

from __future__ import annotations

import asyncio
import re
import socket
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from service.api.transport import CoalescingHttpToolsProtocol, _CoalescingTransport
from service.cli import _http_protocol


class _Recorder(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False
        self.eof = False

    def write(self, data: Any) -> None:
        assert not self.closed and not self.eof
        self.writes.append(bytes(data))

    def write_eof(self) -> None:
        self.eof = True

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_write_buffer_size(self) -> int:
        return 7


async def test_headers_wait_for_the_body_and_go_out_with_it_at_once() -> None:
    inner = _Recorder()
    proxy = _CoalescingTransport(inner, asyncio.get_running_loop())
    proxy.write(b"HTTP/1.1 200 OK\r\n\r\n")
    assert inner.writes == []  # held for the body
    proxy.write(memoryview(b"body"))
    # written at once with the body: the response does not wait for the rest of the step
    assert inner.writes == [b"HTTP/1.1 200 OK\r\n\r\nbody"]
    await asyncio.sleep(0)
    assert inner.writes == [b"HTTP/1.1 200 OK\r\n\r\nbody"]  # nothing left to flush
    proxy.write(b"next")
    assert inner.writes[1:] == []
    await asyncio.sleep(0)
    assert inner.writes[1:] == [b"next"]  # a lone write goes out once the step is over
    assert proxy.get_write_buffer_size() == 7  # everything else is the socket transport's


async def test_close_and_eof_flush_first() -> None:
    inner = _Recorder()
    proxy = _CoalescingTransport(inner, asyncio.get_running_loop())
    proxy.write(b"a")
    proxy.write_eof()
    assert inner.writes == [b"a"] and inner.eof
    inner2 = _Recorder()
    proxy2 = _CoalescingTransport(inner2, asyncio.get_running_loop())
    proxy2.write(b"b")
    proxy2.close()
    assert inner2.writes == [b"b"] and inner2.closed
    await asyncio.sleep(0)  # the scheduled flush finds nothing left
    assert inner2.writes == [b"b"]


async def test_nothing_is_written_to_a_closed_transport() -> None:
    inner = _Recorder()
    proxy = _CoalescingTransport(inner, asyncio.get_running_loop())
    proxy.write(b"late")
    inner.closed = True  # the peer went away before the flush
    await asyncio.sleep(0)
    assert inner.writes == []


def test_serve_uses_the_coalescing_protocol() -> None:
    assert _http_protocol() == "service.api.transport:CoalescingHttpToolsProtocol"


async def _json(request: Request) -> Response:
    return JSONResponse({"path": request.url.path, "body": (await request.body()).decode()})


async def _stream(request: Request) -> Response:
    async def parts() -> Any:
        for part in (b"one,", b"two,", b"three"):
            await asyncio.sleep(0)
            yield part

    return StreamingResponse(parts(), media_type="text/plain")


_APP = Starlette(routes=[Route("/j", _json, methods=["POST"]), Route("/s", _stream)])
_DATE = re.compile(rb"date: [^\r]+\r\n")


async def _exchange(http: Any, raw: bytes) -> bytes:
    """Send ``raw`` (pipelined requests, the last one closing) and read until the server closes."""
    config = uvicorn.Config(_APP, http=http, log_level="error", lifespan="off")
    server = uvicorn.Server(config)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    # The kernel queues the connection until the server accepts it: no need to wait for it.
    task = asyncio.create_task(server.serve(sockets=[listener]))
    reader, writer = await asyncio.open_connection(*listener.getsockname())
    writer.write(raw)
    data = await reader.read()
    writer.close()
    server.should_exit = True
    await task
    listener.close()
    return _DATE.sub(b"", data)


@pytest.mark.parametrize(
    "raw",
    [
        b"POST /j HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi"
        b"GET /s HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /missing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    ],
)
async def test_same_bytes_as_uvicorns_protocol(raw: bytes) -> None:
    ours = await _exchange(CoalescingHttpToolsProtocol, raw)
    theirs = await _exchange("httptools", raw)
    assert ours == theirs
    assert ours.count(b"HTTP/1.1 ") == 3
