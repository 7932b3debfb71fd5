"""Every error status over HTTP, each a clear OperationOutcome / JSON error, never a 500."""

from __future__ import annotations

import base64
import sqlite3
import time

import httpx
import pytest
from fhir.resources.R4B.operationoutcome import OperationOutcome

from tests.integration.gateway_fixtures import FHIR, Gateway, document_reference

pytestmark = pytest.mark.integration


def _outcome(r: httpx.Response, status: int) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    OperationOutcome.model_validate(body)
    issue = body["issue"][0]
    assert issue["severity"] == "error"
    assert issue.get("diagnostics")
    return issue


def test_invalid_json_400(gateway: Gateway) -> None:
    with gateway.client() as c:
        r = c.post("/fhir/DocumentReference/$assess", content=b"{not json", headers=FHIR)
    _outcome(r, 400)
    assert r.headers["content-type"].startswith("application/fhir+json")


def test_invalid_resource_400_with_expression(gateway: Gateway) -> None:
    doc = document_reference("Mr. Secretname is fine")
    doc["content"][0]["attachment"]["size"] = "Secretname"  # unsignedInt expected
    with gateway.client() as c:
        r = c.post("/fhir/DocumentReference/$assess", json=doc, headers=FHIR)
    issue = _outcome(r, 400)
    assert any("size" in e for e in issue.get("expression", []))
    assert "Secretname" not in r.text


def test_wrong_resource_type_400(gateway: Gateway) -> None:
    with gateway.client() as c:
        r = c.post(
            "/fhir/DocumentReference/$assess",
            json={"resourceType": "Patient", "id": "x"},
            headers=FHIR,
        )
    _outcome(r, 400)


def test_unknown_route_404(gateway: Gateway) -> None:
    with gateway.client() as c:
        _outcome(c.get("/fhir/Nope/$assess"), 404)
        r = c.post("/cds-services/no-such-service", json={})
        assert r.status_code == 404
        assert r.json()["resourceType"] == "OperationOutcome"


def test_wrong_method_405_is_audited(gateway: Gateway) -> None:
    # The 405 used to be answered but not audited: its error class name began with an
    # underscore, which made the audit row invalid ("audit write failed: ValueError").
    with gateway.client() as c:
        _outcome(c.get("/fhir/DocumentReference/$assess"), 405)
    rows: list[tuple[str, str]] = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        rows = (
            sqlite3.connect(gateway.db_path)
            .execute("SELECT endpoint, outcome FROM audit_record WHERE http_status = 405")
            .fetchall()
        )
        if rows:
            break
        time.sleep(0.1)
    assert rows and rows[-1][1] == "method_not_allowed", rows
    assert "audit write failed" not in gateway.logs()


def test_body_too_large_413(gateway: Gateway) -> None:
    big = "word " * (6 * 1024 * 1024 // 5)
    with gateway.client() as c:
        r = c.post("/fhir/DocumentReference/$assess", json=document_reference(big), headers=FHIR)
    assert r.status_code == 413


def test_note_with_too_many_windows_413(gateway: Gateway) -> None:
    # Under the body limit but over CDS_MAX_WINDOWS_PER_NOTE: refused, never truncated.
    text = "The patient is comfortable today and pain is controlled. " * 1200
    with gateway.client() as c:
        r = c.post("/fhir/DocumentReference/$assess", json=document_reference(text), headers=FHIR)
    issue = _outcome(r, 413)
    assert "window" in issue["diagnostics"]


def test_wrong_media_type_415(gateway: Gateway) -> None:
    with gateway.client() as c:
        r = c.post(
            "/fhir/DocumentReference/$assess",
            content=b"<DocumentReference/>",
            headers={"Content-Type": "application/fhir+xml"},
        )
    _outcome(r, 415)


def test_unsupported_content_422(gateway: Gateway) -> None:
    doc = document_reference("x")
    doc["content"][0]["attachment"] = {
        "contentType": "application/pdf",
        "data": base64.b64encode(b"%PDF-1.4 fake").decode(),
    }
    with gateway.client() as c:
        r = c.post("/fhir/DocumentReference/$assess", json=doc, headers=FHIR)
    issue = _outcome(r, 422)
    assert any("contentType" in e for e in issue.get("expression", []))


def test_url_attachment_without_fhir_server_is_refused(gateway: Gateway) -> None:
    doc = document_reference("x")
    doc["content"][0]["attachment"] = {"contentType": "text/plain", "url": "Binary/b-1"}
    with gateway.client() as c:
        r = c.post("/fhir/DocumentReference/$assess", json=doc, headers=FHIR)
    assert r.status_code in (400, 422), r.text
    assert r.json()["resourceType"] == "OperationOutcome"


def test_hook_request_errors_are_json(gateway: Gateway) -> None:
    with gateway.client() as c:
        sid = c.get("/cds-services").json()["services"][0]["id"]
        r = c.post(f"/cds-services/{sid}", json={"hook": "order-sign", "hookInstance": "x"})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["issue"][0]["diagnostics"]


def test_a_lone_surrogate_escape_is_refused_not_a_500(gateway: Gateway) -> None:
    # "\ud800" alone is no character: the body was accepted, and writing the answer as UTF-8
    # failed with a 500. A pair (an emoji written as two escapes) is a character and stays.
    lone = b'{"id": "1", "text": "Seen by Dr. Lee \\udc00 today"}'
    paired = b'{"id": "2", "text": "Seen by Dr. Lee \\ud83d\\ude00 today"}'
    with gateway.client() as c:
        r = c.post("/deidentify", content=lone, headers={"content-type": "application/json"})
        issue = _outcome(r, 400)
        assert "surrogate" in issue["diagnostics"]
        r = c.post("/deidentify", content=paired, headers={"content-type": "application/json"})
        assert r.status_code == 200
        assert "\U0001f600" in r.json()["text"]
        sid = c.get("/cds-services").json()["services"][0]["id"]
        r = c.post(
            f"/cds-services/{sid}",
            content=b'{"hook": "patient-view", "hookInstance": "\\ud800"}',
            headers={"content-type": "application/json"},
        )
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/json")
