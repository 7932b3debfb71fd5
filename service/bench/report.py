"""Results: ratios against the issue's targets, schema check, JSON/markdown/PNG output.

Definitions (also written into the markdown):

* ``serving_efficiency``: the best ``triton_dynamic`` *windows*/s through the gateway (any
  concurrency) ÷ ``raw_model_seq_per_s`` (ONNX Runtime alone, batch 32, the same windows).
  A window is one model sequence (a note of more than 126 tokens has several), so windows/s and
  the raw model's sequences/s count the same unit; notes/s would mix the note-length
  distribution into the ratio.
* ``*_c32`` ratios compare notes/s (and p95) at concurrency 32 of two modes of the same run.
* ``gateway_only_rps``: best single-note requests/s with the zero-cost backend;
  ``gateway_only_p50_ms``: its client-side p50 at concurrency 1 (loopback HTTP included).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.bench.stats import best, safe_ratio

log = logging.getLogger(__name__)

MODEL_MODES = ("inprocess", "triton_unbatched", "triton_dynamic")
GATEWAY_MODE = "gateway_only"
ALL_MODES = (*MODEL_MODES, GATEWAY_MODE)
STAGE_ORDER = ("parse", "fetch", "deidentify", "tokenize", "infer", "build", "audit")

RUN_FIELDS: dict[str, tuple[type, ...]] = {
    "mode": (str,),
    "concurrency": (int,),
    "requests": (int,),
    "errors": (int,),
    "rps": (int, float),
    "notes_per_s": (int, float),
    "p50_ms": (int, float, type(None)),
    "p95_ms": (int, float, type(None)),
    "p99_ms": (int, float, type(None)),
    "mean_batch": (int, float, type(None)),
    "stages_ms": (dict,),
}
TOP_FIELDS: dict[str, tuple[type, ...]] = {
    "machine": (dict,),
    "raw_model_seq_per_s": (int, float, type(None)),
    "raw_model_seq_per_s_batch1": (int, float, type(None)),
    "deid_mb_per_s": (int, float, type(None)),
    "runs": (list,),
    "ratios": (dict,),
    "targets": (list,),
}
MACHINE_FIELDS = ("cpu_model", "cores", "memory_gb", "python", "os", "onnxruntime", "triton")


@dataclass(frozen=True)
class Target:
    """One target of the issue: ``ratios[key] <op> threshold``."""

    key: str
    label: str
    op: str  # ">=", ">", "<=", "<", "=="
    threshold: float

    def check(self, value: float | None) -> bool | None:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        return {
            ">=": value >= self.threshold,
            ">": value > self.threshold,
            "<=": value <= self.threshold,
            "<": value < self.threshold,
            "==": value == self.threshold,
        }[self.op]


TARGETS: tuple[Target, ...] = (
    Target("serving_efficiency", "triton_dynamic windows/s / raw model seq/s (b=32)", ">=", 0.75),
    Target("dynamic_vs_unbatched_c32", "notes/s dynamic / unbatched at c=32", ">=", 1.5),
    Target("dynamic_vs_inprocess_c32", "notes/s dynamic / inprocess at c=32", ">=", 1.3),
    Target("p95_dynamic_vs_inprocess_c32", "p95 dynamic / inprocess at c=32", "<=", 1.25),
    Target("mean_batch_dynamic_c32", "Triton mean batch size, dynamic at c=32", ">", 8.0),
    Target("gateway_only_rps", "gateway-only single-note req/s (zero-cost model)", ">=", 1500.0),
    Target("gateway_only_p50_ms", "gateway-only p50 at c=1, ms (overhead per request)", "<", 2.0),
    Target("total_errors", "errors over all runs", "==", 0.0),
)


def find_run(
    runs: Sequence[Mapping[str, Any]], mode: str, concurrency: int
) -> Mapping[str, Any] | None:
    for run in runs:
        if run.get("mode") == mode and run.get("concurrency") == concurrency:
            return run
    return None


def _get(run: Mapping[str, Any] | None, key: str) -> float | None:
    if run is None:
        return None
    value = run.get(key)
    return float(value) if isinstance(value, int | float) else None


def compute_ratios(
    runs: Sequence[Mapping[str, Any]], *, raw_model_seq_per_s: float | None, at: int = 32
) -> dict[str, float | None]:
    """Every ratio the targets need, from one run's records (``None`` where unmeasured)."""
    dyn = find_run(runs, "triton_dynamic", at)
    unb = find_run(runs, "triton_unbatched", at)
    inp = find_run(runs, "inprocess", at)
    dynamic_runs = [r for r in runs if r.get("mode") == "triton_dynamic"]
    gateway_runs = [r for r in runs if r.get("mode") == GATEWAY_MODE]
    peak_windows = best(_get(r, "windows_per_s") for r in dynamic_runs)
    gw_c1 = next((r for r in gateway_runs if r.get("concurrency") == 1), None)
    return {
        "serving_efficiency": safe_ratio(peak_windows, raw_model_seq_per_s),
        "dynamic_peak_windows_per_s": peak_windows,
        "dynamic_peak_notes_per_s": best(_get(r, "notes_per_s") for r in dynamic_runs),
        "dynamic_vs_unbatched_c32": safe_ratio(_get(dyn, "notes_per_s"), _get(unb, "notes_per_s")),
        "dynamic_vs_inprocess_c32": safe_ratio(_get(dyn, "notes_per_s"), _get(inp, "notes_per_s")),
        "p95_dynamic_vs_inprocess_c32": safe_ratio(_get(dyn, "p95_ms"), _get(inp, "p95_ms")),
        "mean_batch_dynamic_c32": _get(dyn, "mean_batch"),
        "mean_batch_unbatched_c32": _get(unb, "mean_batch"),
        "gateway_only_rps": best(_get(r, "rps") for r in gateway_runs),
        "gateway_only_p50_ms": _get(gw_c1, "p50_ms"),
        # What the client itself can drive on one core (from its CPU per gateway-only request):
        # when this is near gateway_only_rps, the load generator is the bottleneck.
        "loadgen_max_rps_one_core": best(
            1000.0 / cpu
            for r in gateway_runs
            if isinstance(cpu := r.get("loadgen", {}).get("cpu_ms_per_request"), int | float)
            and cpu > 0
        ),
        # No runs means nothing was shown to be error-free.
        "total_errors": float(sum(int(r.get("errors", 0)) for r in runs)) if runs else None,
    }


