"""Round-9 forms: numbers read out in voicemail transcripts, HL7 v2 segments, Spanish / French /
Portuguese dates, ages and addresses, dotted initials and log-in names of found people, and the
clinical text that must stay (blood-bank shorthand, organisms, temperatures, fiscal years,
room numbers, countries, LOINC codes, lower-case words that are also someone's name). Fresh
text, never a corpus line."""

from __future__ import annotations

import pytest

from service.deid import deidentify, find_spans
from service.deid.evaluate import main as evaluate_main
from service.deid.ocr import read_digits
from tests.unit.deid.conftest import covered, untouched


@pytest.mark.parametrize(
    ("text", "phi", "category"),
    [
        # voicemail transcripts: digits, letters and addresses in words
        (
            "you can reach me at five oh three five five five two one nine eight after six",
            "five oh three five five five two one nine eight",
            "PHONE",
        ),
        (
            "our fax line is two oh six five five five four four one two thanks",
            "two oh six five five five four four one two",
            "FAX",
        ),
        (
            "her plan member number is K as in kilo four four one zero two nine",
            "K as in kilo four four one zero two nine",
            "HEALTH_PLAN",
        ),
        (
            "the nurse line is five five five zero one one two, area code two oh six",
            "two oh six",
            "PHONE",
        ),
        (
            "they moved to twenty two fifteen Larch Hollow Road last week",
            "twenty two fifteen Larch Hollow Road",
            "ADDRESS",
        ),
        (
            "mail still goes to Quincy Street apartment three C sometimes",
            "Quincy Street apartment three C",
            "ADDRESS",
        ),
        (
            "email me at ann dot lee forty two at example dot org please",
            "ann dot lee forty two at example dot org",
            "EMAIL",
        ),
        ("she was seen on Monday the fourth by the cardiologist", "Monday the fourth", "DATE"),
        ("hello this is Ruth Lane calling for my husband", "Ruth Lane", "NAME"),
        # Spanish, French and Portuguese
        (
            "Se cayó en casa el 14 de marzo de 2025 sin pérdida de conocimiento.",
            "14 de marzo de 2025",
            "DATE",
        ),
        ("La última A1c fue en agosto y estaba alta.", "agosto", "DATE"),
        ("La infirmière rappellera le jeudi 12 pour le suivi.", "12", "DATE"),
        ("Vive con su abuela de 93 años en la misma casa.", "93", "AGE"),
        ("Su abuelo tiene noventa y dos años y camina solo.", "noventa y dos", "AGE"),
        ("Sa grand-mère a quatre-vingt-quinze ans cette année.", "quatre-vingt-quinze", "AGE"),
        (
            "Domicilio en Calle Hidalgo 45, Col. Roma, por temporadas.",
            "Calle Hidalgo 45, Col. Roma",
            "",  # the name recognizer's reading may win the category: the whole goes either way
        ),
        ("Trabaja en Saltillo, Coahuila, desde mayo.", "Saltillo", "LOCATION"),
        ("Transferred from Kingston, Ontario, last spring.", "Kingston", "LOCATION"),
        ("Adresse : 12 rue des Lilas, au deuxième étage.", "12 rue des Lilas", "ADDRESS"),
        # names announced by a relation or a credential, in capitals without an initial
        (
            "Contact: daughter PIKE-MORROW, APRIL, who is the health care agent.",
            "PIKE-MORROW, APRIL",
            "NAME",
        ),
        ("Crossmatch verified by HAYES, COLM, MT(ASCP) at 0310.", "HAYES, COLM", "NAME"),
        # identifiers that follow a found one's shape, or a found person's name
        ("member ID QX-5510021 (Ann), QX-5510022 (Ben)", "QX-5510022", "HEALTH_PLAN"),
        ("Unit issued: DIN W1234 24 556677 0, irradiated.", "W1234 24 556677 0", "ID"),
        ("Mailed to P0 Box 77, Harrisburg.", "P0 Box 77", "ADDRESS"),
        ("Mailed to PO Box 77, Millersburg.", "Millersburg", "LOCATION"),
        # relatives named by ordinary words and months; ranges; blocks; units written first
        ("Spoke w/ pt's dtr Charity re: transport.", "Charity", "NAME"),
        ("FAMILY: HUSBAND AUGUST (HCP), SON MILES.", "AUGUST", "NAME"),
        ("Her son Chase drove her in today.", "Chase", "NAME"),
        ("Camp dates Oct 3rd-5th, cleared to attend.", "Oct 3rd-5th", "DATE"),
        ("Appt moved from the 9th to the 14th.", "14th", "DATE"),
        ("Found in the 3400 block of Alder St near the park.", "3400 block of Alder St", "ADDRESS"),
        ("Apt 7F, 212 Harbor View Road, Seaside", "Apt 7F, 212 Harbor View Road", "ADDRESS"),
        ("Paired sensor 3C:5A:B4:01:9E:22 to the tablet.", "3C:5A:B4:01:9E:22", "DEVICE"),
        ("To: Quinn Delacroix; Marek Holloway", "Marek Holloway", "NAME"),
        ("Call back Ph: 555.0123 after 3.", "555.0123", "PHONE"),
        ("Our acct # 66-1048822  /  Your MRN (if known): KMC 4471902", "66-1048822", "ACCOUNT"),
        ("Your MRN (if known): KMC 4471902", "KMC 4471902", ""),
        # scanned and faxed text: letters read for the digits they stand for
        ("RE: Patient DOB: O3/12/1947, seen 2O24.", "O3/12/1947", "DATE"),
        ("SSN (last 4 per pt auth): xxx-xx-l9O2", "xxx-xx-l9O2", ""),
    ],
)
def test_round9_phi_is_found(text: str, phi: str, category: str) -> None:
    cats = covered(text, find_spans(text), phi)
    assert cats, f"{phi!r} left in the text"
    assert not category or category in cats


