"""parse_resource and Bundle entry handling (service.interop.notes)."""

from __future__ import annotations

import json

import pytest

from service.errors import InvalidRequest, UnprocessableContent, UnsupportedResource
from service.interop.notes import (
    ResourceValidationError,
    bundle_entries,
    bundle_items,
    extract_note,
    known_resource_type,
    parse_resource,
    search_resources,
)
from service.interop.risk import batch_response, operation_outcome

ALLOWED = ("DocumentReference", "Observation")
SECRET = "Zebulon Quartermaine 1948-03-14"


def _valid_docref(h):
    return h.docref({"contentType": "text/plain", "data": h.b64("ok")})


def test_valid_resource_is_returned_unchanged(h):
    res = _valid_docref(h)
    before = json.dumps(res, sort_keys=True)
    out = parse_resource(res, allowed=ALLOWED)
    assert out is res
    assert json.dumps(out, sort_keys=True) == before


@pytest.mark.parametrize("payload", [[], "text", 3, None])
def test_not_an_object_is_400(payload):
    with pytest.raises(InvalidRequest) as info:
        parse_resource(payload, allowed=ALLOWED)
    assert info.value.status_code == 400
    assert not isinstance(info.value, UnsupportedResource)


def test_missing_resource_type_is_400():
    with pytest.raises(InvalidRequest) as info:
        parse_resource({"status": "current"}, allowed=ALLOWED)
    assert info.value.expression == ["resourceType"]


def test_known_but_not_allowed_type_is_unsupported_and_named():
    with pytest.raises(UnsupportedResource) as info:
        parse_resource({"resourceType": "Patient", "id": "p"}, allowed=ALLOWED)
    assert info.value.status_code == 400
    assert info.value.issue_code == "not-supported"
    assert "Patient" in info.value.detail


def test_unknown_type_is_not_echoed():
    with pytest.raises(UnsupportedResource) as info:
        parse_resource({"resourceType": "ZebulonQuartermaine"}, allowed=ALLOWED)
    assert "Zebulon" not in info.value.detail


def test_known_resource_type_excludes_datatypes():
    assert known_resource_type("DocumentReference")
    assert not known_resource_type("Quantity")
    assert not known_resource_type("nope")


def test_validation_errors_have_fhirpath_and_no_input(h):
    res = _valid_docref(h)
    res["content"][0]["attachment"]["data"] = SECRET  # not base64
    res["subject"] = {"reference": 12345}
    res["unknownElement"] = SECRET
    with pytest.raises(ResourceValidationError) as info:
        parse_resource(res, allowed=ALLOWED)
    err = info.value
    assert err.status_code == 400
    expressions = {e for e, _ in err.issues}
    assert {
        "DocumentReference.content[0].attachment.data",
        "DocumentReference.subject.reference",
        "DocumentReference.unknownElement",
    } <= expressions
    outcome = json.dumps(operation_outcome(err))
    assert "Zebulon" not in outcome and "12345" not in outcome and "1948" not in outcome
    assert "Zebulon" not in err.detail


def test_missing_required_primitive_is_reported():
    with pytest.raises(ResourceValidationError) as info:
        parse_resource({"resourceType": "Observation", "code": {"text": "x"}}, allowed=ALLOWED)
    assert ("Observation.status", "required element is missing") in info.value.issues


def test_choice_type_with_two_values_is_reported():
    obs = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"text": "x"},
        "valueString": "a",
        "valueQuantity": {"value": 1},
    }
    with pytest.raises(ResourceValidationError) as info:
        parse_resource(obs, allowed=ALLOWED)
    assert any("choice" in m for _, m in info.value.issues)


def test_unknown_contained_type_is_400_not_500(h):
    res = _valid_docref(h)
    res["contained"] = [{"resourceType": SECRET.split()[0], "id": "x"}]
    with pytest.raises(InvalidRequest) as info:
        parse_resource(res, allowed=ALLOWED)
    assert "Zebulon" not in info.value.detail


def test_expression_prefix(h):
    res = _valid_docref(h)
    del res["content"]
    with pytest.raises(ResourceValidationError) as info:
        parse_resource(res, allowed=ALLOWED, expression_prefix="Bundle.entry[1].resource")
    assert info.value.expression == ["Bundle.entry[1].resource.content"]


