"""PHI marked by a cue right beside it, whatever the words themselves are.

Some identifiers are recognisable by their frame alone, even when the words are ordinary ones or
unknown: the age and sex a handoff writes after a name ("Brooke Stone, 62F"), the file names a
clinical photo log builds from the patient's surname ("CROSS_S_20250211_Lback_01.jpg"), the
initials of a double-barrelled name ("B.E.O.-L."), of a nurse before her credential
("R.T. (RN)"), of the author and typist under a letter ("AMTB/jrk"); an age after the relative
it belongs to ("maternal grandmother, 95,"); the legal date formula ("Dated this 2nd day of May,
2025"), a day of the month in words ("flew home on the tenth"), a day-month-year with a two-digit
year ("DOB 29 Feb 88"); a street named without its number before "address" ("the Jewell Ave
address"). Each pattern is a complete cue; none needs a word list.

The same frames are read in lower-case dictation, where capitals carry nothing: a relative and
the name after it ("his sister june marsh-okafor", "wade's wife, autumn,"), a name before the
relation in brackets ("spoke with wade marsh (son of decedent"), holidays ("due around labor
day"), a house number and street ("1190 old fort rd, klamath falls, or 97601"), a road driven on
("out to the cemetery on crater lake hwy").
"""

from __future__ import annotations

import re
from typing import Final

from service.deid import lexicon as lx
from service.deid.dates import DAY_WORD
from service.deid.recognizers import STREET_SUFFIX, Recognizer
from service.deid.spans import Span

_WORD: Final = r"[A-Z][a-z'\u2019]+(?:-[A-Z][a-z'\u2019]+)?"
_CAPS: Final = r"[A-Z]{2,}(?:[-'][A-Z]{2,})?"
#: "Brooke Stone, 62F", "Dale Rivers, 90M", "R.S., 36M", "ROSS, ANN 91 YOF": a name, then the
#: age and sex a census or handoff line gives. The age may be anything; the name is the PHI.
_NAME_AGE_SEX: Final = re.compile(
    rf"(?<![\w.-])((?:{_WORD}(?:[ \t]+{_WORD}){{1,2}})|(?:{_CAPS}(?:,?[ \t]+{_CAPS}){{1,2}})"
    r"|(?:[A-Z]\.){2,3})"
    r",?[ \t]+\d{1,3}[ \t]?(?:[MF]|y/?o[ \t]?[mfMF]|YO[MF]|yo[mf])(?![\w/])"
)
#: "B.E.O.-L.", "R.P.B.-N.": the initials of a hyphenated name are never anything else.
_HYPHEN_INITIALS: Final = re.compile(r"(?<![\w.])(?:[A-Z]\.){1,3}-(?:[A-Z]\.){1,2}(?!\w)")
#: "R.T. (RN)", "M.O'D. (RN)": dotted initials before a credential in brackets.
_INITIALS_CREDENTIAL: Final = re.compile(
    rf"(?<![\w.])((?:[A-Z]\.){{2,3}}|[A-Z]\.[A-Z]'[A-Z]\.)(?=[ \t]*\((?:{lx.CREDENTIALS})\))"
)
#: "AMTB/jrk", "DRS:mlw" alone on a line: the author's and the typist's initials.
_REFERENCE_INITIALS: Final = re.compile(
    r"^[ \t]*([A-Z]{2,4})[ \t]*[/:][ \t]*([a-z]{2,3})[ \t]*$", re.MULTILINE
)
#: "CROSS_S_20250211_...", "Rivers_Dale_20250304": a surname and initial or given name in a file
#: name, before the date it was taken.
_FILE_NAME: Final = re.compile(
    r"(?<![A-Za-z0-9])((?:[A-Z]{2,}(?:-[A-Z]{2,})?_[A-Z]{1,2})|(?:[A-Z][a-z]+_[A-Z][a-z]+))"
    r"(?=_(?:19|20)\d{6}(?![0-9]))"
)
#: "(maternal grandmother, 95, lives ...)", "his father, 93;": an age after the relative.
_RELATIVE_AGE: Final = re.compile(
    rf"(?i)\b(?:{'|'.join(sorted(lx.RELATION_WORDS, key=len, reverse=True))})\)?,[ \t]+"
    r"(9\d|1[01]\d)(?=[ \t]*[,;)])"
)
_MONTH: Final = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
#: "Dated this 2nd day of May, 2025", "on the twenty-first day of June".
_DAY_OF_MONTH: Final = re.compile(
    rf"(?i:\b(?:\d{{1,2}}(?:st|nd|rd|th)|{DAY_WORD})[ \t]+day[ \t]+of)[ \t]+{_MONTH}\b"
)
#: "flew home on the tenth and", "due by the twenty-first.": a day of the month in words.
_ON_THE_DAY: Final = re.compile(
    rf"(?i:\b(?:on|by|until|before)[ \t]+the[ \t]+)((?i:{DAY_WORD}))"
    r"(?=[ \t]*(?:[,.;)]|and\b|at\b|$))",
    re.MULTILINE,
)
#: "DOB 29 Feb 88": a two-digit year after day and month (not a dose or count: nothing
#: follows on the same line but punctuation or a field separator).
_TWO_DIGIT_YEAR: Final = re.compile(
    rf"(?<![\w/.])\d{{1,2}}[ \t-]{_MONTH}\.?[ \t-](\d\d)(?![\w/.:])(?=[ \t]*(?:[|,;)]|$))",
    re.MULTILINE,
)
#: "mailed to the Jewell Ave address", "at the Harmon Road house": a street named by its name.
_STREET_ADDRESS_WORD: Final = re.compile(
    rf"\bthe[ \t]+((?:[A-Z][a-z]+[ \t]+){{1,2}}(?:{STREET_SUFFIX})\.?)"
    r"(?=[ \t]+(?:address|house|home|residence|apartment|place)\b)"
)


