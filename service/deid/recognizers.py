"""Recognizers: each finds the spans of one kind of PHI (Presidio's shape, without its runtime).

A :class:`PatternRecognizer` holds compiled ``PATTERNS`` (regex, score, which group is the PHI),
optional context words that must appear just before a match, and a ``validate`` hook (check
digits, SSN area rules, date sanity) that can drop a match or change its category. Adding a
category is adding a recognizer to :data:`RECOGNIZERS`. :class:`NameRecognizer` is the one
recognizer that is not a bag of regexes: it walks capitalised tokens once and decides by word
lists, titles, credentials and context words; the same pass finds known city names.

All patterns are compiled once at import; nothing here keeps or logs the text it reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar, Final

from service.deid import lexicon as lx
from service.deid.dates import MONTH, parse_date
from service.deid.gazetteer import places
from service.deid.prefix_search import any_of, trie_alternation, word_led
from service.deid.spans import Span
from service.deid.wordlist import common_words


@dataclass(frozen=True, slots=True)
class Pattern:
    """One compiled regex; ``group`` is the part of the match that is PHI."""

    regex: re.Pattern[str]
    score: float
    group: int | str = 0
    #: Substrings of which at least one occurs in every text the regex can match in: a text
    #: with none of them skips the scan (speed only; ``in`` is far cheaper than a regex pass).
    hints: tuple[str, ...] = ()
    #: A cheap regex (one with a literal first character) that must find something first.
    gate: re.Pattern[str] | None = None
    #: The hints lower-cased (ASCII hints only), tested first on the lower-cased text: a text
    #: whose lower-cased form has none of them has none of the hints. Speed only: several case
    #: forms of a hint are one ``in`` test there, and lower-casing a note is far cheaper than an
    #: ``in`` test; where one is found the hints themselves decide as before.
    low_hints: tuple[str, ...] = ()
    #: Lower-case ASCII words one of which every match starts with (any case): in an ASCII text
    #: the regex is tried only where one of them occurs, not scanned over every position.
    #: Speed only; the regex must not match the empty string.
    starts: tuple[str, ...] = ()

    def cannot_match(self, text: str, low: str | None = None) -> bool:
        """Whether ``text`` has none of the hints, or the gate finds nothing in it (``low``:
        ``text.lower()``, when the caller has it)."""
        if self.low_hints:
            if low is None:
                low = text.lower()
            if not any(h in low for h in self.low_hints):
                return True
        if self.hints and not any(h in text for h in self.hints):
            return True
        return self.gate is not None and self.gate.search(text) is None


def _p(
    pattern: str,
    score: float,
    group: int | str = 0,
    flags: int = 0,
    hints: tuple[str, ...] = (),
    gate: str | None = None,
    low_hints: bool = False,
    starts: tuple[str, ...] = (),
) -> Pattern:
    if low_hints and not all(h.isascii() for h in hints):
        raise ValueError("lower-casing keeps a hint only when it is ASCII")
    return Pattern(
        re.compile(pattern, flags),
        score,
        group,
        hints,
        re.compile(gate) if gate else None,
        tuple(dict.fromkeys(h.lower() for h in hints)) if low_hints else (),
        starts,
    )


def _matches_at(
    regex: re.Pattern[str], text: str, low: str, starts: tuple[str, ...]
) -> list[re.Match[str]]:
    """What ``regex.finditer(text)`` finds, when every match starts with one of ``starts``
    (``low``: ``text.lower()``, as long as ``text``: an ASCII text). Each occurrence of a word
    is a place to try; a place inside an earlier match is skipped, as ``finditer`` does."""
    at: list[int] = []
    for word in starts:
        i = low.find(word)
        while i >= 0:
            at.append(i)
            i = low.find(word, i + 1)
    at.sort()
    out: list[re.Match[str]] = []
    done = 0
    for i in at:
        if i < done:
            continue
        m = regex.match(text, i)
        if m is not None:
            out.append(m)
            done = m.end()
    return out


class Recognizer:
    """Base class: ``analyze(text)`` returns the spans this recognizer is sure enough about."""

    name: ClassVar[str] = "recognizer"

    def analyze(self, text: str) -> list[Span]:
        raise NotImplementedError


class PatternRecognizer(Recognizer):
    """Regexes + optional context words + a validate hook."""

    category: ClassVar[str] = "ID"
    PATTERNS: ClassVar[Sequence[Pattern]] = ()
    #: When set, a match counts only if this regex matches the text just before it.
    CONTEXT: ClassVar[re.Pattern[str] | None] = None
    CONTEXT_WINDOW: ClassVar[int] = 30

    def validate(self, text: str, start: int, end: int, _match: re.Match[str]) -> str | None:
        """The category for this match, or ``None`` to drop it. Default: accept."""
        del text, start, end
        return self.category

    def analyze(self, text: str) -> list[Span]:
        spans: list[Span] = []
        low: str | None = None
        for pattern in self.PATTERNS:
            if pattern.low_hints:
                if low is None:
                    low = text.lower()
                if not any(h in low for h in pattern.low_hints):
                    continue
            if pattern.hints and not any(h in text for h in pattern.hints):
                continue
            if pattern.gate is not None and pattern.gate.search(text) is None:
                continue
            matches: Iterable[re.Match[str]]
            # ("İ" is the one character whose lower case is longer: an ASCII text keeps its
            # offsets when lower-cased)
            if pattern.starts and text.isascii():
                if low is None:
                    low = text.lower()
                matches = _matches_at(pattern.regex, text, low, pattern.starts)
            else:
                matches = pattern.regex.finditer(text)
            for match in matches:
                start, end = match.span(pattern.group)
                if start < 0 or start == end:
                    continue
                if self.CONTEXT is not None and not self.CONTEXT.search(
                    text, max(0, start - self.CONTEXT_WINDOW), start
                ):
                    continue
                category = self.validate(text, start, end, match)
                if category is not None:
                    spans.append(Span(category, start, end, pattern.score, self.name))
        return spans


# --- validate helpers ---------------------------------------------------------------------------


def luhn_valid(digits: str) -> bool:
    """Luhn (mod 10) check, as used by card numbers and NPIs."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


_VIN_VALUES: Final = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS: Final = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def vin_valid(vin: str) -> bool:
    """North American VIN check digit (position 9)."""
    vin = vin.upper()
    if len(vin) != 17 or any(c not in _VIN_VALUES for c in vin):
        return False
    remainder = sum(_VIN_VALUES[c] * w for c, w in zip(vin, _VIN_WEIGHTS, strict=True)) % 11
    return vin[8] == ("X" if remainder == 10 else str(remainder))


