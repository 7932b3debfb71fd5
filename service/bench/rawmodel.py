"""The model alone: ONNX Runtime on the served ``model.onnx``, on the workload's own windows.

The windows come from the gateway's own :class:`~service.inference.tokenization.NoteTokenizer`
(same window length, overlap and padding buckets), so the raw figure has the same length mix
as the served traffic. Batches hold windows of one bucket (as Triton's batcher forms them).
The session uses the same thread settings as the served model (intra-op threads from the
settings, one inter-op thread).
"""

from __future__ import annotations

import itertools
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from service.inference.repository import ModelInfo
from service.inference.tokenization import NoteTokenizer, Window

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class RawResult:
    """Sequences (windows) run and the wall time they took."""

    batch_size: int
    sequences: int
    seconds: float

    @property
    def seq_per_s(self) -> float:
        return self.sequences / self.seconds if self.seconds > 0 else 0.0


def workload_windows(
    texts: Sequence[str], tokenizer: NoteTokenizer, *, max_windows: int
) -> list[list[Window]]:
    """Each note's windows, exactly as the gateway would cut them (before de-identification)."""
    return [tokenizer.windows(text, max_windows=max_windows) for text in texts]


def bucket_mix(windows: Sequence[Window]) -> dict[str, int]:
    """Windows per padding bucket (keys are strings for JSON)."""
    counts = Counter(w.bucket for w in windows)
    return {str(k): counts[k] for k in sorted(counts)}


def make_batches(
    windows: Sequence[Window], batch_size: int, *, seed: int, max_tokens: int = 0
) -> list[tuple[IntArray, IntArray]]:
    """Same-bucket batches of at most ``batch_size`` windows, in a seeded random order.

    With ``max_tokens``, a batch also holds at most that many tokens (at least one window), as
    the served model cuts its forward passes (``max_forward_tokens``): the raw figure is then
    what the model does with the passes it is really given.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    by_bucket: dict[int, list[Window]] = {}
    for window in windows:
        by_bucket.setdefault(window.bucket, []).append(window)
    batches: list[tuple[IntArray, IntArray]] = []
    for bucket in sorted(by_bucket):
        group = by_bucket[bucket]
        rows = min(batch_size, max(1, max_tokens // bucket)) if max_tokens > 0 else batch_size
        for i in range(0, len(group), rows):
            chunk = group[i : i + rows]
            batches.append(
                (
                    np.stack([w.input_ids for w in chunk]),
                    np.stack([w.attention_mask for w in chunk]),
                )
            )
    # Interleave buckets so a run cut short by the time limit still sees the whole mix.
    random.Random(seed).shuffle(batches)
    return batches


def open_session(info: ModelInfo, *, threads: int) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(
        str(info.onnx_path), sess_options=options, providers=["CPUExecutionProvider"]
    )


def measure(
    session: Any,
    info: ModelInfo,
    windows: Sequence[Window],
    *,
    batch_size: int,
    max_seconds: float,
    seed: int,
) -> RawResult:
    """Run the workload's windows in batches for ``max_seconds`` (whole batches, cycling)."""
    batches = make_batches(windows, batch_size, seed=seed, max_tokens=info.max_forward_tokens)
    if not batches:
        return RawResult(batch_size=batch_size, sequences=0, seconds=0.0)
    ids_name, mask_name = info.input_names
    outputs = [info.output_name]
    # Warm-up: one batch per distinct shape, so lazy allocations are not timed.
    seen: set[tuple[int, ...]] = set()
    for ids, mask in batches:
        if ids.shape not in seen:
            seen.add(ids.shape)
            session.run(outputs, {ids_name: ids, mask_name: mask})
    sequences = 0
    start = time.perf_counter()
    deadline = start + max_seconds
    for ids, mask in itertools.cycle(batches):
        session.run(outputs, {ids_name: ids, mask_name: mask})
        sequences += int(ids.shape[0])
        if time.perf_counter() >= deadline:
            break
    return RawResult(
        batch_size=batch_size, sequences=sequences, seconds=time.perf_counter() - start
    )
