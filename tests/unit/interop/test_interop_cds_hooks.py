"""CDS Hooks models, request validation, prefetch, templates and cards."""

from __future__ import annotations

import copy
import json
import uuid

import pytest

from service.errors import InvalidRequest, NotFound
from service.interop.cds_hooks import (
    SERVICES,
    SUMMARY_MAX_CHARS,
    Card,
    CDSServiceRequest,
    build_card,
    cds_response,
    discovery_document,
    get_service,
    indicator_for,
    parse_feedback,
    parse_hook_request,
    prefetch_status,
    render_template,
)
from service.interop.risk import ModelRef, build_risk_assessment

PATIENT_VIEW = get_service("note-sentiment-patient-view")
DISCHARGE = get_service("note-sentiment-discharge")
MODEL = ModelRef("distilbert-sentiment", "3")


def _request(h, name="hooks/patient-view.json"):
    return h.load(name)


# ----------------------------------------------------------------------------- discovery ---


def test_discovery_lists_both_hooks_with_prefetch():
    doc = discovery_document()
    by_hook = {s["hook"]: s for s in doc["services"]}
    assert set(by_hook) == {"patient-view", "encounter-discharge"}
    for service in doc["services"]:
        assert service["id"] and service["description"]
        assert service["prefetch"]["patient"] == "Patient/{{context.patientId}}"
        assert service["prefetch"]["notes"].startswith(
            "DocumentReference?patient={{context.patientId}}"
        )
        assert service["prefetch"]["observations"].startswith(
            "Observation?patient={{context.patientId}}"
        )
    assert "{{context.encounterId}}" in by_hook["encounter-discharge"]["prefetch"]["notes"]
    json.dumps(doc)  # JSON-ready


def test_get_service_unknown_is_404():
    with pytest.raises(NotFound):
        get_service("nope")


# -------------------------------------------------------------------- request validation ---


def test_example_requests_parse(h):
    req = parse_hook_request(_request(h), PATIENT_VIEW)
    assert req.hook == "patient-view"
    assert isinstance(req.hook_instance, uuid.UUID)
    assert req.patient_id == "example-patient-1"
    req = parse_hook_request(_request(h, "hooks/encounter-discharge.json"), DISCHARGE)
    assert req.encounter_id == "example-encounter-1"


def test_hook_mismatch_is_400(h):
    with pytest.raises(InvalidRequest) as info:
        parse_hook_request(_request(h), DISCHARGE)
    assert info.value.expression == ["hook"]
    assert "patient-view" in info.value.detail and "encounter-discharge" in info.value.detail


@pytest.mark.parametrize("bad", ["not-a-uuid", "", 42])
def test_bad_hook_instance_is_400(h, bad):
    payload = _request(h)
    payload["hookInstance"] = bad
    with pytest.raises(InvalidRequest) as info:
        parse_hook_request(payload, PATIENT_VIEW)
    assert "hookInstance" in info.value.expression
    assert "not-a-uuid" not in info.value.detail


@pytest.mark.parametrize("key", ["patientId", "userId"])
def test_missing_required_context_is_400(h, key):
    payload = _request(h)
    del payload["context"][key]
    with pytest.raises(InvalidRequest) as info:
        parse_hook_request(payload, PATIENT_VIEW)
    assert info.value.expression == [f"context.{key}"]


def test_discharge_needs_encounter_id(h):
    payload = _request(h, "hooks/encounter-discharge.json")
    del payload["context"]["encounterId"]
    with pytest.raises(InvalidRequest) as info:
        parse_hook_request(payload, DISCHARGE)
    assert info.value.expression == ["context.encounterId"]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("patientId", "p1&patient=p2"),
        ("patientId", "../Patient/2"),
        ("patientId", 12),
        ("userId", "p1"),
        ("encounterId", "e 1"),
    ],
)
def test_context_ids_must_be_fhir_ids(h, key, value):
    payload = _request(h)
    payload["context"][key] = value
    with pytest.raises(InvalidRequest) as info:
        parse_hook_request(payload, PATIENT_VIEW)
    assert info.value.expression == [f"context.{key}"]
    assert "p2" not in info.value.detail


