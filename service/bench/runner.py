"""The benchmark run: raw model, de-identification, then each serving mode at each concurrency.

Order: machine facts → workload (seeded) → raw model (ONNX Runtime alone, batch 32 and 1) →
de-identification alone → for each mode: start Triton (triton modes) and the gateway, check
one response of each kind, warm up, sweep concurrencies (Triton's and the gateway's counters
scraped around each point), stop both → ratios, targets, files.

Everything started here is stopped in ``finally`` blocks, and SIGTERM is turned into a normal
exit so they run; a mode that cannot start is recorded under ``skipped`` with the reason.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import logging
import os
import platform
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

from service.bench import deidbench, rawmodel
from service.bench.loadgen import LOOPBACK, LoadResult, PreparedRequest, encode_request, run_load
from service.bench.loadgen import new_event_loop as new_loop
from service.bench.prom import histogram_means, metric_delta, parse_prometheus, triton_counters
from service.bench.report import (
    ALL_MODES,
    GATEWAY_MODE,
    compute_ratios,
    evaluate_targets,
    validate_result,
    write_results,
)
from service.bench.servers import Gateway, TritonHandle, fetch_text, start_gateway, start_triton
from service.bench.stats import latency_summary
from service.bench.workload import BenchRequest, generate_workload
from service.config import REPO_ROOT, Settings
from service.inference.repository import ModelInfo, load_model_info
from service.inference.tokenization import NoteTokenizer, Window

log = logging.getLogger("service.bench")

DEFAULT_OUT = REPO_ROOT / "bench" / "results"
DEFAULT_HOOK_ID = "note-sentiment-patient-view"

#: Per preset: concurrencies, per-point request cap and time cap (s), warm-up (s) per mode,
#: raw-model seconds per batch size, de-id seconds, distinct requests generated.
PRESETS: dict[str, dict[str, Any]] = {
    "full": {
        "concurrencies": (1, 8, 16, 32, 64, 128),
        "max_requests": 5000,
        "max_seconds": 20.0,
        "warmup_seconds": 3.0,
        "raw_seconds": 15.0,
        "deid_seconds": 10.0,
        "workload_size": 2000,
    },
    "quick": {
        "concurrencies": (1, 8, 32, 128),
        "max_requests": 600,
        "max_seconds": 4.0,
        "warmup_seconds": 1.5,
        "raw_seconds": 3.0,
        "deid_seconds": 2.0,
        "workload_size": 400,
    },
    "smoke": {
        "concurrencies": (1, 8),
        "max_requests": 30,
        "max_seconds": 1.5,
        "warmup_seconds": 0.5,
        "raw_seconds": 0.5,
        "deid_seconds": 0.3,
        "workload_size": 60,
    },
}


@dataclass(frozen=True)
class BenchConfig:
    """What one run measures and for how long."""

    preset: str
    modes: tuple[str, ...]
    concurrencies: tuple[int, ...]
    max_requests: int
    max_seconds: float
    warmup_seconds: float
    raw_seconds: float
    deid_seconds: float
    workload_size: int
    model_workers: int
    gateway_workers: int
    seed: int
    out_dir: Path
    plot: bool = True
    hook_share: float = 0.5
    notes_per_hook: int = 3
    raw_batch: int = 32

    @classmethod
    def preset_config(cls, preset: str, **overrides: Any) -> BenchConfig:
        if preset not in PRESETS:
            raise ValueError(f"unknown preset {preset!r}")
        base = cls(
            preset=preset,
            modes=ALL_MODES,
            model_workers=1,
            gateway_workers=max(2, os.cpu_count() or 2),
            seed=20240611,
            out_dir=DEFAULT_OUT / "smoke" if preset == "smoke" else DEFAULT_OUT,
            **PRESETS[preset],
        )
        return replace(base, **{k: v for k, v in overrides.items() if v is not None})

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["out_dir"] = str(self.out_dir)
        out["modes"] = list(self.modes)
        out["concurrencies"] = list(self.concurrencies)
        return out


# --- machine ----------------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except (OSError, ValueError):
        pass
    return None


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def machine_info() -> dict[str, Any]:
    """Facts about the machine and the software measured (Triton's version is added later)."""
    import onnxruntime

    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    return {
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "cores_usable": usable,
        "memory_gb": _memory_gb(),
        "python": platform.python_version(),
        "os": platform.platform(),
        "onnxruntime": onnxruntime.__version__,
        "triton": None,
        "nvidia_pytriton": _version("nvidia-pytriton"),
        "tritonclient": _version("tritonclient"),
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
    }


# --- workload ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreparedWorkload:
    requests: list[BenchRequest]
    windows_per_request: list[int]
    summary: dict[str, Any]
    note_windows: list[list[Window]]


def prepare_workload(
    config: BenchConfig, settings: Settings, tokenizer: NoteTokenizer
) -> PreparedWorkload:
    requests = generate_workload(
        config.workload_size,
        seed=config.seed,
        hook_share=config.hook_share,
        notes_per_hook=config.notes_per_hook,
    )
    note_windows: list[list[Window]] = []
    per_request: list[int] = []
    for request in requests:
        windows = rawmodel.workload_windows(
            request.notes, tokenizer, max_windows=settings.max_windows_per_note
        )
        note_windows.extend(windows)
        per_request.append(sum(len(w) for w in windows))
    flat = [w for ws in note_windows for w in ws]
    notes = len(note_windows)
    summary = {
        "seed": config.seed,
        "requests": len(requests),
        "hook_requests": sum(r.kind == "hook" for r in requests),
        "assess_requests": sum(r.kind == "assess" for r in requests),
        "notes_per_hook": config.notes_per_hook,
        "notes": notes,
        "windows": len(flat),
        "windows_per_note": len(flat) / notes if notes else None,
        "multi_window_share": sum(len(w) > 1 for w in note_windows) / notes if notes else 0.0,
        "max_windows_per_note": max((len(w) for w in note_windows), default=0),
        "length_classes": dict(Counter(c for r in requests for c in r.length_classes)),
        "bucket_mix": rawmodel.bucket_mix(flat),
        "window_overlap": settings.window_overlap,
        "mean_note_chars": (
            sum(len(t) for r in requests for t in r.notes) / notes if notes else None
        ),
    }
    return PreparedWorkload(requests, per_request, summary, note_windows)


# --- one serving mode -------------------------------------------------------------------------


def _backend_for(mode: str) -> str:
    return {"inprocess": "inprocess", GATEWAY_MODE: "null"}.get(mode, "triton")


def discover_hook_id(gateway: Gateway) -> str:
    """The id of the ``patient-view`` service from discovery (the documented default else)."""
    try:
        response = httpx.get(f"{gateway.base_url}/cds-services", timeout=10)
        for service in response.json().get("services", []):
            if service.get("hook") == "patient-view":
                return str(service["id"])
    except (httpx.HTTPError, ValueError, KeyError, AttributeError):
        log.warning("discovery failed; using the default patient-view service id")
    return DEFAULT_HOOK_ID


def check_responses(gateway: Gateway, requests: Sequence[BenchRequest], hook_id: str) -> None:
    """One request of each kind must answer 200 with the right shape, or the mode is skipped.

    Without this a misconfigured gateway could answer fast errors and look fast.
    """
    seen: set[str] = set()
    with httpx.Client(base_url=gateway.base_url, timeout=120) as client:
        for request in requests:
            if request.kind in seen:
                continue
            seen.add(request.kind)
            response = client.post(
                request.path(hook_id),
                content=request.body,
                headers={"Content-Type": request.content_type},
            )
            if response.status_code != 200:
                raise RuntimeError(
                    f"{request.kind} request answered {response.status_code}: {response.text[:600]}"
                )
            body = response.json()
            if request.kind == "assess" and body.get("resourceType") != "RiskAssessment":
                raise RuntimeError("$assess did not return a RiskAssessment")
            if request.kind == "hook" and not body.get("cards"):
                raise RuntimeError("patient-view returned no cards for a patient with notes")


def _record(
    mode: str,
    result: LoadResult,
    *,
    workers: int,
    gw_before: str,
    gw_after: str,
    triton: dict[str, float | None] | None,
    expected_windows: float,
) -> dict[str, Any]:
    elapsed = result.elapsed_s or 1e-9
    before, after = parse_prometheus(gw_before), parse_prometheus(gw_after)
    windows = metric_delta(before, after, "cds_windows_scored")
    source = "gateway"
    if windows <= 0 and triton is not None and (triton.get("inference_count") or 0) > 0:
        windows, source = float(triton["inference_count"] or 0), "triton"
    elif windows <= 0:
        windows, source = expected_windows, "estimate"
    stages = result.stages.means()
    if not stages:
        stages = {
            k: v * 1000.0
            for k, v in histogram_means(
                before, after, "cds_stage_duration_seconds", "stage"
            ).items()
        }
    return {
        "mode": mode,
        "concurrency": result.concurrency,
        "workers": workers,
        "requests": result.completed,
        "errors": result.errors,
        "error_kinds": dict(result.error_kinds),
        "duration_s": round(result.elapsed_s, 3),
        "rps": result.ok / elapsed,
        "notes_per_s": result.notes / elapsed,
        "windows_per_s": windows / elapsed,
        "windows_source": source,
        **latency_summary(result.latencies_ms),
        "mean_batch": triton.get("mean_batch") if triton else None,
        "triton": triton,
        "stages_ms": stages,
        "loadgen": {
            "cpu_s": round(result.cpu_s, 3),
            "cpu_share_of_one_core": result.cpu_s / elapsed,
            "cpu_ms_per_request": (result.cpu_s * 1000 / result.completed)
            if result.completed
            else None,
        },
    }


def run_mode(
    mode: str,
    *,
    config: BenchConfig,
    settings: Settings,
    info: ModelInfo,
    workload: PreparedWorkload,
    loop: asyncio.AbstractEventLoop,
    workdir: Path,
    machine: dict[str, Any],
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Start the servers for ``mode``, sweep the concurrencies, stop them."""
    server_info: dict[str, Any] = {"mode": mode}
    workers = config.gateway_workers if mode == GATEWAY_MODE else config.model_workers
    server_info["workers"] = workers
    if mode == GATEWAY_MODE:
        # The ceiling is stated for single-note requests.
        chosen = [
            (r, w)
            for r, w in zip(workload.requests, workload.windows_per_request, strict=True)
            if r.kind == "assess"
        ]
    else:
        chosen = list(zip(workload.requests, workload.windows_per_request, strict=True))
    if not chosen:
        raise RuntimeError(f"the workload has no request {mode} can use")
    selected = [r for r, _ in chosen]
    mean_windows = sum(w for _, w in chosen) / len(chosen)
    triton: TritonHandle | None = None
    records: list[dict[str, Any]] = []
    try:
        env = {"INFERENCE_BACKEND": _backend_for(mode)}
        if mode.startswith("triton"):
            log.info("%s: starting the embedded Triton", mode)
            triton = start_triton(
                settings.model_repository, info.name, batching=mode == "triton_dynamic"
            )
            env["TRITON_URL"] = triton.server.grpc_url
            config_served = triton.model_config(info.name)
            server_info["triton_config"] = {
                "dynamic_batching": config_served.get("dynamic_batching"),
                "max_batch_size": config_served.get("max_batch_size"),
                "instance_group": config_served.get("instance_group"),
            }
            machine["triton"] = machine.get("triton") or triton.version()
        log.info("%s: starting the gateway (%d worker(s))", mode, workers)
        gateway = start_gateway(workdir, name=mode, workers=workers, env_overrides=env)
        try:
            hook_id = discover_hook_id(gateway)
            check_responses(gateway, selected, hook_id)
            prepared = [
                PreparedRequest(
                    raw=encode_request(
                        method="POST",
                        path=r.path(hook_id),
                        host=LOOPBACK,
                        port=gateway.port,
                        body=r.body,
                        content_type=r.content_type,
                    ),
                    notes=len(r.notes),
                    kind=r.kind,
                )
                for r in selected
            ]
            warm_c = min(8, max(config.concurrencies))
            loop.run_until_complete(
                run_load(
                    prepared,
                    port=gateway.port,
                    concurrency=warm_c,
                    max_requests=10**9,
                    max_seconds=config.warmup_seconds,
                )
            )
            for concurrency in config.concurrencies:
                gw_before = fetch_text(f"{gateway.base_url}/metrics")
                tr_before = fetch_text(triton.metrics_url) if triton else ""
                result = loop.run_until_complete(
                    run_load(
                        prepared,
                        port=gateway.port,
                        concurrency=concurrency,
                        max_requests=config.max_requests,
                        max_seconds=config.max_seconds,
                    )
                )
                gw_after = fetch_text(f"{gateway.base_url}/metrics")
                counters = (
                    triton_counters(tr_before, fetch_text(triton.metrics_url), info.name)
                    if triton
                    else None
                )
                record = _record(
                    mode,
                    result,
                    workers=workers,
                    gw_before=gw_before,
                    gw_after=gw_after,
                    triton=counters,
                    expected_windows=mean_windows * result.ok,
                )
                records.append(record)
                log.info(
                    "%s c=%d: %d requests, %d errors, %.1f req/s, %.1f notes/s, p50 %s ms, "
                    "p95 %s ms, mean batch %s",
                    mode,
                    concurrency,
                    record["requests"],
                    record["errors"],
                    record["rps"],
                    record["notes_per_s"],
                    _short(record["p50_ms"]),
                    _short(record["p95_ms"]),
                    _short(record["mean_batch"]),
                )
        finally:
            server_info["gateway_stopped_clean"] = gateway.stop()
    finally:
        if triton is not None:
            server_info["triton_stopped_clean"] = triton.stop()
    return records, server_info


def summarize_reason(reason: str) -> str:
    """First line of an error and, for a log tail, its last line (the exception itself)."""
    lines = [line.strip() for line in reason.splitlines() if line.strip()]
    if not lines:
        return "unknown error"
    if len(lines) == 1:
        return lines[0][:300]
    return f"{lines[0][:200]} ... {lines[-1][:300]}"


def _short(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


# --- the whole run ----------------------------------------------------------------------------


def _on_sigterm(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def run_bench(config: BenchConfig, *, command: str = "") -> dict[str, Any]:
    """Run everything ``config`` asks for; write the files; return the result document."""
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    started = time.perf_counter()
    try:
        return _run(config, command=command, started=started)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run(config: BenchConfig, *, command: str, started: float) -> dict[str, Any]:
    settings = Settings(allow_unauthenticated=True)
    info = load_model_info(settings.model_repository, settings.model_name, settings.model_version)
    tokenizer = NoteTokenizer.from_model_info(
        info, buckets=settings.buckets, overlap=settings.window_overlap
    )
    machine = machine_info()
    log.info("generating the workload (%d requests, seed %d)", config.workload_size, config.seed)
    workload = prepare_workload(config, settings, tokenizer)
    flat = [w for ws in workload.note_windows for w in ws]

    log.info("raw model: ONNX Runtime alone, batch %d and 1", config.raw_batch)
    session = rawmodel.open_session(info, threads=settings.inprocess_threads)
    raw_batched = rawmodel.measure(
        session,
        info,
        flat,
        batch_size=config.raw_batch,
        max_seconds=config.raw_seconds,
        seed=config.seed,
    )
    raw_single = rawmodel.measure(
        session, info, flat, batch_size=1, max_seconds=config.raw_seconds, seed=config.seed
    )
    del session
    log.info(
        "raw model: %.1f seq/s at batch %d, %.1f seq/s at batch 1",
        raw_batched.seq_per_s,
        config.raw_batch,
        raw_single.seq_per_s,
    )

    deid_info: dict[str, Any]
    try:
        deid_result = deidbench.measure_deid(workload.requests, max_seconds=config.deid_seconds)
        deid_info = deid_result.as_dict()
        log.info("de-identification: %.2f MB/s on one thread", deid_result.mb_per_s)
    except Exception as exc:  # the de-id module may be unavailable; record it, go on
        log.warning("de-identification bench failed: %s", type(exc).__name__)
        deid_info = {"mb_per_s": None, "error": f"{type(exc).__name__}: {exc}"[:300]}

    runs: list[dict[str, Any]] = []
    servers: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    loop = new_loop()
    try:
        with tempfile.TemporaryDirectory(prefix="cds-bench-") as tmp:
            # Gateway-only first: it needs no model and shows the ceiling before the others.
            order = [m for m in (GATEWAY_MODE, *ALL_MODES) if m in config.modes]
            for mode in dict.fromkeys(order):
                try:
                    records, server_info = run_mode(
                        mode,
                        config=config,
                        settings=settings,
                        info=info,
                        workload=workload,
                        loop=loop,
                        workdir=Path(tmp),
                        machine=machine,
                    )
                except Exception as exc:  # record why the mode was not measured; go on
                    reason = str(exc)
                    log.error("%s: not measured: %s", mode, summarize_reason(reason))
                    skipped.append(
                        {"mode": mode, "reason": summarize_reason(reason), "detail": reason[-3000:]}
                    )
                    continue
                runs.extend(records)
                servers.append(server_info)
    finally:
        loop.close()

    # Keep the documented mode order in the table.
    runs.sort(key=lambda r: (ALL_MODES.index(r["mode"]), r["concurrency"]))
    ratios = compute_ratios(runs, raw_model_seq_per_s=raw_batched.seq_per_s or None)
    generated = datetime.now(UTC)
    result: dict[str, Any] = {
        "schema_version": 1,
        "generated_at": generated.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "preset": config.preset,
        "command": command,
        "machine": machine,
        "config": config.as_dict(),
        "workload": workload.summary,
        "raw_model_seq_per_s": raw_batched.seq_per_s or None,
        "raw_model_seq_per_s_batch1": raw_single.seq_per_s or None,
        "raw_model": {
            "batch": config.raw_batch,
            "max_tokens_per_pass": info.max_forward_tokens,
            "threads": settings.inprocess_threads,
            "batched": asdict(raw_batched),
            "batch1": asdict(raw_single),
            "note": "ONNX Runtime alone on model.onnx, the workload's windows (same buckets), "
            "same-bucket batches of at most `batch` windows and `max_tokens_per_pass` tokens "
            "(the served model's max_forward_tokens)",
        },
        "deid_mb_per_s": deid_info.get("mb_per_s"),
        "deid": deid_info,
        "runs": runs,
        "ratios": ratios,
        "targets": evaluate_targets(ratios),
        "servers": servers,
        "skipped": skipped,
        "elapsed_s": round(time.perf_counter() - started, 1),
    }
    problems = validate_result(result)
    if problems:
        raise RuntimeError("result document is malformed: " + "; ".join(problems))
    stamp = generated.strftime("%Y%m%dT%H%M%SZ")
    paths = write_results(result, config.out_dir, stamp=stamp, plot=config.plot)
    for path in paths:
        log.info("wrote %s", path)
    return result


def describe_command() -> str:
    return " ".join([Path(sys.executable).name, "-m", "service.bench", *sys.argv[1:]])