def dea_valid(dea: str) -> bool:
    """DEA registration number check digit."""
    digits = dea[2:]
    if len(digits) != 7 or not digits.isdigit():
        return False
    d = [int(c) for c in digits]
    return (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10 == d[6]


def ssn_valid(area: str, group: str, serial: str) -> bool:
    """SSA rules: no area 000, 666 or 9xx, no group 00, no serial 0000."""
    return not (area in {"000", "666"} or area.startswith("9") or group == "00" or serial == "0000")


# --- speed --------------------------------------------------------------------------------------
#
# Python's regex engine only skips quickly through text when a pattern starts with a plain
# character class or literal; a leading ``\b``, look-behind or ``(?i:...)`` makes it try every
# position (measured: 4 MB/s against 20-40 MB/s for the same pattern led by a class). So every
# pattern here starts with a class (``_lead``) or literals, is loose, and the exact rules (date
# validity, octet ranges, context words) are checked in Python on the few candidates.


def _case_variants(*words: str) -> tuple[str, ...]:
    """``words`` in lower, Title and UPPER case (hints for a case-insensitive regex)."""
    return tuple(v for w in words for v in (w, w.capitalize(), w.upper()))


def _lead(chars: str, not_before: str) -> str:
    """Start with one of ``chars`` that does not follow one of ``not_before``."""
    return rf"[{chars}](?<![{not_before}][{chars}])"


_WORD_RE: Final = re.compile(r"[a-z][a-z'/]*|\d+|#")

# Patterns of a few checks below, compiled once (``re.match`` with a string looks the pattern up
# in the module's cache at every call): the digits an age starts with; "birthday" after it
# ("90th birthday"); the parts of a masked number; a county's or saint's word, which names no
# town alone; the words after "General" that make it a specialty; the gaps between a moved-to
# place's words, kept by the split.
_LEADING_DIGITS: Final = re.compile(r"\d+")
_BIRTHDAY: Final = re.compile(r"\s+birthday")
_ORDINAL_BIRTHDAY: Final = re.compile(r"(?:-|\s)?(?:th|st|nd|rd)?\s+birthday")
_SPACE_OR_DASH: Final = re.compile(r"[ -]")
_DIVISION_WORD: Final = re.compile(r"(?i)(?:county|parish|borough|township|of|general|st\.?|saint)")
_GENERAL_NOUN_AFTER: Final = re.compile(
    r"\s+(?:Surgery|Medicine|Hospital|Pediatrics|Practice|Anesthesia|Internal|"
    r"Appearance|Surgeon|Store)"
)
_WORD_GAPS: Final = re.compile(r"(\s+|,\s+)")


def _words_before(text: str, start: int, width: int = 40) -> list[str]:
    """The lower-cased words (and numbers) just before ``start``, nearest last."""
    return _WORD_RE.findall(text[max(0, start - width) : start].lower())


# --- dates and ages -------------------------------------------------------------------------------

_MONTH_FIRST: Final = "JFMASONDjfmasond"
#: A month name led by a class (fast); a lower-case "may" (the verb) is not a month.
MONTH_LED: Final = (
    _lead(_MONTH_FIRST, "A-Za-z")
    + r"(?:(?<=[Jj])(?i:an(?:uary)?|une?|uly?)|(?<=[Ff])(?i:eb(?:ruary)?)|"
    r"(?<=[Mm])(?i:ar(?:ch)?)|(?<=M)(?i:ay)|(?<=[Aa])(?i:pr(?:il)?|ug(?:ust)?)|"
    r"(?<=[Ss])(?i:ep(?:t(?:ember)?)?)|(?<=[Oo])(?i:ct(?:ober)?)|(?<=[Nn])(?i:ov(?:ember)?)|"
    r"(?<=[Dd])(?i:ec(?:ember)?))\.?(?![A-Za-z])"
)
#: The first three letters of every word ``MONTH_LED`` matches (each branch needs two letters
#: after the first: "Jan", "Jun", "Jul", "Feb", "Mar", "May", "Apr", ...).
_MONTH_HEADS: Final = (
    "jan",
    "jun",
    "jul",
    "feb",
    "mar",
    "may",
    "apr",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
)
_MD_BEFORE_WORDS: Final = (
    frozenset(
        [
            "on",
            "since",
            "from",
            "until",
            "till",
            "to",
            "through",
            "thru",
            "by",
            "before",
            "after",
            "date",
            "dated",
            "dos",
            "seen",
            "of",
            "last",
            "next",
            "lkw",
            "admitted",
            "discharged",
            "starting",
            "started",
            "start",
            "effective",
            "due",
            "around",
            "circa",
            "ending",
            "beginning",
            "week",
            "visit",
            "appt",
            "surgery",
            "procedure",
            "used",
            "taken",
            "occurred",
            "happened",
            "stopped",
            "ended",
            "noted",
            "placed",
            "removed",
            "done",
            "performed",
            "drawn",
            "collected",
            "received",
            "sent",
            "visited",
            "injured",
            "fell",
            # a day named as when something happens or happened: "due back 10/8", "labs 11/11",
            # "by letter 11/1", "yesterday, 12/9"
            "back",
            "labs",
            "letter",
            "notified",
            "mailed",
            "faxed",
            "scheduled",
            "planned",
            "returned",
            "expires",
            "yesterday",
            "today",
            "tomorrow",
            "tonight",
            # "BCx 3/2", "UCx 3/4": cultures are dated by the day they were drawn
            "bcx",
            "ucx",
            "cx",
            "culture",
            "cultures",
            "neg",
            "negative",
        ]
    )
    | lx.WEEKDAY_WORDS
)
#: Cues strong enough for a low "M/D" ("admitted 4/9", "Friday 4/5") that reads like a score;
#: verbs that also take fractions ("collected 2/3", "noted 1/2") are left out on purpose.
_MD_LOW_OK: Final = (
    frozenset(
        [
            "on",
            "since",
            "dos",
            "date",
            "dated",
            "lkw",
            "admitted",
            "discharged",
            "seen",
            "visit",
            "appt",
            "surgery",
            "procedure",
            "effective",
            "due",
            "injured",
            "fell",
            "bcx",
            "ucx",
            "culture",
            "cultures",
            "yesterday",
            "today",
            "tomorrow",
            # a test result dated by the day ("PCR neg 4/10")
            "neg",
            "negative",
        ]
    )
    | lx.WEEKDAY_WORDS
)
_CLAUSE_BREAK: Final = re.compile(r"[,;(]")
#: A month/day date and a joining word right before another one ("9/23 and 9/30").
_MD_LISTED: Final = re.compile(
    r"(?<![\d/])(\d{1,2}/\d{1,2}(?:/\d{2,4})?)(?:,[ \t]*|[ \t]+(?:and|or|&)[ \t]+)$"
)
_RANGE_SEP: Final = re.compile(r"\s*[-\u2013]\s*")
_MD_AFTER: Final = re.compile(r"\s*(?:@|at\s+\d|\d{1,2}:\d{2}|\d{3,4}\s*(?:h|hrs)\b|-\s*\d)")
#: "Urgent care 7/10 at the Mesa walk-in", "found 3/9 in Cornelius": a place after a month/day.
_MD_PLACE_AFTER: Final = re.compile(r"[ \t]+(?:in|at)(?:[ \t]+the)?[ \t]+[A-Z][a-z]")
_SCALE_JUST_BEFORE: Final = re.compile(r"(?i:pain|score|scale|strength|grade|ratio|power)[ \t:]*$")
#: "- 10/2 0900: RN visit", "- 11/12: last dose": what heads a log line before its month/day,
#: and what follows it there (a colon or a clock time).
_LOG_LINE_HEAD: Final = re.compile(r"[ \t]*(?:[-*\u2022][ \t]*)?")
_LOG_LINE_AFTER: Final = re.compile(r":|[ \t]+(?:[01]\d|2[0-3])[0-5]\d\b")
_MONTH_DAY: Final = re.compile(r"(?:1[0-2]|0?[1-9])/(?:3[01]|[12]\d|0?[1-9])")
#: "(the 16th)", "til the 14th,", 'about the 20th" of last month': a day of the month written
#: alone after "the", closed by a bracket, punctuation, the line's end or "of last month".
_THE_BEFORE: Final = re.compile(r"(?:[Tt]he|THE)[ \t]+$")
_ORDINAL_CLOSED: Final = re.compile(
    r"[\"\u201d]?[ \t]+of[ \t]+(?:this|last|next|the)[ \t]+month|\)|[ \t]*[,;.]|[ \t]*$",
    re.MULTILINE,
)
#: (Not ``_ORDINAL_BEFORE``: these also accept "til", "about", "around" and "birthday", leave
#: out the weekdays, "to", "starting" and "of", and hold only with the closing context above,
#: where the exclusions after the ordinal are not asked.)
_ORDINAL_ALONE_CUES: Final = frozenset(
    [
        "til",
        "till",
        "until",
        "thru",
        "through",
        "on",
        "by",
        "since",
        "before",
        "after",
        "from",
        "about",
        "around",
        "birthday",
    ]
)
_WORD_BREAKS: Final = str.maketrans("\"',-", "    ")


def last_word(text: str, start: int) -> str:
    """The lower-cased word just before ``start`` (quotes, commas and hyphens break words:
    "sexta-feira, dia 14" gives "feira"; 'about the 20th"' gives "about")."""
    words = text[max(0, start - 16) : start].translate(_WORD_BREAKS).split()
    return words[-1].lower() if words else ""


def _ordinal_alone(text: str, start: int, end: int) -> bool:
    """ "(the 16th)", "til the 14th,": a day of the month after "the", cued by a bracket or a
    word before "the" and closed after it (see ``_ORDINAL_CLOSED``)."""
    if int(text[start : end - 2]) > 31:
        return False
    the = _THE_BEFORE.search(text, max(0, start - 8), start)
    if the is None or not _ORDINAL_CLOSED.match(text, end):
        return False
    at = the.start()
    if at and (text[at - 1].isalnum() or text[at - 1] == "_"):
        return False
    return text[at - 1 : at] == "(" or last_word(text, at) in _ORDINAL_ALONE_CUES


def _framed_month_day(text: str, start: int, end: int) -> bool:
    """A month/day in a frame that makes it a date: at the head of a log line before a colon or
    a clock time ("- 10/2 0900:"), in brackets before a colon ("Day 6 (2/4):"), or before a
    place ("7/10 at the Mesa walk-in")."""
    if not _MONTH_DAY.fullmatch(text, start, end):
        return False
    line = text.rfind("\n", 0, start) + 1
    if (
        start - line <= 8
        and _LOG_LINE_HEAD.fullmatch(text, line, start)
        and _LOG_LINE_AFTER.match(text, end)
    ):
        return True
    if text[start - 1 : start] == "(" and text[end : end + 2] == "):":
        return True
    return bool(_MD_PLACE_AFTER.match(text, end)) and not _SCALE_JUST_BEFORE.search(
        text, max(0, start - 16), start
    )


_SCALE_WORDS: Final = re.compile(
    r"(?i)\b(?:strength|power|motor|murmur|pain|reflex|score|scale|grade|out of|bp\b|sbp|dbp|"
    r"blood pressure|ratio|titer|dilution|tab|pill|dose|cup|inch|splits?|fraction|"
    # ventilator settings ("5/5 PS/PEEP"), a count of steps or sets done
    r"peep|cpap|bipap|ps\b|steps\b|sets\b)"
)
_MONTH_MODIFIERS: Final = frozenset(
    [
        "early",
        "mid",
        "late",
        "end",
        "beginning",
        "start",
        "since",
        "in",
        "during",
        "until",
        "through",
        "last",
        "next",
        "this",
        # "this past March"
        "past",
        "before",
        "after",
        "by",
        "around",
        "of",
        # "a trip planned for July", "booked for June"
        "for",
    ]
)
#: What makes an ordinal a count, not a day of the month ("the 2nd dose", "5th rib").
ORDINAL_COUNT_AFTER: Final = re.compile(
    r"\s*(?:of\s+(?:\d|the\s+(?:month|year))|percentile|grade|decade|floor|cycle|rib|toe|"
    r"finger|digit|nerve|ics|intercostal|metatarsal|trimester|time|dose|day|week|month|year|"
    r"visit|attempt|line|round|session|degree|birthday)",
    re.IGNORECASE,
)
_ORDINAL_BEFORE: Final = (
    frozenset(
        [
            "on",
            "since",
            "by",
            "until",
            "till",
            "before",
            "after",
            "from",
            "through",
            "thru",
            "to",
            "starting",
            "of",
        ]
    )
    | lx.WEEKDAY_WORDS  # "Wed the 20th"
)


#: What ends the clause of a day of the month after "the" and some other word (see
#: ``DateRecognizer.validate``): its end, "of last month", a range to another day, or a word
#: of cause or time; not a list of ordinals ("the 2nd, 3rd and 4th toes").
_ORDINAL_EVENT_AFTER: Final = re.compile(
    r"(?![ \t]*,[ \t]*\d{1,2}(?i:st|nd|rd|th))"
    r"(?:[ \t]*(?:[,;.)]|$)|[ \t]+(?i:of[ \t]+(?:this|last|next|the)[ \t]+month\b|"
    r"(?:due|when|because|per|but|then|@)\b)|"
    # a range to another day that is not a count of things ("the 2nd to 5th ribs")
    r"(?:[ \t]+(?i:to|through|thru|until|till)[ \t]+(?:the[ \t]+)?|[ \t]*[-\u2013][ \t]*)"
    r"\d{1,2}(?i:st|nd|rd|th)(?=[ \t]*(?:[,;.)]|$)|[ \t]+(?:of|and|at|in|for|with)\b))",
    re.MULTILINE,
)
#: Words before "the" that make the ordinal a rank or a place in a series ("is the 2nd",
#: "in the 3rd.", "every 4th").
_ORDINAL_RANK_BEFORE: Final = frozenset(["is", "are", "in", "into", "within", "be", "every"])
_MONTH_CLOSE_OR_RANGE: Final = re.compile(rf"\)|[ \t]*[-\u2013][ \t]*{MONTH}\b")
_SCHEDULED: Final = frozenset(
    ["scheduled", "rescheduled", "booked", "set", "planned", "slated", "due", "moved", "reminder"]
)
#: A software release's number before a dotted triple.
_VERSION_BEFORE: Final = re.compile(
    r"(?<![A-Za-z])(?i:version|ver\.?|build|release|firmware|software|v)[ \t:]*$"
)
#: An insulin before a slashed triple ("Insulin 10/10/10 with meals", "Novolog 6/6/8 units").
_INSULINS: Final = (
    "insulin",
    "humalog",
    "novolog",
    "lispro",
    "aspart",
    "glulisine",
    "admelog",
    "apidra",
    "fiasp",
    "lyumjev",
)
_INSULIN_BEFORE: Final = re.compile(rf"(?i:{'|'.join(_INSULINS)})[^.\n\d]{{0,12}}$")
#: Speed: the insulins in a lower-cased ASCII window. Case-blind, a name matches in an ASCII
#: text only where the lower-cased text holds it (the other letters case-blind letters match,
#: the dotted capital I, the dotless i, the long s and the Kelvin sign, are not ASCII), so a
#: window with none needs no case-blind search (most slashed triples are dates with no insulin
#: before them).
_INSULIN_NAME: Final = re.compile(any_of(_INSULINS))
#: Month words that are no name, English word or clinical abbreviation (unlike "May", "June",
#: "March", "Jan", "Dec" (decreased), "OCT" (the scan)): a date on their own.
_MONTH_ONLY_WORDS: Final = frozenset(
    ["January", "February", "September", "October", "November", "December", "Feb", "Sept"]
)
_TWO_PART: Final = re.compile(r"\d{1,2}[-/.]\d{1,4}")
_MONTH_START: Final = re.compile(MONTH)
_WORD_ONLY: Final = re.compile(r"[A-Za-z]+\.?")
_YEAR_FIRST: Final = re.compile(r"\d{4}[-/.]")


class DateRecognizer(PatternRecognizer):
    """Every date element more specific than a year: numeric, ISO, month names, "the 3rd"."""

    name = "date"
    category = "DATE"
    PATTERNS = (
        # 03/14/2021, 2021-03-14, 14.03.2021, 3/14, 11/2023 (validated by parsing)
        # (two parts only with a slash: "2.5" and "10-12" are never dates)
        _p(
            # (an underscore before it is a file name's separator: "export_2024-06-04.csv")
            r"[0-9](?<![^\W_][0-9])(?<![/.-][0-9])"
            + r"\d{0,3}(?:([-.])\d{1,4}\1\d{1,4}|/\d{1,4}(?:/\d{1,4})?)(?!\d|[-/.]\d)",
            0.9,
        ),
        # 20240604, and 06042024 (month first) as in "scan_06042024.pdf" (validated by parsing)
        _p(r"[0-2](?<![^\W_][0-2])" + r"\d{7}(?!\d)", 0.5),
        # 11/25-11/27, 3/2/24 - 3/9/24, 06/2025-07/2025: a range of numeric dates (each side
        # validated)
        _p(
            _lead("0-9", r"\w/.-") + r"\d?/(?:\d{4}|\d{1,2}(?:/\d{2,4})?)\s*[-\u2013]\s*"
            r"\d{1,2}/(?:\d{4}|\d{1,2}(?:/\d{2,4})?)(?![\d/])",
            0.9,
            # Speed: the slash before the dash, then the one after it, led by the literal "/"
            # (a digit-led scan tries every digit of the note; few notes hold a range)
            gate=r"/\d{1,4}\s*[-\u2013]\s*\d{1,2}/",
        ),
        # March 3, 2021 / Mar 3rd / March 2021 / mid-May
        _p(
            MONTH_LED + r"(?:(?:[\s-]+|,\s*)(?:\d{1,2}(?:st|nd|rd|th|ST|ND|RD|TH)?(?!\d|:\d)"
            # a year after the day is 18xx-20xx: "Oct 1 1630" is a date and a clock time
            r"(?:,?\s+(?:1[89]|20)\d\d(?!\d))?|\d{4}(?!\d))|"
            # "A1c Mar/2024": a month and its year joined by a slash
            r"/(?:19|20)\d\d(?![\d/]))?",
            0.9,
            # Speed: the month-led scan tries every "a", "s", "o", "n", "d" ... of a note; the
            # twelve three-letter heads of the month words are found by ``str.find`` instead
            starts=_MONTH_HEADS,
        ),
        # 14th March 2023 / 3rd of March / 02-Apr-2024
        _p(
            _lead("0-9", r"\w/.-")
            + r"\d?(?:(?:st|nd|rd|th)?(?:\s+of\s+|[\s-])"
            + MONTH
            + r"(?:(?:,?\s+|-)\d{4}(?!\d)|-\d{2}(?!\d))?(?![A-Za-z])"
            # "04JUN2024", "4JUN24", "11JUN": a military date glued into one token (a capital
            # month of three letters right after the day; its year, if any, right after it);
            # the same digit-led scan, so no new pass over the note
            r"|(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEPT?|OCT|NOV|DEC|Jan|Feb|Mar|Apr|May|Jun|"
            r"Jul|Aug|Sept?|Oct|Nov|Dec)(?:\d{4}|\d{2})?(?![A-Za-z0-9]))",
            # Speed: the lead and "\d?" are shared, not written again in a second branch (a
            # pattern of two branches has no first character for the engine to skip to). The
            # same matches: "\d?" then the first branch, then the second, is tried in another
            # order than the two branches each with their "\d?", but the one pair of tries
            # swapped never both match (the glued month right after a second digit; the first
            # branch wants a suffix, a blank or a hyphen right after the first digit).
            0.9,
        ),
        # on the 9th (ON THE 9TH in a report written in capitals)
        _p(_lead("0-9", r"\w") + r"\d?(?:st|nd|rd|th|ST|ND|RD|TH)(?![A-Za-z])", 0.75),
        _p(
            # One prefix tree of the words ("'?s" written out as "'s" then "s") and of their
            # upper-case forms for an upper-case note ("FALL AT HOME ON CHRISTMAS DAY"), so the
            # scan has a first character to look for. It was written as two alternations,
            # "(?:Christmas|...)(?:\s+(?:Day|...))?\b|(?:CHRISTMAS|...)(?:\s+(?:DAY|...))?\b":
            # no text matches a word of both at one position, and each word's last letter
            # (lower case or capital) picks the half's "Day".
            trie_alternation(
                "Christmas|Thanksgiving|Easter|New Year's|New Years|Halloween|Independence Day|"
                "Memorial Day|Labor Day|Veterans Day|Valentine's Day|Valentines Day|"
                "Valentine's day|Valentines day|Mother's Day|"
                "Mothers Day|Father's Day|Fathers Day|Juneteenth|Hanukkah|Passover|Diwali|"
                "CHRISTMAS|THANKSGIVING|EASTER|NEW YEAR'S|NEW YEARS|HALLOWEEN|INDEPENDENCE DAY|"
                "MEMORIAL DAY|LABOR DAY|VETERANS DAY|VALENTINE'S DAY|VALENTINES DAY|JUNETEENTH"
            )
            + r"(?:(?<=[a-z])(?:\s+(?:Day|Eve|Sunday))?|(?<=[A-Z])(?:\s+(?:DAY|EVE|SUNDAY))?)\b",
            0.6,
            # Speed: one scan for any of the holidays' words, in place of 27 ``in`` tests.
            gate=any_of(
                (
                    "CHRISTMAS",
                    "THANKSGIVING",
                    "EASTER",
                    "NEW YEAR",
                    "HALLOWEEN",
                    "INDEPENDENCE DAY",
                    "MEMORIAL DAY",
                    "LABOR DAY",
                    "VETERANS DAY",
                    "VALENTINE",
                    "JUNETEENTH",
                    "Christmas",
                    "Thanksgiving",
                    "Easter",
                    "New Year",
                    "Halloween",
                    "Independence",
                    "Memorial",
                    "Labor",
                    "Veterans",
                    "Valentine",
                    "Mother",
                    "Father",
                    "Juneteenth",
                    "Hanukkah",
                    "Passover",
                    "Diwali",
                )
            ),
        ),
    )

    def validate(self, text: str, start: int, end: int, _match: re.Match[str]) -> str | None:
        value = text[start:end]
        first = value[0]
        if first.isdigit():
            if value[-2:].lower() in ("st", "nd", "rd", "th"):
                words = _words_before(text, start, 24)
                if len(words) < 2 or words[-1] != "the":
                    return None
                if _ordinal_alone(text, start, end):
                    return self.category
                if words[-2] not in _ORDINAL_BEFORE and not (
                    # "scheduled for the 30th", "booked for the 3rd"
                    words[-2] == "for" and len(words) >= 3 and words[-3] in _SCHEDULED
                ):
                    # "Symptoms began the 21st.", "Stopped the 28th due to rash", "ICU the 2nd
                    # to the 5th": after any other word, a day of the month whose clause ends
                    # with it, or that opens a range of days or a clause of cause or time (a
                    # count goes on with its noun: "the 3rd molar", "the 2nd, 3rd and 4th toes")
                    if (
                        words[-2] in _ORDINAL_RANK_BEFORE
                        or int(value[:-2]) > 31
                        or not _ORDINAL_EVENT_AFTER.match(text, end)
                    ):
                        return None
                    return self.category
                return None if ORDINAL_COUNT_AFTER.match(text, end) else self.category
            if "/" in value and _RANGE_SEP.search(value):
                parts = _RANGE_SEP.split(value)
                if len(parts) != 2 or any(parse_date(v) is None for v in parts):
                    return None
                return self._month_day(text, start, end, parts[0], ranged=True)
            if _TWO_PART.fullmatch(value):
                if "/" not in value or parse_date(value) is None:
                    return None  # 10-12, 2.5: ranges and decimals, not dates
                return self._month_day(text, start, end, value)
            if "." in value and _VERSION_BEFORE.search(text, max(0, start - 12), start):
                return None  # "Version 10.2.24", "firmware v4.6.1": a release, not a date
            if value.count("/") == 2:
                window = text[max(0, start - 24) : start]
                if (not window.isascii() or _INSULIN_NAME.search(window.lower())) and (
                    _INSULIN_BEFORE.search(text, max(0, start - 24), start)
                ):
                    return None  # "Humalog 10/10/10": a dose with each meal, not Oct 10, 2010
            when = parse_date(value)
            if when is None or (_YEAR_FIRST.match(value) and not 1800 <= when.year <= 2199):
                return None  # "ref 4010-02-16": a catalogue number shaped as an ISO date
            return self.category
        if not _MONTH_START.match(value):
            # a holiday
            return self.category if start == 0 or not text[start - 1].isalnum() else None
        if _WORD_ONLY.fullmatch(value):
            if value.rstrip(".") in _MONTH_ONLY_WORDS:
                # "Seen Sept by derm", "Relapsed October": a month word that is nothing else
                return self.category
            # a month on its own: only with "mid-", "in", "since" ... before it
            words = _words_before(text, start, 20)
            if words and words[-1] in _MONTH_MODIFIERS:
                return self.category
            # "A1c 7.9% (Sept)", "(ran out Nov)": a month that closes a bracket; "Feb-Sep
            # 2024" (hyphen or en dash): the first month of a range
            # (not "per MAR)": in capitals three letters are the medication record)
            return (
                self.category
                if _MONTH_CLOSE_OR_RANGE.match(text, end) and not value.isupper()
                else None
            )
        return self.category if parse_date(value) is not None else None

    def analyze(self, text: str) -> list[Span]:
        spans = super().analyze(text)
        out: list[Span] = []
        for span in spans:
            value = text[span.start : span.end]
            if span.score == 0.75 and text[span.start - 4 : span.start].lower() == "the ":
                # "the 20th" as a whole (the shifter keeps the "the")
                out.append(Span(span.category, span.start - 4, span.end, 0.75, self.name))
                continue
            sep = _RANGE_SEP.search(value) if "/" in value and span.score == 0.9 else None
            if sep is None or not value[0].isdigit():
                out.append(span)
                continue
            # "11/25-11/27": two dates, so each can be shifted on its own
            out.append(Span(span.category, span.start, span.start + sep.start(), 0.9, self.name))
            out.append(Span(span.category, span.start + sep.end(), span.end, 0.9, self.name))
        return out

    def _month_day(
        self, text: str, start: int, end: int, value: str, *, ranged: bool = False
    ) -> str | None:
        if not ranged and _framed_month_day(text, start, end):
            return self.category
        before = text[max(0, start - 14) : start]
        # a scale word in an earlier clause ("before 4th dose, 3/6 at 2130") does not count
        before = _CLAUSE_BREAK.split(before)[-1]
        # nor one in the next clause ("11/01-11/07 0900 MH; BP 108/62": the pressure is read
        # after the entry that dates it)
        after_words = _CLAUSE_BREAK.split(text[end : end + 12])[0]
        if _SCALE_WORDS.search(before) or _SCALE_WORDS.search(after_words):
            return None
        first, _, second = value.partition("/")
        month, day = int(first), int(second.split("/")[0])
        if len(second) == 4 and 1 <= month <= 12 and second[:2] in ("19", "20"):
            return self.category  # "MRI 11/2021": month and year
        words = _words_before(text, start, 24)
        strong_before = bool(words) and words[-1] in _MD_BEFORE_WORDS
        after = ranged or bool(_MD_AFTER.match(text, end))
        if not (strong_before or after):
            # "on 9/23 and 9/30": the second of two dates joined by "and", "or" or a comma
            prior = _MD_LISTED.search(text, max(0, start - 24), start)
            if prior is not None and self._month_day(
                text, prior.start(1), prior.end(1), prior.group(1)
            ):
                return self.category
        if month <= day <= 10 and not after and not (words and words[-1] in _MD_LOW_OK):
            return None  # "5/5", "2/6", "4/10": far more often a score than a date
        return self.category if strong_before or after else None


_AGE_UNIT_AFTER: Final = re.compile(
    # "94 YEAR OLD" in an all-capitals report: the unit words in any case
    # ("91yF", "93YM": a census line's year and sex run together, no "o")
    r"\s*-?\s*(?:y/o|y\.o\.|(?i:yo[mf]?)\b|(?i:yrs?|years?)\b|-?(?i:year)|(?i:yr)\b|[yY][MF]\b|Y\b|"
    r"[MF]\b|y\b)"
)
_AGE_WORD_BEFORE: Final = frozenset(
    ["age", "aged", "is", "at", "turned", "turns", "turning", "reached", "almost", "nearly", "be"]
)
_NOT_AGE_AFTER: Final = re.compile(
    r"(?i)\s*(?:%|mg|kg|lbs?|bpm|mmhg|°|/|\.\d|ml|cm|mm|units?|percent|beats|min|minutes|sec|"
    r"seconds|hours?|hrs?|days?|weeks?|months?|mcg|g\b|F\b|C\b|[-\u2013]\s*\d|"
    # units spelled out in dictation ("one hundred fifty milliliters")
    r"milli(?:liters?|litres?|grams?|meters?|metres?)|grams?|liters?|litres?|"
    r"centimeters?|millimeters?|pounds?|kilograms?|degrees?)"
)
_VITALS_BEFORE: Final = frozenset(
    [
        "hr",
        "pulse",
        "heart",
        "rate",
        "t",
        "temp",
        "temperature",
        "tmax",
        "spo",
        "o",
        "sat",
        "sats",
        "saturation",
        "glucose",
        "bs",
        "bg",
        "sugar",
        "fsbg",
        "weight",
        "wt",
        "bp",
        "sbp",
        "dbp",
        "map",
        "rr",
        "fev",
        "score",
        "level",
        "na",
        "cl",
        "k",
        "bun",
        "scored",
        "ef",
        "was",
        "of",
        "hgb",
        "plt",
        "wbc",
        "ht",
        "height",
        "index",
        # "blood pressure one sixty over ninety": the diastolic reading
        "over",
    ]
)


#: Number words that continue a spelled number ("one hundred [and] fifty"), read past to
#: find the unit after the whole number.
_MORE_NUMBER_WORDS: Final = re.compile(
    r"(?:[ \t-]+(?:and|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|"
    r"sixty|seventy|eighty|ninety|hundred|thousand)\b)+"
)
#: What may follow an age given on its own: a clause break, "and", or the end of the line.
_AGE_CLAUSE_END: Final = re.compile(r"[ \t]*(?:[,;)]|\.(?!\d)|$|and\b)", re.MULTILINE)
#: A capitalised name and a comma just before a number: an appositive age.
#: Also with a bracket closing the name or a word of status between ("Galina Z.), 93,",
#: "Ida Lindahl, living, 98," in a pedigree).
_NAME_COMMA_BEFORE: Final = re.compile(
    # (letters of any script after the capital: "Cụ Nguyễn Thị Bưởi, 97, lives in Huế")
    r"[A-Z\u00c0-\u00de\u0100-\u024f][^\W\d_](?:[^\W\d_]|['\u2019-])*\)?,[ \t]"
    r"(?:(?:living|alive|deceased|d\.),[ \t])?$"
)
#: "Age/Sex: 92/F", "age/gender 95 / m": the age half of a slashed age-and-sex field.
_SEX_AFTER_SLASH: Final = re.compile(
    r"[ \t]*/[ \t]*(?:[MFmf]|male|female|Male|Female|MALE|FEMALE)\b"
)
#: "F, 93, fall at home": a sex letter and a comma just before the number (a triage line).
_SEX_COMMA_BEFORE: Final = re.compile(r"(?<![\w/])[MF],[ \t]$")
#: The unit words of an "Age (yrs):" or "Age in years:" label.
_AGE_LABEL_UNITS: Final = frozenset(["y", "yr", "yrs", "years"])
#: Relatives whose age is given as "(92)" or "Father: 94," (family history, a caregiver).
_AGE_RELATIVES: Final = lx.RELATION_WORDS | frozenset(["father", "grandma", "grandpa"])


class AgeRecognizer(PatternRecognizer):
    """Ages over 89 ("92 y/o", "aged 96", "in her late 90s", "ninety-four", "centenarian")."""

    name = "age"
    category = "AGE"
    PATTERNS = (
        # 90-119 only: every other number is rejected anyway, so never hand it to Python
        _p(
            _lead("19", r"\w.") + r"(?:(?<=9)\d|(?<=1)[01]\d)(?!\d)(?:'?s|st|nd|rd|th)?",
            0.85,
        ),
        _p(
            _lead("NnOoCcSs", "A-Za-z")
            + r"(?i:(?<=n)inety(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine))?|"
            r"(?<=o)ne\s+hundred(?:\s+and)?(?:\s+(?:one|two|three|four|five|six|seven|eight|nine|ten))?|"
            r"(?<=n)onagenarian|(?<=c)entenarian|(?<=s)upercentenarian)(?![A-Za-z])",
            0.85,
            hints=_case_variants("inety", "hundred", "genarian", "tenarian"),
            low_hints=True,
        ),
    )

    def validate(self, text: str, start: int, end: int, _match: re.Match[str]) -> str | None:
        value = text[start:end]
        words = _words_before(text, start, 24)
        if value.lower().endswith("genarian") or value.lower().endswith("centenarian"):
            return self.category
        if value[0].isdigit():
            number = int(_LEADING_DIGITS.match(value).group())  # type: ignore[union-attr]
            if not 90 <= number <= 119:
                return None
            if words and words[-1] in _VITALS_BEFORE:
                return None
            if start >= 2 and text[start - 1] in "-\u2013" and text[start - 2].isdigit():
                return None  # the top of a range ("90-100 F"): a reading, not an age
            suffix = value[len(str(number)) :].lower()
            if suffix.endswith("s") and suffix not in ("st",):
                # "in her late 90s"
                return (
                    self.category
                    if number % 10 == 0
                    and any(
                        w in ("his", "her", "their", "the", "patient's", "pt's") for w in words[-3:]
                    )
                    else None
                )
            if suffix:
                return self.category if _BIRTHDAY.match(text[end : end + 10]) else None
        if _AGE_UNIT_AFTER.match(text, end) or _ORDINAL_BIRTHDAY.match(text[end : end + 14]):
            return self.category
        if words and words[-1] in _AGE_WORD_BEFORE and not _NOT_AGE_AFTER.match(text, end):
            return self.category
        if (
            not value[0].isdigit()
            and words
            and words[-1] == "was"
            and not (len(words) > 1 and words[-2] in _VITALS_BEFORE)
            and not _NOT_AGE_AFTER.match(text, end)
        ):
            return self.category  # 'her husband was "ninety-one when he went"' (no reading)
        if (
            words
            and (
                words[-1] in ("age/sex", "age/gender")
                or (words[-1] in ("sex", "gender") and words[-2:-1] == ["age"])
            )
            and _SEX_AFTER_SLASH.match(text, end)
        ):
            return self.category  # "Age/Sex: 92/F": the slash is the field's, not a unit's
        if _NOT_AGE_AFTER.match(text, end) or (words and words[-1] in _VITALS_BEFORE):
            return None
        more = None if value[0].isdigit() else _MORE_NUMBER_WORDS.match(text, end)
        if more is not None and _NOT_AGE_AFTER.match(text, more.end()):
            return None  # "one hundred and forty minutes": a larger number with its unit
        if not value[0].isdigit():
            # "ninety-four" spelled out is a person's age unless a unit follows
            return self.category
        if (
            words
            and words[-1] == "now"
            and not (len(words) > 1 and words[-2] in _VITALS_BEFORE)
            and _AGE_CLAUSE_END.match(text, end)
        ):
            return self.category  # "her father, now 93, lives with her"
        if _NAME_COMMA_BEFORE.search(text, max(0, start - 40), start) and _AGE_CLAUSE_END.match(
            text, end
        ):
            return self.category  # "Mrs. Philomena Ashworth-Nakamura, 94, in 6 North"
        return self._labelled_age(text, start, end, words)

    @staticmethod
    def _labelled_age(text: str, start: int, end: int, words: list[str]) -> str | None:
        """Ages known by the field or person they belong to, not by a unit after them."""
        if not words:
            return None
        last = words[-1]
        if last in _AGE_LABEL_UNITS and "age" in words[-4:-1]:
            return "AGE"  # "Age (yrs): 91", "age in years: 90"
        if _SEX_COMMA_BEFORE.search(text, max(0, start - 4), start) and _AGE_CLAUSE_END.match(
            text, end
        ):
            return "AGE"  # "F, 93, fall at home"
        if last in _AGE_RELATIVES:
            before = text[max(0, start - 2) : start]
            bracketed = before.endswith("(") and text[end : end + 1] == ")"
            labelled = (
                before.rstrip().endswith(":") and _AGE_CLAUSE_END.match(text, end) is not None
            )
            if bracketed or labelled:
                return "AGE"  # "wife (92) is his caregiver", "Father: 94, hypertension"
        return None


# --- contact details ------------------------------------------------------------------------------

_PHONE_STRICT: Final = re.compile(
    r"(?<![\w+/.-])(?:(?:\+?1[\s.-]?)?(?:\(\s*[2-9]\d{2}\s*\)\s*|[2-9]\d{2}[\s.-])"
    r"[2-9]\d{2}[\s.-]\d{4}|\([2-9]\d{2}\)\s*[2-9]\d{6}|\+\d{1,3}[\s.-]?\d{1,4}(?:[\s.-]\d{2,4}){2,4})"
    r"(?:\s*(?:x|ext\.?|extension)\s*\d{1,5})?(?![\w]|-\d)"
)
_PHONE_LOCAL: Final = re.compile(r"[2-9]\d{2}[-.]\d{4}(?!\d)")
#: "home 502/555-0117": the area code and a slash (led by the slash, the code read back).
_PHONE_SLASH: Final = re.compile(r"/[2-9]\d{2}-\d{4}(?![\w-])")
_AREA_CODE_BEFORE: Final = re.compile(r"(?<![\w/.-])[2-9]\d{2}$")
_PHONE_WORDS: Final = frozenset(
    [
        "phone",
        "tel",
        "telephone",
        "call",
        "cell",
        "mobile",
        "pager",
        "page",
        "fax",
        "ph",
        "contact",
        "at",
        "#",
        "number",
        "line",
    ]
)
_FAX_BEFORE: Final = re.compile(r"(?i)(?:fax|facsimile|\bf\s*[:#]|\(f\))[^\n]{0,12}$")
_FAX_AFTER: Final = re.compile(r"(?i)\s*\(?(?:fax|f)\)")
_PHONE_WORDS_BEFORE: Final = re.compile(r"(?i)(?:phone|tel|cell|mobile|ph|\(h\)|\(c\)|\(w\))")


class PhoneRecognizer(PatternRecognizer):
    """Telephone and fax numbers (fax when the label before or after says so)."""

    name = "phone"
    category = "PHONE"
    PATTERNS = (
        _p(
            _lead("0-9(+", r"\w+/.-")
            + r"[0-9 .()+-]{6,18}(?:\s*(?:x|ext\.?|extension)\s*\d{1,5})?",
            0.9,
        ),
    )

    def analyze(self, text: str) -> list[Span]:
        spans: list[Span] = []
        for candidate in self.PATTERNS[0].regex.finditer(text):
            c_start, c_end = candidate.span()
            hits = list(_PHONE_STRICT.finditer(text, c_start, c_end))
            if not hits:
                local = _PHONE_LOCAL.match(text, c_start)
                words = _words_before(text, c_start, 20)
                if (
                    local
                    and words
                    and words[-1] in _PHONE_WORDS
                    and not text[local.end() : local.end() + 1].isdigit()
                ):
                    spans.append(
                        Span(
                            self._kind(text, c_start, local.end()),
                            c_start,
                            local.end(),
                            0.7,
                            self.name,
                        )
                    )
                continue
            for hit in hits:
                start, end = hit.span()
                spans.append(Span(self._kind(text, start, end), start, end, 0.9, self.name))
        if "/" in text:
            for m in _PHONE_SLASH.finditer(text):
                code = _AREA_CODE_BEFORE.search(text, max(0, m.start() - 3), m.start())
                if code:
                    start, end = code.start(), m.end()
                    spans.append(Span(self._kind(text, start, end), start, end, 0.85, self.name))
        return spans

    @staticmethod
    def _kind(text: str, start: int, end: int) -> str:
        before = text[max(0, start - 25) : start]
        fax = _FAX_BEFORE.search(before)
        if fax and not _PHONE_WORDS_BEFORE.search(before, fax.end()):
            return "FAX"
        if _FAX_AFTER.match(text, end, min(len(text), end + 10)):
            return "FAX"
        return "PHONE"


_EMAIL_LOCAL: Final = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-"
)


