"""Table-driven recognizer tests: each row is a snippet, the PHI in it and its category."""

from __future__ import annotations

import itertools

import pytest

from service.deid import CATEGORIES, find_spans
from service.deid.recognizers import dea_valid, luhn_valid, ssn_valid, vin_valid
from service.deid.spans import Span, resolve_conflicts

from .conftest import covered

FOUND = [
    # names
    ("Seen by Dr. Priya Raman, MD today.", "Priya Raman", "NAME"),
    ("PT: SMITH, JOHN A   DOB: 01/02/1950", "SMITH, JOHN A", "NAME"),
    ("Discussed with Mr. Smith at length.", "Smith", "NAME"),
    ("Her daughter Xiomara Quintanilla called.", "Xiomara Quintanilla", "NAME"),
    ("Signed: Mireille Saint-Onge, MD", "Mireille Saint-Onge", "NAME"),
    ("Family: son Patrick O'Brien-Walsh visited.", "Patrick O'Brien-Walsh", "NAME"),
    ("Mr. Will Baker was seen; Will reports no pain.", "Will Baker", "NAME"),
    ("Attending Dr. Rose examined her.", "Rose", "NAME"),
    ("Cc: Maarten de Vries MD, FACP", "Maarten de Vries", "NAME"),
    ("Triage RN: D. Oyelaran-Smith, RN", "D. Oyelaran-Smith", "NAME"),
    ("Later, Achterberg said Mr. Achterberg felt better.", "Achterberg", "NAME"),
    # dates
    ("Admitted on 03/14/2021 for pneumonia.", "03/14/2021", "DATE"),
    ("CT on 2023-11-04 showed no change.", "2023-11-04", "DATE"),
    ("Seen March 3, 2021 in clinic.", "March 3, 2021", "DATE"),
    ("Letter dated 14th March 2023.", "14th March 2023", "DATE"),
    ("Received: 02-Apr-2024 at the lab.", "02-Apr-2024", "DATE"),
    ("Symptoms since September 2023.", "September 2023", "DATE"),
    ("Fell on 10/4, no injury.", "10/4", "DATE"),
    ("Reviewed in clinic on the 9th.", "9th", "DATE"),
    ("Next visit mid-August.", "August", "DATE"),
    ("DOB 07.19.1949", "07.19.1949", "DATE"),
    ("Worse since Christmas.", "Christmas", "DATE"),
    # ages over 89
    ("She is a 92 y/o woman.", "92", "AGE"),
    ("AGE: 97Y SEX: F", "97", "AGE"),
    ("Her husband died aged 96.", "96", "AGE"),
    ("A woman in her late 90s.", "90s", "AGE"),
    ("At ninety-four she still gardens.", "ninety-four", "AGE"),
    ("A pleasant centenarian.", "centenarian", "AGE"),
    ("Her 102nd birthday is soon.", "102nd", "AGE"),
    # contact
    ("Call (312) 555-0199 after 5.", "(312) 555-0199", "PHONE"),
    ("Cell 773.555.0148.", "773.555.0148", "PHONE"),
    ("Fax 253-555-0132 results.", "253-555-0132", "FAX"),
    ("Office 217-555-0143 (fax)", "217-555-0143", "FAX"),
    ("Email r.vandermeer@pulm-tacoma.org please.", "r.vandermeer@pulm-tacoma.org", "EMAIL"),
    (
        "See https://mychart.example.org/appt?pid=8 now.",
        "https://mychart.example.org/appt?pid=8",
        "URL",
    ),
    ("Visit www.queensmindcare.com for forms.", "www.queensmindcare.com", "URL"),
    ("Logged from 98.207.144.61 today.", "98.207.144.61", "IP"),
    ("Hub at fe80::1ff:fe23:4567:890a here.", "fe80::1ff:fe23:4567:890a", "IP"),
    # identifiers
    ("SSN 219-09-9990 on file.", "219-09-9990", "SSN"),
    ("SSN ......... 531 84 2276", "531 84 2276", "SSN"),
    ("MRN: 00483921-7 FIN 7730019245", "00483921-7", "MRN"),
    ("Member ID XOF884120573, group # 0076651", "XOF884120573", "HEALTH_PLAN"),
    ("Medicare MBI 1EG4-TE5-MK73 active.", "1EG4-TE5-MK73", "HEALTH_PLAN"),
    ("Acct #LL-0048213 for pendant.", "LL-0048213", "ACCOUNT"),
    ("Card 4111 1111 1111 1111 declined.", "4111 1111 1111 1111", "ACCOUNT"),
    ("WA license MD60284417.", "MD60284417", "LICENSE"),
    ("NPI 1962475830 on claim.", "1962475830", "LICENSE"),
    ("Prescriber DEA FN4829101.", "FN4829101", "LICENSE"),
    ("NH plate 7TR 442 noted.", "7TR 442", "VEHICLE"),
    ("Car VIN 1NXBR32E64Z215630 towed.", "1NXBR32E64Z215630", "VEHICLE"),
    ("ICD serial no. PZX601233H implanted.", "PZX601233H", "DEVICE"),
    (
        "UDI (01)00643169007222(17)250131(21)PZX601233H",
        "(01)00643169007222(17)250131(21)PZX601233H",
        "DEVICE",
    ),
    ("Accession: S24-018832 received.", "S24-018832", "ID"),
    ("Specimen RQ7734021A sent.", "RQ7734021A", "ID"),
    # places
    (
        "Lives at 1187 W Belmont Ave Apt 2R, Chicago IL 60657.",
        "1187 W Belmont Ave Apt 2R",
        "ADDRESS",
    ),
    ("Lives at 1187 W Belmont Ave Apt 2R, Chicago IL 60657.", "Chicago", "LOCATION"),
    ("Lives at 1187 W Belmont Ave Apt 2R, Chicago IL 60657.", "60657", "ZIP"),
    ("Mail to PO Box 4471, Fargo, ND 58102.", "PO Box 4471", "ADDRESS"),
    ("Resident of Plymouth County since birth.", "Plymouth County", "LOCATION"),
    ("Transferred from Cape Cod Hospital today.", "Cape Cod Hospital", "LOCATION"),
    ("Her sister lives in Hyannis and visits.", "Hyannis", "LOCATION"),
    ("Wound care at Lakeview Towers weekly.", "Lakeview Towers", "LOCATION"),
    ("Moved to Gig Harbor, WA last year.", "Gig Harbor", "LOCATION"),
]