# ------------------------------------------------------------------------------- Bundles ---


def _bundle(btype, *resources):
    return {
        "resourceType": "Bundle",
        "type": btype,
        "entry": [{"resource": r} for r in resources],
    }


async def test_example_batch_one_bad_entry_does_not_sink_the_others(h):
    bundle = h.load("examples/bundle-batch.json")
    entries = bundle_entries(bundle)
    assert [i for i, _ in entries] == [0, 1, 2, 3]
    kinds = [type(v) for _, v in entries]
    assert kinds[0] is dict and kinds[2] is dict and kinds[3] is dict
    bad = entries[1][1]
    assert isinstance(bad, ResourceValidationError)
    assert bad.expression[0].startswith("Bundle.entry[1].resource.")
    # The good entries are the input resources, in order.
    assert entries[0][1] is bundle["entry"][0]["resource"]
    notes = [await extract_note(v) for _, v in entries if isinstance(v, dict)]
    assert [n.resource_type for n in notes] == [
        "DocumentReference",
        "Observation",
        "DocumentReference",
    ]


def test_bundle_items_carry_full_url(h):
    items = bundle_items(h.load("examples/bundle-batch.json"))
    assert items[0].full_url == "urn:uuid:6a1f0c1e-6a4e-4f0b-9c1a-1d2e3f4a5b01"


def test_collection_is_accepted(h):
    assert len(bundle_entries(_bundle("collection", _valid_docref(h)))) == 1


@pytest.mark.parametrize("btype", ["transaction", "searchset", "document", "message"])
def test_other_bundle_types_are_400(h, btype):
    with pytest.raises(InvalidRequest) as info:
        bundle_entries(_bundle(btype, _valid_docref(h)))
    assert info.value.status_code == 400
    assert info.value.expression == ["Bundle.type"]


def test_not_a_bundle_is_rejected(h):
    with pytest.raises(UnsupportedResource):
        bundle_entries(_valid_docref(h))


def test_entry_errors_per_kind(h):
    pdf = h.docref({"contentType": "application/pdf", "data": h.b64(b"%PDF")})
    bundle = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [
            {"request": {"method": "POST", "url": "DocumentReference/$assess"}},
            {"resource": {"resourceType": "Patient", "id": "p1"}},
            {"resource": pdf},
        ],
    }
    entries = dict(bundle_entries(bundle))
    assert isinstance(entries[0], InvalidRequest)
    assert entries[0].expression == ["Bundle.entry[0].resource"]
    assert isinstance(entries[1], UnsupportedResource)
    assert entries[1].expression == ["Bundle.entry[1].resource.resourceType"]
    assert isinstance(entries[2], dict)  # valid FHIR; the PDF is refused at extraction


async def test_batch_response_mirrors_entries_in_order(h):
    bundle = h.load("examples/bundle-batch.json")
    results = []
    for _, value in bundle_entries(bundle):
        if isinstance(value, dict):
            try:
                await extract_note(value)
                results.append({"resourceType": "RiskAssessment", "status": "final"})
            except UnprocessableContent as exc:
                results.append(exc)
        else:
            results.append(value)
    out = batch_response(results)
    statuses = [e["response"]["status"] for e in out["entry"]]
    assert statuses == ["200 OK", "400 Bad Request", "200 OK", "200 OK"]
    assert out["entry"][1]["response"]["outcome"]["resourceType"] == "OperationOutcome"


def test_search_resources_keeps_matches_only():
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [
            {"resource": {"resourceType": "DocumentReference", "id": "a"}},
            {"resource": {"resourceType": "OperationOutcome"}, "search": {"mode": "outcome"}},
            {"resource": {"resourceType": "Patient", "id": "p"}, "search": {"mode": "include"}},
            {"resource": {"resourceType": "Observation", "id": "b"}, "search": {"mode": "match"}},
        ],
    }
    assert [r["id"] for r in search_resources(bundle)] == ["a", "b"]
    assert search_resources(None) == []
    assert search_resources({"resourceType": "Patient", "id": "p"}) == [
        {"resourceType": "Patient", "id": "p"}
    ]
