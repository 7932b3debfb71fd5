"""Round-10 forms: typewriter spacing, names known from the census given-name list, PHI known by
the cue beside it (age and sex after a name, file names, initials, relatives, legal date
formula, lower-case holidays and streets), and the clinical text that must stay (units after a
number, the top of a range, scale eponyms, older dotted credentials). Fresh text, never a corpus
line."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.deid import find_spans
from service.deid.census import NOT_NAMES, build
from service.deid.dates import shift_date
from service.deid.lexicon import first_names, read_words
from service.deid.spacing import compact_spacing
from tests.unit.deid.conftest import covered, untouched

TYPED = (
    "M I D L A N D    L U N G    C L I N I C ,   L T D .\n"
    "Re :   PELLINGHAM ,  Osgood  T .     D.O.B.  4 / 19 / 1925     S.S. #  512 - 38 - 4471\n"
    "Dear  Dr.  Farrowby :\n"
    "I  saw  him  on  Nov.  4 ,  1997 ,  with  his  son ,  Lemuel .\n"
    "Yours ,  Corinna  B.  Feldspar - Wynn ,  M.D.\n"
)


@pytest.mark.parametrize(
    "phi",
    ["4 / 19 / 1925", "512 - 38 - 4471", "PELLINGHAM ,  Osgood", "Nov.  4 ,  1997"],
)
def test_typewriter_spacing_is_read_closed_up(phi: str) -> None:
    assert covered(TYPED, find_spans(TYPED), phi), phi


def test_typewriter_form_gaps_stay_breaks_and_numbers_stay_numbers() -> None:
    text = (
        "Re :   PELLINGHAM ,  Osgood  T .     D.O.B.  4 / 19 / 1925     S.S. #  512 - 38 - 4471\n"
        "Dear  Dr.  Farrowby :\nI  saw  him  on  Nov.  4 ,  1997 ,  with  his  son ,  Lemuel ."
    )
    spans = find_spans(text)
    assert covered(text, spans, "512 - 38 - 4471") == {"SSN"}  # not "4471\nDear Dr." (a street)
    assert untouched(text, "D.O.B.")  # "T .     D.O.B." is no run of initials


def test_typewriter_spacing_map_points_back_into_the_input() -> None:
    compact = compact_spacing(TYPED)
    assert compact is not None
    assert "D.O.B. 4/19/1925" in compact.text
    assert "MIDLAND LUNG CLINIC, LTD." in compact.text
    assert all(
        TYPED[i] == c or (c == "\n" and TYPED[i] == " ")
        for i, c in zip(compact.origin, compact.text, strict=True)
    )


@pytest.mark.parametrize(
    "text",
    [
        "BP 132/84 , HR 70 : stable.",  # fewer than three spaced marks
        "Name          DOB          MRN\nAda Quill     01/02/1950   88123",  # an aligned table
    ],
)
def test_ordinary_spacing_is_left_alone(text: str) -> None:
    assert compact_spacing(text) is None


@pytest.mark.parametrize(
    ("text", "phi", "category"),
    [
        ("Bed 7 - Thaddeus Quillon, 58M, s/p lap chole, ambulating.", "Thaddeus Quillon", "NAME"),
        ("Bed 9 - P.K., 44F, DKA on insulin gtt.", "P.K.", "NAME"),
        ("Outgoing: J.W. (RN)  Oncoming: T.A. (LPN)", "J.W.", "NAME"),
        ("Consent reviewed with T.M.R.-V. and her mother.", "T.M.R.-V.", "NAME"),
        ("Sincerely,\n\nOrla Penhallow, MD\n\nOP/kds\nEnclosure", "OP", "NAME"),
        ("QUILLON_T_20240602_Lshin_02.jpg  uploaded", "QUILLON_T", "NAME"),
        ("Lives with her aunt, 97, and two cats.", "97", "AGE"),
        ("Signed this 14th day of August, 2024, at noon.", "14th day of August", "DATE"),
        ("Brother visited on the twelfth and again today.", "twelfth", "DATE"),
        ("DOB 03 Mar 51 | Allergies: none", "03 Mar 51", "DATE"),
        ("Forms sent to the Oakhurst Rd address on file.", "Oakhurst Rd", "ADDRESS"),
        ("Caller: Rosalind Vantongeren, hospice volunteer.", "Rosalind Vantongeren", "NAME"),
        ("ORDERED BY: HON. PERPETUA ALDERWICK, DIV. 4", "PERPETUA ALDERWICK", "NAME"),
        ("Ms. Oyelowo, 93 YOF, admitted from home.", "93", "AGE"),
        ("Juniper Castellanos-Ruiz signed the consent.", "Juniper Castellanos-Ruiz", "NAME"),
        ("Phone call 3/2: Summer reports her father fell twice.", "Summer", "NAME"),
        ("Contact is her daughter; Ivy will visit after work.", "Ivy", "NAME"),
        ("FHx: Pearl's mother had a stroke at 70.", "Pearl", "NAME"),
        ("Lives with his grandmother Amina Farah (~94 per family).", "94", "AGE"),
        # lower-case dictation
        ("her nephew april quennell-batt drove her in today", "april quennell-batt", "NAME"),
        ("talked with ivo pardell (son of patient; cell on file) today", "ivo pardell", "NAME"),
        ("his husband, rowan, stays over most nights and helps", "rowan", "NAME"),
        ("she fell the weekend before memorial day while gardening", "memorial day", "DATE"),
        ("mail goes to 4471 willow bend rd, pendle falls now", "4471 willow bend rd", "ADDRESS"),
        ("he walks daily on upper mill pike near the farm", "upper mill pike", "ADDRESS"),
        ("new address is in marlow, or 97055 per the daughter", "97055", "ZIP"),
    ],
)
def test_round10_phi_is_found(text: str, phi: str, category: str) -> None:
    cats = covered(text, find_spans(text), phi)
    assert cats, f"{phi!r} left in the text"
    assert category in cats


@pytest.mark.parametrize(
    ("text", "keep"),
    [
        ("Cutoffs: OPI 300 NG/ML, AMP 500 NG/ML. Seen by Dr. Ng.", "300 NG/ML"),
        ("Bath water held at 98-104 F per protocol.", "98-104 F"),
        ("Worked outdoors, heat index 103 F, no shade.", "103 F"),
        ("Breslow 1.1 mm, Clark level IV, margins clear.", "Clark level IV"),
        ("Charge: Tamsin Wells. DVT unlikely, Wells score 1.", "Wells score 1"),
        ("Letter signed Rafe O. Lindqvist, M.D., F.C.C.P. and copied to the PCP.", "F.C.C.P."),
        ("Moved to Joliet.\nHLA 4/6 match, crossmatch negative.", "HLA 4/6"),
        ("Chest Pain, 45F in triage bay 3.", "Chest Pain"),
        ("Given on the second attempt by the resident.", "second"),
        ("Bill was sent to the insurer. Hope is to go home Friday.", "Hope"),
        ("Resting Sat (96) on room air; Weight (92) kg.", "96"),
        ("Summer camp is fine; June is a busy month for the clinic.", "June"),
        ("History of Guillain-Barre syndrome; Jackson-Pratt drain in place.", "Guillain-Barre"),
        ("Admitted with Stevens-Johnson syndrome after lamotrigine.", "Stevens-Johnson"),
        ("Mercy Tower pharmacy called; ASA 81 mg held.", "ASA 81 mg"),
    ],
)
def test_round10_keep_strings_survive(text: str, keep: str) -> None:
    assert untouched(text, keep)


def test_census_given_names_are_loaded_without_words_or_exclusions() -> None:
    names = first_names()
    assert {"marguerite", "lucinda", "halina", "imogen"} <= names
    assert not names & NOT_NAMES
    assert not names & {"dale", "wade", "june", "monday"}
    census = read_words("census_given.txt")
    assert len(census) > 4000
    assert not census & {"virginia", "georgia", "june", "april", "asa", "mercy", "dale"}


def test_census_build_filters_words_states_and_months(tmp_path: Path) -> None:
    (tmp_path / "dist.female.first").write_text(
        "MARY           2.629  2.629      1\nJUNE           0.100  2.729      2\n"
        "VIRGINIA       0.090  2.819      3\nBROOKE         0.010  2.829      4\n"
    )
    (tmp_path / "dist.male.first").write_text(
        "JAMES          3.318  3.318      1\nDALE           0.100  3.418      2\n"
        "ASA            0.010  3.428      3\n"
    )
    assert build(tmp_path, tmp_path) == 3
    body = (tmp_path / "census_given.txt").read_text().splitlines()
    assert body[0].startswith("# Derived from the 1990 US Census")
    assert body[2:] == ["brooke james mary"]


@pytest.mark.parametrize(
    ("value", "days", "shifted"),
    [
        ("4 / 19 / 1925", 17, "5/6/1925"),  # typewriter spacing: read and written closed up
        ("Sept.  30 ,  1996", 17, "Oct. 17, 1996"),
        ("Sept. 30, 1996", 17, "Oct. 17, 1996"),  # never "Octo."
        ("Oct. 2, 2020", -10, "Sep. 22, 2020"),
        ("June 3, 2020", -40, "April 24, 2020"),  # a month written out stays written out
    ],
)
def test_shifted_dates_keep_a_readable_form(value: str, days: int, shifted: str) -> None:
    assert shift_date(value, days) == shifted
