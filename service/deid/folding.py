"""Accented Latin letters read as their base letters: "Kraków" as "Krakow", "Łukasz" as "Lukasz".

Most of the recognizers' word classes, and most of the word lists (GeoNames' ASCII names, the
census surnames), are written for unaccented letters, so a name or a town spelled with its
accents was missed ("Łódź", "Šárka Dvořáková") or cut at its first accented letter ("Krak|ów",
whose tail then leaked beside the surrogate). :func:`fold_letters` gives a reading of the note
with the accented letters of its capitalised words replaced by their base letters, one
character for one, so that spans found in it are offsets into the note itself;
:func:`service.deid.engine.find_spans` reads a note both as written (the rules for Spanish,
French and Portuguese notes need the accents) and folded, and keeps the union.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

#: Letters with no decomposition, and ligatures, given the one base letter nearest them (one
#: character each, so that offsets stay put: "ß" reads "s", "æ" reads "a").
_NO_DECOMPOSITION: Final = {
    "ł": "l",
    "Ł": "L",
    "ø": "o",
    "Ø": "O",
    "đ": "d",
    "Đ": "D",
    "ð": "d",
    "Ð": "D",
    "þ": "t",
    "Þ": "T",
    "ß": "s",
    "æ": "a",
    "Æ": "A",
    "œ": "o",
    "Œ": "O",
    "\u0131": "i",  # dotless i
    "ħ": "h",
    "Ħ": "H",
    "ŋ": "n",
    "Ŋ": "N",
}


def _table() -> dict[int, str]:
    # Latin-1, Latin Extended-A and -B, and Latin Extended Additional (Vietnamese): every
    # letter whose canonical decomposition starts with an ASCII letter
    table: dict[int, str] = {}
    for code in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00)):
        char = chr(code)
        if not char.isalpha():
            continue
        base = _NO_DECOMPOSITION.get(char) or unicodedata.normalize("NFD", char)[0]
        if base.isascii() and base.isalpha():
            table[code] = base
    return table


_FOLD: Final = _table()


#: A word holding a letter outside ASCII (letters only: "—" and "°" never start one).
_ACCENTED_WORD: Final = re.compile(r"[^\W\d_]*[^\x00-\x7f\W\d_][^\W\d_]*")


def fold_letters(text: str) -> str | None:
    """``text`` with the accented Latin letters of its capitalised words replaced by their base
    letters (same length), or ``None`` when no such word changes.

    Only capitalised words: a name or a place ("Kraków", "Żółkiewski", "Hôpital") is written
    with a capital, while the lower-case words ("está", "céphalées") are what tells a note in
    Spanish, French or Portuguese apart, and folded they would read as English.
    """
    if text.isascii():
        return None
    parts: list[str] = []
    last = 0
    for m in _ACCENTED_WORD.finditer(text):
        word = m.group()
        if word[0].isupper():
            parts.append(text[last : m.start()])
            parts.append(word.translate(_FOLD))
            last = m.end()
    if not parts:
        return None
    parts.append(text[last:])
    folded = "".join(parts)
    return None if folded == text else folded
