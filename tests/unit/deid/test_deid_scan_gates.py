"""Speed gates (a cheap scan that must find something before a full regex pass) never hide a match.

Each gate is a necessary condition of its pattern: wherever the pattern matches, the gate must
find something too, or the gated pass would silently lose PHI.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from service.deid import generalise as gen
from service.deid import recognizers as rec
from service.deid.recognizers import AddressRecognizer

Gate = Callable[[str], bool]


def _any_gate(gates: tuple[re.Pattern[str], ...]) -> Gate:
    return lambda text: any(g.search(text) for g in gates)


CASES: list[tuple[str, re.Pattern[str], Gate, str]] = [
    ("city-country", gen._CITY_COUNTRY, lambda t: bool(gen._CITY_COUNTRY_GATE.search(t)),
     "born in Kakuma,\t Kenya in 1990"),
    ("city-country-2", gen._CITY_COUNTRY, lambda t: bool(gen._CITY_COUNTRY_GATE.search(t)),
     "from San Pedro, El Salvador"),
    ("oid", gen._OID, lambda t: bool(gen._OID_GATE.search(t)), "UID 1.2.840.113619.2.55 sent"),
    ("grid", gen._GRID_ADDRESS, _any_gate(gen._GRID_GATES), "lives at 1180 E. 400\tS."),
    ("short-year", gen._MONTH_SHORT_YEAR, _any_gate(gen._QUOTED_YEAR), "since Nov \u201946"),
    ("short-year-2", gen._MONTH_SHORT_YEAR, _any_gate(gen._QUOTED_YEAR), "Sept. '99 visit"),
    ("signed", rec._SIGNED_INITIALS, lambda t: bool(rec._BY_INITIALS.search(t)),
     "Dictated 02/27/2024 14:10 by\tAHC."),
]  # fmt: skip


@pytest.mark.parametrize(
    ("pattern", "gate", "text"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_gate_passes_where_pattern_matches(pattern: re.Pattern[str], gate: Gate, text: str) -> None:
    assert pattern.search(text) is not None  # the example really is a match
    assert gate(text)


@pytest.mark.parametrize(
    "text",
    [
        "1680 S Via\tRoma",  # a tab after the street type ("Via " would miss it)
        "12 Rue\nde la Paix",
        "RR 2 Box 145",
        "P.O. BOX 77",
        "Route 66",
        "near Elm Street",
    ],
)
def test_address_hints_pass_where_a_pattern_matches(text: str) -> None:
    matched = [p for p in AddressRecognizer.PATTERNS if p.regex.search(text)]
    assert matched
    assert all(not p.cannot_match(text) for p in matched)


def test_address_found_after_street_type_and_tab() -> None:
    spans = AddressRecognizer().analyze("Lives at 1680 S Via\tRoma now.")
    assert any(s.category == "ADDRESS" for s in spans)


# The sign-off pattern before its dash was moved first (same matches, a faster scan).
_SIGN_OFF_LOOKBEHIND_FIRST = re.compile(r"(?m)(?<=[ \t])[-\u2013\u2014~][ \t]?([A-Z]{2,3})[ \t]*$")


@pytest.mark.parametrize(
    "text",
    [
        "refill approved. -JM",
        "refill approved.\t\u2013 KLM  \nnext line",
        "-JM at line start",
        "x-JM glued",
        "note ~RT\nok - AB",
        "two - AB - CD",
    ],
)
def test_sign_off_matches_as_with_lookbehind_first(text: str) -> None:
    def found(regex: re.Pattern[str]) -> list[tuple[int, int]]:
        return [m.span(1) for m in regex.finditer(text)]

    assert found(gen._SIGN_OFF) == found(_SIGN_OFF_LOOKBEHIND_FIRST)
