"""The real embedded Triton: readiness, agreement with ONNX Runtime, dynamic batching, errors."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import numpy as np
import pytest
from tritonclient.grpc import InferInput
from tritonclient.utils import InferenceServerException

from service.errors import InferenceUnavailable
from service.inference.backends import InProcessBackend, TritonBackend
from service.inference.embedded import EmbeddedTriton, EmbeddedTritonError
from service.inference.metrics import fetch_metrics_text, model_stats
from service.inference.repository import ModelInfo
from service.inference.tokenization import NoteTokenizer
from tests.integration.triton_fixtures import REPOSITORY

# asyncio_mode=auto runs the async tests on the session loop (pyproject.toml).
pytestmark = [pytest.mark.integration]

NOTES = [
    "Patient resting comfortably, pain resolved, in good spirits and eager to go home.",
    "Deteriorating overnight, severe distress, family very upset about the lack of progress.",
    "Follow-up visit. " * 150,  # several windows
]


def _inputs(ids: np.ndarray, mask: np.ndarray) -> list[InferInput]:
    a = InferInput("input_ids", list(ids.shape), "INT64")
    a.set_data_from_numpy(ids)
    b = InferInput("attention_mask", list(mask.shape), "INT64")
    b.set_data_from_numpy(mask)
    return [a, b]


async def test_model_is_ready(triton_server: EmbeddedTriton, triton_backend: TritonBackend) -> None:
    assert triton_server.is_model_ready()
    assert await triton_backend.is_ready()


async def test_triton_matches_inprocess_onnxruntime(
    triton_backend: TritonBackend,
    inprocess_backend: InProcessBackend,
    triton_note_tokenizer: NoteTokenizer,
) -> None:
    windows = [w for note in NOTES for w in triton_note_tokenizer.windows(note, max_windows=64)]
    assert len({w.bucket for w in windows}) > 1  # several buckets go through the batcher
    via_triton = await triton_backend.predict(windows)
    local = await inprocess_backend.predict(windows)
    assert via_triton.shape == (len(windows), triton_backend.info.num_labels)
    np.testing.assert_allclose(via_triton.sum(axis=1), 1.0, atol=1e-6)
    # Dynamic INT8 quantization computes activation scales over the whole batch, so a window's
    # probabilities move slightly with its batch-mates (measured: up to ~4e-3); more is a bug.
    np.testing.assert_allclose(via_triton, local, atol=1e-2)


async def test_dynamic_batching_batches_concurrent_requests(
    triton_server: EmbeddedTriton,
    triton_backend: TritonBackend,
    triton_note_tokenizer: NoteTokenizer,
    triton_model_info: ModelInfo,
) -> None:
    window = triton_note_tokenizer.windows(NOTES[0], max_windows=1)[0]
    requests = 200
    before = model_stats(fetch_metrics_text(triton_server.metrics_url), triton_model_info.name)
    probs = await asyncio.gather(*(triton_backend.predict([window]) for _ in range(requests)))
    after = model_stats(fetch_metrics_text(triton_server.metrics_url), triton_model_info.name)
    delta = after.since(before)
    assert all(p.shape == (1, 2) for p in probs)
    assert delta.request_success == requests
    assert delta.inference_count == requests
    assert 0 < delta.exec_count < requests, delta
    assert delta.mean_batch_size > 1.0


async def test_a_bad_request_fails_alone(
    triton_backend: TritonBackend, triton_model_info: ModelInfo
) -> None:
    client = triton_backend.client
    good_ids = np.full((1, 16), 2000, dtype=np.int64)
    good_mask = np.ones((1, 16), dtype=np.int64)
    bad_mask = np.ones((1, 12), dtype=np.int64)  # shape differs from input_ids
    out_of_vocab = np.full((1, 16), 10**9, dtype=np.int64)

    async def call(ids: np.ndarray, mask: np.ndarray) -> np.ndarray | InferenceServerException:
        try:
            result = await client.infer(
                triton_model_info.name, _inputs(ids, mask), client_timeout=30
            )
        except InferenceServerException as exc:
            return exc
        return result.as_numpy("logits")

    results = await asyncio.gather(
        *(call(good_ids, good_mask) for _ in range(8)),
        call(good_ids, bad_mask),
        call(out_of_vocab, good_mask),
        *(call(good_ids, good_mask) for _ in range(8)),
    )
    errors = [r for r in results if isinstance(r, InferenceServerException)]
    assert len(errors) == 2
    assert isinstance(results[8], InferenceServerException)
    assert "same" in (results[8].message() or "")
    assert isinstance(results[9], InferenceServerException)
    good = [r for r in results if not isinstance(r, InferenceServerException)]
    assert len(good) == 16
    for logits in good:
        np.testing.assert_allclose(logits, good[0], atol=1e-4)


@pytest.fixture(scope="module")
def own_triton(triton_model_info: ModelInfo) -> EmbeddedTriton:
    """A second server this module may stop, restart and reload without disturbing others."""
    server = EmbeddedTriton(REPOSITORY, models=[triton_model_info.name])
    server.start()
    try:
        server.wait_ready(timeout=180)
        yield server  # type: ignore[misc]
    finally:
        server.stop()


async def test_triton_stopped_then_restarted(
    own_triton: EmbeddedTriton,
    triton_model_info: ModelInfo,
    triton_note_tokenizer: NoteTokenizer,
) -> None:
    windows = triton_note_tokenizer.windows(NOTES[1], max_windows=4)
    backend = TritonBackend(
        own_triton.grpc_url, triton_model_info, timeout_s=5.0, retries=1, backoff_s=0.01
    )
    await backend.start()
    try:
        first = await backend.predict(windows)
        own_triton.stop()
        with pytest.raises(InferenceUnavailable):
            await backend.predict(windows)
        assert not await backend.is_ready()

        await asyncio.to_thread(own_triton.restart, 180)
        # gRPC reconnects with a short backoff (channel_args); the bounded retry covers the gap.
        for _ in range(50):
            if await backend.is_ready():
                break
            await asyncio.sleep(0.2)
        again = await backend.predict(windows)
        np.testing.assert_allclose(again, first, atol=1e-6)
    finally:
        await backend.close()


async def test_unloaded_model_is_unavailable_then_reloads(
    own_triton: EmbeddedTriton,
    triton_model_info: ModelInfo,
    triton_note_tokenizer: NoteTokenizer,
) -> None:
    windows = triton_note_tokenizer.windows(NOTES[0], max_windows=1)
    backend = TritonBackend(own_triton.grpc_url, triton_model_info, timeout_s=5.0, retries=0)
    await backend.start()
    try:
        await asyncio.to_thread(own_triton.unload_model, triton_model_info.name)
        with pytest.raises(InferenceUnavailable):
            await backend.predict(windows)
        assert not await backend.is_ready()
        await asyncio.to_thread(own_triton.load_model, triton_model_info.name)
        assert await backend.is_ready()
        assert (await backend.predict(windows)).shape == (1, 2)
    finally:
        await backend.close()


def test_wait_ready_reports_an_early_exit(tmp_path: Path) -> None:
    """A repository Triton refuses: the error carries Triton's last log lines."""
    broken = tmp_path / "repo"
    (broken / "distilbert_sentiment").mkdir(parents=True)
    (broken / "distilbert_sentiment" / "config.pbtxt").write_text(
        'name: "distilbert_sentiment"\nbackend: "python"\n'
    )
    server = EmbeddedTriton(broken, models=["distilbert_sentiment"])
    server.start()
    try:
        with pytest.raises(EmbeddedTritonError, match="exited with code") as info:
            server.wait_ready(timeout=60)
        assert "distilbert_sentiment" in str(info.value)  # Triton's own reason is included
    finally:
        server.stop()
    assert server.pid is None


