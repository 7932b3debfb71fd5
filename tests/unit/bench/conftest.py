"""Fixtures for the benchmark's unit tests (no servers)."""

from __future__ import annotations

import pytest

from service.config import Settings
from service.inference.repository import load_model_info
from service.inference.tokenization import NoteTokenizer


@pytest.fixture(scope="module")
def note_tokenizer() -> NoteTokenizer:
    """The gateway's tokenizer, configured from the repository and the default settings."""
    settings = Settings(allow_unauthenticated=True)
    info = load_model_info(settings.model_repository, settings.model_name, settings.model_version)
    return NoteTokenizer.from_model_info(
        info, buckets=settings.buckets, overlap=settings.window_overlap
    )
