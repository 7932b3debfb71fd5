"""Probe-17 forms (fresh sentences written for this probe, none from a corpus split): a table
column whose header names an identifier, a place or a person marks its cells; more label words
for other unique numbers (booking, referral, student, grievance, ROI request, "your ref"...;
words that also name a quantity, such as "intake" or "request", only with "#", "no." or a
colon before a code); ages known by their field ("Age (yrs):", "Age/Sex: 92/F", "F, 93,") or
their relative ("wife (92)", "Father: 94,"); a town after "is from", "a native of", "headed
to", "north of", "up by"..., also in an all-capitals note; "X Twp". And the clinical text
beside the same cues that must stay (lab and drug tables, intake volumes, years, clock times,
wards, roles)."""

from __future__ import annotations

import pytest

from service.deid import find_spans
from tests.unit.deid.conftest import covered


@pytest.mark.parametrize(
    ("text", "phi"),
    [
        # a column header naming an identifier, a place or a person applies to its cells
        ("Member ID | Claim ID | DOS\nW88213 | C4471 | 2/3/24", "C4471"),
        ("Accession\tTest\tResult\nH4471\tCBC\tnormal", "H4471"),
        ("Permit ID,Issued,Status\nBX-71,2022,active", "BX-71"),
        ("Visit date | Town | Reason\n3/9 | Hartsel | cough", "Hartsel"),
        ("resident,county,bed\nJ.K.,Oxbow,12", "Oxbow"),
        ("Provider\tRole\nAnselm Korhonen\tPCP", "Anselm Korhonen"),
        ("Interpreter,Language,Minutes\nWren Ostby,Somali,40", "Wren Ostby"),
        # label words for other unique numbers
        ("Booking # 4471 at intake", "4471"),
        ("Referral #: 5520", "5520"),
        ("Student #: 4471", "4471"),
        ("ROI request 2024-3318 closed", "2024-3318"),
        ("Grievance # 2291 filed by the daughter", "2291"),
        ("Your ref 88213, our ref QX-2", "88213"),
        ("Intake #7712 opened by the crisis line", "7712"),
        ("Request: 55-QX", "55-QX"),
        ("Inmate no. 4471 seen at sick call", "4471"),
        ("Citation no. 8817 issued at the scene", "8817"),
        # ages known by their field or their relative
        ("Age (yrs): 91", "91"),
        ("Age in years: 90", "90"),
        ("Age/Sex: 92/F", "92"),
        ("F, 93, fall at home", "93"),
        ("wife (92) is his caregiver", "92"),
        ("Father: 94, hypertension", "94"),
        # a town after a place cue, also in capitals
        ("Pt is from Hartsel and ranches there.", "Hartsel"),
        ("She is a native of Quemado.", "Quemado"),
        ("Son is headed to Wapanucka tonight.", "Wapanucka"),
        ("Lives just north of Oxbow on a farm.", "Oxbow"),
        ("She winters in Vallecito.", "Vallecito"),
        ("PT LIVES IN HARTSEL WITH SON.", "HARTSEL"),
        ("PT COMES FROM QUEMADO, ALONE.", "QUEMADO"),
        ("Resident of Cranberry Twp, Butler Co.", "Cranberry"),
    ],
)
def test_probe17_phi_is_found(text: str, phi: str) -> None:
    assert covered(text, find_spans(text), phi)


@pytest.mark.parametrize(
    ("text", "keep"),
    [
        ("Test | Result | Units\nSodium | 134 | mmol/L\nHgb | 9.8 | g/dL", "134"),
        ("Drug\tDose\tRoute\tOrder #\nheparin\t5000\tSC\t2", "5000"),
        ("Time,Event,Provider\n0830,incision,anesthesia", "anesthesia"),
        ("Unit | Beds | Census\n4 North | 28 | 25", "4 North"),
        ("Name | Role\nPCP | primary", "PCP"),
        ("Name | Dose | Route\nLisinopril | 10 mg | PO\nAtorvastatin | 40 mg | PO", "Lisinopril"),
        ("Name | Dose | Route\nLisinopril | 10 mg | PO\nAtorvastatin | 40 mg | PO", "Atorvastatin"),
        ("Accession | Specimen | Result\npending | blood | no growth", "no growth"),
        ("Intake: 1800 mL  Output: 1200 mL", "1800"),
        ("Intake 2400, output 1900, net +500", "2400"),
        ("Report 3 episodes of emesis overnight.", "3 episodes"),
        ("The 2019 appeal was upheld.", "2019"),
        ("Referral 2023 to PT was never scheduled.", "2023"),
        ("Request: 250 mL bolus", "250 mL"),
        ("APPLICATION FOR 72-HOUR HOLD SIGNED", "72-HOUR"),
        ("Age/Sex: 45/M", "45"),
        ("Wife (65) is her caregiver.", "65"),
        ("Mother: 92 mmHg diastolic at last visit.", "92 mmHg"),
        ("She is from a large family and came to the ED by car.", "ED"),
        ("Headed to the OR at 0730.", "OR"),
        ("PT TRANSFERRED TO ICU FROM ED AT 0200.", "ICU"),
        ("PT LIVES IN SENIOR HOUSING WITH WIFE.", "SENIOR HOUSING"),
        ("PT LIVES IN TEXAS WITH WIFE.", "TEXAS"),
        ("Lives north of the river, uses a walker.", "river"),
    ],
)
def test_probe17_clinical_text_stays(text: str, keep: str) -> None:
    start = text.index(keep)
    end = start + len(keep)
    assert not [s for s in find_spans(text) if s.start < end and s.end > start]