def test_missing_context_object_is_400(h):
    payload = _request(h)
    del payload["context"]
    with pytest.raises(InvalidRequest) as info:
        parse_hook_request(payload, PATIENT_VIEW)
    assert "context" in info.value.expression


def test_body_not_an_object_is_400():
    with pytest.raises(InvalidRequest):
        parse_hook_request(["x"], PATIENT_VIEW)


def test_fhir_authorization_rules(h):
    payload = _request(h, "hooks/patient-view-no-prefetch.json")
    req = parse_hook_request(payload, PATIENT_VIEW)
    assert req.fhir_server == "http://127.0.0.1:9999/fhir"
    assert req.access_token == "example-access-token-not-a-secret"
    # The token never shows in a repr (e.g. in a log line or a traceback).
    assert "example-access-token" not in repr(req)

    no_server = copy.deepcopy(payload)
    del no_server["fhirServer"]
    with pytest.raises(InvalidRequest, match="fhirAuthorization requires fhirServer"):
        parse_hook_request(no_server, PATIENT_VIEW)

    mac = copy.deepcopy(payload)
    mac["fhirAuthorization"]["token_type"] = "MAC"
    with pytest.raises(InvalidRequest) as info:
        parse_hook_request(mac, PATIENT_VIEW)
    assert "fhirAuthorization.token_type" in info.value.expression

    other = copy.deepcopy(payload)
    other["fhirAuthorization"]["patient"] = "someone-else"
    with pytest.raises(InvalidRequest) as info:
        parse_hook_request(other, PATIENT_VIEW)
    assert info.value.expression == ["fhirAuthorization.patient"]

    no_token = copy.deepcopy(payload)
    del no_token["fhirAuthorization"]["access_token"]
    with pytest.raises(InvalidRequest) as info:
        parse_hook_request(no_token, PATIENT_VIEW)
    assert "fhirAuthorization.access_token" in info.value.expression


@pytest.mark.parametrize("server", ["ftp://ehr/fhir", "not a url", "https://ehr/fhir?x=1"])
def test_fhir_server_must_be_http_base(h, server):
    payload = _request(h, "hooks/patient-view-no-prefetch.json")
    payload["fhirServer"] = server
    with pytest.raises(InvalidRequest) as info:
        parse_hook_request(payload, PATIENT_VIEW)
    assert info.value.expression == ["fhirServer"]


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("notes", "a string", "must be a FHIR resource or null"),
        ("notes", {"entry": []}, "must be a FHIR resource or null"),
        ("notes", {"resourceType": "DocumentReference"}, "must be a Bundle"),
        ("patient", {"resourceType": "Bundle", "type": "searchset"}, "must be a Patient"),
        ("patient", {"resourceType": "Patient", "id": "other"}, "not the patient in context"),
        ("notes", {"resourceType": "Bundle", "entry": "x"}, "entry must be an array"),
    ],
)
def test_prefetch_shapes(h, key, value, message):
    payload = _request(h)
    payload["prefetch"][key] = value
    with pytest.raises(InvalidRequest, match=message) as info:
        parse_hook_request(payload, PATIENT_VIEW)
    assert info.value.expression[0].startswith(f"prefetch.{key}")


def test_prefetch_with_another_patients_note_is_refused(h):
    payload = _request(h)
    entry = payload["prefetch"]["notes"]["entry"][1]["resource"]
    entry["subject"] = {"reference": "https://ehr.example.org/fhir/Patient/someone-else"}
    with pytest.raises(InvalidRequest, match="another patient") as info:
        parse_hook_request(payload, PATIENT_VIEW)
    assert info.value.expression == ["prefetch.notes.entry[1]"]


def test_prefetch_operation_outcome_and_null_are_accepted(h):
    payload = _request(h)
    payload["prefetch"]["notes"] = {"resourceType": "OperationOutcome", "issue": []}
    payload["prefetch"]["observations"] = None
    del payload["prefetch"]["patient"]
    req = parse_hook_request(payload, PATIENT_VIEW)
    assert prefetch_status(req, "notes") == "failed"
    assert prefetch_status(req, "observations") == "none"
    assert prefetch_status(req, "patient") == "missing"


