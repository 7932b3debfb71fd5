"""Command line and presets of ``python -m service.bench`` (parsing only; nothing runs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.bench.__main__ import build_parser
from service.bench.report import ALL_MODES
from service.bench.runner import DEFAULT_OUT, PRESETS, BenchConfig

_ENV = ("BENCH_QUICK", "BENCH_SMOKE", "BENCH_MODES", "BENCH_CONCURRENCY", "BENCH_OUT")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _ENV:
        monkeypatch.delenv(name, raising=False)


def test_defaults_are_the_full_run_of_every_mode() -> None:
    args = build_parser().parse_args([])
    assert not args.quick and not args.smoke
    assert args.modes == ALL_MODES
    assert args.concurrency is None


def test_bench_quick_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BENCH_QUICK", "1")
    monkeypatch.setenv("BENCH_MODES", "triton_dynamic,gateway_only")
    monkeypatch.setenv("BENCH_CONCURRENCY", "1,32")
    args = build_parser().parse_args([])
    assert args.quick
    assert args.modes == ("triton_dynamic", "gateway_only")
    assert args.concurrency == (1, 32)


@pytest.mark.parametrize(
    "argv", [["--modes", "fastapi"], ["--concurrency", "0,8"], ["--quick", "--smoke"]]
)
def test_bad_arguments_exit(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(argv)


def test_every_preset_sweeps_at_least_the_issues_concurrencies() -> None:
    for name in ("quick", "full"):
        assert {1, 8, 32, 128} <= set(PRESETS[name]["concurrencies"]), name


def test_preset_overrides_and_smoke_output_folder() -> None:
    quick = BenchConfig.preset_config("quick", concurrencies=(2,), max_seconds=None)
    assert quick.concurrencies == (2,)
    assert quick.max_seconds == PRESETS["quick"]["max_seconds"]
    assert quick.out_dir == DEFAULT_OUT
    smoke = BenchConfig.preset_config("smoke")
    assert smoke.out_dir == DEFAULT_OUT / "smoke"
    assert BenchConfig.preset_config("full", out_dir=Path("/x")).out_dir == Path("/x")
    with pytest.raises(ValueError):
        BenchConfig.preset_config("turbo")
