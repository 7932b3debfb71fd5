"""Probe-18 forms (fresh sentences written for this probe, none from a corpus split): street
addresses without a street type (after a compass direction, after a cue that announces a home,
as a block of hundreds), British street types after a house number, a unit letter after a
hyphen, rural grid numbers before a named road, rural routes and routes with a branch letter,
trailer parks; a pet's licence tag, a board's licence kind before its number, a British
registration plate, a file number's letter prefix before a slash; towns known by "the town
of", a distance in miles, "a lifelong X resident", their school and fire department, or a
terse sentence's opening verb ("Drove from X", "Flew in from X"). And
the clinical text beside the same cues that must stay: place-named rules, models and germs,
device makers before their products, concept codes, wards, counts and times."""

from __future__ import annotations

import pytest

from service.deid import find_spans
from tests.unit.deid.conftest import covered, untouched


@pytest.mark.parametrize(
    ("text", "phi"),
    [
        # a street without its type: after a compass direction (three-digit house number)
        ("Staying at the shelter at 501 S. Broadway.", "501 S. Broadway"),
        ("ADDRESS 1401 SOUTH MAIN APT 2", "1401 SOUTH MAIN"),
        # ... after a cue that announces a home
        ("She lives at 44 Mulberry with her mother.", "44 Mulberry"),
        ("Address: 55 Kettle Creek", "55 Kettle Creek"),
        ("Home address: 5 Hillcrest", "5 Hillcrest"),
        ("Lives at 1020 Kingfisher (a group home).", "1020 Kingfisher"),
        ("Lives in unit 4 at 380 Beacon", "380 Beacon"),
        # ... as a block of hundreds
        ("Found outside the 1400 block of Jefferson.", "1400 block of Jefferson"),
        ("The 700 block of Grand was cordoned off.", "700 block of Grand"),
        # British street types after a house number; a unit letter after a hyphen
        ("15-B Larkspur Close", "15-B Larkspur Close"),
        ("Lives at 4b Kensington Gardens.", "4b Kensington Gardens"),
        ("Pt's home (7 Quarry Hill) has 14 steps to enter.", "7 Quarry Hill"),
        # a rural grid number before a named road
        ("N6542 Sunset Rd", "N6542 Sunset Rd"),
        # rural routes, a route's branch letter, the house number and direction around a route
        ("Rt 2 Box 118A", "Rt 2 Box 118A"),
        ("Address: 4471 Rte 9W", "4471 Rte 9W"),
        ("2200 Hwy 61 North", "2200 Hwy 61 North"),
        # a trailer park
        ("Lot 14, Shady Acres Mobile Home Park", "Shady Acres Mobile Home Park"),
        # a pet's licence tag; a board's licence kind before its number
        ("The dog (rabies tag 4471) bit the child on the left hand.", "4471"),
        ("Dog license tag 2291 on the collar", "2291"),
        ("Clinical psychologist, PSY 22814 (CA)", "PSY 22814"),
        ("Counselor: LMHC 40917", "40917"),
        # grouped licence digits before "as"
        ("Pt presented her driver licence no. 7734 5521 09 as photo ID.", "7734 5521 09"),
        # a British registration plate after a registration or vehicle word
        ("Car reg: LB07 SEO", "LB07 SEO"),
        ("Patient's scooter, reg. no. FK62 TWO", "FK62 TWO"),
        # a file number's letter prefix before a slash
        ("Our file no. WC/2291/24", "WC/2291/24"),
        # towns known by the words around them
        ("They are from the town of Tennville.", "Tennville"),
        ("Lives 10 mi N of Pine Hollow.", "Pine Hollow"),
        ("Ranch is 12 miles outside Quemado.", "Quemado"),
        ("She's a lifelong Ophir resident and knows everyone at the clinic.", "Ophir"),
        ("Son attends Ophir Elementary.", "Ophir"),
        ("Volunteer with Ophir Rescue Squad.", "Ophir"),
        ("Brought in by the Hartsel Fire Department.", "Hartsel"),
        # a terse sentence that opens with its verb
        ("Drove from Oakvale this AM.", "Oakvale"),
        ("Flew in from Oakvale last night.", "Oakvale"),
    ],
)
def test_probe18_phi_is_found(text: str, phi: str) -> None:
    assert covered(text, find_spans(text), phi)


@pytest.mark.parametrize(
    ("text", "keep"),
    [
        # place-named rules, models, risks and germs
        ("Seattle Heart Failure Model 1-yr survival 88%", "Seattle Heart Failure Model"),
        ("San Francisco syncope rule low risk", "San Francisco syncope rule"),
        ("Framingham risk 12%", "Framingham risk"),
        ("Coxsackie virus suspected.", "Coxsackie virus"),
        ("Ottawa ankle rules and Canadian C-spine rule applied", "Ottawa ankle rules"),
        ("Gleason score 7, Wells score 4, Geneva score 5", "Geneva score 5"),
        # device makers before their products
        ("Boston Scientific ICD in situ", "Boston Scientific"),
        ("Edwards SAPIEN 3 26 mm valve", "Edwards SAPIEN"),
        ("Abbott MitraClip G4 XTW", "MitraClip"),
        ("Abbott FreeStyle Libre 2 sensor", "FreeStyle Libre"),
        # concept codes
        ("SNOMED 44054006", "44054006"),
        ("CT 4 mm nodule, SNOMED CT 22298006", "22298006"),
        ("LOINC 2160-0, RxCUI 1049630", "1049630"),
        # wards, counts, times, insulin and rhythm beside the new cues
        ("Transferred to 4 East for telemetry.", "4 East"),
        ("Staying at 5 North while bed is cleaned", "5 North"),
        ("Lives at 2 Story home with 14 stairs", "2 Story"),
        ("First degree AV block of 220 ms; 2:1 block of the AV node", "220 ms"),
        ("Dr. Lee, a former Surgery resident, now attending.", "Surgery resident"),
        ("Nurse Edwards ICU charge tonight", "ICU"),
        ("RN 0800 assessment complete; RN 2019 graduate", "0800"),
        ("RN 0800 assessment complete; RN 2019 graduate", "2019"),
        ("Reg insulin 10 units SC", "10 units"),
        ("BP/HR 120/80/72", "120/80/72"),
        ("Lives 2 miles from the hospital", "the hospital"),
        ("Medtronic 3830 SelectSecure lead", "3830"),
        ("Works in Pediatrics at the main campus.", "Pediatrics"),
        ("Dexcom G7 CGM and Omnipod 5 pump", "Omnipod 5"),
        ("NYHA Class II symptoms", "Class II"),
        ("MoCA 24/30 today, down from 27/30.", "MoCA 24/30"),
        ("Room 412, bed B", "Room 412"),
        ("Quit smoking in 2019.", "2019"),
        ("Lyme disease treated; West Nile virus IgM negative.", "West Nile virus"),
        ("Milan criteria met for transplant", "Milan criteria"),
    ],
)
def test_probe18_keep_survives(text: str, keep: str) -> None:
    assert untouched(text, keep)
