"""Names and places spelled with accents, and hospitals and streets named in other languages.

The recognizers' word classes and word lists are mostly ASCII, so "Kraków" was cut to "Krak"
(its tail left beside the surrogate) and "Łukasz Żółkiewski" or "Zürich" were missed; the
engine now also reads a note with the accents of its capitalised words folded
(:mod:`service.deid.folding`). The clinical words with accents (Sjögren's, Guillain-Barré) and
notes in Spanish, French or Portuguese read as before. Names written in another script
(Chinese, Cyrillic, Arabic, Hangul, Devanagari) are removed whole, Greek symbols stay; social
media handles are identifiers, "@home" is not. Fresh text, never a corpus line.
"""

from __future__ import annotations

import pytest

from service.deid import deidentify, find_spans
from service.deid.folding import fold_letters
from tests.unit.deid.conftest import covered, untouched

#: Greek letters as clinical symbols (escaped: ruff flags a Greek alpha in source as ambiguous)
_GREEK = "Started a \u03b2-blocker; TNF-\u03b1 high; \u03ba light chains; 5 \u00b5g"
_OTHER_SCRIPTS = [
    ("Mother (王秀英) speaks Mandarin only.", "王秀英"),
    ("Patient's name in Russian: Иван Петров.", "Иван Петров"),
    ("Family signed as محمد علي.", "محمد علي"),
    ("Contact: 김민준 (son).", "김민준"),
    ("Grandmother: राधा देवी, lives with them.", "राधा देवी"),
    ("Wife 佐藤・花子 translated.", "佐藤・花子"),
]


def test_folding_keeps_length_and_only_changes_capitalised_words() -> None:
    text = "Visita de Łukasz en Kraków; está bien — 38°C, naïve."
    folded = fold_letters(text)
    assert folded is not None
    assert len(folded) == len(text)
    assert "Lukasz" in folded and "Krakow" in folded
    # lower-case words keep their accents: they tell a Spanish or French note apart
    assert "está" in folded and "naïve" in folded and "—" in folded and "°" in folded


def test_folding_leaves_text_without_accented_capitalised_words() -> None:
    assert fold_letters("Plain ASCII note.") is None
    assert fold_letters("Temp 38°C — está estable.") is None


@pytest.mark.parametrize(
    ("text", "phi", "category"),
    [
        ("Seen with her son Łukasz Żółkiewski today.", "Łukasz Żółkiewski", "NAME"),
        ("Lives with partner Šárka Dvořáková in Brno.", "Šárka Dvořáková", "NAME"),
        ("Patient Zoë Ångström, 46F, presents with cough.", "Zoë Ångström", "NAME"),
        ("Daughter Ngozi Ọkafọ visited.", "Ngozi Ọkafọ", "NAME"),
        ("She is originally from Kraków, Poland.", "Kraków", "LOCATION"),
        ("Moved from Zürich to Boston in 2019.", "Zürich", "LOCATION"),
        ("Family lives in São Paulo.", "São Paulo", "LOCATION"),
        ("He travelled to Łódź last month.", "Łódź", "LOCATION"),
        ("Born in Bogotá, Colombia.", "Bogotá", "LOCATION"),
        ("Recently returned from Malmö.", "Malmö", "LOCATION"),
        ("Works in Düsseldorf as an engineer.", "Düsseldorf", "LOCATION"),
        ("Her mother in Québec calls weekly.", "Québec", "LOCATION"),
        ("Home: 12 Rue de l'Église, Montréal.", "12 Rue de l'Église", "ADDRESS"),
        ("Home: 12 Rue de l'Église, Montréal.", "Montréal", "LOCATION"),
        ("Address: 44 Bahnhofstraße, München.", "44 Bahnhofstraße", "ADDRESS"),
        ("Seen at Clínica Alemana last week.", "Clínica Alemana", "LOCATION"),
        ("Records faxed from Hôpital Sainte-Justine overnight.", "Hôpital Sainte-Justine", ""),
        ("His brother rents on Via Garibaldi 18 near the station.", "Via Garibaldi 18", "ADDRESS"),
        ("The family flat is at Keizersgracht 221, third floor.", "Keizersgracht 221", "ADDRESS"),
        ("Parents live on Chemin des Vignes outside town.", "Chemin des Vignes", "ADDRESS"),
        ("Mail goes to Storgatan 12 for now.", "Storgatan 12", "ADDRESS"),
        ("Cardiology follow-up at Klinikum Großhadern in May.", "Klinikum Großhadern", ""),
    ],
)
def test_accented_and_foreign_phi_is_found_whole(text: str, phi: str, category: str) -> None:
    cats = covered(text, find_spans(text), phi)
    assert cats, f"{phi!r} left in the text"
    if category:
        assert category in cats


