"""Session fixtures for the real embedded Triton (imported by ``tests/integration/conftest.py``).

One server for the whole session, on free loopback ports, serving the repository's model with
the production ``config.pbtxt``. Tests that stop or reload a server start their own instance.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from service.inference.backends import InProcessBackend, TritonBackend
from service.inference.embedded import EmbeddedTriton
from service.inference.repository import ModelInfo, load_model_info
from service.inference.tokenization import NoteTokenizer

REPOSITORY = Path(__file__).resolve().parents[2] / "model_repository"


@pytest.fixture(scope="session")
def triton_model_info() -> ModelInfo:
    return load_model_info(REPOSITORY)


@pytest.fixture(scope="session")
def triton_server(triton_model_info: ModelInfo) -> Iterator[EmbeddedTriton]:
    """The real ``tritonserver`` from the nvidia-pytriton wheel, ready to serve."""
    server = EmbeddedTriton(REPOSITORY, models=[triton_model_info.name])
    server.start()
    try:
        server.wait_ready(timeout=180)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def embedded_triton(triton_server: EmbeddedTriton) -> EmbeddedTriton:
    """Alias of ``triton_server``."""
    return triton_server


@pytest.fixture(scope="session")
def triton_note_tokenizer(triton_model_info: ModelInfo) -> NoteTokenizer:
    return NoteTokenizer.from_model_info(triton_model_info, buckets=(32, 64, 128), overlap=32)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def triton_backend(
    triton_server: EmbeddedTriton, triton_model_info: ModelInfo
) -> AsyncIterator[TritonBackend]:
    backend = TritonBackend(triton_server.grpc_url, triton_model_info, timeout_s=30.0, retries=2)
    await backend.start()
    yield backend
    await backend.close()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def inprocess_backend(triton_model_info: ModelInfo) -> AsyncIterator[InProcessBackend]:
    backend = InProcessBackend(triton_model_info, threads=1)
    await backend.start()
    yield backend
    await backend.close()