KEPT = [
    ("Parkinson's disease, Foley catheter, Apgar 8 and 9.", "Parkinson's disease"),
    ("Parkinson's disease, Foley catheter, Apgar 8 and 9.", "Foley catheter"),
    ("Parkinson's disease, Foley catheter, Apgar 8 and 9.", "Apgar 8 and 9"),
    ("Glasgow Coma Scale 15, Babinski negative.", "Glasgow Coma Scale 15"),
    ("Glasgow Coma Scale 15, Babinski negative.", "Babinski"),
    ("Vitals: BP 132/84, HR 97, T 97.6F, SpO2 94%.", "BP 132/84"),
    ("Vitals: BP 132/84, HR 97, T 97.6F, SpO2 94%.", "HR 97"),
    ("Vitals: BP 132/84, HR 97, T 97.6F, SpO2 94%.", "T 97.6F"),
    ("Vitals: BP 132/84, HR 97, T 97.6F, SpO2 94%.", "SpO2 94%"),
    ("INR 2.3, HbA1c 7.2%, Cr 1.4.", "INR 2.3"),
    ("INR 2.3, HbA1c 7.2%, Cr 1.4.", "HbA1c 7.2%"),
    ("Warfarin 5 mg daily, insulin 10 units qhs for 3 days.", "5 mg"),
    ("Warfarin 5 mg daily, insulin 10 units qhs for 3 days.", "10 units"),
    ("Warfarin 5 mg daily, insulin 10 units qhs for 3 days.", "3 days"),
    ("Quit smoking in 2019.", "2019"),
    ("Strength 5/5 throughout, pain 4/10, murmur 2/6.", "5/5"),
    ("Strength 5/5 throughout, pain 4/10, murmur 2/6.", "4/10"),
    ("Strength 5/5 throughout, pain 4/10, murmur 2/6.", "2/6"),
    ("Gleason score 3+4=7 (Grade Group 2), PHQ-9 14.", "Gleason score 3+4=7"),
    ("Gleason score 3+4=7 (Grade Group 2), PHQ-9 14.", "PHQ-9 14"),
    ("Labs 140-180 mg/dL, FEV1 1.62 L, L4-L5 disc.", "140-180"),
    ("Labs 140-180 mg/dL, FEV1 1.62 L, L4-L5 disc.", "FEV1 1.62 L"),
    ("Labs 140-180 mg/dL, FEV1 1.62 L, L4-L5 disc.", "L4-L5"),
    ("She drives a 2017 Ford F-150 to work.", "2017 Ford F-150"),
    ("Crohn's disease and Hodgkin lymphoma in remission.", "Hodgkin lymphoma"),
    ("Pain is 8/10 today; temp 99.1 F.", "99.1 F"),
]


