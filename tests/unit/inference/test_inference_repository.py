"""Model repository loading: the real repository, and broken ones built in tmp."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.inference.repository import ModelInfo, ModelRepositoryError, load_model_info
from tests.unit.inference.conftest import MODEL_DIR, REPOSITORY, MakeRepo


def test_real_repository(model_info: ModelInfo) -> None:
    raw = json.loads((MODEL_DIR / "1" / "model_info.json").read_text(encoding="utf-8"))
    assert model_info.name == "distilbert_sentiment"
    assert model_info.version == "1"
    assert model_info.labels == tuple(raw["id2label"][str(i)] for i in range(len(raw["id2label"])))
    assert model_info.negative_label == raw["negative_label"]
    assert model_info.max_length == raw["max_length"]
    assert model_info.max_batch_size == 64
    assert model_info.max_forward_tokens == 1024
    assert model_info.tokenizer_path.is_file()
    assert model_info.onnx_path.is_file()
    assert model_info.input_names == ("input_ids", "attention_mask")
    assert model_info.output_name == "logits"


def test_named_model_and_version(make_repo: MakeRepo) -> None:
    repo = make_repo(versions=("1", "2", "10"))
    assert load_model_info(repo).version == "10"  # numeric, not lexicographic
    assert load_model_info(repo, "distilbert_sentiment", "2").version == "2"


def test_negative_label_comes_from_the_checkpoint(make_repo: MakeRepo) -> None:
    repo = make_repo(info_overrides={"id2label": {"0": "POS", "1": "NEG"}, "negative_label": "NEG"})
    info = load_model_info(repo)
    assert info.labels == ("POS", "NEG")
    assert info.negative_index == 1


def test_two_models_need_a_name(make_repo: MakeRepo, tmp_path: Path) -> None:
    repo = make_repo(name="a")
    make_repo(name="b", root=repo)
    with pytest.raises(ModelRepositoryError, match="2 models"):
        load_model_info(repo)
    assert load_model_info(repo, "b").name == "b"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"id2label": None}, "id2label"),
        ({"max_length": None}, "max_length"),
        ({"max_length": 2}, "max_length"),
        ({"negative_label": "SAD"}, "negative_label"),
        ({"id2label": {"0": "NEGATIVE", "2": "POSITIVE"}}, "0..n-1"),
        ({"id2label": {"0": "NEGATIVE"}}, "0..n-1"),
        ({"onnx": "missing.onnx"}, "missing.onnx"),
        ({"tokenizer": "vocab.txt"}, "vocab.txt"),
    ],
)
def test_broken_model_info(make_repo: MakeRepo, overrides: dict[str, object], message: str) -> None:
    repo = make_repo(info_overrides=overrides)
    with pytest.raises(ModelRepositoryError, match=message):
        load_model_info(repo)


def test_output_dims_must_match_labels(make_repo: MakeRepo) -> None:
    repo = make_repo(
        info_overrides={"id2label": {"0": "A", "1": "B", "2": "C"}, "negative_label": "A"}
    )
    with pytest.raises(ModelRepositoryError, match=r"dims \[3\]"):
        load_model_info(repo)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda repo: (repo / "distilbert_sentiment" / "1" / "model_info.json").write_text("{"),
            "JSON",
        ),
        (
            lambda repo: (repo / "distilbert_sentiment" / "1" / "model_info.json").unlink(),
            "cannot read",
        ),
        (
            lambda repo: (repo / "distilbert_sentiment" / "config.pbtxt").write_text("nonsense {"),
            "valid model configuration",
        ),
        (
            lambda repo: (repo / "distilbert_sentiment" / "config.pbtxt").write_text(
                'name: "other"'
            ),
            "names 'other'",
        ),
    ],
)
def test_broken_files(make_repo: MakeRepo, mutate: object, message: str) -> None:
    repo = make_repo()
    mutate(repo)  # type: ignore[operator]
    with pytest.raises(ModelRepositoryError, match=message):
        load_model_info(repo)


def test_missing_things(make_repo: MakeRepo, tmp_path: Path) -> None:
    with pytest.raises(ModelRepositoryError, match="does not exist"):
        load_model_info(tmp_path / "nowhere")
    repo = make_repo()
    with pytest.raises(ModelRepositoryError, match="no version '7'"):
        load_model_info(repo, version="7")
    with pytest.raises(ModelRepositoryError, match=r"no config\.pbtxt"):
        load_model_info(repo, "other")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModelRepositoryError, match="0 models"):
        load_model_info(empty)
    (repo / "distilbert_sentiment" / "1").rename(repo / "distilbert_sentiment" / "draft")
    with pytest.raises(ModelRepositoryError, match="no numeric version"):
        load_model_info(repo)


def test_real_repository_path_is_absolute() -> None:
    info = load_model_info(REPOSITORY)
    assert info.onnx_path.is_absolute()
