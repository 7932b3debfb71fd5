"""Windowing and bucket padding with the repository's real tokenizer."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest
from tokenizers import Tokenizer, normalizers

from service.errors import PayloadTooLarge, UnprocessableContent
from service.inference.repository import ModelInfo
from service.inference.tokenization import NoteTokenizer, Window, effective_buckets

LONG_NOTE = " ".join(
    f"Day {i}: patient ambulating, vitals stable, tolerating diet, plan reviewed with family."
    for i in range(60)
)


def _content(window: Window, tok: NoteTokenizer) -> list[int]:
    ids = window.input_ids[: window.n_tokens].tolist()
    assert ids[0] == tok.cls_id
    assert ids[-1] == tok.sep_id
    return ids[1:-1]


def test_ordinary_words_are_not_unk(note_tokenizer: NoteTokenizer) -> None:
    # The transformers 5.x trap maps every word to [UNK]; tokenizer.json must not.
    unk = note_tokenizer.tokenizer.token_to_id("[UNK]")
    words = "the patient feels much better and the pain is gone"
    encoding = note_tokenizer.tokenizer.encode(words, add_special_tokens=False)
    assert unk not in encoding.ids
    assert encoding.tokens == words.split()  # uncased WordPiece keeps these whole


def test_short_note_is_one_window(note_tokenizer: NoteTokenizer) -> None:
    text = "Pain resolved, in good spirits."
    (window,) = note_tokenizer.windows(text, max_windows=1)
    content = note_tokenizer.content_ids(text).tolist()
    assert _content(window, note_tokenizer) == content
    assert window.n_tokens == len(content) + 2
    assert window.bucket == 32
    assert window.input_ids.dtype == np.int64 and window.attention_mask.dtype == np.int64
    assert window.attention_mask.tolist() == [1] * window.n_tokens + [0] * (32 - window.n_tokens)
    assert set(window.input_ids[window.n_tokens :].tolist()) == {note_tokenizer.pad_id}


def test_case_is_folded(note_tokenizer: NoteTokenizer) -> None:
    upper = note_tokenizer.content_ids("PATIENT STABLE").tolist()
    assert upper == note_tokenizer.content_ids("patient stable").tolist()


def test_long_note_is_split_with_overlap_and_nothing_lost(note_tokenizer: NoteTokenizer) -> None:
    content = note_tokenizer.content_ids(LONG_NOTE).tolist()
    size = note_tokenizer.max_length - 2
    assert len(content) > 5 * size
    windows = note_tokenizer.windows(LONG_NOTE, max_windows=64)
    starts = note_tokenizer.window_starts(len(content))
    assert len(windows) == len(starts) > 5
    covered = np.zeros(len(content), dtype=bool)
    for window, start in zip(windows, starts, strict=True):
        assert window.bucket <= note_tokenizer.max_length
        assert window.n_tokens <= note_tokenizer.max_length
        chunk = _content(window, note_tokenizer)
        assert chunk == content[start : start + len(chunk)]  # in order, contiguous
        covered[start : start + len(chunk)] = True
    assert covered.all()  # every content token is in some window: no truncation
    for before, after in itertools.pairwise(starts):
        assert before + size - after >= note_tokenizer.overlap  # consecutive windows share
    assert starts[-1] + size == len(content)  # the last window ends with the note


@pytest.mark.parametrize("n_content", [1, 125, 126, 127, 220, 221, 222, 1000])
def test_window_arithmetic(note_tokenizer: NoteTokenizer, n_content: int) -> None:
    size = note_tokenizer.content_length
    starts = note_tokenizer.window_starts(n_content)
    assert starts[0] == 0
    assert min(n_content, starts[-1] + size) == n_content
    for before, after in itertools.pairwise(starts):
        assert 0 < after - before <= note_tokenizer.stride
    # No window is wasted: without the last one the note would not be covered.
    if len(starts) > 1:
        assert starts[-2] + size < n_content


def test_buckets_are_capped_at_max_length(model_info: ModelInfo) -> None:
    assert effective_buckets((32, 64, 256), 128) == (32, 64, 128)
    assert effective_buckets((), 128) == (128,)
    tok = NoteTokenizer.from_model_info(model_info, buckets=(16, 48), overlap=0)
    assert tok.buckets == (16, 48, model_info.max_length)
    lengths = [w.bucket for w in tok.windows("word " * 30, max_windows=1)]
    assert lengths == [48]


def test_too_many_windows_is_refused_not_truncated(note_tokenizer: NoteTokenizer) -> None:
    needed = len(note_tokenizer.windows(LONG_NOTE, max_windows=1000))
    with pytest.raises(PayloadTooLarge) as info:
        note_tokenizer.windows(LONG_NOTE, max_windows=needed - 1)
    assert info.value.status_code == 413
    assert "ambulating" not in info.value.detail  # no note text in the message


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_text(note_tokenizer: NoteTokenizer, text: str) -> None:
    with pytest.raises(UnprocessableContent):
        note_tokenizer.windows(text, max_windows=4)


def test_text_without_tokens(note_tokenizer: NoteTokenizer) -> None:
    with pytest.raises(UnprocessableContent, match="no scorable tokens"):
        note_tokenizer.windows("\u200b\u200b", max_windows=4)


def test_encode_batch_matches_windows(note_tokenizer: NoteTokenizer) -> None:
    texts = ["Feeling great today.", LONG_NOTE, "Severe distress overnight."]
    batch = note_tokenizer.encode_batch(texts, max_windows=64)
    for text, got in zip(texts, batch, strict=True):
        want = note_tokenizer.windows(text, max_windows=64)
        assert len(got) == len(want)
        for a, b in zip(got, want, strict=True):
            assert np.array_equal(a.input_ids, b.input_ids)
            assert np.array_equal(a.attention_mask, b.attention_mask)
    with pytest.raises(UnprocessableContent):
        note_tokenizer.encode_batch(["ok", ""], max_windows=4)


def test_overlap_must_leave_a_stride(model_info: ModelInfo) -> None:
    with pytest.raises(ValueError, match="overlap"):
        NoteTokenizer.from_model_info(model_info, buckets=(), overlap=model_info.max_length - 2)


# --- ASCII fast path ----------------------------------------------------------------------

_FAST_PATH_WORDS = (
    "Patient",
    "[CLS]",
    "[cls]",
    "[SEP]",
    "[MASK]",
    "[UNK]",
    "[PAD]",
    "don't",
    "e.g.",
    "3.5mg",
    "##ing",
    "a\x00b",
    "x\x0by\x0cz",
    "\x7f",
    "TAB\tX",
    "CR\rLF\n",
    "CRLF\r\n",
    "café",
    "naïve",
    "hypercholesterolemia",  # several word pieces
    "x" * 100,  # the model's longest word ...
    "y" * 101,  # ... and one past it ([UNK])
)


def _random_text(rng: random.Random) -> str:
    parts: list[str] = []
    for _ in range(rng.randint(0, 14)):
        if rng.random() < 0.3:
            parts.append(rng.choice(_FAST_PATH_WORDS))
        else:
            parts.append("".join(chr(rng.randrange(128)) for _ in range(rng.randint(0, 9))))
    return rng.choice((" ", "", "\t", "\n", "\r", "\r\n")).join(parts)


def test_the_repository_tokenizer_takes_the_fast_path(note_tokenizer: NoteTokenizer) -> None:
    # Otherwise the equivalence test below would compare the full path with itself.
    assert note_tokenizer.has_fast_path


@pytest.mark.parametrize("seed", range(4))
def test_fast_path_ids_equal_the_full_pipeline(note_tokenizer: NoteTokenizer, seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(2500):
        text = _random_text(rng)
        assert note_tokenizer.content_ids(text).tolist() == note_tokenizer.reference_ids(text), (
            repr(text)
        )


@pytest.mark.parametrize(
    "text",
    [
        "Seen today [CLS] with [SEP] in the note",
        "lower [sep] and [mask] spellings",
        "control\x00chars\x1fand\x7fdelete\x0bvt\x0cff",
        "Tabs\tnew\nlines\rcarriage\r\nreturns",
        "Ünïcödé falls back to the full path",
        "",
    ],
)
def test_fast_path_edge_cases(note_tokenizer: NoteTokenizer, text: str) -> None:
    assert note_tokenizer.content_ids(text).tolist() == note_tokenizer.reference_ids(text)


def test_other_normalizers_do_not_take_the_fast_path(note_tokenizer: NoteTokenizer) -> None:
    cased = Tokenizer.from_str(note_tokenizer.tokenizer.to_str())
    cased.normalizer = normalizers.BertNormalizer(lowercase=False)
    tok = NoteTokenizer(cased, max_length=note_tokenizer.max_length, buckets=(32,), overlap=8)
    assert not tok.has_fast_path
    assert tok.content_ids("PATIENT Stable").tolist() == tok.reference_ids("PATIENT Stable")
    assert tok.content_ids("PATIENT").tolist() != note_tokenizer.content_ids("PATIENT").tolist()


def test_masks_are_shared_and_read_only(note_tokenizer: NoteTokenizer) -> None:
    # Windows of equal length share one mask array; nothing may write into it.
    first = note_tokenizer.windows("patient stable", max_windows=4)[0]
    second = note_tokenizer.windows("patient calm", max_windows=4)[0]
    assert first.n_tokens == second.n_tokens
    assert first.attention_mask is second.attention_mask
    with pytest.raises(ValueError):
        first.attention_mask[0] = 0
    assert first.input_ids.flags.writeable
