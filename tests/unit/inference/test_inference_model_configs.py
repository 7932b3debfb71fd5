"""The model repository's Triton configs parse and agree; model.py is the shipped source."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from google.protobuf import text_format
from tritonclient.grpc import model_config_pb2

from tests.unit.inference.conftest import MODEL_DIR, ROOT

CONFIGS = {
    "default": MODEL_DIR / "config.pbtxt",
    "gpu": MODEL_DIR / "configs" / "gpu.pbtxt",
    "cpu-onnxruntime": MODEL_DIR / "configs" / "cpu-onnxruntime.pbtxt",
    "unbatched": MODEL_DIR / "configs" / "unbatched.pbtxt",
}


def parse(path: Path) -> Any:
    return text_format.Parse(path.read_text(encoding="utf-8"), model_config_pb2.ModelConfig())


def signature(config: Any) -> dict[str, Any]:
    return {
        "name": config.name,
        "max_batch_size": config.max_batch_size,
        "inputs": [(i.name, i.data_type, list(i.dims)) for i in config.input],
        "outputs": [(o.name, o.data_type, list(o.dims)) for o in config.output],
        "version_policy": text_format.MessageToString(config.version_policy),
    }


@pytest.fixture(scope="module")
def configs() -> dict[str, Any]:
    return {key: parse(path) for key, path in CONFIGS.items()}


def test_default_config(configs: dict[str, Any]) -> None:
    config = configs["default"]
    assert config.name == MODEL_DIR.name
    assert config.backend == "python"
    T = model_config_pb2
    assert [(i.name, i.data_type, list(i.dims)) for i in config.input] == [
        ("input_ids", T.TYPE_INT64, [-1]),
        ("attention_mask", T.TYPE_INT64, [-1]),
    ]
    assert [(o.name, o.data_type, list(o.dims)) for o in config.output] == [
        ("logits", T.TYPE_FP32, [2])
    ]
    assert config.max_batch_size >= 32
    batching = config.dynamic_batching
    assert config.HasField("dynamic_batching")
    assert 0 <= batching.max_queue_delay_microseconds <= 10_000
    assert all(0 < b <= config.max_batch_size for b in batching.preferred_batch_size)
    assert [g.kind for g in config.instance_group] == [model_config_pb2.ModelInstanceGroup.KIND_CPU]


@pytest.mark.parametrize("variant", ["gpu", "cpu-onnxruntime", "unbatched"])
def test_variants_agree_with_the_default(configs: dict[str, Any], variant: str) -> None:
    assert signature(configs[variant]) == signature(configs["default"])


@pytest.mark.parametrize("variant", ["gpu", "cpu-onnxruntime"])
def test_onnxruntime_variants_batch_like_the_default(configs: dict[str, Any], variant: str) -> None:
    config, default = configs[variant], configs["default"]
    assert config.backend == "onnxruntime"
    assert config.default_model_filename == "model.onnx"
    assert (MODEL_DIR / "1" / config.default_model_filename).is_file()
    assert config.HasField("dynamic_batching")
    batching = config.dynamic_batching
    # the GPU waits a little for a batch (nearly free per window there); the CPUs do not wait
    assert 0 <= batching.max_queue_delay_microseconds <= 10_000
    assert all(0 < b <= config.max_batch_size for b in batching.preferred_batch_size)
    if variant == "cpu-onnxruntime":  # the GPU may let batches grow larger; the CPUs agree
        assert batching == default.dynamic_batching
        assert [(g.count, g.kind) for g in config.instance_group] == [
            (g.count, g.kind) for g in default.instance_group
        ]


def test_gpu_variant_runs_on_the_gpu(configs: dict[str, Any]) -> None:
    kinds = {g.kind for g in configs["gpu"].instance_group}
    assert kinds == {model_config_pb2.ModelInstanceGroup.KIND_GPU}
    kinds = {g.kind for g in configs["cpu-onnxruntime"].instance_group}
    assert kinds == {model_config_pb2.ModelInstanceGroup.KIND_CPU}


def test_unbatched_variant_has_no_dynamic_batching(configs: dict[str, Any]) -> None:
    unbatched, default = configs["unbatched"], configs["default"]
    assert not unbatched.HasField("dynamic_batching")
    assert unbatched.backend == default.backend
    assert unbatched.instance_group == default.instance_group
    assert dict(unbatched.parameters) == dict(default.parameters)


def test_every_version_ships_the_model_code() -> None:
    source = (ROOT / "service" / "inference" / "triton_python_model.py").read_bytes()
    versions = [p for p in MODEL_DIR.iterdir() if p.is_dir() and p.name.isdigit()]
    assert versions
    for version in versions:
        assert (version / "model.py").read_bytes() == source, f"{version.name}/model.py is stale"
