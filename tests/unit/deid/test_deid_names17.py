"""Names-17 forms (fresh sentences written for this probe, none from a corpus split): a name
after a phone or handoff log's verb, "with" written short ("Spoke w/ X", "Met with X", "Brought
in by X", "Social worker X", "informed X"); the line under a closing ("Best,\\nHope"); the two nurses of a
handoff arrow ("RN Ebony -> RN Tomasz"); a relative's word-like given name set off by commas
("Husband, Guy, at bedside"). And the text beside the same frames that must stay: services and
teams that sign, a word that says which nurse ("Charge RN", "Nurse Practitioner"), relatives
listed in a family history, arrows in vitals and plans."""

from __future__ import annotations

import pytest

from service.deid import find_spans
from tests.unit.deid.conftest import covered


@pytest.mark.parametrize(
    ("text", "phi"),
    [
        # a log verb, "with" written "w/", or a handoff's "relieved by"
        ("Spoke w/ Farhad at the pharmacy.", "Farhad"),
        ("spoke w/ Will (son) who agrees", "Will"),
        ("Talked w/ Summer about rides.", "Summer"),
        ("Discussed w/ Hope, the day RN.", "Hope"),
        ("Met with Anselmo before discharge.", "Anselmo"),
        ("Brought in by Bogdana Shevchenko.", "Bogdana Shevchenko"),
        ("Seen with D'Andre LaFleur.", "D'Andre LaFleur"),
        ("Social worker Hope met with family.", "Hope"),
        ("Pt informed Summer of results.", "Summer"),
        ("Met w/ Joy and her aide.", "Joy"),
        # the line under a closing
        ("Best,\nHope", "Hope"),
        ("Thanks,\nTevita", "Tevita"),
        ("Kind regards,\nSummer", "Summer"),
        ("Take care,\nGuy\n", "Guy"),
        ("Sincerely,\nRose", "Rose"),
        # a handoff arrow between two roles
        ("RN Ebony -> RN Tomasz", "Ebony"),
        ("Handoff: CNA Ebony \u2192 CNA Amber at 1900.", "Ebony"),
        # a relative, then a word-like given name set off by commas
        ("Husband, Guy, at bedside.", "Guy"),
        ("Wife, Rose, is HCP.", "Rose"),
        ("Brother, Grant, age 40, is the donor.", "Grant"),
    ],
)
def test_names17_phi_is_found(text: str, phi: str) -> None:
    assert covered(text, find_spans(text), phi)


@pytest.mark.parametrize(
    ("text", "keep"),
    [
        ("Thanks,\nCare Team", "Care Team"),
        ("Regards,\nNursing", "Nursing"),
        ("Thank you,\nPatient Relations", "Patient Relations"),
        ("Sincerely,\nThe Clinic", "The Clinic"),
        ("Thanks,\nCardiology Team", "Cardiology Team"),
        ("Charge RN notified.", "Charge"),
        ("Notified Charge RN at 0300.", "Charge"),
        ("Nurse Practitioner follow-up in 2 weeks.", "Practitioner"),
        ("Nurse Manager aware.", "Manager"),
        ("Mother, Father, and Sister healthy.", "Father"),
        ("Son, Daughter, Wife present.", "Daughter"),
        ("Spoke w/ Pharmacy about dosing.", "Pharmacy"),
        ("Met with Palliative Care.", "Palliative Care"),
        ("Brought in by EMS.", "EMS"),
        ("Relieved by Tylenol.", "Tylenol"),
        ("Covered by Medicaid.", "Medicaid"),
        ("Seen with Ortho today.", "Ortho"),
        ("Social worker Referral placed.", "Referral"),
        ("BP 180 -> 140 after labetalol.", "140"),
        ("Plan: IV -> PO antibiotics.", "PO"),
        ("Informed Consent signed.", "Consent"),
    ],
)
def test_names17_clinical_text_stays(text: str, keep: str) -> None:
    start = text.index(keep)
    end = start + len(keep)
    assert not [s for s in find_spans(text) if s.start < end and s.end > start]
