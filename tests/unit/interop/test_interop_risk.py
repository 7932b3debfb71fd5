"""RiskAssessment, qualitative risk, OperationOutcome and batch-response (service.interop.risk)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.riskassessment import RiskAssessment

from service.errors import InferenceUnavailable, InvalidRequest, UnprocessableContent
from service.interop.notes import ResourceValidationError
from service.interop.risk import (
    MODEL_SYSTEM,
    RISK_PROBABILITY_SYSTEM,
    WINDOWS_EXTENSION_URL,
    ModelRef,
    batch_response,
    build_risk_assessment,
    check_risk_assessment_shape,
    operation_outcome,
    qualitative_risk,
    status_line,
    validate_risk_assessment,
)

MODEL = ModelRef(name="distilbert-sentiment", version="3")
WHEN = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def _ra(**overrides):
    args = {
        "subject": "Patient/p1",
        "basis": ["DocumentReference/d1", "Observation/o1"],
        "p_negative": 0.875,
        "windows": 5,
        "model": MODEL,
        "encounter": "Encounter/e1",
        "occurrence": WHEN,
    }
    args.update(overrides)
    return build_risk_assessment(**args)


@pytest.mark.parametrize(
    ("p", "code"),
    [
        (0.0, "negligible"),
        (0.0499, "negligible"),
        (0.05, "low"),
        (0.2499, "low"),
        (0.25, "moderate"),
        (0.4999, "moderate"),
        (0.50, "high"),
        (0.9499, "high"),
        (0.95, "certain"),
        (1.0, "certain"),
    ],
)
def test_qualitative_thresholds(p, code):
    assert qualitative_risk(p)[0] == code


@pytest.mark.parametrize("p", [-0.01, 1.0001, math.nan, math.inf])
def test_qualitative_rejects_non_probabilities(p):
    with pytest.raises(ValueError):
        qualitative_risk(p)


def test_risk_assessment_validates_and_has_required_elements():
    ra = _ra()
    model = RiskAssessment.model_validate(ra)  # R4B model
    assert model.status == "final"
    assert ra["subject"]["reference"] == "Patient/p1"
    assert ra["encounter"] == {"reference": "Encounter/e1"}
    assert ra["occurrenceDateTime"] == "2026-11-23T14:00:00Z"
    assert [b["reference"] for b in ra["basis"]] == ["DocumentReference/d1", "Observation/o1"]
    method = ra["method"]["coding"][0]
    assert (method["system"], method["code"], method["version"]) == (
        MODEL_SYSTEM,
        "distilbert-sentiment",
        "3",
    )
    assert "distilbert-sentiment" in ra["method"]["text"]


def test_probability_is_a_percentage_and_qualitative_risk_matches():
    pred = _ra(p_negative=0.875)["prediction"][0]
    assert pred["probabilityDecimal"] == 87.5
    coding = pred["qualitativeRisk"]["coding"][0]
    assert (coding["system"], coding["code"]) == (RISK_PROBABILITY_SYSTEM, "high")
    assert pred["outcome"]["coding"][0]["code"] == "negative-sentiment"
    assert "negative sentiment" in pred["outcome"]["text"].lower()


@pytest.mark.parametrize(("p", "percent"), [(0.0, 0.0), (1.0, 100.0), (0.123456, 12.35)])
def test_percentage_bounds(p, percent):
    assert _ra(p_negative=p)["prediction"][0]["probabilityDecimal"] == percent


def test_windows_are_stated():
    ra = _ra(windows=7)
    pred = ra["prediction"][0]
    assert pred["extension"] == [{"url": WINDOWS_EXTENSION_URL, "valueInteger": 7}]
    assert "7 token windows of 2 notes" in pred["rationale"]
    assert "7 token windows" in ra["note"][0]["text"]


def test_json_ready_without_nulls():
    def walk(value):
        if isinstance(value, dict):
            for v in value.values():
                assert v is not None
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    ra = _ra(encounter=None, resource_id="8c5e3f0e-2b7c-4f55-9a50-1a2b3c4d5e6f")
    walk(ra)
    assert "encounter" not in ra
    assert ra["id"] == "8c5e3f0e-2b7c-4f55-9a50-1a2b3c4d5e6f"


def test_reference_objects_and_missing_subject():
    ra = _ra(subject=None, basis=[{"type": "DocumentReference", "display": "no id"}])
    assert "reference" not in ra["subject"]
    assert ra["basis"] == [{"type": "DocumentReference", "display": "no id"}]
    RiskAssessment.model_validate(ra)


def test_occurrence_defaults_to_now_and_converts_to_utc():
    ra = _ra(occurrence=datetime(2026, 11, 23, 9, 0, tzinfo=timezone(timedelta(hours=-5))))
    assert ra["occurrenceDateTime"] == "2026-11-23T14:00:00Z"
    assert _ra(occurrence=None)["occurrenceDateTime"].endswith("Z")
    with pytest.raises(ValueError):
        _ra(occurrence=datetime(2026, 11, 23, 9, 0))


def test_zero_windows_is_refused():
    with pytest.raises(ValueError):
        _ra(windows=0)


def test_ras2_is_checked_by_us():
    ra = _ra()
    ra["prediction"][0]["probabilityDecimal"] = 150
    RiskAssessment.model_validate(ra)  # the model does not enforce ras-2 ...
    with pytest.raises(ValueError, match="ras-2"):
        validate_risk_assessment(ra)  # ... so we do


def test_operation_outcome_for_a_simple_error():
    err = UnprocessableContent(
        "content type application/pdf is not supported",
        expression=["DocumentReference.content[0].attachment.contentType"],
    )
    oo = operation_outcome(err)
    OperationOutcome.model_validate(oo)
    issue = oo["issue"][0]
    assert issue["severity"] == "error"
    assert issue["code"] == "processing"
    assert issue["expression"] == ["DocumentReference.content[0].attachment.contentType"]
    assert "application/pdf" in issue["diagnostics"]


def test_operation_outcome_one_issue_per_validation_fault():
    err = ResourceValidationError(
        [("DocumentReference.status", "required element is missing"), ("X.y", "invalid value")]
    )
    oo = operation_outcome(err)
    OperationOutcome.model_validate(oo)
    assert [i["expression"] for i in oo["issue"]] == [["DocumentReference.status"], ["X.y"]]
    assert all(i["code"] == "invalid" for i in oo["issue"])


def test_status_line():
    assert status_line(422) in ("422 Unprocessable Entity", "422 Unprocessable Content")
    assert status_line(503) == "503 Service Unavailable"


def test_batch_response_shape_and_validation():
    ra = _ra(resource_id="8c5e3f0e-2b7c-4f55-9a50-1a2b3c4d5e6f")
    out = batch_response([ra, InvalidRequest("bad"), InferenceUnavailable()])
    Bundle.model_validate(out)
    assert out["type"] == "batch-response"
    assert len(out["entry"]) == 3
    first, second, third = out["entry"]
    assert first["resource"]["resourceType"] == "RiskAssessment"
    assert first["response"]["status"] == "200 OK"
    assert first["fullUrl"] == "urn:uuid:8c5e3f0e-2b7c-4f55-9a50-1a2b3c4d5e6f"
    assert second["response"]["status"] == "400 Bad Request"
    assert second["response"]["outcome"]["issue"][0]["code"] == "invalid"
    assert "resource" not in second
    assert third["response"]["status"].startswith("503")
    assert third["response"]["outcome"]["issue"][0]["code"] == "transient"


# --- validation without the model per response -------------------------------------------


@pytest.mark.parametrize("p", [0.0, 0.3, 0.875, 1.0])
def test_unvalidated_build_is_the_same_resource(p):
    validated = _ra(p_negative=p, validate=True)
    fast = _ra(p_negative=p, validate=False)
    assert fast == validated
    RiskAssessment.model_validate(fast)  # and it is valid R4B


@pytest.mark.parametrize(
    "overrides",
    [
        {"basis": ["DocumentReference/d1", ""]},
        {"basis": [{"reference": "", "type": "DocumentReference"}]},
        {"subject": "Patient/\x00p1\x0c"},
        {"encounter": "Encounter/\x1fe1"},
        {"basis": [{"reference": "Observation/o\x0b1"}]},
        {"basis": [{"display": 7}]},
    ],
)
def test_copied_values_are_checked_even_without_the_model(overrides):
    for validate in (False, True):
        with pytest.raises(ValueError):
            _ra(validate=validate, **overrides)


def test_window_count_must_fit_a_fhir_integer():
    with pytest.raises(ValueError):
        _ra(windows=2**31, validate=False)


def test_shape_check_accepts_real_models_and_refuses_bad_codes():
    check_risk_assessment_shape(MODEL)
    with pytest.raises(ValueError):  # pydantic's ValidationError is a ValueError
        check_risk_assessment_shape(ModelRef(name="two  spaces", version="1"))