class EmailRecognizer(PatternRecognizer):
    """E-mail addresses (found from the ``@``, then extended to the left)."""

    name = "email"
    category = "EMAIL"
    PATTERNS = (
        _p(
            # "example.c0m": a scanned address with a zero misread for the o of its domain
            r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.(?:[A-Za-z]{2,}|[A-Za-z]*0[A-Za-z0]*)"
            r"(?<![.0])(?<!\.[A-Za-z])",
            0.95,
        ),
    )

    def analyze(self, text: str) -> list[Span]:
        spans: list[Span] = []
        for m in self.PATTERNS[0].regex.finditer(text):
            start = m.start()
            while start > 0 and text[start - 1] in _EMAIL_LOCAL:
                start -= 1
            if start < m.start():
                spans.append(Span(self.category, start, m.end(), 0.95, self.name))
        if " dot " in text or " DOT " in text:
            spans.extend(
                Span(self.category, m.start(), m.end(), 0.85, self.name)
                for m in _SPOKEN_EMAIL.finditer(text)
            )
        return spans


#: A dictated address: "g dot mbatha at example dot com". It must end in " dot <domain>" so
#: that "seen at home" or "at the clinic" never start one.
_SPOKEN_EMAIL: Final = re.compile(
    # "p venkataraman at ...": an initial spoken before the name
    r"(?i)(?<![\w.])(?:[a-z] (?=[a-z]{3}))?[a-z0-9]+(?:(?: dot | underscore | dash |[._-]|"
    # digits in the local part are read as words: "dale dot street sixty one at ..."
    r" (?=(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|forty|fifty|"
    r"sixty|seventy|eighty|ninety)\b))[a-z0-9]+)*"
    # "at stcharles example dot org": a "dot" left out between two words of the host
    r" at [a-z0-9-]+(?: dot [a-z0-9-]+| [a-z0-9-]+(?= dot ))* dot "
    r"(?:com|net|org|edu|gov|us|io|info|mil)\b"
)


_TLD: Final = r"(?:com|org|net|edu|gov|io|us|info|health|care)"
_HOST_CHARS: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")


class UrlRecognizer(PatternRecognizer):
    """Web addresses, with or without a scheme."""

    name = "url"
    category = "URL"
    PATTERNS = (
        _p(r"(?:https?://|HTTPS?://|Https?://|ftp://|FTP://|www\.|WWW\.)[^\s<>\"'\]\)]+", 0.9),
        _p(rf"\.{_TLD}(?![\w@])(?:/[^\s<>\"')\]]*)?", 0.8),
    )

    def analyze(self, text: str) -> list[Span]:
        spans = [s for s in super().analyze(text) if s.score == 0.9]
        for m in self.PATTERNS[1].regex.finditer(text):
            start = m.start()
            while start > 0 and text[start - 1] in _HOST_CHARS:
                start -= 1
            if start == m.start() or (start > 0 and text[start - 1] in "@/:"):
                continue
            spans.append(Span(self.category, start, m.end(), 0.8, self.name))
        out = []
        for span in spans:
            end = span.end
            while end > span.start + 1 and text[end - 1] in ".,;:!?":
                end -= 1
            out.append(Span(span.category, span.start, end, span.score, span.source))
        return out


class IpRecognizer(PatternRecognizer):
    """IPv4 and IPv6 addresses."""

    name = "ip"
    category = "IP"
    PATTERNS = (
        _p(
            _lead("0-9", r"\w.") + r"\d{0,2}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?!\d|\.\d)",
            0.9,
            # Speed: three dots between digits, led by the literal "." (rarer than a digit)
            gate=r"\.\d{1,3}\.\d{1,3}\.\d",
        ),
        _p(
            _lead("0-9A-Fa-f", r"\w:")
            + r"[0-9A-Fa-f]{0,3}:(?:[0-9A-Fa-f]{0,4}:){1,6}[0-9A-Fa-f]{0,4}(?![\w:])",
            0.85,
            # two colons at most four hex digits apart: rare outside IPv6 (times have one)
            gate=r":[0-9A-Fa-f]{0,4}:",
        ),
    )

    def validate(self, text: str, start: int, end: int, _match: re.Match[str]) -> str | None:
        value = text[start:end]
        if "." in value:
            return self.category if all(int(p) <= 255 for p in value.split(".")) else None
        return self.category if "::" in value or value.count(":") == 7 else None


# --- identifiers found from their digits ----------------------------------------------------------

_SSN_WORDS: Final = frozenset({"ssn", "social", "security", "ss#", "soc", "sec", "ss"})


#: "SSN ending in 2044", "last four of SSN: 6642": the last four digits named as such.
_SSN_LAST_FOUR: Final = re.compile(
    # "(?i:ending(?: in| with)?|ends...|last...)", led by the first letters (a fast scan)
    word_led(
        ["ending(?: in| with)?", "ends(?: in| with)?", "last (?:four|4)(?: digits)?"],
        ignore_case=True,
        boundary=False,
    )
    + r"(?: of)?(?: (?:her|his|the))?"
    # "card ending ...6621": the dots or an ellipsis that mask the rest
    r"(?: (?:ssn|ss#|social(?: security)?(?: number)?))?[ \t:#.\u2026-]*(\d{4})(?!\d)"
)
#: A payment card or bank account named just before "ending in 4471": its last four digits.
_ACCOUNT_BEFORE_LAST_FOUR: Final = re.compile(
    r"(?i:card|acct|account|checking|savings|debit|credit|visa|mastercard|amex|deposit)"
    r"\b[ \t]*(?:(?:no\.?|number|num|#)[ \t]*)?$"
)
_LAST_FOUR_HINTS: Final = (
    "ending",
    "ends",
    "last 4",
    "last four",
    "Last 4",
    "Last four",
    "ENDING",
    "ENDS",
    "LAST 4",
)
#: The hints above lower-cased: a note whose lower-cased text has none of these has none of
#: the hints (speed: a first test of four needles on the lower-cased note, in place of nine).
_LAST_FOUR_LOW: Final = tuple(dict.fromkeys(h.lower() for h in _LAST_FOUR_HINTS))


class SsnRecognizer(PatternRecognizer):
    """Social Security numbers (SSA validity rules; an invalid one is still another ID)."""

    name = "ssn"
    category = "SSN"
    PATTERNS = (
        _p(_lead("0-9", r"\w-") + r"\d{2}([- ])\d{2}\1\d{4}(?![\d-])", 0.85),
        _p(
            _lead("Xx*#", r"\w*#") + r"[Xx*#]{2}-[Xx*#]{2}-\d{4}(?![\d-])",
            0.8,
            hints=("X-", "x-", "*-", "#-"),
            low_hints=True,
        ),
    )

    def analyze(self, text: str) -> list[Span]:
        spans = super().analyze(text)
        low = text.lower()
        if any(h in low for h in _LAST_FOUR_LOW) and any(h in text for h in _LAST_FOUR_HINTS):
            for m in _SSN_LAST_FOUR.finditer(text):
                before = text[max(0, m.start() - 30) : m.start(1)].lower()
                if any(w in before for w in ("ssn", "social", "ss#")):
                    spans.append(Span(self.category, m.start(1), m.end(1), 0.8, self.name))
                elif _ACCOUNT_BEFORE_LAST_FOUR.search(text, max(0, m.start() - 24), m.start()):
                    # "Payments by card ending in 4471", "acct ending 0093"
                    spans.append(Span("ACCOUNT", m.start(1), m.end(1), 0.8, self.name))
        return spans

    def validate(self, text: str, start: int, end: int, _match: re.Match[str]) -> str | None:
        value = text[start:end]
        parts = _SPACE_OR_DASH.split(value)
        if not all(p.isdigit() for p in parts):
            return self.category  # masked: the last four digits are still an identifier
        spaced = " " in value
        if spaced and not _SSN_WORDS.intersection(_words_before(text, start, 30)):
            return None
        return "SSN" if spaced or ssn_valid(*parts) else "ID"


class CardRecognizer(PatternRecognizer):
    """Payment card numbers written in groups ("4111 1111 1111 1111"), Luhn-checked."""

    name = "card"
    category = "ACCOUNT"
    PATTERNS = (_p(_lead("0-9", r"\w-") + r"\d{3}(?:[ -]\d{4}){2,3}(?:[ -]\d{1,3})?(?!\d)", 0.8),)

    def validate(self, text: str, start: int, end: int, _match: re.Match[str]) -> str | None:
        digits = text[start:end].replace(" ", "").replace("-", "")
        return self.category if 13 <= len(digits) <= 19 and luhn_valid(digits) else None


class UdiRecognizer(PatternRecognizer):
    """GS1 Unique Device Identifiers: (01) device id, then (17) expiry, (10) lot, (21) serial."""

    name = "udi"
    category = "DEVICE"
    PATTERNS = (
        _p(r"\(01\)\d{14}(?:\(\d{2,4}\)[A-Za-z0-9-]{1,20})*", 0.95),
        # an IMEI as phones display it, in groups: "IMEI 35 884710 229183 6", "35-209900-176148-1"
        _p(
            r"\b(?:IMEI|imei)[ \t]*[:#]?[ \t]*\(?[ \t]*(\d{2}([ -])\d{6}\2\d{6}\2\d)(?!\d)",
            0.9,
            group=1,
            hints=("IMEI", "imei"),
        ),
    )


#: Records of other services whose number identifies the person (a booking, a referral, a
#: student, a grievance...): identifiers after them, like after "case" (added in stop 17).
_RECORD_LABELS: Final = frozenset(
    [
        "booking",
        "referral",
        "student",
        "roi",
        "roi request",
        "records request",
        "enrollment",
        "citation",
        "grievance",
        "appeal",
        "inmate",
        "offender",
        "detainee",
        "locator",
        "record locator",
        "transaction",
        "reservation",
        "investigation",
        "participant",
        "enrollee",
        "warrant",
        "arrest",
        "alien",
        "uscis",
        "membership",
        "loyalty",
        "your ref",
        "our ref",
        "your reference",
        "our reference",
        "work order",
    ]
)
#: Words that also name a quantity or an ordinary thing ("intake 1500", "report 3 episodes"):
#: a label only with a "#", "no."/"number" or a colon between it and the value.
_FILED_LABELS: Final = frozenset(
    [
        "intake",
        "request",
        "file",
        "control",
        "episode",
        "receipt",
        "client",
        "prescription",
        "rx",
        "visa",
        "application",
    ]
)
#: Labels that announce an identifier, by category (lower-case phrases of 1-3 words).
_LABELS: Final[dict[str, str]] = {}
for _category, _phrases in (
    (
        "MRN",
        "mrn|mr|mr#|medical record|medical record number|med rec|medrec|chart|unit|hospital|"
        "patient id|pt id|empi|pid|hosp|record",
    ),
    (
        "HEALTH_PLAN",
        "member|subscriber|policy|group|grp|medicaid|medicare|mbi|hicn|bin|pcn|cin|insurance|"
        "ins|plan|beneficiary|health plan|claim|rx grp|rxgrp|rx bin|rxbin|rx pcn|medi-cal|"
        "insurance id|member id|subscriber id|policy number|plan id|medigap|supplement|"
        "medicare supplement",
    ),
    (
        "ACCOUNT",
        "acct|account|fin|har|billing|invoice|guarantor|credit card|card|billing account|"
        "account number|visit account",
    ),
    (
        "LICENSE",
        "license|licence|lic|dl|npi|dea|upin|driver's license|drivers license|certificate|"
        "cert|registration|permit|board certification|license number|cdl|commercial license|"
        # a pet's licence: the tag on its collar and the certificate of its rabies shot
        "rabies tag|dog tag|pet tag|license tag|licence tag|dog license|pet license|"
        "dog licence|pet licence|rabies certificate|rabies cert",
    ),
    ("VEHICLE", "plate|license plate|lic plate|tag|vin|vehicle|vehicle id"),
    (
        "DEVICE",
        "serial|s/n|sn|udi|imei|meid|mac|device|device id|lot|asset|asset tag|pump|"
        "transmitter|receiver|implant|serial number",
    ),
    (
        "ID",
        "id|identifier|case|accession|acc|specimen|requisition|req|order|ref|reference|ticket|"
        "badge|employee|passport|study|subject|confirmation|conf|tracking|barcode|enc|"
        "encounter|visit|csn|incident|sample|kit|voucher|authorization|auth|prior auth|docket|"
        "job|dictation|transcription|fein|ein|tin|tax id|employer id|access|access code|"
        + "|".join(sorted(_RECORD_LABELS | _FILED_LABELS)),
    ),
):
    for _phrase in _phrases.split("|"):
        _LABELS.setdefault(_phrase, _category)


def label_category(phrase: str) -> str | None:
    """The category of the identifier a lower-case label phrase announces ("claim" ->
    HEALTH_PLAN), or None (public: a table's column header is read with it)."""
    return _LABELS.get(phrase)


#: Every label phrase and each of its words, lower case (public: the cue rules read them).
LABEL_WORDS: Final = frozenset(_LABELS) | frozenset(w for p in _LABELS for w in p.split())
#: Short labels that are ordinary words in lower case: only in upper (or Title) case.
_CASED_LABELS: Final = frozenset(
    [
        "dl",
        "sn",
        "fin",
        "har",
        "enc",
        "csn",
        "id",
        "pid",
        "mbi",
        "bin",
        "pcn",
        "cin",
        "npi",
        "dea",
        "upin",
        "vin",
        "udi",
        "mac",
        "acc",
        "mr",
        "unit",
        "tag",
        "card",
        "order",
        "kit",
        "plan",
        "group",
        "case",
        "ref",
        "req",
        "auth",
        "conf",
        "ein",
        "tin",
    ]
)
_CONNECTORS: Final = frozenset(
    ["#", "no", "nos", "number", "num", "nbr", "id", "code", "is", "of", "per"]
)
_VALUE_TOKEN: Final = re.compile(r"[0-9][A-Za-z0-9]*(?:[-./][A-Za-z0-9]+)*")
_PLATE_TAIL: Final = re.compile(r"[ -]([A-Z0-9]{2,5})(?![\w-])")
_PLATE_LOWER_TAIL: Final = re.compile(r" ([a-z]{2,4})(?![\w-])")
#: Code systems whose long numeric codes name a concept, not a person.
_CODE_SYSTEM_WORDS: Final = frozenset(
    ["snomed", "sct", "rxnorm", "rxcui", "cui", "umls", "loinc", "ndc", "unii", "cvx", "mesh"]
)


def _code_system_before(text: str, start: int) -> bool:
    """Whether a code system's name ("SNOMED", "SNOMED CT", "RxCUI") is the word before."""
    word = _word_before(text, start)
    if word == "ct":
        # "SNOMED CT 44054006" (a lone "CT" is a scan: "CT 4471982" may be its accession)
        return text[max(0, start - 12) : start].lower().rstrip(" \t:-#").endswith("snomed ct")
    return word in _CODE_SYSTEM_WORDS


#: "WC/" before "2291/24": two to four capitals and a slash, a word of their own.
_SLASH_PREFIX: Final = re.compile(r"(?<![\w/])[A-Z]{2,4}/$")
#: A British registration plate from its first letter: "LB07 SEO".
_UK_PLATE: Final = re.compile(r"[A-Z]{2}\d\d[ \t]?[A-Z]{3}(?![\w-])")
_REG_CUE: Final = re.compile(r"(?i)\b(?:reg|registration|car|vehicle|plate|van)\b")
#: The kinds of professional licence that boards write before the number (not "MD", "PA",
#: "PT", "DO", "DC", "OD": ordinary words, orders or eyes as well).
_LICENCE_KIND_BEFORE: Final = re.compile(
    r"(?<![\w-])(?:PSY|LMFT|LCSW|LPC|LMHC|LPCC|MFT|RPH|RPh|LPN|LVN|APRN|CRNA|CNM|OTR|DPM|DDS|DMD|"
    r"RN|NP|PharmD|LICSW|LCPC|BCBA)[ \t]*[#:.-]?[ \t]*$"
)
_MBI: Final = re.compile(
    r"[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d-?[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d-?"
    r"[AC-HJKMNP-RT-Y]{2}\d\d"
)
_DEA: Final = re.compile(r"[ABCDEFGHJKLMPRSTUX][A-Z9]\d{7}")
_UNIT_AFTER: Final = re.compile(
    # "/" as "per" is glued to its unit ("/uL", "/ min"); " / " between fields is a separator
    r"(?i)\s*(?:copies|cells|iu\b|/(?![ \t]{2}|[ \t]+[A-Z])|ml\b|mg\b|mcg\b|units?\b|k\b|"
    r"x\s*10|per\b|cfu|ng\b|pg\b|%|"
    r"mmhg|bpm|cm\b|mm\b|kg\b|lbs?\b)"
)


_NUMERIC: Final = re.compile(r"[\d.,/-]+")
_DROP_DIGITS: Final = str.maketrans("", "", "0123456789")
#: Every word of every label phrase, and its hyphen pieces ("medi-cal"): a superset test for
#: ``IdentifierRecognizer._label`` (a lower-cased word scan plus a set is far cheaper than a
#: case-insensitive alternation).
_LABEL_WORDS: Final = frozenset(
    piece
    for phrase in _LABELS
    for word in phrase.replace("#", " ").split()
    for piece in (word, *word.split("-"))
)
_LOWER_WORD: Final = re.compile(r"[a-z][a-z'/]*")
#: A serial-number label right after a code: the code before it is a model number.
#: A number joined by a hyphen to a lower-case noun ("12-lead", "3-cell", "24-hour").
_COUNT_COMPOUND: Final = re.compile(r"\d{1,3}-[a-z]{3,}")
_SERIAL_AFTER: Final = re.compile(r"(?i)[ \t]*[,(;][ \t]*(?:serial|s/n|sn)\b")
#: ICD-10(-CM) codes with their dot: a letter, two digits, a dot, up to four characters.
_ICD10: Final = re.compile(r"[A-TV-Z]\d[0-9A-Z]\.[0-9A-Z]{1,4}")
#: Obstetric history: gravida, para (term, preterm, abortions, living): "G3P1011", "G2P1".
#: "NCT05559012": a public trial-registry number (the study's, not a person's).
_TRIAL_REGISTRY: Final = re.compile(r"NCT\d{8}")
_GTPAL: Final = re.compile(r"G\d{1,2}P\d{1,4}(?:-\d{1,2}){0,3}")
#: "2025-04-02T09:15": an ISO date-time (the date is a DATE span; the time is not PHI).
_ISO_DATETIME: Final = re.compile(r"\d{4}-\d{2}-\d{2}T\d{1,2}")
_FREQUENCY: Final = re.compile(r"\d{1,2}x/\d{1,2}(?:h|hr|hrs|d)")


_WORD_CHARS: Final = frozenset("abcdefghijklmnopqrstuvwxyz'/")


_TEMPERATURE: Final = re.compile(r"(?:3\d|4[0-2]|9\d|10\d)\.\d{1,2}[FC]")


def _dotted_number(value: str, digits: int) -> bool:
    """ "036.119482": a number written with a dot that is too long to be a measurement."""
    return digits >= 6 and len(value.rsplit(".", 1)[1]) >= 3


