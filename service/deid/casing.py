"""Capitals put back into lower-case dictation, so the recognizers can read it.

Voice-recognition and transcribed dictation often arrive without a single capital ("this is
doctor sebastian kowalczuk-ng dictating ... patient evangeline rourke"). Every name and place
rule reads capitals, so such a note would pass almost untouched. :func:`restore_case` returns
the text as a careful typist would have written it, letter for letter the same length (spans
found in it are spans of the input), with capitals only where this module is sure enough:

- a word English knows only as a proper noun ("bruce", "rourke", "oswego"; see
  :mod:`service.deid.wordlist`), or a listed given or family name that is not also a word;
- the words after a title, a relative or a role ("dr.", "husband", "surgeon", "pa", "by"),
  when they are not ordinary words or are listed names ("hunter", "rose");
- a given name beside a word that is not English ("bill ferrante", "rose tanaka");
- a place of the gazetteer written as several words ("lake oswego");
- the title itself ("Dr."), a credential that is not a word ("CRNA"), and a street before its
  suffix after "on" or a house number ("on southwest moody avenue").

Only lines that read as lower-case prose are touched (a note in ordinary case costs one regex
count), and the result is used for finding spans only: what is replaced, and how, is decided on
the original text. Nothing here is logged or kept.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Final

from service.deid import lexicon as lx
from service.deid.gazetteer import places
from service.deid.prefix_search import word_led
from service.deid.spans import Span
from service.deid.wordlist import common_words, proper_nouns

#: A word that starts with a capital and goes on in lower case: what ordinary prose is full of.
_TITLE_WORD: Final = re.compile(r"[A-Z][a-z]")
#: Speed: every ASCII capital read as "A" and every ASCII small letter as "a", so that the
#: ``_TITLE_WORD`` matches of a whole text are counted by ``str.count("Aa")`` (two such
#: matches never overlap, nor do two "Aa"), with no list of matches built.
_LETTER_CASES: Final = str.maketrans(
    {**dict.fromkeys(string.ascii_uppercase, "A"), **dict.fromkeys(string.ascii_lowercase, "a")}
)
#: A lower-case word (hyphen and apostrophe parts included) or a single letter; letters glued
#: to a number ("3rd", "5mg") are not a word.
_WORD: Final = re.compile(
    # led by the letter (a fast scan), the character before it checked behind it
    r"[a-z](?<![0-9][a-z])[a-z]*(?:['\u2019][a-z]+)?(?:-[a-z]+(?:['\u2019][a-z]+)?)*"
)

#: Notes with fewer Title-case words per space than this are read as lower-case throughout;
#: below the second figure, only their long lower-case lines are.
_ALL_LOWER: Final = 0.03
_SOME_LOWER: Final = 0.12
_LONG_LINE_SPACES: Final = 6

#: Words after which a name follows (besides titles and relatives).
_ROLE_CUES: Final = frozenset(
    [
        "patient",
        "pt",
        "named",
        "surgeon",
        "assistant",
        "anesthesiologist",
        "anesthetist",
        "attending",
        "resident",
        "fellow",
        "intern",
        "pcp",
        "primary",
        "pa",
        "np",
        "rn",
        "crna",
        "mt",
        "transcriptionist",
        "therapist",
        "coordinator",
        "technician",
        "tech",
        "by",
        "dictating",
    ]
)
#: Cues after which words that are not English are a name, whatever the recognizers make of
#: them ("patient evangeline rourke": two unknown capitalised words are not enough for them).
_STRONG_CUES: Final = lx.STRONG_TITLES | lx.RELATION_WORDS | {"patient", "named"}
#: Cues that are themselves written with a capital ("Dr.", "Mrs."): the strong titles.
_CAPITALISED_CUES: Final = lx.STRONG_TITLES
_STREET_SUFFIXES: Final = frozenset(
    ["avenue", "ave", "street", "st", "road", "rd", "boulevard", "blvd", "lane", "ln", "drive"]
)
_STREET_CUES: Final = frozenset(["on", "at", "off", "near", "onto"])
#: Street types that are also plain words ("loop", "way", "court"): a street only after a
#: house number ("2290 northwest juniper ridge loop").
_NUMBERED_STREET_SUFFIXES: Final = frozenset(
    ["loop", "way", "court", "ct", "circle", "cir", "place", "pl", "trail", "terrace", "parkway"]
)
#: Words of a distance or count before a street type that is a word ("a 2 mile loop").
_NOT_STREET_NAMES: Final = frozenset(
    ["mile", "miles", "block", "blocks", "lap", "laps", "minute", "step", "steps", "km", "ft"]
)
_DIRECTIONS: Final = frozenset(
    ["north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest"]
)
_MAX_NAME_WORDS: Final = 3
#: A day of the month after a month word ("june 5", "april fifth"): a date, not a name.
_DAY_AFTER: Final = re.compile(
    r"[ \t]+(?:\d|(?:the[ \t]+)?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|"
    r"tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|"
    r"nineteenth|twentieth|twenty|thirtieth|thirty)\b)"
)
#: "goes by", "known as": the next word is the name someone is called by.
_NICKNAME_CUES: Final = {"by": frozenset(["goes", "go", "going"]), "as": frozenset(["known"])}
#: Two or three letters closing a line or sentence: initials after "by".
_SIGN_OFF_INITIALS: Final = re.compile(r"[a-z]{2,3}(?=[ \t]*(?:[.;)]|$))", re.MULTILINE)
#: Holidays that are ordinary words in lower case, but date an event when written with a capital.
_HOLIDAYS: Final = frozenset(["thanksgiving", "christmas", "easter", "halloween", "juneteenth"])


#: A state written out in lower case before a ZIP code.
_STATE_ZIP: Final = re.compile(
    # "\b(?P<state>(?i:Alabama|...))", led by the first letters (a fast scan)
    rf"(?P<state>{word_led(lx.STATE_NAMES.split('|'), ignore_case=True)})"
    r"[ \t,]+\d{5}(?:-\d{4})?\b"
)


@lru_cache(maxsize=1)
def _place_words() -> tuple[frozenset[str], frozenset[str]]:
    """Gazetteer places in lower case: (multi-word names, single words that are not words)."""
    multi: set[str] = set()
    single: set[str] = set()
    for name, ordinary in places().items():
        low = name.lower()
        if " " in low:
            multi.add(low)
        elif not ordinary:
            single.add(low)
    return frozenset(multi), frozenset(single)


def _lower_spans(text: str) -> list[tuple[int, int]]:
    """The parts of ``text`` that read as lower-case prose (whole text, some lines, or none)."""
    spaces = text.count(" ") + 1
    titled = text.translate(_LETTER_CASES).count("Aa")
    if titled >= _SOME_LOWER * spaces:
        return []
    if titled < _ALL_LOWER * spaces:
        return [(0, len(text))]
    out: list[tuple[int, int]] = []
    start = 0
    for line in text.split("\n"):
        end = start + len(line)
        n_spaces = line.count(" ")
        if n_spaces >= _LONG_LINE_SPACES and len(_TITLE_WORD.findall(line)) <= 1:
            out.append((start, end))
        start = end + 1
    return out


def _number_before(text: str, start: int) -> bool:
    """Whether a house number ("2290 ") ends just before ``start``."""
    return text[max(0, start - 2) : start - 1].isdigit() and text[start - 1 : start] == " "


def _capital(word: str) -> str:
    """ "kowalczuk-ng" -> "Kowalczuk-Ng", "o'neil" -> "O'neil" (same length)."""
    # (a letter whose capital is two letters, "ß" -> "SS", is left as it is: same length)
    return "-".join(
        (p[:1].upper() if len(p[:1].upper()) == 1 else p[:1]) + p[1:] for p in word.split("-")
    )


def _namelike(word: str) -> bool:
    """A listed name, or a word English knows only as a proper noun."""
    parts = word.split("-")
    return all(
        p in lx.first_names() or p in lx.surnames() or (len(p) > 2 and p in proper_nouns())
        for p in parts
    ) and not all(p in common_words() for p in parts)


def _foreign(word: str) -> bool:
    """Not an English word nor a stop word (a surname the lists do not know: "ferrante")."""
    return len(word) > 1 and not any(
        p in common_words() or p in lx.STOP or p in lx.EPONYMS for p in word.split("-")
    )


def _restore(text: str, chars: list[str], start: int, end: int, names: list[Span]) -> None:
    words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text, start, end)]
    multi, single = _place_words()
    caps = [False] * len(words)
    n = len(words)
    i = 0
    while i < n:
        a, b, w = words[i]
        if w in _STREET_SUFFIXES and i > 0:
            # "on southwest moody avenue", "1200 laporte ave": the street's words before it
            j = i - 1
            while j >= 0 and i - j <= _MAX_NAME_WORDS and words[j][2] not in _STREET_CUES:
                j -= 1
            number_before = text[max(0, words[i - 1][0] - 2) : words[i - 1][0]].strip().isdigit()
            if (j >= 0 and words[j][2] in _STREET_CUES and j < i - 1) or number_before:
                for k in range(max(j + 1, i - _MAX_NAME_WORDS), i + 1):
                    caps[k] = True
        elif w in _NUMBERED_STREET_SUFFIXES and i > 0:
            # the house number up to three words back, a direction word besides
            j = i - 1
            while j > 0 and i - j < _MAX_NAME_WORDS and not _number_before(text, words[j][0]):
                j -= 1
            if (
                j < i
                and _number_before(text, words[j][0])
                and all(x[2] not in lx.STOP or x[2] in _DIRECTIONS for x in words[j:i])
                and words[j][2] not in _NOT_STREET_NAMES
            ):
                for k in range(j, i + 1):
                    caps[k] = True
        cue = w in lx.TITLES or w in lx.RELATION_WORDS or w in _ROLE_CUES
        if cue and i + 1 < n:
            if w in _CAPITALISED_CUES:
                caps[i] = True
            # the name after the cue: up to three words, initials with their dot included
            k = i + 1
            while k < n and k - i <= _MAX_NAME_WORDS:
                ka, _, kw = words[k]
                gap = text[words[k - 1][1] : ka]
                if gap not in (" ", ". ", "\t"):
                    break
                # "mister august fairweather": a month that is a given name, first after the
                # cue and with no day number after it
                month_name = (
                    k == i + 1
                    and kw in lx.MONTH_GIVEN_NAMES
                    and k + 1 < n
                    and not _DAY_AFTER.match(text, words[k][1])
                )
                if kw in lx.STOP and len(kw) > 1 and not month_name:
                    break
                if gap == ". " and k - 1 > i and len(words[k - 1][2]) > 1:
                    break  # a full stop ends the name unless it closes a title or an initial
                if lx.CREDENTIAL_RE.fullmatch(kw.upper()) and kw not in common_words():
                    break
                if kw in _ROLE_CUES or kw in lx.TITLES:
                    break  # "by mt j. pak": the next cue starts its own name
                # "dr. ellis banks": a listed family name that is also a word, after a given name
                surname = kw in lx.surnames() and k > i + 1 and caps[k - 1]
                if not surname and w in lx.STRONG_TITLES and k == i + 2 and caps[k - 1]:
                    # "dr yolanda bright, and ...": a title, a given name, then a word that
                    # closes the clause is the family name even when it is also a word
                    surname = text[words[k][1] : words[k][1] + 1] in (",", ";", ".")
                if not (
                    len(kw) == 1
                    or month_name
                    or _namelike(kw)
                    or _foreign(kw)
                    or _given(kw)
                    or surname
                ):
                    break
                caps[k] = True
                k += 1
            run = words[i + 1 : k]
            if w in _STRONG_CUES and any(
                _namelike(x[2]) or _given(x[2]) or x[2] in lx.MONTH_GIVEN_NAMES for x in run
            ):
                names.append(Span("NAME", run[0][0], run[-1][1], 0.7, "dictated-name"))
        if w in _NICKNAME_CUES and i > 0 and words[i - 1][2] in _NICKNAME_CUES[w] and i + 1 < n:
            # "goes by bud", "known as sonny": whatever word follows is what they are called
            a2, b2, _ = words[i + 1]
            caps[i + 1] = True
            names.append(Span("NAME", a2, b2, 0.75, "dictated-name"))
        if w == "by" and i + 1 < n and _SIGN_OFF_INITIALS.match(text, words[i + 1][0]):
            # "transcribed 03/06/25 by kp.": a transcriptionist's initials closing the note
            a2, b2, w2 = words[i + 1]
            if w2 not in common_words() and w2 not in lx.STOP:
                chars[a2:b2] = w2.upper()
                names.append(Span("NAME", a2, b2, 0.7, "dictated-name"))
        if (_namelike(w) and len(w) > 2) or w in _HOLIDAYS:
            caps[i] = True
        i += 1
    for i, (a, b, w) in enumerate(words):
        # a given name beside an unknown word: "bill ferrante", "rose tanaka"
        if (
            _given(w)
            and i + 1 < n
            and text[b : words[i + 1][0]] == " "
            and _foreign(words[i + 1][2])
        ):
            caps[i] = caps[i + 1] = True
        if caps[i] and i > 0 and _given(words[i - 1][2]) and text[words[i - 1][1] : a] == " ":
            caps[i - 1] = True
    for width in (3, 2):
        for i in range(n - width + 1):
            group = words[i : i + width]
            joined = all(text[x[1] : y[0]] == " " for x, y in pairwise(group))
            if joined and " ".join(g[2] for g in group) in multi:
                for k in range(i, i + width):
                    caps[k] = True
    for m in _STATE_ZIP.finditer(text, start, end):
        # "... apartment 4 hillsborough north carolina 27278": the town before a state and ZIP
        state_start = m.start()
        first = next((k for k, x in enumerate(words) if x[0] == state_start), None)
        if first is None:
            continue
        j = first
        for k, x in enumerate(words[j:], j):
            if x[0] >= m.end("state"):
                break
            caps[k] = True
        for width in (3, 2, 1):
            group = words[max(0, j - width) : j]
            if len(group) == width and " ".join(g[2] for g in group).title() in places():
                for k in range(j - width, j):
                    caps[k] = True
                break
    for i, (a, b, w) in enumerate(words):
        if w in single and w not in common_words():
            caps[i] = True
        if lx.CREDENTIAL_RE.fullmatch(w.upper()) and w not in common_words() and len(w) > 2:
            chars[a:b] = w.upper()
        elif caps[i]:
            chars[a:b] = _capital(w)


def _given(word: str) -> bool:
    return word in lx.first_names() or word in lx.ambiguous_names()


@dataclass(frozen=True, slots=True)
class CaseReading:
    """What :func:`restore_case` made of a text."""

    #: The text with capitals restored (same length as the input, or the input itself).
    text: str
    #: Names after a strong cue ("patient evangeline rourke"), offsets into the input.
    names: tuple[Span, ...] = ()
    #: The ranges read as lower-case prose (where a name may be written in lower case).
    lower: tuple[tuple[int, int], ...] = ()


def restore_case(text: str) -> CaseReading:
    """``text`` with capitals restored in its lower-case prose, and the names it is sure of."""
    parts = _lower_spans(text)
    if not parts:
        return CaseReading(text)
    chars = list(text)
    names: list[Span] = []
    for start, end in parts:
        _restore(text, chars, start, end, names)
    out = "".join(chars)
    # str.upper can lengthen a character ("ß" -> "SS"): keep offsets exact or change nothing
    if len(out) != len(text):
        return CaseReading(text)
    return CaseReading(out, tuple(names), tuple(parts))