def evaluate_targets(ratios: Mapping[str, float | None]) -> list[dict[str, Any]]:
    """Each target with its measured value and ``passed`` (``None``: not measured)."""
    out = []
    for target in TARGETS:
        value = ratios.get(target.key)
        out.append(
            {
                "key": target.key,
                "label": target.label,
                "op": target.op,
                "threshold": target.threshold,
                "value": value,
                "passed": target.check(value),
            }
        )
    return out


def validate_result(result: Mapping[str, Any]) -> list[str]:
    """Problems with a result document's shape (empty list: valid)."""
    problems: list[str] = []
    for key, types in TOP_FIELDS.items():
        if key not in result:
            problems.append(f"missing top-level field {key!r}")
        elif not isinstance(result[key], types):
            problems.append(f"{key!r} has type {type(result[key]).__name__}")
    machine = result.get("machine")
    if isinstance(machine, dict):
        problems.extend(f"machine lacks {k!r}" for k in MACHINE_FIELDS if k not in machine)
    runs = result.get("runs")
    if isinstance(runs, list):
        for i, run in enumerate(runs):
            if not isinstance(run, dict):
                problems.append(f"runs[{i}] is not an object")
                continue
            for key, types in RUN_FIELDS.items():
                if key not in run:
                    problems.append(f"runs[{i}] lacks {key!r}")
                elif not isinstance(run[key], types) or isinstance(run[key], bool):
                    problems.append(f"runs[{i}].{key} has type {type(run[key]).__name__}")
            if run.get("mode") not in ALL_MODES:
                problems.append(f"runs[{i}].mode {run.get('mode')!r} is not a known mode")
    return problems


# --- markdown ---------------------------------------------------------------------------------


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:,.{digits}f}"
    return str(value)


def _verdict(passed: bool | None) -> str:
    return {True: "PASS", False: "FAIL", None: "not measured"}[passed]


