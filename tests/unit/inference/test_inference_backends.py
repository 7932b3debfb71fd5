"""Backends without a server: error mapping, retry policy, in-process ONNX Runtime, null."""

from __future__ import annotations

from typing import Any

import grpc
import numpy as np
import pytest
from tritonclient.utils import InferenceServerException

from service.config import Settings
from service.errors import InferenceFailed, InferenceUnavailable
from service.inference.backends import (
    InferenceBackend,
    InProcessBackend,
    NullBackend,
    TritonBackend,
    classify_triton_error,
    create_backend,
    map_triton_errors,
    softmax,
)
from service.inference.repository import ModelInfo
from service.inference.tokenization import NoteTokenizer

UNAVAILABLE = {
    "UNAVAILABLE",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "RESOURCE_EXHAUSTED",
    "CANCELLED",
    "ABORTED",
}


@pytest.mark.parametrize(
    "code", [c for c in grpc.StatusCode if c is not grpc.StatusCode.OK], ids=lambda c: c.name
)
def test_every_grpc_status_is_mapped(code: grpc.StatusCode) -> None:
    exc = InferenceServerException(msg="something happened", status=str(code))
    expected = InferenceUnavailable if code.name in UNAVAILABLE else InferenceFailed
    with pytest.raises(expected) as info, map_triton_errors("m"):
        raise exc
    assert info.value.__cause__ is exc
    assert "something happened" not in info.value.detail  # only our own words reach callers


@pytest.mark.parametrize(
    ("status", "message", "expected"),
    [
        (
            "StatusCode.INVALID_ARGUMENT",
            "Request for unknown model: 'm' is not found",
            InferenceUnavailable,
        ),
        ("StatusCode.INTERNAL", "model 'm' is not ready", InferenceUnavailable),
        (
            "StatusCode.INVALID_ARGUMENT",
            "inference input 'input_ids' data-type is 'INT32'",
            InferenceFailed,
        ),
        ("StatusCode.INTERNAL", "inputs must have the same shape", InferenceFailed),
        (None, "client-side error without a status", InferenceFailed),
    ],
)
def test_messages_refine_the_mapping(status: str | None, message: str, expected: type) -> None:
    assert classify_triton_error(InferenceServerException(msg=message, status=status)) is expected


class _RpcError(grpc.RpcError):
    def __init__(self, code: grpc.StatusCode) -> None:
        self._code = code

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return "raw grpc"

    def debug_error_string(self) -> str:
        return ""


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (grpc.StatusCode.UNAVAILABLE, InferenceUnavailable),
        (grpc.StatusCode.INTERNAL, InferenceFailed),
    ],
)
def test_raw_grpc_errors_are_mapped(code: grpc.StatusCode, expected: type) -> None:
    with pytest.raises(expected), map_triton_errors("m"):
        raise _RpcError(code)


def test_other_exceptions_pass_through() -> None:
    with pytest.raises(KeyError), map_triton_errors("m"):
        raise KeyError("bug")


def test_softmax() -> None:
    probs = softmax(np.array([[0.0, 0.0], [1000.0, 0.0], [-2.0, 3.0]]))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    np.testing.assert_allclose(probs[0], [0.5, 0.5])
    assert probs[1, 0] == pytest.approx(1.0)
    assert probs[2, 1] > probs[2, 0]


# --- TritonBackend with a fake client ---------------------------------------------------------


class _Result:
    def __init__(self, logits: np.ndarray) -> None:
        self._logits = logits

    def as_numpy(self, name: str) -> np.ndarray:
        assert name == "logits"
        return self._logits


class _FakeClient:
    """Fails the first ``failures`` calls with ``status``, then answers from the mask sum."""

    def __init__(self, failures: int, status: str) -> None:
        self.failures = failures
        self.status = status
        self.calls: list[dict[str, Any]] = []

    async def infer(self, model_name: str, inputs: list[Any], **kwargs: Any) -> _Result:
        self.calls.append({"model": model_name, "shapes": [i.shape() for i in inputs], **kwargs})
        if len(self.calls) <= self.failures:
            raise InferenceServerException(msg="down", status=self.status)
        n = float(len(self.calls))
        return _Result(np.array([[n, 0.0]], dtype=np.float32))

    async def is_model_ready(self, *args: Any, **kwargs: Any) -> bool:
        raise InferenceServerException(msg="connect failed", status="StatusCode.UNAVAILABLE")

    async def close(self) -> None:
        return None


