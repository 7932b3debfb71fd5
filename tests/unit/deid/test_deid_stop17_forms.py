"""Stop-17 forms (classes read off the tuning split dev14; every sentence here is fresh, none is
a corpus line): the last four digits of a card or bank account, ages and a spoken birth date in
an all-capitals radio log, a phone number with a slashed area code, OCR's letters for digits at
the end of a group and in a spaced date, e-mail addresses misread by OCR or dictated without a
"dot", the rest of a short serial or plate in lower-case dictation, a spelled member number and
its restatement, lower-case house numbers on a "loop" or "way", a county's own word, "Floor 3",
a month alone in a bracket or opening a range, names after "mister", in a bracket before a
phone number, as the value of an export's name key, a month as a middle name before ";",
initials of a double-barrelled name, a town alone in a bracket after a name; and the clinical
text beside them that must stay (emergency units' call signs, saint-named facilities, a
lettered diagnosis list, instrument scores, role mailboxes, a bus route, "Rm", "DON", English
compounds such as "Teach-back", a rule's section, pharmacy routing numbers, specialty clinics)."""

from __future__ import annotations

import pytest

from service.deid import deidentify, find_spans
from tests.unit.deid.conftest import covered, untouched


@pytest.mark.parametrize(
    ("text", "phi", "category"),
    [
        # the last four digits of a card or bank account
        ("Autopay from her card ending in 3390 each month.", "3390", "ACCOUNT"),
        ("Refund goes to checking acct ending 7712.", "7712", "ACCOUNT"),
        ("Pharmacy copay card ending ...5408 on file.", "5408", "ACCOUNT"),
        ("Visa ending with 0261 was declined twice.", "0261", "ACCOUNT"),
        # an age in an all-capitals report
        ("PT IS A 96 YEAR OLD FEMALE FOUND AT HOME.", "96", "AGE"),
        ("RESIDENT, 91 YEARS OLD, ON HOSPICE.", "91", "AGE"),
        # a birth date read out as number words
        (
            "CALLER GIVES DATE OF BIRTH ONE ONE TWO TWO FORTY SIX FOR THE PATIENT.",
            "ONE ONE TWO TWO FORTY SIX",
            "DATE",
        ),
        (
            "resident is ms vale date of birth four nine nineteen thirty one per the card",
            "four nine nineteen thirty one",
            "DATE",
        ),
        # a phone number with a slashed area code
        ("Work number 614/555-0193 after noon.", "614/555-0193", "PHONE"),
        # OCR's look-alike letters closing a group
        ("Zip Code: 4410l   State: OH", "4410l", "ZIP"),
        ("Tel: (3l2) 555-O18l   Cell: none", "(3l2) 555-O18l", "PHONE"),
        ("Birth date: O7 / 2l / 1948   Sex: M", "O7 / 2l / 1948", "DATE"),
        ("DOB 11 / 04 / 1962 (per mother)", "11 / 04 / 1962", "DATE"),
        # e-mail addresses
        ("E-mail on the form: rhona.k77@example.c0m (scanned)", "rhona.k77@example.c0m", "EMAIL"),
        (
            "reach me at t okonedo at riverbend example dot org after five",
            "t okonedo at riverbend example dot org",
            "EMAIL",
        ),
        # the rest of a short number or plate in lower-case dictation
        (
            "the pump serial number 338 905 checked out fine this morning",
            "338 905",
            "DEVICE",
        ),
        ("she drives a blue sedan idaho plate 482 kxt and parks out back", "482 kxt", "VEHICLE"),
        # a spelled member number, then said again as one token
        (
            "insurance is moda member number w q r 7 7 3 0 1 8 2 that is wqr7730182 okay",
            "w q r 7 7 3 0 1 8 2",
            "HEALTH_PLAN",
        ),
        (
            "insurance is moda member number w q r 7 7 3 0 1 8 2 that is wqr7730182 okay",
            "wqr7730182",
            "HEALTH_PLAN",
        ),
        # lower-case street addresses on a street type that is also a word
        (
            "home health goes to 4471 southeast larkspur hollow loop apt 3 in bend today",
            "4471 southeast larkspur hollow loop",
            "ADDRESS",
        ),
        # a county with its own word
        ("the family lives out in klamath county now and drives in", "klamath county", "LOCATION"),
        (
            "REPORT TO BE FAXED FROM YAKIMA CO EMS. YAKIMA COUNTY DISPATCH ADVISED.",
            "YAKIMA CO",
            "LOCATION",
        ),
        # a floor after the street
        (
            "Clinic: 2201 W. Garland Ave, Floor 4, Tacoma WA",
            "2201 W. Garland Ave, Floor 4",
            "ADDRESS",
        ),
        # a month alone in a bracket, or opening a range
        ("Last LDL 142 (Aug), statin started.", "Aug", "DATE"),
        ("Out of insulin since (ran out Oct) per son.", "Oct", "DATE"),
        ("adalimumab | Mar\u2013Jul 2023 | stopped for rash", "Mar", "DATE"),
        # names
        (
            "bed two is mister april kettleworth who came in overnight with a fall",
            "april kettleworth",
            "NAME",
        ),
        ("Loop recorder placed; rep on site (Dorin Halvey, 614-555-0172).", "Dorin Halvey", "NAME"),
        ('# child=VANTERPOOL, REMY; nick_name="Bodie"; sex=M', "Bodie", "NAME"),
        ("# pt_name=STRAUGHAN-BELL, NOAH AUGUST; sex=M", "AUGUST", "NAME"),
        ('Twin B: Baby Girl Adeyemi-Lund ("Baby Girl A-L") to NICU.', "A-L", "NAME"),
        ("cc: Corwin Ashdale, DDS (Greencastle)", "Greencastle", "LOCATION"),
        ("DON Marisol Quintero RN present. DON to call the son today.", "Quintero", "NAME"),
    ],
)
def test_stop17_phi_is_found(text: str, phi: str, category: str) -> None:
    cats = covered(text, find_spans(text), phi)
    assert cats, f"{phi!r} left in the text"
    assert category in cats


