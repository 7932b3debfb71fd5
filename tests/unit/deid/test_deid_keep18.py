"""Keep-18 forms (fresh sentences written for a keep-side probe, none from a corpus split):
clinical text that looks like PHI but is the same for every patient. An eponym before a
device, procedure or sign noun ("Blake drain", "Glenn shunt", "Boston brace"); a procedure
code with its modifier ("99214-95", "20610-RT"; a numeric one on an E/M code or after a
billing cue); a high-flow setting ("40L/60%"); a test's parts scored one by one
("Naming 3/3, Recall 2/5", "Understanding 9/16"); a limb beside its motor grade ("LUE 4/5");
a facility named with ordinary words and no town ("Mercy Medical Center", "Lions Eye
Institute"); institutions and companies in a run of capitals ("Lilly Cares", "Amazon
Fulfillment"). And the PHI beside the same frames, which must still be found: titled names
before the nouns, a given name's possessive, numbers with a numeric suffix and no billing cue,
a timeline of dates, towns and regions inside facility names, a family name that is a word."""

from __future__ import annotations

import pytest

from service.deid import find_spans
from tests.unit.deid.conftest import covered, untouched


@pytest.mark.parametrize(
    ("text", "keep"),
    [
        # an eponym before a device, procedure or sign noun
        ("Blake drain removed, site clean.", "Blake drain"),
        ("Glenn shunt at 4 months, Fontan at 3 years.", "Glenn shunt"),
        ("s/p Ross procedure 2015, stable homograft.", "Ross procedure"),
        ("Thomas splint applied in the field.", "Thomas splint"),
        ("Aspen collar for comfort only.", "Aspen collar"),
        ("Boston brace 23 h/day, curve stable.", "Boston brace"),
        ("Roth spots on fundoscopy.", "Roth spots"),
        ("Posey belt discontinued this shift.", "Posey belt"),
        ("Penrose drain in wound, 10 mL serous.", "Penrose drain"),
        # a procedure code with its modifier; codes after a code system's name
        ("Bill 99214-95 (telehealth) with G2211.", "99214-95"),
        ("CPT 20610-RT, 20610-LT for bilateral knee injections.", "20610-RT"),
        ("Procedure code 45380-PT billed.", "45380-PT"),
        ("Billed 93000-59 for the tracing only.", "93000-59"),
        # a high-flow setting
        ("On HFNC 40L/60%, sats 94%.", "40L/60%"),
        # a test's parts scored one by one
        ("WAIS-IV: Understanding 9/16, Similarities 11/19.", "Understanding 9/16"),
        ("MoCA: Naming 3/3, Language 2/3, Abstraction 1/2, Recall 2/5.", "Language 2/3"),
        ("MMSE orientation 9/10, registration 3/3, recall 1/3.", "registration 3/3"),
        # a limb beside its motor grade
        ("Strength 4/5 LUE, 5/5 elsewhere.", "4/5 LUE"),
        ("Strength: RUE 5/5, LUE 4/5.", "LUE 4/5"),
        # a facility named with ordinary words, no town in it
        ("Referred to Lions Eye Institute for corneal graft assessment.", "Lions Eye Institute"),
        ("Care at Mercy Medical Center cardiology clinic.", "Mercy Medical Center"),
        ("Home infusion by Option Care Health.", "Option Care Health"),
        ("Grief support through Journey's Hospice bereavement team.", "Journey's Hospice"),
        ("SENDING FACILITY: MERCY MEDICAL CENTER\nRECEIVING UNIT: MICU", "MERCY MEDICAL CENTER"),
        ("Employee Health cleared staff.", "Employee Health"),
        # institutions and companies in a run of capitals
        ("Enrolled in Lilly Cares patient assistance.", "Lilly Cares"),
        ("Employer: Amazon Fulfillment; light duty requested.", "Amazon Fulfillment"),
        ("Re: Lions Eye Institute referral - they need the OCT.", "Lions Eye Institute"),
    ],
)
def test_keep18_clinical_text_survives(text: str, keep: str) -> None:
    assert untouched(text, keep), find_spans(text)


@pytest.mark.parametrize(
    ("text", "phi"),
    [
        # titled or two-word names before the nouns, a given name's possessive, a verb's object
        ("Dr. Ross procedure note reviewed.", "Ross"),
        ("Dr Blake drain check at 3 pm.", "Blake"),
        ("Mary Ross procedure consent obtained.", "Mary Ross"),
        ("Asked Glenn to sign the consent.", "Glenn"),
        ("Glenn's drain output was 40 mL.", "Glenn"),
        ("Had Rosalind sign in at the front desk.", "Rosalind"),
        # a number with a numeric suffix and no billing cue; a name after a code list
        ("Case # 40512-25 filed with the court.", "40512-25"),
        ("Ref 88213-59 for the claim dispute.", "88213-59"),
        ("CPT 20610-RT entered by Dr. Petrakis.", "Petrakis"),
        ("CPT 99214, seen by Dr. Okoro on 4/2.", "4/2"),
        ("HFNC 40L/60% per RT Maribel Santos.", "Maribel Santos"),
        # a timeline of dates; a score's line that also dates
        ("Surgery 9/16, discharged 9/20.", "9/16"),
        ("Recall visit 6/12, cleaning 6/19.", "6/12"),
        ("MoCA 24/30 on 3/14 with Dr. Hale.", "3/14"),
        # a given name that is a limb's abbreviation, away from a grade
        ("LUE JOHNSON seen in clinic.", "LUE JOHNSON"),
        # towns and regions inside facility names; a family name that is a word
        ("Transferred from Cape Cod Hospital.", "Cape Cod"),
        ("Seen at Harbor Ridge Medical Center.", "Harbor Ridge"),
        ("Baptist Health Louisville ED.", "Louisville"),
        ("Rehab at Quillfeather Health.", "Quillfeather"),
        ("Mother works at Dunmore Family Clinic.", "Dunmore"),
        ("Referred to Tacoma Eye Institute for corneal graft assessment.", "Tacoma"),
        ("Seen by Dr. Amelia Church for follow-up.", "Amelia Church"),
    ],
)
def test_keep18_phi_beside_the_forms_still_found(text: str, phi: str) -> None:
    assert covered(text, find_spans(text), phi), find_spans(text)
