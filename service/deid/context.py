"""What the request tells us about the people in a note, and how to find those values in text.

:class:`DeidContext` is built from plain FHIR R4 JSON (Patient, RelatedPerson, Practitioner,
PractitionerRole) with :meth:`DeidContext.from_fhir`. Its values become literal patterns that
tolerate the ways notes write them: any case for names, any separators for phone and identifier
digits, every common format for a birth date, initials with or without dots.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Final

from service.deid import lexicon as lx
from service.deid.prefix_search import ascii_cases, trie_alternation
from service.deid.spans import Span, token_occurrences

#: FHIR identifier type codes (v2-0203) and systems -> our category.
_IDENTIFIER_TYPES: Final = {
    "MR": "MRN",
    "MRT": "MRN",
    "PI": "MRN",
    "SS": "SSN",
    "SB": "SSN",
    "DL": "LICENSE",
    "NPI": "LICENSE",
    "PRN": "LICENSE",
    "MD": "LICENSE",
    "LN": "LICENSE",
    "MB": "HEALTH_PLAN",
    "MC": "HEALTH_PLAN",
    "MA": "HEALTH_PLAN",
    "SN": "HEALTH_PLAN",
    "AN": "ACCOUNT",
    "AM": "ACCOUNT",
    "PPN": "ID",
}
_IDENTIFIER_SYSTEMS: Final = (
    ("us-ssn", "SSN"),
    ("us-npi", "LICENSE"),
    ("us-mbi", "HEALTH_PLAN"),
    ("medicare", "HEALTH_PLAN"),
    ("medicaid", "HEALTH_PLAN"),
    ("driver", "LICENSE"),
    ("mrn", "MRN"),
)


@dataclass(frozen=True)
class DeidContext:
    """Known values about the patient and the people around them, plus the replacement keys."""

    names: tuple[str, ...] = ()
    #: Initials as letter strings ("JS", "JAS").
    initials: tuple[str, ...] = ()
    #: ISO dates (``YYYY-MM-DD``) such as the birth date.
    dates: tuple[str, ...] = ()
    #: ``(category, value)`` pairs, category one of :data:`service.deid.CATEGORIES`.
    identifiers: tuple[tuple[str, str], ...] = ()
    phones: tuple[str, ...] = ()
    faxes: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    #: Street lines ("1187 W Belmont Ave Apt 2R").
    addresses: tuple[str, ...] = ()
    #: Cities, districts/counties.
    locations: tuple[str, ...] = ()
    zips: tuple[str, ...] = ()
    #: Secret for surrogates and the date shift (``Settings.secret``).
    key: bytes = field(default=b"", repr=False)
    #: Stable per-patient key ("Patient/123"): same patient, same surrogates and date shift.
    subject_key: str = ""
    #: Per-category operator overrides (see :func:`service.deid.parse_operator_config`).
    operators: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def has_values(self) -> bool:
        return bool(
            self.names
            or self.initials
            or self.dates
            or self.identifiers
            or self.phones
            or self.faxes
            or self.emails
            or self.urls
            or self.addresses
            or self.locations
            or self.zips
        )

    @classmethod
    def from_fhir(
        cls,
        *,
        patient: Mapping[str, Any] | None = None,
        related: Sequence[Mapping[str, Any]] = (),
        key: bytes = b"",
        operators: Mapping[str, str] | None = None,
    ) -> DeidContext:
        """Collect names, initials, birth date, identifiers, telecom and addresses.

        ``patient`` is a FHIR R4 Patient as a dict; ``related`` may hold RelatedPerson,
        Practitioner and PractitionerRole dicts (their names, telecom, identifiers and
        addresses are PHI too). Unknown or malformed elements are skipped, never raised on.
        """
        acc = _Collector()
        subject_key = ""
        if patient:
            acc.resource(patient, initials=True)
            if isinstance(patient.get("id"), str):
                subject_key = f"Patient/{patient['id']}"
            elif acc.identifiers:
                subject_key = "Identifier/" + acc.identifiers[0][1]
        for resource in related:
            if isinstance(resource, Mapping):
                acc.resource(resource, initials=False)
        if operators:
            from service.deid.operators import validate_operators

            validate_operators(operators)
        return cls(
            names=tuple(dict.fromkeys(acc.names)),
            initials=tuple(dict.fromkeys(acc.initials)),
            dates=tuple(dict.fromkeys(acc.dates)),
            identifiers=tuple(dict.fromkeys(acc.identifiers)),
            phones=tuple(dict.fromkeys(acc.phones)),
            faxes=tuple(dict.fromkeys(acc.faxes)),
            emails=tuple(dict.fromkeys(acc.emails)),
            urls=tuple(dict.fromkeys(acc.urls)),
            addresses=tuple(dict.fromkeys(acc.addresses)),
            locations=tuple(dict.fromkeys(acc.locations)),
            zips=tuple(dict.fromkeys(acc.zips)),
            key=key,
            subject_key=subject_key,
            operators=MappingProxyType(dict(operators or {})),
        )


class _Collector:
    def __init__(self) -> None:
        self.names: list[str] = []
        self.initials: list[str] = []
        self.dates: list[str] = []
        self.identifiers: list[tuple[str, str]] = []
        self.phones: list[str] = []
        self.faxes: list[str] = []
        self.emails: list[str] = []
        self.urls: list[str] = []
        self.addresses: list[str] = []
        self.locations: list[str] = []
        self.zips: list[str] = []

    def resource(self, res: Mapping[str, Any], *, initials: bool) -> None:
        for name in _list(res.get("name")):
            self.human_name(name, initials=initials)
        practitioner = res.get("practitioner")
        if isinstance(practitioner, Mapping) and isinstance(practitioner.get("display"), str):
            self.names.append(practitioner["display"])
        for date_key in ("birthDate", "deceasedDateTime"):
            value = res.get(date_key)
            if isinstance(value, str) and re.match(r"\d{4}-\d{2}-\d{2}", value):
                self.dates.append(value[:10])
        for ident in _list(res.get("identifier")):
            self.identifier(ident)
        for telecom in _list(res.get("telecom")):
            self.telecom(telecom)
        for address in _list(res.get("address")):
            self.address(address)

    def human_name(self, name: Any, *, initials: bool) -> None:
        if not isinstance(name, Mapping):
            return
        given = [g for g in _list(name.get("given")) if isinstance(g, str) and g.strip()]
        family = name.get("family") if isinstance(name.get("family"), str) else ""
        for part in [*given, family]:
            if part:
                self.names.append(part)
        if isinstance(name.get("text"), str):
            self.names.append(name["text"])
        if initials and given and family:
            letters = [g[0].upper() for g in given] + [family[0].upper()]
            self.initials.append(letters[0] + letters[-1])
            if len(letters) > 2:
                self.initials.append("".join(letters))

    def identifier(self, ident: Any) -> None:
        if not isinstance(ident, Mapping) or not isinstance(ident.get("value"), str):
            return
        value = ident["value"].strip()
        if len(re.sub(r"\W", "", value)) < 3:
            return
        category = "ID"
        system = str(ident.get("system", "")).lower()
        for needle, cat in _IDENTIFIER_SYSTEMS:
            if needle in system:
                category = cat
        type_ = ident.get("type")
        if isinstance(type_, Mapping):
            for coding in _list(type_.get("coding")):
                if isinstance(coding, Mapping) and coding.get("code") in _IDENTIFIER_TYPES:
                    category = _IDENTIFIER_TYPES[str(coding["code"])]
        self.identifiers.append((category, value))

    def telecom(self, telecom: Any) -> None:
        if not isinstance(telecom, Mapping) or not isinstance(telecom.get("value"), str):
            return
        value, system = telecom["value"].strip(), telecom.get("system")
        if system == "email" or "@" in value:
            self.emails.append(value.removeprefix("mailto:"))
        elif system == "fax":
            self.faxes.append(value)
        elif system == "url":
            self.urls.append(value)
        elif sum(c.isdigit() for c in value) >= 7:
            self.phones.append(value)

    def address(self, address: Any) -> None:
        if not isinstance(address, Mapping):
            return
        for line in _list(address.get("line")):
            if isinstance(line, str) and line.strip():
                self.addresses.append(line.strip())
        for key in ("city", "district"):
            if isinstance(address.get(key), str) and address[key].strip():
                self.locations.append(address[key].strip())
        postal = address.get("postalCode")
        if isinstance(postal, str) and re.match(r"\d{5}", postal.strip()):
            self.zips.append(postal.strip()[:5])


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


# --- finding context values in text -------------------------------------------------------------

_MONTHS: Final = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def date_variants(iso: str) -> list[str]:
    """The ways a note may write one date: 03/14/1948, 3/14/48, 14 Mar 1948, March 14, 1948..."""
    try:
        d = dt.date.fromisoformat(iso[:10])
    except ValueError:
        return []
    y, yy, m, day = str(d.year), f"{d.year % 100:02d}", d.month, d.day
    full, abbr = _MONTHS[m - 1], _MONTHS[m - 1][:3]
    out = {iso[:10], d.strftime("%Y%m%d"), f"{y}/{m:02d}/{day:02d}"}
    for mo in {str(m), f"{m:02d}"}:
        for dd in {str(day), f"{day:02d}"}:
            for sep in "/-.":
                out.update({f"{mo}{sep}{dd}{sep}{y}", f"{mo}{sep}{dd}{sep}{yy}"})
                out.add(f"{dd}{sep}{mo}{sep}{y}")
        out.add(f"{day:02d}-{abbr}-{y}")
    for mon in (full, abbr, abbr + "."):
        out.update(
            {
                f"{mon} {day}, {y}",
                f"{mon} {day} {y}",
                f"{day} {mon} {y}",
                f"{day}-{mon}-{y}",
                f"{day}-{mon}-{yy}",
                f"{mon} {day}",
                f"{day} {mon}",
            }
        )
    return sorted(out, key=len, reverse=True)


# Speed: a case-insensitive alternation whose branches open with ``\b`` or a look-behind gives
# the regex engine no first character to scan for, so every branch is tried at every position.
# Each pattern below also comes in a "led" form, ``(lead, branch)``: ``lead`` holds every
# character its match may start with, and ``branch`` is the pattern from the second character
# on, checking the first one and the assertions before it by looking back. A category whose
# patterns all have one is compiled as ``(?-i:[leads])(?:branch1|branch2|...)``: the engine
# scans for the class, then tries the branches in the order written, exactly as the plain
# alternation would have at that position.
_Led = tuple[str, str]


def _any_case(ascii_class: str) -> str:
    """``[ascii_class]`` as ``(?i)`` reads it (with U+0130, U+0131, U+017F and the Kelvin sign),
    written so that it compiles ten times faster under ``re.IGNORECASE``."""
    return rf"(?:(?-i:[{ascii_class}])|\u0130|\u0131|\u017f|\u212a)"


#: ``[A-Za-z0-9]``, ``[A-Za-z.]`` and ``[A-Za-z]`` under ``re.IGNORECASE``.
_ALNUM: Final = _any_case("A-Za-z0-9")
_LETTER_DOT: Final = _any_case("A-Za-z.")
#: Before a patient's initials: no letter, dot or digit ("PIV 18G L AC" holds no "G L": a
#: gauge glued to its number, then a side).
_LETTER_DIGIT_DOT: Final = _any_case("A-Za-z0-9.")
_ASCII_LETTER: Final = _any_case("A-Za-z")


def _after_boundary(char: str) -> str:
    """``\\b`` before ``char``, checked one character later (``char`` is known to be there)."""
    return r"(?<!\w\w)" if re.match(r"\w", char) else r"(?<=\w(?s:.))"


def _exact_led(char: str, rest: str) -> _Led:
    """The led form of a pattern whose first character ``char`` must match as written (not in
    any case): led by ``char`` alone, checked behind the rest."""
    return char, rf"(?<=(?-i:{re.escape(char)})){rest}"


def _digits_pattern(value: str, *, min_digits: int = 7) -> str | None:
    digits = re.sub(r"\D", "", value)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) < min_digits:
        return None
    body = r"[\s.()-]{0,2}".join(digits)
    if len(digits) == 10:  # also the local 7-digit form
        sep = r"[\s.-]?"
        local = sep.join(digits[3:6]) + sep + sep.join(digits[6:])
        body = rf"(?:\+?1[\s.-]?)?\(?{body}|{local}"
    return rf"(?<![\d])(?:{body})(?!\d)"


def _id_pattern(value: str) -> tuple[str, _Led | None]:
    chars = [c for c in value if c.isalnum()]
    plain = r"(?<![A-Za-z0-9])" + r"[\s./-]?".join(re.escape(c) for c in chars) + r"(?![A-Za-z0-9])"
    cases = ascii_cases(chars[0]) if chars else None
    if cases is None:
        return plain, None
    rest = "".join(r"[\s./-]?" + re.escape(c) for c in chars[1:])
    first = re.escape(chars[0])
    return plain, (cases, rf"(?<={first})(?<!{_ALNUM}(?s:.)){rest}(?!{_ALNUM})")


#: The blanks and commas between a name's words (compiled once: ``re.split`` with a string looks
#: the pattern up in the module's cache at every call).
_NAME_SEPARATORS: Final = re.compile(r"[\s,]+")


def _literal(value: str) -> tuple[str, _Led | None]:
    raw = [w for w in _NAME_SEPARATORS.split(value.strip()) if w]
    words = [re.escape(w) for w in raw]
    plain = r"\b" + r"[\s,.]+".join(words) + r"(?![\w])"
    cases = ascii_cases(raw[0][0]) if raw else None
    if cases is None:
        return plain, None
    first = raw[0][0]
    rest = re.escape(raw[0][1:]) + "".join(r"[\s,.]+" + w for w in words[1:])
    return plain, (cases, rf"(?<={re.escape(first)}){_after_boundary(first)}{rest}(?![\w])")


def _escaped(value: str) -> tuple[str, _Led | None]:
    cases = ascii_cases(value[:1])
    if cases is None:
        return re.escape(value), None
    return re.escape(value), (cases, f"(?<={re.escape(value[0])}){re.escape(value[1:])}")


def _led_words(words: Sequence[str]) -> str | None:
    """``(?:w1|w2|...)`` of the ASCII ``words`` (escaped) for use under ``(?i)``, led by a class
    of their first characters and written as prefix trees (``None`` where that cannot be done).
    A birth date has some sixty variants: as a tree the regex is a third of the size."""
    groups: dict[str, list[str]] = {}
    seen: set[str] = set()
    for word in words:
        key = word.lower()
        if key in seen:
            continue  # a later copy of a branch cannot match where the first did not
        seen.add(key)
        if len(key) < 2 or ascii_cases(key[0]) is None:
            return None
        groups.setdefault(key[0], []).append(key[1:])
    if not groups:
        return None
    lead = "".join(ascii_cases(first) or "" for first in groups)
    branches = []
    for first, tails in groups.items():
        try:
            tree = trie_alternation(tails, ignore_case=True)
        except ValueError:
            tree = "(?:" + "|".join(re.escape(t) for t in tails) + ")"
        branches.append(f"(?<={re.escape(first)}){tree}")
    return f"(?-i:[{_class_of(lead)}])(?:{'|'.join(branches)})"


def _class_of(chars: str) -> str:
    return "".join(re.escape(c) for c in dict.fromkeys(chars))


@dataclass(frozen=True)
class _Value:
    """One context value: how its pattern is made, and what every match of it holds.

    Speed: the pattern and its led form are made from ``kind`` and ``source`` only where a
    note may hold the value (a request's patient is usually new, and writing every value's
    pattern cost more than finding the few that a note holds)."""

    #: A key of ``_FORMS``: which function makes the pattern and led form of ``source``.
    kind: str
    source: str
    #: Lower-case ASCII strings that every match holds in some case (a note without one of
    #: them cannot match, and the pattern is left out of that note's regex).
    gate: tuple[str, ...] = ()
    #: Strings that every match holds as written.
    exact: tuple[str, ...] = ()
    #: A name as lower-case ASCII words (see :func:`_word_end`), or initials as upper-case
    #: ASCII letters (see :func:`_initials_end`): the value is found by ``str.find`` without a
    #: regex (``_words``/``_letters`` of the value's own text, empty where it has no such form).
    words: tuple[str, ...] = ()
    letters: str = ""
    #: Digits that every match holds one after another once the note's other characters are
    #: taken out (a phone number's last seven).
    digits: str = ""
    #: Lower-case ASCII letters and digits that every match holds one after another once the
    #: note's spaces, dots, slashes and hyphens are taken out (an identifier's characters).
    squeezed: str = ""

    @property
    def pattern(self) -> str:
        return _FORMS[self.kind](self.source)[0]


@dataclass(frozen=True)
class _Matcher:
    #: ``(category, values)`` in the order found; the DATE entry holds no values (see ``dates``).
    groups: tuple[tuple[str, tuple[_Value, ...]], ...]
    name_seeds: tuple[str, ...]
    #: Every birth-date variant and its lower-case form. Speed: kept as plain strings and made
    #: into values only for the variants a note holds (some sixty per date, and the patient is
    #: usually new: building them all cost more than the search).
    dates: tuple[tuple[str, str], ...] = ()


#: What ends a birth-date variant (see ``_dates_found`` for what may come before one).
_DATE_END: Final = r"(?![\w/-]|\.\d)"
#: The characters other than an ASCII letter's two cases that ``(?i)`` matches it with and
#: ``str.lower`` does not turn into it (the Kelvin sign does become "k"); a note holding one is
#: matched against every value, ungated.
_CASE_ODDITIES: Final = ("\u0130", "\u0131", "\u017f")


def _ascii_words(value: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in _NAME_SEPARATORS.split(value.strip()) if w and w.isascii())


@lru_cache(maxsize=512)
def _matcher(ctx: DeidContext) -> _Matcher:
    # Speed: nothing is compiled here. A request's patient is usually new, and compiling every
    # value (some sixty variants per birth date) cost more than the whole note's search;
    # ``context_spans`` compiles only the values whose literal parts the note holds.
    groups: dict[str, list[_Value]] = {}

    def add(category: str, value: _Value | None) -> None:
        if value is not None:
            groups.setdefault(category, []).append(value)

    seeds: list[str] = []
    for name in ctx.names:
        if len(name) >= 2:
            gate = _ascii_words(name)
            add("NAME", _Value("literal", name, gate=gate, words=_words(name, gate)))
        for token in _NAME_SEPARATORS.split(name):
            token = token.strip(".")
            if len(token) >= 2 and token.lower() not in lx.TITLES:
                seeds.append(token)
    for letters in ctx.initials:
        add("NAME", _Value("initials", letters, exact=(letters[0],), letters=_letters(letters)))
    dates: list[tuple[str, str]] = []
    for iso in ctx.dates:
        variants = date_variants(iso)
        if variants:
            groups.setdefault("DATE", [])
            dates += [(variant, variant.lower()) for variant in variants]
    for category, value in ctx.identifiers:
        chars = "".join(c for c in value if c.isalnum())
        squeezed = chars.lower() if chars.isascii() else ""
        add(category, _Value("id", value, squeezed=squeezed))
    for phone in ctx.phones:
        add("PHONE", _digits_value(phone))
    for fax in ctx.faxes:
        add("FAX", _digits_value(fax))
    for email in ctx.emails:
        if email:
            add("EMAIL", _Value("escaped", email, gate=_ascii_words(email)))
    for url in ctx.urls:
        if url:
            add("URL", _Value("escaped", url, gate=_ascii_words(url)))
    for line in ctx.addresses:
        add("ADDRESS", _Value("literal", line, gate=_ascii_words(line)))
        core = _STREET_NUMBER.sub("", line)
        core_words = [w for w in core.split() if len(w) >= 4 and w[0].isalpha()]
        if core_words:
            word = core_words[0]
            title, upper = word.title(), word.upper()
            lead = title[0] if title[0] == upper[0] else ""
            # either case of an ASCII word lower-cases to the same word
            gate = (word.lower(),) if word.isascii() else ()
            add("ADDRESS", _Value("street", word, gate=gate, exact=(lead,) if lead else ()))
    for place in ctx.locations:
        gate = _ascii_words(place)
        add("LOCATION", _Value("literal", place, gate=gate, words=_words(place, gate)))
    for zip5 in ctx.zips:
        add("ZIP", _Value("zip", zip5, exact=(zip5,) if zip5.isascii() else ()))
    return _Matcher(
        tuple((category, tuple(values)) for category, values in groups.items()),
        tuple(dict.fromkeys(seeds)),
        tuple(dates),
    )


def _date_value(variant: str) -> _Value:
    return _Value("date", variant, gate=(variant.lower(),))


def _date_forms(variant: str) -> tuple[str, _Led | None]:
    # no look-behind here: it would stop the regex engine from skipping ahead to a possible
    # first character; context_spans checks the character before instead
    return re.escape(variant) + _DATE_END, None


def _initials_forms(letters: str) -> tuple[str, _Led | None]:
    dotted = r"\.?\s?".join(letters)
    led: _Led | None = None
    if len(letters[0]) == 1 and letters[0].isalpha():
        led = _exact_led(
            letters[0],
            rf"(?<!{_LETTER_DIGIT_DOT}(?s:.))(?-i:{dotted[1:]}\.?)(?!{_ASCII_LETTER})",
        )
    return rf"(?<![A-Za-z0-9.])(?-i:{dotted}\.?)(?![A-Za-z])", led


def _street_forms(word: str) -> tuple[str, _Led | None]:
    """The street's name word ("Belmont" of "1187 W Belmont Ave") in Title or UPPER case."""
    title, upper = word.title(), word.upper()
    led: _Led | None = None
    if title[0] == upper[0]:
        lead = title[0]
        led = _exact_led(
            lead,
            rf"{_after_boundary(lead)}(?-i:{re.escape(title[1:])}|{re.escape(upper[1:])})\b",
        )
    return rf"\b(?-i:{re.escape(title)}|{re.escape(upper)})\b", led