#: A letter code written between a label and its number ("N8P", "HPD", "TX-NBS").
_CODE_TOKEN: Final = re.compile(r"[A-Z][A-Z0-9]{1,5}(?:-[A-Z0-9]{1,6})?")
#: Words before "policy" that make it a rule of the hospital, not an insurance policy.
_RULE_CITED: Final = frozenset(["per", "under", "see", "hospital", "infection", "facility"])


class _LabelNear:
    """Whether a label word (a ``_LOWER_WORD`` match of the lower-cased text that is in
    ``_LABEL_WORDS``) ends in the 40 characters before a position.

    Speed: a cheap test before ``IdentifierRecognizer._label``, asked only for the few tokens
    that get that far. Words are read from the nearest run boundary to the left, so they are
    exactly the words a scan of the whole text would give.
    """

    __slots__ = ("low",)

    def __init__(self, low: str) -> None:
        self.low = low

    def __call__(self, start: int) -> bool:
        low = self.low
        lo = start - 40
        q = max(0, lo)
        while q > 0 and low[q - 1] in _WORD_CHARS:
            q -= 1
        # Speed: most windows hold no label word at all; one ``findall`` and a set test in C
        # say so without a Python turn per word (the words are the same as the loop's)
        if _LABEL_WORDS.isdisjoint(_LOWER_WORD.findall(low, q, start + 1)):
            return False
        for m in _LOWER_WORD.finditer(low, q, start + 1):
            e = m.end()
            if lo < e <= start and m.group() in _LABEL_WORDS:
                return True
        return False


class IdentifierRecognizer(Recognizer):
    """Every token with a digit, once: labelled identifiers (MRN, member ID, plate, serial...),
    VINs and DEA numbers (check digits), Medicare MBIs, card numbers (Luhn), and any other
    unique-looking code (seven+ digits, or letters with four+ digits)."""

    name = "identifier"

    def analyze(self, text: str) -> list[Span]:
        spans: list[Span] = []
        n = len(text)
        low = text.lower()
        # lower() changed the length ("İ"): offsets would not line up, check every token
        near: _LabelNear | None = _LabelNear(low) if len(low) == n else None
        for m in _VALUE_TOKEN.finditer(text):
            start, end = m.span()
            if start > 0 and text[start - 1].isdigit():
                continue
            while start > 0 and (
                text[start - 1].isalpha()
                or (text[start - 1] == "-" and start > 1 and text[start - 2].isalnum())
                # "LCS.0033781", "RN.448213": a letter prefix joined by a dot
                or (text[start - 1] == "." and start > 1 and text[start - 2].isupper())
                # "WC/2291/24", "AB/88123": a file's letter prefix joined by a slash (two
                # capitals or more, a word of its own: "w/2", "HR/80" in "BP/HR/80" stay)
                or (
                    text[start - 1] == "/"
                    and _SLASH_PREFIX.search(text, max(0, start - 6), start) is not None
                )
            ):
                start -= 1
            if end < n and text[end].isalpha():
                continue
            value = text[start:end]
            if len(value) < 3 and value.isdigit() and not _PLATE_TAIL.match(text, end):
                # Speed: "5", "10": what ``_classify`` drops first, without the call
                continue
            span = self._classify(text, start, end, value, near)
            if span is not None:
                spans.append(span)
        return spans

    def _classify(
        self, text: str, start: int, end: int, value: str, near: _LabelNear | None
    ) -> Span | None:
        digits = len(value) - len(value.translate(_DROP_DIGITS))
        if (digits < 2 or (digits < 3 and value.isdigit())) and not (
            len(value) <= 4 and _PLATE_TAIL.match(text, end)
        ):
            return None
        if text.find("\u00a7", end, end + 3) >= 0:
            return None  # "policy RX-114 \u00a73.b": a section of a rule, cited
        if "." in value and value.replace(".", "").isdigit() and not _dotted_number(value, digits):
            return None  # 2.5, 1.62: measurements ("036.119482" may still be a licence)
        # (Speed: each regex only where its literal is in the value)
        if ("T" in value and _ISO_DATETIME.fullmatch(value)) or (
            "x/" in value and _FREQUENCY.fullmatch(value)
        ):
            return None  # "2024-05-01T10", "pump 8x/24h": a time stamp, a frequency
        label = self._label(text, start) if near is None or near(start) else None
        if (
            label is None
            and len(value) == 4
            and (plate := _UK_PLATE.match(text, start))
            and _REG_CUE.search(text, max(0, start - 24), start)
        ):
            # "Car reg: LB07 SEO": a British registration (two letters, two digits, three
            # letters) after a registration or vehicle word; the letters alone are no code
            return Span("VEHICLE", start, plate.end(), 0.8, "labeled-id")
        if (
            label is None
            and value.isdigit()
            and 5 <= len(value) <= 8
            and not _UNIT_AFTER.match(text, end)
            and _LICENCE_KIND_BEFORE.search(text, max(0, start - 6), start)
        ):
            # "PSY 22814", "LMFT 104437": a state board's licence number led by the licence's
            # kind, as boards print them (5+ digits: "RN 0800" is a time, "RN 2019" a year)
            return Span("LICENSE", start, end, 0.8, "labeled-id")
        if label == "VEHICLE" and len(value) <= 4:
            # plates are often written in two groups: "4RW 771"
            tail = _PLATE_TAIL.match(text, end)
            if tail and any(c.isdigit() for c in tail.group(1)):
                end = tail.end()
                value = text[start:end]
                digits = sum(c.isdigit() for c in value)
            elif value.isdigit() and (low_tail := _PLATE_LOWER_TAIL.match(text, end)):
                # "oregon plate 771 hjp" in lower-case dictation: letters that are no word
                letters = low_tail.group(1)
                if letters not in common_words() and letters not in lx.STOP:
                    end = low_tail.end()
                    value = text[start:end]
        if label is not None and self._value_ok(text, end, value, digits):
            return Span(label, start, end, 0.85, "labeled-id")
        if len(value) == 17 and vin_valid(value):
            return Span("VEHICLE", start, end, 0.9, "vin")
        # (Speed: an MBI is 11 to 13 characters, a DEA number 9; upper-casing never shortens)
        if len(value) <= 13 and (
            (len(value) >= 11 and _MBI.fullmatch(value))
            or (value.islower() and _MBI.fullmatch(value.upper()))
        ):
            return Span("HEALTH_PLAN", start, end, 0.85, "mbi")
        if len(value) == 9 and _DEA.fullmatch(value) and dea_valid(value):
            return Span("LICENSE", start, end, 0.85, "dea")
        plain = value.replace("-", "")
        if plain.isdigit() and 13 <= len(plain) <= 19 and luhn_valid(plain):
            return Span("ACCOUNT", start, end, 0.8, "card")
        if value.isdigit():
            if (
                len(value) >= 7
                and not _UNIT_AFTER.match(text, end)
                and text[end : end + 1] not in (".", ",")
                # "SNOMED 44054006", "RxCUI 1049630": a concept's code, the same in every note
                and not _code_system_before(text, start)
            ):
                return Span("ID", start, end, 0.35, "generic-id")
            return None
        if len(value) >= 6 and digits >= 4 and any(c.isupper() for c in value):
            if _ICD10.fullmatch(value):
                return None  # S82.142A: a diagnosis code, not an identifier
            if _TEMPERATURE.fullmatch(value):
                return None  # 100.4F: a temperature
            if _GTPAL.fullmatch(value):
                return None  # G3P1011: gravida/para, not an identifier
            if _TRIAL_REGISTRY.fullmatch(value):
                return None
            if value.startswith("FY") and value[2:].isdigit() and len(value) in (4, 6):
                return None  # FY2025: a fiscal year
            if "/" in value and any(part.isalpha() for part in value.split("/")):
                return None  # "450/16/PEEP": ventilator settings, not an identifier
            if _NUMERIC.fullmatch(value):
                return None
            if _SERIAL_AFTER.match(text, end):
                return None  # "TL-2100G, serial SC2100-118845": the model, then its serial
            before = _word_before(text, start)
            if before == "form":
                return None  # "Form DHS-2210": a form's designation, the same on every copy
            if before in ("room", "rm", "bed", "bay"):
                return None  # "room 4W-412": a place in the building, not a person's number
            return Span("ID", start, end, 0.4, "generic-id")
        return None

    @staticmethod
    def _value_ok(text: str, end: int, value: str, digits: int) -> bool:
        if digits < 2 or (digits < 3 and not any(c.isalpha() for c in value)):
            return False
        if _COUNT_COMPOUND.fullmatch(value):
            return False  # "12-lead", "3-cell", "24-hour": a count joined to its noun
        if _NUMERIC.fullmatch(value) and ("." in value or value.count("/") == 2):
            # 2.5, 3.5-5.0 (measurements), 03/14/2021 (a date); "036.119482" (a licence)
            return "." in value and _dotted_number(value, digits)
        return not _UNIT_AFTER.match(text, end)

    @staticmethod
    def _label(text: str, start: int) -> str | None:
        window = text[max(0, start - 40) : start]
        nl = window.rfind("\n")
        if nl >= 0:
            window = window[nl + 1 :]
        raw = [w.strip(":.,=()[]-") for w in window.split()]
        had_hash = "#" in window[-6:]
        raw = [w for w in raw if w and w != "#"]
        if (
            len(raw) > 1
            and len(raw[-1]) == 2
            and raw[-1] in lx.STATE_CODES
            and raw[-1].lower() not in _LABELS  # "ID" is Idaho and a label
        ):
            raw.pop()  # "DL: MI D262...": the issuing state between the label and the value
        if (
            len(raw) > 1
            and _CODE_TOKEN.fullmatch(raw[-1])
            and raw[-1].lower() not in _LABELS
            and (raw[-2].lower().rstrip("#") in _LABELS or raw[-2].lower() in _CONNECTORS)
        ):
            raw.pop()  # "S/N N8P 44731196", "kit nos. TX-NBS 25-1188": a code before the number
        peeled = False
        while len(raw) > 1 and raw[-1].lower().rstrip("#") in _CONNECTORS:
            if raw[-1].lower().rstrip("#") == "id" and raw[-2].lower().rstrip("#") not in _LABELS:
                break
            raw.pop()
            peeled = True
        if not raw:
            return None
        for width in (3, 2, 1):
            if len(raw) < width:
                continue
            words = raw[-width:]
            phrase = " ".join(words).lower().replace("#", "")
            category = _LABELS.get(phrase)
            if category is None:
                continue
            if phrase in _RECORD_LABELS or phrase in _FILED_LABELS:
                filed = peeled or had_hash or words[-1].endswith("#")
                if not filed and window.rstrip()[-1:] == ":":
                    # "Request: RQ-2291" (a code), not "Intake: 1500" (a volume)
                    token = text[start : start + 24].split(None, 1)[0] if text[start:] else ""
                    filed = not token.rstrip(".,;").isdigit()
                if phrase in _FILED_LABELS and not filed:
                    continue
                year, after = text[start : start + 4], text[start + 4 : start + 5]
                if (
                    not filed
                    and year.isdigit()
                    and year[:2] in ("19", "20")
                    and not (after.isalnum() or (after != "" and after in "-/."))
                ):
                    return None  # "appeal 2019 denied", "referral 2024": a year, not a number
            if width == 1:
                word = words[0].rstrip("#")
                if phrase == "policy" and len(raw) > 1 and raw[-2].lower() in _RULE_CITED:
                    return None  # "allowed per policy IC-114": a rule's number, not a plan's
                if (
                    phrase in _CASED_LABELS
                    and not word[:1].isupper()
                    and not (peeled or had_hash or word.endswith("#"))
                ):
                    continue
                if phrase in ("id", "mr", "dl", "sn", "fin", "enc") and not (
                    word.isupper() or word in ("Id", "Fin", "Enc")
                ):
                    continue
            return category
        return None


# --- places ---------------------------------------------------------------------------------------

_SUFFIX: Final = (
    r"Street|St|Avenue|Ave|Av|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|"
    r"Terrace|Ter|Terr|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Route|Rte|Trail|Trl|Square|Sq|Plaza|"
    r"Plz|Loop|Pike|Turnpike|Tpke|Row|Crescent|Alley|Path|Run|Walk|Bend|Crossing|Ridge|Hollow|"
    r"Heights|Hts|Point|Landing|Commons|Glen|Grove|Mews|View|Cove|Expressway|Expy|Freeway|Fwy|"
    r"Causeway|Trace"
)
#: The street types above, for the recognizers of other modules (spoken addresses).
STREET_SUFFIX: Final = _SUFFIX
#: The same words as one prefix tree for use under ``(?i)`` before ``\b`` (then it matches
#: exactly what ``(?i:{_SUFFIX})\b`` matches).
_SUFFIX_TREE: Final = trie_alternation(_SUFFIX, ignore_case=True, word_end=True)
_UNIT: Final = (
    # (the long words first: "fl" would read "Floor 3" as "Fl" + "oor" and drop the 3)
    r"(?:,?\s*(?i:apartment|apt|unit|suite|ste|bldg|building|floor|fl|rm|room|lot|trlr|#)"
    r"\.?\s*#?\s*[A-Za-z0-9-]{1,6}|,?[ \t]*\d{1,2}(?:st|nd|rd|th)[ \t]+(?i:floor|fl)\b\.?)"
)
_NAME_WORD: Final = r"(?:[A-Z][A-Za-z'\u2019.-]*|\d{1,3}(?:st|nd|rd|th))"
#: Street types that only count after a house number ("14 Larkspur Close", "4b Kensington
#: Gardens": British and Commonwealth forms): alone they are ordinary words or a park's name.
_NUMBERED_SUFFIX_TREE: Final = trie_alternation(
    _SUFFIX + "|Close|Gardens|Rise|Vale|Hill", ignore_case=True, word_end=True
)


def _extend_left(
    text: str,
    start: int,
    *,
    max_words: int,
    title_only: bool = False,
    stop: frozenset[str] = lx.STOP,
) -> int:
    """Move ``start`` left over up to ``max_words`` capitalised words on the same line.

    ``start`` may sit right after a word or after the spaces that follow it.
    """
    pos = start
    for _ in range(max_words):
        end = pos
        while end > 0 and text[end - 1] in " \t":
            end -= 1
        if end == pos and pos != start:
            break
        begin = end
        while begin > 0 and (text[begin - 1].isalpha() or text[begin - 1] in "'\u2019.&-"):
            begin -= 1
        word = text[begin:end]
        if not word or not word[0].isupper() or (begin > 0 and text[begin - 1] not in " \t\n(,"):
            break
        if word.lower().strip(".") in stop or (title_only and word.isupper() and len(word) > 1):
            break
        pos = begin
    return pos


class AddressRecognizer(PatternRecognizer):
    """Street addresses, PO boxes and named roads."""

    name = "address"
    category = "ADDRESS"
    PATTERNS = (
        _p(
            # not after ":" ("11:52 Called Dr. X" is a time, not "52 Called Dr")
            # the number and its street on one line ("# 512-38-4471\nDear Dr." is no address)
            # "15-B Larkspur Close": a unit letter joined to the number by a hyphen
            _lead("0-9", r"\w:") + r"\d{0,5}[A-Za-z]?(?:-(?:\d{1,4}|[A-Za-z](?![A-Za-z])))?[ \t]+"
            r"(?:(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West|NORTH|SOUTH|EAST|WEST)\.?\s+)?"
            # Speed: the street types as a prefix tree (tried after every capitalised word that
            # follows a number; under (?i) the engine cannot skip a branch by its first letter)
            rf"(?:{_NAME_WORD}\s+){{1,4}}(?=[A-Z])(?i:{_NUMBERED_SUFFIX_TREE})\b\.?"
            rf"(?:\s(?:N|S|E|W|NE|NW|SE|SW)\b\.?)?{_UNIT}?",
            0.9,
        ),
        # "1680 S Camino Seco": the street type written first
        _p(
            _lead("0-9", r"\w") + r"\d{0,5}[A-Za-z]?\s+(?:(?:N|S|E|W|NE|NW|SE|SW)\.?\s+)?"
            r"(?:Camino|Calle|Avenida|Via|Paseo|Rue|Rua|Carrera|Calzada|Callejon)\s+"
            r"(?:(?:del|de la|de los|de las|de|la|las|los|el)\s+)?[A-Z][a-z'\u2019-]+"
            rf"(?:[ \t][A-Z][a-z'\u2019-]+)?(?:[ \t](?:N|S|E|W|NE|NW|SE|SW)\b\.?)?{_UNIT}?",
            0.9,
            hints=(
                "Camino",
                "Calle",
                "Avenida",
                "Via",
                "Paseo",
                "Rue",
                "Rua",
                "Carrera",
                "Calzada",
                "Callejon",
            ),
        ),
        # "N6542 Sunset Rd": a Wisconsin-style rural grid number (a compass letter glued to it)
        # before a named road (the numbered county and state roads are read in cues)
        _p(
            r"[NSEW](?<![\w-][NSEW])\d{3,5}[ \t]+"
            rf"(?:{_NAME_WORD}\s+){{1,4}}(?=[A-Z])(?i:{_SUFFIX_TREE})\b\.?{_UNIT}?",
            0.9,
        ),
        _p(
            # "P0 Box": an OCR'd letter O read as a zero
            r"[Pp](?:\.?\s?[Oo0]\.?\s*[Bb][Oo][Xx]|ost\s+[Oo]ffice\s+[Bb]ox)\s+\d{1,6}\b",
            0.9,
            hints=("ox", "oX", "Ox", "OX"),
            low_hints=True,
        ),
        # rural-route and highway-contract boxes: "RR 2 Box 145", "HC 64 Box 12"
        _p(
            # ("Rt 2 Box 118A": the route abbreviated, a letter after the box number)
            r"\b(?:RR|R\.R\.|[Rr]ural[ \t]+[Rr]oute|HC|Star[ \t]+[Rr]oute|Rte?\.?)[ \t]*\d{1,3},?"
            r"[ \t]+[Bb]ox[ \t]+\d{1,6}[A-Z]?\b",
            0.9,
            hints=("Box", "box"),
            low_hints=True,
        ),
        _p(
            # "Rte 9W": a letter after the route number names a branch of the road
            r"(?:Route|Rte|Highway|Hwy|Interstate|County Road|State Route)[-\s]?\d{1,4}"
            r"(?:[NSEWAB]\b|\b)",
            0.6,
            hints=("Route", "Rte", "Highway", "Hwy", "Interstate", "County Road"),
        ),
        _p(
            r"(?:Street|Avenue|Boulevard|Road|Lane|Highway|Parkway|Turnpike|Terrace)\b",
            0.5,
            hints=(
                "Street",
                "Avenue",
                "Boulevard",
                "Road",
                "Lane",
                "Highway",
                "Parkway",
                "Turnpike",
                "Terrace",
            ),
        ),
    )

    def analyze(self, text: str) -> list[Span]:
        spans: list[Span] = []
        low = text.lower()
        for pattern in self.PATTERNS:
            if pattern.cannot_match(text, low):
                continue
            for m in pattern.regex.finditer(text):
                start, end = m.span()
                if pattern.score == 0.5:
                    if start == 0 or text[start - 1] not in " \t":
                        continue
                    start = _extend_left(text, start, max_words=2, title_only=True)
                    if start == m.start():
                        continue
                    if _PERSON_BEFORE.search(text, max(0, start - 16), start):
                        # "this is Dale Street calling", "my mother Winifred Street": a surname
                        # that is a street type, announced as a person, without a house number
                        spans.append(Span("NAME", start, end, 0.6, "name"))
                        continue
                if (
                    pattern.score == 0.6
                    and text[start] == "R"
                    and _BUS_NEAR.search(text, max(0, start - 24), min(len(text), end + 24))
                ):
                    continue  # "driver (Route 14, bus #2271)": a bus route, not a road
                if pattern.score == 0.6:
                    house = _HOUSE_NUMBER_BEFORE_ROUTE.search(text, max(0, start - 8), start)
                    if house:
                        start = house.start()
                        way = _DIRECTION_AFTER_ROUTE.match(text, end)
                        end = way.end() if way else end
                spans.append(Span(self.category, start, end, pattern.score, self.name))
        spans.extend(_unsuffixed_streets(text))
        for m in _STREET_CUED.finditer(text):
            words = m.group(1).split()
            if words[0].lower() in lx.STOP or words[0].lower().rstrip(".") in _CALENDAR_WORDS:
                continue
            spans.append(Span(self.category, m.start(1), m.end(1), 0.7, self.name))
        for span in [s for s in spans if s.score >= 0.7]:
            town = _IN_TOWN_AFTER.match(text, span.end)
            if town and _specific(town.group(1).split()):
                spans.append(Span("LOCATION", town.start(1), town.end(1), 0.7, "street-town"))
        for m in _SHOP_ON.finditer(text):
            start = m.start() - 1  # the blank before "on"
            if not _SHOP_WORD.search(text, max(0, start - 12), start):
                continue
            words = m.group(1).split()
            if _specific(words) and not MONTH_RE.match(words[0]):
                spans.append(Span(self.category, m.start(1), m.end(1), 0.6, self.name))
        return spans


#: "2200 Hwy 61 North": a house number before a route found, a direction after it.
_HOUSE_NUMBER_BEFORE_ROUTE: Final = re.compile(r"(?<![\w:./-])\d{2,5}[ \t]+$")
_DIRECTION_AFTER_ROUTE: Final = re.compile(r"[ \t]+(?:North|South|East|West|[NSEW]\b)")

