"""Settings: one ``Settings`` object, read from the environment (prefix ``CDS_``).

A few variables are also accepted without the prefix because operators know them by those
names (``PORT``, ``TRITON_URL``, ``INFERENCE_BACKEND``, ``DATABASE_URL``). Nothing is read at
import time: call :func:`get_settings` (cached) or build ``Settings()`` in tests.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The repository root when running from a checkout (``service/`` lives directly below it).
REPO_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str) -> AliasChoices:
    """Accept ``CDS_<NAME>`` and the bare ``<NAME>``."""
    return AliasChoices(f"CDS_{name}", name)


class UnsafeSettingsError(ValueError):
    """Raised when the settings would start an insecure or broken gateway."""


class Settings(BaseSettings):
    """Every knob of the gateway. The README lists each one with its default."""

    model_config = SettingsConfigDict(
        env_prefix="CDS_", extra="ignore", populate_by_name=True, frozen=True
    )

    # --- serving -------------------------------------------------------------------------
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535, validation_alias=_env("PORT"))] = 8080
    workers: Annotated[int, Field(ge=1, le=64)] = 1
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    #: Public base URL of this service, used for the CDS Hooks JWT ``aud`` check and links.
    public_base_url: str = "http://127.0.0.1:8080"
    #: CORS origins for browser CDS clients (comma separated; ``*`` as the spec's examples do).
    cors_origins: str = "*"
    #: Largest accepted request body, bytes (413 above it).
    max_body_bytes: Annotated[int, Field(ge=1024)] = 5 * 1024 * 1024

    # --- inference -----------------------------------------------------------------------
    #: ``triton``: gRPC to Triton (embedded unless ``TRITON_URL`` is set);
    #: ``inprocess``: ONNX Runtime in the gateway (the paper's FastAPI-only baseline);
    #: ``null``: zero-cost fake scores, only for measuring the gateway's own ceiling.
    inference_backend: Annotated[
        Literal["triton", "inprocess", "null"],
        Field(validation_alias=_env("INFERENCE_BACKEND")),
    ] = "triton"
    #: ``host:port`` of an external Triton gRPC endpoint. Unset: start the embedded Triton.
    triton_url: Annotated[str | None, Field(validation_alias=_env("TRITON_URL"))] = None
    #: Triton model repository (the gateway reads name, version, labels and window from it).
    model_repository: Path = REPO_ROOT / "model_repository"
    #: Model to serve; unset means the only model in the repository.
    model_name: str | None = None
    #: Model version to call; unset means the highest version in the repository.
    model_version: str | None = None
    #: Deadline of one Triton call, seconds.
    triton_timeout_s: Annotated[float, Field(gt=0)] = 10.0
    #: Retries of a Triton call that failed with UNAVAILABLE (bounded, with backoff).
    triton_retries: Annotated[int, Field(ge=0, le=5)] = 2
    #: Embedded Triton ports (bound to 127.0.0.1 only); 0 picks a free port.
    triton_grpc_port: Annotated[int, Field(ge=0, le=65535)] = 8001
    triton_http_port: Annotated[int, Field(ge=0, le=65535)] = 8000
    triton_metrics_port: Annotated[int, Field(ge=0, le=65535)] = 8002
    #: Seconds to wait for the embedded Triton's model to become ready.
    triton_startup_timeout_s: Annotated[float, Field(gt=0)] = 120.0
    #: Threads for the in-process ONNX Runtime backend.
    inprocess_threads: Annotated[int, Field(ge=1, le=64)] = 2
    #: Token padding buckets; each window is padded to the smallest bucket that fits it.
    length_buckets: str = "32,64,128,256"
    #: Tokens shared by consecutive windows of a long note.
    window_overlap: Annotated[int, Field(ge=0, le=256)] = 64
    #: Largest number of windows accepted for one note (413 above it; never truncated).
    max_windows_per_note: Annotated[int, Field(ge=1)] = 64
    #: Validate every outgoing RiskAssessment against the R4B model (a development aid: the
    #: shape is checked once per model at startup and by the tests; ~0.3 ms per resource).
    validate_output: bool = False

    # --- outbound FHIR -----------------------------------------------------------------
    fhir_timeout_s: Annotated[float, Field(gt=0)] = 10.0

    # --- audit ---------------------------------------------------------------------------
    database_url: Annotated[str, Field(validation_alias=_env("DATABASE_URL"))] = (
        "sqlite:///./cds_audit.db"
    )
    #: Secret for keyed hashes (patient ids in audit rows) and de-identification surrogates.
    #: Required unless unauthenticated dev mode is on (then a random per-process key is used).
    secret_key: SecretStr | None = None

    # --- security ------------------------------------------------------------------------
    #: Dev only: serve without authentication. Refused unless set explicitly.
    allow_unauthenticated: bool = False
    #: JSON object (inline or a path to a file): CDS Hooks issuer -> JWKS (https URL or file).
    trusted_issuers: str | None = None
    #: JSON object (inline or a path to a file): SMART authorization server -> JWKS.
    smart_issuers: str | None = None
    #: Requests per minute per caller (429 with Retry-After above it); 0 disables.
    rate_limit_per_minute: Annotated[int, Field(ge=0)] = 1200

    # --- de-identification --------------------------------------------------------------
    #: Per-category operator overrides, e.g. ``NAME=redact,DATE=shift`` (see service.deid).
    deid_operators: str = ""

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> Settings:
        auth_configured = bool(self.trusted_issuers or self.smart_issuers)
        if not auth_configured and not self.allow_unauthenticated:
            raise UnsafeSettingsError(
                "authentication is not configured: set CDS_TRUSTED_ISSUERS / CDS_SMART_ISSUERS, "
                "or CDS_ALLOW_UNAUTHENTICATED=true for a local demo"
            )
        if self.secret_key is None and not self.allow_unauthenticated:
            raise UnsafeSettingsError("CDS_SECRET_KEY is required when authentication is on")
        if self.secret_key is not None and len(self.secret_key.get_secret_value()) < 16:
            raise UnsafeSettingsError("CDS_SECRET_KEY must be at least 16 characters")
        return self

    @property
    def auth_enabled(self) -> bool:
        """Tokens are required once any issuer is configured, whatever else is set."""
        return bool(self.trusted_issuers or self.smart_issuers)

    @property
    def buckets(self) -> tuple[int, ...]:
        return tuple(sorted({int(b) for b in self.length_buckets.split(",") if b.strip()}))

    @property
    def secret(self) -> bytes:
        """Key for keyed hashes; per-process random in unauthenticated dev mode."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value().encode()
        return _dev_secret()


@lru_cache(maxsize=1)
def _dev_secret() -> bytes:
    return secrets.token_bytes(32)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return Settings()
