"""Integration fixtures: real servers on 127.0.0.1, started once per session."""

from __future__ import annotations

from tests.integration.gateway_fixtures import gateway  # noqa: F401 - fixture
from tests.integration.triton_fixtures import (  # noqa: F401 - fixtures, found by name
    embedded_triton,
    inprocess_backend,
    triton_backend,
    triton_model_info,
    triton_note_tokenizer,
    triton_server,
)