#: "501 S. Broadway", "1401 SOUTH MAIN": a house number, a compass direction and a street
#: written without its type. The number has three digits or more: a ward or tower is named
#: with one or two ("4 East", "6 North Medicine").
_COMPASS_STREET: Final = re.compile(
    _lead("0-9", r"\w:./-")
    + r"\d{2,4}[A-Za-z]?[ \t]+(?:N|S|E|W|North|South|East|West|NORTH|SOUTH|EAST|WEST)\.?[ \t]+"
    r"([A-Z][a-z'\u2019]+|[A-Z]{3,}|\d{1,3}(?:st|nd|rd|th))(?![\w'\u2019-])"
)
#: Gate of ``_COMPASS_STREET``: its compass word after a blank, then blanks and the street's
#: first character (a capital or a digit). Every match holds one, so the gate drops nothing;
#: led by the compass word's capital (a scan for four letters, not for every digit).
_COMPASS_GATE: Final = re.compile(
    r"[NSEW](?<=[ \t][NSEW])(?:orth|outh|ast|est|ORTH|OUTH|AST|EST)?\.?[ \t]+[A-Z\d]"
)
#: "lives at 44 Mulberry", "Address: 55 Kettle Creek", "Home address: 5 Hillcrest": after a
#: cue that announces a home, a house number and one to three capitalised words are its street
#: even without a street type (the cue, not the words, says so).
_HOUSE_NUMBER_WORDS: Final = re.compile(
    # led by the number (a fast scan); the cue is read behind it
    _lead("0-9", r"\w:./-")
    + r"\d{0,4}[A-Za-z]?[ \t]+([A-Z][a-z'\u2019]+(?:[ \t]+[A-Z][a-z'\u2019]+){0,2})"
    r"(?![\w'\u2019-])"
)
_ADDRESS_CUE_BEFORE: Final = re.compile(
    r"(?:(?<![\w-])(?:[Aa]ddr(?:ess)?\.?|[Rr]esiden(?:ce|t))[ \t]*:?|"
    r"(?<![\w-])(?:[Ll]iv(?:es|ing)(?:[ \t]+[a-z0-9]+){0,4}?|"
    r"(?:[Rr]esid(?:es|ing)|[Ss]taying)(?:[ \t]+[a-z]+){0,4}?)[ \t]+at)[ \t]*$"
)
#: Words that after a house number make it no home: a ward ("lives at 4 West"), a count.
_NOT_STREET_WORDS: Final = frozenset(
    ["north", "south", "east", "west", "tower", "wing", "floor", "story", "stories", "units"]
)
_TRAILER_PARK: Final = re.compile(
    r"([A-Z][a-z'\u2019]+)(?:[ \t]+[A-Z][a-z'\u2019]+){0,2}[ \t]+"
    r"(?:Mobile[ \t]+Home|Trailer|RV)[ \t]+(?:Park|Court)\b"
)
#: "the 1400 block of Jefferson": a block (a number in hundreds) of a street named by its name.
_BLOCK_OF: Final = re.compile(
    r"\d{0,2}[1-9]00[ \t]+block[ \t]+of[ \t]+(?:(?:N|S|E|W)\.?[ \t]+)?"
    r"(?:[A-Z][a-z'\u2019]+|[A-Z]{3,}|\d{1,3}(?:st|nd|rd|th))(?![\w'\u2019-])"
)


def _unsuffixed_streets(text: str) -> list[Span]:
    """Street addresses written without a street type, known by their form or their cue."""
    out: list[Span] = []
    for m in _COMPASS_STREET.finditer(text) if _COMPASS_GATE.search(text) else ():
        word = m.group(1).lower()
        if word in lx.STOP or word in _CALENDAR_WORDS or word in _NOT_STREET_WORDS:
            continue
        out.append(Span("ADDRESS", m.start(), m.end(), 0.7, "address"))
    # Speed: each scan only where its literal words are in the note
    # ("at " only with the words that lead its cue: a cue ending in "at" starts with "Lives",
    # "living", "Staying" or "resides"; the others hold "ddr" or "esid")
    if (
        "ddr" in text
        or "esid" in text
        or ("at " in text and ("ives" in text or "iving" in text or "taying" in text))
    ):
        for m in _HOUSE_NUMBER_WORDS.finditer(text):
            line = text.rfind("\n", 0, m.start()) + 1
            if not _ADDRESS_CUE_BEFORE.search(text, max(line, m.start() - 48), m.start()):
                continue
            words = m.group(1).split()
            if any(
                w.lower() in lx.STOP
                or w.lower() in _CALENDAR_WORDS
                or w.lower() in _NOT_STREET_WORDS
                for w in words
            ):
                continue
            out.append(Span("ADDRESS", m.start(), m.end(), 0.7, "address"))
    if "Park" in text or "Court" in text:
        # "Shady Acres Mobile Home Park": a trailer park is a home's address, whatever its name
        out.extend(
            Span("ADDRESS", *m.span(), 0.7, "address")
            for m in _TRAILER_PARK.finditer(text)
            if m.group(1).lower() not in lx.STOP
        )
    if "block of" in text:
        out.extend(Span("ADDRESS", *m.span(), 0.7, "address") for m in _BLOCK_OF.finditer(text))
    return out


_BUS_NEAR: Final = re.compile(r"(?i)\b(?:bus|buses|transit)\b")
_PERSON_BEFORE: Final = re.compile(
    r"(?i)\b(?:this is|name is|i'm|i am|mrs?\.?|ms\.?|miss|mother|father|mom|dad|wife|husband|"
    r"son|daughter|sister|brother)[ \t]+$"
)

#: "lives on Pawtucket Blvd", "at Ridgeway Ave and 5th St": a named street without a number,
#: after a preposition that places something on it.
_STREET_CUED: Final = re.compile(
    # "\b(?:on|at|off|near|and|of|along|onto|via|&)" led by the first letter (a fast scan),
    # the boundary checked behind it
    r"(?:o(?<!\wo)(?:nto|n|ff|f)|a(?<!\wa)(?:t|nd|long)|n(?<!\wn)ear|v(?<!\wv)ia|&(?<=\w&))[ \t]+"
    r"((?:(?:N|S|E|W|NE|NW|SE|SW)\.?[ \t]+)?(?:[A-Z][a-z'\u2019]+|\d{1,3}(?:st|nd|rd|th))"
    r"(?:[ \t][A-Z][a-z'\u2019]+){0,2}[ \t]"
    r"(?:Blvd|Ave|Av|St|Dr|Rd|Ln|Pkwy|Hwy|Ct|Pl|Ter|Terr|Cir|Street|Avenue|Road|Drive|Lane|"
    r"Boulevard|Parkway|Court|Place|Terrace|Circle)\b\.?)"
    # "on St. Mary's", "at Dr. Lee's": "St" and "Dr" before a capital are a saint and a title
    # ("urgent care on Coors Blvd. The ..." ends a sentence)
    r"(?!(?:(?<=Dr)|(?<=St)|(?<=Dr\.)|(?<=St\.))[ \t]*[A-Z][a-z])"
)

#: "... Industrial Pkwy in Carlisle": the town a street is in.
_IN_TOWN_AFTER: Final = re.compile(
    r",?[ \t]+in[ \t]+([A-Z][a-z'\u2019-]+(?:[ \t][A-Z][a-z'\u2019-]+)?)(?![\w'\u2019-])"
)

_CALENDAR_WORDS: Final = lx.MONTH_WORDS | lx.WEEKDAY_WORDS | {"today", "tomorrow"}

#: "the Walgreens on Lyndale", "pharmacy on Coors": a street named without its suffix.
#: " on Main St": led by "on" (a literal the engine finds fast, where a leading blank is tried at
#: every space), the blank before it checked behind it.
_SHOP_ON: Final = re.compile(r"on(?<=[ \t]on)[ \t]+([A-Z][a-z]+(?:[ \t][A-Z][a-z]+)?)\b")
_SHOP_WORD: Final = re.compile(
    r"(?i:walgreens|cvs|rite aid|pharmacy|store|branch|location|office|clinic|the one)[ \t]*$"
)
MONTH_RE: Final = re.compile(
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
)


_FACILITY: Final = (
    r"Hospital|Medical Center|Medical Centre|Med Ctr|Health Center|Health System|"
    r"Healthcare|Health Care|Health|Clinic|Hospice|Manor|Nursing Home|Nursing Center|"
    r"Rehabilitation Center|Rehab Center|Care Center|Living Center|Funeral Home|"
    r"Assisted Living|Senior Living|Infirmary|Medical Group|Family Practice|"
    r"Family Medicine|Pharmacy|Urgent Care|Surgery Center|Surgical Center|Cancer Center|"
    r"Institute|University|College|School|Academy|Church|Correctional Facility|Prison|Jail|"
    r"Shelter|Village|Estates|Gardens|Towers|Apartments|Residence|Associates|Pediatrics|"
    r"Medicine|Mission|Partners|Physicians|Specialists|"
    # a town's school and its emergency services: "Ophir Elementary", "Ophir Rescue Squad"
    r"Elementary|Fire Department|Fire Dept|Volunteer Fire|Rescue Squad|Police Department"
)
_GENERIC_PLACE_WORDS: Final = frozenset(
    [
        "cardiology",
        "internal",
        "family",
        "general",
        "community",
        "urgent",
        "outpatient",
        "inpatient",
        "main",
        "primary",
        "pediatric",
        "pediatrics",
        "emergency",
        "the",
        "our",
        "his",
        "her",
        "their",
        "this",
        "that",
        "a",
        "an",
        "at",
        "university",
        "medical",
        "mental",
        "public",
        "home",
        "behavioral",
        "women's",
        "men's",
        "occupational",
        "student",
        "population",
        "global",
        "digital",
        "oral",
        "sexual",
        "reproductive",
        "children's",
        "veterans",
        "va",
        "state",
        "county",
        "city",
        "regional",
        "memorial",
        "teaching",
        "academic",
        "private",
        "local",
        "nearby",
        "same",
        "other",
        "new",
        "old",
        "surgical",
        "surgery",
        "cancer",
        "pain",
        "sleep",
        "wound",
        "dialysis",
        "infusion",
        "eye",
        "dental",
        "vascular",
        "heart",
        "kidney",
        "liver",
        "lung",
        "spine",
        "anticoagulation",
        "coumadin",
        "diabetes",
        "weight",
        "travel",
        "walk-in",
        "walk",
        "high",
        "middle",
        "elementary",
        "nursing",
        "rehab",
        "rehabilitation",
        "skilled",
        "care",
        "senior",
        "assisted",
        "health",
        "neurology",
        "oncology",
        "pulmonary",
        "orthopedics",
        "orthopaedics",
        "urology",
        "dermatology",
        "gastroenterology",
        "psychiatry",
        "endocrinology",
        "rheumatology",
        "nephrology",
        "radiology",
        "pathology",
        "hematology",
        "ent",
        "obstetrics",
        "gynecology",
        "podiatry",
        "physical",
        "therapy",
        "imaging",
        "laboratory",
        "lab",
        # specialties and services named before "Medicine", "Clinic", "Center"
        "geriatric",
        "geriatrics",
        "sports",
        "preventive",
        "integrative",
        "adolescent",
        "addiction",
        "palliative",
        "nuclear",
        "interventional",
        "developmental",
        "tropical",
        "maternal",
        "fetal",
        "neonatal",
        "transplant",
        "infectious",
        "hospital",
        "lifestyle",
        "functional",
        # more specialties that name a hospital's own clinic ("Seen in Genetics Clinic")
        "genetics",
        "cardiac",
        "allergy",
        "immunology",
        "hepatology",
        "neurosurgery",
        "audiology",
        "ophthalmology",
        "optometry",
        "fertility",
        "bariatric",
        "metabolic",
        "headache",
        "memory",
        "movement",
        "epilepsy",
        "stroke",
        "breast",
        "colorectal",
        "lactation",
        "prenatal",
        "continence",
        "lipid",
        "hypertension",
        "asthma",
        "burn",
        "trauma",
    ]
)
_FACILITY_STOP: Final = lx.STOP - _GENERIC_PLACE_WORDS
_AMBIGUOUS_CITIES: Final = frozenset(
    [
        "mobile",
        "normal",
        "reading",
        "independence",
        "orange",
        "temple",
        "concord",
        "providence",
        "buffalo",
        "columbia",
        "washington",
        "lincoln",
        "jackson",
        "madison",
        "austin",
        "charlotte",
        "elizabeth",
        "gilbert",
        "henderson",
        "hampton",
        "montgomery",
        "warren",
        "richmond",
        "lafayette",
        "durham",
        "salem",
        "dover",
        "manchester",
        "cambridge",
        "augusta",
        "arlington",
        "springfield",
        "glendale",
        "mesa",
        "plano",
        "lawrence",
        "norman",
        "tyler",
        "everett",
        "gary",
        "quincy",
        "eugene",
        "helena",
        "savannah",
        "marietta",
        "chandler",
        "florence",
        "santa",
        "bloomington",
    ]
)
_STATE_ABBR_AFTER: Final = re.compile(
    r"[ACDFGHIKLMNOPRSTUVW][A-Z](?<![A-Za-z].[A-Z])(?<="
    + lx.STATE_ABBR
    + r")(?![\w-])(?P<zip>\.?,?\s+\d{5}(?:-\d{4})?(?!\d))?"
)
_STATE_NAME_AFTER: Final = re.compile(
    trie_alternation(lx.STATE_NAMES) + r"\b(?P<zip>,?\s+\d{5}(?:-\d{4})?(?!\d))?"
)
_MOVE_CONTEXT: Final = re.compile(
    # (the words as a prefix tree)
    trie_alternation(
        "lives|living|live|resides|residing|resident of|moved|relocated|originally|is from|"
        "comes from|born|raised|grew up|travel|traveled|travelled|traveling|trip|vacation|"
        "visiting|visited|flew|drove|transferred|transfer|returned|home|stationed|works|worked|"
        "Lives|Resides|Moved|Born|Originally|Transferred|Returned|headed|heading|staying|"
        "commutes|winters|came from|hails from|Native of|"
        # a terse note opens its sentence with the verb: "Drove from Oakvale this AM." (not
        # "Works": "Works night shift at Mabuhay Seafood" names an employer, kept)
        "Living|Residing|Relocated|Raised|Grew up|Travelled|Traveled|Traveling|Visiting|"
        "Flew|Drove|Stationed|Headed|Heading|Staying|Commutes|Winters|"
        "Came from|Hails from"
    )
    # a head that ends in its own preposition ("is from X", "a native of X") needs no other
    + r"(?:(?<=from)|(?<=of)|(?:\s+[\w'\u2019]+){0,4}?"
    r"\s+(?:in|to|from|at|near|around|by|outside(?:\s+of)?|"
    r"(?:north|south|east|west|northeast|northwest|southeast|southwest)\s+of))\s+"
    r"((?:[A-Z][A-Za-z'\u2019.-]+)(?:\s+[A-Z][A-Za-z'\u2019.-]+){0,2}(?:,\s+[A-Z][a-z][A-Za-z'\u2019.-]*)?)"
)

#: "a native of Quemado": a head of ``_MOVE_CONTEXT`` scanned on its own (a lower-case "n" as
#: a first letter of that prefix tree would try it at nearly every word).
_NATIVE_OF: Final = re.compile(
    r"native of\s+((?:[A-Z][A-Za-z'\u2019.-]+)(?:\s+[A-Z][A-Za-z'\u2019.-]+){0,2}"
    r"(?:,\s+[A-Z][a-z][A-Za-z'\u2019.-]*)?)"
)

#: ``_MOVE_CONTEXT`` in an all-capitals note: "PT LIVES IN HARTSEL WITH SON" (the town's words
#: are then told from ordinary words by the word list, not by their capitals).
_MOVE_CONTEXT_CAPS: Final = re.compile(
    r"(?:"
    + trie_alternation(
        "LIVES|LIVING|RESIDES|RESIDING|MOVED|RELOCATED|ORIGINALLY|BORN|RAISED|GREW UP|DROVE|"
        "TRANSFERRED|RETURNED|VISITING|STAYING|COMMUTES|CAME|COMING|HEADED"
    )
    + r"(?:[ \t]+[A-Z'\u2019]+){0,3}?[ \t]+(?:IN|TO|FROM|AT|NEAR|OUTSIDE(?:[ \t]+OF)?)|"
    + trie_alternation("IS FROM|COMES FROM|CAME FROM|HAILS FROM|RESIDENT OF|NATIVE OF")
    + r")[ \t]+([A-Z][A-Z'\u2019.-]+(?:[ \t]+[A-Z][A-Z'\u2019.-]+){0,2})"
)

#: The literal first words of ``_MOVE_CONTEXT`` (a text with none of them skips that scan).
_MOVE_WORDS: Final = (
    "live",
    "living",
    "resid",
    "moved",
    "relocated",
    "originally",
    "is from",
    "comes from",
    "born",
    "raised",
    "grew up",
    "travel",
    "trip",
    "vacation",
    "visit",
    "flew",
    "drove",
    "transfer",
    "returned",
    "home",
    "stationed",
    "work",
    "Lives",
    "Resides",
    "Moved",
    "Born",
    "Originally",
    "Transferred",
    "Returned",
    "head",
    "staying",
    "commutes",
    "winters",
    "came from",
    "hails",
    "Native of",
    "Relocated",
    "Raised",
    "Grew up",
    "Travel",
    "Visit",
    "Flew",
    "Drove",
    "Stationed",
    "Head",
    "Staying",
    "Commutes",
    "Winters",
    "Came from",
    "Hails",
    "Living",
    "Residing",
)


def _caps_line(text: str, pos: int) -> bool:
    """Whether the line around ``pos`` is written in capitals (it has letters, none lower)."""
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    line = text[start : end if end >= 0 else len(text)]
    return not any(c.islower() for c in line)


def _specific(words: Sequence[str]) -> bool:
    if any(w.lower().strip(".,") in lx.VEHICLE_WORDS for w in words):
        return False  # "Toyota Corolla, GA plate": a car
    return any(
        w.lower().strip(".,") not in lx.STOP
        and w.lower().strip(".,") not in _GENERIC_PLACE_WORDS
        and not _DIVISION_WORD.fullmatch(w)
        for w in words
    )


def _named_for_person(words: Sequence[str]) -> bool:
    """ "Miriam Hospital": named for a person by a given name that is not also a town
    ("Marion General" and "Eugene Medical Center" may be towns, and stay places)."""
    gazetteer = places()
    specific = [w.strip(".,") for w in words if w.lower().strip(".,") not in _GENERIC_PLACE_WORDS]
    return bool(specific) and all(
        w.lower() in lx.first_names() and w.title() not in gazetteer for w in specific
    )


#: Words of geography and "general" (see ``_named_for_virtue``).
_REGION_WORDS: Final = frozenset(
    [
        "general",
        "cape",
        "inland",
        "bay",
        "harbor",
        "harbour",
        "valley",
        "lake",
        "lakes",
        "river",
        "rivers",
        "creek",
        "mountain",
        "mountains",
        "mount",
        "hill",
        "hills",
        "ridge",
        "coast",
        "coastal",
        "island",
        "islands",
        "isle",
        "peninsula",
        "north",
        "south",
        "east",
        "west",
        "northern",
        "southern",
        "eastern",
        "western",
        "northeast",
        "northwest",
        "southeast",
        "southwest",
        "central",
        "upper",
        "lower",
        "plains",
        "prairie",
        "delta",
        "gulf",
        "canyon",
        "mesa",
        "desert",
        "forest",
        "woods",
        "springs",
        "falls",
        "point",
        "port",
        "shore",
        "shores",
        "bluff",
        "bluffs",
        "heights",
        "highland",
        "highlands",
        "pacific",
        "atlantic",
        "midwest",
        "county",
        "city",
        "town",
        "village",
        "glen",
        "meadow",
        "meadows",
        "pines",
        "oaks",
        "grove",
        "park",
        "sound",
        "basin",
        "metro",
        "tri",
        "area",
        "region",
        "regional",
        "district",
    ]
)


def _named_for_virtue(words: Sequence[str]) -> bool:
    """ "Mercy Medical Center", "Lions Eye Institute", "Sacred Heart Hospital", "Option Care
    Health": a facility or company named with ordinary English words, none of them (nor two or
    three of them together) a place in the gazetteer, so no town hides in the name (a town
    that is also a word, "Hope", "Summit", "Trinity", is in the gazetteer and stays a place).
    Invented towns are seldom dictionary words; when in doubt the name is still removed: a name
    with a word of geography ("Cape Cod Hospital", "Inland Neurology Associates") may name its
    region, and "Mercy General Hospital" is a town's general hospital more often than not."""
    gazetteer = places()
    common = common_words()
    parts = []
    for w in words:
        w = w.strip(".,")
        if w[-2:] in ("'s", "\u2019s"):
            w = w[:-2]
        if not w.isalpha() or w.lower() in _REGION_WORDS:
            return False
        parts.append(w.title() if w.isupper() else w)
    if not any(w.lower() not in _GENERIC_PLACE_WORDS for w in parts):
        return False
    for i, w in enumerate(parts):
        if w.lower() not in common:
            return False
        for j in range(i + 1, min(i + 3, len(parts)) + 1):
            if " ".join(parts[i:j]) in gazetteer:
                return False
    return True


#: "St. Vincent", "Saint Luke's", "St Paul": a hospital, parish or city named after a saint.
_SAINT_PLACE: Final = re.compile(
    r"(?:St\.?|Saint|ST\.?|SAINT)[ \t]+[A-Z][A-Za-z]+(?:['\u2019]s)?"
    r"(?:[ \t]+(?:Hospital|Medical Center|Regional|Health|Clinic|Hospice|Mercy))?"
)
_NOT_SAINT_PLACE: Final = re.compile(r"(?i)[ \t]+wort\b")
#: "County ...... Gallatin", "City: Enid", "Hometown - Gallup", "Place of birth: Accra".
_PLACE_LABEL: Final = re.compile(
    # ("City/town of birth: Mekelle", "Town of residence - Ely": a form's compound labels)
    r"(?:(?:County|COUNTY|City|CITY|Town|TOWN)(?:/(?:[Tt]own|TOWN|[Cc]ity|CITY))?"
    r"(?:[ \t]+(?:of|OF)[ \t]+(?:[Bb]irth|BIRTH|[Rr]esidence|RESIDENCE))?|"
    r"Hometown|Birthplace|Place of [Bb]irth|"
    r"Township|Parish|Borough|Neighbou?rhood)"
    r"[ \t]*(?::|\.{2,}|-)[ \t.]*([A-Z][A-Za-z'\u2019.-]+(?:[ \t][A-Z][A-Za-z'\u2019.-]+){0,2})"
)
#: "Dr. Halvorsen (Northwestern)", "DR. KIM (MERCY)": the doctor's institution in brackets.
_AFFILIATION: Final = re.compile(
    r"(?:Dr|DR|Doctor)\.?[ \t]+[A-Z][A-Za-z'\u2019-]+(?:[ \t]+[A-Z][A-Za-z'\u2019-]+)?[ \t]+"
    r"\(([A-Z][A-Za-z'\u2019&.-]+(?:[ \t][A-Z][A-Za-z'\u2019&.-]+){0,3})\)"
)


