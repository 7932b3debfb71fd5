"""Round-8 forms: spoken e-mails, SSN endings, holidays and acronyms in capitals, initials in a
flowsheet column, weekdays leading a date, coordinates, tail numbers, owners and relatives in
brackets, payers and temperatures that must stay. Fresh text, never a corpus line."""

from __future__ import annotations

import pytest

from service.deid import deidentify, find_spans, prepare
from service.deid.dates import shift_date
from service.deid.wordlist import common_words, proper_nouns
from tests.unit.deid.conftest import covered, untouched


@pytest.mark.parametrize(
    ("text", "phi", "category"),
    [
        # a dictated e-mail address ends in " dot <domain>"
        (
            "please copy her son at marcus dot o underscore leary at example dot org today",
            "marcus dot o underscore leary at example dot org",
            "EMAIL",
        ),
        ("SSN ON FILE ENDING 5521, VERIFIED AT DESK", "5521", "SSN"),
        ("her ssn ending with 0934 was read back", "0934", "SSN"),
        ("FELL AT HOME ON THANKSGIVING DAY, SON AWARE", "THANKSGIVING DAY", "DATE"),
        (
            "Surgery is set for Thursday, October 9, 2025 at 07:30.",
            "Thursday, October 9, 2025",
            "DATE",
        ),
        ("Infusion booked for the 21st; bring the pump.", "21st", "DATE"),
        ("Hikers found at 44.2013 N, 121.4476 W after dark.", "44.2013 N, 121.4476 W", "LOCATION"),
        ("GPS fix 39.7392, -104.9903 sent to dispatch.", "39.7392, -104.9903", "LOCATION"),
        ("Flown by medevac, tail number N728PM, to the trauma center.", "N728PM", "VEHICLE"),
        (
            "Farm dog bite; owner Teodora Vasquez-Lind will bring records.",
            "Teodora Vasquez-Lind",
            "NAME",
        ),
        ("Contacts: Brennan Oakhurst (brother) 555-0142.", "Brennan Oakhurst", "NAME"),
        (
            "Letter requested by Atty. Philippa Grosvenor-Hale on behalf of the family.",
            "Philippa Grosvenor-Hale",
            "NAME",
        ),
        ("Consult with Dr. Amira ul-Haq Rahimi this afternoon.", "Amira ul-Haq Rahimi", "NAME"),
        ("Scrub tech: Dorian Fairweather, CST; circulator present.", "Dorian Fairweather", "NAME"),
        (
            "Mailing: 4410 Camino del Sol SW, Unit 12, Tucson",
            "4410 Camino del Sol SW, Unit 12",
            "ADDRESS",
        ),
        ("Follow-up at our Sumner clinic next month.", "Sumner", "LOCATION"),
        (
            "Works nights at Harbor Freight Depot, Port Orchard; no other job.",
            "Port Orchard",
            "LOCATION",
        ),
        ("Filed in the Middlesex Probate and Family Court last spring.", "Middlesex", "LOCATION"),
    ],
)
def test_round8_phi_is_found(text: str, phi: str, category: str) -> None:
    cats = covered(text, find_spans(text), phi)
    assert cats, f"{phi!r} left in the text"
    assert category in cats


def test_flowsheet_initials_follow_the_signed_name() -> None:
    text = (
        "0900  arrived, vitals stable          TM\n"
        "0930  tolerating treatment            TM\n"
        "Operator: Talia Marchetti, CHT. BP 118/76, NS 500 mL hung     NS\n"
    )
    spans = find_spans(text)
    initials = [s for s in spans if text[s.start : s.end] == "TM"]
    assert len(initials) == 2
    assert covered(text, spans, "Talia Marchetti")
    # "NS" closes a line too, but it is saline, not anyone's initials
    assert not any(text[s.start : s.end] == "NS" for s in spans)


def test_dictated_clinician_with_word_surname() -> None:
    text = "the referring physician is dr corinne fields, and she agrees with the plan."
    assert covered(text, find_spans(text), "corinne fields")
    assert untouched(text, "agrees with the plan")


def test_lower_case_town_before_state_and_zip() -> None:
    text = "mailing address 19 alder court unit 2 bellingham washington 98225 on file."
    assert covered(text, find_spans(text), "bellingham")


@pytest.mark.parametrize(
    ("text", "keep"),
    [
        ("Vitals: T 101.3F, HR 104, RR 22.", "101.3F"),
        ("Applied a SAM splint to the forearm.", "SAM splint"),
        ("Mother, Odile Brassard (mother, POA), consents.", "POA"),
        ("Coverage: Molina Healthcare of Ohio; copay $0.", "Molina Healthcare of Ohio"),
        ("Billing: Apple Health, client ID pending.", "Apple Health"),
        ("Kiran Deshpande, MD, Geriatric Medicine, reviewed the chart.", "Geriatric Medicine"),
        ("CAR: 2012 SUBARU OUTBACK, HI PLATE RTK 903", "HI PLATE"),
        ("Departed Sun 12 Oct 2025 1415, arrived 1530.", "1415"),
    ],
)
def test_round8_keep_strings_survive(text: str, keep: str) -> None:
    assert untouched(text, keep)


def test_weekday_is_rewritten_for_the_shifted_date() -> None:
    assert shift_date("Thursday, October 9, 2025", 3) == "Sunday, October 12, 2025"
    assert shift_date("FRI 3/7/2025", 1) == "SAT 3/8/2025"
    assert shift_date("Mon the 2nd", 1) is not None


def test_weekday_date_is_shifted_as_one() -> None:
    out = deidentify("Surgery is set for Thursday, October 9, 2025 at 07:30.").text
    assert "Thursday, October 9" not in out
    assert "07:30" in out


def test_prepare_loads_the_word_lists_ahead_of_the_first_note() -> None:
    common_words.cache_clear()
    proper_nouns.cache_clear()
    prepare()
    assert common_words.cache_info().currsize == 1
    assert proper_nouns.cache_info().currsize == 1
    assert "splint" in common_words()
