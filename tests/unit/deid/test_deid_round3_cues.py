"""Round-3 cues (tuned on dev3): numeric dates, streets without numbers, dotted licence prefixes,
sign-off initials, accented names; and the clinical strings those cues must leave alone."""

from __future__ import annotations

import pytest

from service.deid import deidentify
from tests.unit.deid.conftest import covered, spans_of


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("admitted 4/9 from the nursing home", "4/9"),
        ("likely back home on Friday 4/12 if stable.", "4/12"),
        ("(BCx 3/2 both bottles positive)", "3/2"),
        ("level before 4th dose, 3/6 at 2130.", "3/6"),
        ("Re: Mrs. Okafor (DOB 30/06/1958; hospital no. 12)", "30/06/1958"),
        ("bilateral sacroiliitis on MRI 11/2021).", "11/2021"),
        ("Work note given for 11/25-11/27.", "11/25"),
        ("Work note given for 11/25-11/27.", "11/27"),
    ],
)
def test_numeric_date_cues(text: str, needle: str) -> None:
    assert "DATE" in covered(text, spans_of(text), needle)


def test_a_date_range_becomes_two_shiftable_dates() -> None:
    text = "Work note given for 11/25-11/27."
    result = deidentify(text)
    assert [text[s.start : s.end] for s in result.spans] == ["11/25", "11/27"]
    # each side is shifted (a shifted M/D), not redacted to a tag
    assert "[DATE]" not in result.text
    assert "11/25" not in result.text and "11/27" not in result.text


def test_day_first_date_is_read_as_day_month_year() -> None:
    result = deidentify("DOB 30/06/1958")
    shifted = result.text.removeprefix("DOB ")
    day, month, year = (int(p) for p in shifted.split("/"))
    assert 1 <= day <= 31 and 1 <= month <= 12 and 1956 <= year <= 1960
    assert shifted != "30/06/1958"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("He lives alone on Pawtucket Blvd; his granddaughter checks in.", "Pawtucket Blvd"),
        ("(the daycare is on Montrose Ave).", "Montrose Ave"),
        ("struck at Ridgeway Ave and 5th St, Fort Collins.", "Ridgeway Ave"),
        ("hospice house in Holland (on Lakeshore Dr) when a bed opens", "Lakeshore Dr"),
    ],
)
def test_street_named_without_a_number(text: str, needle: str) -> None:
    assert "ADDRESS" in covered(text, spans_of(text), needle)


@pytest.mark.parametrize(
    ("text", "needle", "category"),
    [
        ("Intake clinician: Y. Fuentes, LCSW (lic. LCS.0033781)", "LCS.0033781", "LICENSE"),
        ("Dictated 02/27/2024 14:10 by AHC; job #5521983.", "AHC", "NAME"),
        ("Dictated 02/27/2024 14:10 by AHC; job #5521983.", "5521983", "ID"),
        ("chaplain Fr. Tomasz Wiśniewski, RN Abena Owusu-Ansah", "Tomasz Wiśniewski", "NAME"),
        ("S: Rm 512-B, ZELENKO, Harriet P., 91 y/o F", "ZELENKO, Harriet P", "NAME"),
    ],
)
def test_identifier_and_name_cues(text: str, needle: str, category: str) -> None:
    assert category in covered(text, spans_of(text), needle)


@pytest.mark.parametrize(
    ("text", "keep"),
    [
        ("SpO2 93% on 2L NC, T 37.1. Braden 14", "T 37.1"),
        ("SN 3321879; Simplex P cement x2.", "Simplex P"),
        ("VIS given. Next: Hep A #2.", "Hep A #2"),
        ("Vitamin D 2000 IU daily", "Vitamin D"),
        ("pain 4/10 today", "4/10"),
        ("strength 4/5 in LUE", "4/5"),
        ("BP 120/80 at 0800", "120/80"),
        ("seen on Monday Dr Quennell", "Monday"),
        ("Rm 512-B, bed 2", "512-B"),
        ("Plan reviewed by PCP and signed by MD at 1400.", "PCP"),
        ("Plan reviewed by PCP and signed by MD at 1400.", "MD"),
        ("Orders entered by ED; reviewed by OT.", "OT"),
        ("collected 2/3 cultures so far", "2/3"),
        ("noted 1/2 of the time", "1/2"),
    ],
)
def test_clinical_strings_survive(text: str, keep: str) -> None:
    assert not covered(text, spans_of(text), keep)
    start = text.index(keep)
    assert not any(s.start < start + len(keep) and s.end > start for s in spans_of(text))


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("portal login from 2603:7000:9a1::4c at night", "2603:7000:9a1::4c"),
        ("mail to P.O. Box 9921, Lebanon", "P.O. Box 9921"),
        ("widowed since Christmas Eve 2011", "Christmas Eve"),
        ("he is ninety-two and still gardening", "ninety-two"),
        ("SSN xxx-xx-1187 on the claim", "xxx-xx-1187"),
    ],
)
def test_patterns_behind_a_substring_hint_still_fire(text: str, needle: str) -> None:
    assert covered(text, spans_of(text), needle)


def test_accented_name_is_replaced_whole() -> None:
    result = deidentify("chaplain Fr. Tomasz Wiśniewski visited")
    assert "Tomasz" not in result.text
    assert "ś" not in result.text and "niewski" not in result.text
