"""A town in no list after "in", "near" or "outside" ("home in Marrowby", "farm near Quillan").

Invented and small towns are in no gazetteer; one capitalised word that no list knows (no
English word, no proper noun English knows, no listed name or eponym) after such a preposition
is read as a place. "from" and "to" are left out: they name drugs as often ("switched from
Xarelto").
"""

from __future__ import annotations

import pytest

from service.deid import find_spans
from tests.unit.deid.conftest import covered, untouched


@pytest.mark.parametrize(
    ("text", "town"),
    [
        ("Home in Marrowby; lives alone.", "Marrowby"),
        ("Works on a farm near Quillan.", "Quillan"),
        ("MVC in Eastbrook on I-90.", "Eastbrook"),
        ("Stays with son in Orrick during winter.", "Orrick"),
        ("Teaches 3rd grade in Ashgrove.", "Ashgrove"),
        ("A small ranch outside Tovarro.", "Tovarro"),
    ],
)
def test_unknown_town_after_a_place_word(text: str, town: str) -> None:
    assert covered(text, find_spans(text), town)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Switched from Xarelto to Eliquis in March.", "Xarelto"),
        ("Documented in Spanish and English.", "Spanish"),
        ("Maintained in Trendelenburg position.", "Trendelenburg"),
        ("Patient interested in Ozempic.", "Ozempic"),
        ("Placed in Buck traction.", "Buck traction"),
        ("Seen in Cardiology clinic.", "Cardiology"),
    ],
)
def test_unknown_town_rule_keeps(text: str, kept: str) -> None:
    assert untouched(text, kept)


@pytest.mark.parametrize(
    ("text", "address"),
    [
        # the tail of an address found without it: a type in lower case, a unit, a route number
        ("address is 1420 maple ridge dr", "1420 maple ridge dr"),
        ("ADDRESS: 1600 COUNTY ROAD 42", "1600 COUNTY ROAD 42"),
        ("Lives at 88 W Elm St, Apt 3B with son.", "88 W Elm St, Apt 3B"),
        ("Mail to 4410 Keystone Pkwy, Ste 2C", "4410 Keystone Pkwy, Ste 2C"),
    ],
)
def test_address_tail_goes_with_it(text: str, address: str) -> None:
    assert covered(text, find_spans(text), address) == {"ADDRESS"}


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Lives at 12 Oak Lane, CT scan tomorrow.", "CT scan"),
        ("Home at 9 Kettle Ct; 2 steps to enter.", "2 steps"),
    ],
)
def test_address_tail_keeps(text: str, kept: str) -> None:
    assert untouched(text, kept)
