"""The ASGI application: ``create_app()`` and its lifespan.

The lifespan opens what a process shares — the inference backend (one gRPC channel to
Triton), the audit database, the outbound HTTP client — and closes them on shutdown. No work
happens at import time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import MappingProxyType

import httpx
from fastapi import APIRouter, FastAPI
from fastapi.datastructures import Default
from fastapi.responses import JSONResponse
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import BaseRoute

from service import __version__
from service.api import cds_hooks, deidentify, fhir, health
from service.api.auth import Authenticator
from service.api.errors import install_error_handlers
from service.api.middleware import AuditMiddleware
from service.audit import AuditStore
from service.config import Settings, get_settings
from service.deid import parse_operator_config
from service.deid import prepare as prepare_deid
from service.inference.backends import create_backend
from service.inference.repository import load_model_info
from service.inference.tokenization import NoteTokenizer
from service.interop.risk import ModelRef, check_risk_assessment_shape
from service.pipeline import Engine
from service.security.bodylimit import BodySizeLimitMiddleware

log = logging.getLogger("service")


async def _build_engine(
    settings: Settings, *, audit: AuditStore, http: httpx.AsyncClient
) -> Engine:
    """Model metadata, tokenizer and backend as the repository describes them now."""
    info = load_model_info(settings.model_repository, settings.model_name, settings.model_version)
    tokenizer = NoteTokenizer.from_model_info(
        info, buckets=settings.buckets, overlap=settings.window_overlap
    )
    # The RiskAssessment shape is validated once per model here rather than per response.
    check_risk_assessment_shape(ModelRef(name=info.name, version=info.version))
    backend = create_backend(settings, info, triton_url=settings.triton_url)
    await backend.start()
    return Engine(
        settings=settings,
        backend=backend,
        tokenizer=tokenizer,
        info=info,
        audit=audit,
        http=http,
        operators=MappingProxyType(parse_operator_config(settings.deid_operators)),
    )


async def _close_later(engine: Engine, *, delay: float) -> None:
    await asyncio.sleep(delay)
    await engine.backend.close()


def _add_routes(app: FastAPI, *routers: APIRouter) -> None:
    """The routers' routes on the app's own router, ahead of the documentation routes.

    Why not ``include_router``: FastAPI keeps an included router as one more level of matching
    that every request walks (its candidates, scope bookkeeping, then the routes), which
    cost about 15 µs of CPU per single-note ``$assess`` (measured with de-identification and
    audit stubbed out, 318 against 334 µs) and more for routers further down the list. Our
    routers already hold their routes with prefix and tags applied, and carry nothing that
    ``include_router`` would add (no dependencies, callbacks or include-time options), so the
    routes themselves are the same; a router that does carry such options is included.
    """
    flat: list[BaseRoute] = []
    for router in routers:
        if _adds_to_its_routes(router):
            app.include_router(router)
        else:
            flat.extend(router.routes)
    # The documentation routes FastAPI added at construction go after them (rarely asked for).
    app.router.routes[:0] = flat


def _adds_to_its_routes(router: APIRouter) -> bool:
    """Whether ``include_router`` would give ``router``'s routes something they lack."""
    return bool(
        router.dependencies
        or router.callbacks
        or router.on_startup
        or router.on_shutdown
        or router.default_response_class != Default(JSONResponse)
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the gateway. ``settings`` defaults to the environment's."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        audit = AuditStore(settings.database_url, secret=settings.secret)
        audit.create_all()
        # trust_env=False: a proxy from the environment must never see EHR tokens.
        http = httpx.AsyncClient(
            timeout=settings.fhir_timeout_s, follow_redirects=False, trust_env=False
        )
        app.state.engine = await _build_engine(settings, audit=audit, http=http)
        app.state.auth = Authenticator(settings, replay_cache=audit, http=http)
        # the de-identifier's word lists load in a worker thread, not on the first request
        await asyncio.to_thread(prepare_deid)
        retired: set[asyncio.Task[None]] = set()

        async def reload_model() -> None:
            """Re-read the repository and switch to its model version without downtime."""
            old: Engine = app.state.engine
            try:
                app.state.engine = await _build_engine(settings, audit=audit, http=http)
            except Exception as exc:  # keep serving the old version; say why
                log.error(
                    "model reload failed, still serving version %s: %s", old.info.version, exc
                )
                return
            log.info(
                "model reloaded: %s version %s -> %s",
                old.info.name,
                old.info.version,
                app.state.engine.info.version,
            )
            # In-flight requests still hold the old engine: close its backend only after
            # every call it could still be serving has hit its deadline.
            task = asyncio.create_task(_close_later(old, delay=settings.triton_timeout_s * 3))
            retired.add(task)
            task.add_done_callback(retired.discard)

        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signal.SIGHUP, lambda: loop.create_task(reload_model()))
        app.state.reload_model = reload_model
        if not settings.auth_enabled:
            log.warning("authentication is OFF (CDS_ALLOW_UNAUTHENTICATED=true): local demo only")
        info = app.state.engine.info
        log.info(
            "gateway ready: model %s version %s, backend %s",
            info.name,
            info.version,
            settings.inference_backend,
        )
        try:
            yield
        finally:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(signal.SIGHUP)
            for task in list(retired):
                task.cancel()
            await app.state.auth.aclose()
            await app.state.engine.backend.close()
            await http.aclose()
            audit.close()

    app = FastAPI(
        title="cds-sentiment",
        version=__version__,
        summary="CDS Hooks and FHIR in, RiskAssessment out; DistilBERT sentiment on Triton",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    # Hot routes first: the router tries each in turn (the paths are disjoint, so the order
    # changes nothing else), and every probe of a route costs each request a microsecond or so.
    _add_routes(app, fhir.router, cds_hooks.router, deidentify.router, health.router)
    # Order: CORS outermost (preflights never hit auth), then the body limit, then auditing.
    app.add_middleware(AuditMiddleware)
    app.add_middleware(BodySizeLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=[o.strip() for o in settings.cors_origins.split(",") if o.strip()],
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Content-Type", "Authorization"],
        expose_headers=["Server-Timing", "Retry-After"],
    )
    return app
