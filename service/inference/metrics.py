"""Read Triton's own Prometheus metrics: how many requests, executions, and the mean batch formed.

``nv_inference_count`` counts inferences (batch items), ``nv_inference_exec_count`` counts model
executions; their ratio is the mean batch size Triton formed. Counters are cumulative, so compare
two scrapes with :meth:`TritonModelStats.since`.
"""

from __future__ import annotations

import urllib.request
from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

_FIELDS = {
    "nv_inference_count": "inference_count",
    "nv_inference_exec_count": "exec_count",
    "nv_inference_request_success": "request_success",
    "nv_inference_request_failure": "request_failure",
    "nv_inference_queue_duration_us": "queue_duration_us",
    "nv_inference_compute_infer_duration_us": "compute_infer_duration_us",
}


@dataclass(frozen=True)
class TritonModelStats:
    """Cumulative counters of one model version (or a difference of two scrapes)."""

    inference_count: float = 0.0
    exec_count: float = 0.0
    request_success: float = 0.0
    request_failure: float = 0.0
    queue_duration_us: float = 0.0
    compute_infer_duration_us: float = 0.0

    @property
    def mean_batch_size(self) -> float:
        """Inferences per model execution (0 when nothing ran)."""
        return self.inference_count / self.exec_count if self.exec_count else 0.0

    @property
    def mean_queue_us(self) -> float:
        """Mean time a successful request waited in Triton's queue, microseconds."""
        return self.queue_duration_us / self.request_success if self.request_success else 0.0

    def since(self, earlier: TritonModelStats) -> TritonModelStats:
        """The counters accumulated between ``earlier`` and this scrape."""
        return TritonModelStats(
            **{f: getattr(self, f) - getattr(earlier, f) for f in _FIELDS.values()}
        )


def parse_triton_metrics(text: str) -> dict[tuple[str, str], TritonModelStats]:
    """``(model, version) -> stats`` from the text of Triton's ``/metrics``."""
    values: dict[tuple[str, str], dict[str, float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            field = _FIELDS.get(sample.name) or _FIELDS.get(sample.name.removesuffix("_total"))
            model = sample.labels.get("model")
            if field is None or model is None:
                continue
            key = (model, sample.labels.get("version", ""))
            values.setdefault(key, {})[field] = float(sample.value)
    return {key: TritonModelStats(**fields) for key, fields in values.items()}


def model_stats(text: str, model: str, version: str | None = None) -> TritonModelStats:
    """Stats of ``model`` (one version, or summed over its versions)."""
    parsed = parse_triton_metrics(text)
    picked = [
        stats
        for (name, ver), stats in parsed.items()
        if name == model and (version is None or ver == version)
    ]
    total = TritonModelStats()
    for stats in picked:
        total = TritonModelStats(
            **{f: getattr(total, f) + getattr(stats, f) for f in _FIELDS.values()}
        )
    return total


def fetch_metrics_text(url: str, *, timeout_s: float = 5.0) -> str:
    """GET Triton's metrics endpoint (blocking; call it off the event loop in servers)."""
    with urllib.request.urlopen(url, timeout=timeout_s) as response:
        body: bytes = response.read()
    return body.decode("utf-8")
