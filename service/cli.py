"""``cds-service``: the command line.

cds-service serve                 embedded Triton (unless TRITON_URL is set) + the gateway
cds-service deidentify            JSONL in on stdin, de-identified JSONL out on stdout
cds-service deid-eval [PATHS]     recall / keep-rate / throughput of the de-identifier
cds-service audit verify|export   check the audit hash chain / write FHIR AuditEvents
cds-service model import SOURCE   add a checkpoint as a new model version (needs [train])
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from typing import Any

log = logging.getLogger("service")


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _settings_or_exit() -> object:
    from pydantic import ValidationError

    from service.config import Settings, UnsafeSettingsError

    try:
        return Settings()
    except (ValidationError, UnsafeSettingsError) as exc:
        # Settings errors name variables, never secrets' values (pydantic hides SecretStr).
        print(f"cds-service: refusing to start: {exc}", file=sys.stderr)  # noqa: T201
        raise SystemExit(2) from None


def _http_protocol() -> str:
    """uvicorn's HTTP protocol: httptools with one write per response, else uvicorn's choice."""
    try:
        import httptools  # noqa: F401
    except ImportError:
        return "auto"
    # By name, as uvicorn names its own protocols (each worker process imports it).
    return "service.api.transport:CoalescingHttpToolsProtocol"


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from service.config import Settings

    settings = _settings_or_exit()
    assert isinstance(settings, Settings)
    _configure_logging(settings.log_level)
    overrides: dict[str, str] = {}
    if args.port is not None:
        overrides["PORT"] = str(args.port)
    port = args.port if args.port is not None else settings.port
    triton = None
    if settings.inference_backend == "triton" and not settings.triton_url:
        from service.inference.embedded import EmbeddedTriton
        from service.inference.repository import load_model_info

        info = load_model_info(
            settings.model_repository, settings.model_name, settings.model_version
        )
        triton = EmbeddedTriton(
            settings.model_repository,
            models=[info.name],
            grpc_port=settings.triton_grpc_port,
            http_port=settings.triton_http_port,
            metrics_port=settings.triton_metrics_port,
        )
        triton.start()
        try:
            triton.wait_ready(settings.triton_startup_timeout_s)
        except Exception:
            triton.stop()
            raise
        overrides["TRITON_URL"] = triton.grpc_url
        log.info("embedded Triton ready on %s (metrics %s)", triton.grpc_url, triton.metrics_url)
    os.environ.update(overrides)
    workers = args.workers or settings.workers
    metrics_dir = None
    if workers > 1:
        # Each worker is its own process: Prometheus multiprocess mode aggregates them.
        metrics_dir = tempfile.TemporaryDirectory(prefix="cds-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir.name
    options: dict[str, Any] = {
        "factory": True,
        "host": settings.host,
        "port": port,
        "workers": workers,
        "log_level": settings.log_level.lower(),
        "access_log": False,
        "timeout_graceful_shutdown": 10,
        "http": _http_protocol(),
    }
    try:
        if workers > 1:
            from service.listener import run_workers

            # uvicorn.run's multi-worker path, but each worker listens on its own socket
            # (see service.listener: connections spread over the workers).
            run_workers(uvicorn.Config("service.main:create_app", **options))
        else:
            uvicorn.run("service.main:create_app", **options)
    finally:
        if triton is not None:
            triton.stop()
        if metrics_dir is not None:
            metrics_dir.cleanup()
    return 0


def deidentify(args: argparse.Namespace) -> int:
    from service.deid import parse_operator_config
    from service.deid.cli import run_deidentify

    key = os.environ.get("CDS_SECRET_KEY", "").encode()
    if not key:
        print(  # noqa: T201
            "cds-service deidentify: CDS_SECRET_KEY not set; surrogates use a random key "
            "(not reproducible across runs)",
            file=sys.stderr,
        )
        key = os.urandom(32)
    operators = parse_operator_config(args.operators or os.environ.get("CDS_DEID_OPERATORS", ""))
    return run_deidentify(
        sys.stdin, sys.stdout, sys.stderr, key=key, operators=operators, progress=not args.quiet
    )


def deid_eval(args: argparse.Namespace) -> int:
    from service.deid.evaluate import main as eval_main

    return eval_main([str(p) for p in args.paths])


def audit(args: argparse.Namespace) -> int:
    from service.audit import run_export, run_verify

    url = os.environ.get("DATABASE_URL") or os.environ.get(
        "CDS_DATABASE_URL", "sqlite:///./cds_audit.db"
    )
    if args.audit_command == "verify":
        secret = os.environ.get("CDS_SECRET_KEY", "").encode()
        return run_verify(url, secret)
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout  # noqa: SIM115
    try:
        return run_export(url, out)
    finally:
        if out is not sys.stdout:
            out.close()


def model(args: argparse.Namespace) -> int:
    try:
        from service.training.importer import main as import_main
    except ImportError as exc:  # torch/transformers are the [train] extra
        print(f"cds-service model: {exc}; install the train extra", file=sys.stderr)  # noqa: T201
        return 2
    return import_main(args.rest)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cds-service",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="start the gateway (and the embedded Triton)")
    p.add_argument("--port", type=int, default=None, help="overrides PORT")
    p.add_argument("--workers", type=int, default=None, help="overrides CDS_WORKERS")
    p.set_defaults(func=serve)

    p = sub.add_parser("deidentify", help="de-identify JSONL from stdin to stdout")
    p.add_argument("--operators", default=None, help="e.g. NAME=redact,DATE=shift")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=deidentify)

    p = sub.add_parser("deid-eval", help="evaluate the de-identifier on annotated corpora")
    p.add_argument("paths", nargs="*", default=[])
    p.set_defaults(func=deid_eval)

    p = sub.add_parser("audit", help="audit trail tools")
    asub = p.add_subparsers(dest="audit_command", required=True)
    asub.add_parser("verify", help="verify the hash chain").set_defaults(func=audit)
    ex = asub.add_parser("export", help="write FHIR AuditEvents as NDJSON")
    ex.add_argument("-o", "--output", default=None)
    ex.set_defaults(func=audit)

    p = sub.add_parser("model", help="model repository tools", add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=model)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
