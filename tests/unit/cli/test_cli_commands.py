"""The ``cds-service`` subcommands as a user runs them (subprocesses, no servers)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from service.audit import AuditEntry, AuditStore

ROOT = Path(__file__).resolve().parents[3]
SECRET = "cli-test-secret-0123456789"


def _run(
    *args: str, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_audit_verify_and_export(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    store = AuditStore(url, secret=SECRET.encode())
    store.create_all()
    store.record_sync(
        [
            AuditEntry(
                endpoint="/fhir/$assess",
                outcome="success",
                http_status=200,
                latency_ms=float(i),
                patient_ref=f"Patient/p{i}",
            )
            for i in range(5)
        ]
    )
    store.close()
    env = {"DATABASE_URL": url, "CDS_SECRET_KEY": SECRET}
    ok = _run("audit", "verify", env=env)
    assert ok.returncode == 0, ok.stdout + ok.stderr

    out = tmp_path / "events.ndjson"
    exported = _run("audit", "export", "-o", str(out), env=env)
    assert exported.returncode == 0, exported.stderr
    events = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(events) == 5 and all(e["resourceType"] == "AuditEvent" for e in events)

    con = sqlite3.connect(tmp_path / "audit.db")
    con.execute("UPDATE audit_record SET http_status = 500 WHERE id = 3")
    con.commit()
    con.close()
    broken = _run("audit", "verify", env=env)
    assert broken.returncode == 1
    assert "3" in broken.stdout


def test_deidentify_jsonl(tmp_path: Path) -> None:
    lines = [
        {"id": "a", "text": "Seen by Dr. Priya Raman on 03/14/2021; call 617-555-0142."},
        {
            "id": "b",
            "text": "Jonah Whitlock, MRN 00482913, doing well.",
            "patient": {
                "resourceType": "Patient",
                "name": [{"family": "Whitlock", "given": ["Jonah"]}],
            },
        },
    ]
    r = _run(
        "deidentify",
        "--quiet",
        env={"CDS_SECRET_KEY": SECRET},
        stdin="\n".join(json.dumps(x) for x in lines) + "\n",
    )
    assert r.returncode == 0, r.stderr
    out = [json.loads(x) for x in r.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a", "b"]
    for src, res in zip(lines, out, strict=True):
        for span in res["spans"]:
            assert 0 <= span["start"] < span["end"] <= len(src["text"])
    assert "Raman" not in out[0]["text"] and "617-555-0142" not in out[0]["text"]
    assert "Whitlock" not in out[1]["text"] and "00482913" not in out[1]["text"]