def test_hl7_segments_are_read_by_position() -> None:
    text = (
        "PID|1||MRN4410027^^^MEMH^MR||BRAMBLE^OTTILIE^J||19381104|F|||77 ASH LN^^WEST "
        "CHESTER^PA^19380||^PRN^PH^^1^610^5550148\n"
        "NK1|1|BRAMBLE^DESMOND|SON|||^PRN^CP^^1^484^5550177\n"
        "PV1|1|I|3S^310^A||||1992837465^OYELARAN^TOBI^^^DR\n"
        "OBX|1|NM|2160-0^Creatinine^LN||1.9|mg/dL|0.6-1.2|H|||F\n"
    )
    spans = find_spans(text)
    for phi in ("BRAMBLE^OTTILIE^J", "BRAMBLE^DESMOND", "OYELARAN^TOBI", "WEST CHESTER", "19380"):
        assert covered(text, spans, phi), phi
    assert "PHONE" in covered(text, spans, "610^5550148")
    assert covered(text, spans, "484^5550177")
    # a LOINC code, its result and the reference range are clinical content
    for keep in ("2160-0^Creatinine^LN", "1.9|mg/dL|0.6-1.2"):
        assert not any(
            s.start < text.index(keep) + len(keep) and s.end > text.index(keep) for s in spans
        ), keep


def test_initials_and_logins_of_found_people() -> None:
    text = (
        "Charge nurse: Kestrel Quill, RN.\n"
        "2025-02-11 08:14 | kquill2 | VIEW | flowsheet\n"
        "Findings: K.Q. had a treatment relationship. TB test negative.\n"
    )
    spans = find_spans(text)
    assert covered(text, spans, "kquill2")
    assert covered(text, spans, "K.Q.")
    # undotted letters are the abbreviation they spell
    assert untouched(text, "TB test")


def test_double_family_name_initials() -> None:
    text = "Paciente: ARRIAGA MENDOZA, Lucia. Etiqueta de laboratorio: L.A.M. 1961"
    assert covered(text, find_spans(text), "L.A.M.")


@pytest.mark.parametrize(
    ("text", "keep"),
    [
        ("ABO/Rh: A NEG   Antibody screen: NEG", "A NEG"),
        ("Post-transfusion DAT POS (IgG).", "DAT POS"),
        ("Issued RBC LR, O NEG, one unit.", "RBC LR, O NEG"),
        ("Cultures: MRSA, S. aureus (mucoid) on 2 of 2.", "S. aureus"),
        ("Stored at 2-8 °C. Discard after 14 days.", "°C"),
        ("Reported in the FY2025 breach log.", "FY2025"),
        ("Transferred to room 5E-118 bed A overnight.", "5E-118"),
        ("Deployment: Kandahar, Afghanistan, 2011.", "Afghanistan"),
        ("SSG H. agrees with the plan; SGT on leave.", "SSG"),
        ("Refiere dolores de cabeza y dolor de espalda.", "dolores de cabeza"),
        ("Vive con su hija de 67 años.", "67"),
        ("Pain two to three times a day, seven out of ten.", "two to three"),
        ("Transferred to Unit 4B, 1200 Medical Center Drive.", "Unit 4B"),
        ("Lou Gehrig disease (ALS) suspected.", "Gehrig disease"),
    ],
)
def test_round9_keep_strings_survive(text: str, keep: str) -> None:
    assert untouched(text, keep)


def test_lower_case_word_is_not_a_name_where_names_are_capitalised() -> None:
    text = "Lives with Dolores Arce. Refiere dolores de cabeza; dolores better today."
    spans = find_spans(text)
    assert covered(text, spans, "Dolores Arce")
    assert untouched(text, "dolores de cabeza")


def test_date_range_is_shifted_side_by_side() -> None:
    text = "Admitted 2/26-3/10 for IV antibiotics."
    out = deidentify(text).text
    assert "2/26" not in out and "3/10" not in out
    assert "-" in out.split("Admitted ", 1)[1].split(" ", 1)[0]


def test_evaluation_ignores_punctuation_left_between_removed_parts(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    note = tmp_path / "split" / "n01.json"
    note.parent.mkdir()
    note.write_text(
        '{"id": "t-01", "lines": ["Admitted 2/26-3/10 for IV antibiotics, BP 120/80."],'
        ' "phi": [["DATE", "2/26-3/10"]], "keep": ["BP 120/80"]}'
    )
    assert evaluate_main([str(note.parent), "--seconds", "0"]) == 0
    out = capsys.readouterr().out
    assert "OVERALL       1.000" in out


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("DOB: O4/17/1951", "DOB: 04/17/1951"),
        ("SpO2 97% on 2l NC, 10l/min later", "SpO2 97% on 2l NC, 10l/min later"),
        ("I-10 west, lot ZB48812O7, Ollie O'Neil", "I-10 west, lot ZB48812O7, Ollie O'Neil"),
    ],
)
def test_ocr_digits_are_read_only_inside_numbers(text: str, read: str) -> None:
    out = read_digits(text)
    assert out == read
    assert len(out) == len(text)