#: "Georgia Montgomery-Reyes", "Marguerite Ashby-Nkemelu": a capitalised word before a
#: double-barrelled family name. Not before a disease's noun ("Guillain-Barre syndrome").
_DOUBLE_BARREL: Final = re.compile(
    r"(?<![\w.'\u2019-])([A-Z][a-z'\u2019]+[ \t]+[A-Z][a-z'\u2019]+-[A-Z][a-z'\u2019]+)(?![\w-])"
    r"(?![ \t]+(?i:syndrome|disease|sign|tear|drain|tube|catheter|procedure|test|scale|score|"
    r"criteria|classification|reflex|maneuver|manoeuvre|operation|repair|fracture|"
    r"stain|shunt|valve|filter|clip|mask|needle|triad|phenomenon|disorder|dystrophy|"
    r"county|road|street|avenue|hospital|clinic|center|centre|university)\b)"
)
_RELATION: Final = "|".join(sorted(lx.RELATION_WORDS | {"sister"}, key=len, reverse=True))
#: "his sister June Marsh-Okafor": a relative, then two capitalised words (a month or a season
#: as the given name included).
_RELATIVE_NAME: Final = re.compile(
    rf"\b(?:{_RELATION})[ \t]+({_WORD}[ \t]+[A-Z][a-z'\u2019]+(?:-[A-Z][a-z'\u2019]+)+)"
)
#: "wade marsh (son of decedent;": two words, then the relation they stand in, in brackets.
_NAME_THEN_RELATION: Final = re.compile(
    rf"(?<![\w-])([A-Za-z][a-z'\u2019]+[ \t]+[A-Za-z][a-z'\u2019]+(?:-[A-Za-z][a-z'\u2019]+)?)"
    rf"[ \t]+\((?:{_RELATION})(?:[ \t]+of\b|[;,)])"
)
#: "wade's wife, autumn, joined": a relative, then one word between commas.
_RELATIVE_APPOSITION: Final = re.compile(
    rf"\b(?:{_RELATION}),[ \t]+([A-Za-z][a-z'\u2019]+(?:-[A-Za-z][a-z'\u2019]+)?)(?=,)"
)
#: Holidays written in lower case (the capitalised ones are read by the date recognizer).
_LOWER_HOLIDAY: Final = re.compile(
    r"\b(?:(?:independence|memorial|labou?r|veterans'?|presidents'?|mother'?s|father'?s|"
    r"valentine'?s|new[ \t]year'?s|christmas|thanksgiving)[ \t]day|christmas(?:[ \t]eve)?|"
    r"thanksgiving|easter(?:[ \t]sunday)?|halloween|juneteenth)\b"
)
_LOWER_SUFFIX: Final = (
    r"rd|road|st|street|ave|avenue|blvd|boulevard|hwy|highway|ln|lane|dr|drive|way|ct|court|"
    r"pl|place|ter|terrace|pkwy|parkway|cir|circle|trl|trail|pike"
)
#: "1190 old fort rd, klamath falls": a house number, one to three words and a street type.
_LOWER_STREET: Final = re.compile(
    rf"(?<![\w.,/-])\d{{1,6}}[ \t]+(?:[a-z]+[ \t]+){{1,3}}(?:{_LOWER_SUFFIX})\b\.?(?=,)"
)
#: "on crater lake hwy": a road named after "on", "off" or "near" (never "the road").
_LOWER_ROAD: Final = re.compile(
    r"\b(?:on|off|near)[ \t]+((?!(?:the|a|an|his|her|their|my|our|your|this|that|same|"
    r"main|back|dirt|gravel|icy|wet)\b)(?:[a-z]+[ \t]+){1,3}"
    r"(?:hwy|highway|rd|road|ave|avenue|blvd|boulevard|pike|parkway|pkwy))\b"
)
#: "klamath falls, or 97601": a ZIP after a state code written in lower case.
_LOWER_STATE_ZIP: Final = re.compile(
    rf",[ \t]*(?:{lx.STATE_ABBR.lower()})\.?[ \t]+(\d{{5}}(?:-\d{{4}})?)(?![\w-])"
)


