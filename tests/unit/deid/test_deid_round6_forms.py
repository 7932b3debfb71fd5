"""Round-6 forms (names, places, dates, numbers): fresh text, never a corpus line."""

from __future__ import annotations

import pytest

from service.deid import find_spans
from tests.unit.deid.conftest import covered, untouched


@pytest.mark.parametrize(
    ("text", "phi"),
    [
        # a nickname in quotes is removed with the quotes, as one name
        ("Resident Philippa 'Pippa' Oyelowo-Grant fell twice.", "Philippa 'Pippa' Oyelowo-Grant"),
        ("Seen with LANGSTROTH, AUGUSTINA (goes by 'Gussie') today.", "Gussie"),
        ("Patient: VANTERPOOL, Idony 'Dee'   Room 4", "Dee"),
        # a double-barrelled family name in capitals before a Title-case given name
        ("Contact traced: ward patient OYENUGA-BRILL, Temperance (bed 6).", "OYENUGA-BRILL"),
        # a family name that is also a word, before a credential
        ("Discussed with Harmony Spring, NP, by phone.", "Harmony Spring"),
        ("Cosigned: Ottilie Marsh, BSW, intake worker.", "Ottilie Marsh"),
        # the family initial and an SSN's last four after a name
        ("VOSKUIJLEN, BARNABY T (V4410) checked in.", "V4410"),
        # dates: a two-digit year after month and day; a dose's date
        ("Born Feb 9 '38 in a farmhouse.", "Feb 9 '38"),
        ("Apixaban held; last dose 6/19 per daughter.", "6/19"),
        # addresses: a rural-route box, a numbered street without a house number
        ("Mail to RR 3 Box 77, then the county road.", "RR 3 Box 77"),
        ("Struck by a car on W 41st St around midnight.", "W 41st St"),
        # places: a town's institutions, a facility branch, a feature named after a town
        ("Uses the computers at the Ellensburg Public Library.", "Ellensburg"),
        ("MIDTOWN URGENT CARE - HUTCHINSON   triage 2", "HUTCHINSON"),
        ("Camps near Granite Creek most nights.", "Granite Creek"),
        # numbers: a lot number in lower case
        ("Graft lot 8831-2207 logged in the implant record.", "8831-2207"),
        # initials: a log line's sign-off, a table cell, an engraving, an initial's full stop
        ("06/02 09:10  Refill faxed to the clinic. -QB", "QB"),
        ("201-07 | T.K.     | 63  | screen fail", "T.K."),
        ("Locket inscribed 'V.H. to L.M. 1961'.", "V.H."),
        ("Consent signed by Wendell P. (nephew).", "Wendell P."),
        # mixed-case degrees and role labels announce a name
        ("Testing by Ingrid Solberg-Amadi, PsyD, on the ward.", "Ingrid Solberg-Amadi"),
        ("Technologist: Perpetua Lindqvist   Room 2", "Perpetua Lindqvist"),
        ("Lead checked by rep Osgood Farthing at 14:10.", "Osgood Farthing"),
        ("Decedent: CORNELIUS 'CORKY' VANDERHOOF-ADU   Sex: M", "CORNELIUS 'CORKY' VANDERHOOF-ADU"),
        # dates: a day range after a month, a month and a two-digit year, a week's start
        ("Retrieval window Apr 14-16 per protocol.", "Apr 14-16"),
        ("Last eye exam Sep '23 at the mobile van.", "Sep '23"),
        ("Calls for the week of 3/17: none returned.", "3/17"),
        ("Born on Xmas Eve during a storm.", "Xmas Eve"),
        # numbers: a licence after its state, a dotted licence, a group number, a UID
        ("CDL: OR K4471920 restricted.", "K4471920"),
        ("Board license 047.228915 active.", "047.228915"),
        ("Plan: Regence, group 77310.", "77310"),
        ("Series UID 2.16.840.1.113883.3.7781.55 archived.", "2.16.840.1.113883.3.7781.55"),
        # places: a ZIP after the town, a town abroad with its country, a county abbreviated
        ("Mail: 41 ELM ST, YREKA 96097", "96097"),
        ("Camp stay in Dadaab, Kenya before arrival.", "Dadaab"),
        ("Held at the Knox Co. detention center.", "Knox Co."),
        ("Suite: 1200 N Halsted St, 4th Floor", "1200 N Halsted St, 4th Floor"),
    ],
)
def test_round6_forms_are_found(text: str, phi: str) -> None:
    assert covered(text, find_spans(text), phi)


@pytest.mark.parametrize(
    ("text", "keep"),
    [
        # a time after an ISO date
        ("Arrived 2025-06-14T07:45 by ambulance.", "07:45"),
        # a side letter after an abbreviation, a grade or class letter
        ("Excised SCC, R temple, margins clear.", "SCC, R temple"),
        ("Head US: grade II IVH R. Repeat in one week.", "grade II IVH R"),
        ("Tympanogram type B AS, flat.", "type B AS"),
        # a state that issued a licence before the credential
        ("Signed by the charge nurse (NM RN lic. 40-1182).", "NM"),
        ("Vet's note lists MT RN license pending.", "MT"),
        # degrees after a name stay out of the name
        ("Reviewed with Amara Quist, MD, DTM&H.", "DTM&H"),
        # a scale named after a town; an instrument written as a hyphenated acronym
        ("Skin tear, Payette type 1, dressed.", "Payette type 1"),
        ("HAS-BLED 3/9 and CHA2DS2-VASc 4/9 reviewed.", "HAS-BLED 3/9"),
        # a frequency range, a form number, a model number before its serial
        ("Hearing loss across 250-8000 Hz bilaterally.", "250-8000 Hz"),
        ("Filed on Form DHS-2210 rev 2021.", "Form DHS-2210"),
        ("Alarm (Acme Guard PX-4400B, serial 7730-99812) failed.", "PX-4400B"),
        # a time before "Dr.", a cognitive screen, a language, a trial number, an eponym abroad
        ("06/03 16:40 Called Dr. office, no answer.", "16:40"),
        ("Sec C: BIMS 11/15, intact.", "BIMS 11/15"),
        ("Interpreter: Tigrinya, by video.", "Tigrinya"),
        ("Enrolled under NCT04417789 last spring.", "NCT04417789"),
        ("Lecture on Parkinson, Canada's cohort.", "Parkinson"),
    ],
)
def test_round6_clinical_text_is_kept(text: str, keep: str) -> None:
    assert untouched(text, keep)


def test_two_digit_year_joins_only_a_date() -> None:
    # an apostrophe year after something that is not a date is left alone (years alone stay)
    text = "Class of '88 reunion; dose 5 mg"
    assert find_spans(text) == []