def _zip_forms(zip5: str) -> tuple[str, _Led | None]:
    led: _Led | None = None
    if ascii_cases(zip5[0]) == zip5[0]:  # an ASCII digit, which has no other case
        led = (
            zip5[0],
            rf"(?<={zip5[0]})(?<!\d(?s:.)){re.escape(zip5[1:])}(?:-\d{{4}})?(?!\d)",
        )
    return rf"(?<!\d){re.escape(zip5)}(?:-\d{{4}})?(?!\d)", led


def _digits_forms(value: str) -> tuple[str, _Led | None]:
    # no led form: it would hold the digits twice, and costs more to compile than it saves
    return _digits_pattern(value) or "", None


#: How each kind of value becomes its pattern and led form.
_FORMS: Final[dict[str, Callable[[str], tuple[str, _Led | None]]]] = {
    "literal": _literal,
    "initials": _initials_forms,
    "date": _date_forms,
    "id": _id_pattern,
    "digits": _digits_forms,
    "escaped": _escaped,
    "street": _street_forms,
    "zip": _zip_forms,
}
#: The number and side letter a street line starts with ("1187 W ").
_STREET_NUMBER: Final = re.compile(r"^\s*\d+[A-Za-z]?\s+(?:[NSEW]\.?\s+)?")