@pytest.mark.parametrize(("text", "phi", "category"), FOUND)
def test_phi_is_found_with_its_category(text: str, phi: str, category: str) -> None:
    cats = covered(text, find_spans(text), phi)
    assert cats, f"{category} not covered"
    assert category in cats


@pytest.mark.parametrize(("text", "keep"), KEPT)
def test_clinical_meaning_is_kept(text: str, keep: str) -> None:
    start = text.index(keep)
    end = start + len(keep)
    overlapping = [s for s in find_spans(text) if s.start < end and s.end > start]
    assert overlapping == []


def test_every_category_is_exercised() -> None:
    assert {row[2] for row in FOUND} == set(CATEGORIES)


@pytest.mark.parametrize(
    ("value", "valid"),
    [("1NXBR32E64Z215630", True), ("1NXBR32E84Z215630", False), ("1FTFW1ET9DFC10312", True)],
)
def test_vin_check_digit(value: str, valid: bool) -> None:
    assert vin_valid(value) is valid


@pytest.mark.parametrize(
    ("digits", "valid"),
    [("4111111111111111", True), ("4111111111111112", False), ("808401962475830", True)],
)
def test_luhn(digits: str, valid: bool) -> None:
    assert luhn_valid(digits) is valid


@pytest.mark.parametrize(
    ("parts", "valid"),
    [
        (("219", "09", "9999"), True),
        (("000", "12", "3456"), False),
        (("666", "12", "3456"), False),
        (("912", "12", "3456"), False),
        (("123", "00", "3456"), False),
        (("123", "45", "0000"), False),
    ],
)
def test_ssn_rules(parts: tuple[str, str, str], valid: bool) -> None:
    assert ssn_valid(*parts) is valid


def test_dea_check_digit() -> None:
    assert dea_valid("FN4829101")
    assert not dea_valid("FN4829102")


def test_invalid_ssn_shape_is_still_an_identifier() -> None:
    text = "Ref 912-12-3456 on the form."
    assert covered(text, find_spans(text), "912-12-3456")


def test_conflicts_become_the_union_with_the_strongest_category() -> None:
    spans = [
        Span("LOCATION", 0, 10, 0.6),
        Span("ADDRESS", 5, 20, 0.9),
        Span("NAME", 30, 35, 0.8),
        Span("NAME", 30, 35, 0.5),
    ]
    merged = resolve_conflicts(spans)
    assert [(s.category, s.start, s.end) for s in merged] == [
        ("ADDRESS", 0, 20),
        ("NAME", 30, 35),
    ]


def test_spans_are_disjoint_and_sorted() -> None:
    text = "Dr. Ann Lee saw Mr. Lee on 03/14/2021 at 12 Oak Street, Boston, MA 02118."
    spans = find_spans(text)
    assert all(a.end <= b.start for a, b in itertools.pairwise(spans))