#: One capitalised word after a facility's name, then a lower-case word or punctuation.
_TOWN_AFTER_FACILITY: Final = re.compile(r"[ \t]([A-Z][a-z'\u2019-]+)(?=[ \t]+[a-z]|[,.;)]|$)")


#: Words after a county's or township's own name ("Cranberry Twp" added in stop 17).
_DIVISION_WORDS: Final = (
    "County",
    "Parish",
    "Borough",
    "Township",
    "Twp",
    "COUNTY",
    "PARISH",
    "TOWNSHIP",
    "TWP",
)
_DIVISIONS: Final = frozenset(_DIVISION_WORDS)


#: "the town of Tennville", "a village of Ophir": the kind of place said before its name.
_TOWN_OF: Final = re.compile(
    r"(?<![\w-])(?:town|village|hamlet|township|borough|TOWN|VILLAGE)[ \t]+(?:of|OF)[ \t]+"
    r"([A-Z][A-Za-z'\u2019-]+(?:[ \t][A-Z][A-Za-z'\u2019-]+)?)"
)
#: "10 mi N of Pine Hollow", "20 miles south of Alamogordo", "5 km outside Ophir": a distance
#: from a place (miles, not hours: "2 hours from Zosyn" is a time since a drug).
_DISTANCE_FROM: Final = re.compile(
    r"\d(?<![\w.]\d)\d{0,2}(?:\.\d)?[ \t]*(?:miles?|mi|km|kilometers?|kilometres?)\.?[ \t]+"
    r"(?:(?:north|south|east|west|northeast|northwest|southeast|southwest|N|S|E|W|NE|NW|SE|SW)"
    r"\.?[ \t]+of|from|outside(?:[ \t]+of)?|past|away[ \t]+from)[ \t]+"
    r"([A-Z][A-Za-z'\u2019-]+(?:[ \t][A-Z][A-Za-z'\u2019-]+)?)"
)
#: Gate of ``_DISTANCE_FROM`` (" mi" lets most notes through: "mild", "min"): its unit after a
#: digit or a blank, then a blank and the first letter of a direction, "from", "outside", "past"
#: or "away". Every match of ``_DISTANCE_FROM`` holds one (its unit follows ``\d[ \t]*`` and
#: goes on with ``\.?[ \t]+`` and one of those words), so the gate drops nothing. Led by the
#: "m" every unit holds (a scan for one literal, not for every digit), the rest of the unit read
#: behind it.
_DISTANCE_GATE: Final = re.compile(
    r"m(?:(?<=[\d \t]m)i(?:les?)?|(?<=[\d \t]km)|(?<=[\d \t]kilom)et(?:er|re)s?)"
    r"\.?[ \t]+[nsewNSEWfopa]"
)
#: "a lifelong Ophir resident", "longtime Marengo residents": a town named by the people who
#: live there (the qualifier rules out "Surgery resident", a physician in training).
_QUALIFIED_RESIDENT: Final = re.compile(
    r"(?i:lifelong|life-long|longtime|long-time|year-round|local|former)[ \t]+"
    r"([A-Z][a-z'\u2019-]+(?:[ \t][A-Z][a-z'\u2019-]+)?)[ \t]+$"
)
#: (the noun found first, the qualifier and the town read back from it: a regex led by a
#: case-blind word would be tried at every position)
_RESIDENT_WORD: Final = re.compile(r"(?:[Rr]esident|RESIDENT)[Ss]?\b")


def _qualified_residents(text: str) -> Iterator[re.Match[str]]:
    for noun in _RESIDENT_WORD.finditer(text):
        m = _QUALIFIED_RESIDENT.search(text, max(0, noun.start() - 48), noun.start())
        if m is not None:
            yield m


def _cued_towns(text: str) -> list[Span]:
    """Towns known only by the words around them (none of them in a list of places)."""
    out: list[Span] = []
    # Speed: each scan only where its literal is in the note
    scans: list[Iterable[re.Match[str]]] = []
    if (
        "own of" in text
        or "illage of" in text
        or "amlet of" in text
        or "ship of" in text
        or "ough of" in text
        or "TOWN OF" in text
        or "VILLAGE OF" in text
    ):
        scans.append(_TOWN_OF.finditer(text))
    if _DISTANCE_GATE.search(text):
        scans.append(_DISTANCE_FROM.finditer(text))
    if "esident" in text or "ESIDENT" in text:
        scans.append(_qualified_residents(text))
    for matches in scans:
        for m in matches:
            words = m.group(1).split()
            # the place's words up to the first ordinary word ("Ophir Hospital": "Ophir")
            kept: list[str] = []
            for w in words:
                low = w.lower()
                if low in lx.STOP or low in lx.STATE_WORDS or low in _GENERIC_PLACE_WORDS:
                    break
                kept.append(w)
            if kept and _specific(kept):
                start = m.start(1)
                out.append(Span("LOCATION", start, start + len(" ".join(kept)), 0.7, "location"))
    return out


class LocationRecognizer(Recognizer):
    """Cities, counties, facilities ("X County", "Springfield, IL", "lives in X", "X Hospital")."""

    name = "location"
    #: (the words as a prefix tree: a hundred of them are tried at every capital letter)
    _SUFFIXED: ClassVar[re.Pattern[str]] = re.compile(
        trie_alternation(
            [
                *_DIVISION_WORDS,
                *_FACILITY.split("|"),
                *_FACILITY.upper().split("|"),
                "General",
            ]
        )
        + r"\b"
    )
    _COUNTY_OF: ClassVar[re.Pattern[str]] = re.compile(r"(?:County|Parish) of [A-Z][a-z]+")

    def analyze(self, text: str) -> list[Span]:
        spans: list[Span] = []
        for m in self._SUFFIXED.finditer(text):
            start, end = m.span()
            if start == 0 or text[start - 1] not in " \t":
                continue
            if m.group() == "General" and _GENERAL_NOUN_AFTER.match(text[end : end + 14]):
                continue
            new_start = _extend_left(text, start, max_words=4, stop=_FACILITY_STOP)
            words = text[new_start:start].split()
            if words and _specific(words):
                town = _TOWN_AFTER_FACILITY.match(text, end)
                if not _named_for_person(words) and not (
                    m.group() not in _DIVISIONS
                    # "Baptist Health Louisville": a branch named for its town, removed whole
                    and not (town and _specific([town.group(1)]))
                    and _named_for_virtue(words)
                ):
                    # "Wayne County": a county (or parish, borough, township) is a place
                    # whatever name it carries, so it outranks the name recognizer's reading
                    score = 0.9 if m.group() in _DIVISIONS else 0.75
                    spans.append(Span("LOCATION", new_start, end, score, self.name))
                if (
                    town
                    and _specific([town.group(1)])
                    and not self._SUFFIXED.fullmatch(town.group(1))
                ):
                    # "Mercy Health Muskegon": a branch named after its town
                    spans.append(Span("LOCATION", town.start(1), town.end(1), 0.7, self.name))
        for m in _SAINT_PLACE.finditer(text):
            if m.start() > 0 and text[m.start() - 1].isalnum():
                continue
            if _NOT_SAINT_PLACE.match(text, m.end()):
                continue  # St. John's wort
            start = _extend_left(text, m.start(), max_words=2, stop=_FACILITY_STOP)
            spans.append(Span("LOCATION", start, m.end(), 0.7, self.name))
        for m in _PLACE_LABEL.finditer(text):
            start, end = m.span(1)
            words = text[start:end].split()
            if words and _specific(words):
                spans.append(Span("LOCATION", start, end, 0.8, self.name))
        for m in _AFFILIATION.finditer(text):
            start, end = m.span(1)
            words = text[start:end].split()
            if words and _specific(words) and not lx.CREDENTIAL_RE.fullmatch(text[start:end]):
                spans.append(Span("LOCATION", start, end, 0.6, self.name))
        # Speed: the pattern's own literal heads as the gate (two long needles are cheaper to
        # look for than " of ", which nearly every note holds)
        spans.extend(_cued_towns(text))
        county_of = "County of " in text or "Parish of " in text
        for m in self._COUNTY_OF.finditer(text) if county_of else ():
            spans.append(Span("LOCATION", m.start(), m.end(), 0.8, self.name))
        for m in (*_STATE_ABBR_AFTER.finditer(text), *_STATE_NAME_AFTER.finditer(text)):
            start = m.start()
            if start < 2 or text[start - 1] not in " \t,":
                continue
            has_zip = bool(m.group("zip"))
            comma = text[start - 1] == "," or text[max(0, start - 2) : start] == ", "
            if not (comma or has_zip):
                continue
            city_end = start - (2 if text[start - 2 : start] == ", " else 1)
            # a line written in capitals ("RECEIVING: ..., BRIGHTWATER, MT") has its towns in
            # capitals too; elsewhere a word in capitals before the state is an abbreviation
            caps = not has_zip and _caps_line(text, start)
            city_start = _extend_left(
                text, city_end, max_words=3, title_only=not has_zip and not caps
            )
            if city_start >= city_end:
                continue
            words = text[city_start:city_end].split()
            if caps and all(w.lower().strip(".,") in common_words() for w in words):
                continue  # "... LEFT ARM, PA": ordinary words in capitals, not a town
            if words and lx.CREDENTIAL_RE.fullmatch(words[-1].strip(".,")):
                continue  # "G. Marsh, PharmD, CO pharmacist": a credential, then the state
            if text[start : start + 2] == "ID" and words[-1].lower() in LABEL_WORDS:
                continue  # "Member ID 88412": a label, not a town in Idaho
            if words and _specific(words):
                spans.append(Span("LOCATION", city_start, city_end, 0.85, self.name))
        moves: Iterable[re.Match[str]] = (
            _MOVE_CONTEXT.finditer(text) if any(w in text for w in _MOVE_WORDS) else ()
        )
        if "native of" in text:
            moves = (*moves, *_NATIVE_OF.finditer(text))
        for m in moves:
            start, end = m.span(1)
            parts = _WORD_GAPS.split(text[start:end])
            keep_end = start
            pos = start
            for part in parts:
                if "\n" in part:
                    break  # "lives in Naperville.\nHLA 3/6 match": the line ends the town
                if part.strip(", ") and part.lower().strip(".,") in lx.STOP:
                    break
                pos += len(part)
                if part.strip(", "):
                    keep_end = pos - (len(part) - len(part.rstrip(".,")))
            words = text[start:keep_end].split()
            if keep_end > start and _specific(words):
                facility = self._SUFFIXED.match(text, keep_end + 1)
                if facility and text[keep_end] == " " and _named_for_person(words):
                    continue  # "transferred to Miriam Hospital": a facility, not a town
                spans.append(Span("LOCATION", start, keep_end, 0.7, self.name))
        if (
            # the capitals' prepositions of ``_MOVE_CONTEXT_CAPS`` (an "or" chain: cheaper than
            # any() over a tuple, and almost every note has none of them)
            " IN " in text
            or " FROM " in text
            or " TO " in text
            or " OF " in text
            or " NEAR " in text
            or " AT " in text
            or " OUTSIDE " in text
        ):
            spans.extend(self._caps_moves(text))
        return spans

    def _caps_moves(self, text: str) -> Iterator[Span]:
        common = common_words()
        for m in _MOVE_CONTEXT_CAPS.finditer(text):
            end = m.start(1)
            for word in re.finditer(r"[^ \t]+", text[m.start(1) : m.end(1)]):
                low = word.group().lower().strip(".,")
                if low in lx.STOP or low in common or low in lx.STATE_WORDS:
                    break
                if word.group().strip(".,") in lx.STATE_CODES:
                    break
                end = m.start(1) + word.end() - (len(word.group()) - len(word.group().rstrip(".,")))
            if end > m.start(1):
                yield Span("LOCATION", m.start(1), end, 0.7, self.name)


_ZIP_BEFORE: Final = re.compile(
    rf"(?:\b(?:{lx.STATE_ABBR})|\b(?i:{lx.STATE_NAMES}))\.?,?\s+$|(?i:zip(?:\s*code)?|"
    # "her zip code is 30309", "the 90210 area" (below)
    r"postal\s+code|zipcode)(?:\s+(?i:is|was|of))?[\s:#.]*$"
)


#: A street (and unit), a comma and a town just before a number: the number is its ZIP.
_STREET_CITY_BEFORE: Final = re.compile(
    rf"(?<![\w])(?:{_SUFFIX})\.?(?:[ \t]+(?:Ste|Suite|Apt|Unit|Fl|Bldg|#)\.?[ \t]*#?[\w-]+)?"
    r",[ \t]*[A-Z][a-z'\u2019-]+(?:[ \t][A-Z][a-z'\u2019-]+){0,2},?[ \t]+$"
)


class ZipRecognizer(PatternRecognizer):
    """ZIP codes after a state, after a "ZIP" label, or in ZIP+4 form."""

    name = "zip"
    category = "ZIP"
    PATTERNS = (_p(_lead("0-9", r"\w-") + r"\d{4}(?:-\d{4})?(?![\d-])", 0.9),)

    def validate(self, text: str, start: int, end: int, _match: re.Match[str]) -> str | None:
        if end - start == 10:
            return self.category
        if _ZIP_BEFORE.search(text, max(0, start - 24), start):
            return self.category
        if end - start == 5 and _STREET_CITY_BEFORE.search(text, max(0, start - 80), start):
            return self.category  # "4412 Sunbury Rd, Columbus 43219" (no state)
        return None


# --- names ----------------------------------------------------------------------------------------

_TOKEN: Final = re.compile(
    r"[A-Z][A-Za-z]*(?:['\u2019][A-Za-z]+)?(?:-[A-Z][A-Za-z]*(?:['\u2019][A-Za-z]+)?)*"
)
_GAP: Final = re.compile(
    r"[ \t]{1,2}|,[ \t]?|[ \t](?:van|von|vom|zu|der|den|de|del|della|di|da|das|do|dos|du|la|le|"
    r"bin|bint|ibn|abu|ben|al|el|ter|ten)(?:[ \t](?:der|den|de|la|le|los|las))?[ \t]|"
    # "Noor ul-Ain", "Abd al-Rahman", "Sayf ad-Din": an Arabic article joined by a hyphen
    r"[ \t](?:ul|ud|al|el|ad|ar|as|an|az|ash|at|ur|us)-"
)
_DOT_GAP: Final = re.compile(r"\.[ \t]?")
_CREDENTIAL_AFTER: Final = re.compile(rf",?[ \t]*{lx.CREDENTIALS_TREE}(?![\w-])")
#: Words after which a capitalised word is a name ("daughter Agnieszka", "spoke with Tamsin").
NAME_CONTEXT_WORDS: Final = (
    frozenset(
        [
            # owners (of a business, of a pet), lawyers, and who escorts or leads a team
            "owner",
            "atty",
            "attorney",
            "counsel",
            "lawyer",
            "escort",
            "deputy",
            "rep",
            "representative",
            "sonographer",
            "technician",
            "coordinator",
            "son",
            "daughter",
            "wife",
            "husband",
            "mother",
            "father",
            "mom",
            "dad",
            "brother",
            "sister",
            "niece",
            "nephew",
            "aunt",
            "uncle",
            "cousin",
            "grandson",
            "granddaughter",
            "grandmother",
            "grandfather",
            "grandma",
            "grandpa",
            "partner",
            "fiance",
            "fiancee",
            "boyfriend",
            "girlfriend",
            "friend",
            "neighbor",
            "neighbour",
            "roommate",
            "spouse",
            "caregiver",
            "guardian",
            "sponsor",
            "landlord",
            "hcp",
            "poa",
            "proxy",
            "named",
            "called",
            "cc",
            "attn",
            "dear",
            "signed",
            "attending",
            "resident",
            "pcp",
            "rn",
            "md",
            "np",
            "provider",
            "physician",
            "surgeon",
            "cardiologist",
            "oncologist",
            "therapist",
            "counselor",
            "counsellor",
            "nurse",
            "guarantor",
            "preferred",
            "aka",
            "nickname",
            "informant",
            "interpreter",
            "chaplain",
            "sw",
            "name",
            "dictated",
            "transcribed",
            "cosigned",
            "co-signed",
            "reviewed",
            "seen",
            "hi",
            "hello",
            "hey",
            "thanks",
            # "Informed Gareth of results", "notified Anjali at 0200"
            "informed",
            "notified",
            # "D/w Fitzwilliam": discussed with
            "d/w",
            "sponsor",
            "stepson",
            "stepdaughter",
            "stepmother",
            "stepfather",
            "son-in-law",
            "daughter-in-law",
            "mother-in-law",
            "father-in-law",
            "brother-in-law",
            "sister-in-law",
            "grandchild",
            "granddad",
            "nana",
            "boss",
            "coworker",
            "co-worker",
            "employer",
            "manager",
            "supervisor",
            "pharmacist",
            "paramedic",
            "scribe",
            "crna",
            "officer",
            "deputy",
            "detective",
            "trooper",
            "coach",
            "teacher",
            "pastor",
            "aide",
            "hha",
            "cna",
            "lpn",
            "pa-c",
            "dpt",
            "pharmd",
            "lcsw",
            "do",
            # credentials written before the name ("CNM Patrice Olufemi-Hart", "APRN Lee")
            "cnm",
            "aprn",
            "fnp",
            "lvn",
            "rrt",
            "slp",
            "msw",
            "licsw",
            "psyd",
            "rdn",
            "emt",
            # counselling, social-work, community-health and sleep-lab credentials
            "csw",
            "lmsw",
            "lpc",
            "lmft",
            "lcpc",
            "ladc",
            "cadc",
            "chw",
            "rpsgt",
            "crnp",
            # more of a care team and the people around a patient ("dietitian Mireille X",
            # "crew leader Baltasar X", "courier Jun X")
            "dietitian",
            "dietician",
            "leader",
            "driver",
            "courier",
            "dispatcher",
            "navigator",
            "caseworker",
            "advocate",
            "investigator",
            "midwife",
            "doula",
            "volunteer",
            "sitter",
            "priest",
            "intern",
            "tech",
            "rd",
            "observer",
            "witness",
            # the people a contact tracer lists
            "bunkmate",
            "bunkmates",
            "roommate",
            "roommates",
            "housemate",
            "housemates",
            "coworker",
            "coworkers",
            "co-worker",
            "co-workers",
            "classmate",
            "classmates",
            "cellmate",
            "cellmates",
            "crewmate",
            "crewmates",
            "shipmate",
            "shipmates",
            "teammate",
            "teammates",
        ]
    )
    | lx.RELATION_WORDS
)
_NAME_CONTEXT_PAIRS: Final = frozenset(
    {
        "spoke with",
        "spoke to",
        "talked with",
        "talked to",
        "discussed with",
        "name is",
        "goes by",
        "emergency contact",
        "case manager",
        "seen by",
        "signed by",
        "reviewed by",
        "dictated by",
        "referred by",
        "per dr",
        "contact person",
        "this is",
        "message from",
        "call from",
        "accompanied by",
        "copy to",
        "care of",
        "lives with",
        "staying with",
        "living with",
        "married to",
        # "Left VM for Quillon", "Thanks to Ikeji", "Text from Reza:"
        "vm for",
        "voicemail for",
        "message for",
        "msg for",
        "thanks to",
        "text from",
        "texted by",
        "email from",
        "letter from",
        # a phone or handoff log's verb, the "with" often written "w/" ("Spoke w/ Farhad",
        # "Brought in by Bogdana X", "Social worker Hope met ..."; not "relieved by" or
        # "covered by": a drug relieves, a plan covers)
        "spoke w/",
        "talked w/",
        "discussed w/",
        "met w/",
        "met with",
        "conferred with",
        "in by",
        "chatting with",
        "social worker",
        "case worker",
        "seen with",
        # a consent's witness and a language's go-between ("witnessed by Harmony Little",
        # "translated by Ngozi"): a fall witnessed by staff or EMS names a service, a stop word
        "witnessed by",
        "translated by",
        "interpreted by",
        "verified by",
    }
)
#: Roles that, written with a capital at the head of a sentence, name the person after them
#: ("Coach Marten reports", "Caseworker Nkechi will follow"); relatives are in
#: ``lx.RELATION_WORDS``.
_ROLE_HEADS: Final = frozenset(
    [
        "coach",
        # school staff in a school nurse's or counsellor's notes ("Principal Okonjo said")
        "principal",
        "superintendent",
        "counselor",
        "caseworker",
        "chaplain",
        "interpreter",
        "pastor",
        "teacher",
        "officer",
        "deputy",
        "detective",
        "trooper",
        "sponsor",
        "guardian",
        "landlord",
        "neighbor",
        "neighbour",
        "roommate",
        "housemate",
        "friend",
        "boyfriend",
        "girlfriend",
        "fiance",
        "fiancee",
        "caregiver",
        "sitter",
        "courier",
        "dispatcher",
        "navigator",
        "advocate",
        "investigator",
        "midwife",
        "doula",
        "volunteer",
        "priest",
        "scribe",
        "paramedic",
        "pharmacist",
        "supervisor",
        "boss",
        "coworker",
        "employer",
        "counselor",
        "counsellor",
        "therapist",
        "dietitian",
        "dietician",
        "attorney",
        "lawyer",
        "escort",
        "sonographer",
        "informant",
    ]
)
#: "To: Payroll Disputes <payroll@...>": an address's display name; English words there name
#: a shared mailbox, not a person.
_MAILBOX_AFTER: Final = re.compile(r"[ \t]*<[^<>@\s]+@")
#: Job titles written as capitals ("DON" director of nursing, "ADON" the assistant one, "CNO"
#: chief nursing officer) that head a name like a title.
_ROLE_CAPS: Final = frozenset(["DON", "ADON", "CNO", "CMO"])


