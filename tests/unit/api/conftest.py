"""An in-process gateway (null inference backend, SQLite audit) for the API unit tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from service.config import Settings
from service.main import create_app

SECRET = "api-unit-test-secret-0123456789abcdef"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "audit.db"


@pytest.fixture
def make_settings(monkeypatch: pytest.MonkeyPatch, db_path: Path) -> Callable[..., Settings]:
    def build(**overrides: Any) -> Settings:
        for name, value in {
            "CDS_ALLOW_UNAUTHENTICATED": "true",
            "CDS_SECRET_KEY": SECRET,
            "CDS_RATE_LIMIT_PER_MINUTE": "0",
            "INFERENCE_BACKEND": "null",
            "DATABASE_URL": f"sqlite:///{db_path}",
        }.items():
            monkeypatch.setenv(name, value)
        for name in ("TRITON_URL", "CDS_TRITON_URL", "PROMETHEUS_MULTIPROC_DIR"):
            monkeypatch.delenv(name, raising=False)
        return Settings(**overrides)

    return build


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan (startup, then shutdown with the audit flush) around a client."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
            yield c


@pytest.fixture
def make_app(make_settings: Callable[..., Settings]) -> Callable[..., FastAPI]:
    def build(**overrides: Any) -> FastAPI:
        return create_app(make_settings(**overrides))

    return build