def _not_stop(text: str, span: tuple[int, int]) -> bool:
    """No word of the span is a stop word (a month is not one here: "sister June Okafor")."""
    words = re.split(r"[ \t-]+", text[span[0] : span[1]].lower())
    return not any(w in lx.STOP and w not in lx.MONTH_WORDS for w in words)


class CueRecognizer(Recognizer):
    """Names, ages, dates and streets recognised by the frame around them."""

    name = "cues"

    def analyze(self, text: str) -> list[Span]:
        spans: list[Span] = []
        if "M" in text or "F" in text or "y" in text:
            for m in _NAME_AGE_SEX.finditer(text):
                if _not_stop(text, m.span(1)):  # "Chest Pain, 45F" on a tracking board
                    spans.append(Span("NAME", *m.span(1), 0.8, self.name))
        if ".-" in text:
            spans.extend(self._spans("NAME", _HYPHEN_INITIALS, text, group=0, score=0.85))
        if ". (" in text or ".(" in text:
            spans.extend(self._spans("NAME", _INITIALS_CREDENTIAL, text, group=1, score=0.8))
        if "/" in text or ":" in text:
            for m in _REFERENCE_INITIALS.finditer(text):
                spans.append(Span("NAME", *m.span(1), 0.8, self.name))
                spans.append(Span("NAME", *m.span(2), 0.8, self.name))
        if "_" in text:
            spans.extend(self._spans("NAME", _FILE_NAME, text, group=1, score=0.85))
        if "," in text:
            spans.extend(self._spans("AGE", _RELATIVE_AGE, text, group=1, score=0.8))
        spans.extend(self._spans("DATE", _DAY_OF_MONTH, text, group=0, score=0.85))
        spans.extend(self._spans("DATE", _ON_THE_DAY, text, group=1, score=0.7))
        spans.extend(self._spans("DATE", _TWO_DIGIT_YEAR, text, group=0, score=0.8))
        spans.extend(self._spans("ADDRESS", _STREET_ADDRESS_WORD, text, group=1, score=0.75))
        if "-" in text:
            for m in _DOUBLE_BARREL.finditer(text):
                words = re.split(r"[ \t-]+", m.group(1).lower())
                if not any(w in lx.STOP or w in lx.EPONYMS for w in words):
                    spans.append(Span("NAME", *m.span(1), 0.7, self.name))
        for regex in (_RELATIVE_NAME, _NAME_THEN_RELATION, _RELATIVE_APPOSITION):
            for m in regex.finditer(text):
                if _not_stop(text, m.span(1)):
                    spans.append(Span("NAME", *m.span(1), 0.75, self.name))
        spans.extend(self._spans("DATE", _LOWER_HOLIDAY, text, group=0, score=0.6))
        spans.extend(self._spans("ADDRESS", _LOWER_STREET, text, group=0, score=0.8))
        spans.extend(self._spans("ADDRESS", _LOWER_ROAD, text, group=1, score=0.7))
        spans.extend(self._spans("ZIP", _LOWER_STATE_ZIP, text, group=1, score=0.8))
        return spans

    def _spans(
        self, category: str, regex: re.Pattern[str], text: str, *, group: int, score: float
    ) -> list[Span]:
        return [Span(category, *m.span(group), score, self.name) for m in regex.finditer(text)]
