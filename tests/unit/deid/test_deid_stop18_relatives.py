"""A relative, a comma, then the person's full name ("Son, Peter Okafor, at bedside").

The name after the relative's comma used to be dropped unless it was one given name between
two commas ("Husband, Guy, at bedside"); it is now read as it would be without the relative.
"""

from __future__ import annotations

import pytest

from service.deid import find_spans
from tests.unit.deid.conftest import covered, untouched


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


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # a compound given name whose first part is a listed given name
        ("Per Jean-Luc Moreau, pt ate 50% of lunch.", "Jean-Luc Moreau"),
        ("Transferred care to Anne-Marie Dubois.", "Anne-Marie Dubois"),
        # a phone log's caller
        ("Caller: Rose Bell", "Rose Bell"),
        # given names that are virtues
        ("Interpreter Precious Mokoena used.", "Precious Mokoena"),
        ("Spoke with Patience Adjei by phone.", "Patience Adjei"),
        # a possessive, then a relative of that person
        ("Hope Baker's daughter called.", "Hope Baker"),
        # a word given name and an eponym family name heading a sentence before a frame
        ("Rose Bell is a 67 yo F admitted with CHF.", "Rose Bell"),
    ],
)
def test_more_name_shapes(text: str, name: str) -> None:
    assert covered(text, find_spans(text), name) == {"NAME"}


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Gene-Expression Profile sent.", "Gene-Expression Profile"),
        ("Max-Dose Protocol reviewed.", "Max-Dose Protocol"),
        ("Baker cyst is a common finding.", "Baker cyst"),
        ("Parkinson Disease's course was reviewed.", "Parkinson Disease"),
        ("Patience and reassurance given.", "Patience"),
    ],
)
def test_more_name_shapes_keep(text: str, kept: str) -> None:
    assert untouched(text, kept)
