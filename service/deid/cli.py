"""JSONL batch de-identification (``cds-service deidentify < in.jsonl > out.jsonl``).

One JSON object per input line: ``{"id", "text", "patient"?: <FHIR Patient>}``. One per output
line, in the same order: ``{"id", "text", "spans": [{"start", "end", "category"}]}`` with spans
referring to the *input* text, or ``{"id", "error"}`` for a line that could not be processed
(the error names the problem, never the text). A progress bar goes to stderr.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TextIO

from tqdm import tqdm

from service.deid.context import DeidContext
from service.deid.engine import deidentify


class _LineError(ValueError):
    """A problem with one input line; the message is ours and never contains input text."""


def _process(line: str, *, key: bytes, operators: Mapping[str, str] | None) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise _LineError(f"invalid JSON at column {exc.colno}") from None
    if "\\u" in line:
        # a lone surrogate escape ("\\udc00") decodes to no character, and the output line
        # could not be written as UTF-8 (the whole run stopped there)
        try:
            json.dumps(record, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise _LineError("the line escapes a lone UTF-16 surrogate") from None
    if not isinstance(record, dict):
        raise _LineError("a line must hold a JSON object")
    text = record.get("text")
    if not isinstance(text, str):
        raise _LineError('"text" must be a string')
    patient = record.get("patient")
    if patient is not None and not (
        isinstance(patient, dict) and patient.get("resourceType") == "Patient"
    ):
        raise _LineError('"patient" must be a FHIR Patient resource')
    context = DeidContext.from_fhir(patient=patient, key=key, operators=operators)
    result = deidentify(text, context)
    return {
        "id": record.get("id"),
        "text": result.text,
        "spans": [{"start": s.start, "end": s.end, "category": s.category} for s in result.spans],
    }


def _safe_id(line: str) -> Any:
    """The line's ``id`` when it can be read (a string or number), else ``None``."""
    try:
        value = json.loads(line).get("id")
    except (json.JSONDecodeError, AttributeError):
        return None
    return value if isinstance(value, str | int) and not isinstance(value, bool) else None


def run_deidentify(
    stdin: TextIO,
    stdout: TextIO,
    stderr: TextIO,
    *,
    key: bytes,
    operators: Mapping[str, str] | None = None,
    progress: bool = True,
) -> int:
    """De-identify JSONL from ``stdin`` to ``stdout``; 0 when every line succeeded, else 1.

    A bad line yields ``{"id": ..., "error": ...}`` and processing goes on.
    """
    failed = 0
    bar = tqdm(
        desc="deidentify", unit=" notes", file=stderr, disable=not progress, dynamic_ncols=True
    )
    try:
        for number, line in enumerate(stdin, start=1):
            if not line.strip():
                continue
            try:
                out = _process(line, key=key, operators=operators)
            except _LineError as exc:
                out = {"id": _safe_id(line), "error": f"line {number}: {exc}"}
                failed += 1
            except ValueError:
                out = {"id": _safe_id(line), "error": f"line {number}: invalid input"}
                failed += 1
            stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
            bar.update(1)
    finally:
        bar.close()
    if failed:
        stderr.write(f"{failed} line(s) failed\n")
    return 1 if failed else 0
