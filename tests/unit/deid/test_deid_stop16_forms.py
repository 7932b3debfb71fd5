"""Stop-16 forms, from the engineer's own probes (fresh text, never a corpus line): a role at
the head of a sentence names the person after it ("Caseworker Nkechi will follow"), a role
in capitals before ", Name" is no family name ("POA, Delphine"), "d/w", "left VM for",
"thanks to" and "text from" before a name, the people of a letter's copy line, "March the
3rd", "wk of 4/8", the rest of an identifier written in groups ("1188 2293 04"), street
corners, a lower-case rural route; and the clinical text beside them that must stay."""

from __future__ import annotations

import pytest

from service.deid import deidentify, find_spans
from tests.unit.deid.conftest import covered, untouched


@pytest.mark.parametrize(
    ("text", "phi", "category"),
    [
        ("Caseworker Nkechi will follow up on housing.", "Nkechi", "NAME"),
        ("Coach Okafor called about the collapse at practice.", "Okafor", "NAME"),
        ("Spoke with the patient's POA, Delphine, by phone.", "Delphine", "NAME"),
        ("D/w Fitzwilliam, ok to discharge.", "Fitzwilliam", "NAME"),
        ("Left VM for Quillon re: biopsy.", "Quillon", "NAME"),
        ("Thanks to Ikeji for the kind referral.", "Ikeji", "NAME"),
        ("Text from Reza: bringing the meds tonight.", "Reza", "NAME"),
        ("cc: Winterbourne; Halloran", "Winterbourne", "NAME"),
        ("cc: Winterbourne; Halloran", "Halloran", "NAME"),
        ("Copies to: Cardiology, Dr Okoro", "Okoro", "NAME"),
        ("On March the 3rd she fell at home.", "March the 3rd", "DATE"),
        ("Return visit: wk of 4/8.", "4/8", "DATE"),
        ("Medicaid ID 1188 2293 04 on the card.", "1188 2293 04", "HEALTH_PLAN"),
        ("Subscriber ID XZP 8841 2209 (primary).", "XZP 8841 2209", "HEALTH_PLAN"),
        ("Account 4471 2209 8812 is past due.", "4471 2209 8812", "ACCOUNT"),
        ("Found down at the corner of 5th and Main.", "5th and Main", "ADDRESS"),
        ("Struck at the intersection of Pine & 3rd St by a car.", "Pine & 3rd St", "ADDRESS"),
        ("Mail to rural route 2 box 18 please.", "rural route 2 box 18", "ADDRESS"),
        ("Team: Drs. Whitfield, Okoro, and Vance rounded.", "Okoro", "NAME"),
        ("Team: Drs. Whitfield, Okoro, and Vance rounded.", "Whitfield", "NAME"),
        ("Drs Patel, Nguyen at bedside.", "Nguyen", "NAME"),
        ("@Perpetua please call the family back.", "Perpetua", "NAME"),
        ("Her zip code is 30309, she says.", "30309", "ZIP"),
        ("Moved to the 90210 area last year.", "90210", "ZIP"),
        ("Census tract 4412.02 has a food desert.", "4412.02", "LOCATION"),
        ("Lives in Ward 7, Precinct 12.", "12", "LOCATION"),
        ("Farm outside Wayne County, KY.", "Wayne County", "LOCATION"),
        ("Older sibs Jaylen (7) and Amara (4) are healthy.", "Jaylen", "NAME"),
        ("Stepdad Rusty drinks heavily per pt.", "Rusty", "NAME"),
    ],
)
def test_stop16_phi_is_found(text: str, phi: str, category: str) -> None:
    cats = covered(text, find_spans(text), phi)
    assert cats, f"{phi!r} left in the text"
    assert category in cats


@pytest.mark.parametrize(
    ("text", "keep"),
    [
        ("Spoke with the patient's POA, Delphine, by phone.", "POA"),
        ("Coach Okafor called about the collapse at practice.", "Coach"),
        ("In May the 2nd dose was given.", "2nd dose"),
        ("Pharmacist Consult: warfarin dosing.", "Pharmacist Consult"),
        ("Interpreter Services used (Spanish).", "Interpreter Services"),
        ("Guardian Ad Litem appointed.", "Guardian Ad Litem"),
        ("Copies to: Cardiology, Dr Okoro", "Cardiology"),
        ("CC: PCP; File", "PCP"),
        ("MRN 00882134 48 hrs post op, afebrile.", "48 hrs"),
        ("Pacemaker serial PJN448812 12 years old, battery fine.", "12 years"),
        ("ARRAIGNMENT MON 03MAR2025 0900 BY VIDEO", "0900"),
        ("Pain at the corner of Left and Right images? no: corner of the mouth.", "Left"),
        ("Discussed with Poison Control about the ingestion.", "Poison Control"),
        ("Hep B surface Ag negative; Hep C Ab negative.", "Hep C Ab"),
        ("Lupus anticoagulant negative; Factor V Leiden heterozygous.", "Factor V Leiden"),
        ("MELD-Na 22, Child-Pugh B.", "Child-Pugh B"),
        ("Transferred to MICU, then to SICU.", "MICU"),
        ("DRS. OKORO/VANCE AT BEDSIDE", "AT BEDSIDE"),
        ("Plan @Discharge, @Home visit tomorrow.", "@Discharge"),
        ("Lives in ZIP 02139 with her sister.", "ZIP"),
        ("Tumor 12345 area measured twice.", "12345"),
        ("Stepdad Rusty drinks heavily per pt.", "Stepdad"),
        ("Foster mom Mrs. Pettigrew brought him in.", "Foster mom"),
        ("FAMILY HISTORY: Siblings Healthy. Sibs x3 alive.", "Healthy"),
        ("Sibling Donor Search initiated.", "Donor Search"),
        ("Ticket 4471209 12 pages faxed.", "12 pages"),
        ("ID 4471200 45 minutes on hold.", "45 minutes"),
        ("Member ID 88412, Group 0044120.", "Member"),
    ],
)
def test_stop16_clinical_text_stays(text: str, keep: str) -> None:
    assert untouched(text, keep)


def test_a_saint_stays_in_a_name_surrogate() -> None:
    out = deidentify("Pt's wife, Ngozi, is a nurse at St. Joseph's.").text
    assert "St. " in out and "Joseph" not in out and "Ngozi" not in out
