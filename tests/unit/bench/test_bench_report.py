"""Ratios, targets, the result schema, markdown and the written files."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from service.bench.report import (
    TARGETS,
    compute_ratios,
    evaluate_targets,
    render_markdown,
    validate_result,
    write_results,
)


def run(mode: str, c: int, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "mode": mode,
        "concurrency": c,
        "requests": 100,
        "errors": 0,
        "rps": 10.0,
        "notes_per_s": 20.0,
        "windows_per_s": 30.0,
        "p50_ms": 10.0,
        "p95_ms": 20.0,
        "p99_ms": 25.0,
        "mean_batch": None,
        "stages_ms": {"parse": 0.5, "infer": 8.0},
        "loadgen": {"cpu_ms_per_request": 0.2},
    }
    base.update(fields)
    return base


RUNS = [
    run("inprocess", 32, notes_per_s=100.0, p95_ms=400.0),
    run("triton_unbatched", 32, notes_per_s=80.0, mean_batch=1.0),
    run("triton_dynamic", 1, notes_per_s=40.0, windows_per_s=60.0, mean_batch=1.5),
    run(
        "triton_dynamic", 32, notes_per_s=150.0, windows_per_s=240.0, p95_ms=460.0, mean_batch=12.0
    ),
    run("triton_dynamic", 128, notes_per_s=140.0, windows_per_s=250.0, mean_batch=20.0, errors=2),
    run("gateway_only", 1, rps=900.0, p50_ms=1.5, loadgen={"cpu_ms_per_request": 0.5}),
    run("gateway_only", 32, rps=1700.0, p50_ms=15.0, loadgen={"cpu_ms_per_request": 0.25}),
]


def test_ratios_from_the_same_run() -> None:
    r = compute_ratios(RUNS, raw_model_seq_per_s=300.0)
    assert r["serving_efficiency"] == pytest.approx(250.0 / 300.0)  # best windows/s
    assert r["dynamic_peak_notes_per_s"] == 150.0
    assert r["dynamic_vs_unbatched_c32"] == pytest.approx(150.0 / 80.0)
    assert r["dynamic_vs_inprocess_c32"] == pytest.approx(1.5)
    assert r["p95_dynamic_vs_inprocess_c32"] == pytest.approx(460.0 / 400.0)
    assert r["mean_batch_dynamic_c32"] == 12.0
    assert r["gateway_only_rps"] == 1700.0
    assert r["gateway_only_p50_ms"] == 1.5  # at concurrency 1, not the best one
    assert r["total_errors"] == 2.0
    assert r["loadgen_max_rps_one_core"] == pytest.approx(4000.0)  # 1000 / 0.25 ms


def test_ratios_missing_modes_are_none_not_zero() -> None:
    r = compute_ratios([run("triton_dynamic", 8)], raw_model_seq_per_s=None)
    assert r["serving_efficiency"] is None
    assert r["dynamic_vs_inprocess_c32"] is None
    assert r["gateway_only_rps"] is None
    assert r["total_errors"] == 0.0
    assert compute_ratios([], raw_model_seq_per_s=1.0)["total_errors"] is None


def test_targets_pass_fail_and_unmeasured() -> None:
    ratios = compute_ratios(RUNS, raw_model_seq_per_s=300.0)
    verdicts = {t["key"]: t["passed"] for t in evaluate_targets(ratios)}
    assert set(verdicts) == {t.key for t in TARGETS}
    assert verdicts["serving_efficiency"] is True  # 0.83 >= 0.75
    assert verdicts["dynamic_vs_unbatched_c32"] is True  # 1.875 >= 1.5
    assert verdicts["dynamic_vs_inprocess_c32"] is True  # 1.5 >= 1.3
    assert verdicts["p95_dynamic_vs_inprocess_c32"] is True  # 1.15 <= 1.25
    assert verdicts["mean_batch_dynamic_c32"] is True
    assert verdicts["gateway_only_rps"] is True
    assert verdicts["gateway_only_p50_ms"] is True
    assert verdicts["total_errors"] is False  # two errors at c=128
    none = {t["key"]: t["passed"] for t in evaluate_targets({})}
    assert set(none.values()) == {None}


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("mean_batch_dynamic_c32", 8.0, False),  # strictly above 8
        ("mean_batch_dynamic_c32", 8.01, True),
        ("p95_dynamic_vs_inprocess_c32", 1.25, True),
        ("p95_dynamic_vs_inprocess_c32", 1.26, False),
        ("gateway_only_p50_ms", 2.0, False),
        ("serving_efficiency", 0.7499, False),
    ],
)
def test_target_boundaries(key: str, value: float, expected: bool) -> None:
    target = next(t for t in TARGETS if t.key == key)
    assert target.check(value) is expected


def document(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "preset": "quick",
        "generated_at": "2025-01-01T00:00:00Z",
        "machine": {
            "cpu_model": "Test CPU",
            "cores": 2,
            "memory_gb": 8.0,
            "python": "3.11.9",
            "os": "Linux",
            "onnxruntime": "1.20.0",
            "triton": "2.50.0",
        },
        "raw_model_seq_per_s": 300.0,
        "raw_model_seq_per_s_batch1": 120.0,
        "deid_mb_per_s": 1.25,
        "workload": {"windows_per_note": 1.6, "multi_window_share": 0.25},
        "runs": copy.deepcopy(RUNS),
    }
    doc["ratios"] = compute_ratios(doc["runs"], raw_model_seq_per_s=300.0)
    doc["targets"] = evaluate_targets(doc["ratios"])
    doc.update(overrides)
    return doc


def test_valid_document_has_no_problems() -> None:
    assert validate_result(document()) == []


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda d: d.pop("raw_model_seq_per_s"), "raw_model_seq_per_s"),
        (lambda d: d["machine"].pop("triton"), "machine lacks 'triton'"),
        (lambda d: d["runs"][0].pop("p95_ms"), "runs[0] lacks 'p95_ms'"),
        (lambda d: d["runs"][1].update(errors="0"), "runs[1].errors"),
        (lambda d: d["runs"][1].update(errors=True), "runs[1].errors"),
        (lambda d: d["runs"][2].update(mode="fastapi"), "not a known mode"),
        (lambda d: d.update(runs={}), "'runs' has type dict"),
    ],
)
def test_schema_problems_are_reported(mutate: Any, fragment: str) -> None:
    doc = json.loads(json.dumps(document()))  # deep copy
    mutate(doc)
    problems = validate_result(doc)
    assert any(fragment in p for p in problems), problems


def test_markdown_has_every_run_and_honest_verdicts() -> None:
    md = render_markdown(document())
    rows = [line for line in md.splitlines() if line.startswith("| triton_dynamic |")]
    assert len(rows) == 3
    assert "| gateway_only | 32 |" in md
    assert "300.0" in md  # raw model figure
    assert md.count("PASS") == 7
    assert md.count("FAIL") == 1
    assert "parse ms" in md and "infer ms" in md


def test_markdown_marks_unmeasured_targets() -> None:
    doc = document(runs=[], skipped=[{"mode": "triton_dynamic", "reason": "no Triton"}])
    doc["ratios"] = compute_ratios([], raw_model_seq_per_s=None)
    doc["targets"] = evaluate_targets(doc["ratios"])
    md = render_markdown(doc)
    assert "not measured" in md
    assert "`triton_dynamic`: no Triton" in md
    assert "PASS" not in md


def test_write_results_files(tmp_path: Path) -> None:
    doc = document()
    paths = write_results(doc, tmp_path, stamp="20250101T000000Z", plot=True)
    names = sorted(p.name for p in paths)
    assert names == ["20250101T000000Z.json", "latest.json", "latest.md", "latest.png"]
    assert json.loads((tmp_path / "latest.json").read_text()) == json.loads(json.dumps(doc))
    assert (tmp_path / "20250101T000000Z.json").read_text() == (
        tmp_path / "latest.json"
    ).read_text()
    assert (tmp_path / "latest.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob("*.tmp"))


def test_write_results_turns_nan_into_null(tmp_path: Path) -> None:
    doc = document(raw_model_seq_per_s=float("nan"))
    doc["runs"][0]["stages_ms"] = {"infer": float("inf")}
    write_results(doc, tmp_path, stamp="x", plot=False)
    written = json.loads((tmp_path / "latest.json").read_text())
    assert written["raw_model_seq_per_s"] is None
    assert written["runs"][0]["stages_ms"] == {"infer": None}
    assert not (tmp_path / "latest.png").exists()
