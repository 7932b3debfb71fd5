"""``python -m service.deid [--key K] [--operators NAME=redact,...] < in.jsonl > out.jsonl``

For local testing; the service CLI wires :func:`service.deid.cli.run_deidentify` the same way.
"""

from __future__ import annotations

import argparse
import os
import sys

from service.deid.cli import run_deidentify
from service.deid.operators import parse_operator_config


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m service.deid")
    parser.add_argument("--key", default=os.environ.get("CDS_SECRET_KEY", ""))
    parser.add_argument("--operators", default=os.environ.get("CDS_DEID_OPERATORS", ""))
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args()
    return run_deidentify(
        sys.stdin,
        sys.stdout,
        sys.stderr,
        key=args.key.encode(),
        operators=parse_operator_config(args.operators),
        progress=not args.no_progress,
    )


if __name__ == "__main__":
    raise SystemExit(main())
