"""The python-backend model code, run outside Triton with a stand-in for the stub's C++ parts.

The real ``triton_python_backend_utils`` module from the nvidia-pytriton wheel is used for its
pure-Python helpers; only the types the stub injects from C++ (Tensor, InferenceRequest,
InferenceResponse, TritonError, Logger) are replaced by small fakes.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import onnxruntime as ort
import pytest
from google.protobuf import json_format, text_format
from tritonclient.grpc import model_config_pb2

from tests.unit.inference.conftest import MODEL_DIR, ROOT


class FakeTensor:
    def __init__(self, name: str, array: np.ndarray) -> None:
        self._name, self._array = name, array

    def name(self) -> str:
        return self._name

    def as_numpy(self) -> np.ndarray:
        return self._array


class FakeRequest:
    def __init__(self, **arrays: np.ndarray) -> None:
        self._inputs = [FakeTensor(k, v) for k, v in arrays.items()]

    def inputs(self) -> list[FakeTensor]:
        return self._inputs


class FakeError:
    def __init__(self, message: str) -> None:
        self._message = message

    def message(self) -> str:
        return self._message


class FakeResponse:
    def __init__(
        self, output_tensors: list[FakeTensor] | None = None, error: FakeError | None = None
    ) -> None:
        self.output_tensors, self.error = output_tensors or [], error


class FakeLogger:
    lines: ClassVar[list[str]] = []

    @classmethod
    def log_info(cls, message: str) -> None:
        cls.lines.append(message)

    log_warn = log_error = log_verbose = log_info


@pytest.fixture(scope="module")
def pb_utils() -> Iterator[types.ModuleType]:
    import pytriton

    path = (
        Path(pytriton.__file__).parent
        / "tritonserver/backends/python/triton_python_backend_utils.py"
    )
    spec = importlib.util.spec_from_file_location("triton_python_backend_utils", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.Tensor = FakeTensor  # type: ignore[attr-defined]
    module.InferenceResponse = FakeResponse  # type: ignore[attr-defined]
    module.TritonError = FakeError  # type: ignore[attr-defined]
    module.Logger = FakeLogger  # type: ignore[attr-defined]
    previous = sys.modules.get("triton_python_backend_utils")
    sys.modules["triton_python_backend_utils"] = module
    yield module
    if previous is None:
        del sys.modules["triton_python_backend_utils"]
    else:
        sys.modules["triton_python_backend_utils"] = previous


@pytest.fixture(scope="module")
def model(pb_utils: types.ModuleType) -> Any:
    source = ROOT / "service" / "inference" / "triton_python_model.py"
    spec = importlib.util.spec_from_file_location("cds_triton_model_under_test", source)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    config = text_format.Parse(
        (MODEL_DIR / "config.pbtxt").read_text(), model_config_pb2.ModelConfig()
    )
    config_json = json.dumps(json_format.MessageToDict(config, preserving_proto_field_name=True))
    instance = module.TritonPythonModel()
    instance.initialize(
        {"model_config": config_json, "model_repository": str(MODEL_DIR), "model_version": "1"}
    )
    yield instance
    instance.finalize()


@pytest.fixture(scope="module")
def reference() -> Any:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    return ort.InferenceSession(
        str(MODEL_DIR / "1" / "model.onnx"), options, providers=["CPUExecutionProvider"]
    )


def _request(batch: int, seq: int, seed: int, *, mask_seq: int | None = None) -> FakeRequest:
    rng = np.random.default_rng(seed)
    ids = rng.integers(1000, 20000, size=(batch, seq), dtype=np.int64)
    ids[:, 0] = 101
    mask = np.ones((batch, mask_seq or seq), dtype=np.int64)
    return FakeRequest(input_ids=ids, attention_mask=mask)


def _logits(response: FakeResponse) -> np.ndarray:
    assert response.error is None, response.error.message()
    (tensor,) = response.output_tensors
    assert tensor.name() == "logits"
    return tensor.as_numpy()


def test_initialize_reads_config_parameters(model: Any) -> None:
    assert model.num_labels == 2
    assert model.output_dtype == np.float32
    assert model.vocab_size == 30522
    assert model.session.get_providers() == ["CPUExecutionProvider"]
    config = text_format.Parse(
        (MODEL_DIR / "config.pbtxt").read_text(), model_config_pb2.ModelConfig()
    )
    threads = int(config.parameters["intra_op_threads"].string_value)
    assert model.session.get_session_options().intra_op_num_threads == threads


def _arrays(request: FakeRequest) -> tuple[np.ndarray, np.ndarray]:
    ids, mask = (t.as_numpy() for t in request.inputs())
    return ids, mask


def test_one_forward_pass_split_in_request_order(model: Any, reference: Any) -> None:
    requests = [_request(1, 32, seed) for seed in range(5)] + [_request(3, 32, 9)]
    responses = model.execute(requests)
    assert len(responses) == len(requests)
    # The whole batch is one forward pass, so the rows equal one reference run on the
    # concatenation exactly (dynamic INT8 scales are batch-wide, so per-request runs differ).
    ids = np.concatenate([_arrays(r)[0] for r in requests])
    mask = np.concatenate([_arrays(r)[1] for r in requests])
    want = reference.run(["logits"], {"input_ids": ids, "attention_mask": mask})[0]
    got = np.concatenate([_logits(r) for r in responses])
    assert got.dtype == np.float32
    assert [_logits(r).shape[0] for r in responses] == [1, 1, 1, 1, 1, 3]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert np.abs(np.diff(got, axis=0)).max() > 1e-4  # rows differ, so an order bug would show


def test_a_large_group_runs_in_passes_of_at_most_max_forward_tokens(
    model: Any, reference: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 64 tokens per pass at length 32: the 5 rows run as passes of 2, 2 and 1 rows, in order
    # (each equal to a reference run of those rows: dynamic INT8 scales are per pass).
    monkeypatch.setattr(model, "max_forward_tokens", 64)
    requests = [_request(1, 32, 20), _request(3, 32, 21), _request(1, 32, 22)]
    responses = model.execute(requests)
    ids = np.concatenate([_arrays(r)[0] for r in requests])
    mask = np.concatenate([_arrays(r)[1] for r in requests])
    want = np.concatenate(
        [
            reference.run(
                ["logits"], {"input_ids": ids[i : i + 2], "attention_mask": mask[i : i + 2]}
            )[0]
            for i in range(0, 5, 2)
        ]
    )
    got = np.concatenate([_logits(r) for r in responses])
    assert [_logits(r).shape[0] for r in responses] == [1, 3, 1]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    whole = reference.run(["logits"], {"input_ids": ids, "attention_mask": mask})[0]
    assert not np.allclose(got, whole, rtol=1e-5, atol=1e-6)  # the passes really were cut


def test_the_served_config_caps_a_pass_at_1024_tokens(model: Any) -> None:
    assert model.max_forward_tokens == 1024


def test_mixed_lengths_run_one_pass_per_bucket(model: Any, reference: Any) -> None:
    # Ragged batches: requests of different lengths share one execute() call, and each
    # length group is its own forward pass (no padding to the longest).
    short_a, long, short_b = _request(1, 16, 1), _request(1, 64, 2), _request(2, 16, 3)
    responses = model.execute([short_a, long, short_b])
    ids16 = np.concatenate([_arrays(short_a)[0], _arrays(short_b)[0]])
    mask16 = np.concatenate([_arrays(short_a)[1], _arrays(short_b)[1]])
    want16 = reference.run(["logits"], {"input_ids": ids16, "attention_mask": mask16})[0]
    ids64, mask64 = _arrays(long)
    want64 = reference.run(["logits"], {"input_ids": ids64, "attention_mask": mask64})[0]
    np.testing.assert_allclose(_logits(responses[0]), want16[:1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_logits(responses[2]), want16[1:], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_logits(responses[1]), want64, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (_request(1, 32, 3, mask_seq=16), "same"),
        (FakeRequest(input_ids=np.ones((1, 8), dtype=np.int64)), "required"),
        (
            FakeRequest(
                input_ids=np.full((1, 8), 99_999, np.int64),
                attention_mask=np.ones((1, 8), np.int64),
            ),
            "token ids",
        ),
        (
            FakeRequest(
                input_ids=np.ones((1, 8), np.int32), attention_mask=np.ones((1, 8), np.int32)
            ),
            "INT64",
        ),
        (
            FakeRequest(
                input_ids=np.ones((1, 0), np.int64), attention_mask=np.ones((1, 0), np.int64)
            ),
            "non-empty",
        ),
    ],
)
def test_a_bad_request_fails_alone(model: Any, bad: FakeRequest, message: str) -> None:
    good = [_request(1, 32, 10), _request(1, 32, 11)]
    responses = model.execute([good[0], bad, good[1]])
    assert responses[1].error is not None and message in responses[1].error.message()
    assert _logits(responses[0]).shape == (1, 2)
    assert _logits(responses[2]).shape == (1, 2)


def test_a_failing_batch_is_retried_per_request(
    model: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = model._forward
    poisoned = 77

    def forward(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        if (ids == poisoned).any():
            raise RuntimeError("ORT failure")
        return real(ids, mask)

    monkeypatch.setattr(model, "_forward", forward)
    bad = FakeRequest(
        input_ids=np.full((1, 8), poisoned, np.int64), attention_mask=np.ones((1, 8), np.int64)
    )
    responses = model.execute([_request(1, 8, 1), bad, _request(1, 8, 2)])
    assert responses[1].error is not None and "RuntimeError" in responses[1].error.message()
    assert _logits(responses[0]).shape == _logits(responses[2]).shape == (1, 2)
