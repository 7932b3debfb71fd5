"""Identifiers read out loud: voicemail and dictation transcripts spell numbers as words.

A transcription engine writes "seven one nine five five five zero one eight three" for a phone
number, "H as in hotel seven seven two ..." for a member ID, "fourteen oh six Cheyenne Mountain
Boulevard" for an address and "Thursday the second" for a date. None of the
digit-based recognizers can see these, so this recognizer reads runs of spoken digits and
spelled letters and names them by the words that announce them.
"""

from __future__ import annotations

import re
from typing import Final

from service.deid.dates import DAY_WORD, WEEKDAY
from service.deid.recognizers import STREET_SUFFIX, Recognizer
from service.deid.spans import Span

_DIGIT: Final = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)"
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
_SPOKEN_ADDRESS: Final = re.compile(
    rf"(?<![\w-]){_NUMBER_WORDS}[ \t]+{_STREET}{_UNIT_WORDS}?|(?<![\w-]){_STREET}{_UNIT_WORDS}"
)

#: "last Thursday the second": a weekday pins even a small spoken day ("the second" alone is not
#: a date: "the second time").
_WEEKDAY_DAY: Final = re.compile(rf"\b(?:{WEEKDAY})[ \t]+the[ \t]+(?i:{DAY_WORD})\b")

_CUES: Final = (
    ("FAX", ("fax",)),
    ("MRN", ("m r n", "mrn", "chart", "medical record")),
    ("HEALTH_PLAN", ("member", "medicare", "medicaid", "insurance", "policy", "subscriber")),
    ("ACCOUNT", ("account", "acct")),
    ("SSN", ("social",)),
    ("ID", ("claim", "reference", "confirmation", "case", "ticket", "tracking")),
)


class SpokenRecognizer(Recognizer):
    """Numbers, letters, addresses and dates spelled out in words, as transcripts write them."""

    name = "spoken"

    def analyze(self, text: str) -> list[Span]:
        spans: list[Span] = []
        lowered = text.lower()
        if _has_digit_words(lowered):
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
        spans.extend(
            Span("ADDRESS", *m.span(), 0.8, self.name) for m in _SPOKEN_ADDRESS.finditer(text)
        )
        if " the " in lowered:
            spans.extend(
                Span("DATE", *m.span(), 0.8, self.name) for m in _WEEKDAY_DAY.finditer(text)
            )
        return spans


def _has_digit_words(lowered: str) -> bool:
    # a cheap necessary condition: a run of five spoken digits repeats some digit word or uses
    # several of them; notes without any never pay for the run scan
    return (
        sum(
            word in lowered
            for word in (
                "zero",
                " oh ",
                "one",
                "two",
                "three",
                "four",
                "five",
                "six",
                "seven",
                "eight",
                "nine",
            )
        )
        >= 2
    )


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
