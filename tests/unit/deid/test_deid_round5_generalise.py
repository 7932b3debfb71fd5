"""Round-5 general mechanisms (service.deid.generalise): fresh text, never a corpus line."""

from __future__ import annotations

import pytest

from service.deid import find_spans
from service.deid.gazetteer import fold, places
from service.deid.generalise import protected_ranges, trim
from service.deid.spans import Span
from tests.unit.deid.conftest import covered, untouched


@pytest.mark.parametrize(
    ("text", "phi"),
    [
        # names: "SURNAME, GIVEN M" forms, initials, nicknames, apposition, opening sentence
        ("Re: CALDWELL-OKAFOR, MAY T   DOB on file", "CALDWELL-OKAFOR, MAY T"),
        ("Referral for LINDQVIST, B.K. (see attached).", "LINDQVIST, B.K."),
        ("Client: Thornbury, Oswin   Program: IOP", "Thornbury, Oswin"),
        ("Note keyed by T.W.M. after rounds.", "T.W.M."),
        ('Seen with DRAKE, THEODORE ("Teddy") today.', "Teddy"),
        ("Her brother of 40 years, Casimir, visits daily.", "Casimir"),
        ("Ottoline is a 77-year-old retired typesetter.", "Ottoline"),
        # dates
        ("Group resumes Friday the 3rd after the break.", "Friday the 3rd"),
        ("Clinic closed on Presidents Day; rebooked.", "Presidents Day"),
        ("Wound check moved to Veterans' Day.", "Veterans' Day"),
        ("Port flushed 4/27 without difficulty.", "4/27"),
        ("Echo reviewed (unchanged, 11/19).", "11/19"),
        # ages over 89
        ("Her grandfather lived to 102 on the farm.", "102"),
        ("An aunt was diagnosed in her late 90s.", "in her late 90s"),
        # places from the gazetteer (GeoNames), with and without cues
        ("Supplies come from Tonopah twice a month.", "Tonopah"),
        ("He fishes out of Bandon most summers.", "Bandon"),
        ("Transferred from the Lake Havasu City urgent care.", "Lake Havasu City"),
        ("Retired teacher from Hope, AR; lives alone.", "Hope"),
        # numbers: the catch-all identifier, plates, grid addresses, the last four of an SSN
        ("Pharmacy claim 3309-118274 was denied.", "3309-118274"),
        ("Pathology block 99172053 sent out.", "99172053"),
        ("NV lic. RX 40918 on the label.", "RX 40918"),
        ("Parking pass tied to plate TX KHW 4410.", "KHW 4410"),
        ("Lives at 2250 W 1300 N, Logan.", "2250 W 1300 N"),
        ("SSN on file; last four read back: 7781.", "7781"),
    ],
)
def test_general_forms_are_found(text: str, phi: str) -> None:
    assert covered(text, find_spans(text), phi)


@pytest.mark.parametrize(
    ("text", "keep"),
    [
        # states as states
        ("Moved here from Dayton, OH 45402 last year.", "OH"),
        ("Licensed as an RN (ID board number on file), NV license pending.", "NV"),
        ("Mail goes to Provo, UT until fall.", "UT"),
        # cars
        ("Drives a 2017 Peterbilt 579 for work.", "2017 Peterbilt 579"),
        ("Arrived in a SUBARU OUTBACK, plate on file.", "SUBARU OUTBACK"),
        # genetics
        ("Carrier of MLH1 c.1852_1854delAAG (p.Lys618del).", "c.1852_1854delAAG"),
        ("Carrier of MLH1 c.1852_1854delAAG (p.Lys618del).", "p.Lys618del"),
        # payer names
        ("Prior auth sent to GRANITE VALLEY HEALTH PLAN today.", "GRANITE VALLEY HEALTH PLAN"),
        # numbers that are measurements, ranges, codes or scores
        ("Platelets 245000 this morning.", "245000"),
        ("Target glucose 140-180 while inpatient.", "140-180"),
        ("Billed CPT 99215 and HCPCS G2211.", "99215"),
        ("NDC 0002-8215-01 dispensed.", "0002-8215-01"),
        ("Walked 12000 steps yesterday.", "12000"),
        ("Quadriceps strength 4/5 on the left.", "4/5"),
        ("Pain 3/10 after the dose.", "3/10"),
        ("Took 1/2 tab at night.", "1/2"),
        ("Holter 0800-1130 showed no pauses.", "0800-1130"),
        ("Reviewed under A.R.S. 36-540 criteria.", "A.R.S. 36-540"),
        ("Epworth 11, STOP-BANG 5.", "Epworth 11"),
        # a place word that is an ordinary word, without a place cue
        ("Hope is what keeps her going, she says.", "Hope"),
        ("Normal saline 1 L bolus given.", "Normal"),
        ("Years alone stay: treated 2014-2019, relapse 2021.", "2014-2019"),
    ],
)
def test_clinical_meaning_survives(text: str, keep: str) -> None:
    assert untouched(text, keep)


def test_gazetteer_has_small_towns_and_flags_ordinary_words() -> None:
    gaz = places()
    assert gaz["Tonopah"] is False  # a town name that is no English word
    assert gaz["Hope"] is True  # also an ordinary word: needs a cue
    assert "Espanola" in gaz  # the ASCII fold of "Española" is listed too
    assert fold("Española") == "Espanola"


def test_trim_cuts_protected_ranges_and_separators() -> None:
    text = "Marion, OH 43302"
    start = text.index("OH")
    protected = protected_ranges(text)
    assert (start, start + 2) in protected
    pieces = trim(text, [Span("NAME", 0, start + 2, 0.8)], protected)
    assert [(p.start, p.end) for p in pieces] == [(0, len("Marion"))]
