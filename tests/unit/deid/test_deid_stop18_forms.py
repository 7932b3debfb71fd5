"""Stop-18 forms (classes read off the tuning split dev15, ex-heldout14; every sentence here is
fresh, none is a corpus line): an export's snake_case CSV header over quoted cells, a labelled
identifier restated bare in prose, name and place spans that ran across a TSV row's tabs, towns
named by a settlement word ("... Falls", "... Junction", "Port ...") or by an English or Slavic
town ending after "in"/"from" or before an institution's word, towns in capitals before a
state, OCR's look-alikes inside a short date part, a day or an age, and OCR's digits inside
names; a relative in brackets after a name ("(pt's nephew, ..."), school staff as a title, an
age after a bracket or a word of status, the year after a day range; and the clinical text
beside them that must stay (ISBT 128 product codes, "DAT neg", "L&D", a gauge before a side,
interpreter credentials and dotted degrees, a model number before its serial, a count joined to
its noun, visit frequencies, federal form numbers, a fax's page counter, spelled-out amounts
with their unit)."""

from __future__ import annotations

from typing import Any

import pytest

from service.deid import DeidContext, find_spans
from tests.unit.deid.conftest import covered, untouched


@pytest.mark.parametrize(
    ("text", "phi", "category"),
    [
        # an export's snake_case header names its column, quoted cells keep the row's width
        (
            'subject_id,visit_date,"full_name",card_last4,notes\n'
            '14-203,2024-06-02,"Moreau, Lise",8812,"fasting, no issues"\n'
            '14-204,2024-06-03,"Tran, Bao",1170,ok',
            "14-204",
            "ID",
        ),
        (
            'subject_id,visit_date,"full_name",card_last4,notes\n'
            '14-203,2024-06-02,"Moreau, Lise",8812,"fasting, no issues"',
            "8812",
            "ACCOUNT",
        ),
        # a settlement word after the town's own word, with a place cue or a state
        ("Her son is driving down from Tamberly Falls tonight.", "Tamberly Falls", "LOCATION"),
        ("He hauls grain out of Hadley Junction most weeks.", "Hadley Junction", "LOCATION"),
        ("Mail goes to a box in Corwin Crossing now.", "Corwin Crossing", "LOCATION"),
        ("The ferry from Tessaly Bay runs twice a day.", "Tessaly Bay", "LOCATION"),
        ("Visited family in Osterby Hts over the weekend.", "Osterby Hts", "LOCATION"),
        ("A nephew from Port Vellacourt phoned.", "Port Vellacourt", "LOCATION"),
        ("The bus from Kessel Springs was late.", "Kessel Springs", "LOCATION"),
        # a town's ending after "in"/"from", or before an institution's word
        ("Her sister is in Varenovsk and calls weekly.", "Varenovsk", "LOCATION"),
        ("The ambulance from Ashenford arrived at 0300.", "Ashenford", "LOCATION"),
        ("Labs sent to Tillinghaven Transplant Ctr today.", "Tillinghaven", "LOCATION"),
        ("COUNTY CARE - MARROWGATE UNIT  census sheet", "MARROWGATE", "LOCATION"),
        # towns in capitals before a state code on a line written in capitals
        ("RECEIVING: ST. ELOI HOSPITAL, QUILLBROOK, NV   ICU BED 4", "QUILLBROOK", "LOCATION"),
        ("SON IN DUNMORROW, WY AWARE OF TRANSFER", "DUNMORROW", "LOCATION"),
        # OCR's look-alikes in a short date part, a day after a month, an age after "to"
        ("Fax date: O4/1l/2024  Tel 555-O134", "O4/1l/2024", "DATE"),
        ("We spoke on 5/1O. Call 555-O134 back.", "5/1O", "DATE"),
        ("Re: visit of June 2l, 2024 - ph 555-O134", "June 2l, 2024", "DATE"),
        ("Her father lived to 9l per family. Tel 555-O134", "9l", "AGE"),
        # OCR's digits inside names (two such words in the note)
        ("Referral from Dr. Ph1lippa Hartwe1l for Mr. Desmond Ha1loran.", "Hartwe1l", "NAME"),
        ("Referral from Dr. Ph1lippa Hartwe1l for Mr. Desmond Ha1loran.", "Ha1loran", "NAME"),
        # a relative in brackets after a name; school staff as a title
        (
            "Asked whether Vitomir Zhelev (pt's brother, a nurse) may call.",
            "Vitomir Zhelev",
            "NAME",
        ),
        # an age after a closing bracket or a word of status (a pedigree line)
        ("Aunt Vera (Vera Strand), 96, lives alone.", "96", "AGE"),
        ("- Grandmother: Wilma Strand, living, 97, in a care home", "97", "AGE"),
        # the year after a day range
        ("The events of the night of June 3-4, 2024, were reviewed.", "June 3-4, 2024", "DATE"),
    ],
)
def test_stop18_phi_is_found(text: str, phi: str, category: str) -> None:
    cats = covered(text, find_spans(text), phi)
    assert cats, f"{phi!r} left in the text"
    assert category in cats


