"""Date patterns, and shifting a found date by whole days while keeping its written format.

The recognizers in :mod:`service.deid.recognizers` find dates with the patterns below;
:func:`shift_date` re-reads one found date and writes it ``days`` later (or earlier) in the same
style: ``03/14/2021`` stays zero-padded with slashes, ``March 14th`` keeps its ordinal and has no
year, ``Mar-2021`` stays month-year. What cannot be read back returns ``None`` (the operator then
redacts it).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Final

from service.deid import lexicon as lx

_MONTH_NAMES: Final = lx.MONTH_NAMES

#: Month names and abbreviations, any case; a lower-case "may" (the verb) is excluded.
MONTH: Final = (
    r"(?!may\b)(?i:jan(?:uary|\.)?|feb(?:ruary|\.)?|mar(?:ch|\.)?|apr(?:il|\.)?|may|jun(?:e|\.)?|"
    # ("Jun." and "Jul." with their dot, as "Aug." has it: "Return Jun. 4" was not read back)
    r"jul(?:y|\.)?|aug(?:ust|\.)?|sep(?:t(?:ember)?)?\.?|oct(?:ober|\.)?|nov(?:ember|\.)?|"
    r"dec(?:ember|\.)?)"
)
#: (any case: "JUNE 4TH" in a report written in capitals)
_ORD: Final = r"(?i:st|nd|rd|th)"


def month_number(word: str) -> int | None:
    """1-12 for a month name or abbreviation (``Sept.`` included), else ``None``."""
    key = word.lower().rstrip(".")[:3]
    for index, name in enumerate(_MONTH_NAMES):
        if name.startswith(key) and len(key) >= 3:
            return index + 1
    return None


# --- parsing one found date back -------------------------------------------------------------

_Render = Callable[[dt.date], str]
_REF_YEAR: Final = 2000  # a leap year, so "2/29" without a year can still be shifted


def _two_digit_year(yy: int) -> int:
    this_year = dt.date.today().year % 100
    return 2000 + yy if yy <= this_year else 1900 + yy


def _pad(value: int, like: str) -> str:
    return f"{value:02d}" if len(like) == 2 and like.startswith("0") else str(value)


def _month_word(month: int, like: str) -> str:
    full = _MONTH_NAMES[month - 1]
    bare = like.rstrip(".")
    if len(bare) > 4 or bare.lower() in _MONTH_NAMES:
        word = full  # "June" or "July" written out: so is the shifted month
    else:
        # "Sept." is September's own four-letter abbreviation: "Sept." moves to "Oct.", never
        # "Octo.", and "Oct." to "Sept." only when the original wrote it so
        word = "sept" if month == 9 and bare.lower() == "sept" else full[:3]
    if like.endswith("."):
        word += "."
    if like.isupper():
        return word.upper()
    return word.capitalize() if like[:1].isupper() else word


def _ordinal(day: int) -> str:
    if 11 <= day % 100 <= 13:
        return f"{day}th"
    return f"{day}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(day % 10, 'th') }"


def _day_text(day: int, like: str) -> str:
    if like[-2:].isalpha():
        return _ordinal(day).upper() if like.isupper() else _ordinal(day)
    return _pad(day, like)


def _year_text(year: int, like: str) -> str:
    return f"{year % 100:02d}" if len(like) == 2 else str(year)


_NUMERIC_MDY = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})")
_NUMERIC_YMD = re.compile(r"(\d{4})([/.-])(\d{1,2})\2(\d{1,2})")
_NUMERIC_MD = re.compile(r"(\d{1,2})/(\d{1,2})")
_NUMERIC_MY = re.compile(r"(\d{1,2})/(\d{4})")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
#: ("Jun-24": a hyphen between month and day, as in "Jun-24" for June 24th)
_MDY_TEXT = re.compile(rf"({MONTH})(\s+|-)(\d{{1,2}}{_ORD}?)(?:(,?\s+|-)(\d{{4}}))?")
#: "04JUN2024", "4JUN24", "11JUN": a military date glued into one token
_DMY_GLUED = re.compile(rf"(\d{{1,2}})({MONTH})(\d{{4}}|\d{{2}})?")
_DMY_TEXT = re.compile(rf"(\d{{1,2}}{_ORD}?)(\s+(?:of\s+)?)({MONTH})(?:(,?\s+)(\d{{4}}))?")
_DMY_DASH = re.compile(rf"(\d{{1,2}})([-\s])({MONTH})\2(\d{{4}}|\d{{2}})")
_MY_TEXT = re.compile(rf"({MONTH})(,?[\s-]+|[\s/-]*)(\d{{4}})")
_MONTH_ONLY = re.compile(MONTH)
_DAY_ONLY = re.compile(rf"(?:(?i:the)\s+)?(\d{{1,2}}){_ORD}")


#: A weekday, whole or abbreviated, in Title case or capitals ("Tuesday", "Thurs", "WED"); the
#: recognizers find it (a lower-case "sun" or "wed" is a word) and :func:`shift_date` re-reads it.
WEEKDAY: Final = (
    r"(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs?)?|Fri|Sat(?:ur)?|Sun)(?:day)?"
    r"|(?:MON|TUES?|WED(?:NES)?|THU(?:RS?)?|FRI|SAT(?:UR)?|SUN)(?:DAY)?"
)
#: A day of the month in words ("third", "twenty-fifth", "thirty first"), as dictated.
DAY_WORD: Final = (
    r"(?:(?:twenty|thirty)[- ])?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)"
    r"|tenth|eleventh|twelfth|(?:thir|four|fif|six|seven|eigh|nine)teenth|twentieth|thirtieth"
)
#: "Friday, September 5, 2025", "Tue 3/4": a weekday leading the date it names (any case here:
#: a lower-case dictation was read with its capitals restored when the date was found).
_WEEKDAY_LEAD = re.compile(rf"((?i:{WEEKDAY}))(\.?,?\s+)(.+)", re.S)
_WEEKDAY_NAMES: Final = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)


def _weekday_word(when: dt.date, like: str) -> str:
    full = _WEEKDAY_NAMES[when.weekday()]
    word = full if like.lower().endswith("day") else full[:3]
    if like.isupper():
        return word.upper()
    return word if like[:1].isupper() else word.lower()


def _read(text: str) -> tuple[dt.date, _Render] | None:
    s = text.strip()
    read = _read_one(s)
    if read is None and ("  " in s or " /" in s or " -" in s or " ," in s):
        # typewriter spacing ("4 / 19 / 1925", "Friday ,  November  8th"): read, and written
        # back, closed up
        return _read_one(_CLOSE_UP_SPACE.sub("", _SPACE_RUN.sub(" ", s)))
    return read


def _read_one(s: str) -> tuple[dt.date, _Render] | None:
    lead = _WEEKDAY_LEAD.fullmatch(s)
    if lead:
        # the weekday is written again for the shifted date, so the two never disagree
        inner = _read_date(lead.group(3))
        if inner is None:
            return None
        when, render = inner
        like, gap = lead.group(1), lead.group(2)
        return when, lambda x: f"{_weekday_word(x, like)}{gap}{render(x)}"
    return _read_date(s)


#: Spaces before a separator or comma, or after a slash or hyphen, in a typewriter date.
_CLOSE_UP_SPACE: Final = re.compile(r" (?=[,/.-])|(?<=[/-]) ")
_SPACE_RUN: Final = re.compile(r"[ \t]+")


def _read_date(s: str) -> tuple[dt.date, _Render] | None:
    try:
        if m := _NUMERIC_YMD.fullmatch(s):
            y, sep, mo, d = m.groups()
            return dt.date(
                int(y), int(mo), int(d)
            ), lambda x: f"{x.year}{sep}{_pad(x.month, mo)}{sep}{_pad(x.day, d)}"
        if m := _NUMERIC_MDY.fullmatch(s):
            mo, sep, d, y = m.groups()
            year = int(y) if len(y) == 4 else _two_digit_year(int(y))
            if int(mo) > 12 >= int(d):
                # 30/06/1958: day first (letters from the UK and most of the world)
                return dt.date(
                    year, int(d), int(mo)
                ), lambda x: f"{_pad(x.day, mo)}{sep}{_pad(x.month, d)}{sep}{_year_text(x.year, y)}"
            return dt.date(
                year, int(mo), int(d)
            ), lambda x: f"{_pad(x.month, mo)}{sep}{_pad(x.day, d)}{sep}{_year_text(x.year, y)}"
        if m := _NUMERIC_MY.fullmatch(s):
            mo, y = m.groups()
            return dt.date(int(y), int(mo), 15), lambda x: f"{_pad(x.month, mo)}/{x.year}"
        if m := _NUMERIC_MD.fullmatch(s):
            mo, d = m.groups()
            return dt.date(
                _REF_YEAR, int(mo), int(d)
            ), lambda x: f"{_pad(x.month, mo)}/{_pad(x.day, d)}"
        if m := _COMPACT.fullmatch(s):
            if s[0] in "12" and (1 <= int(m[2]) <= 12 or s[4:6] not in ("19", "20")):
                return dt.date(int(m[1]), int(m[2]), int(m[3])), lambda x: x.strftime("%Y%m%d")
            if s[4:6] in ("19", "20"):
                # "06042024": month, day and year run together (a file name's date)
                return dt.date(int(s[4:]), int(s[:2]), int(s[2:4])), lambda x: x.strftime("%m%d%Y")
        if m := _DMY_DASH.fullmatch(s):
            d, sep, mon, y = m.groups()
            month = month_number(mon)
            year = int(y) if len(y) == 4 else _two_digit_year(int(y))
            if month:
                return (
                    dt.date(year, month, int(d)),
                    lambda x: (
                        f"{_pad(x.day, d)}{sep}{_month_word(x.month, mon)}{sep}"
                        f"{_year_text(x.year, y)}"
                    ),
                )
        if m := _DMY_GLUED.fullmatch(s):
            d, mon, y = m.groups()
            month = month_number(mon)
            if month:
                year = (int(y) if len(y) == 4 else _two_digit_year(int(y))) if y else _REF_YEAR
                return (
                    dt.date(year, month, int(d)),
                    lambda x: (
                        f"{_pad(x.day, d)}{_month_word(x.month, mon)}"
                        + (_year_text(x.year, y) if y else "")
                    ),
                )
        if m := _MDY_TEXT.fullmatch(s):
            mon, gap, d, gap2, y = m.groups()
            month = month_number(mon)
            if month:
                year = int(y) if y else _REF_YEAR
                return (
                    dt.date(year, month, int(d.rstrip("stndrhSTNDRH"))),
                    lambda x: (
                        f"{_month_word(x.month, mon)}{gap}{_day_text(x.day, d)}"
                        + (f"{gap2}{x.year}" if y else "")
                    ),
                )
        if m := _DMY_TEXT.fullmatch(s):
            d, gap, mon, gap2, y = m.groups()
            month = month_number(mon)
            if month:
                year = int(y) if y else _REF_YEAR
                return (
                    dt.date(year, month, int(d.rstrip("stndrhSTNDRH"))),
                    lambda x: (
                        f"{_day_text(x.day, d)}{gap}{_month_word(x.month, mon)}"
                        + (f"{gap2}{x.year}" if y else "")
                    ),
                )
        if m := _MY_TEXT.fullmatch(s):
            mon, gap, y = m.groups()
            month = month_number(mon)
            if month:
                return dt.date(
                    int(y), month, 15
                ), lambda x: f"{_month_word(x.month, mon)}{gap}{x.year}"
        if m := _MONTH_ONLY.fullmatch(s):
            month = month_number(s)
            if month:
                return dt.date(_REF_YEAR, month, 15), lambda x: _month_word(x.month, s)
        if m := _DAY_ONLY.fullmatch(s):
            prefix = s[: m.start(1)]
            upper = s.isupper()
            return dt.date(
                _REF_YEAR, 1, int(m[1])
            ), lambda x: prefix + (_ordinal(x.day).upper() if upper else _ordinal(x.day))
    except ValueError:  # day 31 in a 30-day month and the like: not a date we can shift
        return None
    return None


def parse_date(text: str) -> dt.date | None:
    """The calendar date a found date stands for (a reference year where it has none)."""
    read = _read(text)
    return read[0] if read else None


def shift_date(text: str, days: int) -> str | None:
    """``text`` moved by ``days`` days, written in the same format; ``None`` if unreadable."""
    read = _read(text)
    if read is None:
        return None
    when, render = read
    try:
        return render(when + dt.timedelta(days=days))
    except OverflowError:
        return None


_YEAR_IN: Final = re.compile(r"(?<!\d)(1[89]\d{2}|20\d{2})(?!\d)")


def year_of(text: str) -> str | None:
    """The four-digit year a date mentions, if it mentions one (for the ``generalize`` operator)."""
    m = _YEAR_IN.search(text)
    if m:
        return m.group(1)
    m = _NUMERIC_MDY.fullmatch(text.strip())
    if m and len(m.group(4)) == 2:
        return str(_two_digit_year(int(m.group(4))))
    return None