def _groups(matcher: _Matcher) -> tuple[tuple[str, tuple[_Value, ...]], ...]:
    """``matcher.groups`` with the DATE values made (a note that cannot be gated)."""
    dates = tuple(_date_value(variant) for variant, _ in matcher.dates)
    return tuple(
        (category, dates if category == "DATE" else values) for category, values in matcher.groups
    )


def _words(value: str, gate: tuple[str, ...]) -> tuple[str, ...]:
    """The lower-case words of a name whose pattern (:func:`_literal`) :func:`_word_end`
    follows exactly: ASCII words that each start with a letter or digit (so that ``\\b``
    before the first is "no word character before it", and no word can start inside the
    ``[\\s,.]+`` run before it, which makes that run's greedy length the only one that can
    match); ``()`` otherwise."""
    words = tuple(w for w in _NAME_SEPARATORS.split(value.strip()) if w)
    if not words or len(words) != len(gate) or not all(w[0].isalnum() for w in words):
        return ()  # gate holds the ASCII words only: a shorter one means a non-ASCII word
    return gate


def _letters(letters: str) -> str:
    """Initials that :func:`_initials_end` follows exactly: upper-case ASCII letters."""
    return letters if letters.isascii() and letters.isalpha() and letters.isupper() else ""


def _digits_value(value: str) -> _Value | None:
    digits = _NOT_DIGIT.sub("", value)
    if len(digits) < 7:
        return None  # too short for a pattern (see _digits_pattern)
    # every form (with or without the area code) ends with the last seven digits, with only
    # separators between them
    return _Value("digits", value, digits=digits[-7:])