def render_markdown(result: Mapping[str, Any]) -> str:
    """The results as a markdown page: machine, headline figures, runs table, targets."""
    machine = result.get("machine", {})
    runs: list[Mapping[str, Any]] = list(result.get("runs", []))
    lines = [
        f"# Benchmark results ({result.get('preset', '?')} run, {result.get('generated_at', '?')})",
        "",
        f"Machine: {machine.get('cpu_model', '?')}, {machine.get('cores', '?')} cores, "
        f"{_fmt(machine.get('memory_gb'))} GB, Python {machine.get('python', '?')}, "
        f"ONNX Runtime {machine.get('onnxruntime', '?')}, Triton {machine.get('triton') or '?'}, "
        f"load average at start {machine.get('loadavg_start', '?')}.",
        "",
        "| figure | value |",
        "|---|---|",
        "| raw model, ONNX Runtime alone, batch 32 (seq/s) "
        f"| {_fmt(result.get('raw_model_seq_per_s'))} |",
        f"| raw model, batch 1 (seq/s) | {_fmt(result.get('raw_model_seq_per_s_batch1'))} |",
        f"| de-identification alone, one core (MB/s) | {_fmt(result.get('deid_mb_per_s'), 2)} |",
    ]
    loadgen_max = result.get("ratios", {}).get("loadgen_max_rps_one_core")
    if loadgen_max is not None:
        lines.append(f"| load generator ceiling, one core (req/s) | {_fmt(loadgen_max)} |")
    workload = result.get("workload", {})
    if workload:
        lines.append(
            f"| workload windows per note (mean) | {_fmt(workload.get('windows_per_note'), 2)} |"
        )
        lines.append(
            "| notes longer than one window "
            f"| {_fmt(100 * workload.get('multi_window_share', 0))} % |"
        )
    stages = [s for s in STAGE_ORDER if any(s in r.get("stages_ms", {}) for r in runs)]
    header = (
        "| mode | c | requests | errors | req/s | notes/s | windows/s | p50 ms | p95 ms | p99 ms "
        "| mean batch | " + " | ".join(f"{s} ms" for s in stages) + " | client CPU ms/req |"
    )
    lines += ["", "## Runs", "", header, "|" + "---|" * (12 + len(stages))]
    for run in runs:
        stage_ms = run.get("stages_ms", {})
        loadgen = run.get("loadgen", {})
        cells = [
            str(run.get("mode")),
            _fmt(run.get("concurrency")),
            _fmt(run.get("requests")),
            _fmt(run.get("errors")),
            _fmt(run.get("rps")),
            _fmt(run.get("notes_per_s")),
            _fmt(run.get("windows_per_s")),
            _fmt(run.get("p50_ms")),
            _fmt(run.get("p95_ms")),
            _fmt(run.get("p99_ms")),
            _fmt(run.get("mean_batch"), 2),
            *(_fmt(stage_ms.get(s), 2) for s in stages),
            _fmt(loadgen.get("cpu_ms_per_request"), 3),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Targets (issue 6, ratios from this run)",
        "",
        "| target | measured | required | result |",
        "|---|---|---|---|",
    ]
    for t in result.get("targets", []):
        lines.append(
            f"| {t['label']} | {_fmt(t['value'], 2)} | {t['op']} {_fmt(t['threshold'], 2)} "
            f"| {_verdict(t['passed'])} |"
        )
    skipped = result.get("skipped", [])
    if skipped:
        lines += ["", "## Not measured", ""]
        lines += [f"- `{s['mode']}`: {s['reason']}" for s in skipped]
    lines += [
        "",
        "## Definitions",
        "",
        "- Serving efficiency = best `triton_dynamic` windows/s through the gateway ÷ raw model "
        "seq/s (ONNX Runtime alone, batch 32, the same windows, same run). A window is one model "
        "sequence; notes longer than 126 tokens have several.",
        "- Windows/s come from the gateway's `cds_windows_scored_total`; mean batch is Triton's "
        "Δ`nv_inference_count` ÷ Δ`nv_inference_exec_count` over the run.",
        "- Stage columns are means per successful request from the `Server-Timing` header.",
        "- Latencies are client-side (closed loop, keep-alive HTTP/1.1 on 127.0.0.1). The load "
        "generator shares the CPU with the server; its own CPU per request is the last column.",
        "",
    ]
    return "\n".join(lines)


# --- plot -------------------------------------------------------------------------------------


