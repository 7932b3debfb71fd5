"""Probe-18 date forms (fresh sentences written for this probe, none from a corpus split):
a military date glued into one token ("04JUN2024", "4JUN24", "11JUN"), "Jun." and "Jul." with
their dot, a month and day joined by a hyphen ("Jun-24") or a month and year by a slash
("Mar/2024"), ordinals in capitals ("JUNE 4TH", "THE 3RD"), a day of the month after "the" and
any other word when its clause ends there or a range or a clause of cause follows ("Symptoms
began the 21st.", "Stopped the 28th due to rash"), dates in file names after an underscore
("scan_20240604.pdf", "export_2024-06-04.csv") and month-first compact dates ("06042024"),
ranges of days before their month ("12th-14th June", "3-5 June 2024") and a second day joined
by a word ("June 3 thru 7", "June 3rd and 5th"), a quarter with its year ("Q2 2024", "the
second quarter of 2023"; Safe Harbor is silent on quarters: they are read as the seasons with a
year already are), month words that are nothing else ("Seen Sept by derm"), "this past March",
a lower-case "may" before a day in words, more holidays (Boxing Day, Lunar New Year, Ash
Wednesday...), and German, Dutch, Italian, Polish and Tagalog month names ("am 4. Juni", "4
giugno 2024", "dnia 4 czerwca", "w maju 2024", "noong Hunyo 4, 2024", "ika-4 ng Hunyo"). And the
clinical look-alikes beside the same forms that must stay: counts of ordinals, virus types,
insulin doses by meal, ventilator pressures, page and trial counters, version numbers, fiscal
quarters, dosing intervals, half-normal saline."""

from __future__ import annotations

import pytest

from service.deid import find_spans
from service.deid.dates import shift_date
from tests.unit.deid.conftest import covered, untouched


@pytest.mark.parametrize(
    ("text", "phi"),
    [
        # a military date glued into one token
        ("PPD placed 4JUN24, read 6JUN24.", "4JUN24"),
        ("PPD placed 4JUN24, read 6JUN24.", "6JUN24"),
        ("Return 11JUN.", "11JUN"),
        # "Jun." and "Jul." with their dot; a hyphen or a slash after the month
        ("Return Jun. 4.", "Jun. 4"),
        ("Seen Jul. 12th in clinic.", "Jul. 12th"),
        ("Diagnosed Jun-24.", "Jun-24"),
        ("Last A1c Mar/2024 7.1%.", "Mar/2024"),
        # ordinals in capitals
        ("ADMITTED JUNE 4TH", "JUNE 4TH"),
        ("FELL THE 3RD.", "3RD"),
        # a day of the month after "the" and another word
        ("Symptoms began the 21st.", "21st"),
        ("Last drink was the 2nd.", "2nd"),
        ("Stopped the 28th due to rash.", "28th"),
        ("Rx refill due the 30th.", "30th"),
        ("Fell the 3rd of last month.", "3rd"),
        ("Hosp course: ICU the 2nd to the 5th.", "2nd"),
        # dates in file names; month-first compact dates
        ("See attached scan_20240604.pdf", "20240604"),
        ("export_2024-06-04.csv attached", "2024-06-04"),
        ("path_report_06042024.pdf", "06042024"),
        # ranges of days
        ("In ICU 12th-14th June.", "12th-14th"),
        ("Admitted 3-5 June 2024.", "3-5"),
        ("Vacation June 3 thru 7.", "7"),
        ("Seen June 3rd and 5th.", "5th"),
        # a quarter with its year
        ("Last seen Q2 2024 by cardiology.", "Q2 2024"),
        ("Moved here in the second quarter of 2023.", "second quarter"),
        # a month word that is nothing else; "this past March"
        ("Seen Sept by derm (no change).", "Sept"),
        ("Relapsed October, per sister.", "October"),
        ("Was well until this past March.", "March"),
        # a lower-case "may" before a day in words
        ("last period was may twenty third", "may twenty third"),
        # more holidays
        ("Symptoms since Boxing Day.", "Boxing Day"),
        ("Travelled home for Lunar New Year.", "Lunar New Year"),
        ("Fell on Ash Wednesday.", "Ash Wednesday"),
        # German, Dutch, Italian, Polish and Tagalog month names
        ("Seit dem 4. Juni 2024 Schmerzen.", "4. Juni 2024"),
        ("Termin am 4. Juni.", "4. Juni"),
        ("Operation im Mai 2024.", "Mai"),
        ("Geburtsdatum: 6. April 1952", "6."),
        ("Opgenomen op 4 juni 2024.", "4 juni 2024"),
        ("Ricoverato il 4 giugno.", "4 giugno"),
        ("Dimesso a giugno 2024.", "giugno"),
        ("Wizyta dnia 4 czerwca.", "4 czerwca"),
        ("Operowany w maju 2024.", "maju"),
        ("Urodzony 6 kwietnia 1952.", "6 kwietnia"),
        ("Nanganak noong Hunyo 4, 2024.", "Hunyo 4"),
        ("Check-up sa ika-4 ng Hunyo.", "ika-4 ng Hunyo"),
        ("Bumalik noong Mayo 2024.", "Mayo"),
    ],
)
def test_probe18_dates_found(text: str, phi: str) -> None:
    assert covered(text, find_spans(text), phi)


