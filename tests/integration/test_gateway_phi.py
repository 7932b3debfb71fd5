"""No PHI from the requests reaches the gateway's logs or its audit rows."""

from __future__ import annotations

import sqlite3
import uuid

import pytest

from tests.integration.gateway_fixtures import FHIR, Gateway, document_reference

pytestmark = pytest.mark.integration

# Distinctive PHI values, so a hit cannot be a coincidence.
PHI = {
    "name": "Zebulon Featherstonehaugh",
    "given": "Zebulon",
    "mrn": "MRN 48213377",
    "phone": "(617) 555-0199",
    "email": "zeb.feather@example.org",
    "ssn": "078-05-1120",
    "dob": "03/14/1952",
    "street": "1193 Quarrystone Lane",
    "patient_id": "pt-zeb-7731",
}
NOTE = (
    f"{PHI['name']} ({PHI['mrn']}, DOB {PHI['dob']}, SSN {PHI['ssn']}) lives at {PHI['street']}. "
    f"Call {PHI['phone']} or {PHI['email']}. Mr. Featherstonehaugh is anxious and tearful, "
    "pain poorly controlled overnight."
)
PATIENT = {
    "resourceType": "Patient",
    "id": PHI["patient_id"],
    "name": [{"family": "Featherstonehaugh", "given": ["Zebulon"]}],
    "birthDate": "1952-03-14",
    "telecom": [
        {"system": "phone", "value": PHI["phone"]},
        {"system": "email", "value": PHI["email"]},
    ],
}


def test_no_phi_in_logs_or_audit(gateway: Gateway) -> None:
    ref = f"Patient/{PHI['patient_id']}"
    doc = document_reference(NOTE, rid="phi-doc", patient=ref)
    bad = dict(doc, date=PHI["name"])  # not a FHIR instant: 400, and the value is not echoed
    with gateway.client() as c:
        sid = {s["hook"]: s["id"] for s in c.get("/cds-services").json()["services"]}[
            "patient-view"
        ]
        assert c.post("/fhir/DocumentReference/$assess", json=doc, headers=FHIR).status_code == 200
        assert c.post("/fhir/DocumentReference/$assess", json=bad, headers=FHIR).status_code == 400
        hook = {
            "hook": "patient-view",
            "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/dr-9", "patientId": PHI["patient_id"]},
            "prefetch": {
                "patient": PATIENT,
                "notes": {
                    "resourceType": "Bundle",
                    "type": "searchset",
                    "entry": [{"resource": doc}],
                },
                "observations": None,
            },
        }
        r = c.post(f"/cds-services/{sid}", json=hook)
        assert r.status_code == 200, r.text
        assert len(r.json()["cards"]) == 1
        d = c.post("/deidentify", json={"id": "1", "text": NOTE, "patient": PATIENT})
        assert d.status_code == 200
        # The de-identifier really removed the values it was given (the route's own output).
        for value in (PHI["name"], PHI["phone"], PHI["email"], PHI["ssn"], PHI["street"]):
            assert value not in d.json()["text"]

    logs = gateway.logs()
    assert "gateway ready" in logs  # the log file is the real one
    rows = sqlite3.connect(gateway.db_path).execute("SELECT * FROM audit_record").fetchall()
    assert len(rows) >= 4
    dump = "\n".join(repr(row) for row in rows)
    for value in PHI.values():
        assert value not in logs, f"PHI in logs: {value}"
        assert value not in dump, f"PHI in audit rows: {value}"
    assert "anxious" not in logs and "anxious" not in dump
