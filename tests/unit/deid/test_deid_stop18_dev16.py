"""Stop-18 forms read off the tuning split dev16 (ex-heldout15; every sentence here is fresh,
none is a corpus line): a named person's initials wherever the note marks them as a signature
(a legend, a table cell of their own, a dated entry's head, a bracket, "Co-signed") and then
everywhere they stand alone; initials of names in capitals, in another script or written as
initials; month/days after a schedule's numbered day, before "Day N" or "in" a room, in a row of
dates, before a clause that holds a pressure; HL7 segments after an export's row label and
family^given names outside a segment; a quoted nickname after a found name; a relative by
marriage; a name that is also a word, once the note names someone with it (a given name in
mid-sentence or before a verb, a family name after an initial); a lower-case "dr."; a camel-case
login; an appositive age after a name in another script; a licence number's own letter; the last
four of a phone; towns after a street and a comma, after a hospital's suite, before a town's
trades, after a compound birthplace label. Kept: scores' totals and Allred scores, "2/2" for
"secondary to", a catalogue number shaped as an ISO date, a model year and an ambiguous make,
federal rule numbers, LOINC codes, letters that are an abbreviation, an eponym beside a found
family name, a trade name on an English word."""

from __future__ import annotations

import pytest

from service.deid import find_spans
from service.deid.recognizers import _word_before
from service.deid.spans import Span
from tests.unit.deid.conftest import covered, untouched