_NOT_DIGIT: Final = re.compile(r"\D")
#: What ``_id_pattern`` allows between two characters of an identifier (besides ``\s``).
_ID_SEPARATORS: Final = str.maketrans("", "", "./-")


@lru_cache(maxsize=2048)
def _compiled(category: str, values: tuple[_Value, ...]) -> re.Pattern[str]:
    """One regex for the values of one category: the same matches as the alternation of their
    patterns, in the order given."""
    led_dates = _led_words([v.source for v in values]) if category == "DATE" else None
    forms = [_FORMS[v.kind](v.source) for v in values]
    if led_dates is not None:
        regex = led_dates + _DATE_END
    elif all(led is not None for _, led in forms):
        leads = "".join(led[0] for _, led in forms if led is not None)
        branches = "|".join(led[1] for _, led in forms if led is not None)
        regex = f"(?-i:[{_class_of(leads)}])(?:{branches})"
    else:
        regex = "|".join(f"(?:{pattern})" for pattern, _ in forms)
    return re.compile(regex, 0 if category in _UNCASED else re.IGNORECASE)


#: Categories whose patterns hold digits, separators and character classes without letters
#: only: ``re.IGNORECASE`` changes nothing in them, and costs compile time (per request).
_UNCASED: Final = frozenset(["PHONE", "FAX", "ZIP"])


def context_spans(
    text: str, ctx: DeidContext, lower: Sequence[tuple[int, int]] | None = None
) -> list[Span]:
    """Spans for every context value found in ``text``.

    With ``lower`` (the ranges read as lower-case prose), one name word written in lower case
    outside them is left alone, as in :func:`propagate_names`: a patient called Esperanza does
    not make "tengo esperanza" a name where the writer capitalises names.
    """
    if not ctx.has_values:
        return []
    spans: list[Span] = []
    lowered = text.lower()
    # a value that cannot match anywhere in the note changes nothing when left out of the
    # alternation; the gates only hold where lower-casing keeps every character in its place
    gated = len(lowered) == len(text) and not any(c in text for c in _CASE_ODDITIES)
    score = 0.95
    matcher = _matcher(ctx)
    for category, values in matcher.groups if gated else _groups(matcher):
        if gated:
            if category == "DATE":
                values = tuple(_date_value(v) for v, low in matcher.dates if low in lowered)
            else:
                values = _present(text, lowered, values)
            if not values:
                continue
        if category == "DATE":
            spans.extend(_dates_found(text, _compiled(category, values), score))
            continue
        found: Iterable[tuple[int, int]]
        if gated and all(v.words or v.letters for v in values):
            # Speed: each request has a new patient, whose regex would be compiled anew (about
            # as long as the whole note's search); these values are found by str.find instead
            found = _alternation(text, lowered, values)
        else:
            found = (m.span() for m in _compiled(category, values).finditer(text))
        for start, end in found:
            if end > start:
                if category == "NAME" and lower is not None:
                    word = text[start:end]
                    if (
                        word.islower()
                        and word.isalpha()
                        and not _inside(lower, start)
                        and not _TITLE_BEFORE.search(text, max(0, start - 6), start)
                    ):
                        continue
                spans.append(Span(category, start, end, score, "context"))
    return spans


