"""The load generator's HTTP/1.1 handling, against a tiny asyncio server on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from service.bench.loadgen import (
    PreparedRequest,
    ProtocolError,
    encode_request,
    parse_head,
    run_load,
)


def test_encode_request_is_http11_with_length() -> None:
    raw = encode_request(
        method="POST",
        path="/x",
        host="127.0.0.1",
        port=8080,
        body=b"{}",
        content_type="application/fhir+json",
    )
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"POST /x HTTP/1.1\r\n")
    assert b"Content-Length: 2" in head
    assert b"Content-Type: application/fhir+json" in head
    assert body == b"{}"


def test_parse_head_lowercases_and_joins_repeats() -> None:
    status, headers = parse_head(
        b"HTTP/1.1 201 Created\r\nServer-Timing: parse;dur=1\r\nserver-timing: infer;dur=2\r\n"
        b"Content-Length: 5\r\n\r\n"
    )
    assert status == 201
    assert headers["server-timing"] == "parse;dur=1, infer;dur=2"
    assert headers["content-length"] == "5"


@pytest.mark.parametrize(
    "head", [b"garbage\r\n\r\n", b"HTTP/1.1 abc OK\r\n\r\n", b"HTTP/1.1 200 OK\r\nno-colon\r\n\r\n"]
)
def test_parse_head_rejects_garbage(head: bytes) -> None:
    with pytest.raises(ProtocolError):
        parse_head(head)


Responder = Callable[[bytes], bytes]


def ok_response(body: bytes = b'{"ok":true}', timing: str = "parse;dur=1.5, infer;dur=4") -> bytes:
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        + f"Server-Timing: {timing}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        + body
    )


@pytest.fixture
async def stub_server() -> AsyncIterator[Callable[[Responder], asyncio.Future[int]]]:
    """Start a keep-alive HTTP stub on 127.0.0.1 whose answers a test chooses."""
    servers: list[asyncio.Server] = []

    async def start(respond: Responder) -> int:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                while True:
                    head = await reader.readuntil(b"\r\n\r\n")
                    length = next(
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length")
                    )
                    body = await reader.readexactly(length)
                    writer.write(respond(body))
                    await writer.drain()
            except (asyncio.IncompleteReadError, ConnectionError):
                pass
            finally:
                writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        servers.append(server)
        return int(server.sockets[0].getsockname()[1])

    yield start  # type: ignore[misc]
    for server in servers:
        server.close()
        await server.wait_closed()


def requests(n: int = 5) -> list[PreparedRequest]:
    return [
        PreparedRequest(
            raw=encode_request(
                method="POST",
                path="/a",
                host="127.0.0.1",
                port=1,
                body=f'{{"i":{i}}}'.encode(),
                content_type="application/json",
            ),
            notes=1 + i % 3,
            kind="assess",
        )
        for i in range(n)
    ]


async def test_run_load_is_bounded_by_count(stub_server: Callable[..., object]) -> None:
    port = await stub_server(lambda body: ok_response())  # type: ignore[misc]
    result = await run_load(requests(), port=port, concurrency=4, max_requests=23, max_seconds=30)
    assert result.completed == 23
    assert result.errors == 0
    assert len(result.latencies_ms) == 23
    # Requests are taken in order and cycled: notes 1,2,3,1,2 per cycle of 5.
    assert result.notes == 4 * 9 + (1 + 2 + 3)
    assert result.stages.means() == pytest.approx({"parse": 1.5, "infer": 4.0})
    assert result.cpu_s >= 0


async def test_run_load_is_bounded_by_time(stub_server: Callable[..., object]) -> None:
    port = await stub_server(lambda body: ok_response())  # type: ignore[misc]
    result = await run_load(
        requests(), port=port, concurrency=2, max_requests=10**9, max_seconds=0.2
    )
    assert 0 < result.completed < 10**9


async def test_non_200_counts_as_error(stub_server: Callable[..., object]) -> None:
    def respond(body: bytes) -> bytes:
        if b'"i":1' in body:
            return b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"
        return ok_response()

    port = await stub_server(respond)  # type: ignore[misc]
    result = await run_load(requests(), port=port, concurrency=1, max_requests=10, max_seconds=30)
    assert result.completed == 10
    assert result.errors == 2
    assert result.error_kinds == {"HTTP 503": 2}
    assert len(result.latencies_ms) == 8


async def test_chunked_response_is_read(stub_server: Callable[..., object]) -> None:
    def respond(body: bytes) -> bytes:
        return (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            b'4\r\n{"a"\r\n3\r\n:1}\r\n0\r\n\r\n'
        )

    port = await stub_server(respond)  # type: ignore[misc]
    result = await run_load(requests(), port=port, concurrency=2, max_requests=6, max_seconds=30)
    assert result.completed == 6
    assert result.errors == 0


async def test_connection_refused_is_an_error_not_a_crash() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound but not listening: connections are refused
        result = await run_load(
            requests(), port=port, concurrency=2, max_requests=4, max_seconds=30
        )
    assert result.completed == 4
    assert result.errors == 4
    assert result.error_kinds.total() == 4


async def test_only_loopback() -> None:
    with pytest.raises(ValueError, match=r"127\.0\.0\.1"):
        await run_load(
            requests(), host="10.0.0.1", port=80, concurrency=1, max_requests=1, max_seconds=1
        )
