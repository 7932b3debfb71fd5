"""Round-4 rules (tuned on dev4): each case is new text, not a corpus line."""

from __future__ import annotations

import pytest

from service.deid import find_spans
from tests.unit.deid.conftest import covered, untouched


@pytest.mark.parametrize(
    ("text", "phi"),
    [
        ("08:15 Wife Ingeborg at bedside, asking about the plan.", "Ingeborg"),
        ("Delivered with CNM Marisol Quintanar-Webb in attendance.", "Quintanar-Webb"),
        ("Claimant: Osvaldo Petrakis-Lund, injured at work.", "Osvaldo Petrakis-Lund"),
        ("Maiden name on old chart: Dagny Whitford-Ames.", "Dagny Whitford-Ames"),
        ("Company FEIN 47-2210933 on the claim form.", "47-2210933"),
        ("Driver holds CDL # 51-203-884 (OH).", "51-203-884"),
        ("Portal access code R4T8W2QZ sent by text.", "R4T8W2QZ"),
        ("Secondary Medigap # 7730215-02 on file.", "7730215-02"),
        ("Owns a sedan (plate 7B K2290), no longer drives.", "7B K2290"),
        ("Family meeting set for Thu the 14th at 10:00.", "14th"),
        ("Seen on 4/18 and 4/25 for dressing changes.", "4/25"),
        ("Suture removal kit due back 11/4.", "11/4"),
        ("She uploaded the log yesterday, 8/9.", "8/9"),
        ("Visited Mr. Anselm Broadhurst, 96, in the day room.", "96"),
        ("Her uncle, now 91, drives her to visits.", "91"),
        ('She calls herself "ninety-six and counting".', "ninety-six"),
        ("SSN ending in 7719 confirmed with the caller.", "7719"),
        ("He rents at 212 N Calle Obispo, Nogales.", "212 N Calle Obispo"),
        ("Met him near the loading dock on Harbor Pkwy in Ludington.", "Ludington"),
        ("Mail to 88 Quarry Rd, Zanesville 43701 until May.", "43701"),
        ("Imaging from Trinity Health Oakhaven arrived today.", "Oakhaven"),
    ],
)
def test_round4_phi_is_found(text: str, phi: str) -> None:
    assert covered(text, find_spans(text), phi)


@pytest.mark.parametrize(
    ("text", "keep"),
    [
        ("Vent AC 420/14/PEEP 8/FiO2 40% overnight.", "420/14/PEEP"),
        ("31 yo G2P1001 at 38w1d, contracting.", "G2P1001"),
        ("FHR tracing Category II. Toco shows ctx q3 min.", "Category II"),
        ("Access: R AVF with good thrill.", "R AVF"),
        ("Coded by Jo Anne Pruitt, RHIT, on review.", "RHIT"),
        ("Employer: Lakeshore Logistics, forklift operator.", "Lakeshore Logistics"),
        ("HR now 96, SpO2 94% on room air.", "96"),
        ("Pain 5/5 and 4/5 strength in the left arm.", "4/5"),
    ],
)
def test_round4_clinical_text_is_kept(text: str, keep: str) -> None:
    assert untouched(text, keep)
