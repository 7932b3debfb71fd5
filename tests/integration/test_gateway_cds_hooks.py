"""CDS Hooks end to end: discovery, both hooks, prefetch semantics, fetching, feedback, CORS."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fhir.resources.R4B.riskassessment import RiskAssessment

from tests.integration.fake_fhir import FakeFhirServer, running
from tests.integration.gateway_fixtures import Gateway, document_reference

pytestmark = pytest.mark.integration

PATIENT = {
    "resourceType": "Patient",
    "id": "p-1",
    "name": [{"family": "Quintero", "given": ["Marisol"]}],
    "birthDate": "1961-04-12",
}
NOTE_TEXTS = [
    "Marisol Quintero reports the pain resolved; she is in good spirits and walking well.",
    "Reviewed with Dr. Hale: comfortable, eating well, pleased with progress.",
    "Mood bright, looking forward to going home on 04/15/2024.",
]


def _notes_bundle(texts: list[str] = NOTE_TEXTS) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": document_reference(t, rid=f"n-{i}")} for i, t in enumerate(texts)],
    }


def _request(hook: str = "patient-view", **over: Any) -> dict[str, Any]:
    context: dict[str, Any] = {"userId": "Practitioner/dr-1", "patientId": "p-1"}
    if hook == "encounter-discharge":
        context["encounterId"] = "e-1"
    body = {
        "hook": hook,
        "hookInstance": str(uuid.uuid4()),
        "context": context,
        "prefetch": {"patient": PATIENT, "notes": _notes_bundle(), "observations": None},
    }
    body.update(over)
    return body


def _services(gateway: Gateway) -> dict[str, str]:
    with gateway.client() as c:
        r = c.get("/cds-services")
    assert r.status_code == 200
    return {s["hook"]: s["id"] for s in r.json()["services"]}


def test_discovery(gateway: Gateway) -> None:
    with gateway.client() as c:
        services = c.get("/cds-services").json()["services"]
    hooks = {s["hook"]: s for s in services}
    assert {"patient-view", "encounter-discharge"} <= hooks.keys()
    for s in hooks.values():
        assert s["prefetch"]["patient"] == "Patient/{{context.patientId}}"
        assert s["prefetch"]["notes"].startswith("DocumentReference?patient={{context.patientId}}")
        assert "description" in s and "id" in s


def _check_card(card: dict[str, Any]) -> dict[str, Any]:
    assert len(card["summary"]) < 140
    assert card["indicator"] in {"info", "warning", "critical"}
    assert card["source"]["label"]
    uuid.UUID(card["uuid"])
    action = card["suggestions"][0]["actions"][0]
    assert action["type"] == "create"
    ra = action["resource"]
    RiskAssessment.model_validate(ra)
    assert card["selectionBehavior"] in {"at-most-one", "any"}
    return ra


@pytest.mark.parametrize("hook", ["patient-view", "encounter-discharge"])
def test_hooks_return_a_card(gateway: Gateway, hook: str) -> None:
    sid = _services(gateway)[hook]
    with gateway.client() as c:
        r = c.post(f"/cds-services/{sid}", json=_request(hook))
    assert r.status_code == 200, r.text
    cards = r.json()["cards"]
    assert len(cards) == 1
    ra = _check_card(cards[0])
    assert ra["subject"]["reference"] == "Patient/p-1"
    assert {b["reference"] for b in ra["basis"]} == {
        "DocumentReference/n-0",
        "DocumentReference/n-1",
        "DocumentReference/n-2",
    }
    if hook == "encounter-discharge":
        assert ra["encounter"]["reference"] == "Encounter/e-1"
    # No note text reaches the card.
    assert "Quintero" not in r.text and "good spirits" not in r.text


def test_no_notes_gives_empty_cards(gateway: Gateway) -> None:
    sid = _services(gateway)["patient-view"]
    empty = {"resourceType": "Bundle", "type": "searchset", "entry": []}
    with gateway.client() as c:
        r1 = c.post(
            f"/cds-services/{sid}",
            json=_request(prefetch={"patient": PATIENT, "notes": empty, "observations": None}),
        )
        r2 = c.post(
            f"/cds-services/{sid}",
            json=_request(prefetch={"patient": PATIENT, "notes": None, "observations": None}),
        )
    assert r1.status_code == r2.status_code == 200
    assert r1.json() == {"cards": []} and r2.json() == {"cards": []}


@pytest.fixture
def fhir_server() -> Iterator[FakeFhirServer]:
    server = FakeFhirServer()
    server.add(PATIENT)
    for i, t in enumerate(NOTE_TEXTS):
        server.add(document_reference(t, rid=f"n-{i}"))
    server.add(document_reference("Another patient's note", rid="other", patient="Patient/p-2"))
    yield from running(server)


def test_missing_prefetch_is_fetched_with_the_token(
    gateway: Gateway, fhir_server: FakeFhirServer
) -> None:
    sid = _services(gateway)["patient-view"]
    body = _request(prefetch=None)
    body["fhirServer"] = fhir_server.base_url
    body["fhirAuthorization"] = {
        "access_token": "secret-access-token-123",
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "user/Patient.r user/DocumentReference.rs user/Observation.rs",
        "subject": "cds-sentiment",
    }
    with gateway.client() as c:
        r = c.post(f"/cds-services/{sid}", json=body)
    assert r.status_code == 200, r.text
    ra = _check_card(r.json()["cards"][0])
    assert "DocumentReference/other" not in {b["reference"] for b in ra["basis"]}
    paths = [p for p, _ in fhir_server.requests]
    assert any(p.startswith("/Patient/p-1") for p in paths)
    assert any(p.startswith("/DocumentReference?") and "patient=p-1" in p for p in paths)
    assert all(auth == "Bearer secret-access-token-123" for _, auth in fhir_server.requests)
    assert "secret-access-token-123" not in gateway.logs()


def test_operation_outcome_prefetch_is_refetched_and_null_is_not(
    gateway: Gateway, fhir_server: FakeFhirServer
) -> None:
    sid = _services(gateway)["patient-view"]
    failed = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "timeout"}],
    }
    body = _request(prefetch={"patient": PATIENT, "notes": failed, "observations": None})
    body["fhirServer"] = fhir_server.base_url
    with gateway.client() as c:
        r = c.post(f"/cds-services/{sid}", json=body)
    assert r.status_code == 200, r.text
    paths = [p for p, _ in fhir_server.requests]
    assert any(p.startswith("/DocumentReference?") for p in paths)
    assert not any(p.startswith("/Observation") for p in paths)  # null: no data, not fetched
    assert not any(p.startswith("/Patient") for p in paths)  # present: not fetched


def test_missing_prefetch_without_fhir_server_is_412(gateway: Gateway) -> None:
    sid = _services(gateway)["patient-view"]
    with gateway.client() as c:
        r = c.post(f"/cds-services/{sid}", json=_request(prefetch={"patient": PATIENT}))
    assert r.status_code == 412, r.text


def test_unreachable_fhir_server_is_412(gateway: Gateway, fhir_server: FakeFhirServer) -> None:
    sid = _services(gateway)["patient-view"]
    fhir_server.status = 500
    body = _request(prefetch=None)
    body["fhirServer"] = fhir_server.base_url
    with gateway.client() as c:
        r = c.post(f"/cds-services/{sid}", json=body)
    assert r.status_code == 412, r.text


def test_hook_mismatch_is_400(gateway: Gateway) -> None:
    sid = _services(gateway)["patient-view"]
    with gateway.client() as c:
        r = c.post(f"/cds-services/{sid}", json=_request(hook="encounter-discharge"))
    assert r.status_code == 400


def test_feedback_is_accepted(gateway: Gateway) -> None:
    sid = _services(gateway)["patient-view"]
    fb = {
        "feedback": [
            {
                "card": str(uuid.uuid4()),
                "outcome": "accepted",
                "acceptedSuggestions": [{"id": str(uuid.uuid4())}],
                "outcomeTimestamp": "2026-11-23T10:00:00Z",
            }
        ]
    }
    with gateway.client() as c:
        r = c.post(f"/cds-services/{sid}/feedback", json=fb)
        bad = c.post(f"/cds-services/{sid}/feedback", json={"feedback": [{"outcome": "maybe"}]})
    assert r.status_code == 200, r.text
    assert bad.status_code == 400


def test_cors_preflight(gateway: Gateway) -> None:
    sid = _services(gateway)["patient-view"]
    with gateway.client() as c:
        r = c.options(
            f"/cds-services/{sid}",
            headers={
                "Origin": "https://sandbox.cds-hooks.org",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )
        g = c.get("/cds-services", headers={"Origin": "https://sandbox.cds-hooks.org"})
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] in ("*", "https://sandbox.cds-hooks.org")
    assert "POST" in r.headers["access-control-allow-methods"]
    assert "authorization" in r.headers["access-control-allow-headers"].lower()
    assert g.headers["access-control-allow-origin"] in ("*", "https://sandbox.cds-hooks.org")