def test_prefetch_status_semantics(h):
    req = parse_hook_request(_request(h), PATIENT_VIEW)
    assert prefetch_status(req, "notes") == "present"
    assert prefetch_status(req, "not-a-key") == "missing"
    no_prefetch = parse_hook_request(
        _request(h, "hooks/patient-view-no-prefetch.json"), PATIENT_VIEW
    )
    assert {prefetch_status(no_prefetch, k) for k in PATIENT_VIEW.prefetch} == {"missing"}
    empty = parse_hook_request(_request(h, "hooks/patient-view-no-notes.json"), PATIENT_VIEW)
    assert prefetch_status(empty, "notes") == "none"
    assert prefetch_status(empty, "observations") == "present"


def test_unknown_fields_are_ignored(h):
    payload = _request(h)
    payload["extension"] = {"org.example.something": True}
    assert parse_hook_request(payload, PATIENT_VIEW).hook == "patient-view"


# ------------------------------------------------------------------------------ templates ---


def _req(context):
    return CDSServiceRequest.model_validate(
        {
            "hook": "patient-view",
            "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
            "context": context,
        }
    )


def test_render_service_templates(h):
    req = parse_hook_request(_request(h, "hooks/encounter-discharge.json"), DISCHARGE)
    rendered = {k: render_template(t, req) for k, t in DISCHARGE.prefetch.items()}
    assert rendered["patient"] == "Patient/example-patient-1"
    assert rendered["notes"].startswith(
        "DocumentReference?patient=example-patient-1&encounter=example-encounter-1&"
    )
    assert "{{" not in rendered["observations"]


def test_render_user_tokens_and_spacing():
    req = _req({"userId": "Practitioner/pr-7", "patientId": "p1"})
    assert render_template("Practitioner/{{userPractitionerId}}", req) == "Practitioner/pr-7"
    assert render_template("Patient/{{ context.patientId }}", req) == "Patient/p1"
    with pytest.raises(InvalidRequest):
        render_template("PractitionerRole/{{userPractitionerRoleId}}", req)


def test_render_quotes_values_and_refuses_unfillable():
    req = _req({"userId": "Practitioner/1", "patientId": "p1", "odd": "a&b=c"})
    assert render_template("X?y={{context.odd}}", req) == "X?y=a%26b%3Dc"
    with pytest.raises(InvalidRequest):
        render_template("Encounter/{{context.encounterId}}", req)
    with pytest.raises(InvalidRequest):
        render_template("X?{{context.draftOrders.ofType(MedicationRequest)}}", req)


# ----------------------------------------------------------------------------------- cards ---


def _ra(p=0.9):
    return build_risk_assessment(
        subject="Patient/p1", basis=["DocumentReference/d1"], p_negative=p, windows=3, model=MODEL
    )


@pytest.mark.parametrize(
    ("p", "indicator"),
    [(0.0, "info"), (0.4999, "info"), (0.5, "warning"), (0.9499, "warning"), (0.95, "critical")],
)
def test_indicator_thresholds(p, indicator):
    assert indicator_for(p) == indicator
    card = build_card(p_negative=p, risk_assessment=_ra(p), n_notes=2, windows=3, model=MODEL)
    assert card["indicator"] == indicator


def test_card_rules():
    ra = _ra(0.91)
    card = build_card(
        p_negative=0.91,
        risk_assessment=ra,
        n_notes=3,
        windows=7,
        model=MODEL,
        source_label="Note sentiment (cds-sentiment)",
        source_url="http://127.0.0.1:8080/docs",
        n_skipped=1,
    )
    Card.model_validate(card)
    assert len(card["summary"]) < 140
    assert "91%" in card["summary"]
    uuid.UUID(card["uuid"])
    assert card["selectionBehavior"] == "at-most-one"
    assert card["source"]["label"] == "Note sentiment (cds-sentiment)"
    assert card["source"]["url"] == "http://127.0.0.1:8080/docs"
    assert card["source"]["topic"]["code"] == "note-sentiment"
    (suggestion,) = card["suggestions"]
    uuid.UUID(suggestion["uuid"])
    (action,) = suggestion["actions"]
    assert action["type"] == "create"
    assert action["resource"] == ra
    assert "| Token windows scored | 7 |" in card["detail"]
    assert "| Notes skipped (no scorable text) | 1 |" in card["detail"]
    assert "distilbert-sentiment" in card["detail"]
    assert card["overrideReasons"]
    # camelCase on the wire, no nulls
    assert "selection_behavior" not in card and "links" not in card


