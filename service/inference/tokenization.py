"""Turn a note into model windows: tokenize once, split into overlapping windows, pad to buckets.

A note longer than the model's window is never truncated: its content tokens are split into
windows of ``max_length - 2`` tokens (room for ``[CLS]`` and ``[SEP]``), consecutive windows
sharing at least ``overlap`` tokens. The last window is aligned to the end of the note, so it is
full length too (more context, and every window of a long note lands in the same bucket).

Each window is padded to the smallest length bucket that holds it. Triton batches only requests
of equal shape, so a few fixed buckets let its dynamic batcher pack windows of many notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from tokenizers import Tokenizer

from service.errors import PayloadTooLarge, UnprocessableContent
from service.inference.repository import ModelInfo, ModelRepositoryError


@dataclass(frozen=True)
class Window:
    """One model input: token ids and mask padded to a bucket, and its real length."""

    input_ids: NDArray[np.int64]
    attention_mask: NDArray[np.int64]
    #: Real tokens in the window, ``[CLS]`` and ``[SEP]`` included (the rest is padding).
    n_tokens: int

    @property
    def bucket(self) -> int:
        return int(self.input_ids.shape[0])


def effective_buckets(buckets: Sequence[int], max_length: int) -> tuple[int, ...]:
    """Buckets capped at ``max_length``, with ``max_length`` itself as the last bucket."""
    kept = {int(b) for b in buckets if 3 <= int(b) <= max_length}
    kept.add(max_length)
    return tuple(sorted(kept))


def _special_id(tokenizer: Tokenizer, token: str) -> int:
    token_id = tokenizer.token_to_id(token)
    if token_id is None:
        raise ModelRepositoryError(f"the tokenizer has no {token} token")
    return int(token_id)


class NoteTokenizer:
    """Fast WordPiece tokenizer (``tokenizer.json``) plus windowing and bucket padding."""

    def __init__(
        self,
        tokenizer: Tokenizer,
        *,
        max_length: int,
        buckets: Sequence[int],
        overlap: int,
    ) -> None:
        content = max_length - 2
        if not 0 <= overlap < content:
            raise ValueError(f"overlap must be in [0, {content}) for max_length {max_length}")
        tokenizer.no_truncation()
        tokenizer.no_padding()
        self._tokenizer = tokenizer
        self.max_length = max_length
        self.buckets = effective_buckets(buckets, max_length)
        self.overlap = overlap
        self.content_length = content
        self.stride = content - overlap
        self.cls_id = _special_id(tokenizer, "[CLS]")
        self.sep_id = _special_id(tokenizer, "[SEP]")
        self.pad_id = _special_id(tokenizer, "[PAD]")

    @classmethod
    def from_model_info(
        cls, info: ModelInfo, *, buckets: Sequence[int], overlap: int
    ) -> NoteTokenizer:
        """Load ``tokenizer.json`` named by the repository (never a bare ``vocab.txt``)."""
        try:
            tokenizer = Tokenizer.from_file(str(info.tokenizer_path))
        except Exception as exc:  # tokenizers raises a bare Exception on a bad file
            raise ModelRepositoryError(f"cannot load {info.tokenizer_path.name}: {exc}") from exc
        return cls(tokenizer, max_length=info.max_length, buckets=buckets, overlap=overlap)

    @property
    def tokenizer(self) -> Tokenizer:
        return self._tokenizer

    def content_ids(self, text: str) -> NDArray[np.int64]:
        """Token ids of ``text`` without special tokens."""
        return np.asarray(self._tokenizer.encode(text, add_special_tokens=False).ids, np.int64)

    def window_count(self, n_content: int) -> int:
        """How many windows ``n_content`` content tokens need."""
        if n_content <= self.content_length:
            return 1
        return -(-(n_content - self.content_length) // self.stride) + 1

    def window_starts(self, n_content: int) -> list[int]:
        """Start offsets (into the content tokens) of each window; the last is end-aligned."""
        count = self.window_count(n_content)
        starts = [i * self.stride for i in range(count - 1)]
        starts.append(max(0, n_content - self.content_length))
        return starts

    def bucket_for(self, length: int) -> int:
        for bucket in self.buckets:
            if bucket >= length:
                return bucket
        raise ValueError(f"length {length} exceeds max_length {self.max_length}")

    def windows(self, text: str, *, max_windows: int) -> list[Window]:
        """Windows of one note. Raises ``UnprocessableContent`` (no text) or ``PayloadTooLarge``."""
        if not text or not text.strip():
            raise UnprocessableContent("the note has no text to score")
        return self._windows_from_ids(self.content_ids(text), max_windows=max_windows)

    def encode_batch(self, texts: Sequence[str], *, max_windows: int) -> list[list[Window]]:
        """Windows of several notes; tokenizes them in one call (parallel in Rust)."""
        for text in texts:
            if not text or not text.strip():
                raise UnprocessableContent("the note has no text to score")
        encodings = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
        return [
            self._windows_from_ids(np.asarray(e.ids, np.int64), max_windows=max_windows)
            for e in encodings
        ]

    def _windows_from_ids(self, ids: NDArray[np.int64], *, max_windows: int) -> list[Window]:
        n = int(ids.shape[0])
        if n == 0:
            raise UnprocessableContent("the note has no scorable tokens")
        count = self.window_count(n)
        if count > max_windows:
            raise PayloadTooLarge(
                f"the note needs {count} windows of {self.max_length} tokens; "
                f"at most {max_windows} are accepted"
            )
        out: list[Window] = []
        for start in self.window_starts(n):
            chunk = ids[start : start + self.content_length]
            length = int(chunk.shape[0]) + 2
            bucket = self.bucket_for(length)
            input_ids = np.full(bucket, self.pad_id, dtype=np.int64)
            input_ids[0] = self.cls_id
            input_ids[1 : length - 1] = chunk
            input_ids[length - 1] = self.sep_id
            mask = np.zeros(bucket, dtype=np.int64)
            mask[:length] = 1
            out.append(Window(input_ids=input_ids, attention_mask=mask, n_tokens=length))
        return out
