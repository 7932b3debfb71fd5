"""Prometheus text snapshots and deltas: the gateway's counters, Triton's batching counters.

Triton exposes per model (https://docs.nvidia.com/deeplearning/triton-inference-server/
user-guide/docs/user_guide/metrics.html):

* ``nv_inference_count``: inferences performed (a batch of 8 counts 8);
* ``nv_inference_exec_count``: executions (a batch of 8 counts 1);
* ``nv_inference_request_success``: requests received.

so the mean batch size Triton formed over an interval is Δcount / Δexec_count. Triton's text
is read with :mod:`service.inference.metrics`; the gateway's with the generic snapshot here.
"""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client.parser import text_string_to_metric_families

from service.inference.metrics import model_stats

#: (sample name without ``_total``, sorted label pairs) → value.
Snapshot = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _base_name(name: str) -> str:
    # The parser appends ``_total`` to counters declared with ``# TYPE`` (Triton's names do
    # not end in it, the gateway's do): compare names without the suffix.
    return name.removesuffix("_total")


def parse_prometheus(text: str) -> Snapshot:
    """Parse an exposition text into a flat snapshot (``_created`` samples are dropped)."""
    snap: Snapshot = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.endswith("_created"):
                continue
            key = (_base_name(sample.name), tuple(sorted(sample.labels.items())))
            snap[key] = float(sample.value)
    return snap


def metric_total(snap: Snapshot, name: str, **labels: str) -> float:
    """Sum of the samples named ``name`` (``_total`` optional) whose labels include ``labels``."""
    want = _base_name(name)
    total = 0.0
    for (sample, pairs), value in snap.items():
        if sample != want:
            continue
        have = dict(pairs)
        if all(have.get(k) == v for k, v in labels.items()):
            total += value
    return total


def metric_delta(before: Snapshot, after: Snapshot, name: str, **labels: str) -> float:
    """``after - before`` for one (summed) metric."""
    return metric_total(after, name, **labels) - metric_total(before, name, **labels)


def triton_counters(before_text: str, after_text: str, model: str) -> dict[str, float | None]:
    """Triton's counters for ``model`` between two scrapes of its ``/metrics`` (all versions).

    ``mean_batch`` is Δ``nv_inference_count`` / Δ``nv_inference_exec_count``, ``None`` when
    nothing executed in the interval.
    """
    delta = model_stats(after_text, model).since(model_stats(before_text, model))
    return {
        "inference_count": delta.inference_count,
        "exec_count": delta.exec_count,
        "request_success": delta.request_success,
        "request_failure": delta.request_failure,
        "mean_batch": delta.mean_batch_size if delta.exec_count > 0 else None,
        "mean_queue_us": delta.mean_queue_us if delta.request_success > 0 else None,
    }


def histogram_means(before: Snapshot, after: Snapshot, name: str, label: str) -> dict[str, float]:
    """Mean of a histogram per value of ``label`` over the interval, in the metric's unit.

    Used for ``cds_stage_duration_seconds`` (label ``stage``): Δ``_sum`` / Δ``_count``.
    """

    def by_label(snap: Snapshot, suffix: str) -> Mapping[str, float]:
        out: dict[str, float] = {}
        for (sample, pairs), value in snap.items():
            if sample != f"{name}{suffix}":
                continue
            key = dict(pairs).get(label)
            if key is not None:
                out[key] = out.get(key, 0.0) + value
        return out

    sums_b, sums_a = by_label(before, "_sum"), by_label(after, "_sum")
    counts_b, counts_a = by_label(before, "_count"), by_label(after, "_count")
    means: dict[str, float] = {}
    for key, count_after in counts_a.items():
        count = count_after - counts_b.get(key, 0.0)
        if count > 0:
            means[key] = (sums_a.get(key, 0.0) - sums_b.get(key, 0.0)) / count
    return means