def _covered_nth(text: str, spans: list[Span], needle: str, nth: int) -> bool:
    """Whether the ``nth`` (0-based) occurrence of ``needle`` is covered in full."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    end = start + len(needle)
    flags = bytearray(end - start)
    for s in spans:
        for i in range(max(s.start, start), min(s.end, end)):
            flags[i - start] = 1
    return all(flags)


@pytest.mark.parametrize(
    ("text", "needle", "nth"),
    [
        # a legend names the initials; then they are the person wherever they stand alone
        (
            "LEGEND: RM = Rhea Mallory, LPN | TQ = Tomas Quill, RN\n"
            "   3/01 0800 RM | 3/02 0800 H (SBP 88) TQ | 3/03 0800 RM\n"
            "   3/01-3/03 2000 TQ; given.",
            "TQ",
            1,
        ),
        (
            "LEGEND: RM = Rhea Mallory, LPN | TQ = Tomas Quill, RN\n"
            "   3/01 0800 RM | 3/02 0800 H (SBP 88) TQ | 3/03 0800 RM\n"
            "   3/01-3/03 2000 TQ; given.",
            "TQ",
            2,
        ),
        # a log's BY column: the initials in a cell of their own
        (
            "Nurse: Odette Varn, RN, LSN\nDATE | DOSE    | BY | NOTE\n"
            "4/02 | 2 puffs | OV | calm\n4/09 | 2 puffs | OV | wheezy after recess",
            "OV",
            1,
        ),
        # a dated entry headed by the writer's initials and a colon
        (
            "Coordinator: Bram Thornquist, RN, CCTC\n4/2 BT: left a message for the donor.\n"
            "4/9 BT: donor called back.",
            "BT",
            1,
        ),
        # a name in capitals with a role after the comma; the initials open a bracket
        (
            "CREW LEAD: SAMIR KOLLBERG, PARAMEDIC\nADDENDUM (SK, 06/02/25 10:15): son called.",
            "SK",
            0,
        ),
        # a family name in another script; "Co-signed" before the initials
        (
            "Supervising MD: Dr. Anh V. Trương\nSigned N. Pell, FNP   Co-signed AVT 06/03/2025",
            "AVT",
            0,
        ),
        # a name written as initials, its initials before it and at the end of a line
        (
            "-- RPL / R. P. Lindqvist, MD (hospitalist)\nAddendum 1700: wound unchanged. RPL",
            "RPL",
            1,
        ),
        # a state code as initials, in a cell of their own
        (
            "sub nurse Ada Kovic, RN\nDATE | BY | NOTE\n5/2 | AK | spacer given",
            "AK",
            0,
        ),
        # month/days after a schedule's numbered day, before "Day N", after "Day 14 dose"
        ("Day 3 7/15 | Day 7 7/19 | Day 14 7/26 at the county clinic", "7/15", 0),
        ("Day 3 7/15 | Day 7 7/19 | Day 14 7/26 at the county clinic", "7/19", 0),
        ("7/15 Day 3 given; arm sore, 2/10.", "7/15", 0),
        ("Plan: Day 14 dose 7/26, then close the case.", "7/26", 0),
        # a fall "in" a room (not inches)
        ("Fall 8/21 in kitchen reaching for a pan.", "8/21", 0),
        # a row of month/days heading a lab trend
        (
            "Trend      10/28   10/29   10/30   10/31\nNa         131     133     135     136",
            "10/30",
            0,
        ),
        (
            "Trend      10/28   10/29   10/30   10/31\nNa         131     133     135     136",
            "10/31",
            0,
        ),
        # a range before a clause that holds a pressure
        ("   10/02-10/05 0800 RM; BP 96/60 held once.", "10/02", 0),
        # an HL7 segment after an export's row label; a family^given name in prose
        (
            "#PT | PID|1||A4471^^^HOSP^MR||QUIMBY^HAROLD^T||19510304|M|||12 Elm Rd^^Salina^KS^67401",
            "QUIMBY^HAROLD^T",
            0,
        ),
        (
            "#PT | PID|1||A4471^^^HOSP^MR||QUIMBY^HAROLD^T||19510304|M|||12 Elm Rd^^Salina^KS^67401",
            "67401",
            0,
        ),
        ("#CC | FENWICK^DOROTHY^A NP (heart clinic) fax pending", "FENWICK^DOROTHY^A", 0),
        # a quoted nickname after a found name, and where it recurs
        (
            'Patient: OSTRANDER, Edmund K. ("Neil")   Age: 88\nNeil ran a machine shop for years.',
            "Neil",
            1,
        ),
        # a word-like given name of someone named in the note: mid-sentence, before a verb
        (
            "Parent: Joy Halverson (mother)\nSchool called home, Joy answered at 14:10.",
            "Joy",
            1,
        ),
        (
            "Husband Rocky Delmar at bedside overnight. Rocky says she slept well.",
            "Rocky",
            1,
        ),
        # a word-like family name after an initial
        (
            "Jolie N. Bishop seen for wrist sprain.\nPatient signature: J. Bishop   20:40",
            "Bishop",
            1,
        ),
        # a title in lower case in a chat
        ("yes in january. also my endo dr. Quellmark is on leave til April", "Quellmark", 0),
        # a camel-case login: an initial glued to a found family name
        ("Printed 02/03/2025 by TWexford\nNurse: Tilda Wexford, RN", "TWexford", 0),
        # an appositive age after a name in another script
        ("Her father, Ông Lê Văn Thưởng, 94, lives with her in Huế.", "94", 0),
        # a licence number's own letter after "lic."
        ("Therapist: Ivo Dane, PT   MN PT lic. K 2204917", "K 2204917", 0),
        # the last four of a phone
        ("[08:01:12] SYSTEM: verified by DOB + last 4 of phone (7731).", "7731", 0),
        # towns: after a street and a comma; after a hospital's suite; before a town's trade;
        # after a compound birthplace label
        ("Rx to the Kwik Drug on Delmar Ave, Westminster, fax 555-0101.", "Westminster", 0),
        ("Doses at Baylight Hospital infusion suite, Newport (chair 4).", "Newport", 0),
        ("He drives a forklift at Newport Distribution Center on nights.", "Newport", 0),
        ("City/town of birth: Gondar   Country of birth: Ethiopia", "Gondar", 0),
    ],
)
def test_dev16_phi_is_found(text: str, needle: str, nth: int) -> None:
    assert _covered_nth(text, find_spans(text), needle, nth), f"{needle!r} #{nth} left"


@pytest.mark.parametrize(
    ("text", "keep"),
    [
        # a score's total, an Allred score, "2/2" for "secondary to"
        ("Nottingham grade 3 (tubules 3, nuclei 3, mitoses 2; total 8/9).", "8/9"),
        ("ER positive, 90% strong (Allred 7/8).", "7/8"),
        ("AKI 2/2 dehydration, improving with fluids.", "2/2 dehydration"),
        # a model year and a make that is also a word
        ("Vehicle: 2004 Mercury Sable, silver, in the driveway.", "2004 Mercury Sable"),
        # a federal rule's number
        ("as the final rule requires (CMS-1750-F).", "CMS-1750-F"),
        # LOINC codes (their check digit holds) in a note that names the code system
        ("LOINC table:\neGFR        | 62238-1 | 58\nNT-proBNP   | 33762-6 | 880", "62238-1"),
        ("LOINC table:\neGFR        | 62238-1 | 58\nNT-proBNP   | 33762-6 | 880", "33762-6"),
        # a fraction in inches; motor grades in a row are no row of dates
        ("Wound 1/2 in deep, clean base.", "1/2 in"),
        ("Strength 5/5 4/5 5/5 4/5 bilaterally.", "5/5 4/5 5/5 4/5"),
        # an eponym beside a found family name that is also one
        ("Daughter Renata Bell visits daily. Hx Bell's palsy, resolved.", "Bell's palsy"),
        # a trade name on an English word
        ("Keystone Medical Supply delivered the bed today.", "Keystone Medical Supply"),
        # letters that are an abbreviation stay in prose, a person's initials or not
        ("Nurse: Paula Evans, RN\n0800 vitals stable PE\nr/o PE, CTA ordered at 0900.", "r/o PE"),
        ("PMH (DM, HTN). Seen by Dana Moss, NP.", "DM, HTN"),
        ("Pt's phone cell 555-0100; last dose 4/2 per pharmacy.", "last dose"),
    ],
)
def test_dev16_clinical_text_is_kept(text: str, keep: str) -> None:
    assert untouched(text, keep)


def test_a_relative_by_marriage_is_read_whole() -> None:
    # "son-in-law Grant Bell": the word before the name is the relative, not "law"
    text = "with her son-in-law Grant"
    assert _word_before(text, text.index("Grant")) == "son-in-law"
    text = "with her son Grant"
    assert _word_before(text, text.index("Grant")) == "son"


def test_a_catalogue_number_shaped_as_an_iso_date_is_no_date() -> None:
    text = "Clip placed: ribbon marker, lot QX24-11872, ref 3090-06-12"
    assert not any(s.category == "DATE" for s in find_spans(text))


def test_initials_that_are_a_word_are_still_read_at_a_lines_end() -> None:
    # "PE" is Paula Evans's mark at the end of a flowsheet line (a frame read before stop 18)
    text = "Nurse: Paula Evans, RN\n0800 vitals stable PE\nr/o PE, CTA ordered at 0900."
    assert covered(text, find_spans(text), "stable PE") or _covered_nth(
        text, find_spans(text), "PE", 0
    )
