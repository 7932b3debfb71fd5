"""``cds-service model import`` on tiny checkpoints built by the test (offline)."""

from __future__ import annotations

import fnmatch
import hashlib
import json
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("onnx")
pytest.importorskip("tritonclient.grpc")  # config.pbtxt is parsed with Triton's own schema

import onnxruntime as ort
import torch
from tokenizers import Tokenizer

from service.training.export import TRITON_MODEL_PY
from service.training.importer import (
    VERSION_FILES,
    ModelImportError,
    check_version_against_config,
    import_checkpoint,
    main,
    read_triton_config,
)

pytestmark = pytest.mark.usefixtures("torch_threads")

MODEL = "distilbert_sentiment"
#: Different lengths (one longer than the 16-token export dummy), so padding and the dynamic
#: batch/sequence axes are both exercised.
TEXTS = [
    "The patient is comfortable, pain resolved, in good spirits.",
    "Deteriorating overnight: severe distress, family very worried, not seen today by the team.",
    "Seen today.",
]
ORDINARY_WORDS = ["patient", "pain", "resolved", "spirits"]


def encode(tokenizer_file: Path, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    tok = Tokenizer.from_file(str(tokenizer_file))
    rows = [e.ids for e in tok.encode_batch(texts)]
    ids = np.zeros((len(rows), max(map(len, rows))), dtype=np.int64)
    mask = np.zeros_like(ids)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = row
        mask[i, : len(row)] = 1
    return ids, mask


def ort_logits(onnx_file: Path, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    sess = ort.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"])
    return np.asarray(sess.run(["logits"], {"input_ids": ids, "attention_mask": mask})[0])


def torch_logits(model: Any, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        out = model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask))
    return np.asarray(out.logits.numpy())


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def imported_distilbert(
    tmp_path_factory: pytest.TempPathFactory, helpers: SimpleNamespace, torch_threads: None
) -> SimpleNamespace:
    """A tiny DistilBERT whose id2label is reversed (0 = POSITIVE), imported once."""
    root = tmp_path_factory.mktemp("distil")
    repo = helpers.new_repository(root)
    model = helpers.build_distilbert(root / "ckpt", id2label={0: "POSITIVE", 1: "NEGATIVE"})
    result = import_checkpoint(str(root / "ckpt"), repo)
    return SimpleNamespace(root=root, repo=repo, model=model, result=result)


def test_distilbert_import_is_a_complete_version(imported_distilbert: SimpleNamespace) -> None:
    result, repo = imported_distilbert.result, imported_distilbert.repo
    assert result.version == "2"
    assert result.path == repo / MODEL / "2"
    assert sorted(p.name for p in result.path.iterdir()) == sorted(VERSION_FILES)
    # Nothing half-written is left beside the versions.
    assert sorted(p.name for p in (repo / MODEL).iterdir()) == ["1", "2", "config.pbtxt"]
    assert (result.path / "model.py").read_bytes() == TRITON_MODEL_PY.read_bytes()
    info = json.loads((result.path / "model_info.json").read_text())
    assert info["id2label"] == {"0": "POSITIVE", "1": "NEGATIVE"}
    assert info["negative_label"] == "NEGATIVE" == result.negative_label
    assert info["architecture"] == "DistilBertForSequenceClassification"
    # window = min(128, max_position_embeddings) and the tiny model has 64 positions.
    assert info["max_length"] == 64 == result.window
    assert info["quantization"] == "none"
    assert info["provenance"]["imported_with"] == "cds-service model import"
    assert info["provenance"]["source"] == "ckpt"  # the folder's name, not this machine's path
    assert list(info["provenance"]["weights_sha256"]) == ["model.safetensors"]
    check_version_against_config(result.path, read_triton_config(repo / MODEL / "config.pbtxt"))


def test_distilbert_import_serves_the_checkpoint_logits(
    imported_distilbert: SimpleNamespace,
) -> None:
    version = imported_distilbert.result.path
    ids, mask = encode(version / "tokenizer.json", TEXTS)
    assert ids.shape[1] > 16 and mask.sum(1).min() < ids.shape[1]  # longer than dummy, padded
    expected = torch_logits(imported_distilbert.model, ids, mask)
    got = ort_logits(version / "model.onnx", ids, mask)
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=0)
    # The served tokenizer is the checkpoint's.
    assert Tokenizer.from_file(str(version / "tokenizer.json")).encode(TEXTS[0]).ids == (
        Tokenizer.from_file(str(imported_distilbert.root / "ckpt" / "tokenizer.json"))
        .encode(TEXTS[0])
        .ids
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("output_name", "probabilities", "ONNX outputs"),
        ("output_dims", "[ 3 ]", "declares 'logits' with 3"),
        ("input_type", "TYPE_INT32", "TYPE_INT32"),
        ("input_name", "token_ids", "ONNX inputs"),
    ],
)
def test_version_is_checked_against_model_config(
    imported_distilbert: SimpleNamespace, tmp_path: Path, field: str, value: str, message: str
) -> None:
    text = (imported_distilbert.repo / MODEL / "config.pbtxt").read_text()
    edits = {
        "output_name": ('name: "logits"', f'name: "{value}"'),
        "output_dims": ("dims: [ 2 ]", f"dims: {value}"),
        "input_type": ("data_type: TYPE_INT64", f"data_type: {value}"),
        "input_name": ('name: "input_ids"', f'name: "{value}"'),
    }
    old, new = edits[field]
    assert old in text
    (tmp_path / "config.pbtxt").write_text(text.replace(old, new, 1))
    config = read_triton_config(tmp_path / "config.pbtxt")
    with pytest.raises(ModelImportError, match=message):
        check_version_against_config(imported_distilbert.result.path, config)


