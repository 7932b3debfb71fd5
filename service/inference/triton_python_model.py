"""Triton python-backend model: DistilBERT sentiment on ONNX Runtime, one forward pass per batch.

This file is the single source of truth for ``model_repository/<model>/<version>/model.py``: the
export script copies it into every version folder byte for byte (a test checks the copy). It runs
inside Triton's python-backend stub process, not in the gateway, so it imports nothing from
``service`` and only needs ``numpy`` and ``onnxruntime`` on the stub's ``PYTHONPATH``.

Files read from the version folder (written by the export script): ``model_info.json`` (names,
labels, window length, the ONNX file name) and the ONNX model it names.

Config ``parameters`` (all optional, string values):

* ``intra_op_threads`` / ``inter_op_threads``: ONNX Runtime thread pools (0 = ORT's default).
* ``allow_spinning``: ``0`` stops idle ORT threads from busy-waiting, which on a small machine
  shared with the gateway (and other work) costs more than it saves (measured: batch-1 runs were
  1.6x slower with spinning on a loaded 2-core host).
* ``max_forward_tokens``: the most tokens (rows x sequence length) one ONNX Runtime pass may
  hold; a larger batch of one length runs as several passes of at most that size (``0`` = no
  limit). Why: on the CPU, a pass's activations outgrow the core's cache beyond about a thousand
  tokens, and the cost per sequence rises with the batch instead of falling (measured on the
  2-core Xeon host, one thread, INT8, seq/s: at 128 tokens 81 at batch 1-4, 80 at 8, 70 at 16,
  62 at 32, 58 at 64; at 64 tokens 186 at 1, 202 at 8, 200 at 16, 179 at 32, 160 at 64), so
  the dynamic batcher's large batches (27 windows on average at 32 concurrent requests) ran
  slower per window than single requests.
* ``execution_provider``: ``cpu`` (default), ``cuda`` or ``auto`` (CUDA when this onnxruntime
  build has it). The dynamic-INT8 model's integer ops have no CUDA kernels, so on a GPU they run on
  the CPU anyway; ``cpu`` is the honest default for the embedded server.

Request contract: ``input_ids`` and ``attention_mask``, INT64 ``[batch, seq]`` of equal shape;
response ``logits`` FP32 ``[batch, num_labels]``. The gateway pads windows to length buckets so a
dynamic batch normally holds one sequence length; when it does not, shorter requests are padded
with zeros (masked out) to the longest one, which leaves their logits unchanged.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import triton_python_backend_utils as pb_utils


def _param(model_config: dict[str, Any], key: str, default: str) -> str:
    value = model_config.get("parameters", {}).get(key, {}).get("string_value")
    return str(value) if value not in (None, "") else default


class TritonPythonModel:
    """Triton entry points: ``initialize`` loads the session, ``execute`` batches, ``finalize``."""

    def initialize(self, args: dict[str, str]) -> None:
        self.logger = pb_utils.Logger
        model_config = json.loads(args["model_config"])
        self.model_name = model_config["name"]
        version_dir = Path(args["model_repository"]) / args["model_version"]
        if not (version_dir / "model_info.json").is_file():
            # Some Triton builds pass the version folder itself; fall back to this file's folder.
            version_dir = Path(__file__).resolve().parent
        info = json.loads((version_dir / "model_info.json").read_text(encoding="utf-8"))

        self.input_names: list[str] = list(info.get("inputs", ["input_ids", "attention_mask"]))
        self.output_name: str = info.get("output", "logits")
        self.num_labels = len(info["id2label"])
        self.vocab_size = self._vocab_size(version_dir / info.get("tokenizer", "tokenizer.json"))
        output_cfg = pb_utils.get_output_config_by_name(model_config, self.output_name)
        self.output_dtype = pb_utils.triton_string_to_numpy(output_cfg["data_type"])

        self.max_forward_tokens = int(_param(model_config, "max_forward_tokens", "0"))
        options = ort.SessionOptions()
        options.intra_op_num_threads = int(_param(model_config, "intra_op_threads", "0"))
        options.inter_op_num_threads = int(_param(model_config, "inter_op_threads", "0"))
        options.add_session_config_entry(
            "session.intra_op.allow_spinning", _param(model_config, "allow_spinning", "1")
        )
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        providers = ["CPUExecutionProvider"]
        wanted = _param(model_config, "execution_provider", "cpu").lower()
        available = ort.get_available_providers()
        if wanted in ("cuda", "auto") and "CUDAExecutionProvider" in available:
            providers.insert(0, "CUDAExecutionProvider")
        elif wanted == "cuda":
            self.logger.log_warn("CUDAExecutionProvider is not available; running on the CPU")
        self.session = ort.InferenceSession(
            str(version_dir / info["onnx"]), sess_options=options, providers=providers
        )
        self.logger.log_info(
            f"{self.model_name} v{args['model_version']}: providers={self.session.get_providers()}"
            f" intra_op_threads={options.intra_op_num_threads}"
        )

    @staticmethod
    def _vocab_size(tokenizer_path: Path) -> int | None:
        # Token ids outside the embedding table would make ONNX Runtime fail the whole batch,
        # so they are refused per request before the forward pass.
        try:
            data = json.loads(tokenizer_path.read_text(encoding="utf-8"))
            size = len(data["model"]["vocab"])
            added = [t["id"] for t in data.get("added_tokens", [])]
            return int(max([size - 1, *added])) + 1
        except (OSError, KeyError, TypeError, ValueError):
            return None

    def _validate(self, request: Any) -> tuple[Any, Any]:
        ids_t = pb_utils.get_input_tensor_by_name(request, self.input_names[0])
        mask_t = pb_utils.get_input_tensor_by_name(request, self.input_names[1])
        if ids_t is None or mask_t is None:
            raise ValueError(f"both {self.input_names[0]} and {self.input_names[1]} are required")
        ids, mask = ids_t.as_numpy(), mask_t.as_numpy()
        if ids.dtype != np.int64 or mask.dtype != np.int64:
            raise ValueError("inputs must be INT64")
        if ids.ndim != 2 or ids.shape != mask.shape or ids.shape[1] == 0:
            raise ValueError(
                f"{self.input_names[0]} and {self.input_names[1]} must have the same "
                f"non-empty [batch, seq] shape, got {list(ids.shape)} and {list(mask.shape)}"
            )
        if (
            self.vocab_size is not None
            and ids.size
            and (ids.min() < 0 or ids.max() >= self.vocab_size)
        ):
            raise ValueError(f"token ids must be in [0, {self.vocab_size})")
        return ids, mask

    def _forward_in_passes(self, ids: Any, mask: Any) -> Any:
        """The forward pass of one length group, cut into passes of at most
        ``max_forward_tokens`` tokens (see the module docstring)."""
        rows = ids.shape[0]
        step = rows
        if self.max_forward_tokens > 0:
            step = max(1, self.max_forward_tokens // int(ids.shape[1]))
        if step >= rows:
            return self._forward(ids, mask)
        return np.concatenate(
            [self._forward(ids[i : i + step], mask[i : i + step]) for i in range(0, rows, step)]
        )

    def _forward(self, ids: Any, mask: Any) -> Any:
        feeds = {self.input_names[0]: ids, self.input_names[1]: mask}
        logits = self.session.run([self.output_name], feeds)[0]
        return np.ascontiguousarray(logits, dtype=self.output_dtype)

    def _response(self, logits: Any) -> Any:
        tensor = pb_utils.Tensor(self.output_name, logits)
        return pb_utils.InferenceResponse(output_tensors=[tensor])

    def execute(self, requests: list[Any]) -> list[Any]:
        responses: list[Any] = [None] * len(requests)
        good: list[tuple[int, Any, Any]] = []
        for i, request in enumerate(requests):
            try:
                ids, mask = self._validate(request)
            except ValueError as exc:
                responses[i] = pb_utils.InferenceResponse(error=pb_utils.TritonError(str(exc)))
                continue
            good.append((i, ids, mask))
        if not good:
            return responses

        # The inputs allow ragged batches, so Triton's dynamic batcher packs requests of every
        # length bucket into one batch instead of cutting a batch at each change of shape. Here
        # the batch is run as one forward pass per bucket (at most a handful): padding a
        # 32-token window to 128 would quadruple its cost on the CPU.
        by_length: dict[int, list[tuple[int, Any, Any]]] = {}
        for item in good:
            by_length.setdefault(int(item[1].shape[1]), []).append(item)
        for group in by_length.values():
            self._run_group(group, responses)
        return responses

    def _run_group(self, group: list[tuple[int, Any, Any]], responses: list[Any]) -> None:
        """One forward pass for requests of one sequence length; split the logits back."""
        batch_ids = np.concatenate([ids for _, ids, _ in group])
        batch_mask = np.concatenate([mask for _, _, mask in group])
        try:
            logits = self._forward_in_passes(batch_ids, batch_mask)
        except Exception as exc:
            self.logger.log_warn(
                f"batched forward pass failed ({type(exc).__name__}); retrying per request"
            )
            for i, ids, mask in group:
                try:
                    responses[i] = self._response(self._forward(ids, mask))
                except Exception as inner:
                    responses[i] = pb_utils.InferenceResponse(
                        error=pb_utils.TritonError(f"inference failed: {type(inner).__name__}")
                    )
            return
        row = 0
        for i, ids, _ in group:
            n = ids.shape[0]
            responses[i] = self._response(logits[row : row + n])
            row += n

    def finalize(self) -> None:
        self.logger.log_info(f"{self.model_name}: unloading")
        self.session = None