@pytest.mark.parametrize(
    ("text", "keep"),
    [
        # an emergency unit's call sign
        ("[03:10:44] MEDIC 12: THIS IS WARREN COUNTY MEDIC 12, HOW COPY", "MEDIC 12"),
        ("[03:10:44] ENGINE 12: THIS IS WARREN COUNTY ENGINE 12, HOW COPY", "ENGINE 12"),
        # a facility named for a saint
        ("ST. AGATHA ED, THIS IS RESCUE 4, HOW COPY", "ST. AGATHA ED"),
        ("Delivered at St. Brigid Birth Center without complication.", "St. Brigid Birth Center"),
        ("Transferred to St. Columba Hospital for dialysis.", "St. Columba Hospital"),
        # a lettered list of diagnoses in capitals
        (
            "FINAL DIAGNOSIS:\nA. SQUAMOUS CELL CARCINOMA, WELL DIFFERENTIATED.\nB. SCAR.",
            "SQUAMOUS",
        ),
        # instrument scores named by an eponym or acronym
        ("Transfers min A. Berg 44/56, TUG 14 s.", "Berg 44/56"),
        # a shared mailbox's display name
        ("To: Payroll Appeals <payroll@clinic.example.org>", "Payroll Appeals"),
        # a bus route
        ("Takes the school bus (Route 9, bus #114) each morning.", "Route 9"),
        # a room abbreviation after a name, and a room alone
        ('Pt: Tillery, Ansel "Skip"   Rm 310-1   Dx CVA', "Rm 310-1"),
        # a director's title in capitals, and again alone
        ("DON Marisol Quintero RN present. DON to call the son today.", "DON"),
        ("DON Marisol Quintero RN present. DON to call the son today.", "DON to call"),
        # English compounds joined by a hyphen
        ("- Teach-back done; wife repeated the steps.", "Teach-back"),
        ("- Walk-ins seen after 3 pm.", "Walk-ins"),
        # a rule's section, a pharmacy routing number, a clinic named by its specialty
        ("Meets the plan's criteria (policy MED-207 \u00a74.c).", "MED-207 \u00a74.c"),
        ("Group 55102-OR    BIN 004336 PCN MEDDPRIME", "BIN 004336"),
        ("Seen in Metabolic Clinic Rm 4 for testing.", "Metabolic Clinic"),
    ],
)
def test_stop17_clinical_text_stays(text: str, keep: str) -> None:
    assert untouched(text, keep)


@pytest.mark.parametrize(
    "text",
    [
        # negative cases: what the new rules must leave alone
        "Week ending 2024 totals were sent.",
        "The account was closed ending 2019 disputes.",
        "O2 at 10l/min via mask; SpO2 94.",
        "ratio 1 / 2 / 1000 dilution in saline",
        "we went out of our way and set 2 place cards on the table for them",
        "Mrs. Ogunleye 45/60 on the screening scale.",
        "she walks a 2 mile loop daily with the dog and feels fine",
        "Insulin held (see MAR) at breakfast.",
        "Lab drawn via the O-R line at noon.",
    ],
)
def test_stop17_new_rules_leave_these_alone(text: str) -> None:
    spans = find_spans(text)
    kept = {"Mrs. Ogunleye 45/60 on the screening scale.": "Ogunleye"}
    if text in kept:
        # a titled name before a score stays a name
        assert covered(text, spans, kept[text])
        assert untouched(text, "45/60")
    else:
        assert spans == [], [text[s.start : s.end] for s in spans]


def test_operating_room_initials_stay_without_the_frame() -> None:
    text = "Mr. Hallam-Orr had a long O-R time; see O-R log."
    out = deidentify(text).text
    assert "Hallam" not in out and out.count("O-R") == 2