def test_import_again_takes_next_version_and_never_overwrites(
    imported_distilbert: SimpleNamespace, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = imported_distilbert.repo
    ckpt = imported_distilbert.root / "ckpt"
    before = digest(repo / MODEL / "2")
    for taken in ("1", "2", "02"):
        with pytest.raises(ModelImportError, match="never overwritten"):
            import_checkpoint(str(ckpt), repo, version=taken)
    with pytest.raises(ModelImportError, match="positive integer"):
        import_checkpoint(str(ckpt), repo, version="v3")
    assert digest(repo / MODEL / "2") == before

    assert main(["import", str(ckpt), "--repository", str(repo)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["version"] == "3" and printed["negative_label"] == "NEGATIVE"
    assert sorted(p.name for p in (repo / MODEL / "3").iterdir()) == sorted(VERSION_FILES)
    assert digest(repo / MODEL / "2") == before


def test_bert_with_only_vocab_txt_is_exported_as_bert(
    tmp_path: Path, helpers: SimpleNamespace
) -> None:
    repo = helpers.new_repository(tmp_path)
    ckpt = tmp_path / "bert"
    model = helpers.build_bert(ckpt, id2label={0: "neg", 1: "pos"}, with_tokenizer_json=False)
    assert not (ckpt / "tokenizer.json").exists()

    result = import_checkpoint(str(ckpt), repo, model_name=MODEL)

    assert result.version == "2"
    assert result.architecture == "BertForSequenceClassification"
    assert result.negative_label == "neg"
    assert result.window == 128  # min(128, 512 positions)
    tok = Tokenizer.from_file(str(result.path / "tokenizer.json"))
    for word in ORDINARY_WORDS:
        assert "[UNK]" not in tok.encode(word).tokens, word
    assert tok.encode("Patient").tokens == ["[CLS]", "patient", "[SEP]"]  # do_lower_case
    sess = ort.InferenceSession(str(result.path / "model.onnx"), providers=["CPUExecutionProvider"])
    assert [i.name for i in sess.get_inputs()] == ["input_ids", "attention_mask"]
    ids, mask = encode(result.path / "tokenizer.json", TEXTS)
    np.testing.assert_allclose(
        ort_logits(result.path / "model.onnx", ids, mask),
        torch_logits(model, ids, mask),
        atol=1e-5,
        rtol=0,
    )


def test_generic_labels_need_an_explicit_negative_label(
    tmp_path: Path, helpers: SimpleNamespace
) -> None:
    repo = helpers.new_repository(tmp_path)
    ckpt = tmp_path / "generic"
    helpers.build_distilbert(ckpt, id2label={0: "LABEL_0", 1: "LABEL_1"})
    with pytest.raises(ModelImportError, match="--negative-label"):
        import_checkpoint(str(ckpt), repo)
    with pytest.raises(ModelImportError, match="not a label of the checkpoint"):
        import_checkpoint(str(ckpt), repo, negative_label="NEGATIVE")
    assert not (repo / MODEL / "2").exists()

    result = import_checkpoint(str(ckpt), repo, negative_label="LABEL_1")
    assert result.negative_label == "LABEL_1"
    info = json.loads((result.path / "model_info.json").read_text())
    assert info["negative_label"] == "LABEL_1"


def test_hub_id_without_network_is_refused_clearly(
    tmp_path: Path, helpers: SimpleNamespace, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = helpers.new_repository(tmp_path)
    hub_id = "distilbert-base-uncased-finetuned-sst-2-english"
    with pytest.raises(ModelImportError, match="no model hub is reachable"):
        import_checkpoint(hub_id, repo)
    assert main(["import", hub_id, "--repository", str(repo)]) == 2
    assert "--allow-network" in capsys.readouterr().err
    with pytest.raises(ModelImportError, match="not a checkpoint directory"):
        import_checkpoint(str(tmp_path / "no-such-dir"), repo)
    assert sorted(p.name for p in (repo / MODEL).iterdir()) == ["1", "config.pbtxt"]


def test_label_count_must_match_the_config(tmp_path: Path, helpers: SimpleNamespace) -> None:
    repo = helpers.new_repository(tmp_path)
    ckpt = tmp_path / "three"
    helpers.build_distilbert(ckpt, id2label={0: "negative", 1: "neutral", 2: "positive"})
    with pytest.raises(ModelImportError, match="3 labels"):
        import_checkpoint(str(ckpt), repo)


def test_alternative_configs_are_checked_too(tmp_path: Path, helpers: SimpleNamespace) -> None:
    repo = helpers.new_repository(tmp_path)
    configs = repo / MODEL / "configs"
    configs.mkdir()
    text = (repo / MODEL / "config.pbtxt").read_text().replace("dims: [ 2 ]", "dims: [ 3 ]")
    (configs / "gpu.pbtxt").write_text(text)
    ckpt = tmp_path / "ckpt"
    helpers.build_distilbert(ckpt, id2label={0: "NEGATIVE", 1: "POSITIVE"})
    with pytest.raises(ModelImportError, match=r"gpu\.pbtxt"):
        import_checkpoint(str(ckpt), repo)


def test_checkpoint_without_trained_head_is_refused(
    tmp_path: Path, helpers: SimpleNamespace
) -> None:
    from transformers import DistilBertConfig, DistilBertForMaskedLM

    repo = helpers.new_repository(tmp_path)
    ckpt = tmp_path / "mlm"
    config = DistilBertConfig(
        vocab_size=len(helpers.tiny_vocab()), dim=32, n_layers=1, n_heads=2, hidden_dim=64
    )
    DistilBertForMaskedLM(config).save_pretrained(ckpt)
    (ckpt / "vocab.txt").write_text("\n".join(helpers.tiny_vocab()) + "\n")
    with pytest.raises(ModelImportError, match="not a sequence-classification model"):
        import_checkpoint(str(ckpt), repo, negative_label="LABEL_0")

    # A config that claims a classifier does not help: the head weights are not there.
    cfg = json.loads((ckpt / "config.json").read_text())
    cfg["architectures"] = ["DistilBertForSequenceClassification"]
    (ckpt / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ModelImportError, match="lacks trained weights"):
        import_checkpoint(str(ckpt), repo, negative_label="LABEL_0")
    assert not (repo / MODEL / "2").exists()


def test_tokenizer_that_lost_its_vocabulary_is_refused(
    tmp_path: Path, helpers: SimpleNamespace
) -> None:
    from tokenizers.implementations.bert_wordpiece import BertWordPieceTokenizer

    repo = helpers.new_repository(tmp_path)
    ckpt = tmp_path / "ckpt"
    helpers.build_distilbert(ckpt, id2label={0: "NEGATIVE", 1: "POSITIVE"})
    # What transformers 5.x's DistilBertTokenizerFast(vocab_file=...) amounts to: a WordPiece
    # model that knows only the special tokens, so every word becomes [UNK].
    (tmp_path / "specials.txt").write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n")
    BertWordPieceTokenizer(str(tmp_path / "specials.txt")).save(str(ckpt / "tokenizer.json"))
    with pytest.raises(ModelImportError, match=r"\[UNK\]"):
        import_checkpoint(str(ckpt), repo)
    assert not (repo / MODEL / "2").exists()


def test_hub_id_with_network_allowed_downloads_only_checkpoint_files(
    tmp_path: Path, helpers: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub

    repo = helpers.new_repository(tmp_path)
    published = tmp_path / "published"
    helpers.build_distilbert(published, id2label={0: "NEGATIVE", 1: "POSITIVE"})
    calls: list[dict[str, Any]] = []

    def fake_snapshot_download(*, repo_id: str, allow_patterns: list[str], local_dir: str) -> str:
        # Stands in for the hub (no network here): serves the files the import asks for.
        calls.append({"repo_id": repo_id, "allow_patterns": allow_patterns})
        Path(local_dir).mkdir(parents=True)
        for f in published.iterdir():
            if any(fnmatch.fnmatch(f.name, pattern) for pattern in allow_patterns):
                shutil.copyfile(f, Path(local_dir) / f.name)
        return local_dir

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_snapshot_download)
    result = import_checkpoint("someone/tiny-sst2", repo, allow_network=True)
    assert calls and calls[0]["repo_id"] == "someone/tiny-sst2"
    patterns = calls[0]["allow_patterns"]
    for wanted in ("model.safetensors", "config.json", "vocab.txt", "tokenizer.json"):
        assert any(fnmatch.fnmatch(wanted, p) for p in patterns), wanted
    assert not any(fnmatch.fnmatch("tf_model.h5", p) for p in patterns)
    downloaded = result.info["provenance"]["weights_sha256"]
    assert list(downloaded) == ["model.safetensors"]
    assert result.version == "2" and result.negative_label == "NEGATIVE"
    assert result.info["provenance"]["source"] == "someone/tiny-sst2"
    assert result.info["provenance"]["obtained_from"] == "hugging face hub"