def render_plot(result: Mapping[str, Any], path: Path) -> None:
    """Throughput (notes/s) against p95 latency per mode; the gateway-only ceiling beside it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes
    from matplotlib.ticker import LogLocator, NullFormatter, ScalarFormatter

    def log_x(axis: Axes) -> None:
        # Plain numbers at 1-2-5 steps: latencies span decades, but read as milliseconds.
        axis.set_xscale("log")
        axis.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        axis.xaxis.set_major_formatter(ScalarFormatter())
        axis.xaxis.set_minor_formatter(NullFormatter())

    runs: list[Mapping[str, Any]] = list(result.get("runs", []))
    fig, (ax, ax_gw) = plt.subplots(1, 2, figsize=(12, 5), gridspec_kw={"width_ratios": [2, 1]})
    for mode, marker in zip(MODEL_MODES, ("o", "s", "^"), strict=True):
        points = sorted(
            (r for r in runs if r.get("mode") == mode and r.get("p95_ms") is not None),
            key=lambda r: int(r["concurrency"]),
        )
        if not points:
            continue
        xs = [float(r["p95_ms"]) for r in points]
        ys = [float(r["notes_per_s"]) for r in points]
        ax.plot(xs, ys, marker=marker, label=mode)
        for r, x, y in zip(points, xs, ys, strict=True):
            ax.annotate(
                f"c={r['concurrency']}",
                (x, y),
                textcoords="offset points",
                xytext=(4, 4),
                fontsize=8,
            )
    raw = result.get("raw_model_seq_per_s")
    per_note = result.get("workload", {}).get("windows_per_note")
    if isinstance(raw, int | float) and isinstance(per_note, int | float) and per_note > 0:
        ax.axhline(
            raw / per_note, linestyle="--", color="grey", label="raw model (batch 32), notes/s"
        )
    log_x(ax)
    ax.set_xlabel("p95 latency (ms, log scale)")
    ax.set_ylabel("throughput (notes/s)")
    ax.set_title("Throughput vs p95 latency")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    gw = sorted(
        (r for r in runs if r.get("mode") == GATEWAY_MODE and r.get("p95_ms") is not None),
        key=lambda r: int(r["concurrency"]),
    )
    if gw:
        xs = [float(r["p95_ms"]) for r in gw]
        ys = [float(r["rps"]) for r in gw]
        ax_gw.plot(xs, ys, marker="D", color="tab:purple", label="gateway_only")
        for r, x, y in zip(gw, xs, ys, strict=True):
            ax_gw.annotate(
                f"c={r['concurrency']}",
                (x, y),
                textcoords="offset points",
                xytext=(4, 4),
                fontsize=8,
            )
        ax_gw.axhline(1500, linestyle=":", color="grey", label="target 1,500 req/s")
        log_x(ax_gw)
        ax_gw.legend(fontsize=8)
    else:
        ax_gw.text(0.5, 0.5, "not measured", ha="center", va="center", transform=ax_gw.transAxes)
    ax_gw.set_xlabel("p95 latency (ms, log scale)")
    ax_gw.set_ylabel("single-note requests/s")
    ax_gw.set_title("Gateway alone (zero-cost inference)")
    ax_gw.grid(True, which="both", alpha=0.3)
    fig.suptitle(
        f"cds-sentiment bench ({result.get('preset', '?')}, {result.get('generated_at', '')})"
    )
    fig.tight_layout()
    tmp = path.with_suffix(".png.tmp")
    fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    tmp.replace(path)


# --- files ------------------------------------------------------------------------------------


def write_results(
    result: Mapping[str, Any], out_dir: Path, *, stamp: str, plot: bool = True
) -> list[Path]:
    """``latest.json`` + ``<stamp>.json`` + ``latest.md`` (+ ``latest.png``); returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps(finite(result), indent=2, sort_keys=False, allow_nan=False) + "\n"
    written = []
    for name in ("latest.json", f"{stamp}.json"):
        path = out_dir / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    md = out_dir / "latest.md"
    md.write_text(render_markdown(result), encoding="utf-8")
    written.append(md)
    if plot:
        png = out_dir / "latest.png"
        try:
            render_plot(result, png)
        except ImportError:  # matplotlib is in the dev extra; the numbers matter more
            log.warning("matplotlib is not installed: no plot written")
        else:
            written.append(png)
    return written


def finite(value: Any) -> Any:
    """A copy with NaN and infinities replaced by ``None`` (JSON has no such numbers)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    return value