def _present(text: str, lowered: str, values: tuple[_Value, ...]) -> tuple[_Value, ...]:
    """The values whose literal parts the note holds (the others cannot match)."""
    digits: str | None = None
    squeezed: str | None = None
    out: list[_Value] = []
    for v in values:
        if not (all(g in lowered for g in v.gate) and all(e in text for e in v.exact)):
            continue
        if v.digits:
            if digits is None:
                digits = _NOT_DIGIT.sub("", text)
            if v.digits not in digits:
                continue
        if v.squeezed:
            if squeezed is None:
                # ``str.split`` splits at what ``\s`` matches
                squeezed = "".join(lowered.split()).translate(_ID_SEPARATORS)
            if v.squeezed not in squeezed:
                continue
        out.append(v)
    return tuple(out)


def _alternation(text: str, lowered: str, values: Sequence[_Value]) -> list[tuple[int, int]]:
    """What ``finditer`` of the alternation of the values' patterns finds, each value found by
    :func:`_next_match`: the leftmost start any value matches at, the first value in order
    that matches there, then on from its end (as the regex engine scans the alternation)."""
    ahead = [_next_match(text, lowered, v, 0) for v in values]
    out: list[tuple[int, int]] = []
    while True:
        best: tuple[int, int] | None = None
        for match in ahead:
            if match is not None and (best is None or match[0] < best[0]):
                best = match
        if best is None:
            return out
        out.append(best)
        end = best[1]
        for i, match in enumerate(ahead):
            if match is not None and match[0] < end:
                ahead[i] = _next_match(text, lowered, values[i], end)


def _next_match(text: str, lowered: str, value: _Value, pos: int) -> tuple[int, int] | None:
    """The first match at or after ``pos`` of a value that has ``words`` or ``letters``."""
    if value.words:
        first = value.words[0]
        at = lowered.find(first, pos)
        while at >= 0:
            end = _word_end(text, lowered, value.words, at)
            if end >= 0:
                return at, end
            at = lowered.find(first, at + 1)
        return None
    lead = value.letters[0]
    at = text.find(lead, pos)
    while at >= 0:
        end = _initials_end(text, value.letters, at)
        if end >= 0:
            return at, end
        at = text.find(lead, at + 1)
    return None


def _is_word(char: str) -> bool:
    """``\\w`` of the regex engine (``str.isalnum`` is its letter-or-digit test)."""
    return char.isalnum() or char == "_"


def _word_end(text: str, lowered: str, words: tuple[str, ...], at: int) -> int:
    """Where ``\\bw1[\\s,.]+w2...(?![\\w])`` (:func:`_literal`, under ``(?i)``) matching
    from ``at`` ends, or -1; ``lowered`` holds ``words[0]`` at ``at``. Gated notes only: there
    ``lowered`` matches a word where ``(?i)`` does (see ``_CASE_ODDITIES``)."""
    if at and _is_word(text[at - 1]):
        return -1
    n = len(text)
    end = at + len(words[0])
    for word in words[1:]:
        gap = end
        while gap < n and (text[gap] in ",." or text[gap].isspace()):
            gap += 1
        if gap == end or not lowered.startswith(word, gap):
            return -1
        end = gap + len(word)
    return -1 if end < n and _is_word(text[end]) else end


#: What ``[A-Za-z]`` matches under ``(?i)`` (see :func:`_any_case`), and with the dot.
_ANY_CASE_LETTERS: Final = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\u0130\u0131\u017f\u212a"
)
_ANY_CASE_LETTERS_DOT: Final = _ANY_CASE_LETTERS | {"."}


def _initials_end(text: str, letters: str, at: int) -> int:
    """Where ``(?<![A-Za-z0-9.])(?-i:J\\.?\\s?S\\.?)(?![A-Za-z])`` (the initials ``letters``,
    under ``(?i)``) matching from ``at`` ends, or -1; ``text`` holds ``letters[0]`` at ``at``.
    Between two letters the dot and the space are taken where present (a letter is neither,
    so no shorter choice could match); the last dot is given back where a letter follows it."""
    if at and (text[at - 1] in _ANY_CASE_LETTERS_DOT or text[at - 1] in "0123456789"):
        return -1
    n = len(text)
    end = at + 1
    for letter in letters[1:]:
        if end < n and text[end] == ".":
            end += 1
        if end < n and text[end].isspace():
            end += 1
        if end < n and text[end] == letter:
            end += 1
        else:
            return -1
    if end < n and text[end] == "." and not (end + 1 < n and text[end + 1] in _ANY_CASE_LETTERS):
        return end + 1
    return -1 if end < n and text[end] in _ANY_CASE_LETTERS else end


def _dates_found(text: str, regex: re.Pattern[str], score: float) -> list[Span]:
    """Date variants not glued to a word character, slash, dot or hyphen before them."""
    out: list[Span] = []
    pos = 0
    while True:
        m = regex.search(text, pos)
        if m is None:
            return out
        start = m.start()
        before = text[start - 1] if start else " "
        if before.isalnum() or before in "_/.-":
            pos = start + 1  # a variant may still start inside this one
            continue
        out.append(Span("DATE", start, m.end(), score, "context"))
        pos = m.end()


def context_name_seeds(ctx: DeidContext) -> tuple[str, ...]:
    """Name tokens from the context (every later mention of them is a name)."""
    return _matcher(ctx).name_seeds if ctx.names else ()


#: A letter, accented Latin letters included ("Wiśniewski" is one token).
_LETTER: Final = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u017f"


# --- every mention of a place found once --------------------------------------------------------

#: A place of two or more capitalised words ("Ponta Delgada", "Rabo de Peixe"): such a phrase
#: names the same place wherever else the note writes it.
_PLACE_PHRASE: Final = re.compile(
    rf"[A-Z][{_LETTER}'\u2019-]+"
    rf"(?:[ \t](?:(?:de|do|da|del|la|le|of)[ \t])?[A-Z][{_LETTER}'\u2019-]+)+"
)


def propagate_places(text: str, spans: Iterable[Span]) -> list[Span]:
    """Once "from Ponta Delgada, Azores" is found, "Ponta Delgada" elsewhere is the place too.

    Only phrases of two or more capitalised words are carried (a single word found as a town,
    "Bishop" or "Central", may be an ordinary word elsewhere in the note).
    """
    phrases = {
        text[span.start : span.end]
        for span in spans
        if span.category == "LOCATION" and _PLACE_PHRASE.fullmatch(text, span.start, span.end)
    }
    out: list[Span] = []
    for phrase in phrases:
        at = text.find(phrase)
        while at >= 0:
            end = at + len(phrase)
            if (at == 0 or not text[at - 1].isalnum()) and (
                end == len(text) or not text[end].isalnum()
            ):
                out.append(Span("LOCATION", at, end, 0.7, "place-propagation"))
            at = text.find(phrase, end)
    return out


