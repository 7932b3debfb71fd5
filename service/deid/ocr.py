"""Digits misread as letters in scanned and faxed text, read back as digits.

Optical character recognition confuses ``0`` with ``O`` and ``1`` with ``l`` or ``I``: a faxed
records request arrives as "DOB: O4/17/1951", "2O25", "xxx-xx-O6l5". The recognizers look for
digits, so they miss these. :func:`read_digits` returns the text with such letters turned into
the digits they stand for, only inside tokens that are otherwise numbers (two or more digits
and nothing but digits, the look-alike letters, separators and mask characters), so "SpO2",
"O2 sat", "lot ZB48812O7" and every word are left as written. Same length as the input: the
spans found in it are offsets into the original note.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

#: A number-like token: digits, look-alike letters, date/ID separators and masks ("xxx-xx-").
_TOKEN: Final = re.compile(
    # led by its first character (a fast scan), the character before it checked behind it
    r"[0-9OolIxX*](?<![A-Za-z0-9][0-9OolIxX*])[0-9OolIxX*/.-]*[0-9OolI](?![A-Za-z0-9])"
)
#: A stretch of token characters from a digit on. Every token worth reading holds a digit, and
#: a digit is a far rarer first character to scan for than the "o" and "l" that can lead a
#: token; the stretch's start is then found by stepping back over token characters.
_DIGIT_RUN: Final = re.compile(r"[0-9][0-9OolIxX*/.-]*")
_TOKEN_CHARS: Final = frozenset("0123456789OolIxX*/.-")
_LOOKALIKE: Final = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1"})
#: The cheap test: a look-alike letter touching a digit. Led by the digit (rarer than "o" and
#: "l"), the letter looked for after it or behind it.
_GATE: Final = re.compile(r"[0-9](?:[OolI]|(?<=[OolI][0-9]))")


def _candidate_tokens(text: str) -> Iterator[re.Match[str]]:
    """The matches of ``_TOKEN.finditer(text)`` that hold a digit and a look-alike letter.

    A token never crosses a character outside ``_TOKEN_CHARS``, and the matches inside one
    maximal stretch of such characters depend only on it and the characters either side, so
    the scan restarts at each stretch that holds both a digit and a look-alike letter.
    """
    for run in _DIGIT_RUN.finditer(text):
        start, end = run.span()
        while start and text[start - 1] in _TOKEN_CHARS:
            start -= 1
        stretch = text[start:end]
        if "O" not in stretch and "o" not in stretch and "l" not in stretch and "I" not in stretch:
            continue
        for m in _TOKEN.finditer(text, start):
            if m.start() >= end:
                break
            yield m


#: "Tamsin 0'Rourke": a zero misread for the O of an Irish family name (the one place a digit
#: stands for a letter that the name rules need back).
_ZERO_APOSTROPHE: Final = re.compile(r"0(?<![\w]0)['\u2019](?=[A-Z][a-z])")


#: A separator-free group of a token: digits and look-alikes, three or more, one digit at least.
_GROUP: Final = re.compile(r"(?<![0-9OolI])(?=[OolI]*[0-9])[0-9OolI]{3,}(?![0-9OolI])")
#: A unit after the token ("10l/min"): its letters are the unit's.
_UNIT_SLASH: Final = re.compile(r"/[A-Za-z]")


#: A date's shape once read: month, day and a two- or four-digit year, "/" or "-" between.
_DATE_SHAPE: Final = re.compile(
    r"(?:0?[1-9]|1[0-2])([/-])(?:0?[1-9]|[12]\d|3[01])\1(?:\d\d|(?:19|20)\d\d)"
)


def _read_group(m: re.Match[str]) -> str:
    return m.group().translate(_LOOKALIKE)


def read_digits(text: str) -> str:
    """``text`` with OCR look-alike letters read as digits inside number-like tokens (and a
    zero read as the O of "O'Rourke")."""
    if "0'" in text or "0\u2019" in text:
        text = _ZERO_APOSTROPHE.sub(lambda m: "O" + m.group()[1:], text)
    if not _GATE.search(text):
        return text
    parts: list[str] = []
    last = 0
    for m in _candidate_tokens(text):
        token = m.group()
        digits = sum(c.isdigit() for c in token)
        if digits < 2 or not any(c in "OolI" for c in token):
            continue
        # a letter is read as a digit only before a digit: "2O25", "O4/17", "O6l5"; "10l/min"
        # (litres) and "I-10" (an interstate) keep their letters
        fixed = "".join(
            c.translate(_LOOKALIKE) if c in "OolI" and token[i + 1 : i + 2].isdigit() else c
            for i, c in enumerate(token)
        )
        if ("/" in token or "-" in token) and _DATE_SHAPE.fullmatch(token.translate(_LOOKALIKE)):
            # "1l/O4/2O23": a whole date's shape, read whole (the "l" of "1l" is before a
            # separator, not a digit)
            fixed = token.translate(_LOOKALIKE)
        elif not _UNIT_SLASH.match(text, m.end()):
            # "Zip: 2409l", "(54O)", "555-Ol3l": a group of three or more that is digits but
            # for look-alikes is read whole, its last letter too ("10l/min" keeps its litres)
            fixed = _GROUP.sub(_read_group, fixed)
            if "/" in fixed:
                # "O3/1l/2025", "on 3/1O.": a date's day or month of two characters, one a
                # look-alike after a digit, is that digit pair
                fixed = _SHORT_GROUP.sub(_read_group, fixed)
        if fixed == token:
            continue
        parts.append(text[last : m.start()])
        parts.append(fixed)
        last = m.end()
    if not parts:
        return text
    parts.append(text[last:])
    read = "".join(parts)
    # a note that shows misread digits elsewhere: a lone day or age of a digit and a look-alike
    # after a month or "to"/"at" ("March 1l, 2025", "lived to 9l.") is that number too
    return _PAIR_AFTER_CUE.sub(lambda m: m.group(1) + m.group(2).translate(_LOOKALIKE), read)


#: A date's part of one digit and one look-alike after it, between separators ("1l" of
#: "O3/1l/2025", "1O" of "3/1O").
_SHORT_GROUP: Final = re.compile(r"(?<![0-9OolI])[0-9][OolI](?![0-9OolI])")
#: A month name or "to"/"at"/"age" and a number of two characters, a digit and a look-alike.
_PAIR_AFTER_CUE: Final = re.compile(
    r"((?<![\w])(?:Jan|January|Feb|February|Mar|March|Apr|April|May|Jun|June|Jul|July|Aug|"
    r"August|Sep|Sept|September|Oct|October|Nov|November|Dec|December|to|at|age)\.?[ \t]+)"
    r"([0-9][lIO]|[lIO][0-9])(?![\w])"
)


#: A word with a "1" or "0" among its letters ("Ph1lomena", "Boswel1", "Fitzgera1d", "D0"),
#: or a capitalised word in capitals with a lower-case "l" among them ("AUGUSTlNE").
_DIGIT_IN_WORD: Final = re.compile(
    r"(?<![\w-])(?=[A-Za-z]*[01])(?=(?:[01]*[A-Za-z]){3})[A-Za-z][A-Za-z01]*[A-Za-z01](?![\w])"
)
_EL_IN_CAPS: Final = re.compile(r"(?<![\w])[A-Z]+l[A-Zl]*(?![\w])")
#: (as two scans, one for each digit: a scan led by one literal character is several times
#: faster than one led by a class, and the gate holds where either finds one)
_LETTER_DIGIT_GATES: Final = (re.compile(r"1(?<=[A-Za-z]1)"), re.compile(r"0(?<=[A-Za-z]0)"))
_UPPER_LOOKALIKE: Final = str.maketrans({"1": "I", "0": "O", "l": "I"})
_LOWER_LOOKALIKE: Final = str.maketrans({"1": "l", "0": "o"})


def read_letters(text: str) -> str | None:
    """``text`` with OCR's digits read back as the letters of words (same length), or None
    when the note shows no such misreading.

    A fax's names come through as "Ph1lomena Grasso", "Boswel1", "AUGUSTlNE": the name
    rules see a digit or a lower-case letter inside the word and stop. Inside a word of three
    letters or more whose only digits are 1 and 0, a 1 is read as l (I among capitals) and a 0
    as o (O); in a word in capitals a lower-case l is read as I. Only where two or more words
    of a note show it (one "T1" or "B12" is a code, not a scan), and as a second reading whose
    spans count only where they touch a changed letter (see the engine), so identifiers such
    as "AB10" keep their digits for the recognizers that read them."""
    # the cheap test: a 1 or 0 right after a letter (led by the digit, the rarer character;
    # a scan whose names lost only an "I" to an "l" shows digits in some word too)
    if not any(gate.search(text) for gate in _LETTER_DIGIT_GATES):
        return None
    hits = [m for m in _DIGIT_IN_WORD.finditer(text) if sum(c.isdigit() for c in m.group()) <= 2]
    caps = [m for m in _EL_IN_CAPS.finditer(text) if len(m.group()) >= 4]
    if len({m.group() for m in hits}) + len({m.group() for m in caps}) < 2:
        return None  # "HbA1c ... HbA1c", "FEV1 ... FEV1": one code written twice
    chars = list(text)
    for m in hits:
        word = m.group()
        upper = sum(c.isupper() for c in word) > sum(c.islower() for c in word)
        table = _UPPER_LOOKALIKE if upper else _LOWER_LOOKALIKE
        for i, c in enumerate(word):
            if c in "01":
                chars[m.start() + i] = c.translate(table)
    for m in caps:
        for i, c in enumerate(m.group()):
            if c == "l":
                chars[m.start() + i] = "I"
    return "".join(chars)