def test_a_labelled_identifier_is_found_where_it_is_restated() -> None:
    text = (
        "subject_id,arm,site\n14-203,placebo,02\n14-204,active,02\n\nDeviation: 14-203 dosed late."
    )
    spans = find_spans(text)
    start = text.index("14-203 dosed")
    assert any(s.start <= start and s.end >= start + 6 and s.category == "ID" for s in spans)


def test_a_school_title_stays_out_of_the_name() -> None:
    text = "Spoke with Principal Okwuosa about the pickup list."
    assert covered(text, find_spans(text), "Okwuosa")
    assert untouched(text, "Principal")


def test_tsv_row_cells_stay_out_of_names() -> None:
    text = (
        "Bay\tDays\tPatient\tMRN\tNephrologist\tRide\n"
        "3\tTTS\tMARCHETTI, Aldo\tKD-30991\tDr. Ruiz\tSelf\n"
        "4\tTTS\tOYELOWO, Grace B.\tKD-30992\tDr. Ruiz\tBus\n"
        "5\tMWF\tLINDQVIST, Per\tKD-30993\tDr. Ruiz\tSelf\tPD catheter\n"
    )
    spans = find_spans(text)
    for name in ("MARCHETTI, Aldo", "OYELOWO, Grace B", "LINDQVIST, Per", "Ruiz"):
        assert covered(text, spans, name), name
    for word in ("TTS", "MWF", "Self", "Bus", "PD catheter"):
        start = text.index(word)
        while start >= 0:
            end = start + len(word)
            assert not any(s.start < end and start < s.end for s in spans), word
            start = text.find(word, end)


def test_a_gauge_before_a_side_is_not_the_patients_initials(key: bytes) -> None:
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "name": [{"family": "Lamarre", "given": ["Gaston"]}],
    }
    ctx = DeidContext.from_fhir(patient=patient, key=key)
    text = "LINES: PIV 18G L AC, PIV 20G R FA. Pt G.L. resting."
    spans = find_spans(text, ctx)
    start = text.index("18G L AC")
    assert not any(s.start < start + 8 and start < s.end for s in spans)
    assert covered(text, spans, "G.L.")


@pytest.mark.parametrize(
    ("text", "keep"),
    [
        # ISBT 128 product codes in a transfusion log, and a direct antiglobulin test
        ("UNIT W0416 25 118842  PRODUCT E0685V00  XM compatible", "E0685V00"),
        ("ISBT product E3089V00 (apheresis platelets) issued to 4W.", "E3089V00"),
        ("Panel: anti-E + anti-K. DAT neg; post DAT neg.", "DAT neg"),
        # an ampersand abbreviation after a name
        ("Called RN Okafor L&D at 0600 with the result.", "L&D"),
        # an interpreter's credential and a dotted degree after a name
        ("Interpreter: Dasha Orlova, CHI, in person.", "CHI"),
        ("Lena Brook, M.Ed., School Counselor", "M.Ed."),
        # a model number before its serial
        ("LEAD MODEL 4076-58 SN QRT5520193 IMPLANTED 2019", "4076-58"),
        # a count joined to its noun after an identifier label's reach
        ("Orders: repeat study, 12-lead in the morning.", "12-lead"),
        # a home-health visit frequency, a federal form, a fax's page counter
        ("Visit type: SN 2wk3 (visit 1 of 6)", "2wk3"),
        ("Form 2728 filed; CMS-2746 pending.", "CMS-2746"),
        ("FROM: RIVERSIDE FAMILY MED  P.002/009", "P.002/009"),
        # amounts spelled out with their unit in dictation
        ("blood loss one hundred fifty milliliters period", "one hundred fifty milliliters"),
        ("tourniquet time one hundred and thirty minutes period", "one hundred and thirty minutes"),
        # a settlement word with no cue, and a street on such a word
        ("History of Recurrent Falls reviewed with PT.", "Recurrent Falls"),
        ("Deliver to 58 Cutler Ridge Ln, Apt 2.", "Ridge"),
        # an eponym with a town's ending after "in"
        ("Hearing loss seen in Alport syndrome was discussed.", "Alport syndrome"),
        # a surname after "to" is no town
        ("Letter sent to Brantingford regarding the claim.", "Brantingford"),
    ],
)
def test_stop18_clinical_text_is_kept(text: str, keep: str) -> None:
    if keep == "Ridge":
        spans = find_spans(text)
        assert not any(s.category == "LOCATION" for s in spans)
        return
    if keep == "Brantingford":
        assert not any(s.category == "LOCATION" for s in find_spans(text))
        return
    assert untouched(text, keep)


def test_spelled_ages_still_found() -> None:
    text = "his mother lived to ninety seven and his father to ninety-one"
    spans = find_spans(text)
    assert covered(text, spans, "ninety seven")
    assert covered(text, spans, "ninety-one")