# --- every mention of a name found once ---------------------------------------------------------

_SEED_TOKEN: Final = re.compile(
    rf"[{_LETTER}][{_LETTER}'\u2019]*(?:-[{_LETTER}][{_LETTER}'\u2019]*)*"
)


#: "ETG 500 NG/ML": a seed followed by "per unit" is a unit, whatever name it spells; one
#: followed by a scale's noun is its eponym ("Summer Wells" is charge nurse, "Wells score 6").
_NOT_A_NAME_AFTER: Final = re.compile(
    r"/(?i:ml|dl|l|kg|g|mg|min|hr?|day|d)\b"
    r"|[ \t]+(?i:score|criteria|level|classification|scale|grade|stage|sign)\b"
)


def propagate_names(
    text: str,
    spans: Iterable[Span],
    extra_seeds: Iterable[str] = (),
    lower: Sequence[tuple[int, int]] | None = None,
) -> list[Span]:
    """Once "Mr. Achterberg" is found, "Achterberg" elsewhere (any case) is a name too.

    Tokens that are ordinary words, eponyms or stop words are only matched in Title or UPPER
    case, and single letters never. Plain substring search per seed: fast on long notes.
    With ``lower`` (the ranges read as lower-case prose), a name is matched in lower case only
    inside them: where the writer capitalises, a lower-case "dolores" or "esperanza" is a word
    ("dolores de cabeza"), whatever language it is in.
    """
    seeds: dict[str, bool] = {}  # token -> may match in any case
    done: set[str] = set()  # a name repeated in several spans is looked at once
    # Speed: several recognizers report the same name; its tokens are read once
    read: set[tuple[int, int]] = set()
    # names that are also words ("Hope", "Bill", "Grant"; "Bishop"), found here as a given name
    # (a name's first word) or a family name (its last; a name found alone may be either):
    # matched only in their frames below
    worded: dict[str, set[bool]] = {}  # token as written -> {True: given, False: family}
    nicknames: list[Span] = []
    wordlike_words = _wordlike_words(lx.ambiguous_names())
    wordy: set[str] = set()  # the tokens in ``done`` that are Title-case word-like names
    # Speed: a nickname is in quotes; a note with no quotation mark has none to look for
    quoted = '"' in text or "\u201c" in text
    for span in spans:
        if span.category != "NAME":
            continue
        where = (span.start, span.end)
        if where in read:
            continue
        read.add(where)
        toks = _SEED_TOKEN.findall(text[span.start : span.end])
        for index, tok in enumerate(toks):
            if tok not in done:
                done.add(tok)
                _add_seed(seeds, tok, wordlike_words, known=False)
                # (read once per token, as the seed is: it depends on the token alone)
                if tok[:1].isupper() and tok[1:].islower() and tok.lower() in wordlike_words:
                    wordy.add(tok)
            if tok in wordy:
                roles = worded.setdefault(tok, set())
                if index == 0:
                    roles.add(True)
                if index == len(toks) - 1:
                    roles.add(False)
        # 'VANDERHOOF, Cornelius J. ("Neil")': a nickname in quotes right after a found name
        if quoted and text[span.end : span.end + 3].lstrip(" (")[:1] in ('"', "\u201c"):
            nick = _NICK_AFTER_NAME.match(text, span.end)
            if nick is not None and nick.group(1).lower() not in lx.STOP:
                nicknames.append(Span("NAME", *nick.span(1), 0.8, "nickname"))
                # (marked as a nickname, a word-like one too: "Neil", "Bunny")
                _add_seed(seeds, nick.group(1), wordlike_words, known=True)
    for tok in extra_seeds:
        _add_seed(seeds, tok, wordlike_words, known=True)
    out: list[Span] = _initials(text, spans)
    out.extend(nicknames)
    if worded:
        out.extend(_worded_names(text, worded))
    if not seeds:
        return out
    lowered = text.lower()
    n = len(text)
    for seed, free in seeds.items():
        pos = lowered.find(seed)
        while pos >= 0:
            end = pos + len(seed)
            before_ok = pos == 0 or not (text[pos - 1].isalnum() or text[pos - 1] in "'\u2019-")
            if end + 1 < n and text[end] in "'\u2019" and text[end + 1] in "sS":
                end += 2
            after_ok = end >= n or not (text[end].isalnum() or text[end] == "-")
            if (
                not before_ok
                and after_ok
                and free
                and len(seed) >= 4
                and text[pos].isupper()
                and text[pos - 1].isupper()
                and (pos == 1 or not (text[pos - 2].isalnum() or text[pos - 2] in "@._-"))
            ):
                # "by LBrody": an initial glued to a found family name, capitalised (a user
                # name in camel case)
                out.append(Span("ID", pos - 1, end, 0.7, "login"))
            if before_ok and after_ok and not _NOT_A_NAME_AFTER.match(text, end):
                word = text[pos : pos + len(seed)]
                if word[:1].isupper() or (
                    free
                    and (
                        lower is None
                        or _inside(lower, pos)
                        # "hi dr kapoor," typed in lower case inside a capitalised note
                        or _TITLE_BEFORE.search(text, max(0, pos - 6), pos)
                    )
                ):
                    out.append(Span("NAME", pos, end, 0.8, "name-propagation"))
            pos = lowered.find(seed, pos + 1)
    out.extend(_logins(text, seeds))
    return out


#: A nickname in quotes after a name, maybe in brackets: ' ("Neil")', ' "Roz"'.
_NICK_AFTER_NAME: Final = re.compile(r"[ \t]*\(?[\"\u201c]([A-Z][a-z]+(?:-[A-Z][a-z]+)?)[\"\u201d]")
#: What a word-like given name does as a person at a sentence's head: a verb ("Bill says",
#: "Grant works", "Hope picked up"), and not a capitalised word after it (a name or a title:
#: "Grant Bell", "Will Haskett" are read as wholes by the name rules).
_PERSON_VERB_AFTER: Final = re.compile(
    r"[ \t]+(?:is|was|has|had|will|can|and|said|says|came|went|got|took|"
    r"[a-z]{2,}(?:ed|s))\b(?![ \t]+(?:on|to)\b)"
)
#: Before a word-like name in mid-sentence: a lower-case word, a comma or a semicolon ("mother
#: called at work, Hope picked up"; "Glad Bill is there" is read by the head rules).
_MID_SENTENCE_BEFORE: Final = re.compile(r"(?:[a-z]|[,;])[ \t]+$")
_SENTENCE_HEAD_BEFORE: Final = re.compile(r"(?:^|[.!?:][ \t]+|\n[ \t]*)$")
#: An initial or a title before a word-like family name: "L. Bishop", "Ms. Bishop".
_INITIAL_BEFORE: Final = re.compile(r"(?<![\w.])(?:[A-Z]\.|Mr\.?|Mrs\.?|Ms\.?|Dr\.?|Miss)[ \t]+$")