def _enumerator(text: str, pos: int) -> bool:
    """Whether the letter at ``pos`` heads a line as an item of a lettered list ("A. ...")
    whose next or previous letter heads another line."""
    if text[pos + 1 : pos + 3] != ". " or text[text.rfind("\n", 0, pos) + 1 : pos].strip():
        return False
    letter = ord(text[pos])
    return any(
        f"\n{chr(other)}. " in text for other in (letter - 1, letter + 1) if 65 <= other <= 90
    )


def _line_has_lower(text: str, pos: int) -> bool:
    """Whether the line around ``pos`` has a lower-case ASCII letter (it is not all capitals)."""
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    line = text[start : end if end >= 0 else len(text)]
    return line != line.upper()


_SIBLING_WORDS: Final = frozenset(["sib", "sibs", "sibling", "siblings"])
#: Words that make a kind of parent or family ("Foster mom", "Birth mother", "Host family"):
#: at a sentence's head they have a capital, and "Foster" is a family name too.
_KIN_ADJECTIVES: Final = frozenset(["foster", "birth", "adoptive", "host"])
_KIN_NOUN_AFTER: Final = re.compile(
    r"[ \t]+(?:mom|mum|dad|mother|father|parents?|care|home|family|sister|brother|child|"
    r"children|daughter|son|placement)\b"
)
#: The last word of a hospital service's name ("Poison Control", "Case Management").
_SERVICE_NOUNS: Final = frozenset(
    [
        "control",
        "service",
        "services",
        "management",
        "relations",
        "work",
        "care",
        "team",
        "line",
        "desk",
        "department",
        "office",
        "program",
        "unit",
    ]
)
#: Roles written as capitals before ", Name" ("POA, Delphine"), never a family name there.
_ROLE_ACRONYMS: Final = frozenset(
    ["poa", "hcp", "pcp", "sw", "rn", "np", "md", "cna", "hha", "lpn", "crna", "emt", "atty"]
)


def _role_modifier(text: str, end: int, kind: str, low: str) -> bool:
    """ "Charge RN notified", "Notified Charge RN": English words right before a credential
    (a blank between, no comma) say which nurse; alone they are no name ("Ebony Whitfield, RN"
    and "Anwar RN" are: a comma, or a word that is not English)."""
    return kind == "other" and text[end : end + 1] == " " and low in common_words()


def _may_be_named(tok: _Tok) -> bool:
    """Whether a token after a role word may be the person's name: a listed name, or a word
    that is neither English nor an acronym ("Coach Marten", not "Nurse Practitioner")."""
    if tok.kind == "first":
        return True
    # "Caregiver Strain Index": a family name that is also a word needs more than the role
    return (
        tok.kind in ("last", "amb", "wordlast", "other")
        and not tok.text.isupper()
        and tok.low not in common_words()
    )


#: Weak context: the word must also look like a name (listed name, initial).
_WEAK_CONTEXT_WORDS: Final = frozenset(
    ["from", "to", "with", "by", "per", "contact", "patient", "pt"]
)
_CONTEXT_FILLER: Final = frozenset(["is", "was", "named", "called", "mr", "mrs", "ms"])


def _sentence_start(text: str, start: int) -> bool:
    """Whether only spaces separate ``start`` from a full stop, a line start or the text start.

    Dot leaders ("Name ........ Joe") and an ellipsis are a label layout, not a full stop.
    """
    i = start - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    if i >= 1 and text[i] == "." and text[i - 1] == ".":
        return False
    if i >= 2 and text[i] == "." and text[max(0, i - 3) : i].lower().lstrip(" \t(") in _TITLE_ABBR:
        return False  # "my endo dr. Paulsen": a title's full stop, not a sentence's
    return i < 0 or text[i] in ".!?\n"


#: Title abbreviations whose full stop ends no sentence (in any case: "dr.", "Mrs.").
_TITLE_ABBR: Final = frozenset(["dr", "mr", "mrs", "ms"])


#: A label before a value ("Patient:", "Emergency ....", "Copy to -"): the label's last word.
_LABEL_TAIL: Final = re.compile(r"([A-Za-z][A-Za-z/'-]*)[ \t]*(?::|\.{2,}|\s-)[ \t.]*$")
#: Labels whose value is a person ("Patient: Haugland, Per-Erik", "Emergency ... Hollis Whitcombe").
_NAME_LABELS: Final = frozenset(
    [
        "name",
        "patient",
        "pt",
        "client",
        "resident",
        "member",
        "subscriber",
        "insured",
        "guarantor",
        "emergency",
        "contact",
        "preferred",
        "nickname",
        "aka",
        "attending",
        "surgeon",
        "assistant",
        "anesthesia",
        "anesthesiologist",
        "crna",
        "scribe",
        "pcp",
        "provider",
        "physician",
        "clinician",
        "therapist",
        "counselor",
        "pharmacist",
        "nurse",
        "rn",
        "lpn",
        "np",
        "pa",
        "md",
        "do",
        "resident",
        "fellow",
        "intern",
        "by",
        "to",
        "from",
        "cc",
        "attn",
        "re",
        "signed",
        "author",
        "dictated",
        "transcribed",
        "cosigner",
        "witness",
        "interpreter",
        "caregiver",
        "mother",
        "father",
        "parent",
        "parents",
        "spouse",
        "hcp",
        "poa",
        "proxy",
        "sw",
        "cm",
        "id",
        "pt/id",
        "manager",
        "supervisor",
        "employer",
        "owner",
        "driver",
        "officer",
        "paramedic",
        "emt",
        "chaplain",
        "student",
        "child",
        "infant",
        "baby",
        "son",
        "daughter",
        "wife",
        "husband",
        "partner",
        "sibling",
        "brother",
        "sister",
        # parties named in legal, investigative and release-of-information records
        "complainant",
        "claimant",
        "victim",
        "petitioner",
        "respondent",
        "defendant",
        "plaintiff",
        "applicant",
        "requester",
        "requestor",
        "investigator",
        "employee",
        "worker",
        "beneficiary",
        "decedent",
        "reporter",
        # who called, who was called: a phone log's fields ("Caller: ...", "Callback: ...")
        "caller",
        "callee",
        "callback",
        # staff roles written as labels in reports and logs
        "sonographer",
        "technologist",
        "tech",
        "technician",
        "coordinator",
        "monitor",
        "dietitian",
        "nutritionist",
        "physiologist",
        "embryologist",
        "director",
        "examiner",
        "screener",
        "observer",
        "advocate",
        "guardian",
        "caseworker",
        "aide",
        "cna",
        "rep",
        "representative",
    ]
)
#: "Prior name on 2009 records: X", "Maiden name (if any): X": a label that mentions a name.
_LABEL_NAMES_A_PERSON: Final = re.compile(r"(?i)\bnames?\b[^:\n]{0,30}:[ \t]*$")
_PUNCT_ONLY: Final = re.compile(r"[^A-Za-z0-9#]*")


#: The last part of a key before "=" and an optional quote ("pref_name=\"" gives "name").
_KEY_TAIL: Final = re.compile(r"([A-Za-z]+)=[\"']?$")


def _name_context(text: str, start: int) -> str | None:
    """``"strong"`` / ``"weak"`` when the words just before ``start`` announce a name."""
    window = text[max(0, start - 40) : start]
    nl = window.rfind("\n")
    if nl >= 0:
        window = window[nl + 1 :]
    tail = window.rstrip(" \t")
    if tail[-1:] in (":", ".", "-"):  # cheap test before the regex
        label = _LABEL_TAIL.search(window)
        if label and label.group(1).lower() in _NAME_LABELS:
            return "strong"
        if tail[-1:] == ":" and _LABEL_NAMES_A_PERSON.search(window):
            return "strong"
    elif tail[-1:] in ("=", '"', "'"):
        # an export's key and value: 'pref_name="Ozzy"', "guardian=Marguerite Fenn"
        key = _KEY_TAIL.search(tail)
        if key and key.group(1).lower() in _NAME_LABELS:
            return "strong"
    if tail[-1:] in (".", "r", "s") and _LOWER_TITLE_TAIL.search(tail):
        # a title typed in lower case in a chat or a text ("my endo dr. Paulsen"): the
        # capitalised-token rules see a title only when it is capitalised ("MS Contin", "DR"
        # in capitals are a drug and a retinopathy, so only the lower-case form counts)
        return "strong"
    raw = window.lower().replace(":", " ").replace(",", " ").replace("(", " ").split()
    # Speed: only the last two words after the trailing fillers matter; walk back from the end.
    rev: list[str] = []
    for w in reversed(raw):
        w = w.strip("'\".;\u2018\u2019\u201c\u201d-")
        if not w or _PUNCT_ONLY.fullmatch(w):
            continue
        rev.append(w)
        k = 0
        while k < len(rev) and rev[k] in _CONTEXT_FILLER:
            k += 1
        if len(rev) - k >= 2:
            break
    words = rev[::-1]
    while words and words[-1] in _CONTEXT_FILLER and len(words) > 1:
        words.pop()
    if not words:
        return None
    if len(words) >= 2 and f"{words[-2]} {words[-1]}" in _NAME_CONTEXT_PAIRS:
        return "strong"
    if words[-1] in NAME_CONTEXT_WORDS:
        # "HI PLATE NKT 447": in capitals "HI" is Hawaii, not a greeting
        return None if words[-1] == "hi" and tail.endswith("HI") else "strong"
    if words[-1] in _WEAK_CONTEXT_WORDS:
        return "weak"
    return None


_LOWER_TITLE_TAIL: Final = re.compile(r"(?<![\w.])(?:dr|mrs)\.?$")
_MAX_NAME_TOKENS: Final = 4


def _acronym_in_prose(text: str, start: int, word: str) -> bool:
    """ "(daughter, POA)", "signed SBHC consent": a word in capitals on a line of ordinary
    case is an abbreviation, unless a label announces it ("Patient: HADDIX")."""
    if not word.isupper() or len(word) < 2:
        return False
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    return not (line.isupper() or text[line_start:start].rstrip().endswith(":"))


_PAREN_WORD: Final = re.compile(r"[ \t]*\([ \t]*([A-Za-z]+)[ \t]*\)")
#: "(pt's nephew, ...", "(her son;": whose relative, then the relation, opening a bracket.
_PAREN_WHOSE: Final = re.compile(
    r"[ \t]*\([ \t]*(?:pt['\u2019]s|patient['\u2019]s|her|his|their|the patient['\u2019]s)[ \t]+"
    r"([A-Za-z-]+)[ \t]*[,;:)]"
)


def _relation_after(text: str, end: int) -> bool:
    """ "... Ruiz (dad)", "... (sister)", "... (pt's nephew, a cardiologist)": the relation
    named in brackets right after a run."""
    m = _PAREN_WORD.match(text, end) or _PAREN_WHOSE.match(text, end)
    return m is not None and m.group(1).lower() in lx.RELATION_WORDS


#: Kinds of a listed given or family name (an eponym is a family name too).
_GIVEN_OR_FAMILY: Final = frozenset(["first", "amb", "last", "wordlast", "epon"])
#: A relative named right after a possessive: "'s daughter", "'s wife".
_RELATIVE_AFTER_POSSESSIVE: Final = re.compile(
    r"[ \t]+(?:daughter|son|wife|husband|mother|father|mom|dad|sister|brother|partner|"
    r"fianc[eé]e?|girlfriend|boyfriend|grandson|granddaughter|niece|nephew|aunt|uncle|"
    r"cousin|caregiver|guardian|spouse)\b"
)
_EPONYM_NOUN: Final = re.compile(
    r"\s+(?:catheter|sign|disease|syndrome|cyst|score|scale|test|maneuver|manoeuvre|reflex|"
    r"palsy|procedure|fundoplication|stain|criteria|classification|tube|line|monitor|"
    r"esophagus|lymphoma|sarcoma|tumou?r|ulcer|node|point|triad|position|phenomenon|"
    r"disorder|fracture|operation|repair|bag)\b",
    re.IGNORECASE,
)


@dataclass(slots=True)
class _Tok:
    start: int
    end: int
    text: str
    low: str
    kind: str  # title | stop | cred | initial | first | amb | last | wordlast | epon | other
    comma_before: bool = False


@lru_cache(maxsize=1)
def _base_kinds() -> dict[str, str]:
    """Lexicon word -> kind, one dict for every list (a later list wins: stop words first)."""
    kinds: dict[str, str] = {}
    for kind, words in (
        ("last", lx.surnames()),
        ("wordlast", lx.WORDLIKE_SURNAMES),
        ("amb", lx.ambiguous_names()),
        ("first", lx.first_names()),
        ("epon", lx.EPONYMS),
        ("stop", lx.STOP),
    ):
        kinds.update(dict.fromkeys(words, kind))
    return kinds


_UNIT_WORDS: Final = frozenset(["ng", "mg", "mcg", "ug", "ml", "dl", "mmol", "meq", "iu"])


#: Every word that is a title written with or without its dot: ``low in _TITLE_FORMS`` is
#: ``low in TITLES or low + "." in TITLES`` without building a string per token.
_TITLE_FORMS: Final = lx.TITLES | frozenset(t[:-1] for t in lx.TITLES if t.endswith("."))


def _classify(tok: str, next_char: str) -> str:
    if len(tok) == 1:
        return "initial"
    low = tok.lower()
    # Speed: the one-character test first (most tokens are followed by a blank, few are titles)
    if next_char in ". \t" and low in _TITLE_FORMS:
        return "title"
    # "MD", "RN"; "PsyD", "PharmD" (an inner capital): never the words "Do", "Pa", "Ms"
    if (tok.isupper() or not tok[1:].islower()) and lx.CREDENTIAL_RE.fullmatch(tok):
        return "cred"
    base = low[:-2] if low.endswith(("'s", "\u2019s")) else low
    kind = _base_kinds().get(base)
    if kind is not None:
        return kind
    # "Child-Pugh", "Swan-Ganz", "Roux-en-Y" aside: eponyms joined by a hyphen are a score, a
    # device or a disease, like each eponym alone
    if "-" in base and all(part in lx.EPONYMS for part in base.split("-")):
        return "epon"
    if "-" in base:
        # "Jean-Luc", "Mary-Kate", "Anne-Marie": a compound given name, its first part a listed
        # given name and its second no English word ("Gene-Expression", "Max-Dose" stay words)
        head, _, rest = base.partition("-")
        if (
            rest
            and "-" not in rest
            and len(rest) >= 2
            and _base_kinds().get(head) == "first"
            and _base_kinds().get(rest) in (None, "first")
            and rest not in common_words()
            and rest not in lx.STOP
        ):
            return "first"
    return "other"


#: "Rosalind 'Roz' Etheridge-Banks", 'Dakota "Koda" Redhorse-Mills', "Beatrix (Bea) Lindqvist".
_NICKNAME: Final = re.compile(
    r"['\"\u2018\u201c(](?<=[ \t]['\"\u2018\u201c(])([A-Z][a-z]+|[A-Z]{2,})['\"\u2019\u201d)]"
    r"[ \t]+([A-Z\u00c0-\u00de][A-Za-z\u00c0-\u024f'\u2019]+"
    r"(?:-[A-Z\u00c0-\u00de][A-Za-z\u00c0-\u024f'\u2019]+)?)"
)
#: "Dictated 02/27/2024 14:10 by AHC": a clinician's initials after a sign-off verb.
_SIGNED_INITIALS: Final = re.compile(
    r"\b(?:[Dd]ictated|[Tt]ranscribed|[Ss]igned|[Cc]osigned|[Ee]ntered|[Rr]eviewed|[Ee]dited)"
    r"\b[^\n]{0,40}?\bby[ \t]+([A-Z]{2,3})\b(?![ \t]*[A-Z][a-z])"
)
#: The verbs of ``_SIGNED_INITIALS`` without their first letter (a text with none skips it).
_SIGN_OFF_VERBS: Final = ("ictated", "ranscribed", "igned", "ntered", "eviewed", "dited")
#: Gate for ``_SIGNED_INITIALS``: "by" and the initials, a literal-led (fast) scan.
_BY_INITIALS: Final = re.compile(r"by[ \t]+[A-Z]{2,3}\b")
#: The given name before a nickname (matched backwards from the quote).
_NICK_FIRST: Final = re.compile(r"([A-Z][A-Za-z]+(?:-[A-Z][A-Za-z]+)?)[ \t]+$")
#: After a found name: "and Imogen Featherstonehaugh-Lowe", "& Pieter".
_SEMICOLON_NAME: Final = re.compile(
    r";[ \t]*([A-Z][a-z][A-Za-z'\u2019]*(?:-[A-Z][A-Za-z'\u2019]+)?"
    r"[ \t]+[A-Z][a-z][A-Za-z'\u2019]*(?:-[A-Z][A-Za-z'\u2019]+)?)(?=[ \t]*(?:[;,.]|$))",
    re.MULTILINE,
)
_AND_NAME: Final = re.compile(
    r"[ \t]+(?:and|&)[ \t]+([A-Z][a-z][A-Za-z'\u2019]*(?:-[A-Z][A-Za-z'\u2019]+)?"
    r"(?:[ \t]+[A-Z][a-z][A-Za-z'\u2019]*(?:-[A-Z][A-Za-z'\u2019]+)?)?)"
)


_SIDE_THEN_WORD: Final = re.compile(r"[ \t]+[a-z]")


def _side_letter(text: str, tok: _Tok) -> bool:
    """ "BCC, L nasal ala": a side (left, right, both) before a lower-case word, not an initial."""
    return tok.text in ("L", "R", "B") and _SIDE_THEN_WORD.match(text, tok.end) is not None


def _word_before(text: str, start: int) -> str:
    """The lower-cased word just before ``start`` on its line ("" when there is none)."""
    i = start
    while i > 0 and text[i - 1] in " \t":
        i -= 1
    j = i
    while j > 0 and text[j - 1].isalpha():
        j -= 1
    if text[j - 4 : j] == "-in-" and text[j:i].lower() == "law":
        # "son-in-law Grant": the relative is the hyphenated word as a whole
        j -= 4
        while j > 0 and text[j - 1].isalpha():
            j -= 1
    return text[j:i].lower()


def name_kind(word: str) -> str:
    """The kind of a capitalised word as the name rules read it ("first", "amb", "last",
    "wordlast", "other", "initial"; or "stop", "title", "cred", "epon"), for other modules."""
    return _classify(word, " ")


def _plain_word(tok: str) -> bool:
    """A capitalised token that is not a stop word, eponym, title or credential."""
    return _classify(tok, " ") in ("first", "amb", "last", "wordlast", "other")


def _nicknames(text: str) -> list[Span]:
    out: list[Span] = []
    for m in _NICKNAME.finditer(text):
        before = _NICK_FIRST.search(text, max(0, m.start() - 40), m.start())
        if before is None or (before.start() > 0 and text[before.start() - 1].isalnum()):
            continue
        first, nick, last = before.group(1), m.group(1), m.group(2)
        # the given name may be a word or a state ('Virginia "Ginny" Fenwick'): the quoted
        # nickname between two names is the cue
        if (
            (_plain_word(first) or first.lower() in lx.first_names())
            and _plain_word(nick)
            and _plain_word(last)
        ):
            # one span over the quotes too: "Obadiah [NAME]" would still show the nickname's form
            out.append(Span("NAME", before.start(1), m.end(2), 0.8, "nickname"))
    return out