def _triton(info: ModelInfo, client: _FakeClient, retries: int) -> TritonBackend:
    backend = TritonBackend("127.0.0.1:1", info, timeout_s=1.5, retries=retries, backoff_s=0.0)
    backend._client = client
    return backend


async def test_unavailable_is_retried_then_succeeds(
    model_info: ModelInfo, note_tokenizer: NoteTokenizer
) -> None:
    client = _FakeClient(failures=2, status="StatusCode.UNAVAILABLE")
    backend = _triton(model_info, client, retries=2)
    windows = note_tokenizer.windows("fine", max_windows=1)
    probs = await backend.predict(windows)
    assert probs.shape == (1, 2)
    assert len(client.calls) == 3
    call = client.calls[-1]
    assert call["client_timeout"] == 1.5  # a deadline on every call
    assert call["model_version"] == model_info.version
    assert call["shapes"] == [[1, 32], [1, 32]]


async def test_retries_are_bounded(model_info: ModelInfo, note_tokenizer: NoteTokenizer) -> None:
    client = _FakeClient(failures=100, status="StatusCode.UNAVAILABLE")
    backend = _triton(model_info, client, retries=2)
    with pytest.raises(InferenceUnavailable):
        await backend.predict(note_tokenizer.windows("fine", max_windows=1))
    assert len(client.calls) == 3


@pytest.mark.parametrize("status", ["StatusCode.DEADLINE_EXCEEDED", "StatusCode.INTERNAL"])
async def test_only_unavailable_is_retried(
    model_info: ModelInfo, note_tokenizer: NoteTokenizer, status: str
) -> None:
    client = _FakeClient(failures=1, status=status)
    backend = _triton(model_info, client, retries=3)
    with pytest.raises((InferenceUnavailable, InferenceFailed)):
        await backend.predict(note_tokenizer.windows("fine", max_windows=1))
    assert len(client.calls) == 1


async def test_one_request_per_window(model_info: ModelInfo, note_tokenizer: NoteTokenizer) -> None:
    client = _FakeClient(failures=0, status="")
    backend = _triton(model_info, client, retries=0)
    windows = note_tokenizer.windows("word " * 400, max_windows=64)
    probs = await backend.predict(windows)
    assert len(client.calls) == len(windows) > 1
    assert probs.shape == (len(windows), 2)
    assert not await backend.is_ready()  # UNAVAILABLE from is_model_ready -> not ready


def test_channel_args_keep_message_sizes() -> None:
    args = dict(TritonBackend.channel_args())
    assert args["grpc.max_send_message_length"] >= 16 * 1024 * 1024
    assert args["grpc.max_receive_message_length"] >= 16 * 1024 * 1024


async def test_triton_backend_needs_start(model_info: ModelInfo) -> None:
    backend = TritonBackend("127.0.0.1:1", model_info, timeout_s=1.0, retries=0)
    with pytest.raises(RuntimeError, match="start"):
        _ = backend.client


# --- in-process and null ----------------------------------------------------------------------


async def test_inprocess_backend(model_info: ModelInfo, note_tokenizer: NoteTokenizer) -> None:
    backend = InProcessBackend(model_info, threads=1)
    assert not await backend.is_ready()
    await backend.start()
    try:
        assert await backend.is_ready()
        windows = note_tokenizer.windows("Pain resolved. " * 3, max_windows=4)
        windows += note_tokenizer.windows("Severe distress overnight. " * 60, max_windows=64)
        probs = await backend.predict(windows)
        assert probs.shape == (len(windows), model_info.num_labels)
        assert np.all((probs >= 0) & (probs <= 1))
        np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-9)
        # Alone, a window scores (nearly) the same: dynamic INT8 quantization computes the
        # activation scale over the whole batch, so batch-mates move the last digits only.
        for i in (0, len(windows) - 1):
            alone = await backend.predict([windows[i]])
            np.testing.assert_allclose(alone[0], probs[i], atol=1e-2)
        assert (await backend.predict([])).shape == (0, 2)
    finally:
        await backend.close()
    with pytest.raises(InferenceUnavailable):
        await backend.predict(windows)


