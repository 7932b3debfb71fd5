"""FHIR R4 output: RiskAssessment, OperationOutcome and batch-response Bundles.

Qualitative risk: ``P(negative)`` is mapped onto the codes of
http://terminology.hl7.org/CodeSystem/risk-probability by their definitions, lower bound
inclusive:

==========  ===============  =========================================================
code        P(negative)      definition in the code system
==========  ===============  =========================================================
negligible  [0.00, 0.05)     "exceptionally unlikely"
low         [0.05, 0.25)     "possible but unlikely"
moderate    [0.25, 0.50)     "a reasonable likelihood of occurrence"
high        [0.50, 0.95)     "more likely to occur than not"
certain     [0.95, 1.00]     "effectively guaranteed"
==========  ===============  =========================================================

``prediction[0].probabilityDecimal`` is ``P(negative)`` as a **percentage** (0-100, two
decimals): the R4 element comment says decimal values are percentages, and invariant ras-2
(``probability <= 100``) is checked here because ``fhir.resources`` does not.

Validation of what we build: :func:`build_risk_assessment` checks the values it copies from
the request (references must be non-empty FHIR strings; the probability and window count are
range-checked) on every call, which is cheap. Validation of the whole resource against the
R4B model (``validate=True``, the default) costs more than the rest of building it, and the
resource's shape is fixed by this function: the gateway runs it once per model at startup
(:func:`check_risk_assessment_shape`) and per response only when ``CDS_VALIDATE_OUTPUT`` is on;
the unit tests run it over every branch.

Spec: https://hl7.org/fhir/R4/riskassessment.html, https://hl7.org/fhir/R4/operationoutcome.html,
https://hl7.org/fhir/R4/http.html#transaction-response
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from service.errors import CDSError

RISK_PROBABILITY_SYSTEM = "http://terminology.hl7.org/CodeSystem/risk-probability"
#: Our own code systems (URNs: this service publishes no terminology server).
MODEL_SYSTEM = "urn:cds-sentiment:model"
OUTCOME_SYSTEM = "urn:cds-sentiment:outcome"
WINDOWS_EXTENSION_URL = "urn:cds-sentiment:extension:windows-scored"
OUTCOME_CODE = "negative-sentiment"
OUTCOME_DISPLAY = "Negative sentiment of the clinical note"

#: (upper bound exclusive, code, display); the last bound is above 1 so 1.0 is "certain".
QUALITATIVE_THRESHOLDS: tuple[tuple[float, str, str], ...] = (
    (0.05, "negligible", "Negligible likelihood"),
    (0.25, "low", "Low likelihood"),
    (0.50, "moderate", "Moderate likelihood"),
    (0.95, "high", "High likelihood"),
    (math.inf, "certain", "Certain"),
)


@dataclass(frozen=True)
class ModelRef:
    """The model that produced a score: its name and version as Triton serves them."""

    name: str
    version: str

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version}"


def _check_probability(p_negative: float) -> float:
    p = float(p_negative)
    if not math.isfinite(p) or not 0.0 <= p <= 1.0:
        raise ValueError("p_negative must be a probability in [0, 1]")
    return p


def qualitative_risk(p_negative: float) -> tuple[str, str]:
    """``(code, display)`` from the risk-probability code system (thresholds: module doc)."""
    p = _check_probability(p_negative)
    for upper, code, display in QUALITATIVE_THRESHOLDS:
        if p < upper:
            return code, display
    raise AssertionError("unreachable: the last threshold is infinite")


def probability_percent(p_negative: float) -> float:
    """``P(negative)`` as the percentage ``probabilityDecimal`` carries (0-100, 2 decimals)."""
    return round(_check_probability(p_negative) * 100.0, 2)


def _fhir_datetime(value: datetime | None) -> str:
    moment = value or datetime.now(UTC)
    if moment.tzinfo is None:
        # FHIR dateTime with a time needs a zone; guessing one would be wrong.
        raise ValueError("occurrence must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _reference(value: str | Mapping[str, Any]) -> dict[str, Any]:
    return {"reference": value} if isinstance(value, str) else dict(value)


#: FHIR ``string``: at least one character, whitespace limited to space, CR, LF and tab.
_FHIR_STRING = re.compile(r"[ \r\n\t\S]+")
_FHIR_INTEGER_MAX = 2**31 - 1


def _check_copied_strings(resource: Mapping[str, Any]) -> None:
    """The strings taken from the request must still be valid where we put them."""
    refs: list[Any] = [resource["subject"], *resource.get("basis", ())]
    if "encounter" in resource:
        refs.append(resource["encounter"])
    for ref in refs:
        for key in ("reference", "display", "type"):
            value = ref.get(key)
            if value is not None and (
                not isinstance(value, str) or not _FHIR_STRING.fullmatch(value)
            ):
                raise ValueError(f"Reference.{key} must be a non-empty FHIR string")


def build_risk_assessment(
    *,
    subject: str | None,
    basis: Sequence[str | Mapping[str, Any]],
    p_negative: float,
    windows: int,
    model: ModelRef,
    encounter: str | None = None,
    occurrence: datetime | None = None,
    resource_id: str | None = None,
    n_notes: int | None = None,
    validate: bool = True,
) -> dict[str, Any]:
    """An R4 RiskAssessment (JSON-ready dict: camelCase, no nulls).

    ``basis`` items are references (``"DocumentReference/1"``) or whole Reference objects
    (e.g. :meth:`service.interop.notes.Note.reference`). ``subject`` ``None`` (a source
    resource without one) becomes a display-only Reference, since ``subject`` is 1..1.
    ``windows`` is the number of token windows scored, stated in ``prediction[0].rationale``,
    in an extension and in ``note``; nothing is ever truncated silently. ``validate=False``
    skips the R4B model validation (see the module docstring); the copied values are checked
    either way.
    """
    if not 1 <= windows <= _FHIR_INTEGER_MAX:
        raise ValueError("at least one window must have been scored")
    code, display = qualitative_risk(p_negative)
    percent = probability_percent(p_negative)
    notes = n_notes if n_notes is not None else max(1, len(basis))
    windows_text = (
        f"{windows} token window{'s' if windows != 1 else ''} of "
        f"{notes} note{'s' if notes != 1 else ''} scored by {model.label}"
    )
    resource: dict[str, Any] = {"resourceType": "RiskAssessment"}
    if resource_id:
        resource["id"] = resource_id
    resource["status"] = "final"
    resource["method"] = {
        "coding": [
            {
                "system": MODEL_SYSTEM,
                "version": model.version,
                "code": model.name,
                "display": f"Clinical note sentiment model {model.label}",
            }
        ],
        "text": f"Transformer sentiment classifier {model.label}",
    }
    resource["subject"] = (
        {"reference": subject, "type": "Patient"}
        if subject
        else {"display": "subject not stated in the source resource"}
    )
    if encounter:
        resource["encounter"] = {"reference": encounter}
    resource["occurrenceDateTime"] = _fhir_datetime(occurrence)
    resource["performer"] = {"type": "Device", "display": f"cds-sentiment model {model.label}"}
    if basis:
        resource["basis"] = [_reference(b) for b in basis]
    resource["prediction"] = [
        {
            "extension": [{"url": WINDOWS_EXTENSION_URL, "valueInteger": windows}],
            "outcome": {
                "coding": [
                    {"system": OUTCOME_SYSTEM, "code": OUTCOME_CODE, "display": OUTCOME_DISPLAY}
                ],
                "text": OUTCOME_DISPLAY,
            },
            "probabilityDecimal": percent,
            "qualitativeRisk": {
                "coding": [{"system": RISK_PROBABILITY_SYSTEM, "code": code, "display": display}],
                "text": display,
            },
            "rationale": f"Probability of negative sentiment aggregated over {windows_text}.",
        }
    ]
    resource["note"] = [
        {
            "text": (
                f"{windows_text}. probabilityDecimal is P(negative sentiment) as a percentage. "
                "A language signal for clinician review, not a diagnosis."
            )
        }
    ]
    _check_copied_strings(resource)
    if validate:
        validate_risk_assessment(resource)
    return resource


def check_risk_assessment_shape(model: ModelRef) -> None:
    """Build and fully validate one RiskAssessment per branch for ``model`` (startup check).

    Raises ``ValueError``/``ValidationError`` when the model's name or version cannot be
    carried by the resource (e.g. a name that is not a FHIR code).
    """
    when = datetime(2000, 1, 1, tzinfo=UTC)
    for subject, encounter, basis in (
        ("Patient/p", "Encounter/e", ["DocumentReference/d"]),
        (None, None, [{"type": "Observation", "display": "Observation submitted without id"}]),
    ):
        build_risk_assessment(
            subject=subject,
            basis=basis,
            p_negative=0.5,
            windows=2,
            model=model,
            encounter=encounter,
            occurrence=when,
            validate=True,
        )


def validate_risk_assessment(resource: Mapping[str, Any]) -> None:
    """Validate with the R4B model, then the invariants the model does not enforce.

    ras-2: ``probabilityDecimal`` <= 100 (and we also require >= 0); ras-1 (``low`` < ``high``
    in a probabilityRange) is checked when a range is present.
    """
    from fhir.resources.R4B.riskassessment import RiskAssessment

    RiskAssessment.model_validate(resource)
    for i, pred in enumerate(resource.get("prediction") or []):
        prob = pred.get("probabilityDecimal")
        if prob is not None and not 0 <= prob <= 100:
            raise ValueError(f"ras-2 violated at RiskAssessment.prediction[{i}]")
        rng = pred.get("probabilityRange")
        if rng:
            low, high = (rng.get("low") or {}).get("value"), (rng.get("high") or {}).get("value")
            if low is not None and high is not None and low >= high:
                raise ValueError(f"ras-1 violated at RiskAssessment.prediction[{i}]")


# --------------------------------------------------------------------------------------------
# OperationOutcome and batch-response
# --------------------------------------------------------------------------------------------


def status_line(status_code: int) -> str:
    """``422`` -> ``"422 Unprocessable Entity"``, as ``Bundle.entry.response.status`` has it."""
    try:
        return f"{status_code} {HTTPStatus(status_code).phrase}"
    except ValueError:
        return str(status_code)


def operation_outcome_issues(*errors: CDSError, severity: str = "error") -> list[dict[str, Any]]:
    """One ``issue`` per error, or per (expression, message) pair of a validation error."""
    issues: list[dict[str, Any]] = []
    for error in errors:
        pairs: Iterable[tuple[str, str]] | None = getattr(error, "issues", None)
        if pairs:
            for expression, message in pairs:
                issues.append(
                    {
                        "severity": severity,
                        "code": error.issue_code,
                        "diagnostics": f"{expression}: {message}",
                        "expression": [expression],
                    }
                )
            continue
        issue: dict[str, Any] = {
            "severity": severity,
            "code": error.issue_code,
            "diagnostics": error.detail,
        }
        if error.expression:
            issue["expression"] = list(error.expression)
        issues.append(issue)
    return issues


def operation_outcome(error: CDSError, *more: CDSError) -> dict[str, Any]:
    """An R4 OperationOutcome for one or more errors (their messages never hold input)."""
    return {"resourceType": "OperationOutcome", "issue": operation_outcome_issues(error, *more)}


def batch_response(
    entries: Sequence[Mapping[str, Any] | CDSError], *, bundle_id: str | None = None
) -> dict[str, Any]:
    """A ``batch-response`` Bundle, one entry per input entry, in order.

    Success: ``resource`` + ``response.status`` ``"200 OK"`` (``$assess`` is an operation;
    nothing is persisted, so no ``201 Created``/``Location``). Failure: ``response.status``
    is the error's own status line and ``response.outcome`` its OperationOutcome.
    """
    out: list[dict[str, Any]] = []
    for entry in entries:
        if isinstance(entry, CDSError):
            out.append(
                {
                    "response": {
                        "status": status_line(entry.status_code),
                        "outcome": operation_outcome(entry),
                    }
                }
            )
            continue
        item: dict[str, Any] = {}
        rid = entry.get("id")
        if isinstance(rid, str) and _looks_like_uuid(rid):
            item["fullUrl"] = f"urn:uuid:{rid}"
        item["resource"] = dict(entry)
        item["response"] = {"status": status_line(200)}
        out.append(item)
    bundle: dict[str, Any] = {"resourceType": "Bundle"}
    if bundle_id:
        bundle["id"] = bundle_id
    bundle["type"] = "batch-response"
    bundle["timestamp"] = _fhir_datetime(None)
    bundle["entry"] = out
    return bundle


def _looks_like_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
