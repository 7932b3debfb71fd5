"""Identifiers read out loud: voicemail and dictation transcripts spell numbers as words.

A transcription engine writes "seven one nine five five five zero one eight three" for a phone
number, "H as in hotel seven seven two ..." for a member ID, "fourteen oh six Cheyenne Mountain
Boulevard" for an address and "Thursday the second" for a date. None of the
digit-based recognizers can see these, so this recognizer reads runs of spoken digits and
spelled letters and names them by the words that announce them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from service.deid.dates import DAY_WORD, WEEKDAY
from service.deid.prefix_search import trie_alternation
from service.deid.recognizers import STREET_SUFFIX, Recognizer
from service.deid.spans import Span

#: (a prefix tree of the words, the same under ``(?i)``: all lower case, none starts another)
_DIGIT: Final = trie_alternation("zero|oh|one|two|three|four|five|six|seven|eight|nine")
#: A letter spelled out: a lone capital, or "H as in hotel".
_LETTER: Final = r"(?:[A-Z](?:[ \t]+as[ \t]+in[ \t]+[a-z]+)?)"
_UNIT: Final = rf"(?:(?i:{_DIGIT})|{_LETTER})"
_SEP: Final = r"(?:,?[ \t]+(?:(?:dash|hyphen)[ \t]+)?|-)"
#: A run of spoken digits and spelled letters ("R X C L M dash eight eight zero ...").
_RUN: Final = re.compile(rf"(?<![\w-]){_UNIT}(?:{_SEP}{_UNIT})+(?![\w-])")
_DIGIT_WORD: Final = re.compile(rf"(?i)\b{_DIGIT}\b")
#: Fewer spoken digits than this are a count or a dose ("two to three"), not an identifier.
_MIN_DIGITS: Final = 5
#: "area code seven one nine": the three digits that complete a number read before it.
_AREA_CODE: Final = re.compile(rf"(?i)\barea[ \t]+code[ \t]+((?:{_DIGIT}[ \t]*){{3}})(?![\w])")

_NUMBER_WORD: Final = (
    r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"(?:thir|four|fif|six|seven|eigh|nine)teen|(?:twen|thir|for|fif|six|seven|eigh|nine)ty|"
    r"hundred|thousand)"
)
_NUMBER_WORDS: Final = rf"(?i:{_NUMBER_WORD}(?:[- \t]+(?:and[ \t]+)?{_NUMBER_WORD})*)"
#: "fourteen oh six Cheyenne Mountain Boulevard", "Uintah Street unit two B".
_STREET: Final = rf"(?:[A-Z][a-z'\u2019-]+[ \t]+){{1,3}}(?:{STREET_SUFFIX})\b\.?"
_UNIT_WORDS: Final = (
    rf"(?:,?[ \t]+(?i:unit|apt|apartment|suite|number)[ \t]+{_NUMBER_WORDS}(?:[ \t]+[A-Z]\b)?)"
)
#: Two spoken digits in a row: every run above holds them (a cheap gate for the run scan).
_DIGIT_PAIR: Final = re.compile(rf"{_DIGIT}(?:[ ,-]+|[ \t]+dash[ \t]+){_DIGIT}\b")
#: A number word, then a capitalised word: where a spoken house number meets its street. The
#: pattern leads with the words themselves (a fast scan); each hit is read on from there.
#: (The words as a prefix tree.)
_NUMBER_THEN_NAME: Final = re.compile(
    trie_alternation(
        "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
        "fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
        "eighty|ninety|hundred|thousand|oh"
    )
    + r"[ \t]+(?=[A-Z][a-z])"
)
_STREET_AT: Final = re.compile(rf"{_STREET}{_UNIT_WORDS}?")
_NUMBER_BEFORE: Final = re.compile(rf"(?<![\w-]){_NUMBER_WORDS}[ \t]+$")
#: "Uintah Street unit two B": a unit read out after a named street.
_UNIT_SPOKEN: Final = re.compile(
    rf"(?i:unit|apt|apartment|suite|number)[ \t]+{_NUMBER_WORDS}(?:[ \t]+[A-Z]\b)?"
)
_STREET_BEFORE: Final = re.compile(rf"(?<![\w'\u2019-]){_STREET},?[ \t]+$")
#: A unit word and a spoken number (lower case, on the lower-cased note): the gate for the above.
#: One pattern per unit word, each led by its word (a literal the engine finds fast, where the
#: alternation is led by a class of four common letters); the gate holds when any one finds.
_UNIT_CUES: Final = tuple(
    re.compile(
        rf"{word}[ \t]+(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|eleven|"
        r"twelve|\w+teen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)\b"
    )
    for word in ("unit", "apt", "apartment", "suite", "number")
)


#: "last Thursday the second": a weekday pins even a small spoken day ("the second" alone is not
#: a date: "the second time"). Found from "the <day>" (a literal lead), then the weekday before.
_THE_DAY: Final = re.compile(rf"the[ \t]+(?i:{DAY_WORD})\b")
_WEEKDAY_BEFORE: Final = re.compile(rf"\b(?:{WEEKDAY})[ \t]+$")

#: "date of birth seven twelve nineteen forty", "DOB ZERO THREE ONE FOUR THIRTY TWO": a birth
#: date read out as number words (three or more of them).
_SPOKEN_BIRTH_DATE: Final = re.compile(
    rf"(?:[ \t]+on)?[ \t:,]+((?i:{_NUMBER_WORD}(?:[- \t]+{_NUMBER_WORD}){{2,}}))\b"
)
#: The cue before it ("date of birth", "dob", "d.o.b.", "born"), on the lower-cased note: led by
#: its "b" (a fast scan), the letters before it read behind it.
_BIRTH_CUE: Final = re.compile(
    r"b(?:(?<=of b)irth|(?<=\bdob)|(?<=\bd\.o\.b)\.|(?<=\bd o b)|(?<![\w]b)orn)(?![a-z])"
)
_CUES: Final = (
    ("FAX", ("fax",)),
    ("MRN", ("m r n", "mrn", "chart", "medical record")),
    ("HEALTH_PLAN", ("member", "medicare", "medicaid", "insurance", "policy", "subscriber")),
    ("ACCOUNT", ("account", "acct")),
    ("SSN", ("social",)),
    ("ID", ("claim", "reference", "confirmation", "case", "ticket", "tracking")),
    ("VEHICLE", ("plate", "vin")),
    ("DEVICE", ("serial",)),
)


class SpokenRecognizer(Recognizer):
    """Numbers, letters, addresses and dates spelled out in words, as transcripts write them."""

    name = "spoken"

    def analyze(self, text: str) -> list[Span]:
        spans: list[Span] = []
        lowered = text.lower()
        if _DIGIT_PAIR.search(lowered):
            for m in _RUN.finditer(text):
                digits = len(_DIGIT_WORD.findall(m.group()))
                if digits >= _MIN_DIGITS:
                    spans.append(
                        Span(_category(lowered, m.start(), digits), *m.span(), 0.8, self.name)
                    )
            if "area code" in lowered:
                spans.extend(
                    Span("PHONE", m.start(1), m.end(1), 0.8, self.name)
                    for m in _AREA_CODE.finditer(text)
                )
        spans.extend(_addresses(text, lowered))
        for cue in _BIRTH_CUE.finditer(lowered):
            born = _SPOKEN_BIRTH_DATE.match(text, cue.end())
            if born:
                spans.append(Span("DATE", *born.span(1), 0.8, self.name))
        for m in _THE_DAY.finditer(text):
            # "the second" alone is not a date ("the second time"): a weekday before pins it
            lead = _WEEKDAY_BEFORE.search(text, max(0, m.start() - 12), m.start())
            if lead:
                spans.append(Span("DATE", lead.start(), m.end(), 0.8, self.name))
        return spans


#: "case number h h two two zero four one", "plate eight k l m four four two": a spelled ID in
#: lower-case dictation, where letters are lone lower-case words.
_LOWER_RUN: Final = re.compile(
    # the digits may be written as numerals: "member number p s m 4 4 1 7 2 0 9 9 3"
    rf"(?<![\w-])(?:{_DIGIT}|[a-z]|\d)(?:[ \t]+(?:{_DIGIT}|[a-z]|\d))+(?![\w-])"
)
#: "... p s m 4 4 1 ... that's psm441720993": the same identifier said again as one token.
_RESTATED: Final = re.compile(
    r"[ \t,]+(?:that's|that is|which is|i\.e\.)[ \t]+((?=[a-z0-9-]*\d{3})[a-z0-9-]{6,})(?![\w-])"
)
_ARTICLES: Final = re.compile(r"(?:[ai][ \t]+)+")
_LONE_LETTER: Final = re.compile(r" [b-hj-z](?= )")
#: A spelled run must have this many parts, digits among them, to be an identifier.
_MIN_LOWER_PARTS: Final = 6
_MIN_LOWER_DIGITS: Final = 3
#: "four forty one north main street": a spoken house number and a lower-case street.
_LOWER_STREET: Final = re.compile(
    rf"(?<![\w-]){_NUMBER_WORDS}[ \t]+((?:[a-z]+[ \t]+){{1,3}}?)"
    r"(?:street|avenue|road|drive|lane|boulevard|court|way|place|highway|circle|terrace)\b"
)
#: Gate for ``_LOWER_STREET``: a lower-case street type after a space (a literal-led scan).
_LOWER_STREET_GATE: Final = re.compile(
    r" (?:street|avenue|road|drive|lane|boulevard|court|way|place|highway|circle|terrace)\b"
)
_NOT_STREET_WORDS: Final = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "on",
        "in",
        "at",
        "to",
        "from",
        "up",
        "down",
        "across",
        "over",
        "off",
        "this",
        "that",
        "more",
        "blocks",
        "block",
        "miles",
        "mile",
        "doors",
        "houses",
        "times",
        "days",
        "weeks",
    ]
)


def lower_case_spoken(text: str, lower: Sequence[tuple[int, int]]) -> list[Span]:
    """Spelled identifiers and spoken street addresses of lower-case dictation ("plate eight k
    l m four four two", "four forty one north main street"): run only where
    :func:`service.deid.casing.restore_case` read lower-case prose (``lower``), the only place
    where letters are written as lone lower-case words."""
    if not lower:
        return []
    lowered = text.lower()
    out = _lower_runs(text, lowered)
    seen: set[tuple[int, int]] = set()
    for gate in _LOWER_STREET_GATE.finditer(text):
        # the house number and street words are read back from the street type
        for m in _LOWER_STREET.finditer(text, max(0, gate.start() - 90), gate.end()):
            if (
                m.end() == gate.end()
                and m.span() not in seen
                and m.group(1)
                and _NOT_STREET_WORDS.isdisjoint(m.group(1).split())
            ):
                seen.add(m.span())
                out.append(Span("ADDRESS", *m.span(), 0.75, SpokenRecognizer.name))
    return out


def _lower_runs(text: str, lowered: str) -> list[Span]:
    """Spelled identifiers of lower-case dictation, named by the word before them."""
    out: list[Span] = []
    done = -1
    # each run holds a lone letter other than "a" and "i" (rare in prose: a literal-led scan
    # for them, then the run read around each)
    runs = (
        m
        for hit in _LONE_LETTER.finditer(text)
        if hit.start() >= done
        for m in _LOWER_RUN.finditer(text, max(0, hit.start() - 80), hit.end() + 120)
        if m.start() <= hit.start() < m.end() and m.end() > done
    )
    for m in runs:
        done = m.end()
        # an article or a pronoun before the ID is not part of it
        lead = _ARTICLES.match(m.group())
        start = m.start() + (lead.end() if lead else 0)
        parts = text[start : m.end()].split()
        letters = sum(1 for p in parts if len(p) == 1 and p.isalpha())
        digits = len(parts) - letters
        if len(parts) < _MIN_LOWER_PARTS or digits < _MIN_LOWER_DIGITS or not letters:
            continue
        category = _category(lowered, start, digits)
        if category != "ID" or _cued(lowered, start):
            out.append(Span(category, start, m.end(), 0.75, "spoken"))
            again = _RESTATED.match(text, m.end())
            if again:
                out.append(Span(category, *again.span(1), 0.75, "spoken"))
    return out


def _cued(lowered: str, start: int) -> bool:
    """An identifier's word ("number", "serial", "id") shortly before ``start``."""
    before = lowered[max(0, start - 40) : start]
    return any(w in before for w in ("number", "serial", "id ", "plate", "code", "#"))


def _addresses(text: str, lowered: str) -> list[Span]:
    """ "fourteen oh six Cheyenne Mountain Boulevard", "Uintah Street unit two B"."""
    out: list[Span] = []
    for m in _NUMBER_THEN_NAME.finditer(text):
        if m.start() and text[m.start() - 1].isalpha():
            continue  # "often", "county": the word only ends like a number
        street = _STREET_AT.match(text, m.end())
        number = _NUMBER_BEFORE.search(text, max(0, m.start() - 80), m.end()) if street else None
        if street and number:
            out.append(Span("ADDRESS", number.start(), street.end(), 0.8, "spoken"))
    if any(cue.search(lowered) for cue in _UNIT_CUES):
        for m in _UNIT_SPOKEN.finditer(text):
            street = _STREET_BEFORE.search(text, max(0, m.start() - 60), m.start())
            if street:
                out.append(Span("ADDRESS", street.start(), m.end(), 0.8, "spoken"))
    return out


def _category(lowered: str, start: int, digits: int) -> str:
    before = lowered[max(0, start - 60) : start]
    # the nearest cue wins: "member ID doesn't match ... the claim reference is" names the claim
    best, best_at = "", -1
    for category, cues in _CUES:
        for cue in cues:
            at = before.rfind(cue)
            if at > best_at:
                best, best_at = category, at
    if best:
        return best
    return "PHONE" if digits in (7, 10, 11) else "ID"
