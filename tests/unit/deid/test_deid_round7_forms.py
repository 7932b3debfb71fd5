"""Round-7 forms: lower-case dictation, dates in words, spelled names, names before an
identifier, facilities and streets that are not people. Fresh text, never a corpus line."""

from __future__ import annotations

import pytest

from service.deid import find_spans
from service.deid.casing import restore_case
from tests.unit.deid.conftest import covered, untouched

#: A dictation with no capitals at all (voice recognition), written for these tests.
DICTATION = (
    "this is doctor marguerite okonkwo-baines dictating a clinic note on patient thaddeus "
    "villanueva spelled v i l l a n u e v a date of birth april ninth nineteen forty four\n"
    "he came with his wife philippa and was also seen by lorcan abernethy of the lab, he goes "
    "by teddy, no acute distress, bp 132/84, inr 2.3, foley removed, walking with a cane\n"
    "follow-up with my np ivy castellanos-ruiz on the twenty second. the hotel is on northeast "
    "alder street near the river and he drove in from klamath falls this morning\n"
    "end of dictation transcribed 04/10/25 by rq."
)


def test_restore_case_keeps_length_and_ordinary_words() -> None:
    reading = restore_case(DICTATION)
    assert len(reading.text) == len(DICTATION)
    assert reading.text.lower() == DICTATION.lower()
    assert "Doctor Marguerite Okonkwo-Baines" in reading.text
    assert "Klamath Falls" in reading.text
    # clinical words and the common words around the names stay in lower case
    assert "bp 132/84, inr 2.3, foley removed, walking with a cane" in reading.text.lower()
    assert "no acute distress" in reading.text
    assert "walking with a cane" in reading.text


def test_restore_case_leaves_ordinary_notes_alone() -> None:
    text = "Seen with her daughter Ines. Plan: continue lisinopril 10 mg daily; recheck in May."
    reading = restore_case(text)
    assert reading.text is text
    assert reading.names == ()


@pytest.mark.parametrize(
    "phi",
    [
        "marguerite okonkwo-baines",
        "thaddeus villanueva",
        "v i l l a n u e v a",
        "april ninth",
        "philippa",
        "lorcan abernethy",
        "teddy",
        "ivy castellanos-ruiz",
        "twenty second",
        "northeast alder street",
        "klamath falls",
        "rq",
    ],
)
def test_lower_case_dictation_phi_is_found(phi: str) -> None:
    assert covered(DICTATION, find_spans(DICTATION), phi)


@pytest.mark.parametrize(
    "keep", ["no acute distress", "bp 132/84", "inr 2.3", "foley removed", "walking with a cane"]
)
def test_lower_case_dictation_keeps_clinical_text(keep: str) -> None:
    spans = find_spans(DICTATION)
    start = DICTATION.index(keep)
    assert not any(s.start < start + len(keep) and start < s.end for s in spans)


def test_street_in_dictation_is_an_address_not_a_name() -> None:
    spans = find_spans(DICTATION)
    assert covered(DICTATION, spans, "northeast alder street") == {"ADDRESS"}


@pytest.mark.parametrize(
    ("text", "phi"),
    [
        # dates in words, in any case
        ("Delivered september the fourteenth at home.", "september the fourteenth"),
        ("Recheck planned for the twelfth of next month.", "the twelfth of next month"),
        ("Her visa interview falls on the thirtieth.", "thirtieth"),
        # a name dictated letter by letter
        ("Surname spelling: Q-U-I-L-L-O-N, as on the card.", "Q-U-I-L-L-O-N"),
        # a name just before the patient's identifier label
        ("Roster: Benedikt Sauerbrey-Lund, MRN 55-190-2281", "Benedikt Sauerbrey-Lund"),
        ("Consult for Odalys Fenwick (DOB 08/02/1955) today.", "Odalys Fenwick"),
        # accented capitals and a short lower-case part in a given name
        ("Seen with Dr. Seo-yun Halvorsen-Ito, DMD, in clinic.", "Seo-yun Halvorsen-Ito"),
        ("Referred by Íde Ní Bhraonáin, NP, last week.", "Íde Ní Bhraonáin"),
        # a zero-padded month and day is a date even before a small day number
        ("Cultures 02/05: no growth.", "02/05"),
        # an IMEI as phones show it, in groups
        ("Phone kept at triage (IMEI 86 211940 553018 2).", "86 211940 553018 2"),
    ],
)
def test_round7_forms_are_found(text: str, phi: str) -> None:
    assert covered(text, find_spans(text), phi)


@pytest.mark.parametrize(
    ("text", "keep"),
    [
        # an ordinal day in words that does not close its clause is not a date
        ("It was the eleventh hour of the shift.", "eleventh hour"),
        ("Growth at the twenty-fifth percentile.", "twenty-fifth percentile"),
        # a facility named for a person by a given name is not a person (nor a town)
        ("Transferred to Rosalind Hospital for dialysis.", "Rosalind Hospital"),
        # a scale named after a city
        ("Glasgow Coma Scale 14 on arrival.", "Glasgow Coma Scale 14"),
        ("Boston Bowel Preparation Scale 2/2/3.", "Boston Bowel Preparation Scale"),
        # eponyms met in dictation
        ("placed on the jackson table prone", "jackson table"),
        ("ulcer is wagner grade 1 today", "wagner grade 1"),
    ],
)
def test_round7_clinical_text_is_kept(text: str, keep: str) -> None:
    assert untouched(text, keep)


def test_name_before_a_comma_and_a_clinic_is_still_a_name() -> None:
    text = "cc: Dr. Ottoline Brackenridge, Juniper Ridge Family Clinic"
    assert covered(text, find_spans(text), "Ottoline Brackenridge")
