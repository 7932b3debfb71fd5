"""Fixtures for the de-identification tests."""

from __future__ import annotations

from typing import Any

import pytest

from service.deid import DeidContext, Span, find_spans


@pytest.fixture
def key() -> bytes:
    return b"unit-test-secret-key-0123456789"


@pytest.fixture
def patient() -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": "example-1",
        "identifier": [
            {"type": {"coding": [{"code": "MR"}]}, "value": "ZX-99123"},
            {"system": "http://hl7.org/fhir/sid/us-ssn", "value": "123-45-6789"},
            {
                "system": "urn:oid:2.16.840.1.113883.4.3.25",
                "type": {"coding": [{"code": "DL"}]},
                "value": "S99988801",
            },
        ],
        "name": [{"family": "Quarshie", "given": ["Ebo", "Kwesi"], "prefix": ["Mr."]}],
        "birthDate": "1948-03-07",
        "telecom": [
            {"system": "phone", "value": "+1 (555) 010-4477"},
            {"system": "email", "value": "ebo.q@example.net"},
        ],
        "address": [
            {
                "line": ["19 Tamarind Close"],
                "city": "Zephyrhills",
                "district": "Pasco",
                "state": "FL",
                "postalCode": "33540-1234",
            }
        ],
    }


def covered(text: str, spans: tuple[Span, ...] | list[Span], needle: str) -> set[str]:
    """The categories of the spans covering every character of ``needle`` (empty: not covered)."""
    start = text.index(needle)
    end = start + len(needle)
    cats = {s.category for s in spans if s.start < end and s.end > start}
    flags = bytearray(end - start)
    for s in spans:
        for i in range(max(s.start, start), min(s.end, end)):
            flags[i - start] = 1
    # the corpus rule: every non-space character lies inside a removed span
    return cats if all(f or text[start + i].isspace() for i, f in enumerate(flags)) else set()


def spans_of(text: str, context: DeidContext | None = None) -> list[Span]:
    return find_spans(text, context)


def untouched(text: str, needle: str) -> bool:
    """No span found in ``text`` overlaps any character of ``needle`` (a keep string)."""
    start = text.index(needle)
    end = start + len(needle)
    return not any(s.start < end and start < s.end for s in find_spans(text))