@pytest.mark.parametrize(
    ("text", "keep"),
    [
        # ordinals that count things
        ("Fractured the 5th metacarpal.", "5th"),
        ("Extracted the 3rd molar today.", "3rd"),
        ("Tender over the 4th and 5th metatarsals.", "4th"),
        ("Tender over the 2nd to 5th metatarsals.", "2nd"),
        ("Baby is in the 10th percentile.", "10th"),
        ("She is the 2nd of four children.", "2nd"),
        ("Started the 2nd round of chemo.", "2nd"),
        ("Reviewed the 5th edition, per guideline.", "5th"),
        ("3rd-5th metatarsals", "3rd-5th"),
        # virus types, insulin by meal, ventilator pressures, counters, versions
        ("HIV 1/2 Ab negative", "1/2"),
        ("HSV 1/2 IgG", "1/2"),
        ("Insulin 10/10/10 with meals", "10/10/10"),
        ("Novolog 6/6/8 units with meals", "6/6/8"),
        ("FiO2 40% on 5/5 PS/PEEP", "5/5"),
        ("PEEP 10, PS 12/5", "12/5"),
        ("CPAP 10/5", "10/5"),
        ("Ottawa knee rule negative; 4/4 steps", "4/4"),
        ("Audit-C 5/12", "5/12"),
        ("Page 2/3", "2/3"),
        ("Trial 1/3", "1/3"),
        ("Steps 12/12", "12/12"),
        ("Cups 6/8", "6/8"),
        ("1/2 NS at 75 mL/h", "1/2"),
        ("Version 10.2.24", "10.2.24"),
        # a fiscal quarter; dosing intervals; a range of grades; the verb "may"
        ("FY24 Q2 2024 report", "Q2 2024"),
        ("q2h turns, Q4H vitals", "Q4H"),
        ("Grade 1-2 June review", "1-2"),
        ("Take 1-2 May consider more", "1-2"),
        ("Patient may first need a ride.", "may first"),
        # month words inside other words; a year alone; "Mayo" as the clinic
        ("Septic shock", "Septic"),
        ("Febrile to 39.1", "Febrile"),
        ("Major depressive disorder since 2019", "2019"),
        ("Referred to Mayo 2019 for a second opinion.", "2019"),
        ("Fell on Thanksgiving Day 2023.", "2023"),
        # look-alikes from the probe's keep list
        ("BP 132/84, HR 88", "132/84"),
        ("Pain 3/10.", "3/10"),
        ("MoCA 24/30", "24/30"),
        ("G2P1 at 36w2d", "36w2d"),
        ("Oxycodone 5 mg q4-6h PRN", "q4-6h"),
        ("WBC 4.5-11.0 normal range", "4.5-11.0"),
        ("Lived in Ohio 2019-2021.", "2019-2021"),
        ("Vision 20/20 OU", "20/20"),
        ("Sitter 24/7", "24/7"),
    ],
)
def test_probe18_date_lookalikes_survive(text: str, keep: str) -> None:
    assert untouched(text, keep)


@pytest.mark.parametrize(
    ("value", "shifted"),
    [
        ("04JUN2024", "07JUN2024"),
        ("4JUN24", "7JUN24"),
        ("11JUN", "14JUN"),
        ("Jun. 4", "Jun. 7"),
        ("Jun-24", "Jun-27"),
        ("JUNE 4TH", "JUNE 7TH"),
        ("THE 3RD", "THE 6TH"),
        ("06042024", "06072024"),
        ("20240604", "20240607"),
        ("MAR-11-2025", "MAR-14-2025"),
    ],
)
def test_probe18_new_date_forms_shift_in_their_format(value: str, shifted: str) -> None:
    assert shift_date(value, 3) == shifted


def test_probe18_eight_digits_led_by_zero_are_no_year() -> None:
    # "00720514" is no year 72: an identifier, not a date
    assert shift_date("00720514", 3) is None