@lru_cache(maxsize=1)
def _wordlike_words(ambiguous: frozenset[str]) -> frozenset[str]:
    """Names that are also words: the given names that are words, the surnames that are words
    and the eponyms. Speed: one set (one look-up per token, not three), made once (keyed by the
    list of given names, which is read once)."""
    return ambiguous | lx.WORDLIKE_SURNAMES | lx.EPONYMS


def _worded_names(text: str, worded: Mapping[str, set[bool]]) -> list[Span]:
    """ "mother called at work, Hope picked up", "Bill says thanks too", "L. Bishop": a name
    that is also an English word, once this note names someone with it, is that person where
    it is written capitalised in a person's frame: a given name in mid-sentence after a
    lower-case word or a comma, or heading a sentence before a verb; a family name after an
    initial or a title. Not an eponym ("Bell's palsy" stays: no frame fits it)."""
    out: list[Span] = []
    for tok, roles in worded.items():
        given = True in roles and tok.lower() not in lx.EPONYMS
        family = False in roles
        for pos in token_occurrences(text, tok):
            end = pos + len(tok)
            if text[end : end + 1] in ("'", "\u2019"):
                continue  # "Bell's palsy": a possessive is an eponym's form as often
            window = max(0, pos - 24)
            # a family name after an initial or a title; a given name in mid-sentence, or
            # heading a sentence before a verb
            if (family and _INITIAL_BEFORE.search(text, window, pos)) or (
                given
                and not _NAME_CAP_AFTER.match(text, end)
                and (
                    _MID_SENTENCE_BEFORE.search(text, window, pos)
                    or (
                        _SENTENCE_HEAD_BEFORE.search(text, window, pos)
                        and _PERSON_VERB_AFTER.match(text, end)
                    )
                )
            ):
                out.append(Span("NAME", pos, end, 0.7, "name-propagation"))
    return out


_NAME_CAP_AFTER: Final = re.compile(r"[ \t]+[A-Z]")


def _logins(text: str, seeds: Mapping[str, bool]) -> list[Span]:
    """ "mlopez4", "tbrandt2", "afields": user names built from a found family name (an access
    audit, a portal log) are identifiers of the person."""
    out: list[Span] = []
    for seed, free in seeds.items():
        if not free or len(seed) < 4:
            continue
        pos = text.find(seed)
        while pos >= 0:
            start, end = pos, pos + len(seed)
            while start > 0 and pos - start < 2 and text[start - 1].islower():
                start -= 1
            while end < len(text) and end - pos - len(seed) < 3 and text[end].isdigit():
                end += 1
            alone = (
                start == 0 or not (text[start - 1].isalnum() or text[start - 1] in "@._-")
            ) and (end == len(text) or not (text[end].isalnum() or text[end] in "@_-"))
            if alone and (start < pos or end > pos + len(seed)):
                out.append(Span("ID", start, end, 0.7, "login"))
            pos = text.find(seed, pos + 1)
    return out


_TITLE_BEFORE: Final = re.compile(r"(?i)\b(?:dr|mr|mrs|ms)\.?[ \t]+$")


def _inside(ranges: Sequence[tuple[int, int]], pos: int) -> bool:
    return any(start <= pos < end for start, end in ranges)


_POSSESSIVE: Final = re.compile(r"['\u2019]s$")
#: A word of a found name: letters in any script ("Lương", "HARTSOCK"), an apostrophe or hyphen
#: inside, or one letter and a dot ("J. K. Wiltz").
_NAME_WORD: Final = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*\.?")
#: A nickname in quotes or a bracket inside a found name ('Gerald "Gerry" Nkemelu'): no initial.
_NAME_ASIDE: Final = re.compile(r"[\"\u201c(][^\"\u201d)]*[\"\u201d)]")
#: Where a clinician initials an entry: closing a line (a flowsheet's last column), or after
#: "by" / "per" / "initials" / "signed" ("Co-signed HQL").
_INITIALS_BEFORE: Final = re.compile(
    r"(?:\b(?:by|per|[Ii]nitials:?|[Ss]igned:?|[Cc]o-?signed:?)|[ \t])[ \t]*$"
)
_LINE_END_AFTER: Final = re.compile(r"[ \t]*(?:\n|$)")
#: Frames that mark capitals as a person's initials wherever they stand (stop 18, dev16): a
#: table cell of their own ("| JS  |", a log's BY column), a legend ("TW = Tobias Whitcomb"),
#: the initials and the name they stand for ("JKW / J. K. Wiltz"), an entry's author heading
#: a dated line ("3/14 PV: donor asked ...") or opening a bracket ("(SH, 11/18/25 08:20)").
_CELL_BEFORE: Final = re.compile(r"\|[ \t]*$")
_CELL_AFTER: Final = re.compile(r"[ \t]*\|")
_LEGEND_AFTER: Final = re.compile(r"[ \t]*(?:=|/[ \t]*[A-Z])")
_ENTRY_HEAD_BEFORE: Final = re.compile(
    r"(?:^|\n)[ \t]*(?:\d{1,2}/\d{1,2}(?:/\d{2,4})?[ \t]+)?(?:\d{1,2}:?\d{2}[ \t]+)?$"
)
_ENTRY_HEAD_AFTER: Final = re.compile(r":[ \t]")
_BRACKET_AFTER: Final = re.compile(r",[ \t]*\d")  # (an entry's time after them: not "(DM, HTN)")
#: Abbreviations that close a line or follow "per" in notes and are nobody's initials.
_NOT_INITIALS: Final = frozenset(
    [
        "NS",
        "LR",
        "RR",
        "OK",
        "IV",
        "PO",
        "PR",
        "IM",
        "SQ",
        "SC",
        "OD",
        "OS",
        "OU",
        "ER",
        "ED",
        "OR",
        "ICU",
        "CT",
        "MRI",
        "US",
        "CXR",
        "EKG",
        "ECG",
        "BP",
        "HR",
        "NPO",
        "PRN",
        "BID",
        "TID",
        "QID",
        "QD",
        "HS",
        "AM",
        "PM",
        "DNR",
        "DNI",
        "LOC",
        "AMA",
        "NKA",
        "ROM",
        "WNL",
        "NAD",
        "SOB",
        "CP",
        "RA",
        "LA",
        "GI",
        "GU",
        "UA",
        "UTI",
        "TB",
        "CBC",
        "BMP",
        "ASA",
        "ST",
        "VS",
        "WT",
        "HT",
        "TX",
        "DX",
        "RX",
        "HX",
        "SX",
        "FX",
        "PCP",
        "ENT",
        "OB",
        "ID",
        "MAR",
        "EHR",
        "EMR",
        "NA",
        "NKDA",
    ]
)


def _credential_word(word: str) -> bool:
    return bool(lx.CREDENTIAL_RE.fullmatch(word)) or word.upper() in ("DON", "PARAMEDIC")


