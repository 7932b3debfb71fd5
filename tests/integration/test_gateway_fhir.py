"""FHIR ``$assess`` end to end: real gateway, real embedded Triton, over HTTP."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.riskassessment import RiskAssessment

from tests.integration.gateway_fixtures import FHIR, ROOT, Gateway, document_reference

pytestmark = pytest.mark.integration

MODEL_INFO = json.loads(
    (ROOT / "model_repository/distilbert_sentiment/1/model_info.json").read_text()
)

POSITIVE = (
    "Patient seen on rounds. Pain resolved overnight, she is in good spirits, eating well and "
    "walking the corridor without help. Very pleased with progress; plan discharge home tomorrow."
)
NEGATIVE = (
    "Patient deteriorating overnight, in severe distress, agitated and crying, pain uncontrolled "
    "despite escalating analgesia. Family very upset. Outlook poor, prognosis grim."
)


def _windows(ra: dict[str, Any]) -> int:
    for ext in ra["prediction"][0].get("extension", []):
        if "windows" in ext["url"]:
            return int(ext["valueInteger"])
    raise AssertionError("RiskAssessment does not state how many windows were scored")


def _p(ra: dict[str, Any]) -> float:
    return float(ra["prediction"][0]["probabilityDecimal"])


def test_document_reference_assess(gateway: Gateway) -> None:
    with gateway.client() as c:
        r = c.post(
            "/fhir/DocumentReference/$assess", json=document_reference(POSITIVE), headers=FHIR
        )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/fhir+json")
    ra = r.json()
    RiskAssessment.model_validate(ra)
    assert ra["status"] == "final"
    assert ra["subject"]["reference"] == "Patient/p-1"
    assert ra["basis"][0]["reference"] == "DocumentReference/doc-1"
    assert 0.0 <= _p(ra) <= 100.0
    method = json.dumps(ra["method"])
    assert MODEL_INFO["name"] in method and MODEL_INFO["version"] in method
    assert ra["prediction"][0]["qualitativeRisk"]["coding"][0]["system"] == (
        "http://terminology.hl7.org/CodeSystem/risk-probability"
    )
    assert _windows(ra) == 1
    assert "infer" in r.headers["server-timing"]


def test_sentiment_moves_the_right_way(gateway: Gateway) -> None:
    with gateway.client() as c:
        pos = c.post(
            "/fhir/DocumentReference/$assess", json=document_reference(POSITIVE), headers=FHIR
        )
        neg = c.post(
            "/fhir/DocumentReference/$assess", json=document_reference(NEGATIVE), headers=FHIR
        )
    assert pos.status_code == neg.status_code == 200
    assert _p(neg.json()) > 50.0 > _p(pos.json())


def test_observation_assess(gateway: Gateway) -> None:
    obs = {
        "resourceType": "Observation",
        "id": "obs-1",
        "status": "final",
        "code": {"text": "Nursing note"},
        "subject": {"reference": "Patient/p-1"},
        "valueString": NEGATIVE,
        "note": [{"text": "Reassessed at 22:00, still distressed."}],
    }
    with gateway.client() as c:
        r = c.post("/fhir/Observation/$assess", json=obs, headers=FHIR)
    assert r.status_code == 200, r.text
    ra = r.json()
    RiskAssessment.model_validate(ra)
    assert ra["basis"][0]["reference"] == "Observation/obs-1"


@pytest.mark.parametrize(
    ("content_type", "payload"),
    [
        (
            "text/html; charset=utf-8",
            f"<html><body><p>{POSITIVE}</p><script>x()</script></body></html>".encode(),
        ),
        (
            "application/xhtml+xml",
            f"<div xmlns='http://www.w3.org/1999/xhtml'>{POSITIVE}</div>".encode(),
        ),
        ("text/plain; charset=ISO-8859-1", ("Café visit: " + POSITIVE).encode("latin-1")),
    ],
)
def test_attachment_formats(gateway: Gateway, content_type: str, payload: bytes) -> None:
    doc = document_reference("x")
    doc["content"][0]["attachment"] = {
        "contentType": content_type,
        "data": base64.b64encode(payload).decode(),
    }
    with gateway.client() as c:
        r = c.post("/fhir/DocumentReference/$assess", json=doc, headers=FHIR)
    assert r.status_code == 200, r.text


def test_long_note_is_windowed_not_truncated(gateway: Gateway) -> None:
    long_text = " ".join([POSITIVE, NEGATIVE] * 12)  # ~ 1,000 tokens
    with gateway.client() as c:
        r = c.post(
            "/fhir/DocumentReference/$assess", json=document_reference(long_text), headers=FHIR
        )
    assert r.status_code == 200, r.text
    n_tokens_estimate = len(long_text.split())
    assert _windows(r.json()) >= n_tokens_estimate // MODEL_INFO["max_length"]
    assert _windows(r.json()) > 1


def test_bundle_batch_keeps_good_entries(gateway: Gateway) -> None:
    bad = document_reference("x", rid="doc-bad")
    bad["content"][0]["attachment"] = {"contentType": "application/pdf", "data": "JVBERi0xLjQK"}
    broken = {"resourceType": "DocumentReference", "status": "not-a-status", "content": "nope"}
    bundle = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [
            {"resource": document_reference(POSITIVE, rid="doc-a")},
            {"resource": bad},
            {"resource": broken},
            {
                "resource": {
                    "resourceType": "Observation",
                    "id": "o-2",
                    "status": "final",
                    "code": {"text": "note"},
                    "subject": {"reference": "Patient/p-1"},
                    "valueString": NEGATIVE,
                }
            },
        ],
    }
    with gateway.client() as c:
        r = c.post("/fhir/$assess", json=bundle, headers=FHIR)
    assert r.status_code == 200, r.text
    out = r.json()
    Bundle.model_validate(out)
    assert out["type"] == "batch-response"
    entries = out["entry"]
    assert len(entries) == 4
    assert entries[0]["resource"]["resourceType"] == "RiskAssessment"
    assert entries[0]["resource"]["basis"][0]["reference"] == "DocumentReference/doc-a"
    assert entries[1]["response"]["status"].startswith("422")
    assert entries[1]["response"]["outcome"]["resourceType"] == "OperationOutcome"
    assert entries[2]["response"]["status"].startswith("400")
    assert entries[3]["resource"]["basis"][0]["reference"] == "Observation/o-2"


def test_capability_statement(gateway: Gateway) -> None:
    with gateway.client() as c:
        r = c.get("/fhir/metadata")
    assert r.status_code == 200
    cs = r.json()
    CapabilityStatement.model_validate(cs)
    text = json.dumps(cs)
    for needle in ("DocumentReference", "Observation", "assess", "4.0.1"):
        assert needle in text
