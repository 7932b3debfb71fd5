"""Turn a note into model windows: tokenize once, split into overlapping windows, pad to buckets.

A note longer than the model's window is never truncated: its content tokens are split into
windows of ``max_length - 2`` tokens (room for ``[CLS]`` and ``[SEP]``), consecutive windows
sharing at least ``overlap`` tokens. The last window is aligned to the end of the note, so it is
full length too (more context, and every window of a long note lands in the same bucket).

Each window is padded to the smallest length bucket that holds it. Triton batches only requests
of equal shape, so a few fixed buckets let its dynamic batcher pack windows of many notes.

ASCII fast path: with the usual uncased BERT normalizer (clean text, lowercase), normalizing
ASCII text is "drop control characters, turn tab/CR/LF into spaces, lowercase", and BERT's
pre-tokenizer is "split at spaces, isolate punctuation"; Python's string methods and one regex
do both far faster than the Rust pipeline (which also tracks character alignments we never
use), and most words are then one vocabulary lookup. The token ids are the same (a unit test
compares both paths on random ASCII text). Text that is not ASCII, or that contains a special
token's spelling, takes the full path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
from numpy.typing import NDArray
from tokenizers import Tokenizer, normalizers

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


#: ASCII characters BertNormalizer(clean_text=True) drops: control characters (Unicode Cc)
#: other than tab, LF and CR. Those three become spaces.
_ASCII_DROPPED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ASCII_SPACED = str.maketrans("\t\n\r", "   ")
#: BertPreTokenizer on normalized ASCII text: split at spaces (the only whitespace left) and
#: isolate every ASCII punctuation character (``!`` to ``/``, ``:`` to ``@``, ``[`` to
#: backtick, ``{`` to ``~``).
_ASCII_WORDS = re.compile(r"[^ !-/:-@\[-`{-~]+|[!-/:-@\[-`{-~]")


class _AsciiFastPath:
    """Uncased BERT tokenization of ASCII text with the normalizer's work done in Python.

    With a WordPiece model behind a BertPreTokenizer, the words are split here too and each
    word found whole in the vocabulary is mapped by a dict lookup (WordPiece tries the whole
    word first, so that is its answer); other words go to the model's own WordPiece. Nothing
    is cached beyond the vocabulary. Otherwise the text goes through a copy of the tokenizer
    without its normalizer.
    """

    def __init__(
        self,
        tokenizer: Tokenizer,
        added: Sequence[str],
        vocab: dict[str, int] | None,
    ) -> None:
        self._tokenizer = tokenizer
        self._model = tokenizer.model
        self._added = tuple(added)
        self._added_lower = tuple(t.lower() for t in added)
        self._vocab = vocab

    @classmethod
    def for_tokenizer(cls, tokenizer: Tokenizer) -> _AsciiFastPath | None:
        """``None`` unless the normalizer is exactly what :meth:`normalize` reproduces."""
        spec = json.loads(tokenizer.to_str())
        norm = spec.get("normalizer")
        if not (
            isinstance(norm, dict)
            and norm.get("type") == "BertNormalizer"
            and norm.get("clean_text") is True
            and norm.get("lowercase") is True
            # Accent stripping and CJK spacing never change ASCII text.
            and norm.get("strip_accents") in (None, True, False)
        ):
            return None
        bare = Tokenizer.from_str(tokenizer.to_str())
        bare.normalizer = normalizers.Sequence([])
        bare.no_truncation()
        bare.no_padding()
        added = [str(t["content"]) for t in spec.get("added_tokens") or [] if t.get("content")]
        model = spec.get("model") or {}
        pre = spec.get("pre_tokenizer") or {}
        vocab: dict[str, int] | None = None
        max_word_chars = int(model.get("max_input_chars_per_word") or 100)
        if model.get("type") == "WordPiece" and pre.get("type") == "BertPreTokenizer":
            vocab = {str(k): int(v) for k, v in model["vocab"].items()}
            if any(len(k) > max_word_chars for k in vocab):
                vocab = None  # whole-word lookups would disagree with WordPiece's limit
        return cls(bare, added, vocab)

    @staticmethod
    def normalize(text: str) -> str:
        return _ASCII_DROPPED.sub("", text).translate(_ASCII_SPACED).lower()

    def ids(self, text: str) -> list[int] | None:
        """Token ids of ``text``, or ``None`` when the fast path does not apply to it."""
        if not text.isascii():
            return None
        normalized = self.normalize(text)
        # Added (special) tokens are matched on the raw or the normalized text, before the
        # normalizer runs; keep any text that could hold one on the full path.
        for raw, lower in zip(self._added, self._added_lower, strict=True):
            if lower in normalized or raw in text:
                return None
        vocab = self._vocab
        if vocab is None:
            ids: list[int] = self._tokenizer.encode(normalized, add_special_tokens=False).ids
            return ids
        words = _ASCII_WORDS.findall(normalized)
        # One lookup per word in C (map); only words not found whole go to WordPiece. No
        # vocabulary entry is longer than the word limit (checked at construction), so a word
        # over the limit is never found here and WordPiece answers it with [UNK] as before.
        found: list[int | None] = list(map(vocab.get, words))
        if None not in found:
            return cast("list[int]", found)
        out: list[int] = []
        tokenize = self._model.tokenize
        for word, token_id in zip(words, found, strict=True):
            if token_id is not None:
                out.append(token_id)
            else:
                out.extend(token.id for token in tokenize(word))
        return out


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
        self._fast = _AsciiFastPath.for_tokenizer(tokenizer)
        #: Attention masks by (bucket, real length); at most one per length up to max_length.
        self._masks: dict[tuple[int, int], NDArray[np.int64]] = {}

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
        return np.asarray(self._content_list(text), np.int64)

    def _content_list(self, text: str) -> list[int]:
        ids = self._fast.ids(text) if self._fast is not None else None
        if ids is None:
            ids = self._tokenizer.encode(text, add_special_tokens=False).ids
        return ids

    def reference_ids(self, text: str) -> list[int]:
        """Token ids from the full tokenizer pipeline (the fast path's reference, for tests)."""
        ids: list[int] = self._tokenizer.encode(text, add_special_tokens=False).ids
        return ids

    @property
    def has_fast_path(self) -> bool:
        return self._fast is not None

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
        return self._windows_from_ids(self._content_list(text), max_windows=max_windows)

    def encode_batch(self, texts: Sequence[str], *, max_windows: int) -> list[list[Window]]:
        """Windows of several notes; tokenizes them in one call (parallel in Rust)."""
        for text in texts:
            if not text or not text.strip():
                raise UnprocessableContent("the note has no text to score")
        encodings = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
        return [self._windows_from_ids(e.ids, max_windows=max_windows) for e in encodings]

    def _windows_from_ids(self, ids: Sequence[int], *, max_windows: int) -> list[Window]:
        n = len(ids)
        if n == 0:
            raise UnprocessableContent("the note has no scorable tokens")
        count = self.window_count(n)
        if count > max_windows:
            raise PayloadTooLarge(
                f"the note needs {count} windows of {self.max_length} tokens; "
                f"at most {max_windows} are accepted"
            )
        out: list[Window] = []
        cls_id, sep_id, pad_id = self.cls_id, self.sep_id, self.pad_id
        for start in self.window_starts(n):
            chunk = ids[start : start + self.content_length]
            length = len(chunk) + 2
            bucket = self.bucket_for(length)
            # Built as one Python list and converted once: a few small numpy calls per window
            # cost more than the list work for windows of at most a few hundred tokens.
            row = [cls_id, *chunk, sep_id]
            row.extend([pad_id] * (bucket - length))
            out.append(
                Window(
                    input_ids=np.array(row, dtype=np.int64),
                    attention_mask=self._mask(bucket, length),
                    n_tokens=length,
                )
            )
        return out

    def _mask(self, bucket: int, length: int) -> NDArray[np.int64]:
        """The attention mask for ``length`` real tokens in ``bucket``: shared, read-only."""
        key = (bucket, length)
        mask = self._masks.get(key)
        if mask is None:
            mask = np.zeros(bucket, dtype=np.int64)
            mask[:length] = 1
            mask.flags.writeable = False
            self._masks[key] = mask
        return mask
