"""The CapabilityStatement served at ``GET /fhir/metadata``, and our OperationDefinitions.

It states what the routes really do, and nothing more:

* ``POST /fhir/DocumentReference/$assess`` and ``POST /fhir/Observation/$assess``: one
  resource in, one RiskAssessment out (type-level operations);
* ``POST /fhir/$assess``: a ``batch`` or ``collection`` Bundle in, a ``batch-response``
  Bundle out (system-level operation);
* no RESTful interactions (no read, search or create): RiskAssessment is only produced;
* JSON only (``application/fhir+json``); security: SMART on FHIR bearer tokens when
  authentication is configured.

Spec: https://hl7.org/fhir/R4/capabilitystatement.html,
https://hl7.org/fhir/R4/operationdefinition.html
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from service.interop.risk import ModelRef

SECURITY_SERVICE_SYSTEM = "http://terminology.hl7.org/CodeSystem/restful-security-service"


def _service_base(base_url: str) -> str:
    return base_url.rstrip("/").removesuffix("/fhir")


def operation_canonical(base_url: str, name: str) -> str:
    """Canonical URL of one of our OperationDefinitions (served under ``/fhir``)."""
    return f"{_service_base(base_url)}/fhir/OperationDefinition/{name}"


def capability_statement(
    *,
    base_url: str,
    software_version: str,
    model: ModelRef,
    auth_enabled: bool = True,
    date: datetime | None = None,
) -> dict[str, Any]:
    """An R4 (4.0.1) CapabilityStatement for this service, validated with the R4B model.

    ``base_url`` is the service's public base (``Settings.public_base_url``); the FHIR base is
    ``{base_url}/fhir``. A ``base_url`` that already ends in ``/fhir`` is taken as the FHIR
    base (so both spellings give the same, correct URLs).
    """
    base = _service_base(base_url)
    when = (date or datetime.now(UTC)).astimezone(UTC).date().isoformat()
    if auth_enabled:
        security: dict[str, Any] = {
            "cors": True,
            "service": [
                {
                    "coding": [
                        {
                            "system": SECURITY_SERVICE_SYSTEM,
                            "code": "SMART-on-FHIR",
                            "display": "SMART-on-FHIR",
                        }
                    ],
                    "text": "SMART on FHIR bearer token",
                }
            ],
            "description": (
                "Every request needs `Authorization: Bearer <token>`, a SMART on FHIR access "
                "token from a configured authorization server. `$assess` needs a scope "
                "granting RiskAssessment create, e.g. `system/RiskAssessment.c` or "
                "`user/RiskAssessment.c`."
            ),
        }
    else:
        security = {
            "cors": True,
            "description": "Authentication is disabled: this is a development instance.",
        }
    type_level = [
        {
            "type": rtype,
            "profile": f"http://hl7.org/fhir/StructureDefinition/{rtype}",
            "documentation": (
                f"`POST {base}/fhir/{rtype}/$assess` with one {rtype} returns a RiskAssessment "
                "of negative note sentiment. " + text_source
            ),
            "operation": [
                {
                    "name": "assess",
                    "definition": operation_canonical(base, f"{rtype}-assess"),
                    "documentation": f"Score the note text of one {rtype}.",
                }
            ],
        }
        for rtype, text_source in (
            (
                "DocumentReference",
                "Text from content.attachment (data or url; text/plain, text/html, "
                "application/xhtml+xml; charset honoured).",
            ),
            (
                "Observation",
                "Text from valueString, component.valueString and note.text.",
            ),
        )
    ]
    statement: dict[str, Any] = {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": when,
        "publisher": "cds-sentiment",
        "kind": "instance",
        "software": {"name": "cds-sentiment", "version": software_version},
        "implementation": {
            "description": f"Clinical note sentiment service (model {model.label})",
            "url": f"{base}/fhir",
        },
        "fhirVersion": "4.0.1",
        "format": ["json", "application/fhir+json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "Operations only: nothing is stored and no resource can be read or "
                    "searched. Errors are OperationOutcome resources."
                ),
                "security": security,
                "resource": [
                    *type_level,
                    {
                        "type": "RiskAssessment",
                        "profile": "http://hl7.org/fhir/StructureDefinition/RiskAssessment",
                        "documentation": (
                            "Produced by $assess (never stored): status final, "
                            "prediction.probabilityDecimal = P(negative sentiment) as a "
                            "percentage, qualitativeRisk from risk-probability, method = "
                            f"the model ({model.label})."
                        ),
                    },
                ],
                "operation": [
                    {
                        "name": "assess",
                        "definition": operation_canonical(base, "assess"),
                        "documentation": (
                            f"`POST {base}/fhir/$assess` with a batch or collection Bundle of "
                            "DocumentReference/Observation resources returns a batch-response "
                            "Bundle: per entry, in order, a RiskAssessment or an "
                            "OperationOutcome with that entry's status."
                        ),
                    }
                ],
            }
        ],
    }
    from fhir.resources.R4B.capabilitystatement import CapabilityStatement

    CapabilityStatement.model_validate(statement)
    return statement


def operation_definitions(base_url: str) -> dict[str, dict[str, Any]]:
    """The OperationDefinitions the CapabilityStatement points to, by id (validated)."""
    from fhir.resources.R4B.operationdefinition import OperationDefinition

    base = _service_base(base_url)

    def definition(op_id: str, *, resource: list[str], system: bool, in_type: str,
                   out_type: str, description: str) -> dict[str, Any]:  # fmt: skip
        return {
            "resourceType": "OperationDefinition",
            "id": op_id,
            "url": operation_canonical(base, op_id),
            "name": op_id.replace("-", "_").title().replace("_", ""),
            "status": "active",
            "kind": "operation",
            "description": description,
            "affectsState": False,
            "code": "assess",
            **({"resource": resource} if resource else {}),
            "system": system,
            "type": bool(resource),
            "instance": False,
            "parameter": [
                {
                    "name": "resource",
                    "use": "in",
                    "min": 1,
                    "max": "1",
                    "type": in_type,
                    "documentation": "The request body (the resource itself, not Parameters).",
                },
                {
                    "name": "return",
                    "use": "out",
                    "min": 1,
                    "max": "1",
                    "type": out_type,
                },
            ],
        }

    defs = {
        "DocumentReference-assess": definition(
            "DocumentReference-assess",
            resource=["DocumentReference"],
            system=False,
            in_type="DocumentReference",
            out_type="RiskAssessment",
            description="Negative-sentiment RiskAssessment of one DocumentReference's text.",
        ),
        "Observation-assess": definition(
            "Observation-assess",
            resource=["Observation"],
            system=False,
            in_type="Observation",
            out_type="RiskAssessment",
            description="Negative-sentiment RiskAssessment of one Observation's text.",
        ),
        "assess": definition(
            "assess",
            resource=[],
            system=True,
            in_type="Bundle",
            out_type="Bundle",
            description=(
                "A batch or collection Bundle in, a batch-response Bundle out: one "
                "RiskAssessment or OperationOutcome per entry, in order."
            ),
        ),
    }
    for item in defs.values():
        OperationDefinition.model_validate(item)
    return defs
