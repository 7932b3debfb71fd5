"""``export_checkpoint``: ONNX Runtime must agree with PyTorch; INT8 obeys the 0.5-point rule."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("onnx")

import onnx
import torch
from tokenizers import Tokenizer

from service.training import export
from service.training.export import MAX_QUANT_DROP, export_checkpoint, onnx_logits

pytestmark = pytest.mark.usefixtures("torch_threads")

MODEL = "distilbert_sentiment"
SENTENCES = [
    ("the patient is comfortable , pain resolved , in good spirits", 1),
    ("deteriorating overnight , severe distress , family very worried", 0),
    ("seen today and in good spirits", 1),
    ("not comfortable , severe pain", 0),
    ("family is very worried", 0),
    ("pain less today , resolved", 1),
]


def _padded(tokenizer_file: Path, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    rows = [e.ids for e in Tokenizer.from_file(str(tokenizer_file)).encode_batch(texts)]
    ids = np.zeros((len(rows), max(map(len, rows))), dtype=np.int64)
    mask = np.zeros_like(ids)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = row
        mask[i, : len(row)] = 1
    return ids, mask


def _torch_logits(model: Any, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return np.asarray(
            model(
                input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)
            ).logits.numpy()
        )


def test_onnx_matches_pytorch_for_a_tiny_model(tmp_path: Path, helpers: SimpleNamespace) -> None:
    ckpt = tmp_path / "ckpt"
    model = helpers.build_distilbert(ckpt, id2label={0: "NEGATIVE", 1: "POSITIVE"})
    info = export_checkpoint(
        ckpt, tmp_path / "repo", model_name=MODEL, version="5", dev_tsv=None, quantize_int8=False
    )
    assert info["metrics"]["onnx_vs_torch_max_abs_logit_diff"] <= 1e-4
    onnx_file = tmp_path / "repo" / MODEL / "5" / "model.onnx"
    # Shapes other than the export's dummy (2 x 16): batch 5, longer sequences, padding.
    texts = [t for t, _ in SENTENCES[:5]]
    texts[0] = " ".join([texts[0]] * 3)
    ids, mask = _padded(ckpt / "tokenizer.json", texts)
    assert ids.shape[1] > 16
    np.testing.assert_allclose(
        onnx_logits(onnx_file, ids, mask), _torch_logits(model, ids, mask), atol=1e-5, rtol=0
    )


def test_export_refuses_when_onnx_disagrees(
    tmp_path: Path, helpers: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ckpt = tmp_path / "ckpt"
    helpers.build_distilbert(ckpt, id2label={0: "NEGATIVE", 1: "POSITIVE"})
    real = export.onnx_logits

    def drifting(path: Path, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return real(path, ids, mask) + 0.01  # a broken export, off by more than the tolerance

    monkeypatch.setattr(export, "onnx_logits", drifting)
    with pytest.raises(RuntimeError, match="disagrees with PyTorch"):
        export_checkpoint(
            ckpt,
            tmp_path / "repo",
            model_name=MODEL,
            version="1",
            dev_tsv=None,
            quantize_int8=False,
        )
    assert not (tmp_path / "out" / MODEL / "1").exists()


def test_int8_is_kept_only_within_the_accuracy_budget(
    tmp_path: Path, helpers: SimpleNamespace
) -> None:
    ckpt = tmp_path / "ckpt"
    helpers.build_distilbert(ckpt, id2label={0: "NEGATIVE", 1: "POSITIVE"})
    dev = tmp_path / "dev.tsv"
    dev.write_text("label\tsentence\n" + "".join(f"{y}\t{t}\n" for t, y in SENTENCES))
    info = export_checkpoint(
        ckpt, tmp_path / "repo", model_name=MODEL, version="1", dev_tsv=dev, quantize_int8=True
    )
    metrics = info["metrics"]
    drop = 100 * (metrics["sst2_dev_accuracy_fp32"] - metrics["sst2_dev_accuracy_int8"])
    assert metrics["int8_drop_points"] == pytest.approx(drop, abs=1e-3)
    kept = drop <= MAX_QUANT_DROP
    assert info["quantization"] == ("dynamic-int8" if kept else "none")
    served = "sst2_dev_accuracy_int8" if kept else "sst2_dev_accuracy_fp32"
    assert metrics["sst2_dev_accuracy"] == metrics[served]
    # The file on disk is what model_info says it is.
    graph = onnx.load(str(tmp_path / "repo" / MODEL / "1" / "model.onnx")).graph
    quantized_ops = {n.op_type for n in graph.node} & {"DynamicQuantizeLinear", "MatMulInteger"}
    assert bool(quantized_ops) == kept
    written = json.loads((tmp_path / "repo" / MODEL / "1" / "model_info.json").read_text())
    assert written == info
