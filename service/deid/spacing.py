"""Typewriter and OCR spacing read as ordinary spacing.

Old letters re-keyed from paper, and some OCR output, put a space before every comma and
period and around every hyphen and slash, two spaces between words, and letter-space the
letterhead: "Harold  P.  Whitcomb ,  M.D.", "D.O.B.  2 / 11 / 1921", "S.S. #  287 - 44 - 1093",
"C O L U M B U S    C H E S T". No date, SSN or name rule reads those. :func:`compact_spacing`
returns the text as it would have been typed today, with a map back to the input, so the
recognizers run on the compact text and their spans are moved back onto the original (a span
covers the spaces that were removed inside it).

Only notes that read as spaced throughout are touched: a space before a comma, colon or
semicolon several times over (``_MIN_SPACED_PUNCT``). Ordinary notes, including tables
aligned with runs of spaces, cost one regex count and are left as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from service.deid.spans import Span

#: A word, a space, then a comma, colon or semicolon and a space: the typewriter's mark.
_SPACED_PUNCT: Final = re.compile(r"[A-Za-z0-9] [,;:](?=[ \n])")
_MIN_SPACED_PUNCT: Final = 3
#: A letter-spaced word of the letterhead ("C O L U M B U S", "I N C ."): three or more
#: capitals, one space apart, after two spaces or at the line's start.
_LETTER_SPACED: Final = re.compile(r"(?:(?<=  )|(?<=\n)|^)[A-Z](?: [A-Z]){2,}(?![^ \n,.])")
#: Four or more spaces inside a line: a gap between the fields of a typed form.
_FIELD_GAP: Final = re.compile(r"(?<=[^ \n]) {4,}(?=[^ \n])")
#: Spaces that go: the extra ones of a run, those before closing punctuation, after an opening
#: parenthesis, and around a hyphen or slash between two word characters ("2 / 11", "Trautwein
#: - Booker"; not the dash of "gentleman -- his").
_DROP: Final = re.compile(
    r"(?<= ) +"
    r"|(?<=[A-Za-z0-9.)]) +(?=[,.:;)'](?:[ \n]|$|[0-9]))"
    r"|(?<=\() +"
    r"|(?<=[A-Za-z0-9]) +(?=[-/] +[A-Za-z0-9])"
    r"|(?<=[A-Za-z0-9] [-/]) +(?=[A-Za-z0-9])"
)


@dataclass(frozen=True, slots=True)
class Compacted:
    """The compact text and, for each of its characters, its offset in the input (a character
    is the input's, or a line end standing for a long gap of spaces)."""

    text: str
    origin: tuple[int, ...]

    def spans_in_input(self, spans: Iterable[Span]) -> list[Span]:
        """``spans`` of the compact text as spans of the input (order and disjointness kept:
        the map is increasing)."""
        return [
            Span(s.category, self.origin[s.start], self.origin[s.end - 1] + 1, s.score, s.source)
            for s in spans
        ]


def compact_spacing(text: str) -> Compacted | None:
    """The text with typewriter spacing closed up, or ``None`` for a text not spaced so."""
    # three C-speed counts first: most notes never put a space before a comma
    if text.count(" ,") + text.count(" ;") + text.count(" :") < _MIN_SPACED_PUNCT:
        return None
    if len(_SPACED_PUNCT.findall(text)) < _MIN_SPACED_PUNCT:
        return None
    dropped = bytearray(len(text))
    spaced_ends: set[int] = set()
    for m in _LETTER_SPACED.finditer(text):
        spaced_ends.add(m.end())
        for i in range(m.start() + 1, m.end(), 2):
            dropped[i] = 1
    # after the letterhead: "C O L U M B U S    C H E S T" keeps one space between the words
    for m in _DROP.finditer(text):
        dropped[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    keep = [i for i in range(len(text)) if not dropped[i]]
    if len(keep) == len(text):
        return None
    chars = [text[i] for i in keep]
    # a gap of four or more spaces between fields of a typed form ("Osgood  T .     D.O.B.")
    # stays a break: its one kept space is read as a line end, so "T. D.O.B." is no initials run
    # (not between the words of a letter-spaced letterhead: "M I D L A N D    L U N G")
    breaks = {m.start() for m in _FIELD_GAP.finditer(text) if m.start() not in spaced_ends}
    for n, i in enumerate(keep):
        if i in breaks:
            chars[n] = "\n"
    return Compacted("".join(chars), tuple(keep))