def _coordinated(text: str, spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for span in spans:
        if span.category != "NAME" or span.score < 0.7:
            continue
        m = _AND_NAME.match(text, span.end)
        listed = False
        if m is None:
            # "To: Quinn Delacroix; Sage Holloway": a list of people, only names after ";"
            m = _SEMICOLON_NAME.match(text, span.end)
            listed = True
            if m is None:
                continue
        words = m.group(1).split()
        kinds = [_classify(w, " ") for w in words]
        if kinds[0] not in ("first", "amb", "last", "other"):
            continue
        if listed and (
            any(k not in ("first", "amb", "last", "other") for k in kinds)
            # "; Follow Up": two ordinary words are a heading, not a person
            or all(
                k == "other" and w.lower() in common_words()
                for w, k in zip(words, kinds, strict=True)
            )
        ):
            continue
        if len(words) == 2 and kinds[1] not in ("first", "amb", "last", "wordlast", "other"):
            out.append(Span("NAME", m.start(1), m.start(1) + len(words[0]), 0.7, "name-and"))
            continue
        out.append(Span("NAME", m.start(1), m.end(1), 0.7, "name-and"))
    return out


#: A capitalised word not glued to a letter or digit before it and not followed by a digit
#: ("SpO2", "F-150", "T2DM" are codes). Atomic, so "SpO2" is not retried as "Sp".
_NAME_TOKEN: Final = re.compile(
    r"[A-Z\u00c0-\u00d6\u00d8-\u00de](?<![^\W_][A-Z\u00c0-\u00d6\u00d8-\u00de])"
    r"(?<![^\W_]['\u2019][A-Z\u00c0-\u00d6\u00d8-\u00de])"
    # accented capitals inside ("SØRENSEN") and Vietnamese letters ("Nguyễn") stay in the word
    r"(?>[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff]*(?:['\u2019][A-Za-z]+)?"
    # "Hye-jin", "Mei-ling": a short lower-case part after a short first part
    r"(?:(?<![A-Za-z]{5})-[a-z]{2,4}(?![\w-]))?"
    r"(?:-[A-Z\u00c0-\u00d6\u00d8-\u00de][A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]*"
    r"(?:['\u2019][A-Za-z]+)?)*)"
    r"(?!\d|-\d)"
)
#: Word -> kind, when the next character is a space, tab or dot (titles) / anything else.
_KINDS_SEP: Final[dict[str, str]] = {}
_KINDS_OTHER: Final[dict[str, str]] = {}
_KIND_CACHE_MAX: Final = 50_000


def _remember(cache: dict[str, str], word: str, kind: str) -> None:
    """Cache a lexicon word's kind. Unknown words ("other": maybe a patient's surname) are never
    kept, so no note content outlives the call; the cache is bounded by the word lists."""
    if kind != "other":
        if len(cache) >= _KIND_CACHE_MAX:
            cache.clear()
        cache[word] = kind


#: Words after which a capital letter is a class or numeral ("Category I", "Stage B").
_NUMERAL_BEFORE: Final = frozenset(
    ["category", "class", "stage", "grade", "type", "level", "phase", "tier", "group", "part"]
)

#: Street types that end a run of capitalised words which is then a street, not a person
#: ("St" and "Dr" are left out: "St. John", "Dr. Moody").
_STREET_ENDINGS: Final = frozenset(
    ["avenue", "ave", "street", "road", "rd", "boulevard", "blvd", "lane", "ln", "parkway", "pkwy"]
) | frozenset(["highway", "hwy", "terrace", "circle"])

_STREET_ABBREVIATIONS: Final = frozenset(["ave", "rd", "blvd", "ln", "pkwy", "hwy"])

#: Words that make a run of capitalised words a facility's name rather than a person's.
_FACILITY_WORDS: Final = frozenset(
    ["hospital", "clinic", "campus", "infirmary", "hospice", "center", "centre", "sanatorium"]
) | frozenset(
    # institutions, programmes and companies ("Lions Eye Institute", "Lilly Cares", "Boston
    # Scientific", "Amazon Fulfillment"): no family name these (not "Church", "House")
    [
        "institute",
        "foundation",
        "university",
        "academy",
        "society",
        "association",
        "ministries",
        "program",
        "programme",
        "healthcare",
        "pharmaceuticals",
        "therapeutics",
        "diagnostics",
        "laboratories",
        "scientific",
        "cares",
        "fulfillment",
    ]
)
#: A named scale or score after a city's name: "Glasgow Coma Scale", "Boston Bowel Prep Scale".
_SCALE_AFTER: Final = re.compile(
    r"(?:[ \t]+[A-Z][A-Za-z-]*){0,3}[ \t]+(?:Scale|Score|Criteria|Classification|Protocol|Rule)\b"
)

#: Kinds that on their own start nothing (a lone one is skipped unless it may start a city).
_INERT: Final = frozenset(["stop", "cred", "title", "epon", "initial"])
_DIGIT_AFTER: Final = re.compile(r"[ \t,]*\d")


class NameRecognizer(Recognizer):
    """Person names from one pass over capitalised tokens.

    A run of capitalised tokens (with "van der", initials, "LAST, FIRST") is a name when it
    follows a title (Dr., Mrs., Rev.), precedes a credential (", MD"), follows a context word
    ("daughter", "spoke with", "Patient:"), or contains a listed given name (a listed family
    name needs a given name, an initial or a second name beside it). Words that are also names
    (Will, Hope, Rose; Brown, King) count only with such support. Known cities found in the same
    pass are reported as LOCATION.
    """

    name = "name"

    def __init__(self) -> None:
        self._cities = {c.lower(): len(c.split()) for c in lx.cities()}
        self._city_first = {c.split()[0] for c in self._cities}

    def analyze(self, text: str) -> list[Span]:
        # Speed: the boundary rules live in the regex (C), kinds come from two plain dicts, and
        # a lone token that cannot start anything (a stop word, a credential) never reaches
        # ``_run``. Behaviour is the same as one _Tok per token and _joins per pair.
        spans: list[Span] = []
        # The current run as (start, end, word, kind, comma_before); _Tok objects are made
        # only for the runs that reach ``_run``.
        run: list[tuple[int, int, str, str, bool]] = []
        prev_end, prev_kind = -1, ""
        city_first = self._city_first
        kinds_sep, kinds_other = _KINDS_SEP, _KINDS_OTHER
        n = len(text)
        for m in _NAME_TOKEN.finditer(text):
            start, end = m.span()
            word = m.group()
            if end - start == 1:
                before = text[max(0, start - 2) : start]
                if before.strip()[-1:].isdigit() or (before[-1:] == "-" and before[:1].isdigit()):
                    continue  # "98.4 F", "5 L": a unit after a number; "Rm 512-B"
                if before[-1:] == "&" or text[end : end + 1] == "&":
                    continue  # "L&D", "I&D", "H&P": an ampersand abbreviation, not an initial
                cred = lx.CREDENTIAL_RE.match(text, start) if text[end : end + 1] == "." else None
                if cred is not None and cred.end() - start > 2:
                    continue  # "Farraday, M.Ed.": a dotted degree, not an initial
            if end >= n or text[end] in ". \t":
                kind = kinds_sep.get(word)
                if kind is None:
                    kind = _classify(word, " ")
                    _remember(kinds_sep, word, kind)
            else:
                kind = kinds_other.get(word)
                if kind is None:
                    kind = _classify(word, "")
                    _remember(kinds_other, word, kind)
                if text[end] == "/" and word.lower() in _UNIT_WORDS:
                    kind = "stop"  # "NG/ML": a unit, though "Ng" is a family name
            if run:
                joined, comma = False, False
                if start == prev_end + 1 and text[prev_end] == " ":
                    joined = True
                else:
                    gap = text[prev_end:start]
                    if len(gap) <= 12:
                        if _GAP.fullmatch(gap):
                            joined, comma = True, "," in gap
                        elif prev_kind in ("initial", "title") and _DOT_GAP.fullmatch(gap):
                            joined = True
                if joined:
                    run.append((start, end, word, kind, comma))
                    prev_end, prev_kind = end, kind
                    continue
                if (
                    len(run) > 1
                    or run[0][3] not in _INERT
                    or run[0][2].lower() in city_first
                    # "daughter June": a month may be a relative's name
                    or run[0][2].lower() in lx.MONTH_WORDS
                ):
                    self._emit(text, run, spans)
            run = [(start, end, word, kind, False)]
            prev_end, prev_kind = end, kind
        if run:
            self._emit(text, run, spans)
        spans.extend(_nicknames(text))
        if (
            "by" in text
            and any(v in text for v in _SIGN_OFF_VERBS)
            and _BY_INITIALS.search(text) is not None
        ):
            spans.extend(
                Span("NAME", m.start(1), m.end(1), 0.7, self.name)
                for m in _SIGNED_INITIALS.finditer(text)
                # "reviewed by PCP", "signed by MD": a role or unit, not someone's initials
                if m.group(1).lower() not in lx.STOP and not lx.CREDENTIAL_RE.fullmatch(m.group(1))
            )
        spans.extend(_coordinated(text, spans))
        # "St. John's wort" is a herb, not a person
        return [s for s in spans if not _NOT_SAINT_PLACE.match(text, s.end)]

    def _emit(
        self, text: str, run: list[tuple[int, int, str, str, bool]], spans: list[Span]
    ) -> None:
        """Hand a finished run to ``_run``; a run of one token goes to ``_single`` as plain
        values (speed: most runs are one word, and no _Tok is built for them)."""
        if len(run) == 1:
            start, end, word, kind, _comma = run[0]
            self._single(text, start, end, word, word.lower(), kind, spans)
        else:
            self._run(text, [_Tok(a, b, w, w.lower(), k, c) for a, b, w, k, c in run], spans)

    def _single(
        self, text: str, start: int, end: int, word: str, low: str, kind: str, spans: list[Span]
    ) -> None:
        """A run of one token (``_run`` for one word, with ``_segment`` inlined)."""
        if low in self._city_first:
            self._cities_in(text, [_Tok(start, end, word, low, kind)], spans)
        # Speed: the word before (a Python walk back) is read only where it matters: for a
        # month (a stop word) and for a word of kind "other".
        if (
            kind == "stop"
            and low in lx.MONTH_WORDS
            and _word_before(text, start) in lx.RELATION_WORDS
            and not _DIGIT_AFTER.match(text, end)
        ):
            # "WIFE JUNE (HCP)", "son August": a month after a relative is their name
            spans.append(Span("NAME", start, end, 0.7, self.name))
            return
        if kind in _INERT:
            return
        if low in _KIN_ADJECTIVES and _KIN_NOUN_AFTER.match(text, end):
            return  # "Foster mom Mrs. Pettigrew": a kind of parent, not a family name
        if _CREDENTIAL_AFTER.match(text, end) and not _role_modifier(text, end, kind, low):
            score = 0.9
        elif kind == "first":
            # "SAM splint", "ADA diet": a short word in capitals before lower-case prose is
            # an acronym, unless something announces a name
            acronym = (
                word.isupper()
                and len(word) <= 4
                and _SIDE_THEN_WORD.match(text, end) is not None
                and _name_context(text, start) is None
            )
            score = 0.0 if acronym else 0.85
        else:
            score = 0.0
            # "MD, Geriatric Psychiatry": an ordinary English word is not named by context
            plain = (
                kind == "other"
                # "her son Chase", "dtr Precious": a relative's name
                and _word_before(text, start) not in lx.RELATION_WORDS
                and (low in common_words() or _acronym_in_prose(text, start, word))
            )
            if not plain and not _sentence_start(text, start):
                ctx = _name_context(text, start)
                if ctx == "strong":
                    score = 0.7
                elif ctx and kind in ("last", "amb", "wordlast"):
                    score = 0.6
            if score == 0.0 and kind == "last":
                score = 0.5
        if score:
            spans.append(Span("NAME", start, end, score, self.name))

    def _run(self, text: str, run: list[_Tok], spans: list[Span]) -> None:
        if len(run) == 1:
            tok = run[0]
            self._single(text, tok.start, tok.end, tok.text, tok.low, tok.kind, spans)
            return
        self._cities_in(text, run, spans)
        if run[0].kind == "initial" and _enumerator(text, run[0].start):
            # "A. BASAL CELL CARCINOMA ..." then "B. MELANOMA IN SITU": a list's letter
            self._run(text, run[1:], spans)
            return
        if run[0].kind == "initial" and _word_before(text, run[0].start) in _NUMERAL_BEFORE:
            # "grade I IVH", "type A AU": the letter is a grade or class, not an initial
            self._run(text, run[1:], spans)
            return
        if any(t.low in lx.ORG_WORDS for t in run[1:]):
            return  # "Midway Logistics", "Tri-County Freight LLC": a company
        if run[-1].low in _STREET_ENDINGS and not (run[-1].text == "RD" and run[-1].comma_before):
            # "Southwest Moody Avenue": a street (the address rules own it); "Ana Ruiz, RD" is
            # a dietitian
            return
        head = next((i for i, t in enumerate(run) if t.comma_before), len(run))
        if 0 < head < len(run) and run[head - 1].low in _STREET_ABBREVIATIONS:
            # "Hayden Rd, Scottsdale": a street, then its town ("Winifred Street, Winnie" is a
            # family name, so only the abbreviations)
            return
        if any(t.low in _FACILITY_WORDS for t in run[1:head]):
            # "Miriam Hospital", "Ryan White Clinic": a facility (towns in it: see places); in
            # "Dr. Ezra Blackwood, Cottage Grove Clinic" only the part after the comma is one
            if head < len(run):
                self._run(text, run[head:], spans)
            return
        segment: list[_Tok] = []
        titled = False
        prev_low = ""
        for i, tok in enumerate(run):
            after, prev_low = prev_low, tok.low
            if tok.kind == "initial" and after in _NUMERAL_BEFORE:
                # "Category I. Toco", "Type B": a class or grade, not someone's initial
                self._segment(text, segment, titled, spans)
                segment, titled = [], False
                continue
            if (
                tok.text in ("L", "R", "B")
                and segment
                and segment[-1].kind == "other"
                and 2 <= len(segment[-1].text) <= 4
                and segment[-1].text.isupper()
                and not tok.comma_before
            ):
                # "IVH L. Repeat", "DVT R": an abbreviation and the side it is on
                self._segment(text, segment[:-1], titled, spans)
                segment, titled = [], False
                continue
            if (
                not segment
                and tok.low in lx.RELATION_WORDS
                and not (
                    tok.low in _SIBLING_WORDS
                    and i + 1 < len(run)
                    and run[i + 1].kind == "other"
                    and run[i + 1].low in common_words()
                )
            ):
                # "Husband Tunde at bedside", "Son Wade calls": the relative's name follows
                # like a title's (but "Siblings Healthy", "Sibling Donor Search": a family
                # history's heading or a procedure, when an English word follows)
                segment, titled = [], True
                continue
            if (
                not segment
                and tok.text in _ROLE_CAPS
                and i + 1 < len(run)
                and not run[i + 1].comma_before
                and _line_has_lower(text, tok.start)
            ):
                # "DON Felipe Arceneaux RN": a director's title in capitals before the name
                # (in a note written in capitals, "DON" may be the given name itself)
                segment, titled = [], True
                continue
            if (
                not segment
                and tok.low in _ROLE_HEADS
                and i + 1 < len(run)
                and not run[i + 1].comma_before
                and _may_be_named(run[i + 1])
            ):
                # "Caseworker Nkechi will follow": a role at the head of a sentence names the
                # person after it, as a relative does
                segment, titled = [], True
                continue
            if (
                titled
                and not segment
                and tok.kind == "stop"
                and tok.low in lx.MONTH_WORDS
                and not _DIGIT_AFTER.match(text, tok.end)
                and _word_before(text, tok.start) in lx.RELATION_WORDS
            ):
                # "WIFE JUNE (HCP)": a month right after a relative is their name
                spans.append(Span("NAME", tok.start, tok.end, 0.7, self.name))
                titled = False
                continue
            if (
                tok.kind == "stop"
                and segment
                and segment[-1].kind in ("first", "amb")
                and _CREDENTIAL_AFTER.match(text, tok.end)
            ):
                # "Sunny Day, PA-C": a family name that is also a word, before a credential
                segment.append(tok)
                continue
            if tok.kind in ("stop", "cred"):
                self._segment(text, segment, titled, spans)
                segment, titled = [], False
                continue
            if tok.kind == "title":
                self._segment(text, segment, titled, spans)
                segment, titled = [], True
                continue
            if (
                tok.comma_before
                and segment
                and (not self._last_first(segment, tok) or _side_letter(text, tok))
            ):
                self._segment(text, segment, titled, spans)
                segment, titled = [], False
            segment.append(tok)
        self._segment(text, segment, titled, spans)

    @staticmethod
    def _last_first(segment: list[_Tok], tok: _Tok) -> bool:
        """Whether ", tok" continues a "LAST, FIRST M" name."""
        if segment[0].kind == "initial":
            return False  # "512-B, ZELENKO", "F, MRN": a family name is more than a letter
        if len(segment) == 1 and segment[0].text.isupper() and segment[0].low in _ROLE_ACRONYMS:
            return False  # "the patient's POA, Delphine": a role, then the person's name
        if tok.kind == "initial" and len(segment[0].text) < 3 and segment[0].kind == "other":
            return False  # "2L NC, T 37.1": "WU, J" needs a known family name
        return (
            len(segment) <= 2
            and not any(t.comma_before for t in segment[1:])
            and tok.kind in ("first", "amb", "other", "last", "initial", "wordlast")
            and not segment[0].comma_before
        )

    def _segment(self, text: str, seg: list[_Tok], titled: bool, spans: list[Span]) -> None:
        if not seg:
            return
        seg = seg[:_MAX_NAME_TOKENS]
        kinds = [t.kind for t in seg]
        start, end = seg[0].start, seg[-1].end
        score = 0.0
        if titled and seg[0].comma_before:
            if (
                # "Husband, Guy, at bedside": a relative, then their given name set off by
                # commas (a word-like given name: "Guy", "Will", "Rose")
                kinds[0] in ("first", "amb")
                and text[seg[0].end : seg[0].end + 1] == ","
                and _word_before(text, text.rfind(",", 0, start)) in lx.RELATION_WORDS
            ):
                spans.append(Span("NAME", seg[0].start, seg[0].end, 0.8, self.name))
                return
            # "Son, Peter Okafor, at bedside": the words after the relative's comma are read as
            # they would be without the relative (they used to be dropped whatever they were)
            titled = False
        if titled:
            if (
                len(seg) == 1
                and kinds[0] == "other"
                and seg[0].low in common_words()
                and _word_before(text, start) == "nurse"
            ):
                return  # "Nurse Practitioner", "Nurse Manager": a kind of nurse, not a name
            cut = next((i for i, t in enumerate(seg[1:], 1) if t.comma_before), len(seg))
            seg = seg[:cut]
            end = seg[-1].end
            score = 0.95
        elif (
            _CREDENTIAL_AFTER.match(text, end)
            and any(k != "initial" for k in kinds)
            and not all(_role_modifier(text, end, t.kind, t.low) for t in seg)
        ):
            score = 0.9
        else:
            namey = sum(k in ("first", "last", "amb", "wordlast", "initial") for k in kinds)
            if "first" in kinds:
                score = 0.85
            elif (
                "amb" in kinds
                and len(seg) >= 2
                and namey >= 1
                and any(k in ("last", "other", "initial", "wordlast", "amb") for k in kinds[1:])
            ):
                score = 0.75
            elif (
                "initial" in kinds
                and len(seg) >= 2
                and any(k in ("last", "other", "wordlast") for k in kinds)
                and not (
                    # "L AVF", "R IJ": a side and an abbreviation, not an initial and a name
                    len(seg) == 2
                    and seg[0].text in ("L", "R", "B")
                    and seg[1].kind == "other"
                    and seg[1].text.isupper()
                    and not seg[1].comma_before
                )
                and not (
                    # "Hep A", "Simplex P", "Vitamin D": a word and a trailing letter
                    kinds[-1] == "initial"
                    and "last" not in kinds
                    and "wordlast" not in kinds
                    and not seg[-1].comma_before
                    and text[end : end + 1] != "."
                )
            ):
                score = 0.7
            elif (
                "last" in kinds and len(seg) >= 2 and any(k in ("other", "wordlast") for k in kinds)
            ):
                score = 0.6
            elif (
                len(seg) == 2
                and kinds[0] in ("first", "amb")
                and kinds[1] == "epon"
                and not seg[1].text.endswith(("'s", "\u2019s"))
                and not _EPONYM_NOUN.match(text, end)
                and _word_before(text, start) in lx.RELATION_WORDS
            ):
                # "son-in-law Grant Bell", "wife Hope Parkinson": after a relative, a given name
                # and a family name that is also an eponym (no possessive, no disease after it)
                score = 0.75
            elif "epon" not in kinds and _relation_after(text, end):
                score = 0.75  # "Alonso Ruiz (dad)": a relative named, then what they are
            elif (
                # "Hope Baker's daughter called": a possessive, then a relative of that person
                len(seg) >= 2
                and seg[-1].text.endswith(("'s", "\u2019s"))
                and any(k in _GIVEN_OR_FAMILY for k in kinds)
                and _RELATIVE_AFTER_POSSESSIVE.match(text, end) is not None
            ):
                spans.append(Span("NAME", start, end - 2, 0.75, self.name))
                return
            elif (
                # "Patient: Hope Baker", "message left for Hope Baker": a given name that is
                # also a word, then a family name that is also an eponym (Baker's cyst), where
                # the words before announce a person (strongly or weakly: the two words
                # together are the rest of the evidence); not before the eponym's own noun or
                # possessive
                len(seg) >= 2
                and kinds[-1] == "epon"
                and "amb" in kinds
                and all(k in ("amb", "initial") for k in kinds[:-1])
                and not seg[-1].text.endswith(("'s", "\u2019s"))
                and not _EPONYM_NOUN.match(text, end)
                and not _sentence_start(text, start)
                and _name_context(text, start) is not None
            ):
                score = 0.7
            elif (
                # an eponym may be the given name when a person's word comes before ("bunkmate
                # Wilson Désir"): only first, before a word that is not one
                ("epon" not in kinds or (len(seg) >= 2 and "epon" not in kinds[1:]))
                and not (
                    len(seg) == 1
                    and kinds[0] == "other"
                    and (
                        seg[0].low in common_words()
                        or _acronym_in_prose(text, seg[0].start, seg[0].text)
                    )
                )
                and not _sentence_start(text, start)
            ):
                ctx = _name_context(text, start)
                if (
                    (ctx == "strong" or (ctx and namey))
                    and (ctx == "strong" or "epon" not in kinds)
                    # "Discussed with Poison Control": English words naming a service
                    and not (
                        (seg[-1].low in _SERVICE_NOUNS or _MAILBOX_AFTER.match(text, end))
                        and all(t.kind == "other" and t.low in common_words() for t in seg)
                    )
                ):
                    score = 0.7 if ctx == "strong" else 0.6
            if score == 0.0 and kinds == ["last"]:
                score = 0.5
            if score == 0.0:
                return
            # a trailing eponym is a clinical word ("John Foley catheter" never happens; "Foley")
            while (
                len(seg) > 1
                and seg[-1].kind == "epon"
                and (
                    seg[-1].text.endswith(("'s", "\u2019s"))
                    or _EPONYM_NOUN.match(text, seg[-1].end)
                )
            ):
                seg = seg[:-1]
            end = seg[-1].end
        spans.append(Span("NAME", start, end, score, self.name))

    def _cities_in(self, text: str, run: list[_Tok], spans: list[Span]) -> None:
        n = len(run)
        i = 0
        while i < n:
            if run[i].low not in self._city_first:
                i += 1
                continue
            matched = 0
            for width in (3, 2, 1):
                if i + width > n:
                    continue
                words = run[i : i + width]
                if any(t.comma_before for t in words[1:]):
                    continue
                key = text[words[0].start : words[-1].end].lower()
                if key in self._cities and key not in _AMBIGUOUS_CITIES:
                    if _SCALE_AFTER.match(text, words[-1].end):
                        break  # "Boston Bowel Prep Scale": the scale, not the city
                    spans.append(Span("LOCATION", words[0].start, words[-1].end, 0.6, "city"))
                    matched = width
                    break
            i += matched or 1


#: The registry: every recognizer :func:`service.deid.engine.deidentify` runs, in order.
RECOGNIZERS: Final[tuple[Recognizer, ...]] = (
    NameRecognizer(),
    DateRecognizer(),
    AgeRecognizer(),
    PhoneRecognizer(),
    EmailRecognizer(),
    UrlRecognizer(),
    IpRecognizer(),
    SsnRecognizer(),
    IdentifierRecognizer(),
    UdiRecognizer(),
    CardRecognizer(),
    AddressRecognizer(),
    LocationRecognizer(),
    ZipRecognizer(),
)


def analyze(text: str, recognizers: Iterable[Recognizer] = RECOGNIZERS) -> list[Span]:
    """All spans every recognizer reports (overlaps not yet resolved)."""
    spans: list[Span] = []
    for recognizer in recognizers:
        spans.extend(recognizer.analyze(text))
    return spans
