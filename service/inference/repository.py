"""Read what the gateway needs to know about the served model from the Triton model repository.

Name, version, labels, window length and artefact paths come from the repository
(``<repo>/<model>/config.pbtxt`` and ``<repo>/<model>/<version>/model_info.json``), never from
constants in code, so a new version or an imported checkpoint needs no code change.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from google.protobuf import text_format
from tritonclient.grpc import model_config_pb2


class ModelRepositoryError(ValueError):
    """The model repository is missing, ambiguous or inconsistent (a deployment error)."""


@dataclass(frozen=True)
class ModelInfo:
    """The served model as the gateway sees it (one version of one model)."""

    name: str
    version: str
    #: Label names by class index (``labels[i]`` is the name of logit ``i``).
    labels: tuple[str, ...]
    #: Index of the label meaning negative sentiment (from the checkpoint's ``id2label``).
    negative_index: int
    #: Longest sequence the model takes, special tokens included.
    max_length: int
    tokenizer_path: Path
    onnx_path: Path
    quantization: str | None = None
    metrics: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)
    #: ``max_batch_size`` of the repository's ``config.pbtxt``.
    max_batch_size: int = 0
    #: The ``max_forward_tokens`` parameter of ``config.pbtxt``: the most tokens one forward pass
    #: of the served model holds (0: no limit). The benchmark's raw-model figure uses it too.
    max_forward_tokens: int = 0
    input_names: tuple[str, str] = ("input_ids", "attention_mask")
    output_name: str = "logits"

    @property
    def num_labels(self) -> int:
        return len(self.labels)

    @property
    def negative_label(self) -> str:
        return self.labels[self.negative_index]


def read_model_config(path: Path) -> Any:
    """Parse a Triton ``config.pbtxt`` into a ``ModelConfig`` protobuf message."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ModelRepositoryError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        return text_format.Parse(text, model_config_pb2.ModelConfig())
    except text_format.ParseError as exc:
        raise ModelRepositoryError(f"{path} is not a valid model configuration: {exc}") from exc


def _int_parameter(config: Any, key: str) -> int:
    """A non-negative integer ``parameters`` value of a model config (0 when absent)."""
    if key not in config.parameters:
        return 0
    value = config.parameters[key].string_value
    if not value.isdigit():
        raise ModelRepositoryError(f"config parameter {key!r} must be a non-negative integer")
    return int(value)


def _model_dirs(repository: Path) -> list[Path]:
    return sorted(p for p in repository.iterdir() if (p / "config.pbtxt").is_file())


def _pick_version(model_dir: Path, version: str | None) -> Path:
    if version is not None:
        chosen = model_dir / version
        if not chosen.is_dir():
            raise ModelRepositoryError(f"model {model_dir.name!r} has no version {version!r}")
        return chosen
    versions = [p for p in model_dir.iterdir() if p.is_dir() and p.name.isdigit()]
    if not versions:
        raise ModelRepositoryError(f"model {model_dir.name!r} has no numeric version folder")
    return max(versions, key=lambda p: int(p.name))


def load_model_info(
    repository: Path, name: str | None = None, version: str | None = None
) -> ModelInfo:
    """Load and validate one model version from a Triton model repository.

    ``name`` unset picks the only model in the repository; ``version`` unset picks the highest
    numeric version folder. Raises :class:`ModelRepositoryError` with a precise message.
    """
    repository = Path(repository).resolve()
    if not repository.is_dir():
        raise ModelRepositoryError(f"model repository {repository} does not exist")
    if name is None:
        models = _model_dirs(repository)
        if len(models) != 1:
            found = ", ".join(p.name for p in models) or "none"
            raise ModelRepositoryError(
                f"set the model name: the repository holds {len(models)} models ({found})"
            )
        model_dir = models[0]
    else:
        model_dir = repository / name
        if not (model_dir / "config.pbtxt").is_file():
            raise ModelRepositoryError(f"model {name!r} has no config.pbtxt in {repository}")

    config = read_model_config(model_dir / "config.pbtxt")
    config_name = config.name or model_dir.name
    if config_name != model_dir.name:
        raise ModelRepositoryError(
            f"config.pbtxt names {config_name!r} but the folder is {model_dir.name!r}"
        )
    version_dir = _pick_version(model_dir, version)
    info_path = version_dir / "model_info.json"
    try:
        raw = json.loads(info_path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ModelRepositoryError(f"cannot read {info_path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise ModelRepositoryError(f"{info_path} is not valid JSON: {exc}") from exc
    return _build_info(raw, config, model_dir.name, version_dir, info_path)


def _build_info(raw: Any, config: Any, name: str, version_dir: Path, info_path: Path) -> ModelInfo:
    if not isinstance(raw, dict):
        raise ModelRepositoryError(f"{info_path} must hold a JSON object")
    try:
        id2label = {int(k): str(v) for k, v in dict(raw["id2label"]).items()}
        max_length = int(raw["max_length"])
        tokenizer_path = version_dir / str(raw.get("tokenizer", "tokenizer.json"))
        onnx_path = version_dir / str(raw.get("onnx", "model.onnx"))
        negative_label = raw.get("negative_label")
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelRepositoryError(f"{info_path}: missing or invalid field ({exc})") from exc
    if sorted(id2label) != list(range(len(id2label))) or len(id2label) < 2:
        raise ModelRepositoryError(f"{info_path}: id2label must map 0..n-1 (n >= 2) to labels")
    labels = tuple(id2label[i] for i in range(len(id2label)))
    if negative_label not in labels:
        raise ModelRepositoryError(
            f"{info_path}: negative_label {negative_label!r} is not one of {list(labels)}"
        )
    if max_length < 3:
        raise ModelRepositoryError(f"{info_path}: max_length must be at least 3")
    for path in (tokenizer_path, onnx_path):
        if not path.is_file():
            raise ModelRepositoryError(f"{info_path} names {path.name}, which does not exist")
    outputs = list(config.output)
    if len(outputs) != 1 or list(outputs[0].dims) != [len(labels)]:
        raise ModelRepositoryError(
            f"config.pbtxt of {name!r} must have one output of dims [{len(labels)}]"
        )
    inputs = tuple(i.name for i in config.input)
    if len(inputs) != 2:
        raise ModelRepositoryError(f"config.pbtxt of {name!r} must have two inputs")
    metrics = raw.get("metrics") or {}
    return ModelInfo(
        name=name,
        version=version_dir.name,
        labels=labels,
        negative_index=labels.index(str(negative_label)),
        max_length=max_length,
        tokenizer_path=tokenizer_path,
        onnx_path=onnx_path,
        quantization=raw.get("quantization"),
        metrics=MappingProxyType(dict(metrics)) if isinstance(metrics, dict) else {},
        max_batch_size=int(config.max_batch_size),
        max_forward_tokens=_int_parameter(config, "max_forward_tokens"),
        input_names=(inputs[0], inputs[1]),
        output_name=outputs[0].name,
    )
