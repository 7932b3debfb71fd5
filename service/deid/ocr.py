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
        if not _UNIT_SLASH.match(text, m.end()):
            # "Zip: 2409l", "(54O)", "555-Ol3l": a group of three or more that is digits but
            # for look-alikes is read whole, its last letter too ("10l/min" keeps its litres)
            fixed = _GROUP.sub(_read_group, fixed)
        if fixed == token:
            continue
        parts.append(text[last : m.start()])
        parts.append(fixed)
        last = m.end()
    if not parts:
        return text
    parts.append(text[last:])
    return "".join(parts)
