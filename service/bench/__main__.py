"""Command line of the benchmark: ``python -m service.bench [--quick|--smoke] [options]``.

Environment (flags win): ``BENCH_QUICK=1`` (short run, under 3 minutes on 2 cores),
``BENCH_SMOKE=1`` (seconds; writes to ``bench/results/smoke/``), ``BENCH_MODES``,
``BENCH_CONCURRENCY``, ``BENCH_DURATION_S``, ``BENCH_MAX_REQUESTS``, ``BENCH_WORKERS``
(gateway workers for the model modes), ``BENCH_GATEWAY_WORKERS`` (for ``gateway_only``),
``BENCH_SEED``, ``BENCH_OUT``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from service.bench.report import ALL_MODES


def _csv_ints(value: str) -> tuple[int, ...]:
    items = tuple(int(v) for v in value.split(",") if v.strip())
    if not items or any(v < 1 for v in items):
        raise argparse.ArgumentTypeError("a comma-separated list of positive integers")
    return items


def _modes(value: str) -> tuple[str, ...]:
    items = tuple(v.strip() for v in value.split(",") if v.strip())
    unknown = [m for m in items if m not in ALL_MODES]
    if not items or unknown:
        raise argparse.ArgumentTypeError(f"modes are {', '.join(ALL_MODES)}")
    return items


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def build_parser() -> argparse.ArgumentParser:
    env = os.environ.get
    parser = argparse.ArgumentParser(
        prog="python -m service.bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    preset = parser.add_mutually_exclusive_group()
    preset.add_argument(
        "--quick",
        action="store_true",
        default=_flag("BENCH_QUICK"),
        help="short run (fewer requests per point)",
    )
    preset.add_argument(
        "--smoke",
        action="store_true",
        default=_flag("BENCH_SMOKE"),
        help="a few seconds per mode, to check the wiring",
    )
    parser.add_argument(
        "--modes", type=_modes, default=_modes(env("BENCH_MODES") or ",".join(ALL_MODES))
    )
    concurrency = env("BENCH_CONCURRENCY")
    parser.add_argument(
        "--concurrency", type=_csv_ints, default=_csv_ints(concurrency) if concurrency else None
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=_float(env("BENCH_DURATION_S")),
        help="seconds per point (cap)",
    )
    parser.add_argument(
        "--max-requests",
        type=int,
        default=_int(env("BENCH_MAX_REQUESTS")),
        help="requests per point (cap)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=_int(env("BENCH_WORKERS")),
        help="gateway workers for the model modes (default 1)",
    )
    parser.add_argument(
        "--gateway-workers",
        type=int,
        default=_int(env("BENCH_GATEWAY_WORKERS")),
        help="gateway workers for gateway_only (default: CPUs, at least 2)",
    )
    parser.add_argument("--seed", type=int, default=_int(env("BENCH_SEED")))
    out = env("BENCH_OUT")
    parser.add_argument("--out", type=Path, default=Path(out) if out else None)
    parser.add_argument("--no-plot", action="store_true")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when a target fails or a mode was not measured",
    )
    return parser


def _int(value: str | None) -> int | None:
    return int(value) if value else None


def _float(value: str | None) -> float | None:
    return float(value) if value else None


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # The bench logs its progress; per-request client logs would drown it.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    from service.bench.report import render_markdown
    from service.bench.runner import BenchConfig, describe_command, run_bench

    preset = "smoke" if args.smoke else "quick" if args.quick else "full"
    config = BenchConfig.preset_config(
        preset,
        modes=args.modes,
        concurrencies=args.concurrency,
        max_seconds=args.duration,
        max_requests=args.max_requests,
        model_workers=args.workers,
        gateway_workers=args.gateway_workers,
        seed=args.seed,
        out_dir=args.out,
        plot=not args.no_plot,
    )
    result = run_bench(config, command=describe_command())
    sys.stdout.write(render_markdown(result))
    failed = any(t["passed"] is False for t in result["targets"]) or bool(result["skipped"])
    return 1 if args.strict and failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