def _name_initials(name: str) -> set[str]:
    """The initials a found name is signed with: "Kalinda Jessup" KJ, "Ana M. Ortiz" AMO and
    AO, "Brandt, Tobin K" TB and TKB, "J. K. Wiltz" JKW, "Huy Q. Lương" HQL, "SAMUEL
    HARTSOCK, PARAMEDIC" SH (a credential after the comma is no given name)."""
    if name.isalpha():
        # Speed: one word of letters (most found names: "Jessup"): no comma, no aside, one part
        return set()
    if '"' in name or "(" in name or "\u201c" in name:
        name = _NAME_ASIDE.sub(" ", name)
    head, comma, tail = name.partition(",")
    if not comma:
        # Speed: most found names are two or three words with no comma; split, not a regex
        parts = head.split()
        if not 2 <= len(parts) <= 4 or not all(p[:1].isupper() for p in parts):
            return set()
    head_words = _NAME_WORD.findall(head)
    tail_words = _NAME_WORD.findall(tail)
    if (
        comma
        and tail_words
        and (
            _credential_word(tail_words[0].rstrip(".")) or (len(head_words) > 1 and tail.isupper())
        )
    ):
        tail_words = []  # "Priya Venkataraman, RN, CCTC", "SAMUEL HARTSOCK, PARAMEDIC"
    while head_words and lx.CREDENTIAL_RE.fullmatch(head_words[-1].rstrip(".")):
        head_words.pop()
    while head_words and head_words[0].rstrip(".").lower() in lx.TITLES:
        head_words.pop(0)
    out: set[str] = set()
    if tail_words:
        # "Brandt, Tobin K": the family name (or two: "VILLALOBOS QUINTERO, Esperanza") first
        if len(head_words) > 2 or len(tail_words) > 2:
            return out
        words = tail_words + head_words
        if not all(w[0].isupper() for w in words):
            return out
        first = words[0][0]
        middle = words[1][0] if len(tail_words) == 2 else ""
        family = "".join(w[0] for w in head_words)
        out.add(first + family[:1])
        if middle:
            out.add(first + middle + family[:1])
        if len(family) == 2:
            out.add(first + family)
        return out
    if not 2 <= len(head_words) <= 3 or not all(w[0].isupper() for w in head_words):
        return out
    if len(head_words[-1].rstrip(".")) < 2:
        return out  # "Ana M.": no family name
    first, last = head_words[0][0], head_words[-1][0]
    out.add(first + last)
    if len(head_words) == 3:
        out.add(first + head_words[1][0] + last)
    return out


def _initials_framed(text: str, pos: int, end: int, *, state: bool) -> bool:
    """Whether the initials at ``text[pos:end]`` stand in a frame that marks them as a person's
    (a state code only in a legend or a cell; letters that are also an abbreviation, "PE",
    "DM", only in a legend and the frames read before stop 18: a line's end, "by")."""
    if _LEGEND_AFTER.match(text, end):
        return True
    before = _INITIALS_BEFORE.search(text, max(0, pos - 10), pos)
    signed = before is not None and (
        not before.group().isspace() or bool(_LINE_END_AFTER.match(text, end))
    )
    if text[pos:end].lower() in lx.STOP:
        return signed and not state
    if _CELL_BEFORE.search(text, max(0, pos - 6), pos) and _CELL_AFTER.match(text, end):
        return True
    if state:
        return False
    if _ENTRY_HEAD_AFTER.match(text, end) and _ENTRY_HEAD_BEFORE.search(
        text, max(0, pos - 24), pos
    ):
        return True
    if text[pos - 1 : pos] == "(" and _BRACKET_AFTER.match(text, end):
        return True
    return signed


def _initials(text: str, spans: Iterable[Span]) -> list[Span]:
    """ "KJ" closing a flowsheet line once "Kalinda Jessup" is found: her initials. Once a
    person's initials stand in a frame that marks them (a line's end, "by", a cell of their own,
    a legend), they are that person wherever they stand alone in the note ("11/03 1700 H (INR
    3.8) TW | 11/04 ...", "0900 MH; BP 108/62")."""
    wanted: set[str] = set()
    read: set[tuple[int, int]] = set()  # Speed: a name reported twice is read once
    named: set[str] = set()  # and a name written twice (this call's only: no cache of names)
    for span in spans:
        if span.category != "NAME":
            continue
        if span.end - span.start <= 4:
            continue
        where = (span.start, span.end)
        if where in read:
            continue
        read.add(where)
        name = text[span.start : span.end]
        if name not in named:
            named.add(name)
            wanted |= _name_initials(name)
    out: list[Span] = []
    for initials in wanted:
        # "M.L. + A.F.:", "lab label: E.V.Q.": dotted initials need no place to be read as a mark,
        # and are not the abbreviation the same letters make undotted ("T.B." is not "TB")
        dotted = ".".join(initials) + "."
        pos = text.find(dotted)
        while pos >= 0:
            end = pos + len(dotted)
            if (pos == 0 or not (text[pos - 1].isalnum() or text[pos - 1] == ".")) and not text[
                end : end + 1
            ].isalnum():
                out.append(Span("NAME", pos, end, 0.75, "initials"))
            pos = text.find(dotted, end)
    for initials in wanted:
        if (
            not initials.isascii()
            or initials in _NOT_INITIALS
            or lx.CREDENTIAL_RE.fullmatch(initials)
        ):
            continue
        state = initials in lx.STATE_CODES
        # a literal search per candidate, like the seeds above: no scan of the whole note
        alone: list[int] = []
        framed = False
        pos = text.find(initials)
        while pos >= 0:
            end = pos + len(initials)
            if (
                pos > 0
                and not (text[pos - 1].isalnum() or text[pos - 1] in "-/&.")
                and not (text[end : end + 1].isalnum() or text[end : end + 1] in ("-", "/", "&"))
            ):
                if _initials_framed(text, pos, end, state=state):
                    framed = True
                    out.append(Span("NAME", pos, end, 0.75, "initials"))
                else:
                    alone.append(pos)
            pos = text.find(initials, end)
        # the same capitals elsewhere, once they are marked as the person's: not where the
        # letters are also a word or an abbreviation ("PE", "CT") or a state ("AK")
        if framed and alone and not state and initials.lower() not in lx.STOP:
            out.extend(Span("NAME", p, p + len(initials), 0.7, "initials") for p in alone)
    return out


def _add_seed(
    seeds: dict[str, bool], tok: str, wordlike_words: frozenset[str], *, known: bool
) -> None:
    """Add ``tok`` to ``seeds`` (``wordlike_words``: ``_wordlike_words``, read once by the
    caller)."""
    # Speed: the possessive cut without a regex where the token cannot hold a newline (``$``
    # also matches before a final one)
    if "\n" in tok:
        tok = _POSSESSIVE.sub("", tok)
    elif tok.endswith(("'s", "\u2019s")):
        tok = tok[:-2]
    low = tok.lower()
    if len(tok) < 2 or low in lx.TITLES or low in lx.STOP:
        return
    if lx.CREDENTIAL_RE.fullmatch(tok):
        return
    wordlike = low in wordlike_words
    if wordlike and not known:
        return
    free = not wordlike and len(tok) >= 4
    seeds[low] = seeds.get(low, False) or free
