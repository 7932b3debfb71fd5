"""Probe-18 forms (fresh sentences written for this probe, none from a corpus split): a name
heading a sentence before a frame only a person fits ("Bill is a 66M", "Aroha Ngata presents
for", "Grace tolerated PO", "Dawn (sister) states"); a nickname without quotes after a verb of
naming; chat speakers ("<Aiyana Redcloud>", "tomasz.wrobel:"); a closing and the name on one
line ("Cheers - Rich"); particles after a title ("Dr. van der Berg"); a family name that is a
word after a lower-case "dr"; "witnessed by"; a typist's or log writer's initials ("Transcribed
by: kt", "... /sh"); OCR'd names and dates ("Dr. M0ody", "1l/O4/2O23"); a French relative
after "son"; dates as an ordinal of a month without "the", a season and year, a day-month-year
in Spanish or French on an English line; "91yF". And the clinical text beside the same frames
that must stay: drugs that are "tolerated", services that "came by", eponymous diseases
("Gilbert syndrome", "Bence Jones protein", "Lou Gehrig's disease"), genus and species,
a capitals allergy list, lab abbreviations ending a timed log line."""

from __future__ import annotations

import pytest

from service.deid import find_spans
from tests.unit.deid.conftest import covered, untouched


@pytest.mark.parametrize(
    ("text", "phi"),
    [
        # a sentence's head before a person frame
        ("Bill is a 66M w/ COPD", "Bill"),
        ("Summer is an 8 yo who fell from the monkey bars.", "Summer"),
        ("Wiremu Te Rangi is a 54 yo man", "Wiremu Te Rangi"),
        ("Siosaia Fifita was brought in by his brother.", "Siosaia Fifita"),
        ("Zsófia Kertész is here for follow-up", "Zsófia Kertész"),
        ("HPI: Aroha Ngata presents for wound check", "Aroha Ngata"),
        ("Grace tolerated PO well today.", "Grace"),
        ("Frank was very tearful this morning.", "Frank"),
        ("Hope and her mother came in together.", "Hope"),
        ("Dawn (sister) states pt confused x 3 days", "Dawn"),
        # a nickname after a verb of naming, no quotes
        ("pt prefers to be called Bubba", "Bubba"),
        ("Pt known as Kiki to staff", "Kiki"),
        # chat speakers, a closing on the name's line, particles after a title
        ("<Aiyana Redcloud> family here now", "Aiyana Redcloud"),
        ("RN note\ntomasz.wrobel: pt in 14 wants to talk", "tomasz.wrobel"),
        ("Cheers - Rich", "Rich"),
        ("PCP Dr. van der Berg", "van der Berg"),
        ("Dr. de la Cruz will see tomorrow", "de la Cruz"),
        # a family name that is a word, after a lower-case title; a consent's witness
        ("i spoke with doctor price who agrees with the plan", "price"),
        ("please cc dr young and the team", "young"),
        ("witnessed by Harmony Little", "Harmony Little"),
        # initials of a typist and of a timed log line's writer
        ("Dictated by: Mbali Nkosi, MD  Transcribed by: kt", "kt"),
        ("2200 Pt resting quietly /sh", "sh"),
        # scanned text
        ("S1gned: Dr. M0ody", "M0ody"),
        ("Pt: Fa1th Ander5on", "Fa1th"),
        ("Date of Service: 1l/O4/2O23", "1l/O4/2O23"),
        # a relative in French after "son"
        ("Accompagnée de son fils Étienne.", "Étienne"),
        # dates
        ("second of February follow up", "second of February"),
        ("on twenty third of may", "twenty third of may"),
        ("Vaccinated Spring 2021", "Spring 2021"),
        ("Fecha: 15 de marzo de 2024", "15 de marzo de 2024"),
        ("Patiente vue le 3 avril 2024", "3 avril 2024"),
        # an age with its sex, no "o"
        ("91yF, fall at home", "91"),
        ("pt 93YM from SNF", "93"),
    ],
)
def test_probe18_phi_is_found(text: str, phi: str) -> None:
    assert covered(text, find_spans(text), phi)


@pytest.mark.parametrize(
    ("text", "keep"),
    [
        # the same frames after a drug, a service, a role or an ordinary word
        ("Zosyn tolerated without reaction.", "Zosyn"),
        ("Keppra refused by patient this AM.", "Keppra"),
        ("Lasix was held for SBP 88.", "Lasix"),
        ("Infant is a 3 day old male.", "Infant"),
        ("Cardiology is here to see the patient.", "Cardiology"),
        ("Physical Therapy came by today.", "Physical Therapy"),
        ("Wound Care came in to assess.", "Wound Care"),
        ("Sepsis presents with fever and hypotension.", "Sepsis"),
        ("Care was transferred to the night team.", "Care"),
        ("Max tolerated dose reached.", "Max"),
        ("Bill was sent to collections.", "Bill"),
        ("Frank hematuria noted.", "Frank"),
        ("also known as Lou Gehrig's disease", "Lou Gehrig's disease"),
        ("Thanks, Team", "Team"),
        ("Thanks - Nursing", "Nursing"),
        ("e.g: ICU transfer", "ICU"),
        ("Typed by: me", "me"),
        ("0200 O2 weaned to 2 L /min", "/min"),
        ("HbA1c 7.2%, A1c goal < 7", "A1c"),
        ("Dr said the visit went well", "said"),
        # eponymous diseases, genus and species, a capitals allergy list
        ("Gilbert syndrome, mild hyperbili.", "Gilbert"),
        ("Bence Jones protein negative.", "Bence Jones"),
        ("Lou Gehrig's disease (ALS).", "Lou Gehrig's disease"),
        ("Candida albicans in culture.", "Candida"),
        ("ALLERGIES: PCN, SULFA", "PCN"),
        ("MEDS: ASA, PLAVIX", "PLAVIX"),
        # an ordinal of a month that is no date, a season without a year, years alone
        ("a third of May's doses were missed", "third"),
        ("first of may include nausea", "first"),
        ("Spring allergies worse.", "Spring"),
        ("Smoked from 1985 to 2010.", "1985"),
        ("45yF with asthma", "45"),
    ],
)
def test_probe18_clinical_text_stays(text: str, keep: str) -> None:
    assert untouched(text, keep)


@pytest.mark.parametrize(
    ("text", "name", "kept"),
    [
        # the head of a sentence ends where its frame starts: a name-like line above it is not
        # joined to the sentence's first word ("She" stays "She")
        ("Follow-up\nMarguerite\nShe is a 45 yo woman.", None, "She"),
        ("Zorblax Quintero\nthe patient is a 45 yo M with chest pain.", None, "the patient"),
        ("Follow-up\nMarguerite Okafor is a 45 yo woman.", "Marguerite Okafor", "Follow-up"),
    ],
)
def test_probe18_head_ends_at_its_frame(text: str, name: str | None, kept: str) -> None:
    spans = find_spans(text)
    assert not any("\n" in text[s.start : s.end] for s in spans if s.category == "NAME")
    assert untouched(text, kept)
    if name is not None:
        assert any(text[s.start : s.end] == name for s in spans)
