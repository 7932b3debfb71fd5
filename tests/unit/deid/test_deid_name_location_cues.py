"""Round-2 cues: label layouts, nicknames, particles, coordination, saints, cars, ICD codes."""

from __future__ import annotations

import pytest

from tests.unit.deid.conftest import covered, spans_of


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("Name ........ Quarrington, Odalys\nDOB ...", "Quarrington, Odalys"),
        ("Preferred ... Zeb\nDOB", "Zeb"),
        ("Emergency ... Thorvald Ekwueme (friend)", "Thorvald Ekwueme"),
        ("Met with pt (Marisol 'Sol' Abernathy-Quist, 47F) today.", "Sol"),
        ("Met with pt (Marisol 'Sol' Abernathy-Quist, 47F) today.", "Abernathy-Quist"),
        ('Client: Dakota "Koda" Begaye-Mills, DOB on file', "Koda"),
        ("Yours sincerely,\n\nRutger van der Meer MD FRCP", "Rutger van der Meer"),
        ("Family meeting with Barnaby and Imogen Featherstonehaugh-Lowe today.", "Imogen"),
        ("AA sponsor 'Wendell' (no last name given).", "Wendell"),
    ],
)
def test_name_cues(text: str, needle: str) -> None:
    assert covered(text, spans_of(text), needle)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("County ...... Gallatin\nHome ...", "Gallatin"),
        ("Seen at Providence St. Vincent last year.", "St. Vincent"),
        ("PCP: DR. HALVORSEN (NORTHWESTERN), FAX", "NORTHWESTERN"),
        ("pharmacy is the walgreens on Lyndale in Minneapolis", "Lyndale"),
    ],
)
def test_place_cues(text: str, needle: str) -> None:
    assert covered(text, spans_of(text), needle)


@pytest.mark.parametrize(
    ("text", "keep"),
    [
        ("drove herself in her 2014 Toyota Corolla, GA plate TKV-2291", "Toyota Corolla"),
        ("Adm Dx: closed fracture of left tibial plateau (S82.142A)", "S82.142A"),
        ("Continue St. John's wort? No - interacts with sertraline.", "St. John's wort"),
        ("BP 128/76, HR 72, T 97.6F, SpO2 96% RA", "97.6F"),
    ],
)
def test_clinical_words_survive(text: str, keep: str) -> None:
    start = text.index(keep)
    end = start + len(keep)
    assert not [s for s in spans_of(text) if s.start < end and s.end > start]
