"""The fast DocumentReference check accepts only what the R4B model accepts.

``parse_resource`` skips the model for DocumentReferences that ``_plain_document_reference``
accepts; everything else goes to the model. So the fast check must never accept a resource the
model rejects. These tests mutate a resource that uses every element the fast check knows, one
element at a time, and compare the two on each mutant.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fhir.resources.R4B.documentreference import DocumentReference
from pydantic import ValidationError

from service.bench.workload import generate_workload
from service.interop import notes
from service.interop.notes import ResourceValidationError, parse_resource

ALLOWED = ("DocumentReference",)


def _rich() -> dict[str, Any]:
    coding = {
        "system": "http://loinc.org",
        "version": "2.74",
        "code": "11506-3",
        "display": "Progress note",
        "userSelected": True,
    }
    return {
        "resourceType": "DocumentReference",
        "id": "doc-1.a",
        "status": "current",
        "docStatus": "final",
        "type": {"coding": [coding], "text": "Progress note"},
        "category": [{"coding": [{"system": "http://x.org/cat", "code": "clinical-note"}]}],
        "subject": {"reference": "Patient/p1", "type": "Patient", "display": "A patient"},
        "date": "2025-01-15T10:30:00.123+02:00",
        "description": "Ward round note",
        "content": [
            {
                "attachment": {
                    "contentType": "text/plain; charset=utf-8",
                    "language": "en-US",
                    "data": base64.b64encode(b"Feels better today.").decode(),
                    "title": "note.txt",
                },
                "format": {"system": "urn:ietf:bcp:13", "code": "text/plain"},
            }
        ],
        "context": {"encounter": [{"reference": "Encounter/e1"}]},
    }


def _model_accepts(resource: dict[str, Any]) -> bool:
    try:
        DocumentReference.model_validate(copy.deepcopy(resource))
    except (ValidationError, ValueError, TypeError, KeyError, AttributeError):
        return False
    return True


#: Values swapped in for every element in turn: wrong types, empties, odd whitespace, bad
#: formats, and values the fast check accepts for some elements.
ODD_VALUES: list[Any] = [
    None,
    "",
    " ",
    "x",
    " x",
    "x ",
    "a  b",
    "a\u00a0b",
    "a\x0bb",
    "a\x1cb",
    "ñ",
    "a" * 65,
    "a" * 300,
    5,
    0,
    1.5,
    True,
    [],
    {},
    ["x"],
    [{}],
    {"x": 1},
    {"reference": "Patient/1"},
    {"coding": []},
    {"coding": [{"code": "x"}]},
    [{"coding": [{"code": "x"}]}],
    [{"reference": "Encounter/1"}],
    "current",
    "final",
    "Patient/1",
    "text/plain",
    "http://loinc.org",
    "2025-01-15T10:30:00Z",
    "2025-02-30T10:30:00Z",
    "2025-01-15T10:30:00",
    "2025-01-15T24:00:00Z",
    "2025-01-15T10:30:60Z",
    "2025-01-15T10:30:00.1234567Z",
    "2025-01-15T10:30:00+14:00",
    "0000-01-15T10:30:00Z",
    "2025-01-15",
    "aGVsbG8=",
    "aGVsbG8",
    "aGVs bG8=",
    "!!!!",
    "a",
]


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, (*path, i))


def _set(resource: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(resource)
    target: Any = out
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return out


def _delete(resource: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    out = copy.deepcopy(resource)
    target: Any = out
    for part in path[:-1]:
        target = target[part]
    del target[path[-1]]
    return out


def _mutants() -> Iterator[dict[str, Any]]:
    base = _rich()
    for path in _paths(base):
        if not path:
            continue
        for value in ODD_VALUES:
            yield _set(base, path, value)
        yield _delete(base, path)
    for path in _paths(base):
        target: Any = base
        for part in path:
            target = target[part]
        if isinstance(target, dict):
            yield _set(base, (*path, "unknownElement"), "x") if path else {**base, "meta": {}}
            yield _set(base, (*path, "extension"), [{"url": "http://x", "valueString": "y"}])


def test_the_rich_resource_takes_the_fast_path() -> None:
    rich = _rich()
    assert _model_accepts(rich)
    assert notes._plain_document_reference(rich)


def test_the_fast_check_never_accepts_what_the_model_rejects() -> None:
    fast_accepted = fast_rejected = model_rejected = 0
    for mutant in _mutants():
        if notes._plain_document_reference(mutant):
            fast_accepted += 1
            assert _model_accepts(mutant), json.dumps(mutant)[:400]
        else:
            fast_rejected += 1
            model_rejected += not _model_accepts(mutant)
    # The comparison means something only if both answers occur, and the model does reject
    # some of the mutants the fast check sends to it.
    assert fast_accepted > 50
    assert fast_rejected > 500
    assert model_rejected > 100


def test_the_benchmark_documents_take_the_fast_path() -> None:
    docs = [
        json.loads(r.body)
        for r in generate_workload(40, seed=7, hook_share=0.0)
        if r.kind == "assess"
    ]
    assert docs
    assert all(notes._plain_document_reference(d) for d in docs)


def test_invalid_resources_still_get_the_model_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = _rich()
    bad["date"] = "2025-02-30T10:30:00Z"
    with pytest.raises(ResourceValidationError) as info:
        parse_resource(bad, allowed=ALLOWED)
    assert info.value.expression == ["DocumentReference.date"]
    # The same error as without the fast path.
    monkeypatch.setattr(notes, "_plain_document_reference", lambda _p: False)
    with pytest.raises(ResourceValidationError) as again:
        parse_resource(bad, allowed=ALLOWED)
    assert again.value.issues == info.value.issues


def test_a_fast_accepted_resource_is_returned_unchanged() -> None:
    rich = _rich()
    before = json.dumps(rich, sort_keys=True)
    assert parse_resource(rich, allowed=ALLOWED) is rich
    assert json.dumps(rich, sort_keys=True) == before
