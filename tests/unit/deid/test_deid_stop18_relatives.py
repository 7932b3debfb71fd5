"""A relative, a comma, then the person's full name ("Son, Peter Okafor, at bedside").

The name after the relative's comma used to be dropped unless it was one given name between
two commas ("Husband, Guy, at bedside"); it is now read as it would be without the relative.
"""

from __future__ import annotations

import pytest

from service.deid import find_spans
from tests.unit.deid.conftest import untouched


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Son, Peter Okafor, at bedside.", "Peter Okafor"),
        ("Mother, Grace Okafor, at bedside.", "Grace Okafor"),
        ("Daughter, Mary Ellen Fitch, is the HCP.", "Mary Ellen Fitch"),
        ("Family present: wife, Ingrid Halvorsen, and son.", "Ingrid Halvorsen"),
        ("Spoke with niece, Rosa M. Quintero, by phone.", "Rosa M. Quintero"),
        # the one-given-name form still holds
        ("Husband, Guy, at bedside.", "Guy"),
    ],
)
def test_name_after_a_relative_and_comma(text: str, name: str) -> None:
    assert any(text[s.start : s.end] == name for s in find_spans(text))


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Mother, Father, and sister at bedside.", "Father"),
        ("Husband, Patient Advocate, called.", "Patient Advocate"),
        ("Daughter, Home Health aide, and RN present.", "Home Health"),
    ],
)
def test_roles_after_a_relative_and_comma_stay(text: str, kept: str) -> None:
    assert untouched(text, kept)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # a given name that is also a word, then a family name that is also an eponym
        ("Patient: Hope Baker", "Hope Baker"),
        ("Dear Hope Baker,", "Hope Baker"),
        ("Son, Hope Baker, at bedside.", "Hope Baker"),
        ("Transferred care to Hope Baker.", "Hope Baker"),
        ("Name: Joy Parkinson", "Joy Parkinson"),
    ],
)
def test_word_given_name_then_eponym_family_name(text: str, name: str) -> None:
    assert any(text[s.start : s.end] == name for s in find_spans(text))


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Patient: Will Foley catheter in place.", "Foley catheter"),
        ("Will Foley be removed today?", "Foley"),
        ("Dx: Grace Graves disease", "Graves disease"),
        ("Hx of Baker's cyst, R knee.", "Baker's cyst"),
    ],
)
def test_eponym_after_a_word_stays(text: str, kept: str) -> None:
    assert untouched(text, kept)