_PARENT = """
import sys
from pathlib import Path
from service.inference.embedded import EmbeddedTriton
server = EmbeddedTriton(Path(sys.argv[1]), models=["distilbert_sentiment"])
server.start()
server.wait_ready(timeout=180)
print(server.pid, server.log_path.parent, flush=True)
sys.stdin.read()  # block until killed
"""


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_triton_dies_with_a_killed_parent() -> None:
    """SIGKILL the process that started Triton: Triton and its stub must not be left behind."""
    import subprocess
    import sys
    import time

    root = Path(__file__).resolve().parents[2]
    parent = subprocess.Popen(
        [sys.executable, "-c", _PARENT, str(REPOSITORY)],
        cwd=root,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**__import__("os").environ, "PYTHONPATH": str(root)},
    )
    assert parent.stdout is not None
    pid_text, work_dir = parent.stdout.readline().decode().split(maxsplit=1)
    triton_pid = int(pid_text)
    stubs = _children(triton_pid)
    assert stubs  # the python-backend stub process
    parent.kill()
    parent.wait(timeout=30)
    deadline = time.monotonic() + 60
    while any(_alive(p) for p in [triton_pid, *stubs]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(p) for p in [triton_pid, *stubs])
    shutil.rmtree(work_dir.strip(), ignore_errors=True)  # a SIGKILLed parent cannot clean up
