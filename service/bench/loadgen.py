"""A lean closed-loop HTTP/1.1 load generator on asyncio streams (loopback only).

Why not httpx: on a 2-core machine the load generator shares the CPU with the server it
measures, and a full-featured client costs several hundred microseconds of CPU per request.
Here each of ``concurrency`` workers holds one keep-alive connection and sends pre-encoded
request bytes; a response is read by ``Content-Length`` (or chunked encoding) and only the
status line and headers are parsed. The generator's own CPU time is measured
(``getrusage``) and reported, so its share of the machine is visible in the results.

A run is bounded by a request count *and* a duration: workers stop claiming requests when
either is reached, and requests already in flight complete and are counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import resource
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from service.bench.stats import StageAccumulator, parse_server_timing

LOOPBACK = "127.0.0.1"


class ProtocolError(ValueError):
    """The server's response is not HTTP/1.1 we can read."""


@dataclass(frozen=True)
class PreparedRequest:
    """Request bytes ready for the wire and how many notes it carries."""

    raw: bytes
    notes: int
    kind: str


def encode_request(
    *, method: str, path: str, host: str, port: int, body: bytes, content_type: str
) -> bytes:
    """An HTTP/1.1 keep-alive request with a body."""
    head = (
        f"{method} {path} HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\n"
        f"Content-Type: {content_type}\r\n"
        "Accept: application/json, application/fhir+json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "\r\n"
    )
    return head.encode("ascii") + body


def parse_head(head: bytes) -> tuple[int, dict[str, str]]:
    """Status code and headers (lower-cased names) of a response head ending in CRLFCRLF."""
    lines = head.decode("latin-1").split("\r\n")
    status_line = lines[0].split(" ", 2)
    if len(status_line) < 2 or not status_line[0].startswith("HTTP/1."):
        raise ProtocolError("not an HTTP/1.x status line")
    try:
        status = int(status_line[1])
    except ValueError:
        raise ProtocolError("status code is not a number") from None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise ProtocolError("malformed header line")
        key = name.strip().lower()
        value = value.strip()
        # Repeated headers (e.g. two Server-Timing lines) are joined as RFC 9110 allows.
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return status, headers


class _Connection:
    """One keep-alive connection; reopened after an error or ``Connection: close``."""

    def __init__(self, host: str, port: int) -> None:
        self._host = host
        self._port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(self, raw: bytes) -> tuple[int, dict[str, str], bytes]:
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        reader, writer = self._reader, self._writer
        writer.write(raw)
        head = await reader.readuntil(b"\r\n\r\n")
        status, headers = parse_head(head)
        if "content-length" in headers:
            body = await reader.readexactly(int(headers["content-length"]))
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            body = await self._read_chunked(reader)
        else:
            body = await reader.read()
            await self.close()
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, headers, body

    @staticmethod
    async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
        parts: list[bytes] = []
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";", 1)[0].strip(), 16)
            if size == 0:
                # Trailers (rare) end with an empty line.
                while (await reader.readuntil(b"\r\n")) != b"\r\n":
                    pass
                return b"".join(parts)
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError, ConnectionError):
                await writer.wait_closed()


@dataclass
class LoadResult:
    """What one load run measured (latencies of successful requests only)."""

    concurrency: int
    latencies_ms: list[float] = field(default_factory=list)
    completed: int = 0
    errors: int = 0
    error_kinds: Counter[str] = field(default_factory=Counter)
    notes: int = 0
    elapsed_s: float = 0.0
    stages: StageAccumulator = field(default_factory=StageAccumulator)
    cpu_s: float = 0.0

    @property
    def ok(self) -> int:
        return self.completed - self.errors


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def run_load(
    requests: Sequence[PreparedRequest],
    *,
    port: int,
    concurrency: int,
    max_requests: int,
    max_seconds: float,
    host: str = LOOPBACK,
    timeout_s: float = 120.0,
) -> LoadResult:
    """Drive ``concurrency`` closed-loop workers over ``requests`` (cycled, in order).

    Stops claiming new requests after ``max_requests`` or ``max_seconds``, whichever first.
    """
    if host != LOOPBACK:
        raise ValueError("the load generator only sends traffic to 127.0.0.1")
    if not requests or concurrency < 1 or max_requests < 1 or max_seconds <= 0:
        raise ValueError("requests, concurrency >= 1, max_requests >= 1, max_seconds > 0")
    result = LoadResult(concurrency=concurrency)
    next_index = 0
    start = time.perf_counter()
    deadline = start + max_seconds
    cpu_start = _cpu_seconds()

    async def worker() -> None:
        nonlocal next_index
        conn = _Connection(host, port)
        try:
            while True:
                now = time.perf_counter()
                if next_index >= max_requests or now >= deadline:
                    return
                req = requests[next_index % len(requests)]
                next_index += 1
                try:
                    async with asyncio.timeout(timeout_s):
                        status, headers, _ = await conn.request(req.raw)
                except (
                    OSError,
                    EOFError,
                    TimeoutError,
                    asyncio.LimitOverrunError,
                    ProtocolError,
                    ValueError,
                ) as exc:
                    result.completed += 1
                    result.errors += 1
                    result.error_kinds[type(exc).__name__] += 1
                    await conn.close()
                    continue
                latency_ms = (time.perf_counter() - now) * 1000.0
                result.completed += 1
                if status != 200:
                    result.errors += 1
                    result.error_kinds[f"HTTP {status}"] += 1
                    continue
                result.latencies_ms.append(latency_ms)
                result.notes += req.notes
                timing = headers.get("server-timing")
                if timing:
                    result.stages.add(parse_server_timing(timing))
        finally:
            await conn.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.elapsed_s = time.perf_counter() - start
    result.cpu_s = _cpu_seconds() - cpu_start
    return result


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop when installed (less client CPU per request), else the default loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    return loop