def test_card_uuids_are_unique():
    a = build_card(p_negative=0.2, risk_assessment=_ra(0.2), n_notes=1, windows=1, model=MODEL)
    b = build_card(p_negative=0.2, risk_assessment=_ra(0.2), n_notes=1, windows=1, model=MODEL)
    assert a["uuid"] != b["uuid"]


def test_card_summary_is_cut_below_140():
    long_model = ModelRef("m", "1")
    card = build_card(
        p_negative=0.3,
        risk_assessment=_ra(0.3),
        n_notes=10**120,  # an absurd count makes the summary too long
        windows=1,
        model=long_model,
    )
    assert len(card["summary"]) == SUMMARY_MAX_CHARS
    assert card["summary"].endswith("…")


def test_card_model_enforces_spec_rules():
    base = build_card(p_negative=0.3, risk_assessment=_ra(0.3), n_notes=1, windows=1, model=MODEL)
    too_long = {**base, "summary": "x" * 140}
    with pytest.raises(ValueError):
        Card.model_validate(too_long)
    no_selection = {k: v for k, v in base.items() if k != "selectionBehavior"}
    with pytest.raises(ValueError, match="selectionBehavior"):
        Card.model_validate(no_selection)
    with pytest.raises(ValueError):
        Card.model_validate({**base, "indicator": "hard-stop"})


def test_card_needs_notes():
    with pytest.raises(ValueError):
        build_card(p_negative=0.3, risk_assessment=_ra(0.3), n_notes=0, windows=1, model=MODEL)


def test_card_contains_no_note_text(h):
    # Cards are built from numbers only; check that nothing from the example notes leaks in.
    card = build_card(p_negative=0.9, risk_assessment=_ra(), n_notes=2, windows=4, model=MODEL)
    text = json.dumps(card)
    for phi in ("Thornton", "4471-2290", "555-0143", "Larkspur"):
        assert phi not in text


def test_cds_response():
    card = build_card(p_negative=0.3, risk_assessment=_ra(0.3), n_notes=1, windows=1, model=MODEL)
    assert cds_response([]) == {"cards": []}
    out = cds_response([card])
    assert out["cards"][0]["uuid"] == card["uuid"]


# -------------------------------------------------------------------------------- feedback ---


def test_feedback_example_parses(h):
    fb = parse_feedback(h.load("hooks/feedback.json"))
    assert [f.outcome for f in fb.feedback] == ["accepted", "overridden"]
    assert fb.feedback[0].accepted_suggestions[0].id == uuid.UUID(
        "1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b"
    )
    assert fb.feedback[1].override_reason.reason.code == "already-aware"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda f: f.update(outcome="ignored"),
        lambda f: f.update(card="not-a-uuid"),
        lambda f: f.pop("outcomeTimestamp"),
        lambda f: f.update(overrideReason={"userComment": "x"}),  # accepted + overrideReason
    ],
)
def test_feedback_invalid(h, mutate):
    payload = h.load("hooks/feedback.json")
    mutate(payload["feedback"][0])
    with pytest.raises(InvalidRequest) as info:
        parse_feedback(payload)
    assert info.value.expression and info.value.expression[0].startswith("feedback[0]")


def test_feedback_empty_or_not_object():
    with pytest.raises(InvalidRequest):
        parse_feedback({"feedback": []})
    with pytest.raises(InvalidRequest):
        parse_feedback([])


def test_services_have_unique_ids():
    assert len({s.id for s in SERVICES}) == len(SERVICES)
