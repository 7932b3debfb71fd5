"""Fixtures for the inference unit tests: the repository's real model files, and tmp repos."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from service.inference.repository import ModelInfo, load_model_info
from service.inference.tokenization import NoteTokenizer

ROOT = Path(__file__).resolve().parents[3]
REPOSITORY = ROOT / "model_repository"
MODEL_DIR = REPOSITORY / "distilbert_sentiment"


@pytest.fixture(scope="session")
def model_info() -> ModelInfo:
    return load_model_info(REPOSITORY)


@pytest.fixture(scope="session")
def note_tokenizer(model_info: ModelInfo) -> NoteTokenizer:
    return NoteTokenizer.from_model_info(model_info, buckets=(32, 64, 128, 256), overlap=32)


MakeRepo = Callable[..., Path]


@pytest.fixture
def make_repo(tmp_path: Path) -> MakeRepo:
    """Build a small model repository in tmp (real config.pbtxt and tokenizer, dummy ONNX)."""

    def build(
        *,
        name: str = "distilbert_sentiment",
        versions: tuple[str, ...] = ("1",),
        info_overrides: dict[str, Any] | None = None,
        config_text: str | None = None,
        root: Path | None = None,
    ) -> Path:
        repo = root or tmp_path / "repo"
        model_dir = repo / name
        model_dir.mkdir(parents=True, exist_ok=True)
        config = config_text or (MODEL_DIR / "config.pbtxt").read_text(encoding="utf-8")
        (model_dir / "config.pbtxt").write_text(
            config.replace('name: "distilbert_sentiment"', f'name: "{name}"'), encoding="utf-8"
        )
        for version in versions:
            vdir = model_dir / version
            vdir.mkdir()
            shutil.copyfile(MODEL_DIR / "1" / "tokenizer.json", vdir / "tokenizer.json")
            (vdir / "model.onnx").write_bytes(b"not a real model")
            info = json.loads((MODEL_DIR / "1" / "model_info.json").read_text(encoding="utf-8"))
            info.update({"name": name, "version": version})
            for key, value in (info_overrides or {}).items():
                if value is None:
                    info.pop(key, None)
                else:
                    info[key] = value
            (vdir / "model_info.json").write_text(json.dumps(info), encoding="utf-8")
        return repo

    return build
