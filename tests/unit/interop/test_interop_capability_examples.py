"""CapabilityStatement, OperationDefinitions, and every artifact in fhir/ parses and validates."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationdefinition import OperationDefinition

from service.errors import UnprocessableContent
from service.interop.capability import capability_statement, operation_definitions
from service.interop.cds_hooks import get_service, parse_feedback, parse_hook_request
from service.interop.notes import bundle_entries, extract_note, parse_resource, search_resources
from service.interop.risk import ModelRef

FHIR_DIR = Path(__file__).resolve().parents[3] / "fhir"
BASE = "http://127.0.0.1:8080"
MODEL = ModelRef("distilbert-sentiment", "3")


def _cs(**kw):
    args = {"base_url": BASE + "/", "software_version": "0.1.0", "model": MODEL}
    args.update(kw)
    return capability_statement(**args)


def test_capability_statement_is_valid_r4b_and_true():
    cs = _cs(date=datetime(2026, 11, 23, tzinfo=UTC))
    CapabilityStatement.model_validate(cs)
    assert cs["fhirVersion"] == "4.0.1"
    assert cs["kind"] == "instance"
    assert cs["date"] == "2026-11-23"
    assert set(cs["format"]) == {"json", "application/fhir+json"}
    (rest,) = cs["rest"]
    assert rest["mode"] == "server"
    resources = {r["type"]: r for r in rest["resource"]}
    assert set(resources) == {"DocumentReference", "Observation", "RiskAssessment"}
    for rtype in ("DocumentReference", "Observation"):
        (op,) = resources[rtype]["operation"]
        assert op["name"] == "assess"
        assert op["definition"] == f"{BASE}/fhir/OperationDefinition/{rtype}-assess"
        assert f"POST {BASE}/fhir/{rtype}/$assess" in resources[rtype]["documentation"]
    # No RESTful interaction is claimed: the service stores and serves nothing.
    assert all("interaction" not in r for r in rest["resource"])
    (system_op,) = rest["operation"]
    assert system_op["definition"] == f"{BASE}/fhir/OperationDefinition/assess"
    assert "batch-response" in system_op["documentation"]
    assert cs["software"]["version"] == "0.1.0"
    assert "distilbert-sentiment v3" in cs["implementation"]["description"]


def test_fhir_base_or_service_base_give_the_same_statement():
    fixed = datetime(2026, 11, 23, tzinfo=UTC)
    assert _cs(base_url=BASE + "/fhir", date=fixed) == _cs(base_url=BASE, date=fixed)


def test_security_names_smart_on_fhir_only_when_auth_is_on():
    on = _cs()["rest"][0]["security"]
    assert on["service"][0]["coding"][0]["code"] == "SMART-on-FHIR"
    assert on["cors"] is True
    off = _cs(auth_enabled=False)
    CapabilityStatement.model_validate(off)
    assert "service" not in off["rest"][0]["security"]


def test_operation_definitions_match_the_capability_statement():
    defs = operation_definitions(BASE)
    cs = _cs()
    canonicals = {
        op["definition"] for r in cs["rest"][0]["resource"] for op in r.get("operation", [])
    }
    canonicals |= {op["definition"] for op in cs["rest"][0]["operation"]}
    assert {d["url"] for d in defs.values()} == canonicals
    for d in defs.values():
        OperationDefinition.model_validate(d)
        assert d["code"] == "assess" and d["affectsState"] is False
    assert defs["assess"]["system"] is True and defs["assess"]["type"] is False
    assert defs["DocumentReference-assess"]["resource"] == ["DocumentReference"]


EXAMPLES = sorted(p.name for p in (FHIR_DIR / "examples").glob("*.json"))
HOOKS = sorted(p.name for p in (FHIR_DIR / "hooks").glob("*.json"))


def test_all_expected_artifacts_exist():
    assert set(EXAMPLES) >= {
        "patient.json",
        "documentreference-plain.json",
        "documentreference-html.json",
        "documentreference-latin1.json",
        "documentreference-pdf.json",
        "documentreference-long.json",
        "observation-text.json",
        "bundle-batch.json",
    }
    assert set(HOOKS) >= {
        "patient-view.json",
        "patient-view-no-prefetch.json",
        "encounter-discharge.json",
        "patient-view-no-notes.json",
        "feedback.json",
    }
    assert not list(FHIR_DIR.rglob("*.py"))


@pytest.mark.parametrize("name", EXAMPLES)
async def test_example_resources_validate(name, h):
    resource = h.load(f"examples/{name}")
    rtype = resource["resourceType"]
    if rtype == "Bundle":
        results = bundle_entries(resource)
        assert sum(isinstance(v, dict) for _, v in results) >= 2
        assert sum(not isinstance(v, dict) for _, v in results) == 1
        return
    parse_resource(resource, allowed=(rtype,))
    if rtype in ("DocumentReference", "Observation"):
        if name == "documentreference-pdf.json":
            with pytest.raises(UnprocessableContent):
                await extract_note(resource)
        else:
            note = await extract_note(resource)
            assert len(note.text) > 50


async def test_long_note_needs_several_windows(h):
    note = await extract_note(h.load("examples/documentreference-long.json"))
    assert len(note.text.split()) > 600
    assert note.encounter == "Encounter/example-encounter-1"


async def test_latin1_example_is_really_latin1(h):
    resource = h.load("examples/documentreference-latin1.json")
    assert "ISO-8859-1" in resource["content"][0]["attachment"]["contentType"]
    note = await extract_note(resource)
    assert "Muñoz" in note.text


async def test_example_notes_carry_fake_phi_and_clear_sentiment(h):
    plain = await extract_note(h.load("examples/documentreference-plain.json"))
    html = await extract_note(h.load("examples/documentreference-html.json"))
    for note in (plain, html):
        assert "Thornton" in note.text and "4471-2290" in note.text
    assert "good spirits" in plain.text
    assert "severe distress" in html.text and "Uncontrolled pain" in html.text


@pytest.mark.parametrize("name", [n for n in HOOKS if n != "feedback.json"])
async def test_hook_examples_parse_and_prefetch_validates(name, h):
    payload = h.load(f"hooks/{name}")
    service = get_service(
        "note-sentiment-discharge"
        if payload["hook"] == "encounter-discharge"
        else "note-sentiment-patient-view"
    )
    request = parse_hook_request(payload, service)
    for value in (request.prefetch or {}).values():
        if value is None:
            continue
        parse_resource(value, allowed=("Patient", "Bundle"))
        for resource in search_resources(value):
            if resource["resourceType"] in ("DocumentReference", "Observation"):
                parse_resource(resource, allowed=("DocumentReference", "Observation"))
                await extract_note(resource)


def test_feedback_example_parses(h):
    assert len(parse_feedback(h.load("hooks/feedback.json")).feedback) == 2


def test_artifacts_are_plain_json():
    for path in FHIR_DIR.rglob("*.json"):
        json.loads(path.read_text(encoding="utf-8"))
