"""Round-5 rules that generalise: broad, high-recall mechanisms instead of one-off cues.

Safe Harbor errs towards removal, so these rules take whole *forms* of PHI ("SURNAME, GIVEN M",
any long number nobody else claimed, a bare M/D date, a place in the GeoNames gazetteer) and
guard them with *forms of clinical meaning* that must survive (doses, vitals, scores, labelled
code systems, HGVS variants, states, vehicle makes). None of them lists a corpus value.

Three entry points, called by :func:`service.deid.engine.find_spans`:

* :class:`GeneralRecognizer` - new spans from the text alone (names, dates, ages, places,
  plates, grid addresses, the last four of an SSN);
* :func:`protected_ranges` / :func:`trim` - text that must never be removed, cut out of every
  span (so a state after a city, "2019 Freightliner Cascadia" or "c.5946delT" survive whatever
  recognizer touched them);
* :func:`followup_spans` - rules that need the spans found so far: a nickname in quotes after a
  name, and the catch-all "other unique identifier" for numbers no recognizer claimed.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from functools import lru_cache
from itertools import pairwise
from typing import ClassVar, Final

from service.deid import lexicon as lx
from service.deid.dates import DAY_WORD, WEEKDAY
from service.deid.gazetteer import places
from service.deid.keeps import (
    _DEVICE_NOUNS,
    billing_codes,
    eponym_devices,
    limb_grades,
    oxygen_settings,
    subtest_scores,
)
from service.deid.prefix_search import any_of, ascii_digits, trie_alternation, word_led
from service.deid.recognizers import MONTH_LED, Recognizer, luhn_valid, name_kind
from service.deid.spans import Span, token_occurrences
from service.deid.wordlist import common_words, proper_nouns

# ---------------------------------------------------------------- names

#: A label ending just before the match on the same line ("RE:", "Patient:", "Candidate:").
_LABEL_BEFORE: Final = re.compile(r"[A-Za-z][A-Za-z'/ .#-]{0,24}:[ \t]*$")
_CAPS_WORD: Final = r"[A-Z][A-Z'\u2019]+(?:-[A-Z][A-Z'\u2019]+)?"
_TITLE_WORD: Final = r"[A-Z][a-z'\u2019]+(?:-[A-Z][a-z'\u2019]+)?"
_INITIALS: Final = r"[A-Z]\.(?:[ \t]?[A-Z]\.){0,2}"
#: "RIVERS, JUNE A", "PELLETIER-VANCE, AUGUSTIN P.", "UMEH-BERGSTROM, A.E."
_LAST_FIRST_CAPS: Final = re.compile(
    rf"(?<![\w'\u2019-])(?P<last>{_CAPS_WORD}),[ \t]+"
    rf"(?P<first>{_INITIALS}|{_CAPS_WORD})(?:[ \t]+(?P<mid>[A-Z]\.?|{_INITIALS}))?(?![\w'\u2019-])"
)
_LAST_BEFORE: Final = re.compile(rf"(?<![\w'\u2019-])(?:{_CAPS_WORD}|{_TITLE_WORD})$")
#: The same in Title case ("Rivers, June A"), only after a label.
_LAST_FIRST_TITLE: Final = re.compile(
    rf"(?<![\w'\u2019-])(?P<last>{_TITLE_WORD}),[ \t]+"
    rf"(?P<first>{_INITIALS}|{_TITLE_WORD})(?:[ \t]+(?P<mid>[A-Z]\.?|{_INITIALS}))?(?![\w'\u2019-])"
)
#: "MENDOZA-FRY, Remedios", "OKAFOR, Chidi": a family name in capitals, a given name in Title case.
_LAST_CAPS_FIRST_TITLE: Final = re.compile(
    rf"(?<![\w'\u2019-])(?P<last>{_CAPS_WORD}),[ \t]+(?P<first>{_TITLE_WORD})(?![\w'\u2019-])"
)
#: "J.R.K." - a run of dotted initials (a typist's or signer's mark).
_DOTTED: Final = re.compile(r"[A-Z](?<![\w.][A-Z])\.(?:[A-Z]\.){1,3}(?![\w.])")
_DOTTED_CUE_BEFORE: Final = re.compile(
    r"(?i)(?:\b(?:by|per|cc|initials|from|to|signed|/)|[|'\"\u2018\u201c])[ \t:]*$"
)
_DOTTED_CELL_AFTER: Final = re.compile(r"[ \t]*(?:\||(?:to|and|&)[ \t]+[A-Z])")
#: "... for early-fill override. -JM": a writer's initials signing off a log line.
#: (The dash comes first and the space before it is checked after it: a class first lets the
#: regex engine skip to the next dash; a look-behind first is tried at every position.)
_SIGN_OFF: Final = re.compile(
    r"(?m)[-\u2013\u2014~](?<=[ \t][-\u2013\u2014~])[ \t]?([A-Z]{2,3})[ \t]*$"
)
#: Dotted abbreviations that are not initials.
_DOTTED_ABBR: Final = frozenset(
    [
        "U.S.",
        "U.S.A.",
        "U.K.",
        "E.U.",
        "P.O.",
        "A.M.",
        "P.M.",
        "M.D.",
        "D.O.",
        "R.N.",
        "N.P.",
        "P.A.",
        "O.D.",
        "O.S.",
        "O.U.",
        "A.S.A.P.",
        "B.I.D.",
        "T.I.D.",
        "Q.I.D.",
        "P.R.N.",
        "N.P.O.",
        "Q.D.",
        "Q.H.S.",
        "H.S.",
        "E.R.",
        "E.D.",
        "O.R.",
        "I.V.",
        "I.M.",
        "S.L.",
        "S.Q.",
        "D.C.",
        "D.D.S.",
        "D.M.D.",
        "M.S.",
        "B.S.",
        "B.A.",
        "M.A.",
        "R.D.",
        "L.P.N.",
        "C.N.A.",
        "G.I.",
        "I.C.U.",
        "P.T.",
        "O.T.",
        "L.L.C.",
        "P.C.",
        "P.S.",
        "N.B.",
        "I.E.",
        "E.G.",
        "A.D.",
        "B.C.",
        "C.E.O.",
        "Ph.D.",
        "R.R.T.",
        "A.K.A.",
        "D.B.A.",
        "W.H.O.",
        "C.D.C.",
        "F.D.A.",
        "V.A.",
        "U.N.",
        "N.Y.",
        "L.A.",
        "D.N.R.",
        "D.N.I.",
        "P.E.R.R.L.A.",
        "A.C.L.",
        "P.C.P.",
    ]
)
#: Words a "LAST, FIRST" pair never is (a list, a heading, a state).
_NOT_NAME: Final = (
    lx.STOP
    | lx.MONTH_WORDS
    | lx.WEEKDAY_WORDS
    | {a.lower() for a in lx.STATE_CODES}
    | frozenset(
        [
            "left",
            "right",
            "bilateral",
            "negative",
            "positive",
            "normal",
            "abnormal",
            "none",
            "yes",
            "no",
            "other",
            "total",
            "active",
            "inactive",
            "stable",
            "acute",
            "chronic",
            "mild",
            "moderate",
            "severe",
        ]
    )
)
#: "Gus is a ninety-three-year-old ...": the subject of the classic opening sentence.
_AN_AGE: Final = re.compile(r" an? (?:\d{1,3}|[a-z]+(?:-[a-z]+)?)[ -](?:year|yr|month|week)")
_SUBJECT_BEFORE: Final = re.compile(
    r"(?:^|(?<=[.!?][ \t])|(?<=\n))(?P<name>[A-Z][a-z'\u2019]+(?:[ \t][A-Z][a-z'\u2019-]+)?)"
    r"[ \t]+(?:is|was)$"
)
#: "His wife of 68 years, Marguerite," / "daughter, Anneke," - a relative named in apposition.
_COMMA_CAP: Final = re.compile(r", ?[A-Z]")
_APPOSED_NAME: Final = re.compile(
    r",[ \t]+(?P<name>[A-Z][a-z'\u2019]+(?:-[A-Z][a-z'\u2019]+)?)(?=[ \t]*[,;.)])"
)
_DOTTED_GATE: Final = re.compile(r"\.[A-Z]\.")
#: A name followed by a nickname in quotes or brackets: HUNTER, WILLIAM J ("Will").
_NICK_AFTER: Final = re.compile(
    r"[ \t]*(?:\([ \t]*(?:(?:prefers|goes[ \t]+by|aka|a\.k\.a\.|called|nickname:?)[ \t]+)?"
    r"[\"\u201c'\u2018]?|[\"\u201c'\u2018])"
    r"(?P<nick>[A-Z][a-z]+)(?:[\"\u201d'\u2019][ \t]*\)?|[ \t]*\))"
)

_ZIP5: Final = r"(\d{5}(?:-\d{4})?)(?![\w-])"
_ZIP_AFTER: Final = re.compile(r",?[ \t]+" + _ZIP5)
_TOWN_ZIP_AFTER: Final = re.compile(
    r",[ \t]+([A-Z][A-Za-z'.\u2019-]+(?:[ \t][A-Z][A-Za-z'.\u2019-]+){0,2})[ \t]+" + _ZIP5
)
_COUNTRIES: Final = lx.COUNTRIES
_COUNTRY_NAMES: Final = frozenset(_COUNTRIES.split("|"))
#: A species name after a genus initial: "P. aeruginosa", "S. aureus".
_SPECIES_AFTER: Final = re.compile(r"[ \t]+[a-z]{4,}\b")
#: "Kakuma, Kenya", "Ibadan, Nigeria": a town abroad, named with its country (the country stays).
_CITY_COUNTRY: Final = re.compile(
    # ("Vila Franca do Campo, Azores": Portuguese and Spanish town names join words with "do")
    r"\b([A-Z][a-z'\u2019-]+"
    r"(?:[ \t](?:(?:de|do|da|dos|das|del|la)[ \t])?[A-Z][a-z'\u2019-]+){0,3}),"
    rf"[ \t]+(?:{_COUNTRIES})\b"
)
#: Gate for ``_CITY_COUNTRY``: the comma and country every match holds. It starts with a literal,
#: so it is a fast scan; the full pattern starts with ``\b`` and is tried at every position.
_CITY_COUNTRY_GATE: Final = re.compile(rf",[ \t]+(?:{_COUNTRIES})")
#: "1.2.840.113619.2.55...": an OID or DICOM UID (five or more dotted numbers).
_OID: Final = re.compile(r"(?<![\w.])\d+(?:\.\d+){4,}(?![\w.])")
#: Gate for ``_OID`` (a literal first character: a fast scan): four dotted numbers in a row.
_OID_GATE: Final = re.compile(r"\.\d+\.\d+\.\d+\.\d")
#: "Lucienne Pelletier-Baptiste, MRN 600-14-8821": capitalised words just before a patient
#: identifier's label are the patient's name (the label is found first, then the name before it).
#: (The labels are found by :func:`_id_labels_after_name`.)
_ID_LABELS: Final = ("MRN", "DOB", "D.O.B.", "MR#", "SSN")
_NAME_BEFORE_ID: Final = re.compile(
    r"(?<![\w.'\u2019-])(?P<name>[A-Z][a-z'\u2019]+(?:-[A-Z][a-z'\u2019]+)?"
    r"(?:[ \t]+[A-Z]\.?)?(?:[ \t]+[A-Z][a-z'\u2019]+(?:-[A-Z][a-z'\u2019]+)?){1,2})[ \t]*$"
)


def _id_labels_after_name(text: str) -> list[int]:
    """Where the matches of ``[,(][ \\t]*(?:MRN|DOB|D\\.O\\.B\\.|MR#|SSN)\\b`` start, in order.

    Speed: each label found by a substring search and the comma or bracket read back from it,
    in place of a regex that stops at every comma of the note. A match is a label (no two
    labels match at one place), the blanks before it and the "," or "(" before them, so each
    label found gives at most one match and no two matches overlap.
    """
    out: list[int] = []
    size = len(text)
    for label in _ID_LABELS:
        word_end = label[-1].isalnum()
        at = text.find(label)
        while at >= 0:
            end = at + len(label)
            # ``\b`` after the label: a word character on one side of ``end`` only
            if word_end != (end < size and (text[end].isalnum() or text[end] == "_")):
                lead = at
                while lead > 0 and text[lead - 1] in " \t":
                    lead -= 1
                if lead > 0 and text[lead - 1] in ",(":
                    out.append(lead - 1)
            at = text.find(label, at + 1)
    out.sort()
    return out


#: "spelled r o u r k e", "spelling: K-O-W-A-L": a name dictated letter by letter.
_SPELLED_OUT: Final = re.compile(
    r"\b(?i:spelled|spelling|spells)[ \t]*:?[ \t]+(?P<name>[A-Za-z](?![A-Za-z])"
    r"(?:(?:[ \t]+|[ \t]*[-.][ \t]*)[A-Za-z](?![A-Za-z])){2,}\.?)"
)
#: "(S7732)" after a name: a surname initial and the last four digits of an SSN.
_INITIAL_AND_FOUR: Final = re.compile(r"[ \t]*\([ \t]*(?P<id>[A-Z]\d{4})[ \t]*\)")

# ---------------------------------------------------------------- dates

#: A two-digit year written after a month and day: "Nov 11 '46", "3/2 '19".
_SHORT_YEAR_AFTER: Final = re.compile(r",?[ \t]*['\u2019]\d{2}(?![\d'\u2019])")

_WEEKDAY: Final = rf"(?:{WEEKDAY})\.?"
#: "Tuesday the 11th", "Thurs. the 9th": the weekday dates the event as much as the ordinal.
_THE_ORDINAL: Final = re.compile(r"the (?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)\b")
#: The weekday before "the 11th" or before any found date ("Friday, September 5, 2025"),
#: with its comma: it goes with the date.
_WEEKDAY_BEFORE: Final = re.compile(rf"\b(?:{_WEEKDAY}),?[ \t]+$")
_DAY_WORD: Final = DAY_WORD
#: "june third", "March the eleventh": a date dictated in words ("may" the verb is left alone;
#: the month is led by a letter class so the scan skips most positions).
#: (``MONTH_LED``'s first character class, "[JFMASONDjfmasond]", and the rest of it)
_MONTH_LEAD: Final = MONTH_LED[: MONTH_LED.index("]") + 1]
if not (_MONTH_LEAD.startswith("[") and "m" in _MONTH_LEAD):
    raise ValueError("MONTH_LED no longer starts with a class holding 'm'")
_MONTH_DAY_WORDS: Final = re.compile(
    rf"{_MONTH_LEAD}(?:{MONTH_LED[len(_MONTH_LEAD) :]}[ \t]+(?:the[ \t]+)?(?i:{_DAY_WORD})\b"
    # "last period was may twenty third": a lower-case "may" is the month before a day in
    # words, but for "first" and "second" alone ("may first need", "may second that")
    rf"|(?<=m)(?<![\w]m)ay[ \t]+(?:the[ \t]+)?(?!(?:first|second)\b)(?:{_DAY_WORD})\b)"
    # Speed: the month's class leads both branches (the "m" of "may" is in it), so the scan
    # skips to it as before the "may" branch was added (two branches have no first character
    # in common to skip to). The same matches: the lead is the month branch's own, and the
    # "may" branch was "(?<![\w])may", read here once its "m" is taken.
)
#: "the third of june", "The twenty-fifth of this month"
_DAY_WORDS_OF: Final = re.compile(
    rf"(?:the|The|THE)(?<![\w][Tt][Hh][Ee])[ \t]+(?i:(?:{_DAY_WORD})[ \t]+of[ \t]+(?:(?:this|next|"
    r"last)[ \t]+month|january|february|march|april|may|june|july|august|september|october|"
    r"november|december))\b"
)
#: Words without which none of the three rules above can match (a cheap ``in`` gate).
_DAY_WORD_STEMS: Final = (
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "teenth",
    "tieth",
)
#: "which would be the twenty fifth.": a day after the tenth, in words, closing its clause
#: ("the eleventh hour" goes on, so it is not a date).
_THE_LATE_DAY: Final = re.compile(
    r"the(?<![\w]the)[ \t]+(?P<day>(?i:(?:twenty|thirty)[- ](?:first|second|third|fourth|"
    r"fifth|sixth|seventh|eighth|ninth)|eleventh|twelfth|(?:thir|four|fif|six|seven|eigh|nine)teenth|"
    r"twentieth|thirtieth))(?=[ \t]*(?:[.,;:)]|$))",
    re.MULTILINE,
)
_HOLIDAY_HINTS: Final = (
    "mas",
    "Day",
    "Eve",
    "Birthday",
    "Juneteenth",
    "Thanksgiving",
    "Christmas",
    "Easter",
    "Halloween",
    "Friday",
    "Mayo",
    "Kippur",
    "Hashanah",
    "July",
    "New Year",
    "Ash Wed",
    "Palm Sun",
    "Gras",
    "Eid",
)
#: A slash and a digit, unless two word characters or slashes follow the digit (a day after
#: the slash is one or two characters: "03/15/2024" has neither end). Speed: the look-ahead
#: passes over the long dates in C, not in a Python loop turn each.
_SLASH_DIGIT: Final = re.compile(r"/\d(?![\w/]{2})")
#: Holidays that date an event; an apostrophe in either place. A year after one stays (years
#: alone are not PHI; the annotation convention of dev4).
_HOLIDAY: Final = re.compile(
    # "\b(?:New[ \t]Year...|(?:MLK|Martin...)[ \t]Day|...)\b", led by the first letters
    word_led(
        [
            r"New[ \t]Year['\u2019]?s(?:[ \t](?:Day|Eve))?",
            r"MLK[ \t]Day",
            r"Martin[ \t]Luther[ \t]King(?:[ \t]Jr\.?)?[ \t]Day",
            r"Presidents?['\u2019]?(?:s['\u2019]?)?[ \t]Day",
            r"Washington['\u2019]s[ \t]Birthday",
            r"Memorial[ \t]Day",
            r"Juneteenth",
            r"Independence[ \t]Day",
            r"Fourth[ \t]of[ \t]July",
            r"Labou?r[ \t]Day",
            r"Columbus[ \t]Day",
            r"Indigenous[ \t]Peoples['\u2019]?[ \t]Day",
            r"Veterans['\u2019]?[ \t]Day",
            r"Thanksgiving(?:[ \t]Day)?",
            r"Christmas(?:[ \t](?:Eve|Day))?",
            r"Easter(?:[ \t]Sunday)?",
            r"Halloween",
            r"Valentine['\u2019]?s[ \t]Day",
            r"Mother['\u2019]?s[ \t]Day",
            r"Father['\u2019]?s[ \t]Day",
            r"St\.?[ \t]Patrick['\u2019]?s[ \t]Day",
            r"Good[ \t]Friday",
            r"Black[ \t]Friday",
            r"Cinco[ \t]de[ \t]Mayo",
            r"Yom[ \t]Kippur",
            r"Rosh[ \t]Hashanah",
            r"X-?mas(?:[ \t]Eve)?",
            # the days of other calendars and countries that date an event as well
            r"Boxing[ \t]Day",
            r"Canada[ \t]Day",
            r"Remembrance[ \t]Day",
            r"Lunar[ \t]New[ \t]Year(?:['\u2019]s)?(?:[ \t](?:Day|Eve))?",
            r"Chinese[ \t]New[ \t]Year(?:['\u2019]s)?(?:[ \t](?:Day|Eve))?",
            r"Ash[ \t]Wednesday",
            r"Palm[ \t]Sunday",
            r"Mardi[ \t]Gras",
            r"Eid(?:[ \t]al-(?:Fitr|Adha))?",
        ]
    )
    + r"\b"
)
#: A bare month/day: "3/3", "f/u 2/25", "(normal, 2/11)".
_BARE_MD: Final = re.compile(
    r"(?<![\w/.:-])(1[0-2]|(?<!\d)0?[1-9])/(3[01]|[12]\d|0?[1-9])(?![\w/]|\.\d|-\d)"
)
#: Words that make a slash pair a score, ratio, dose or pressure, not a date.
_NOT_DATE_WORDS: Final = frozenset(
    [
        "bp",
        "b/p",
        "pain",
        "score",
        "strength",
        "power",
        "motor",
        "mmt",
        "grade",
        "graded",
        "murmur",
        "reflexes",
        "dtr",
        "dtrs",
        "ratio",
        "ecog",
        "gcs",
        "scale",
        "vision",
        "va",
        "acuity",
        "rated",
        "rates",
        "rating",
        "x",
        "of",
        "dilated",
        "effaced",
        "station",
        "apgar",
        "apgars",
        "lefs",
        "moca",
        "mmse",
        "bims",
        "slums",
        "braden",
        "morse",
        "ciwa",
        "cows",
        "epds",
        "rass",
        "bims",
        "slums",
        "braden",
        "morse",
        "ciwa",
        "cows",
        "epds",
        "rass",
        "phq",
        "phq9",
        "phq-9",
        "gad",
        "gad7",
        "gad-7",
        "cm",
        "mm",
        "sbp",
        "dbp",
        "split",
        "dose",
        "doses",
        "tab",
        "tabs",
        "tablet",
        "tablets",
        "hr",
        "rr",
        "fio2",
        "peep",
        "vt",
        "ie",
        "i:e",
        # ventilator pressures ("PS 12/5": pressure support over PEEP), counts of a set ("Page
        # 2/3", "Trial 1/3", "Steps 12/12", "Cups 6/8"), the AUDIT-C score
        "ps",
        "cpap",
        "bipap",
        "ipap",
        "epap",
        "page",
        "pages",
        "pg",
        "trial",
        "trials",
        "steps",
        "cups",
        "cup",
        "sets",
        "reps",
        "audit-c",
        "blood pressure",
        "out of",
        # a score's total and a receptor score ("total 6/9" of a Nottingham grade, "Allred 8/8")
        "total",
        "sum",
        "allred",
    ]
)
#: "G2", "P3" (obstetric), "PHQ-9" and the like written just before the pair.
_HYPHENATED_ACRONYM: Final = re.compile(r"[A-Z][A-Z0-9]*(?:-[A-Za-z0-9]+)+")
_WHEN_WORDS: Final = frozenset(["last", "next", "first", "final", "since"])
#: "Day 3 6/14", "Day 14 dose 6/25", "wk 2 3/18": a schedule's numbered day or week before its
#: date (a rabies series, a chemotherapy cycle); the number is no whole before a fraction.
_NUMBERED_PERIODS: Final = frozenset(["day", "d", "wk", "week", "cycle", "pod", "hd", "visit"])
#: "cholangitis 2/2 CBD stone", "ESRD 2/2 IgA nephropathy": "2/2" is shorthand for "secondary
#: to" between a finding and its cause, not the second of February.
_SECONDARY_TO: Final = re.compile(r"[ \t]+[A-Za-z]")
#: A row of month/days ("Labs  11/29  11/30  12/1  12/2"): a lab trend's or a flowsheet's
#: column heads, dates in order.
_MD_ROW_TOKEN: Final = re.compile(r"(?:1[0-2]|0?[1-9])/(?:3[01]|[12]\d|0?[1-9])")
_PERIODS: Final = frozenset(
    ["week", "wk", "weekend", "day", "night", "morning", "evening", "month"]
)
#: "Apr '25": a month and a two-digit year.
_MONTH_SHORT_YEAR: Final = re.compile(
    r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?[ \t]+['\u2019]\d{2}(?!\d)"
)
#: Gates for ``_MONTH_SHORT_YEAR``: its quoted year. Two literal-led scans are fast; one with
#: the class ``['\u2019]`` first is ten times slower.
_QUOTED_YEAR: Final = (re.compile(r"'\d\d"), re.compile(r"\u2019\d\d"))
#: "Mar 8-10": the last day of a range written after a month and day.
_DAY_RANGE_AFTER: Final = re.compile(
    # "Aug 16-17, 2025": the year that completes the range goes with it
    r"[-\u2013](?:[0-2]?\d|3[01])(?:st|nd|rd|th)?(?![\d/:-]|\.\d)"
    r"(?:,?[ \t]+(?:18|19|20)\d\d(?!\d))?"
)
#: "June 3 thru 7", "June 3rd and 5th", "Jun 3 to the 7th": the last day of a range, or a
#: second day, joined by a word; its clause ends there (not "June 3 and 4 times", "Jun 3 to 5
#: mg"), or the range's year follows.
_DAY_WORD_RANGE_AFTER: Final = re.compile(
    r"[ \t]+(?:to|thru|through|till|until|and|&)[ \t]+(?:the[ \t]+)?"
    r"(?P<day>[0-2]?\d|3[01])(?:st|nd|rd|th)?"
    r"(?=[ \t]*(?:[,;.)]|$)|[ \t]+(?:of|in|at|for|with|and|to)\b)"
    r"(?:,?[ \t]+(?:18|19|20)\d\d(?!\d))?",
    re.MULTILINE,
)
_ORDINALS: Final = ("st", "nd", "rd", "th")
#: Viruses named with their types 1 and 2 ("HIV 1/2 antibody").
_VIRUS_TYPED: Final = frozenset(["hiv", "hsv", "htlv"])
_SCORE_LABEL: Final = re.compile(r"[gp]\d?|phq-?\d*|gad-?\d*")
_NOT_DATE_AFTER: Final = re.compile(
    # ("in" as inches, not before a room or an article: "Fall 6/28 in bathroom")
    r"(?i)[ \t]*(?:mg|mcg|g\b|ml|units?|tabs?|tablets?|caps?|cups?|inch|"
    r"in\b(?![ \t]+(?:the|a|an|his|her|their|my|our|bed|bathroom|bedroom|kitchen|shower|"
    r"clinic|office)\b)|cm|mm|mi|miles?|"
    r"strength|murmur|sys|systolic|diastolic|score|scale|mmhg|%|x\b|ratio|of\b|/|"
    r"dilat|efface|power|pts|points|dose|puffs?|sprays?|drops?|bid|tid|prn|daily|h\b|hr|"
    # ("day" as a unit: "6/14 Day 3 given" numbers a schedule's day, after its date)
    r"hours?|days?(?![ \t]*#?\d)|weeks?|wk|mo|months?|times|"
    # "1/2 NS": half-normal saline
    r"nss?\b|"
    # "2/3 cultures", "4/6 criteria": a count of things
    r"(?!was\b|has\b|is\b)[a-z]{2,}s\b)"
)

# ---------------------------------------------------------------- ages

#: "in her early 90s", "in his mid-nineties": an age over 89 by decade.
_AGE_DECADE: Final = re.compile(
    r"(?i)\bin[ \t]+(?:his|her|their|the|my)[ \t]+(?:(?:early|mid|late)[ \t-]*)?"
    r"(?:9\d|1[01]\d)['\u2019]?s\b|\bin[ \t]+(?:his|her|their|the|my)[ \t]+"
    r"(?:(?:early|mid|late)[ \t-]*)?nineties\b"
)
_AGE_VERB_HINTS: Final = ("lived", "living", "turn", "reach", "died", "passed")
#: "lived to 97", "turned 91", "died at 94": an age over 89 after a verb of age.
_AGE_VERB: Final = re.compile(
    # "(?i)\b(?:lived...|turn(?:ed|s|ing)|...)", led by the first letters (a fast scan)
    word_led(
        [
            r"lived[ \t]+(?:to|until)",
            r"liv(?:ed|ing)[ \t]+to[ \t]+be",
            r"turn(?:ed|s|ing)",
            r"reach(?:ed|es|ing)",
            r"died[ \t]+at",
            r"passed[ \t]+(?:away[ \t]+)?at",
        ],
        ignore_case=True,
    )
    + r"(?i:[ \t]+(?P<age>9\d|1[01]\d)\b(?![.,]\d|[ \t]*(?:%|mg|kg|lb|mmhg|bpm|min|percent)))"
)

# ---------------------------------------------------------------- places

#: Place cues before a name: a preposition of place (a capitalised word after "in" is a place
#: far more often than not), and cues after it: a state, a county word.
_PLACE_CUE_AFTER: Final = re.compile(
    rf"(?:,?[ \t]+(?:{lx.STATE_ABBR})\b|,?[ \t]+(?:{lx.STATE_NAMES})\b|[ \t]+(?:County|Parish|"
    r"Borough|Township)\b|"
    # a town's own institutions: "Prescott Public Library", "Hutchinson Police Department"
    r"[ \t]+(?:Public[ \t]+(?:Library|Schools?|Works|Health)|Police|Fire[ \t]+(?:Department|Dept)|"
    r"City[ \t]+(?:Hall|Council|Schools)|Municipal|School[ \t]+District|Unified|Transit|"
    r"Chamber[ \t]+of|PD|FD|SO|POLICE|SHERIFF|"
    # and its courts: "Hampshire Probate and Family Court", "Ada County District Court"
    r"Probate|(?:District|Superior|Circuit|Family|Municipal|Juvenile|Justice|Housing)"
    r"[ \t]+Court)\b|"
    r"[ \t]+Co\.)"
)
#: "URGENT CARE - HUTCHINSON", "Walgreens - Dodge City": a facility's branch, named by its town.
_BRANCH_DASH_BEFORE: Final = re.compile(
    r"(?i:care|clinic|hospital|center|centre|pharmacy|medical|health|office|walgreens|cvs|"
    # ("infusion suite, Newport (4-dose ...)": a hospital's site and then its town)
    r"medicine|practice|institution|facility|prison|jail|suite|campus)"
    r"(?:[ \t]+[-\u2013\u2014]|,)[ \t]+$"
)


def _branch_dash_before(before: str) -> bool:
    """``_BRANCH_DASH_BEFORE.search(before)``, its regex run only where ``before`` ends as a
    match must: a comma or dash, then blanks (before a final newline, where ``$`` also matches).
    Speed: the pattern leads with no literal, and is tried at every character otherwise."""
    tail = before[:-1] if before[-1:] == "\n" else before
    if tail[-1:] not in (" ", "\t"):
        return False
    if tail.rstrip(" \t")[-1:] not in (",", "-", "\u2013", "\u2014"):
        return False
    return bool(_BRANCH_DASH_BEFORE.search(before))


#: "Granite Creek", "Mill Valley": a place name followed by the feature it names.
_FEATURE_AFTER: Final = re.compile(
    r"[ \t]+(?:Co\.|(?:County|Parish|Borough|Township|Creek|River|Lake|Park|Valley|Springs|"
    r"Falls|Hills|Heights|Canyon|Ridge|Bay|Beach|Island|Harbor|Harbour|Mountain|Mesa|Reservoir|"
    r"Pond)\b)"
)
#: Words that name a kind of settlement or the feature a small town is named for, after the
#: town's own word ("Calder Falls", "Marlowe Junction", "Okmulgee Crossing", "Erie Vista",
#: "Brackwater Hts"). Invented or rare towns are in no list; this form names them.
_SETTLEMENT_FEATURES: Final = frozenset(
    [
        "Falls",
        "Junction",
        "Jct",
        "Crossing",
        "Creek",
        "Springs",
        "Spgs",
        "Mills",
        "Heights",
        "Hts",
        "Vista",
        "Bay",
        "Harbor",
        "Harbour",
        "Landing",
        "Ferry",
        "Hollow",
        "Bluff",
        "Bluffs",
        "Flats",
        "Corners",
        "Grove",
        "Ridge",
        "Point",
    ]
)
#: Their abbreviations: written only in addresses and place names, so no cue is needed.
_SETTLEMENT_ABBREVIATIONS: Final = frozenset(["Jct", "Spgs", "Hts"])
#: A word before a town's own word ("Port Ellery", "Fort Calloway", "Mount Vesper").
_TOWN_PREFIXES: Final = frozenset(["Port", "Fort", "Ft.", "Mount", "Mt."])
#: A state (code or name) right after a place: ", MT", ", Montana", " MT 59301".
_STATE_AFTER_PLACE: Final = re.compile(
    rf"(?:,[ \t]*|[ \t]+)(?:(?:{lx.STATE_ABBR})(?![\w-])|(?:{lx.STATE_NAMES})\b)"
)
#: A street type after a place-like name: "Cutler Ridge Ln", "Deer Creek Rd" are streets.
_STREET_TYPE_AFTER: Final = re.compile(
    r"[ \t]+(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|"
    r"Place|Pl|Terrace|Ter|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Trail|Trl|Loop|Pike)\b"
)
_CAP_WORD_BEFORE: Final = re.compile(r"(?<![\w'\u2019-])([A-Z][a-z'\u2019]+)[ \t]$")
_CAP_WORD_AFTER: Final = re.compile(r"[ \t]([A-Z][a-z'\u2019]{2,})(?![\w'\u2019-])")


def _named_settlements(text: str, tokens: set[str], spans: list[Span]) -> None:
    """ "from Marikit Bay", "out of Marlowe Junction", "Calder Falls, MT", "from Port Ellery":
    a town written as its own word and a settlement word (or "Port"/"Fort" before it). The
    town's word is in no list, so the form and a place cue carry it: a preposition of place
    before it (as for the gazetteer's ambiguous names) or a state after it; the abbreviations
    ("Hts", "Jct") need none. Not before a street type ("Cutler Ridge Ln" is a street)."""
    common = common_words()
    for feature in tokens & _SETTLEMENT_FEATURES:
        for pos in _occurrences(text, feature):
            m = _CAP_WORD_BEFORE.search(text, max(0, pos - 30), pos)
            if m is None:
                continue
            start = m.start(1)
            word = m.group(1).lower()
            if word in lx.STOP or word in lx.MONTH_WORDS or word in lx.WEEKDAY_WORDS:
                continue
            # a second capitalised word before ("Lake Havasu Falls")
            m2 = _CAP_WORD_BEFORE.search(text, max(0, start - 30), start)
            if m2 is not None and (
                m2.group(1).lower() not in _STOP_OR_PLACE_CUE and m2.group(1).lower() not in common
            ):
                start = m2.start(1)
            end = pos + len(feature)
            if _STREET_TYPE_AFTER.match(text, end):
                continue  # "Cutler Ridge Ln": a street
            if feature in _SETTLEMENT_ABBREVIATIONS or _STATE_AFTER_PLACE.match(text, end):
                spans.append(Span("LOCATION", start, end, 0.75, "settlement"))
            elif feature == "Falls" and word in common:
                continue  # "History of Recurrent Falls": falls are a clinical finding
            elif _place_cued(text, start) and not _NAME_AFTER.match(text, end):
                spans.append(Span("LOCATION", start, end, 0.7, "settlement"))
    for prefix in tokens & _TOWN_PREFIXES:
        for pos in _occurrences(text, prefix):
            m = _CAP_WORD_AFTER.match(text, pos + len(prefix))
            if m is None or m.group(1).lower() in common or m.group(1).lower() in lx.STOP:
                continue
            if _place_cued(text, pos) or _STATE_AFTER_PLACE.match(text, m.end()):
                spans.append(Span("LOCATION", pos, m.end(), 0.7, "settlement"))


#: How English and Slavic town names end ("Ravensford", "Elmhaven", "Harrowgate",
#: "Brightwater", "Zarechensk"): a capitalised word in no list with such an ending, after
#: "in"/"from"/"near"/"outside", is a town.
_TOPONYM_ENDINGS: Final = (
    "ford",
    "haven",
    "gate",
    "water",
    "ville",
    "burg",
    "burgh",
    "borough",
    "bury",
    "mouth",
    "port",
    "chester",
    "caster",
    "minster",
    "wick",
    "stead",
    "sk",
    "grad",
    "ovo",
    "evo",
    "ino",
)
_DISORDER_AFTER: Final = re.compile(
    r"(?i)[ \t]+(?:syndrome|disease|sign|criteria|classification|score|scale|type|procedure)\b"
)
#: The cues of the ending rule, stronger than "to"/"at"/"of" (which also come before a person's
#: surname: "letter to Bradford").
_TOPONYM_CUE_BEFORE: Final = re.compile(
    r"(?<![\w-])(?:in|from|near|outside|In|From|Near|Outside)[ \t]+$"
)


#: The same word heading an institution's name ("Elmhaven Transplant Ctr", "HARROWGATE
#: REGIONAL OFFICE", "- ELMHAVEN UNIT"): by the convention, a town inside a facility's name
#: is a place.
_TOWN_FACILITY_WORDS: Final = frozenset(
    form
    for word in (
        "Transplant",
        "Vascular",
        "Regional",
        "Community",
        "Hospital",
        "Clinic",
        "Ctr",
        "Dialysis",
        "Unit",
        "Campus",
        "Branch",
        "Office",
        "Public",
        "Police",
        "Elementary",
        "Urgent",
        "Family",
    )
    for form in (word, word.upper())
)
_WORD_BEFORE_FACILITY: Final = re.compile(r"(?<![\w'\u2019-])([A-Z][a-z]{2,}|[A-Z]{3,})[ \t]+$")
_TOWN_ENDINGS: Final = (
    "ford",
    "haven",
    "gate",
    "water",
    "ville",
    "burg",
    "borough",
    "bury",
    "mouth",
    "chester",
    "wick",
    "stead",
)


def _suffixed_towns(text: str, tokens: set[str], spans: list[Span]) -> None:
    """ "died in Zarechensk", "lives in Ravensford": after "in"/"from"/"near", a capitalised
    word that is no English word and no known given name, ending as towns end (-ford, -haven,
    -sk ...), is a town (a surname there would be a possessive or have a given name after)."""
    common = common_words()
    given = lx.first_names()
    # led by the capitalised tokens with a town's ending (a loop over the note's set of them),
    # the cue read back from each occurrence
    for tok in tokens:
        # (the ending tested on the token as written first: with ``tok[1:]`` in lower case it
        # ends as its lower-cased form does, and this skips most tokens without a copy)
        if len(tok) < 6 or not tok.endswith(_TOPONYM_ENDINGS) or not tok[1:].islower():
            continue
        low = tok.lower()
        if low in common or low in given or low in lx.EPONYMS:
            continue
        if not any(low.endswith(e) and len(low) - len(e) >= 3 for e in _TOPONYM_ENDINGS):
            continue  # the ending after a stem of three letters or more ("Alport" is no town)
        for pos in _occurrences(text, tok):
            end = pos + len(tok)
            if text[end : end + 1] in ("'", "\u2019") or _DISORDER_AFTER.match(text, end):
                continue  # "in Ashford's room": a person's; "in Alport syndrome": an eponym
            if _TOPONYM_CUE_BEFORE.search(text, max(0, pos - 10), pos) and not _NAME_AFTER.match(
                text, end
            ):
                spans.append(Span("LOCATION", pos, end, 0.7, "toponym"))
    # led by the institution's word (a set lookup among the capitalised tokens), the town's
    # word read back from it
    for facility in tokens & _TOWN_FACILITY_WORDS:
        for pos in _occurrences(text, facility):
            m = _WORD_BEFORE_FACILITY.search(text, max(0, pos - 40), pos)
            if m is None:
                continue
            word = m.group(1).lower()
            if (
                not word.endswith(_TOWN_ENDINGS)
                or word in common
                or word in given
                or word in lx.EPONYMS
            ):
                continue
            spans.append(Span("LOCATION", m.start(1), m.end(1), 0.7, "toponym"))


#: "home in Marrowby", "farm near Quillan", "a mill outside Orrick": a preposition of place,
#: then one capitalised word that no list knows (no English word, no proper noun English
#: knows, no listed name or eponym). Invented and small towns are in no gazetteer; such a
#: word after "in"/"near"/"outside" is a place far more often than anything else. ("from" and
#: "to" are left out: "switched from Xarelto", "changed to Eliquis" name drugs.)
_UNKNOWN_AFTER_PLACE_WORD: Final = re.compile(
    r"(?<![\w-])(?:in|near|outside)[ \t]+([A-Z][a-z]{3,})(?![\w'\u2019-]|[ \t]+[A-Z])"
)


#: Words that, one or two before "in", make what follows a place: where someone lives,
#: works, was born or hurt, or whom they live near ("home in", "farm in", "MVC in", "son in",
#: "PCP in"). Not "interested in Ozempic", "documented in Cerner", "fluent in Tagalog".
_PLACE_BEFORE_IN: Final = frozenset(
    [
        "home",
        "house",
        "apartment",
        "trailer",
        "farm",
        "ranch",
        "lives",
        "living",
        "lived",
        "live",
        "resides",
        "residing",
        "stays",
        "staying",
        "stayed",
        "moved",
        "born",
        "raised",
        "up",
        "works",
        "working",
        "worked",
        "job",
        "employed",
        "mill",
        "plant",
        "factory",
        "store",
        "office",
        "school",
        "grade",
        "church",
        "shelter",
        "motel",
        "hotel",
        "vacation",
        "visiting",
        "visited",
        "family",
        "relatives",
        "son",
        "daughter",
        "sister",
        "brother",
        "parents",
        "mother",
        "father",
        "mom",
        "dad",
        "friend",
        "friends",
        "mvc",
        "accident",
        "crash",
        "collision",
        "fell",
        "fall",
        "injured",
        "pcp",
        "doctor",
        "clinic",
        "hospital",
        "died",
        "arrested",
        "jail",
        "prison",
        "incarcerated",
    ]
)


def _unknown_towns(text: str, spans: list[Span]) -> None:
    if " in " not in text and " near " not in text and " outside " not in text:
        return
    common = common_words()
    proper = proper_nouns()
    for m in _UNKNOWN_AFTER_PLACE_WORD.finditer(text):
        if text[m.start()] == "i":
            before = text[max(0, m.start() - 30) : m.start()].lower().split()[-2:]
            if not any(w.strip(".,;:()") in _PLACE_BEFORE_IN for w in before):
                continue  # "interested in Ozempic": "in" alone says little
        low = m.group(1).lower()
        if (
            low in common
            or low in proper
            or low in lx.STOP
            or name_kind(m.group(1)) != "other"
            or _DISORDER_AFTER.match(text, m.end(1))
        ):
            continue
        spans.append(Span("LOCATION", m.start(1), m.end(1), 0.6, "unknown-town"))


def _worded(low: str) -> bool:
    """Whether ``low`` is an English word or two run together ("keystone", "lakeshore")."""
    common = common_words()
    if low in common:
        return True
    return any(low[:i] in common and low[i:] in common for i in range(4, len(low) - 3))


def _md_row(text: str, start: int, end: int) -> bool:
    """Whether the month/day at ``text[start:end]`` stands in a row of three or more
    month/days, written in order a few days to weeks apart and split only by blanks (a lab
    trend's column heads). Motor grades ("5/5 5/5 4/5") and doses are never in such order."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    tokens = text[line_start:line_end].split()
    here = text[start:end]
    # the run of blank-split month/days holding this one
    runs: list[list[str]] = [[]]
    for tok in tokens:
        if _MD_ROW_TOKEN.fullmatch(tok):
            runs[-1].append(tok)
        elif runs[-1]:
            runs.append([])
    for run in runs:
        if here not in run or len(run) < 3:
            continue
        days = [int(m) * 31 + int(d) for m, d in (t.split("/") for t in run)]
        steps = [b - a if b > a else b + 12 * 31 - a for a, b in pairwise(days)]
        if all(0 < step <= 62 for step in steps):
            return True
    return False


def _place_cued(text: str, start: int) -> bool:
    """Whether a preposition of place ("in", "from", "out of", "to the") comes before
    ``start`` on its line."""
    before = text[max(0, start - 24) : start]
    words = before[before.rfind("\n") + 1 :].split()
    prev = words[-1].lower() if words else ""
    if prev == "the" and len(words) > 1:
        prev = words[-2].lower()
    if prev == "of":
        # "out of Marlowe Junction", not "history of ...": "of" alone follows any noun
        return len(words) > 1 and words[-2].lower() == "out"
    return prev in _PLACE_CUE_WORDS


#: "Payette type 2", "Hinchey class II": a classification named after a place.
_CLASS_AFTER: Final = re.compile(
    r"(?i)[ \t]+(?:type|class|grade|stage|classification|criteria|scale|score)\b"
)
#: Every capitalised token, once per text (a set): the gazetteer, makes and state codes are
#: looked up by set intersection instead of a Python loop over every word.
_CAP_TOKEN: Final = re.compile(r"[A-Z][A-Za-z'\u2019]*(?:-[A-Z][A-Za-z'\u2019]*)*")


@lru_cache(maxsize=1)
def _place_index() -> dict[str, list[tuple[str, int, bool]]]:
    """First token (Title and UPPER case) -> (name as written, words, needs a cue)."""
    index: dict[str, list[tuple[str, int, bool]]] = {}
    never = lx.STATE_WORDS | lx.MONTH_WORDS | lx.WEEKDAY_WORDS
    for name, common in places().items():
        key = name.lower()
        if key in never:
            continue  # states stay; months and weekdays are dates
        first = name.split()[0]
        words = key.split()
        n = len(words)
        needs_cue = (
            common
            or any(w in lx.STOP for w in words)
            or (
                n == 1
                and (
                    key in lx.first_names()
                    or key in lx.ambiguous_names()
                    or key in lx.surnames()
                    or key in lx.EPONYMS
                    or key in _MAKES
                )
            )
        )
        index.setdefault(first, []).append((name, n, needs_cue))
        # an upper-case note ("SANDUSKY") needs a cue: capitals there carry no signal
        index.setdefault(first.upper(), []).append((name.upper(), n, True))
    for entries in index.values():
        entries.sort(key=lambda e: -len(e[0]))
    return index


@lru_cache(maxsize=1)
def _place_keys() -> frozenset[str]:
    """The index's first tokens as a set (``set & frozenset`` runs in C over the smaller)."""
    return frozenset(_place_index())


#: One first token's entries of :func:`_place_index` arranged for lookup: the characters that
#: follow the token in its longer names; those names by length (longest first), each length a
#: dict name -> its first entry; and the one-word entries, in index order.
_PlaceLookup = tuple[
    str,
    tuple[tuple[int, dict[str, tuple[str, int, bool]]], ...],
    tuple[tuple[str, int, bool], ...],
]


#: Filled as tokens are met (notes meet a small part of the index's 75,000 keys; arranging them
#: all up front cost about a billion instructions at start-up). Its keys are gazetteer names
#: only, never note text.
_PLACE_LOOKUP: Final[dict[str, _PlaceLookup]] = {}


def _place_lookup(tok: str) -> _PlaceLookup:
    """Speed: the entries of :func:`_place_index` for ``tok`` in the form of
    :data:`_PlaceLookup`. A token such as "San" or "North" opens some two hundred names; one
    dict lookup per length of them, and none where no space follows the token, replaces a
    ``startswith`` per name. The index lists the longer names first (sorted by length), so the
    first one that fits is the same."""
    found = _PLACE_LOOKUP.get(tok)
    if found is not None:
        return found
    entries = _place_index()[tok]
    if not all(e[0].startswith(tok) and (e[1] > 1) == (e[0] != tok) for e in entries):
        # a list the lookup does not fit (none today) is walked as it is: no lengths, and
        # every entry a "single" checked in full by ``_places``
        found = ("", (), tuple(entries))
    else:
        seps = ""
        by_len: dict[int, dict[str, tuple[str, int, bool]]] = {}
        singles = []
        for entry in entries:
            name = entry[0]
            if entry[1] > 1:
                if name[len(tok)] not in seps:
                    seps += name[len(tok)]
                by_len.setdefault(len(name), {}).setdefault(name, entry)
            else:
                singles.append(entry)
        lengths = tuple(sorted(by_len.items(), key=lambda item: -item[0]))
        found = (seps, lengths, tuple(singles))
    _PLACE_LOOKUP[tok] = found
    return found


def _occurrences(text: str, word: str) -> list[int]:
    """Start offsets of ``word`` in ``text`` as a whole token (not before an apostrophe)."""
    return token_occurrences(text, word, glue_after="'\u2019")


#: Words after which a capitalised word is a person, not a place ("Dr. Marion").
_PERSON_TITLES: Final = frozenset(
    ["dr", "mr", "mrs", "ms", "miss", "mx", "prof", "sr", "jr", "rev", "sister", "father", "nurse"]
)
#: "our Silverdale clinic", "the Kent office": a facility's site named in lower case after it.
#: (lower case, or a header's capitals: "- PORTSMOUTH OFFICE"; Title case is a name's part)
_SITE_AFTER: Final = re.compile(
    r"[ \t]+(?:clinic|office|site|branch|campus|satellite|CLINIC|OFFICE|SITE|BRANCH|CAMPUS)\b"
)
#: A town's local trades, named for it: "Marion Distribution Center", "Newport Home Medical"
#: (only for a town's name that is no English word nor two run together: "Midway Logistics",
#: "Keystone Medical Supply", "Lakeshore Logistics" are named for words).
_TRADE_AFTER: Final = re.compile(
    r"[ \t]+(?:Distribution|Home[ \t]+Medical|Medical[ \t]+Supply|Outfitters|Lumber|Hardware|"
    r"Cooperative|Co-op|Creamery|Logistics|Warehouse|Manufacturing)\b"
)
#: A street's type (and a compass word) and a comma before a town: "on Bolsa Ave, ",
#: "Edgewood Rd NE, ".
_STREET_COMMA_BEFORE: Final = re.compile(
    r"[a-z][ \t]+(?:St|Street|Ave|Avenue|Rd|Road|Blvd|Boulevard|Dr|Drive|Ln|Lane|Way|Ct|Court|"
    r"Pkwy|Parkway|Hwy|Highway|Pl|Place|Ter|Terrace|Cir|Circle)\.?(?:[ \t]+[NS]?[EW]?)?,[ \t]+$"
)
_CLAUSE_END_AFTER: Final = re.compile(r"[;,.)]|[ \t]*$|[ \t]*\n")
_PLACE_CUE_WORDS: Final = frozenset(
    ["in", "from", "near", "at", "to", "outside", "of", "around", "toward", "towards", "via"]
)
#: Stop words and place cues together (made once, not per settlement word found).
_STOP_OR_PLACE_CUE: Final = lx.STOP | _PLACE_CUE_WORDS
#: ("Epworth 6", "Epworth 14/24": a score out of its maximum)
_SCORE_AFTER: Final = re.compile(r"[ \t]+\d{1,2}(?:/\d{1,3})?(?![\d/])")
_NAME_AFTER: Final = re.compile(
    r"[ \t]+[A-Z][a-z]+(?:,[ \t]*(?:MD|DO|RN|NP|PA)\b|[ \t]+[A-Z][a-z])"
)

# ---------------------------------------------------------------- identifiers

#: "plate OH JFR 2217", "LA plate 227 BXR", "tag: 7ABC123".
_PLATE: Final = re.compile(
    word_led(["plate", "tag", "plates", r"license[ \t]plate"], ignore_case=True)
    + rf"[ \t:#.]*(?:(?:{lx.STATE_ABBR})[ \t]+)?"
    r"(?P<plate>[A-Z0-9]{1,4}[ \t-][A-Z0-9]{2,5}|[A-Z0-9]{5,8})\b"
)
#: Utah / Wisconsin grid addresses: "1180 E 400 S".
_GRID_ADDRESS: Final = re.compile(r"\b\d{1,5}[ \t]+[NSEW]\.?[ \t]+\d{2,5}[ \t]+[NSEW]\b\.?")
#: Gate for ``_GRID_ADDRESS``, the part of it that starts with one of four letters (a far
#: cheaper scan than the ``\b`` lead, which is tried at every position): one pattern per
#: letter, each led by that letter as a literal (found faster than a class of the four).
_GRID_GATES: Final = tuple(
    re.compile(rf"{letter}\.?[ \t]+\d{{2,5}}[ \t]+[NSEW]\b") for letter in "NSEW"
)
#: "(last 4 confirmed: 4419)" after an SSN on the same line.
_LAST_FOUR: Final = re.compile(
    word_led(["last"], ignore_case=True)
    + r"(?i:[ \t-]*(?:4|four)\b[^\n\d]{0,40}?(?P<d>\d{4})(?!\d))"
)
#: "last 4 of phone (0144)", "last four of her cell phone: 0144".
_PHONE_LAST_FOUR: Final = re.compile(
    word_led(["last"], ignore_case=True)
    + r"(?i:[ \t-]*(?:4|four)(?:[ \t]+digits)?[ \t]+of[ \t]+(?:the[ \t]+|her[ \t]+|his[ \t]+|"
    r"their[ \t]+|my[ \t]+)?(?:cell[ \t]+|mobile[ \t]+|home[ \t]+)?phone(?:[ \t]+(?:number|#))?"
    r"[ \t:(#]{0,4}(?P<d>\d{4})(?!\d))"
)
_SSN_WORD: Final = re.compile(
    word_led(["ssn", "social security", "ss#", "soc sec"], ignore_case=True)
)

#: Digit groups joined by "-" (any size) or by one space (groups of 3+), optionally after a
#: short upper-case prefix: "0471-2291863", "SP 31884", "#448211".
_NUMBER: Final = re.compile(
    # led by the digit (a fast scan), the characters before it checked behind it
    r"\d(?<![\w.,/$\u00a3\u20ac:+]\d)(?<!\d-\d)\d*(?:-\d+)*(?:[ ]\d{3,}(?:-\d+)*)*"
    r"(?![\w/]|[.,:]\d|-[A-Za-z])"
)
#: Speed: the same scan for an ASCII note, "\d" as "[0-9]" (a cheaper test at every character).
_NUMBER_ASCII: Final = ascii_digits(_NUMBER)
#: "tail N417SL", "aircraft N52MT": an aircraft's registration (a vehicle identifier).
_TAIL_NUMBER: Final = re.compile(
    r"(?i:\btail(?:[ \t]+(?:number|no\.?|#))?|\baircraft|\bn-number)[ \t:#]*"
    r"(N[1-9]\d{0,4}[A-Z]{0,2})\b"
)
#: A point given as latitude and longitude ("45.1129 N, 114.6012 W", "GPS 44.05, -121.31"):
#: a place far smaller than a state. Without hemisphere letters it needs a cue word before it.
_GEO_POINT: Final = re.compile(
    r"(?<![\w.])[-+]?\d{1,3}\.\d{3,}\u00b0?(?P<ns>[ \t]?[NSns]\b)?,?[ \t]*"
    r"[-+]?\d{1,3}\.\d{3,}\u00b0?(?P<ew>[ \t]?[EWew]\b)?(?!\w|\.\d)"
)
_GEO_CUES: Final = ("gps", "coordinates", "lat/l", "latitude", "lat ", "location:", "pin ")
_HEMISPHERE: Final = re.compile(r"\.\d{3,}\u00b0?[ \t]?[NS]\b")
_PREFIX_BEFORE: Final = re.compile(r"(?<![\w-])([A-Z]{1,4})[ \t-]?$")
#: A licence's word just before a number's letter: "lic. R 1088453", "License #: B 20931".
_LICENCE_WORD_BEFORE: Final = re.compile(
    r"(?i:\b(?:lic|licen[cs]e|cert|certificate|permit))\.?[ \t]*(?:#|no\.?|number)?[ \t:]*$"
)
#: Capitals before a number that are its label or a code system, not part of the identifier.
_LABEL_PREFIXES: Final = frozenset(
    [
        "MRN",
        "MR",
        "ID",
        "NO",
        "NUM",
        "ACCT",
        "ACC",
        "AC",
        "DL",
        "SSN",
        "SS",
        "NPI",
        "DEA",
        "FIN",
        "HAR",
        "CSN",
        "ENC",
        "MBI",
        "VIN",
        "SN",
        "UDI",
        "CPT",
        "ICD",
        "NDC",
        "RX",
        "LOT",
        "REF",
        "PO",
        "BOX",
        "APT",
        "STE",
        "RM",
        "BED",
        "PIN",
        "TIN",
        "EIN",
        "DOB",
        "DOS",
        "MED",
        "GRP",
        "PH",
        "TEL",
        "FAX",
        "CDT",
        "DRG",
        "CVX",
        "PT",
    ]
)
#: Code systems whose codes are not identifiers of a person.
_CODE_LABEL: Final = re.compile(
    r"(?i)\b(?:cpt|icd(?:-?10|-?9)?(?:-cm|-pcs)?|hcpcs|ndc|cdt|loinc|snomed(?:[ -]ct)?|rxnorm|"
    r"drg|ms-drg|dsm(?:-5)?|code|codes|rev(?:enue)? code|pos|modifier|cvx|hgvs|rs)"
    r"[^\n]{0,16}$"
)
#: Units and quantities after a number: a measurement, never an identifier.
#: A hardware (MAC) address: six hex pairs joined by colons or hyphens ("00:1B:44:11:3A:B7").
#: What every MAC address holds: its four middle hex pairs with the five separators around
#: them (literal-led scans, where the hex-led ``_MAC_ADDRESS`` stops at every letter a to f).
#: Speed: four pairs, not one, so that a clock time ("10:30:00") or an ISO date ("2024-03-15")
#: does not open the gate.
_MAC_GATE_COLON: Final = re.compile(r":[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){3}:")
_MAC_GATE_DASH: Final = re.compile(r"-[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){3}-")
_MAC_ADDRESS: Final = re.compile(
    # led by the first hex digit (a fast scan), the character before it checked behind it
    r"[0-9A-Fa-f](?<![\w:-][0-9A-Fa-f])[0-9A-Fa-f]"
    r"([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}(?![\w:-])"
)
#: An ISBT 128 donation identification number as printed on blood and tissue labels: facility
#: (a letter and four digits), year, serial, then flag or check characters: "W0417 25 118843 6".
_ISBT_DIN: Final = re.compile(
    r"[A-Z](?<![\w-][A-Z])\d{4}[ \t]\d{2}[ \t]\d{6}(?:[ \t][0-9A-Z]{1,2})?(?![\w-])"
)
#: An organism with its genus abbreviated: "S. aureus", "P. aeruginosa" (not an initial). The
#: pattern leads with the capital (a fast scan); the species is looked up in a set.
#: "S. aureus" from its dot on (a literal-led scan, where a capital would stop it at every
#: capital letter), the capital checked behind the dot: a match starts one character earlier.
_GENUS_INITIAL: Final = re.compile(r"\.(?<=[A-Z]\.)[ \t]?([a-z]{4,})\b")
_SPECIES: Final = frozenset(
    [
        "aureus",
        "aeruginosa",
        "coli",
        "pneumoniae",
        "epidermidis",
        "faecalis",
        "faecium",
        "difficile",
        "influenzae",
        "pyogenes",
        "agalactiae",
        "albicans",
        "glabrata",
        "auris",
        "fragilis",
        "marcescens",
        "cloacae",
        "mirabilis",
        "maltophilia",
        "baumannii",
        "jejuni",
        "pylori",
        "gonorrhoeae",
        "trachomatis",
        "meningitidis",
        "catarrhalis",
        "lugdunensis",
        "mutans",
        "monocytogenes",
        "typhi",
        "cereus",
        "perfringens",
        "vulgaris",
        "oxytoca",
        "aerogenes",
        "tuberculosis",
        "avium",
        "kansasii",
        "vaginalis",
        "falciparum",
        "vivax",
        "capitis",
        "hominis",
        "haemolyticus",
        "anginosus",
        "mitis",
        "cepacia",
        "burgdorferi",
        "pallidum",
        "jirovecii",
    ]
)
#: "Candida albicans", "Serratia marcescens": a species after a blank, the genus written out
#: before it read back (a genus may be a given name). (Its matches are found by the one scan of
#: ``_blank_nouns``; this plain form states what that scan finds, and the tests hold it to it.)
_GENUS_SPECIES: Final = re.compile(rf"[ \t](?:{any_of(sorted(_SPECIES))})\b")
_GENUS_BEFORE: Final = re.compile(r"(?<![\w'\u2019-])[A-Z][a-z]{3,}$")
#: A temperature's unit: "2-8 °C." is not an initial before the next sentence.
_DEGREES: Final = re.compile(r"\u00b0[ \t]?[CFK]\b")
#: Blood-bank shorthand in capitals, read as a run of names otherwise: "ABO/Rh: O POS",
#: "DAT POS", "RBC LR, O NEG".
_BLOOD_BANK: Final = re.compile(
    r"(?<![\w-])(?:(?:A|B|AB|O)[ \t]?(?:POS|NEG|Rh[ \t]?(?:POS|NEG|[+-]))|"
    r"DAT[ \t]+(?:POS|NEG|pos|neg|positive|negative)|"
    r"RBC(?:[ \t]+(?:LR|LRD|IRR|WASHED|LR/IRR))*)(?![\w-])"
)
#: An ISBT 128 product code: a letter and four digits for the product ("E0336": red cells,
#: CPD/AS-1, leukoreduced), the type of donation (V volunteer, D directed, A autologous, 0 ...)
#: and a two-character division: "E0336V00". It names a kind of blood component on a unit's
#: label, the same for every patient; the unit's own donation number (DIN) is the identifier.
_ISBT_PRODUCT: Final = re.compile(r"(?<![\w-])[A-Z]\d{4}[A-Z0][0-9A-Z]\d(?![\w-])")
#: A model number of up to six digits (and a short dash group) just before "SN" / "serial":
#: the serial after it is the device's identifier, the model the same on every unit.
_MODEL_BEFORE_SERIAL: Final = re.compile(
    r"(?<![\w-])\d{3,6}(?:-\d{1,3})?(?=[ \t]+(?:SN|S/N|sn|s/n|[Ss]erial|SERIAL)\b)"
)
#: A home-health visit frequency: "3wk2" (three a week for two weeks), "2w3", "1wk4".
_VISIT_FREQUENCY: Final = re.compile(r"(?<![\w-])\d{1,2}wk?\d{1,2}(?![\w-])")
#: Its gate, led by the "w" (a literal first character the engine skips ahead to, where a
#: scan led by a digit class tries every position): a digit, "w", maybe "k", a digit.
_VISIT_FREQUENCY_GATE: Final = re.compile(r"w(?<=\dw)k?\d")
#: A federal form's number ("CMS-2744", "CMS-485", "SSA-827"): the same form for everyone;
#: and a federal rule's ("CMS-4201-F" a final rule, "-P" proposed, "-IFC" interim final), cited
#: in appeal letters: a regulation, not a case.
_FORM_AGENCIES: Final = frozenset(["CMS", "HCFA", "SSA", "OPM"])
_AGENCY_FORM: Final = re.compile(
    r"(?<![\w-])(?:CMS|HCFA|SSA|OPM)-\d{2,5}[A-Z]?(?:-(?:F\d?|P|IFC|FC|CN|N))?(?![\w-])"
)
#: A LOINC code ("2160-0", "98979-8"): up to five digits and a check digit, in a note that
#: names the code system (a lab export's LOINC column); the check digit (mod 10, as Luhn) must
#: hold, so an identifier of that shape in the same note is kept only one time in ten.
_LOINC_CODE: Final = re.compile(r"(?<![\w./-])\d{1,5}-\d(?![\w/]|[.-]\d)")
#: A fax header's page counter: "P.001/007", "Pg. 2/7".
_FAX_PAGE: Final = re.compile(r"(?<![\w.])(?:P|Pg|PG)\.[ \t]?\d{1,3}/\d{1,3}(?![\w/])")
#: An HL7 coded element: "33914-3^eGFR^LN" is a LOINC code with its text and code system.
_CODED_AFTER: Final = re.compile(
    r"\^[^|^\n]*\^(?:LN|SCT|SNM|SNM3|I9C|I10|I10P|I10C|C4|C5|HCPCS|HCPT|NDC|RXNORM|CVX|NUCC|UCUM)\b"
)
_UNIT_AFTER: Final = re.compile(
    r"(?i)[ \t]*(?:mg|mcg|ug|g\b|kg|lbs?|ml|l\b|units?|iu|u\b|%|mmhg|mm|cm|m\b|km|mi\b|miles?|"
    r"cells|copies|/|x10|k\b|meq|mmol|mosm|ng|pg|steps|kcal|cal|calories|bpm|min|sec|seconds|"
    r"minutes|hours?|h\b|days?|years?|yrs?|usd|dollars|ft|feet|in\b|inches|sq|platelets|"
    r"hz|khz|mhz|db\b|ms\b|mv\b|uv\b|lux|rpm|mah|watts?|volts?)"
)
_MONEY_OR_LAB_BEFORE: Final = re.compile(
    r"(?i)(?:\$|usd|plt|platelets?|wbc|anc|count|cd4|viral load|vl|copies|ldh|ck|cpk|"
    r"ferritin|bnp|troponin|d-dimer|steps|weight|wt|height|ht|calories|kcal)[ \t:=~]*$"
)
#: A span of two years ("2014-2019"): a period, not an identifier.
_YEAR_RANGE: Final = re.compile(r"(?:19|20)\d\d-(?:(?:19|20)\d\d|\d\d)")
#: A statute citation before a number: "A.R.S. 13-4503", "RCW 71.05", "§ 1983", "Code 5150".
_STATUTE_BEFORE: Final = re.compile(
    r"(?:(?:[A-Z]\.){2,}|\b[A-Z][a-z]*\.?[ \t]Stat\.?|\bU\.?S\.?C\.?|\bC\.?F\.?R\.?|§+|"
    r"\b(?i:section|sec\.|chapter|ch\.|title|statute|rule|rcw|ors|ilcs))[ \t]*$"
)
#: "0900-0955": a period of clock times.
_TIME_RANGE: Final = re.compile(r"(?:[01]\d|2[0-3])[0-5]\d-(?:[01]\d|2[0-3])[0-5]\d")
#: "lot 1183", "session 8810": a word that announces a number makes five digits enough.
_ID_CUE_BEFORE: Final = re.compile(
    r"(?i)(?:#|\bno\.?|\bnumber|\bnum|\bid|\blic\.?|\blicen[cs]e|\bcert\.?|\blot|\bserial|"
    r"\bsession|\bcase|\bclaim|\bacct|\baccount|\benc|\bpmi|\bbadge|\bgroup|\bgrp)[ \t:#.]*$"
)

# ---------------------------------------------------------------- protected forms

#: HGVS variant notation: c.5946delT, p.Ser1982fs, p.(Arg97Gly), g.123A>G, c.68_69delAG.
_HGVS: Final = re.compile(
    r"(?<![\w.])[cgmnrp]\.\(?[A-Za-z*]{0,3}[-+*]?\d+[A-Za-z0-9_>+*=?-]*\)?(?![\w.])"
)
#: Makes whose names are never a place or a person on their own in notes (the ambiguous ones,
#: such as Lincoln or Mercury, need a year before them).
_MAKES: Final = (
    lx.VEHICLE_WORDS
    | frozenset(
        [
            "freightliner",
            "peterbilt",
            "kenworth",
            "mack",
            "navistar",
            "isuzu",
            "hino",
            "harley-davidson",
            "harley",
            "yamaha",
            "kawasaki",
            "suzuki",
            "polaris",
            "winnebago",
            "pontiac",
            "oldsmobile",
            "plymouth",
            "saturn",
            "scion",
            "lincoln",
            "mercury",
            "international",
            "hummer",
            "saab",
        ]
    )
) - {"mini", "genesis", "ram", "rover", "international", "lincoln", "mercury", "saturn"}
#: Makes that are also words, places or people ("Mercury", "Lincoln", "Saturn"): a car only
#: with its model year before it ("1999 Mercury Grand Marquis").
_YEAR_MAKES: Final = frozenset(["lincoln", "mercury", "saturn", "genesis", "ram"])
_YEAR_MAKE_TOKENS: Final = frozenset(w.title() for w in _YEAR_MAKES) | frozenset(
    w.upper() for w in _YEAR_MAKES
)
_YEAR_BEFORE: Final = re.compile(r"(?<!\d)(?:19|20)\d\d[ \t]+$")
_MODEL_AFTER: Final = re.compile(
    r"(?:[ \t]+(?:[A-Z][A-Za-z0-9-]*|[0-9][A-Za-z0-9-]*[A-Za-z][A-Za-z0-9-]*)){0,2}"
)
_MODEL_WORD: Final = re.compile(r"[^ \t]+")
_HGVS_LEAD: Final = re.compile(r"\.\(?(?:[A-Z*][a-z]{0,2})?-?\d")
_PAYER_SUFFIX: Final = re.compile(
    r"Health Plans?|HEALTH PLANS?|Insurance|INSURANCE|Assurance|ASSURANCE|Mutual|MUTUAL"
)
#: Speed: what every match of ``_PAYER_SUFFIX`` holds, as ``in`` tests (a rare word's absence
#: is found faster by a plain substring search than by the regex's scan for its first letters).
_PAYER_SUFFIX_PARTS: Final = (
    "Health Plan",
    "HEALTH PLAN",
    "Insurance",
    "INSURANCE",
    "Assurance",
    "ASSURANCE",
    "Mutual",
    "MUTUAL",
)
_OF_STATE: Final = re.compile(rf"[ \t]+of[ \t]+(?:{lx.STATE_NAMES})\b")
_PAYER_WORDS: Final = re.compile(r"(?:(?:[A-Z][A-Za-z&'\u2019.-]+|[A-Z]+)[ \t]+){1,4}$")
_NOT_MODEL: Final = (
    frozenset(
        ["plate", "tag", "vin", "PLATE", "TAG", "VIN", "Plate", "Tag", "Lic", "LIC", "License"]
    )
    | lx.STATE_CODES
)
#: An upper-case state code where it is used as a state: after "City," before a ZIP, before a
#: licence board or document ("UT DOPL", "WA CDL", "CA lic."), or before/after "plate".
_STATE_USE_BEFORE: Final = re.compile(
    r"(?:,[ \t]*|(?i:plate|tag|licen[cs]e|lic\.?|state|board|from|in)[ \t:]*)$"
)
_STATE_USE_AFTER: Final = re.compile(
    r"[ \t]*(?:\d{5}|[A-Z]{2,6}\b[ \t]*(?:#|No\.?|number)?[ \t:]*[A-Z]{0,3}[ \t-]?\d|"
    # "WY RN lic. 22-8817": the state that issued a professional licence
    r"[A-Z]{2,6}[ \t]+(?i:lic|licen[cs]e|cert|certificate|registration)\b|"
    r"(?i:plate|tag|lic|licen[cs]e|driver|cdl|medicaid|medicare|board|state)\b|[ \t]*$|[.;)])"
)


_CREDENTIAL_AFTER: Final = re.compile(rf"[ \t]*(?:,[ \t]*|\([ \t]*){lx.CREDENTIALS_TREE}(?![\w])")
_PERSON_CUE_BEFORE: Final = re.compile(
    rf"(?i)\b(?:by|per|{'|'.join(sorted(lx.RELATION_WORDS))})[ \t]+$"
)


def _person_cued(text: str, start: int, end: int) -> bool:
    return bool(
        _CREDENTIAL_AFTER.match(text, end)
        or _PERSON_CUE_BEFORE.search(text, max(0, start - 16), start)
    )


#: The labels of a clinical list written in capitals ("ALLERGIES: PCN, SULFA", "MEDS: ASA,
#: PLAVIX", "DX: CHF, AFIB"): its items are drugs, allergens and diagnoses, never "SURNAME,
#: GIVEN".
_LIST_LABEL: Final = re.compile(
    r"(?i)\b(?:allerg(?:y|ies)|meds|medications?|dx|diagnos[ie]s|problems?|problem[ \t]+list|"
    r"pmh|psh|hx|history|orders?|labs|impression|assessment|procedures?|cultures?|"
    r"immuni[sz]ations|vaccines?|nkda)[ \t]*:[ \t]*$"
)


def _label_before(text: str, start: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    # Speed: a label's colon is the last character before ``start`` other than blanks, and the
    # label is at most 25 characters before it; searching the whole line (a long paragraph in
    # many notes) tried the pattern at each of its characters. The line holds no newline, so
    # ``$`` is ``start`` only, and a search from the label's earliest start finds the same.
    colon = start
    while colon > line_start and text[colon - 1] in " \t":
        colon -= 1
    if colon == line_start or text[colon - 1] != ":":
        return False
    return bool(_LABEL_BEFORE.search(text, max(line_start, colon - 27), start))


# Patterns of a few checks below, compiled once (``re.match`` with a string looks the pattern up
# in the module's cache at every call): the gaps between a name's words before an ID label; a
# statute's section sign or number after dotted capitals; a licence word before a number.
_NAME_GAPS: Final = re.compile(r"[ \t-]+")
_STATUTE_NUMBER_AFTER: Final = re.compile(r"[ \t]*(?:§|\d)")
_LICENCE_WORD: Final = re.compile(r"(?i)\b(?:lic|licen[cs]e|cert|reg|permit)")


class GeneralRecognizer(Recognizer):
    """The general forms of names, dates, ages, places and numbers described above."""

    name: ClassVar[str] = "general"

    def analyze(self, text: str) -> list[Span]:
        return self.run(text, set(_CAP_TOKEN.findall(text)))

    def run(self, text: str, tokens: set[str]) -> list[Span]:
        """The spans, given the set of capitalised tokens of ``text`` (shared with protection)."""
        spans: list[Span] = []
        self._names(text, spans)
        # one lower-cased copy for the cheap ``in`` gates of three passes
        lowered = text.lower()
        self._dates(text, lowered, spans)
        self._ages(text, lowered, spans)
        self._places(text, tokens, spans)
        self._numbers(text, lowered, spans)
        return spans

    @staticmethod
    def _names(text: str, spans: list[Span]) -> None:
        for comma in _COMMA_CAP.finditer(text):
            # every candidate has ", X": find those (a literal scan), then look back and ahead
            pos = comma.start()
            if pos == 0 or not text[pos - 1].isalpha():
                continue
            window = max(0, pos - 34)
            before = text[window:pos].split()
            if text[pos - 1].islower():
                # "his wife of 40 years, Casimir," (plain word checks: no regex per comma)
                rel = before[-1] if before else ""
                if rel == "years" and len(before) >= 4 and before[-3] == "of":
                    rel = before[-4]
                if rel in lx.RELATION_WORDS:
                    m = _APPOSED_NAME.match(text, pos)
                    if m and m.group("name").lower() not in lx.STOP:
                        spans.append(
                            Span("NAME", m.start("name"), m.end("name"), 0.75, "general-name")
                        )
            if not before or not before[-1][:1].isupper():
                continue
            lead = _LAST_BEFORE.search(text, max(window, pos - len(before[-1]) - 1), pos)
            for regex, caps in ((_LAST_FIRST_CAPS, True), (_LAST_FIRST_TITLE, False)):
                m = regex.match(text, lead.start()) if lead else None
                if m is not None:
                    last, first = m.group("last"), m.group("first")
                    # "daughter ABERNATHY-PIKE, JUNE", "HAYWARD, COLM, MT(ASCP)": a relation or a
                    # credential says it is a person even without an initial
                    cued = caps and _person_cued(text, m.start(), m.end())
                    given = first.lower().strip(".")
                    if last.lower() in _NOT_NAME or (
                        given in _NOT_NAME
                        and not (given in lx.MONTH_WORDS and (m.group("mid") or cued))
                    ):
                        continue  # "June" is a given name when an initial follows
                    if last.lower() in lx.EPONYMS or first in _COUNTRY_NAMES:
                        continue  # "Deployment: Erbil, Iraq": a town and its country
                    if len(first) == 2 and first[1] == "." and _SPECIES_AFTER.match(text, m.end()):
                        continue  # "MSSA, P. aeruginosa": an organism, not an initial
                    labelled = _label_before(text, m.start())
                    if (
                        labelled
                        and caps
                        and _LIST_LABEL.search(text, max(0, m.start() - 24), m.start())
                    ):
                        continue  # "ALLERGIES: PCN, SULFA": a clinical list, not SURNAME, GIVEN
                    initials = m.group("mid") is not None or "." in first
                    if labelled or (caps and (initials or cued)):
                        spans.append(Span("NAME", m.start(), m.end(), 0.85, "general-name"))
            m = _LAST_CAPS_FIRST_TITLE.match(text, lead.start()) if lead else None
            if m is not None and GeneralRecognizer._caps_family_name(m.group("last")):
                first = m.group("first").lower()
                if first not in _NOT_NAME and first not in lx.EPONYMS:
                    spans.append(Span("NAME", m.start(), m.end(), 0.8, "general-name"))
        if "MRN" in text or "DOB" in text or "D.O.B." in text or "MR#" in text or "SSN" in text:
            for label in _id_labels_after_name(text):
                m = _NAME_BEFORE_ID.search(text, max(0, label - 60), label)
                if m is None:
                    continue
                words = [w.lower() for w in _NAME_GAPS.split(m.group("name"))]
                if not any(
                    w in lx.STOP or w in lx.ORG_WORDS or w in _NOT_NAME or w in lx.EPONYMS
                    for w in words
                ):
                    spans.append(Span("NAME", m.start("name"), m.end("name"), 0.8, "general-name"))
        if "pell" in text or "PELL" in text:
            for m in _SPELLED_OUT.finditer(text):
                spans.append(Span("NAME", m.start("name"), m.end("name"), 0.8, "general-name"))
        if _DOTTED_GATE.search(text):
            for m in _DOTTED.finditer(text):
                if m.group() in _DOTTED_ABBR or m.group().upper() in _DOTTED_ABBR:
                    continue
                if lx.CREDENTIAL_RE.fullmatch(m.group()):
                    continue  # "F.C.C.P.": a fellowship written with dots
                if _STATUTE_NUMBER_AFTER.match(text[m.end() : m.end() + 3]):
                    continue  # "A.R.S. 13-4503": a statute citation
                if (
                    len(m.group()) >= 6
                    or _DOTTED_CUE_BEFORE.search(text, max(0, m.start() - 14), m.start())
                    # "| R.O. |" (a table cell), "R.O. and" / "R.O. to": a person's initials
                    or _DOTTED_CELL_AFTER.match(text, m.end())
                ):
                    spans.append(Span("NAME", m.start(), m.end(), 0.7, "general-name"))
        if " -" in text or "~" in text or "\u2013" in text or "\u2014" in text:
            for m in _SIGN_OFF.finditer(text):
                if m.group(1).lower() not in lx.STOP and not lx.CREDENTIAL_RE.fullmatch(m.group(1)):
                    spans.append(Span("NAME", m.start(1), m.end(1), 0.7, "general-name"))
        for age in _AN_AGE.finditer(text):
            m = _SUBJECT_BEFORE.search(text, max(0, age.start() - 40), age.start())
            if m is None:
                continue
            words = m.group("name").split()
            if all(w.lower() not in lx.STOP and w.lower() not in lx.STATE_WORDS for w in words):
                spans.append(Span("NAME", m.start("name"), m.end("name"), 0.75, "general-name"))

    @staticmethod
    def _dates(text: str, lowered: str, spans: list[Span]) -> None:
        if any(stem in lowered for stem in _DAY_WORD_STEMS):
            for regex in (_MONTH_DAY_WORDS, _DAY_WORDS_OF):
                for m in regex.finditer(text):
                    spans.append(Span("DATE", m.start(), m.end(), 0.8, "general-date"))
            for m in _THE_LATE_DAY.finditer(text):
                spans.append(Span("DATE", m.start("day"), m.end("day"), 0.8, "general-date"))
        for m in _THE_ORDINAL.finditer(text):
            weekday = _WEEKDAY_BEFORE.search(text, max(0, m.start() - 12), m.start())
            if weekday:
                spans.append(Span("DATE", weekday.start(), m.end(), 0.85, "general-date"))
        if any(word in text for word in _HOLIDAY_HINTS):
            for m in _HOLIDAY.finditer(text):
                spans.append(Span("DATE", m.start(), m.end(), 0.8, "general-date"))
        if any(gate.search(text) for gate in _QUOTED_YEAR):
            for m in _MONTH_SHORT_YEAR.finditer(text):
                spans.append(Span("DATE", m.start(), m.end(), 0.8, "general-date"))
        for slash in _SLASH_DIGIT.finditer(text):
            md = _BARE_MD.match(text, max(0, slash.start() - 2))
            if md is None or md.end(1) != slash.start():
                md = _BARE_MD.match(text, max(0, slash.start() - 1))
                if md is None or md.end(1) != slash.start():
                    continue
            start, end = md.span()
            line_start = text.rfind("\n", 0, start) + 1
            raw_before = text[max(line_start, start - 24) : start].split()
            before = [w.lower() for w in raw_before]
            # "last dose 4/12", "next dose 5/1": when a dose was or will be given;
            # "week of 2/10": the date a period starts
            when = len(before) > 1 and (
                before[-2] in _WHEN_WORDS
                or (len(before) > 2 and before[-2].isdigit() and before[-3] in _NUMBERED_PERIODS)
            )
            period = len(before) > 1 and before[-1] == "of" and before[-2] in _PERIODS
            month, day = int(md.group(1)), int(md.group(2))
            numbered = (
                len(before) > 1
                and before[-1].isdigit()
                and before[-2] in _NUMBERED_PERIODS
                and not (month < day <= 4 or day == 8)  # "Day 1 1/2": a mixed number
            )
            if (
                month == day == 2
                and before
                and before[-1][-1:].isalpha()
                and _SECONDARY_TO.match(text, end)
            ):
                continue
            if before and before[-1][-1:].isdigit() and _md_row(text, start, end):
                spans.append(Span("DATE", start, end, 0.7, "general-date"))
                continue
            if before and (
                # ("(Allred 8/8)": the word read without the bracket before it)
                (before[-1].strip("([:") in _NOT_DATE_WORDS and not when and not period)
                or " ".join(before[-2:]).rstrip(":") in _NOT_DATE_WORDS
                or (before[-1][-1:].isdigit() and not numbered)
                or before[-1] in ("+", "-", "x", "*", "=")
                or _SCORE_LABEL.fullmatch(before[-1].rstrip(":"))
                # "Beighton 2/9", "ILO profusion 1/1": a score named by its eponym or scale
                or before[-1].rstrip(":") in lx.EPONYMS
                or before[-1] == "profusion"
                # "HIV 1/2 Ab", "HSV 1/2 IgG": the virus's two types
                or (md.group() == "1/2" and before[-1] in _VIRUS_TYPED)
                # "STOP-BANG 6/8", "HAS-BLED 3/9": an instrument written as a hyphenated acronym
                or _HYPHENATED_ACRONYM.fullmatch(raw_before[-1].rstrip(":"))
            ):
                continue
            if _NOT_DATE_AFTER.match(text, end):
                continue
            padded = md.group(1).startswith("0") or md.group(2).startswith("0")
            if day in (4, 5, 6, 10) and month <= day and not period and not padded:
                continue  # "4/5 strength", "2/6 murmur", "3/10 pain": a score on a scale
            spans.append(Span("DATE", start, end, 0.7, "general-date"))

    @staticmethod
    def _caps_family_name(last: str) -> bool:
        """A capitalised family name: double-barrelled ("MENDOZA-FRY") or a listed surname
        (acronyms such as "CBC, Chem" or "HEENT, Neck" are neither)."""
        parts = last.lower().split("-")
        if any(p in _NOT_NAME or p in lx.EPONYMS for p in parts):
            return False
        if len(parts) > 1:
            return all(len(p) >= 2 for p in parts)
        return parts[0] in lx.surnames()

    @staticmethod
    def _ages(text: str, lowered: str, spans: list[Span]) -> None:
        if "0s" in text or "ineties" in text:
            for m in _AGE_DECADE.finditer(text):
                spans.append(Span("AGE", m.start(), m.end(), 0.8, "general-age"))
        if any(verb in lowered for verb in _AGE_VERB_HINTS):
            for m in _AGE_VERB.finditer(text):
                spans.append(Span("AGE", m.start("age"), m.end("age"), 0.8, "general-age"))

    @staticmethod
    def _places(text: str, tokens: set[str], spans: list[Span]) -> None:
        if not tokens.isdisjoint(_SETTLEMENT_FEATURES) or not tokens.isdisjoint(_TOWN_PREFIXES):
            _named_settlements(text, tokens, spans)
        _suffixed_towns(text, tokens, spans)
        _unknown_towns(text, spans)
        size = len(text)
        for tok in tokens & _place_keys():
            seps, lengths, singles = _place_lookup(tok)
            for pos in _occurrences(text, tok):
                # the first entry (longest name first) written here and not glued to what
                # follows: a name the text holds at ``pos`` is the one of its length there
                found: tuple[str, int, bool] | None = None
                after = pos + len(tok)
                if lengths and text[after : after + 1] in seps:
                    for length, names in lengths:
                        entry = names.get(text[pos : pos + length])
                        end = pos + length
                        if entry is not None and not (
                            end < size and (text[end].isalnum() or text[end] == "-")
                        ):
                            found = entry
                            break
                if found is None:
                    # the one-word entries (the token itself), glued to nothing after it; for
                    # a list the lookup does not fit, every entry as the index has it
                    for entry in singles:
                        end = pos + len(entry[0])
                        if entry[1] > 1 and not text.startswith(entry[0], pos):
                            continue
                        if not (end < size and (text[end].isalnum() or text[end] == "-")):
                            found = entry
                            break
                if found is None:
                    continue
                name, n, needs_cue = found
                end = pos + len(name)
                if GeneralRecognizer._place_ok(text, n, needs_cue, pos, end):
                    feature = _FEATURE_AFTER.match(text, end)
                    end = feature.end() if feature else end
                    spans.append(Span("LOCATION", pos, end, 0.7, "gazetteer"))

    @staticmethod
    def _place_ok(text: str, n: int, needs_cue: bool, start: int, end: int) -> bool:
        if n == 1 and (_SCORE_AFTER.match(text, end) or _CLASS_AFTER.match(text, end)):
            return False  # "Epworth 6", "Payette type 2": a scale named after a town
        before = text[max(0, start - 24) : start]
        cut = before.rfind("\n")
        words = before[cut + 1 :].split()
        prev = words[-1].rstrip(".").lower() if words else ""
        if prev in _PERSON_TITLES:
            return False  # "Dr. Marion"
        if not needs_cue or _branch_dash_before(before):
            return True
        after = text[end : end + 4].lstrip(", \t")
        if after[:1].isupper() and _PLACE_CUE_AFTER.match(text, end):
            return True
        name = text[start:end]
        if _SITE_AFTER.match(text, end) and name.lower() not in common_words():
            return True  # "at our Silverdale clinic": a branch named by its town
        if after[:1].isupper() and _TRADE_AFTER.match(text, end) and not _worded(name.lower()):
            return True  # "Marion Distribution Center": a town's trade named for it
        if (
            name.isupper()
            and text[end : end + 1] == ","
            and before.rstrip(" \t").endswith(",")
            and places().get(name.title()) is False
        ):
            return True  # "SISTER YVETTE DELACROIX, THIBODAUX, 985-...": a town between commas
        if (
            before.endswith(", ")
            and _STREET_COMMA_BEFORE.search(before)
            and _CLAUSE_END_AFTER.match(text, end)
        ):
            return True  # "Pharmacy on Bolsa Ave, Westminster, fax ...": the street's town
        if n > 1 and before.rstrip(" \t").endswith(",") and _CLAUSE_END_AFTER.match(text, end):
            return True  # "Black Lantern Tattoo, Post Falls;": a town after a business, alone
        if prev == "the" and len(words) > 1:
            prev = words[-2].lower()
        if prev in ("and", "&") and len(words) > 1 and words[-2].strip(",") in places():
            prev = "in"  # "in Tamale and Cape Coast": the second of two places
        if prev not in _PLACE_CUE_WORDS or name.lower() in lx.EPONYMS:
            return False  # "urine output via Foley": an eponym is a place only with its state
        # "from Hope" is a place, "from Hope Baker" (a name after it) is not
        return not _NAME_AFTER.match(text, end)

    @staticmethod
    def _numbers(text: str, lowered: str, spans: list[Span]) -> None:
        if "plate" in lowered or "tag" in lowered:
            for m in _PLATE.finditer(text):
                plate = m.group("plate")
                if any(c.isdigit() for c in plate) and any(c.isalpha() for c in plate):
                    spans.append(Span("VEHICLE", m.start("plate"), m.end("plate"), 0.8, "general"))
        for m in _GRID_ADDRESS.finditer(text) if any(g.search(text) for g in _GRID_GATES) else ():
            spans.append(Span("ADDRESS", m.start(), m.end(), 0.8, "general"))
        if "tail" in lowered or "aircraft" in lowered or "n-number" in lowered:
            for m in _TAIL_NUMBER.finditer(text):
                spans.append(Span("VEHICLE", m.start(1), m.end(1), 0.8, "general"))
        if any(cue in lowered for cue in _GEO_CUES) or _HEMISPHERE.search(text):
            for m in _GEO_POINT.finditer(text):
                hemispheres = m.group("ns") and m.group("ew")
                line_start = text.rfind("\n", 0, m.start()) + 1
                before = lowered[max(line_start, m.start() - 30) : m.start()]
                if hemispheres or any(cue in before for cue in _GEO_CUES):
                    spans.append(Span("LOCATION", m.start(), m.end(), 0.8, "general"))
        mac = (text.count(":") >= 5 and _MAC_GATE_COLON.search(text)) or (
            "-" in text and _MAC_GATE_DASH.search(text)
        )
        for m in _MAC_ADDRESS.finditer(text) if mac else ():
            spans.append(Span("DEVICE", m.start(), m.end(), 0.8, "general"))
        for m in _ISBT_DIN.finditer(text) if "din" in lowered or "tissue" in lowered else ():
            spans.append(Span("ID", m.start(), m.end(), 0.8, "general"))
        if "last" in lowered and "phone" in lowered:
            # "confirmed by DOB + last 4 of phone (0144)": the phone number's last digits, read
            # as the SSN's are
            for m in _PHONE_LAST_FOUR.finditer(text):
                spans.append(Span("PHONE", m.start("d"), m.end("d"), 0.8, "general"))
        if "last" in lowered and _SSN_WORD.search(text):
            for m in _LAST_FOUR.finditer(text):
                line_start = text.rfind("\n", 0, m.start()) + 1
                if _SSN_WORD.search(text, max(line_start, m.start() - 80), m.start("d")):
                    spans.append(Span("SSN", m.start("d"), m.end("d"), 0.8, "general"))


_UNIT_BEFORE: Final = re.compile(
    # not "Unit": before a facility's address that is a hospital unit ("Unit 4B, 1200 ...")
    r"(?<![\w-])(?:Apartment|APARTMENT|Apt\.?|APT\.?|Suite|Ste\.?|STE\.?)[ \t]*#?[ \t]*"
    r"[A-Za-z0-9-]{1,6},[ \t]*$"
)
_BLOCK_OF: Final = re.compile(r"(?<![\w-])\d{2,5}[ \t]+(?:block|BLOCK)[ \t]+(?:of|OF)[ \t]+$")
_TOWN_AFTER_ADDRESS: Final = re.compile(
    r",[ \t]+([A-Z][a-z'\u2019-]+(?:[ \t][A-Z][a-z'\u2019-]+)?)(?=[ \t]*(?:[.;)]|$))", re.MULTILINE
)
_SHAPED_ID: Final = re.compile(r"([A-Z]{2,4})([- ]?)(\d{5,12})")


def _same_shape(text: str, spans: list[Span]) -> list[Span]:
    """ "member ID CA-7719204 (Benny), CA-7719205 (Beatrix)": an identifier with the prefix and
    digit count of one found under a label is of the same kind."""
    shapes: dict[tuple[str, int], str] = {}
    for span in spans:
        if span.source == "labeled-id":
            m = _SHAPED_ID.fullmatch(text, span.start, span.end)
            if m:
                shapes[(m.group(1) + m.group(2), len(m.group(3)))] = span.category
    out: list[Span] = []
    for (prefix, digits), category in shapes.items():
        # a literal search per shape (no pattern compiled per note)
        pos = text.find(prefix)
        while pos >= 0:
            end = pos + len(prefix) + digits
            if (
                text[pos + len(prefix) : end].isdigit()
                and len(text[pos + len(prefix) : end]) == digits
                and (pos == 0 or not (text[pos - 1].isalnum() or text[pos - 1] == "-"))
                and not (text[end : end + 1].isalnum() or text[end : end + 1] == "-")
            ):
                out.append(Span(category, pos, end, 0.7, "same-shape"))
            pos = text.find(prefix, pos + 1)
    return out


#: Identifier categories whose value, once found under a label or a table header, is the
#: same identifier wherever it recurs in the note.
_REPEATED_ID_CATEGORIES: Final = frozenset(
    ["ID", "MRN", "ACCOUNT", "HEALTH_PLAN", "LICENSE", "DEVICE", "VEHICLE"]
)


def _same_value(text: str, spans: list[Span]) -> list[Span]:
    """ "study_id" column "07-004", then "PD-3: 07-004 consented early": a labelled identifier
    (under its label or its column's header) is the same identifier where it recurs bare, in
    prose the label no longer reaches. Only values with 4+ digits, so a short count that
    happens to equal one is left."""
    values: dict[str, str] = {}
    for span in spans:
        if span.category in _REPEATED_ID_CATEGORIES and span.source in ("labeled-id", "cues"):
            value = text[span.start : span.end]
            if sum(c.isdigit() for c in value) >= 4 and len(value) >= 5:
                values.setdefault(value, span.category)
    out: list[Span] = []
    for value, category in values.items():
        # a literal search per value (no pattern compiled per note)
        pos = text.find(value)
        while pos >= 0:
            end = pos + len(value)
            if (pos == 0 or not (text[pos - 1].isalnum() or text[pos - 1] in "-/.")) and not (
                text[end : end + 1].isalnum()
                or text[end : end + 2].rstrip(".,;:)").startswith(("-", "/"))
            ):
                out.append(Span(category, pos, end, 0.7, "same-value"))
            pos = text.find(value, end)
    return out


#: Street types, any case, as an address's last word ("9 KETTLE CT.", "1420 maple ridge dr").
_STREET_TYPE_WORDS: Final = frozenset(
    [
        "st",
        "street",
        "ave",
        "avenue",
        "rd",
        "road",
        "dr",
        "drive",
        "ct",
        "court",
        "ln",
        "lane",
        "blvd",
        "boulevard",
        "way",
        "pl",
        "place",
        "ter",
        "terrace",
        "cir",
        "circle",
        "pkwy",
        "parkway",
        "hwy",
        "highway",
        "trl",
        "trail",
        "loop",
        "pike",
        "sq",
        "square",
    ]
)
#: Route words after which a number is the route's ("COUNTY ROAD 42", "HWY 61 N").
_ROUTE_WORDS: Final = frozenset(
    ["road", "rd", "route", "rte", "rt", "hwy", "highway", "cr", "fm", "sr"]
)
_TAIL_TYPE: Final = re.compile(r"[ \t]+([A-Za-z]{2,9})\b\.?")
_TAIL_UNIT: Final = re.compile(
    r"(?i),?[ \t]+(?:apt|apartment|unit|ste|suite|lot|bldg|trlr|spc|space)\.?[ \t]*#?[ \t]*"
    r"(?:\d[0-9a-z-]{0,5}|[a-z](?:-?\d{1,4})?)\b|,?[ \t]*#[ \t]?\d[0-9a-z-]{0,5}\b"
)
_TAIL_ROUTE_NUMBER: Final = re.compile(
    r"[ \t]+\d{1,4}[a-z]?(?:[ \t]+[NSEW])?\b(?![/:.,-]?\d)", re.IGNORECASE
)


def _address_tails(text: str, spans: list[Span]) -> list[Span]:
    """An address found without its last parts: the street's type where the recognizer
    stopped before it (a type in capitals or lower case: "9 KETTLE CT.", "1420 maple ridge
    dr"), a unit ("Apt 3B", "#4", "Ste 2C"), a route's number and side ("COUNTY ROAD 42").
    The tail goes with the address (a partial removal leaves the unit or the route)."""
    out: list[Span] = []
    for span in spans:
        if span.category != "ADDRESS":
            continue
        end = span.end
        last = text[span.start : end].rsplit(None, 1)[-1].strip(".,").lower()
        if last in _ROUTE_WORDS:
            m = _TAIL_ROUTE_NUMBER.match(text, end)
        elif last not in _STREET_TYPE_WORDS:
            m = _TAIL_TYPE.match(text, end)
            if m is not None and m.group(1).lower() not in _STREET_TYPE_WORDS:
                m = None
        else:
            m = None
        if m is not None:
            end = m.end()
        if (m := _TAIL_UNIT.match(text, end)) is not None:
            end = m.end()
        if end > span.end:
            out.append(Span("ADDRESS", span.start, end, span.score, span.source))
    return out


def followup_spans(text: str, spans: list[Span]) -> list[Span]:
    """Rules that need the spans found so far (nicknames; the catch-all identifier)."""
    out: list[Span] = _address_tails(text, spans)
    for span in spans:
        if span.category == "NAME":
            m = _NICK_AFTER.match(text, span.end)
            if m and m.group("nick").lower() not in lx.STOP:
                out.append(Span("NAME", m.start("nick"), m.end("nick"), 0.8, "nickname"))
            if (
                text[span.end : span.end + 1] == "."
                and text[span.end - 1].isupper()
                and not text[span.end - 2 : span.end - 1].isalpha()
            ):
                # "Signed by Ernest M.": the initial's full stop goes with it
                out.append(Span("NAME", span.start, span.end + 1, span.score, span.source))
            m = _INITIAL_AND_FOUR.match(text, span.end)
            if m and m.group("id")[0] in {w[:1] for w in text[span.start : span.end].split()}:
                # "SUMMERS, STERLING R (S7732)": the family initial and the SSN's last four
                out.append(Span("SSN", m.start("id"), m.end("id"), 0.8, "initial-last4"))
        elif span.category == "DATE":
            if span.start and text[span.start - 1] in " \t":
                lead = _WEEKDAY_BEFORE.search(text, max(0, span.start - 12), span.start)
                if lead:
                    out.append(Span("DATE", lead.start(), span.end, span.score, span.source))
            m = _SHORT_YEAR_AFTER.match(text, span.end)
            if (
                m is None
                and text[span.start].isalpha()
                and (text[span.end - 1].isdigit() or text[span.end - 2 : span.end] in _ORDINALS)
            ):
                # "Oct 3-5", "Oct 3rd-5th": the last day of the range
                m = _DAY_RANGE_AFTER.match(text, span.end)
                if m is None and text[span.end : span.end + 1] == " ":
                    m = _DAY_WORD_RANGE_AFTER.match(text, span.end)
                    if m is not None and int(m["day"]) <= int(
                        text[span.start : span.end].split()[-1].rstrip("stndrh") or 0
                    ):
                        m = None  # "June 30 to 2": not a later day of the same month
            if m:
                # "Nov 11 '46": the year belongs to the date it completes
                out.append(Span("DATE", span.start, m.end(), span.score, span.source))
        elif span.source in ("generic-id", "labeled-id") and span.start > 2:
            m = _PREFIX_BEFORE.search(text, max(0, span.start - 6), span.start)
            if (
                m is not None
                and (
                    len(m.group(1)) >= 2
                    # "MN RN lic. R 1088453": one letter is the number's own after a licence's
                    # word (elsewhere a single capital is a side, a grade or an initial)
                    or _LICENCE_WORD_BEFORE.search(text, max(0, m.start(1) - 14), m.start(1))
                )
                and text[m.end(1) : span.start] == " "
                and m.group(1) not in lx.STATE_CODES
                and m.group(1) not in _LABEL_PREFIXES
            ):
                # "MRN: LMH 3318842": the issuer's letters before the number are part of it
                out.append(Span(span.category, m.start(1), span.end, span.score, span.source))
        elif span.category in ("ADDRESS", "LOCATION"):
            # Speed: the four address rules are not even tried on a place (most of these spans)
            if span.category == "ADDRESS":
                m = _TOWN_ZIP_AFTER.match(text, span.end)
                if m:
                    # "41 ELM ST, YREKA 96097": the town and ZIP after a street (no state)
                    out.append(Span("LOCATION", m.start(1), m.end(1), 0.75, "town-after-street"))
                    out.append(Span("ZIP", m.start(2), m.end(2), 0.8, "zip-after-place"))
                m = _UNIT_BEFORE.search(text, max(0, span.start - 24), span.start)
                if m:
                    # "Apartment 5C, 88 Riverside Drive": the unit written first
                    out.append(Span("ADDRESS", m.start(), span.end, span.score, span.source))
                m = _BLOCK_OF.search(text, max(0, span.start - 24), span.start)
                if m:
                    # "the 2200 block of Fulton St": a street number given as its block
                    out.append(Span("ADDRESS", m.start(), span.end, span.score, span.source))
                m = _TOWN_AFTER_ADDRESS.match(text, span.end)
                if (
                    m
                    and m.group(1).lower() not in lx.STOP
                    and m.group(1).lower() not in lx.STATE_WORDS
                ):
                    # "mailed to PO Box 218, Johnstown.": the town that closes an address
                    out.append(Span("LOCATION", m.start(1), m.end(1), 0.7, "town-after-street"))
            m = _ZIP_AFTER.match(text, span.end)
            if m:
                # "2290 PACKARD ST, ANN ARBOR 48104": a ZIP code after the town, no state
                out.append(Span("ZIP", m.start(1), m.end(1), 0.8, "zip-after-place"))
            elif span.category == "LOCATION" and (m := _DIVISION_AFTER.match(text, span.end)):
                # "GRANT CO EMS", "deschutes county": the county's own word goes with its name
                out.append(Span("LOCATION", span.start, m.end(), span.score, span.source))
    out.extend(_other_identifiers(text, spans))
    out.extend(_same_shape(text, spans))
    out.extend(_same_value(text, spans))
    for m in _CITY_COUNTRY.finditer(text) if _CITY_COUNTRY_GATE.search(text) else ():
        town = m.group(1).lower()
        if town not in lx.STOP and town not in lx.EPONYMS:
            out.append(Span("LOCATION", m.start(1), m.end(1), 0.7, "city-country"))
    if _OID_GATE.search(text):
        for m in _OID.finditer(text):
            out.append(Span("ID", m.start(), m.end(), 0.7, "oid"))
    return out


def _other_identifiers(text: str, spans: Iterable[Span]) -> list[Span]:
    """Any long number no recognizer claimed is an identifier (claim, session, lot, licence...).

    Long numbers in notes are almost always identifiers; the measurements among them carry a
    unit, a lab name or a money sign, and codes carry their code-system label.
    """
    claimed = sorted([(s.start, s.end) for s in spans])  # (a list: cheaper than a generator)
    starts = [s for s, _ in claimed]
    out: list[Span] = []
    for m in (_NUMBER_ASCII if text.isascii() else _NUMBER).finditer(text):
        num_start, end = m.span()
        if end - num_start < 5:
            continue  # most numbers: too short to identify anyone
        num = m.group()
        digits = len(num) - num.count("-") - num.count(" ")
        if digits < 5:
            continue
        lead = _PREFIX_BEFORE.search(text, max(0, num_start - 6), num_start)
        prefix = lead.group(1) if lead else None
        start = lead.start(1) if lead else num_start
        idx = bisect_right(starts, end) - 1
        covered = False
        cut = 0
        while idx >= 0 and claimed[idx][1] > start:
            covered = claimed[idx][0] <= num_start and claimed[idx][1] >= end
            if covered:
                break
            if claimed[idx][0] <= num_start < claimed[idx][1]:
                cut = max(cut, claimed[idx][1])
            idx -= 1
        if covered:
            continue
        if cut:
            # "14 Aug 2025 1331": the year is the date's; what is left is judged on its own
            rest = text[cut:end].lstrip(" -")
            num_start = start = end - len(rest)
            num, prefix = rest, None
            digits = len(num) - num.count("-") - num.count(" ")
            if digits < 5:
                continue
        line_start = text.rfind("\n", 0, start) + 1
        before = text[max(line_start, start - 30) : start]
        if (
            _CODE_LABEL.search(before)
            or _MONEY_OR_LAB_BEFORE.search(before)
            or _STATUTE_BEFORE.search(before)
        ):
            continue
        if _UNIT_AFTER.match(text, end) or _CODED_AFTER.match(text, end):
            continue
        if _YEAR_RANGE.fullmatch(num) or _TIME_RANGE.fullmatch(num) or _value_range(num):
            continue
        if digits < 6 and not (prefix or _ID_CUE_BEFORE.search(before)):
            continue
        if (
            prefix
            and digits < 6
            and not _ID_CUE_BEFORE.search(before)
            and not (_LICENCE_WORD.search(before))
        ):
            continue
        if prefix and prefix in ("CPT", "ICD", "NDC", "CDT", "DRG", "CVX", "RS"):
            continue
        out.append(Span("ID", start, end, 0.6, "other-id"))
    return out


def _value_range(num: str) -> bool:
    """ "135-145", "400-600": a reference or target range of values, not an identifier."""
    low, sep, high = num.partition("-")
    if not sep or "-" in high or not (low.isdigit() and high.isdigit()) or len(high) > 4:
        return False
    if low.startswith("0") or high.startswith("0"):
        return False
    return int(low) < int(high) <= 3 * int(low)


def cap_tokens(text: str) -> set[str]:
    """The set of capitalised tokens of ``text`` (one scan shared by the rules here)."""
    return set(_CAP_TOKEN.findall(text))


#: "tz=America/Chicago": a time-zone name (a region and a city) in a device export.
_TZ_REGIONS: Final = frozenset(
    ["America", "Europe", "Asia", "Africa", "Australia", "Pacific", "Atlantic", "Indian"]
)
_TIME_ZONE: Final = re.compile(
    r"(?<![\w/])(?:America|Europe|Asia|Africa|Australia|Pacific|Atlantic|Indian)"
    r"/[A-Z][A-Za-z_]+(?:/[A-Z][A-Za-z_]+)?"
)
#: "Parkersburg, West Virginia": a two-word state that no town shares, never a name's part.
_TWO_WORD_STATE: Final = re.compile(
    r"(?:West[ \t]+Virginia|North[ \t]+Carolina|South[ \t]+Carolina|North[ \t]+Dakota|"
    r"South[ \t]+Dakota|New[ \t]+Hampshire|New[ \t]+Jersey|New[ \t]+Mexico|Rhode[ \t]+Island)\b"
)
_STATE_FIRST_WORDS: Final = frozenset(["West", "North", "South", "New", "Rhode"])
#: "Twin A", "Baby B": a multiple birth's letter, not an initial.
_TWIN_LETTER: Final = re.compile(r"(?:Twin|Triplet|Baby)[ \t]+[A-C](?![\w.])")
#: A county's word after its name: "County", "county", "COUNTY", "Co.", "CO" (capitals only
#: after a name in capitals: "Grant CO" could be Colorado).
_DIVISION_AFTER: Final = re.compile(
    r" (?:[Cc]ounty|COUNTY|[Pp]arish|PARISH|Co\.|CO(?<=[A-Z]{2} CO)(?!-))(?![\w])"
)
#: "Berg 31/56", "MoCA 17/30": a word before a score out of a maximum names the instrument.
#: Led by the slash and the maximum, the word and the score read back; a score that could be a
#: month and day ("Lee 3/12") is left to the date rules.
_MAXIMUM: Final = re.compile(r"/(\d{2,3})(?![\d/]|\.\d)")
_INSTRUMENT_SCORE_BEFORE: Final = re.compile(r"(?<![\w.'\u2019-])[A-Z][A-Za-z]+[ \t](\d{1,3})$")
#: "St. Clare Birth Center", "ST. ELIZABETH ED": a facility named for a saint (not a person,
#: and no place unless the saint's name is a town's: "St. Louis County" stays one).
_SAINT_FACILITY: Final = re.compile(
    # led by the literal "S" (a fast scan), the boundary before it checked behind it
    r"S(?<![\w.]S)(?:t\.?|aint|T\.?|AINT)[ \t]+([A-Z][A-Za-z]+)(?:['\u2019][sS])?[ \t]+"
    r"(?:(?:Hospital|Medical|Med|Health|Clinic|Hospice|Birth|Cancer|Children's|Academy|School|"
    r"Institute|Church|Parish|Home|Rehab|Rehabilitation|ED|ER|HOSPITAL|MEDICAL|HEALTH|CLINIC|"
    r"HOSPICE|ACADEMY|SCHOOL|INSTITUTE|CHURCH)\b)"
)
_SAINT_GATES: Final = ("St", "ST", "Saint", "SAINT")
#: "MEDIC 31", "Engine 7", "Ladder 3": an emergency unit's call sign names a vehicle of a service,
#: not a person or a place (the unit's plate and VIN stay identifiers).
_EMS_UNIT_WORDS: Final = frozenset(
    w
    for word in ("Medic", "Engine", "Ladder", "Rescue", "Squad", "Ambulance", "Battalion")
    for w in (word, word.upper())
)
_EMS_UNIT: Final = re.compile(
    # the words as a prefix tree (a first letter to scan for), the boundary checked in Python
    trie_alternation("|".join(sorted(_EMS_UNIT_WORDS))) + r"[ \t]+\d{1,3}(?![\w/:-]|\.\d)"
)
#: "Our Lady of Lourdes": a church or hospital named for the Virgin, not a person.
_OUR_LADY: Final = re.compile(r"Our[ \t]+Lady[ \t]+of[ \t]+(?:the[ \t]+)?[A-Z][a-z]+")
#: "RXBIN 610014  RXPCN HMKPA": a pharmacy-benefit manager's routing numbers, the same for
#: every member of a plan (the member and group numbers beside them stay PHI).
_PBM_ROUTING: Final = re.compile(r"\b(?:RX)?(?:BIN|PCN)\b[ \t]*[#:]?[ \t]*([A-Z0-9]{4,10})\b")
#: "Murray score 3.5", "a George Gauge", "Wells criteria": an eponym names the instrument.
#: (the noun found first, the eponym read back from it)
#: The nouns: "score", "Score" or "SCORE" and the like, each as its second letter on, with the
#: letters its first one may be. A noun ends at a word boundary (no start boundary is asked).
_INSTRUMENT_NOUNS: Final = (
    ("core", "Ss"),
    ("cale", "Ss"),
    ("auge", "Gg"),
    ("riteria", "Cc"),
    ("lassification", "Cc"),
    ("CORE", "S"),
    ("CALE", "S"),
    ("AUGE", "G"),
    ("RITERIA", "C"),
    ("LASSIFICATION", "C"),
)
_INSTRUMENT_LOWER: Final = tuple(dict.fromkeys(tail.lower() for tail, _ in _INSTRUMENT_NOUNS))
_EPONYM_BEFORE_NOUN: Final = re.compile(r"([A-Z][a-z]+)(?:['\u2019]s)?[ \t]+$")
_TITLE_BEFORE: Final = re.compile(r"(?:Dr|Mr|Mrs|Ms|Miss)\.?[ \t]+$")


#: The nouns after which one or two capitalised words name a disease, not a person ("Gilbert
#: syndrome", "Bence Jones protein", "Lou Gehrig's disease"). Each is searched as a substring
#: (most notes hold none); the word before is read back from it.
_DISEASE_NOUNS: Final = (" syndrome", " disease", " protein", " Syndrome", " Disease")
_EPONYM_PAIR_BEFORE: Final = re.compile(
    r"(?<![\w'\u2019.-])((?:[A-Z][a-z]+[ \t])?([A-Z][a-z]+))(['\u2019]s)?$"
)


def _eponym_before_disease(text: str, at: int) -> list[tuple[int, int]]:
    """The eponym (one or two words) just before the disease noun at ``at``, if any."""
    m = _EPONYM_PAIR_BEFORE.search(text, max(0, at - 30), at)
    if m is None or _TITLE_BEFORE.search(text, max(0, m.start() - 6), m.start()):
        return []  # "Mrs. Gilbert disease course": a titled name stays a name
    # "Hope's disease has progressed": a given name's possessive is the patient's
    if m.group(3) and name_kind(m.group(2)) in ("first", "amb") and m.group(1) == m.group(2):
        return []
    return [(m.start(), at)]


def _instrument_nouns(text: str) -> list[tuple[int, int]]:
    """Where the nouns of ``_INSTRUMENT_NOUNS`` are in ``text``, in order: the matches of
    ``(?:[Ss]core|...|CLASSIFICATION)\\b``.

    Speed: one substring search per noun (most notes hold none of them) in place of a regex
    that stops at every "s", "g" and "c" of the note. The nouns cannot overlap (each ends at a
    boundary and none holds another that does), so sorting their places gives the regex's
    left-to-right matches.
    """
    out: list[tuple[int, int]] = []
    # Speed: every tail in the lower-cased note first (five searches, most notes hold none): a
    # tail in the note ("core" or "CORE") is one in its copy, as ``str.lower`` maps these ASCII
    # letters one for one (a character it lengthens, "\u0130", only adds to the copy)
    lowered = text.lower()
    if not any(tail in lowered for tail in _INSTRUMENT_LOWER):
        return out
    n = len(text)
    for tail, leads in _INSTRUMENT_NOUNS:
        at = text.find(tail, 1)
        while at >= 0:
            end = at + len(tail)
            # ``\b`` after a word character: no word character (``str.isalnum`` or "_") next
            if text[at - 1] in leads and (
                end == n or not (text[end].isalnum() or text[end] == "_")
            ):
                out.append((at - 1, end))
            at = text.find(tail, at + 1)
    out.sort()
    return out


def _payer_head_pairs() -> tuple[tuple[str, str], ...] | None:
    """Each payer with the capitalised token its name opens with (``None`` if one has none)."""
    pairs = []
    for payer in lx.PAYERS:
        m = _CAP_TOKEN.match(payer)
        if m is None:
            return None
        pairs.append((payer, m.group()))
    return tuple(pairs)


#: Speed: a payer's name found as a whole word opens a capitalised token (the character before
#: it is no token character), and that token is the name's first token, or - where the name is
#: one token - the name followed by "-" and more ("Aetna-Better"). So a note whose tokens hold
#: none of these heads (nor has one before a hyphen) names no payer: a set lookup in place of
#: a scan of the note for every payer's name.
_PAYER_PAIRS: Final = _payer_head_pairs()
_PAYER_HEADS: Final = _PAYER_PAIRS or tuple((payer, "") for payer in lx.PAYERS)
_PAYER_HEAD_SET: Final = frozenset(head for _, head in _PAYER_HEADS)


def _payers_by_head() -> dict[str, tuple[tuple[int, str], ...]]:
    """Each head of ``_PAYER_HEADS`` -> (place there, payer) of the payers it opens."""
    index: dict[str, list[tuple[int, str]]] = {}
    for i, (payer, head) in enumerate(_PAYER_HEADS):
        index.setdefault(head, []).append((i, payer))
    return {head: tuple(entries) for head, entries in index.items()}


_PAYERS_BY_HEAD: Final = _payers_by_head()


def _payer_heads(tokens: set[str]) -> set[str]:
    """The heads of ``_PAYER_HEADS`` that the note's tokens hold (every head: see there)."""
    if _PAYER_PAIRS is None:
        return {""}
    found = tokens & _PAYER_HEAD_SET
    for token in [t for t in tokens if "-" in t]:
        # "Aetna-Better": the token's parts before each hyphen
        cut = token.find("-")
        while cut >= 0:
            if token[:cut] in _PAYER_HEAD_SET:
                found.add(token[:cut])
            cut = token.find("-", cut + 1)
    return found


def protected_ranges(text: str, tokens: set[str] | None = None) -> list[tuple[int, int]]:
    """Ranges that carry clinical or non-identifying meaning and must never be removed."""
    if tokens is None:
        tokens = set(_CAP_TOKEN.findall(text))
    out: list[tuple[int, int]] = []
    for m in _HGVS_LEAD.finditer(text):
        start = m.start() - 1
        if start >= 0 and text[start] in "cgmnrp":
            hgvs = _HGVS.match(text, start)
            if hgvs:
                out.append(hgvs.span())
    for code in tokens.intersection(lx.STATE_CODES):
        for start in _occurrences(text, code):
            end = start + 2
            after = text[end : end + 2]
            if (after[:1] == "." and after[1:].isalnum()) or (
                after[:1] == "-" and after[1:].isdigit()
            ):
                continue  # "DE.60412377", "CA-7719205": an identifier's prefix
            if code == "CO" and _named_county(text, start):
                continue  # "GRANT CO EMS" where the note names "GRANT COUNTY": the county
            line_start = text.rfind("\n", 0, start) + 1
            if _STATE_USE_BEFORE.search(text, max(line_start, start - 12), start) or (
                _STATE_USE_AFTER.match(text, end)
            ):
                out.append((start, end))
    gaz = places()
    # (a comprehension picks the makes among the tokens: the loop body runs for few of them)
    makes = [w for w in tokens if w.lower() in _MAKES]
    for word in makes + sorted(tokens & _YEAR_MAKE_TOKENS):
        dated = word.lower() in _YEAR_MAKES
        for start in _occurrences(text, word):
            year = _YEAR_BEFORE.search(text, max(0, start - 6), start)
            if dated and year is None:
                continue
            models = _MODEL_AFTER.match(text, start + len(word))
            end = start + len(word)
            if models:
                for w in _MODEL_WORD.finditer(models.group()):
                    if w.group() in _NOT_MODEL:
                        break
                    end = start + len(word) + w.end()
            if year is None and end == start + len(word):
                continue  # a make alone: a car only with a model or a model year
            if year is None and (word in gaz or word.title() in gaz):
                continue  # "Plymouth County", "Dodge City": a place unless a year says car
            out.append((year.start() if year else start, end))
    # (the payers of the heads the note holds, in the order of ``_PAYER_HEADS``: the same payers
    # as a loop over all of them that skips a head the note lacks)
    heads = _payer_heads(tokens)
    payers = sorted(entry for head in heads for entry in _PAYERS_BY_HEAD.get(head, ()))
    for _, payer in payers:
        if payer in text:
            for start in _occurrences(text, payer):
                end = start + len(payer)
                state = _OF_STATE.match(text, end)
                out.append((start, state.end() if state else end))
    suffixed = any(part in text for part in _PAYER_SUFFIX_PARTS)
    for m in _PAYER_SUFFIX.finditer(text) if suffixed else ():
        lead = _PAYER_WORDS.search(text, max(0, m.start() - 60), m.start())
        if lead is None:
            continue
        for w in _MODEL_WORD.finditer(text, lead.start(), m.end()):
            # a town inside a payer's name is still a place (annotation convention)
            if gaz.get(w.group()) is False:
                continue
            out.append(w.span())
    for m in _GENUS_INITIAL.finditer(text):
        start = m.start() - 1
        if m.group(1) in _SPECIES and (start == 0 or not text[start - 1].isalnum()):
            out.append((start, m.end()))
    # "Candida albicans", "Serratia marcescens": a genus written out before its species (a
    # genus may be a given name); led by the species' first letter after a blank
    # (the species found by the scan of ``_blank_nouns``: the matches of ``_GENUS_SPECIES``)
    devices, diseases, place_terms, species = _blank_nouns(text)
    for blank, end in species:
        genus = _GENUS_BEFORE.search(text, max(0, blank - 24), blank)
        if genus is not None:
            out.append((genus.start(), end))
    if "\u00b0" in text:
        out.extend(m.span() for m in _DEGREES.finditer(text))
    if "/" in text and not tokens.isdisjoint(_TZ_REGIONS):
        out.extend(m.span() for m in _TIME_ZONE.finditer(text))
    for m in _MAXIMUM.finditer(text) if "/" in text else ():
        score = _INSTRUMENT_SCORE_BEFORE.search(text, max(0, m.start() - 24), m.start())
        if score is None:
            continue
        points, maximum = int(score.group(1)), int(m.group(1))
        if (
            points <= maximum
            and (points > 12 or maximum > 31)
            # "Mrs. Okafor 45/60": a titled name stays a name
            and not _TITLE_BEFORE.search(text, max(0, score.start() - 6), score.start())
        ):
            out.append((score.start(), m.end()))
    if not tokens.isdisjoint(_SAINT_GATES):
        for m in _SAINT_FACILITY.finditer(text):
            saint = m.group(1).title()
            if not any(f"{t} {saint}" in gaz for t in ("St.", "St", "Saint")):
                out.append(m.span())
    if not tokens.isdisjoint(_EMS_UNIT_WORDS):
        out.extend(
            m.span()
            for m in _EMS_UNIT.finditer(text)
            if m.start() == 0 or not (text[m.start() - 1].isalnum() or text[m.start() - 1] in "_-")
        )
    if "Lady" in tokens:
        out.extend(m.span() for m in _OUR_LADY.finditer(text))
    if "Twin" in tokens or "Triplet" in tokens or "Baby" in tokens:
        out.extend(m.span() for m in _TWIN_LETTER.finditer(text))
    if not tokens.isdisjoint(_STATE_FIRST_WORDS):
        out.extend(m.span() for m in _TWO_WORD_STATE.finditer(text))
    if "BIN" in text or "PCN" in text:
        # the label with its value: a follow-up rule that joins "BIN 610591" into one ID must
        # not leave the label word behind
        out.extend(m.span() for m in _PBM_ROUTING.finditer(text))
    for noun_start, noun_end in _instrument_nouns(text):
        eponym = _EPONYM_BEFORE_NOUN.search(text, max(0, noun_start - 30), noun_start)
        if eponym is None:
            continue
        start = eponym.start()
        if (start == 0 or not text[start - 1].isalnum()) and not _TITLE_BEFORE.search(
            text, max(0, start - 6), start
        ):
            out.append((start, noun_end))
    for at in diseases:
        out.extend(_eponym_before_disease(text, at))
    out.extend(_place_named_terms(text, place_terms))
    if tokens.intersection(_DEVICE_MAKERS):
        # "Edwards SAPIEN", "Abbott MitraClip", "Boston Scientific": a device and its maker
        out.extend(m.span() for m in _MAKER_PRODUCT.finditer(text))
    if "POS" in tokens or "NEG" in tokens or "RBC" in tokens or "DAT" in tokens:
        out.extend(m.span() for m in _BLOOD_BANK.finditer(text))
    if "SN" in text or "S/N" in text or "erial" in text or "ERIAL" in text:
        # "LEADS 5076-52 SN PJN7730041": a short model number right before its serial
        out.extend(m.span() for m in _MODEL_BEFORE_SERIAL.finditer(text))
    if _VISIT_FREQUENCY_GATE.search(text):
        out.extend(m.span() for m in _VISIT_FREQUENCY.finditer(text))
    if "-" in text and not tokens.isdisjoint(_FORM_AGENCIES):
        out.extend(m.span() for m in _AGENCY_FORM.finditer(text))
    if "P." in text or "Pg." in text or "PG." in text:
        out.extend(m.span() for m in _FAX_PAGE.finditer(text))
    if "LOINC" in text or "Loinc" in text:
        out.extend(
            m.span() for m in _LOINC_CODE.finditer(text) if luhn_valid(m.group().replace("-", ""))
        )
    if "ISBT" in text or "RODUCT" in text or "roduct" in text:
        # a transfusion log's product column (gated on the words that name it)
        out.extend(m.span() for m in _ISBT_PRODUCT.finditer(text))
    # keep-18 forms (see service.deid.keeps): "Blake drain", "99214-95", "HFNC 40L/60%",
    # "Recall 2/5", "LUE 4/5"
    out.extend(eponym_devices(text, devices))
    if "-" in text:
        out.extend(billing_codes(text))
    if "%" in text:
        out.extend(oxygen_settings(text))
    if "/" in text:
        out.extend(subtest_scores(text))
        out.extend(limb_grades(text))
    return out


#: Nouns of clinical rules, models and diseases that are named after a place: "Seattle Heart
#: Failure Model", "San Francisco syncope rule", "Framingham risk", "Coxsackie virus".
#: (each as its second letter on, with the letters its first one may be: see
#: ``_instrument_nouns``)
_PLACE_TERM_NOUNS: Final = (
    ("ule", "Rr"),
    ("ules", "Rr"),
    ("odel", "Mm"),
    ("isk", "Rr"),
    ("irus", "Vv"),
    ("ever", "Ff"),
    ("riteria", "Cc"),
    ("core", "Ss"),
    ("cale", "Ss"),
    ("lassification", "Cc"),
    ("efinition", "Dd"),
)


#: Speed: the nouns of ``_DEVICE_NOUNS`` ("device"), ``_DISEASE_NOUNS`` ("disease"),
#: ``_PLACE_TERM_NOUNS`` ("place", each first letter with its tail) and the species of
#: ``_GENUS_SPECIES`` all stand after a blank; one scan for a blank and any of their words (a
#: prefix tree, longest word first) finds them all, in place of 37 substring searches (one per
#: noun, each a pass over the note) and the species' own scan. Each word of the scan with the
#: nouns it holds: a noun that is a prefix of a longer one ("rule", "rules") matches wherever
#: the longer one does, and the scan reports the longest only.
_BLANK_NOUN_KINDS: Final = (
    *((noun[1:], "device") for noun in _DEVICE_NOUNS),
    *((noun[1:], "disease") for noun in _DISEASE_NOUNS),
    *((lead + tail, "place") for tail, leads in _PLACE_TERM_NOUNS for lead in leads),
    *((word, "species") for word in sorted(_SPECIES)),
)


def _blank_noun_table() -> dict[str, tuple[tuple[str, str], ...]]:
    """Each word of the scan -> (noun, kind) of every noun it starts with, itself included."""
    words = dict.fromkeys(word for word, _ in _BLANK_NOUN_KINDS)
    return {
        word: tuple((noun, kind) for noun, kind in _BLANK_NOUN_KINDS if word.startswith(noun))
        for word in words
    }


_BLANK_NOUN_TABLE: Final = _blank_noun_table()
_BLANK_NOUN_WORDS: Final = trie_alternation(sorted(_BLANK_NOUN_TABLE, key=len, reverse=True))
#: (led by a plain space where the note has no tab: a literal is a faster scan than a class)
_BLANK_NOUN_SPACE: Final = re.compile(" " + _BLANK_NOUN_WORDS)
_BLANK_NOUN: Final = re.compile("[ \t]" + _BLANK_NOUN_WORDS)
_DEVICE_ORDER: Final = {noun: i for i, noun in enumerate(_DEVICE_NOUNS)}
_DISEASE_ORDER: Final = {noun: i for i, noun in enumerate(_DISEASE_NOUNS)}


def _blank_nouns(
    text: str,
) -> tuple[list[tuple[int, str]], list[int], list[tuple[int, int]], list[tuple[int, int]]]:
    """The places of the nouns of ``_BLANK_NOUN_KINDS``, as their own searches found them:
    the device nouns as :func:`service.deid.keeps.device_nouns` lists them, the places ``at`` of
    the disease nouns (noun by noun, each in text order), :func:`_place_term_nouns` and the
    spans (from the blank) of the matches of ``_GENUS_SPECIES``.

    The same places: the words hold letters only, so no occurrence starts inside another's
    match, and the scan (non-overlapping, left to right) stops at every blank where one of them
    starts; there the longest word that follows is matched and every noun it starts with is
    read from the table. The place nouns' and species' whole-word test is that of
    ``_place_term_nouns`` and of ``\b`` after a letter (where the regex of the species tries
    a shorter species after a longer one fails it, the shorter one is in the table too; at most
    one passes, as a longer one goes on with a letter); the device and disease nouns take their
    space only, as their substring searches do."""
    devices: list[tuple[int, int, str]] = []
    diseases: list[tuple[int, int]] = []
    places_at: list[tuple[int, int]] = []
    species: list[tuple[int, int]] = []
    n = len(text)
    for m in (_BLANK_NOUN if "\t" in text else _BLANK_NOUN_SPACE).finditer(text):
        at = m.start()
        space = text[at] == " "
        for noun, kind in _BLANK_NOUN_TABLE[text[at + 1 : m.end()]]:
            if kind == "place" or kind == "species":
                end = at + 1 + len(noun)
                if end == n or not (text[end].isalnum() or text[end] == "_"):
                    if kind == "place":
                        places_at.append((at + 1, end))
                    else:
                        species.append((at, end))
            elif not space:
                continue
            elif kind == "device":
                devices.append((_DEVICE_ORDER[" " + noun], at, " " + noun))
            else:
                diseases.append((_DISEASE_ORDER[" " + noun], at))
    devices.sort()
    diseases.sort()
    return (
        [(at, noun) for _, at, noun in devices],
        [at for _, at in diseases],
        places_at,
        species,
    )


def _place_term_nouns(text: str) -> list[tuple[int, int]]:
    """Where the nouns of ``_PLACE_TERM_NOUNS`` stand as words after a blank, in order.

    Speed: one substring search per noun in place of a regex led by eleven letter classes."""
    out: list[tuple[int, int]] = []
    n = len(text)
    for tail, leads in _PLACE_TERM_NOUNS:
        at = text.find(tail, 2)
        while at >= 0:
            end = at + len(tail)
            if (
                text[at - 1] in leads
                and text[at - 2] in " \t"
                and (end == n or not (text[end].isalnum() or text[end] == "_"))
            ):
                out.append((at - 1, end))
            at = text.find(tail, at + 1)
    out.sort()
    return out


#: (nouns that a lower-case word may part from the place: "Ottawa ankle rules")
_PLACE_TERM_GAPPED: Final = frozenset(["rule", "rules", "criteria", "score", "scale"])
_CAP_WORD_START: Final = re.compile(r"(?<![\w'\u2019.-])[A-Z][a-z]+")
#: From a capitalised word to the noun: the place (one or two words), then up to three more
#: capitalised words ("Heart Failure") or, before the gapped nouns, one or two lower-case ones.
_PLACE_TERM_HEAD: Final = re.compile(
    r"([A-Z][a-z]+)(?:[ \t]([A-Z][a-z]+))?(?P<gap>(?:[ \t][A-Z][a-z]+){0,3}|"
    r"(?P<low>(?:[ \t][a-z][a-z-]+){1,2}))[ \t]+"
)


def _place_named_terms(
    text: str, nouns: list[tuple[int, int]] | None = None
) -> list[tuple[int, int]]:
    """ "Seattle Heart Failure Model", "San Francisco syncope rule", "Framingham risk 12%",
    "Coxsackie virus": a listed place's name before the noun of a clinical rule, model or
    disease names the instrument or the germ, not where anyone lives. (``nouns``: what
    :func:`_place_term_nouns` returns for ``text``, found here by default.)"""
    out: list[tuple[int, int]] = []
    gaz: dict[str, bool] | None = None
    for ns, noun_end in _place_term_nouns(text) if nouns is None else nouns:
        lo = max(0, ns - 48)
        line = text.rfind("\n", lo, ns)
        lo = line + 1 if line >= 0 else lo
        for word in _CAP_WORD_START.finditer(text, lo, ns):
            head = _PLACE_TERM_HEAD.fullmatch(text, word.start(), ns)
            if head is None:
                continue
            if head.group("low") and text[ns:noun_end].lower() not in _PLACE_TERM_GAPPED:
                continue
            if gaz is None:
                gaz = places()
            first, second = head.group(1), head.group(2)
            if not (
                (second and f"{first} {second}" in gaz)
                or (first in gaz and first.lower() not in lx.STOP)
            ):
                continue
            if _TITLE_BEFORE.search(text, max(0, word.start() - 6), word.start()):
                continue  # "Dr. Warren risk assessment": a person
            out.append((word.start(), noun_end))
            break
    return out


#: Device makers whose names are also surnames or towns.
_DEVICE_MAKERS: Final = frozenset(
    ["Abbott", "Edwards", "Boston", "Stryker", "Zimmer", "Baxter", "Cook", "Gore", "Philips"]
)
#: A maker, then its product: a capitals brand of five letters or more ("SAPIEN", not "NICU"),
#: an inner capital ("MitraClip") and the word that may go on with it ("FreeStyle Libre"), or
#: the maker's own second word ("Boston Scientific").
_MAKER_PRODUCT: Final = re.compile(
    r"(?<![\w-])(?:Boston[ \t]+Scientific\b|"
    r"(?:Abbott|Edwards|Stryker|Zimmer|Baxter|Cook|Gore|Philips)[ \t]+"
    r"(?:[A-Z]{5,}\b|[A-Z][a-z]+[A-Z][A-Za-z]*\b)(?:[ \t][A-Z][a-z]+\b)?)"
)

_WORD_BEFORE_CODE: Final = re.compile(r"([A-Za-z]{3,})[ \t]+$")


def _named_county(text: str, start: int) -> bool:
    """Whether the word before "CO" at ``start`` is named elsewhere as a county."""
    word = _WORD_BEFORE_CODE.search(text, max(0, start - 24), start)
    if word is None:
        return False
    name = word.group(1)
    return f"{name} COUNTY" in text or f"{name} County" in text


def trim(text: str, spans: list[Span], protected: list[tuple[int, int]]) -> list[Span]:
    """Cut protected ranges out of every span (keeping the parts outside them)."""
    if not protected:
        return spans
    protected.sort()
    starts = [s for s, _ in protected]
    out: list[Span] = []
    for span in spans:
        idx = bisect_right(starts, span.end) - 1
        hits = []
        while idx >= 0 and protected[idx][1] > span.start:
            if protected[idx][0] < span.end:
                hits.append(protected[idx])
            idx -= 1
        if not hits:
            out.append(span)
            continue
        pos = span.start
        for p_start, p_end in sorted(hits):
            if p_start > pos:
                out.extend(_piece(text, span, pos, p_start))
            pos = max(pos, p_end)
        if pos < span.end:
            out.extend(_piece(text, span, pos, span.end))
    return out


def _piece(text: str, span: Span, start: int, end: int) -> list[Span]:
    """The part of ``span`` in ``[start, end)`` without the separators left at its edges."""
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    return [Span(span.category, start, end, span.score, span.source)] if end > start else []


#: The instance the engine runs after :data:`service.deid.recognizers.RECOGNIZERS`.
GENERAL: Final = GeneralRecognizer()


def cut_at_tabs(text: str, spans: list[Span]) -> list[Span]:
    """A name, a street or a place never runs across a tab: in a TSV export ("MWF<TAB>ABERNATHY-
    COLE, Winston", "Dr. Osei<TAB>Self", "12<TAB>TTS<TAB>ST. CLAIR, ...") the cells beside one
    are other fields (dialysis days, "Self", a row number), and a name taken with them also
    seeds name propagation into every other row. A span that crosses a tab keeps only its cells
    that can hold one: not a lone ordinary or stop word ("Self", "Wife"), not a lone upper-case
    abbreviation of up to three letters, and for a name not a cell with a digit (identifiers
    have their own recognizers). Where no cell qualifies, a name is kept whole (the safer error)
    and a street or place, read across fields, is dropped."""
    if "\t" not in text:
        return spans
    common = common_words()
    out: list[Span] = []
    for span in spans:
        value = text[span.start : span.end]
        if span.category not in _TAB_CUT or "\t" not in value:
            out.append(span)
            continue
        kept: list[Span] = []
        pos = span.start
        for cell in value.split("\t"):
            words = _CELL_LETTERS.findall(cell)
            if (
                words
                and not (span.category == "NAME" and any(c.isdigit() for c in cell))
                and not (
                    len(words) == 1
                    and (
                        (words[0].isupper() and len(words[0]) <= 3)
                        or words[0].lower() in common
                        or words[0].lower() in lx.STOP
                    )
                )
            ):
                kept.extend(_piece(text, span, pos, pos + len(cell)))
            pos += len(cell) + 1
        out.extend(kept or ([span] if span.category == "NAME" else []))
    return out


_TAB_CUT: Final = frozenset(["NAME", "ADDRESS", "LOCATION"])
_CELL_LETTERS: Final = re.compile(r"[^\W\d_]+")
