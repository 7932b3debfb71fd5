"""Inference backends: Triton over gRPC (the product), in-process ONNX Runtime (the baseline), null.

All three satisfy :class:`InferenceBackend`: ``predict(windows)`` returns softmax probabilities of
shape ``(len(windows), num_labels)`` in the order of the windows. None of them blocks the event
loop: Triton calls are gRPC aio, ONNX Runtime runs in a thread pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import grpc
import numpy as np
from numpy.typing import NDArray

from service.errors import InferenceFailed, InferenceUnavailable
from service.inference.repository import ModelInfo

if TYPE_CHECKING:
    from service.config import Settings
    from service.inference.tokenization import Window

logger = logging.getLogger(__name__)

#: gRPC message size limit re-added to ``channel_args`` (which replaces all client defaults).
MAX_GRPC_MESSAGE_BYTES = 64 * 1024 * 1024


@runtime_checkable
class InferenceBackend(Protocol):
    """What the pipeline needs from an inference tier."""

    info: ModelInfo

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def is_ready(self) -> bool: ...

    async def predict(self, windows: Sequence[Window]) -> NDArray[Any]: ...


def softmax(logits: NDArray[Any]) -> NDArray[Any]:
    """Row-wise softmax in float64 (numerically stable)."""
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    out: NDArray[Any] = e / e.sum(axis=-1, keepdims=True)
    return out


# --- Triton error mapping ---------------------------------------------------------------------

#: gRPC status codes that mean "the inference tier cannot serve now; retry later" (503).
UNAVAILABLE_STATUSES = frozenset(
    {
        "UNAVAILABLE",  # server down, connection refused, shutting down
        "DEADLINE_EXCEEDED",  # our client_timeout expired
        "NOT_FOUND",  # model not loaded (explicit mode unload, reload in progress)
        "RESOURCE_EXHAUSTED",  # queue full / pending-request limit
        "CANCELLED",  # call cancelled (server shutdown, client closing)
        "ABORTED",
    }
)
#: Messages Triton uses for a model that is not (yet) servable, under any status code.
_NOT_READY_MARKERS = ("not found", "not ready", "unknown model", "is not loaded", "unavailable")


def triton_status_name(exc: Exception) -> str:
    """``StatusCode.UNAVAILABLE`` -> ``UNAVAILABLE``; ``""`` when the error has no status."""
    status = exc.status() if hasattr(exc, "status") else None
    return str(status or "").rsplit(".", 1)[-1].upper()


def classify_triton_error(exc: Exception) -> type[InferenceUnavailable] | type[InferenceFailed]:
    """Which of our errors a ``tritonclient`` exception becomes."""
    status = triton_status_name(exc)
    if status in UNAVAILABLE_STATUSES:
        return InferenceUnavailable
    message = str(exc.message() if hasattr(exc, "message") else exc or "").lower()
    if any(marker in message for marker in _NOT_READY_MARKERS):
        return InferenceUnavailable
    return InferenceFailed


@contextlib.contextmanager
def map_triton_errors(model: str) -> Iterator[None]:
    """Turn ``InferenceServerException`` (and raw gRPC errors) into our error tree."""
    from tritonclient.utils import InferenceServerException

    try:
        yield
    except InferenceServerException as exc:
        error = classify_triton_error(exc)
        logger.warning(
            "triton call for model %s failed: status=%s -> %s",
            model,
            triton_status_name(exc) or "none",
            error.__name__,
        )
        if error is InferenceUnavailable:
            raise InferenceUnavailable(
                f"model {model} is unavailable on the inference server"
            ) from exc
        raise InferenceFailed(f"the inference server failed to run model {model}") from exc
    except grpc.RpcError as exc:
        # tritonclient wraps gRPC errors itself; this covers any call path that does not.
        from tritonclient.grpc._utils import get_error_grpc

        with map_triton_errors(model):
            raise get_error_grpc(exc) from exc


# --- Triton -----------------------------------------------------------------------------------


class TritonBackend:
    """Triton over gRPC aio: one shared client per process, one request per window.

    Each window is its own Triton request, sent concurrently, so Triton's dynamic batcher packs
    windows of this note and of every other in-flight note into one execution. Every call has a
    deadline (``client_timeout``); only UNAVAILABLE is retried (bounded, exponential backoff with
    jitter), because that status means the request never reached the model.
    """

    def __init__(
        self,
        url: str,
        info: ModelInfo,
        *,
        timeout_s: float,
        retries: int,
        backoff_s: float = 0.05,
        model_version: str | None = None,
    ) -> None:
        self.url = url
        self.info = info
        self.timeout_s = timeout_s
        self.retries = retries
        self.backoff_s = backoff_s
        #: Version pinned in every call (the one labels were read from); "" = Triton's latest.
        self.model_version = info.version if model_version is None else model_version
        self._client: Any = None

    @staticmethod
    def channel_args() -> list[tuple[str, int]]:
        # channel_args replaces every tritonclient default, so the message sizes and keepalive
        # come back here; short reconnect backoff lets the gateway recover within a second or
        # two of Triton coming back instead of gRPC's default of up to two minutes.
        return [
            ("grpc.max_send_message_length", MAX_GRPC_MESSAGE_BYTES),
            ("grpc.max_receive_message_length", MAX_GRPC_MESSAGE_BYTES),
            ("grpc.keepalive_time_ms", 30_000),
            ("grpc.keepalive_timeout_ms", 10_000),
            ("grpc.keepalive_permit_without_calls", 0),
            ("grpc.http2.max_pings_without_data", 2),
            ("grpc.initial_reconnect_backoff_ms", 200),
            ("grpc.min_reconnect_backoff_ms", 200),
            ("grpc.max_reconnect_backoff_ms", 2_000),
        ]

    @property
    def client(self) -> Any:
        if self._client is None:
            raise RuntimeError("TritonBackend.start() was not awaited")
        return self._client

    async def start(self) -> None:
        """Open the shared client (inside the running event loop, which gRPC aio binds to)."""
        if self._client is None:
            from tritonclient.grpc.aio import InferenceServerClient

            self._client = InferenceServerClient(self.url, channel_args=self.channel_args())

    async def close(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.close()

    async def is_ready(self) -> bool:
        """True when Triton answers and the pinned model version is ready."""
        if self._client is None:
            return False
        try:
            with map_triton_errors(self.info.name):
                return bool(
                    await self.client.is_model_ready(
                        self.info.name, self.model_version, client_timeout=self.timeout_s
                    )
                )
        except (InferenceUnavailable, InferenceFailed):
            return False

    async def _infer_one(self, window: Window) -> NDArray[Any]:
        from tritonclient.grpc import InferInput, InferRequestedOutput
        from tritonclient.utils import InferenceServerException

        ids_name, mask_name = self.info.input_names
        shape = [1, int(window.input_ids.shape[0])]
        ids = InferInput(ids_name, shape, "INT64")
        ids.set_data_from_numpy(window.input_ids.reshape(shape))
        mask = InferInput(mask_name, shape, "INT64")
        mask.set_data_from_numpy(window.attention_mask.reshape(shape))
        outputs = [InferRequestedOutput(self.info.output_name)]
        attempt = 0
        while True:
            try:
                with map_triton_errors(self.info.name):
                    result = await self.client.infer(
                        self.info.name,
                        [ids, mask],
                        model_version=self.model_version,
                        outputs=outputs,
                        client_timeout=self.timeout_s,
                    )
                break
            except InferenceUnavailable as exc:
                cause = exc.__cause__
                retryable = (
                    isinstance(cause, InferenceServerException)
                    and triton_status_name(cause) == "UNAVAILABLE"
                )
                if not retryable or attempt >= self.retries:
                    raise
                delay = self.backoff_s * (2**attempt) * (0.5 + random.random())
                attempt += 1
                await asyncio.sleep(delay)
        logits = result.as_numpy(self.info.output_name)
        if logits is None or logits.shape != (1, self.info.num_labels):
            raise InferenceFailed(f"model {self.info.name} returned logits of an unexpected shape")
        row: NDArray[Any] = logits[0]
        return row

    async def predict(self, windows: Sequence[Window]) -> NDArray[Any]:
        if not windows:
            return np.zeros((0, self.info.num_labels), dtype=np.float64)
        # return_exceptions: every sibling call finishes (none is left failing unobserved),
        # then the first error is raised.
        results = await asyncio.gather(
            *(self._infer_one(w) for w in windows), return_exceptions=True
        )
        rows: list[NDArray[Any]] = []
        for result in results:
            if isinstance(result, BaseException):
                raise result
            rows.append(result)
        return softmax(np.stack(rows))


# --- in-process ONNX Runtime ----------------------------------------------------------------


class InProcessBackend:
    """ONNX Runtime inside the gateway: the paper's "FastAPI only" baseline and the fallback.

    To be a fair baseline it does no cross-request batching: each call runs its own windows, one
    ``session.run`` per length bucket, in a thread pool (never on the event loop).
    """

    def __init__(self, info: ModelInfo, *, threads: int, workers: int = 1) -> None:
        self.info = info
        self.threads = threads
        self.workers = workers
        self._session: Any = None
        self._executor: ThreadPoolExecutor | None = None

    async def start(self) -> None:
        if self._session is None:
            self._executor = ThreadPoolExecutor(
                max_workers=self.workers, thread_name_prefix="onnxruntime"
            )
            loop = asyncio.get_running_loop()
            self._session = await loop.run_in_executor(self._executor, self._load)

    def _load(self) -> Any:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        # As in the Triton model: idle threads sleep, the cores are shared with the event loop.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return ort.InferenceSession(
            str(self.info.onnx_path), sess_options=options, providers=["CPUExecutionProvider"]
        )

    async def close(self) -> None:
        executor, self._executor = self._executor, None
        self._session = None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    async def is_ready(self) -> bool:
        return self._session is not None

    def _run(self, windows: Sequence[Window]) -> NDArray[Any]:
        logits = np.empty((len(windows), self.info.num_labels), dtype=np.float32)
        by_bucket: dict[int, list[int]] = {}
        for i, window in enumerate(windows):
            by_bucket.setdefault(int(window.input_ids.shape[0]), []).append(i)
        ids_name, mask_name = self.info.input_names
        for indices in by_bucket.values():
            feeds = {
                ids_name: np.stack([windows[i].input_ids for i in indices]),
                mask_name: np.stack([windows[i].attention_mask for i in indices]),
            }
            logits[indices] = self._session.run([self.info.output_name], feeds)[0]
        return logits

    async def predict(self, windows: Sequence[Window]) -> NDArray[Any]:
        if not windows:
            return np.zeros((0, self.info.num_labels), dtype=np.float64)
        if self._session is None or self._executor is None:
            raise InferenceUnavailable("the in-process model is not loaded")
        loop = asyncio.get_running_loop()
        try:
            logits = await loop.run_in_executor(self._executor, self._run, list(windows))
        except Exception as exc:
            logger.warning("in-process inference failed: %s", type(exc).__name__)
            raise InferenceFailed("the in-process model failed") from exc
        return softmax(logits)


# --- null -------------------------------------------------------------------------------------


class NullBackend:
    """Zero-cost FAKE scores, only for measuring the gateway's own throughput ceiling.

    The probabilities are a deterministic function of each window's token count; they mean
    nothing clinically and must never be served to users.
    """

    def __init__(self, info: ModelInfo) -> None:
        self.info = info

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def is_ready(self) -> bool:
        return True

    async def predict(self, windows: Sequence[Window]) -> NDArray[Any]:
        n = self.info.num_labels
        probs = np.full((len(windows), n), 0.0, dtype=np.float64)
        for i, window in enumerate(windows):
            negative = 0.05 + 0.9 * ((window.n_tokens * 37) % 101) / 100.0
            probs[i, :] = (1.0 - negative) / (n - 1)
            probs[i, self.info.negative_index] = negative
        return probs


def create_backend(
    settings: Settings, info: ModelInfo, *, triton_url: str | None
) -> InferenceBackend:
    """The backend ``settings.inference_backend`` names (Triton needs ``triton_url``)."""
    kind = settings.inference_backend
    if kind == "inprocess":
        return InProcessBackend(info, threads=settings.inprocess_threads)
    if kind == "null":
        return NullBackend(info)
    url = triton_url or settings.triton_url
    if not url:
        raise ValueError("the triton backend needs a Triton gRPC URL (embedded or TRITON_URL)")
    return TritonBackend(
        url, info, timeout_s=settings.triton_timeout_s, retries=settings.triton_retries
    )
