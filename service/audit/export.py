"""Audit rows as FHIR R4 ``AuditEvent`` resources (for ``cds-service audit export``).

Mapping (http://hl7.org/fhir/R4/auditevent.html):

* ``type`` = audit-event-type ``rest``; ``action`` = ``E`` (execute: scoring runs an
  operation); ``recorded`` = row time; ``outcome`` = ``0`` (success, HTTP < 400), ``4`` (minor
  failure, 4xx) or ``8`` (serious failure, 5xx); ``outcomeDesc`` = our outcome category.
* ``agent[0]`` = the caller (``requestor: true``; ``who.identifier`` system = issuer, value =
  client id); ``source`` = this service (security-source-type ``4`` Application Server).
* ``entity``: the patient (role ``1`` Patient) and each resource (role ``4`` Domain
  Resource), identified by their keyed hashes (system ``urn:cds-sentiment:keyed-hash``); one
  ``Job`` entity (role ``20``) for the request itself, identified by the hookInstance UUID when
  there is one, with ``detail`` entries for endpoint, hook, tenant, HTTP status, latency, model
  and the number of PHI spans removed per category, and the chain hashes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from fhir.resources.R4B.auditevent import AuditEvent

HASH_SYSTEM = "urn:cds-sentiment:keyed-hash"
_ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
_OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"


def _outcome_code(status: int) -> str:
    if status < 400:
        return "0"
    if status < 500:
        return "4"
    return "8"


def _recorded(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _hash_entity(
    value: str, *, type_code: str, type_display: str, role: str, role_display: str
) -> dict[str, Any]:
    return {
        "what": {"identifier": {"system": HASH_SYSTEM, "value": value}},
        "type": {"system": _ENTITY_TYPE, "code": type_code, "display": type_display},
        "role": {"system": _OBJECT_ROLE, "code": role, "display": role_display},
    }


def audit_event(row: Mapping[str, Any]) -> dict[str, Any]:
    """One validated AuditEvent (as a JSON-ready dict) for one ``audit_record`` row."""
    details: list[dict[str, str]] = [
        {"type": "endpoint", "valueString": str(row["endpoint"])},
        {"type": "http-status", "valueString": str(row["http_status"])},
        {"type": "latency-ms", "valueString": format(float(row["latency_ms"]), ".3f")},
        {"type": "resource-count", "valueString": str(row["resource_count"])},
    ]
    for name in ("hook", "tenant", "model_name", "model_version"):
        if row[name] is not None:
            details.append({"type": name.replace("_", "-"), "valueString": str(row[name])})
    for category, count in sorted(json.loads(row["phi_spans"]).items()):
        details.append({"type": f"phi-spans-{category}", "valueString": str(count)})
    details.append({"type": "prev-hash", "valueString": str(row["prev_hash"])})
    details.append({"type": "row-hash", "valueString": str(row["row_hash"])})

    job: dict[str, Any] = {
        "type": {"system": _ENTITY_TYPE, "code": "2", "display": "System Object"},
        "role": {"system": _OBJECT_ROLE, "code": "20", "display": "Job"},
        "detail": details,
    }
    if row["hook_instance"] is not None:
        job["what"] = {
            "identifier": {
                "system": "urn:ietf:rfc:3986",
                "value": f"urn:uuid:{row['hook_instance']}",
            }
        }
    entities: list[dict[str, Any]] = [job]
    if row["patient_ref_hash"] is not None:
        entities.append(
            _hash_entity(
                str(row["patient_ref_hash"]),
                type_code="1",
                type_display="Person",
                role="1",
                role_display="Patient",
            )
        )
    for resource_hash in json.loads(row["resource_ids"]):
        entities.append(
            _hash_entity(
                str(resource_hash),
                type_code="2",
                type_display="System Object",
                role="4",
                role_display="Domain Resource",
            )
        )

    agent: dict[str, Any] = {
        "type": {
            "coding": [
                {
                    "system": "http://dicom.nema.org/resources/ontology/DCM",
                    "code": "110153",
                    "display": "Source Role ID",
                }
            ]
        },
        "requestor": True,
    }
    if row["caller_issuer"] is not None:
        agent["who"] = {
            "identifier": {
                "system": str(row["caller_issuer"]),
                "value": str(row["caller_client"] or row["caller_issuer"]),
            }
        }
    else:
        agent["who"] = {"display": "unauthenticated caller"}

    doc: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": f"cds-audit-{row['id']}",
        "type": {
            "system": "http://terminology.hl7.org/CodeSystem/audit-event-type",
            "code": "rest",
            "display": "RESTful Operation",
        },
        "action": "E",
        "recorded": _recorded(row["time"]),
        "outcome": _outcome_code(int(row["http_status"])),
        "outcomeDesc": str(row["outcome"]),
        "agent": [agent],
        "source": {
            "site": "cds-sentiment",
            "observer": {"display": "cds-sentiment gateway"},
            "type": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/security-source-type",
                    "code": "4",
                    "display": "Application Server",
                }
            ],
        },
        "entity": entities,
    }
    AuditEvent.model_validate(doc)  # raises if the mapping ever produces an invalid resource
    return doc