def test_no_accented_tail_is_left_beside_a_surrogate() -> None:
    for text, phi in [
        ("Daughter Ngozi Ọkafọ visited.", "Ngozi Ọkafọ"),
        ("She is originally from Kraków, Poland.", "Kraków"),
        ("Born in Bogotá, Colombia.", "Bogotá"),
    ]:
        out = deidentify(text).text
        tail = [c for c in phi if not c.isascii()]
        assert not any(c in out for c in tail), f"a letter of {phi!r} survived"


@pytest.mark.parametrize(("text", "phi"), _OTHER_SCRIPTS)
def test_names_in_other_scripts_are_removed_whole(text: str, phi: str) -> None:
    assert covered(text, find_spans(text), phi) == {"NAME"}
    out = deidentify(text).text
    assert not any(c in out for c in phi if not c.isspace()), "a letter of the name survived"


@pytest.mark.parametrize(
    ("text", "phi"),
    [
        ("His username is @tomcat_88 on the forum.", "@tomcat_88"),
        ("Twitter handle @jrivera1990.", "@jrivera1990"),
        ("She posts on Instagram as @sunnyhikes.", "@sunnyhikes"),
        ("Paid back on Venmo @Maria-Lopez-12 yesterday.", "@Maria-Lopez-12"),
    ],
)
def test_social_media_handles_are_found(text: str, phi: str) -> None:
    assert covered(text, find_spans(text), phi)


@pytest.mark.parametrize(
    ("text", "keep"),
    [
        ("History of Sjögren's syndrome on hydroxychloroquine.", "Sjögren's syndrome"),
        ("Guillain-Barré syndrome in 2019, recovered.", "Guillain-Barré syndrome"),
        ("Ménière's disease with vertigo spells.", "Ménière's disease"),
        ("Known Behçet's disease, stable.", "Behçet's disease"),
        ("Plan: Löfgren syndrome workup, ACE level.", "Löfgren syndrome"),
        ("Café-au-lait spots noted on the trunk.", "Café-au-lait spots"),
        ("O paciente está bem, sem febre.", "está bem"),
        ("La patiente se plaint de céphalées depuis trois jours.", "céphalées"),
        ("Via ambulance from the scene, GCS 15.", "Via ambulance"),
        ("Place of service: outpatient clinic.", "Place of service"),
        ("Chemo via port; Rue of the day.", "Rue of the day"),
        (_GREEK, "\u03b2-blocker"),
        (_GREEK, "TNF-\u03b1"),
        (_GREEK, "\u03ba light chains"),
        (_GREEK, "5 \u00b5g"),
        ("Meds @bedtime, seen @home, labs @ 0800, follow-up @clinic", "@bedtime"),
        ("Meds @bedtime, seen @home, labs @ 0800, follow-up @clinic", "@clinic"),
        # text in another script that is no person's name stays
        ("Pt speaks Mandarin (\u666e\u901a\u8bdd) and some English.", "\u666e\u901a\u8bdd"),
        ("Discharge instructions given in Spanish and \u4e2d\u6587.", "\u4e2d\u6587"),
        ('Sign reads "\u51fa\u53e3" (exit).', "\u51fa\u53e3"),
    ],
)
def test_clinical_words_with_accents_and_look_alikes_stay(text: str, keep: str) -> None:
    assert untouched(text, keep)
