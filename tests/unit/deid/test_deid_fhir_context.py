"""DeidContext.from_fhir: values from the Patient resource are found in the text in any form."""

from __future__ import annotations

from typing import Any

import pytest

from service.deid import DeidContext, deidentify, find_spans
from service.deid.context import date_variants

from .conftest import covered


def test_from_fhir_collects_values(patient: dict[str, Any], key: bytes) -> None:
    ctx = DeidContext.from_fhir(patient=patient, key=key)
    assert {"Ebo", "Kwesi", "Quarshie"} <= set(ctx.names)
    assert "EQ" in ctx.initials and "EKQ" in ctx.initials
    assert ctx.dates == ("1948-03-07",)
    assert ("MRN", "ZX-99123") in ctx.identifiers
    assert ("SSN", "123-45-6789") in ctx.identifiers
    assert ("LICENSE", "S99988801") in ctx.identifiers
    assert ctx.subject_key == "Patient/example-1"
    assert ctx.zips == ("33540",)
    assert ctx.key == key


@pytest.mark.parametrize(
    ("text", "needle", "category"),
    [
        ("pt QUARSHIE seen today", "QUARSHIE", "NAME"),
        ("quarshie called back", "quarshie", "NAME"),
        ("Kwesi is doing well", "Kwesi", "NAME"),
        ("initials E.K.Q. on the consent", "E.K.Q.", "NAME"),
        ("born 3/7/48 per chart", "3/7/48", "DATE"),
        ("DOB 07 Mar 1948", "07 Mar 1948", "DATE"),
        ("birthday March 7, 1948", "March 7, 1948", "DATE"),
        ("dob 19480307", "19480307", "DATE"),
        ("chart ZX99123 reviewed", "ZX99123", "MRN"),
        ("ss 123456789 given", "123456789", "SSN"),
        ("call 555.010.4477 today", "555.010.4477", "PHONE"),
        ("local 010-4477 works", "010-4477", "PHONE"),
        ("write to EBO.Q@EXAMPLE.NET", "EBO.Q@EXAMPLE.NET", "EMAIL"),
        ("lives at 19 tamarind close", "19 tamarind close", "ADDRESS"),
        ("walks along Tamarind daily", "Tamarind", "ADDRESS"),
        ("moved from zephyrhills", "zephyrhills", "LOCATION"),
        ("in Pasco for years", "Pasco", "LOCATION"),
        ("zip 33540 on file", "33540", "ZIP"),
    ],
)
def test_context_values_found_in_any_form(
    patient: dict[str, Any], key: bytes, text: str, needle: str, category: str
) -> None:
    ctx = DeidContext.from_fhir(patient=patient, key=key)
    cats = covered(text, find_spans(text, ctx), needle)
    assert category in cats
    # and the same text without the context does not rely on luck for these values
    assert deidentify(text, ctx).text.count(needle) == 0


def test_related_people_are_context_too(key: bytes) -> None:
    related = [
        {
            "resourceType": "RelatedPerson",
            "name": [{"family": "Mbeki", "given": ["Zola"]}],
            "telecom": [{"system": "phone", "value": "555-010-9911"}],
        },
        {"resourceType": "PractitionerRole", "practitioner": {"display": "Dr Ines Okonjo"}},
    ]
    ctx = DeidContext.from_fhir(related=related, key=key)
    text = "zola mbeki (5550109911) spoke with okonjo."
    spans = find_spans(text, ctx)
    for needle in ("zola mbeki", "5550109911", "okonjo"):
        assert covered(text, spans, needle)


def test_malformed_resources_are_skipped(key: bytes) -> None:
    ctx = DeidContext.from_fhir(
        patient={
            "resourceType": "Patient",
            "name": "oops",
            "telecom": [None, 3],
            "identifier": [{"value": 5}],
            "birthDate": "not a date",
        },
        key=key,
    )
    assert ctx.names == () and ctx.dates == () and ctx.identifiers == ()


def test_from_fhir_validates_operators(key: bytes) -> None:
    with pytest.raises(ValueError, match="operator"):
        DeidContext.from_fhir(patient=None, key=key, operators={"NAME": "shift"})


def test_date_variants_cover_common_formats() -> None:
    variants = set(date_variants("1948-03-07"))
    assert {
        "03/07/1948",
        "3/7/1948",
        "3/7/48",
        "1948-03-07",
        "March 7, 1948",
        "7 Mar 1948",
        "07-Mar-1948",
        "19480307",
    } <= variants
