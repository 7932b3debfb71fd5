"""Characters whose case mapping changes a string's length never break span offsets.

"İ" (U+0130) lower-cases to two characters ("i̇"): offsets found in a lower-cased copy used to
slip past it, so a note holding one could raise (an index error in name propagation) or get a
span beyond its end. These inputs were found by fuzzing corpus lines with such characters.
"""

# The look-alike letters (dotless i, long s) are the point of these tests.
# ruff: noqa: RUF001

from __future__ import annotations

import random

import pytest

from service.deid import DeidContext, deidentify

FOUND_BY_FUZZING = [
    "W Tİ",
    "W Rİ",
    "İİİİ KAy",
    "İİİ\rD Ak",
    "İİİ\xa0A Ie",
    "İİİ,F Cf",
    "İİİİ,Ida",
    "İİİ-J.Kİ",
    "İİİİ→@BDZ",
]


def _check(text: str, context: DeidContext | None = None) -> list[str]:
    result = deidentify(text, context)
    assert all(0 <= s.start < s.end <= len(text) for s in result.spans), result.spans
    return [text[s.start : s.end] for s in result.spans]


@pytest.mark.parametrize("text", FOUND_BY_FUZZING)
def test_dotted_capital_i_keeps_offsets(text: str) -> None:
    _check(text)


def test_turkish_names_are_found_and_replaced() -> None:
    patient = {
        "resourceType": "Patient",
        "name": [{"family": "Yılmaz", "given": ["İbrahim"]}],
        "birthDate": "1950-03-04",
    }
    context = DeidContext.from_fhir(patient=patient, key=b"k" * 20)
    text = "İbrahim Yılmaz was seen in İstanbul on 3/4/2024. Dr. İbrahim called; İBRAHİM YILMAZ."
    found = _check(text, context)
    for value in ("İbrahim Yılmaz", "İstanbul", "3/4/2024", "İBRAHİM YILMAZ"):
        assert value in found
    assert "İbrahim" not in deidentify(text, context).text


def test_lower_case_dictation_with_sharp_s_keeps_offsets() -> None:
    # "ß" upper-cases to "SS": the dictation reader capitalises names in place (same length)
    _check("seen with ßmith and husband jürgen weiß at bahnhofstraße 12, spoke with ßandra")


def test_random_mixes_keep_offsets() -> None:
    rng = random.Random(17)
    pieces = ["İ", "ı", "ſ", "K", "ß", "ﬁ", "→", "\xa0", "é", "Dr. ", "Mr. ", "Jo", " Smith", "\n"]
    for _ in range(300):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 25)))
        _check(text)
