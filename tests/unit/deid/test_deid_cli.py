"""The JSONL batch interface: round trip, a bad line, spans that refer to the input text."""

from __future__ import annotations

import io
import json
from typing import Any

from service.deid.cli import run_deidentify


def _run(lines: list[str], key: bytes) -> tuple[int, list[dict[str, Any]], str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    rc = run_deidentify(
        io.StringIO("\n".join(lines) + "\n"), stdout, stderr, key=key, progress=True
    )
    return rc, [json.loads(line) for line in stdout.getvalue().splitlines()], stderr.getvalue()


def test_round_trip_with_a_bad_line(key: bytes, patient: dict[str, Any]) -> None:
    good = "Mr. Quarshie seen on 03/14/2021; call 617-555-0123. BP 132/84."
    secret = "Jane Secretname 555-0000"
    lines = [
        json.dumps({"id": "n1", "text": good}),
        '{"id": "n2", "text": "' + secret,  # truncated JSON
        json.dumps({"id": "n3", "text": 42}),
        json.dumps({"id": "n4", "text": "Ebo says hi", "patient": patient}),
        "",
    ]
    rc, out, err = _run(lines, key)
    assert rc == 1
    assert [o.get("id") for o in out] == ["n1", None, "n3", "n4"]
    first = out[0]
    assert "Quarshie" not in first["text"] and "617-555-0123" not in first["text"]
    assert "BP 132/84" in first["text"]
    spans = first["spans"]
    assert [good[s["start"] : s["end"]] for s in spans] == [
        "Quarshie",
        "03/14/2021",
        "617-555-0123",
    ]
    assert [s["category"] for s in spans] == ["NAME", "DATE", "PHONE"]
    assert "error" in out[1] and "error" in out[2]
    for bad in out[1:3]:
        assert "text" not in bad
        assert "Secretname" not in bad["error"] and secret not in json.dumps(bad)
    assert "Ebo" not in out[3]["text"]
    assert "Secretname" not in err and "deidentify" in err


def test_all_good_lines_exit_zero(key: bytes) -> None:
    rc, out, _ = _run([json.dumps({"id": 7, "text": "No PHI here, INR 2.3."})], key)
    assert rc == 0
    assert out == [{"id": 7, "text": "No PHI here, INR 2.3.", "spans": []}]


def test_patient_must_be_a_patient(key: bytes) -> None:
    rc, out, _ = _run(
        [json.dumps({"id": "x", "text": "t", "patient": {"resourceType": "Observation"}})], key
    )
    assert rc == 1
    assert out[0]["id"] == "x" and "Patient" in out[0]["error"]


def test_a_lone_surrogate_escape_is_a_bad_line_not_the_end_of_the_run(key: bytes) -> None:
    # On a real stdout (UTF-8) the line's output could not be written and the run stopped.
    lines = [
        '{"id": "s1", "text": "Seen by Dr. Lee \\udc00 on 3/4/2024"}',
        '{"id": "s2", "text": "Seen by Dr. Lee \\ud83d\\ude00 on 3/4/2024"}',
    ]
    rc, out, _ = _run(lines, key)
    assert rc == 1
    assert "surrogate" in out[0]["error"] and "text" not in out[0]
    assert "\U0001f600" in out[1]["text"] and "Lee" not in out[1]["text"]
