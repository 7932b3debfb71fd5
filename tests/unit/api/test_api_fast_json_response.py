"""FastJSONResponse renders exactly the bytes Starlette's JSONResponse renders."""

from __future__ import annotations

import math

import pytest
from starlette.responses import JSONResponse

from service.api.errors import FastJSONResponse, FhirJSONResponse

BODIES = [
    {
        "resourceType": "RiskAssessment",
        "note": "Caf\u00e9, na\u00efve \u2013 ok \u2713",
        "p": 0.125,
        "n": [1, 2],
    },
    {"cards": [{"summary": 'quote " and backslash \\ and newline \n', "x": None, "y": True}]},
    [],
    {"nested": {"deep": [{"a": 1e-7, "b": -0.0, "c": 10**20}]}},
]


@pytest.mark.parametrize("body", BODIES)
def test_same_bytes_as_starlette(body: object) -> None:
    assert FastJSONResponse(body).body == JSONResponse(body).body
    assert FhirJSONResponse(body).body == JSONResponse(body).body


def test_media_types_are_kept() -> None:
    assert FastJSONResponse({}).media_type == "application/json"
    assert FhirJSONResponse({}).media_type == "application/fhir+json"


def test_nan_is_refused_like_starlette() -> None:
    with pytest.raises(ValueError):
        JSONResponse({"p": math.nan})
    with pytest.raises(ValueError):
        FastJSONResponse({"p": math.nan})