class _CountingSession:
    """Stands in for ONNX Runtime: logit 0 is the window's real length, so order is visible."""

    def __init__(self) -> None:
        self.batches: list[tuple[int, ...]] = []

    def run(self, outputs: list[str], feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        mask = feeds["attention_mask"]
        self.batches.append(mask.shape)
        return [np.stack([mask.sum(axis=1), np.zeros(len(mask))], axis=1).astype(np.float32)]


async def test_inprocess_groups_by_bucket_and_keeps_order(
    model_info: ModelInfo, note_tokenizer: NoteTokenizer
) -> None:
    backend = InProcessBackend(model_info, threads=1)
    await backend.start()
    session = _CountingSession()
    backend._session = session
    try:
        texts = ["a", "word " * 40, "b c", "word " * 300, "d e f"]
        windows = [w for t in texts for w in note_tokenizer.windows(t, max_windows=64)]
        probs = await backend.predict(windows)
        expected = softmax(np.array([[w.n_tokens, 0.0] for w in windows]))
        np.testing.assert_allclose(probs, expected, rtol=1e-6)
        assert sorted(shape[1] for shape in session.batches) == sorted({w.bucket for w in windows})
    finally:
        await backend.close()


async def test_null_backend_is_deterministic(
    model_info: ModelInfo, note_tokenizer: NoteTokenizer
) -> None:
    backend = NullBackend(model_info)
    windows = note_tokenizer.windows("a b c", max_windows=1) + note_tokenizer.windows(
        "a b c d e", max_windows=1
    )
    first, second = await backend.predict(windows), await backend.predict(windows)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(first.sum(axis=1), 1.0)
    assert first[0, 0] != first[1, 0]


def _settings(**kwargs: Any) -> Settings:
    return Settings(allow_unauthenticated=True, **kwargs)


def test_create_backend(model_info: ModelInfo) -> None:
    assert isinstance(
        create_backend(_settings(inference_backend="inprocess"), model_info, triton_url=None),
        InProcessBackend,
    )
    assert isinstance(
        create_backend(_settings(inference_backend="null"), model_info, triton_url=None),
        NullBackend,
    )
    triton = create_backend(_settings(), model_info, triton_url="127.0.0.1:9")
    assert isinstance(triton, TritonBackend) and triton.url == "127.0.0.1:9"
    from_env = create_backend(_settings(triton_url="triton:8001"), model_info, triton_url=None)
    assert isinstance(from_env, TritonBackend) and from_env.url == "triton:8001"
    with pytest.raises(ValueError, match="URL"):
        create_backend(_settings(), model_info, triton_url=None)
    for backend in (triton, from_env):
        assert isinstance(backend, InferenceBackend)


class _OneBadCallClient(_FakeClient):
    async def infer(self, model_name: str, inputs: list[Any], **kwargs: Any) -> _Result:
        self.calls.append({"model": model_name})
        if len(self.calls) == 2:
            raise InferenceServerException(msg="boom", status="StatusCode.INTERNAL")
        return _Result(np.array([[0.0, 1.0]], dtype=np.float32))


async def test_one_failed_window_fails_the_note_after_all_calls_finish(
    model_info: ModelInfo, note_tokenizer: NoteTokenizer
) -> None:
    client = _OneBadCallClient(failures=0, status="")
    backend = _triton(model_info, client, retries=3)
    windows = note_tokenizer.windows("word " * 400, max_windows=64)
    with pytest.raises(InferenceFailed):
        await backend.predict(windows)
    assert len(client.calls) == len(windows)  # INTERNAL is not retried; siblings completed
    assert (
        await TritonBackend("127.0.0.1:1", model_info, timeout_s=1, retries=0).is_ready() is False
    )
