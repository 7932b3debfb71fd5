"""HL7 v2 segments pasted into a note: the layout, not the words, says what each value is.

Interface dumps and chart exports carry segments such as
``PID|1||MRN88230417^^^SHMC^MR||HILL^JORDAN^AVERY||19340212|M|||418 MAIN ST^^NEW HOPE^PA^18938``.
Names there have no title, comma or capitals to tell them from codes, and a phone number is split
into ``^215^5550164``. The segment and field position (HL7 v2.5 chapters 2-6) name the value, and
the composite types give its parts: XPN / XCN names (family^given^middle, an XCN led by the
person's ID), XAD addresses (street^other^city^state^zip^country^type^other^county), XTN phone
numbers (^use^equipment^email^country^area^local^extension).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from service.deid import lexicon as lx
from service.deid.lexicon import first_names
from service.deid.recognizers import Recognizer
from service.deid.spans import Span

#: A segment: three letters or digits and the field separator, at the start of a line, or after
#: an export's row label and a pipe ("#PATIENT | PID|1||..."): a known segment there, so that a
#: pipe table's cell ("| BUN|") is not read as one.
_SEGMENT: Final = re.compile(
    r"^(?:[^\n|]{1,30}\|[ \t]+(?=(?:PID|PV1|PV2|NK1|GT1|IN1|IN2|PD1|ORC|OBR|OBX|TXA|ROL|EVN|"
    r"MRG|DG1|PR1|RXE|RXO|SCH|AIP|MSH|NTE|SPM|AL1)\|))?([A-Z][A-Z0-9]{2})\|(.*)$",
    re.MULTILINE,
)
#: A name written as HL7 writes it, family^given^middle, outside a segment ("cc: WYNNE^MARGARET^L
#: NP"): two or three capitalised parts joined by carets, the given name a known one. Speed: led
#: by the caret (a literal the engine skips to), the family name read back from it.
_CARET_JOIN: Final = re.compile(r"\^(?<=[A-Za-z]\^)(?=[A-Z])")
_FAMILY_BEFORE: Final = re.compile(r"(?<![\w^|'\u2019-])[A-Z][A-Za-z'\u2019-]+$")
_GIVEN_AFTER: Final = re.compile(r"([A-Z][A-Za-z'\u2019-]+)(?:\^[A-Z][A-Za-z.]*)?(?![\w^])")

#: Fields holding person names (XPN, or XCN led by an ID), by segment.
_NAME_FIELDS: Final[dict[str, frozenset[int]]] = {
    "PID": frozenset({5, 6, 9}),
    "NK1": frozenset({2, 30}),
    "GT1": frozenset({3, 6}),
    "IN1": frozenset({16}),
    "IN2": frozenset({7}),
    "PV1": frozenset({7, 8, 9, 17, 52}),
    "PV2": frozenset({13}),
    "PD1": frozenset({4}),
    "ORC": frozenset({10, 11, 12, 19}),
    "OBR": frozenset({10, 16, 28, 32, 33, 34, 35}),
    "OBX": frozenset({16}),
    "TXA": frozenset({5, 9, 10, 22, 23}),
    "ROL": frozenset({4}),
    "EVN": frozenset({5}),
    "MRG": frozenset({7}),
    "DG1": frozenset({16}),
    "PR1": frozenset({8, 11, 12}),
    "RXE": frozenset({13}),
    "RXO": frozenset({14}),
    "SCH": frozenset({12, 16, 20}),
    "AIP": frozenset({3}),
}
#: Fields holding identifiers (CX or plain), by segment: the first component of each repetition.
_ID_FIELDS: Final[dict[str, dict[int, str]]] = {
    "PID": {2: "MRN", 3: "MRN", 4: "MRN", 18: "ACCOUNT", 19: "SSN", 20: "LICENSE"},
    "PV1": {19: "ACCOUNT", 50: "ACCOUNT"},
    "IN1": {2: "HEALTH_PLAN", 8: "HEALTH_PLAN", 36: "HEALTH_PLAN", 49: "HEALTH_PLAN"},
    "GT1": {2: "ACCOUNT", 12: "SSN"},
    "MRG": {1: "MRN", 2: "MRN", 3: "ACCOUNT", 5: "ACCOUNT"},
}
#: HL7 table 0201 (telecommunication use) and 0202 (equipment type): an XTN's second or third
#: component.
_XTN_USE: Final = frozenset({"PRN", "ORN", "WPN", "VHN", "ASN", "EMR", "NET", "BPN", "PRS"})
_XTN_EQUIPMENT: Final = frozenset({"PH", "FX", "MD", "CP", "BP", "SAT", "TDD", "TTY"})
_STATE: Final = re.compile(r"[A-Z]{2}")
_ZIP: Final = re.compile(r"\d{5}(?:-\d{4})?|[A-Z]\d[A-Z] ?\d[A-Z]\d")
_PERSON_PART: Final = re.compile(r"[A-Za-z][A-Za-z'\u2019 .-]*")
_DIGITS: Final = re.compile(r"\d+")


class Hl7Recognizer(Recognizer):
    """Names, identifiers, addresses and phone numbers in HL7 v2 segments."""

    name = "hl7"

    def analyze(self, text: str) -> list[Span]:
        if "^" not in text:
            return []
        spans: list[Span] = self._caret_names(text)
        if "|" not in text:
            return spans
        for m in _SEGMENT.finditer(text):
            segment = m.group(1)
            if segment == "MSH":
                continue  # sending/receiving systems and message control: no person in it
            names = _NAME_FIELDS.get(segment, frozenset())
            ids = _ID_FIELDS.get(segment, {})
            for number, start, value in _fields(m.group(2), m.start(2)):
                if not value:
                    continue
                for rep_start, rep in _split(value, "~", start):
                    parts = list(_split(rep, "^", rep_start))
                    if number in names:
                        spans.extend(self._name(parts))
                    elif number in ids and parts[0][1]:
                        p_start, p_value = parts[0]
                        spans.append(
                            Span(ids[number], p_start, p_start + len(p_value), 0.85, self.name)
                        )
                    else:
                        spans.extend(self._composite(parts))
        return spans

    def _caret_names(self, text: str) -> list[Span]:
        given = first_names()
        out: list[Span] = []
        for m in _CARET_JOIN.finditer(text):
            family = _FAMILY_BEFORE.search(text, max(0, m.start() - 30), m.start())
            rest = _GIVEN_AFTER.match(text, m.end())
            if family is None or rest is None or rest.group(1).lower() not in given:
                continue
            if family.group().lower() in lx.STOP:
                continue
            out.append(Span("NAME", family.start(), rest.end(), 0.8, self.name))
        return out

    def _name(self, parts: list[tuple[int, str]]) -> list[Span]:
        # an XCN leads with the person's ID ("1447382290^FAMILY^GIVEN"); an XPN with the family name
        lead = 1 if parts[0][1] and _DIGITS.fullmatch(parts[0][1]) else 0
        person = [p for p in parts[lead : lead + 3] if p[1]]
        if not person or not all(_PERSON_PART.fullmatch(v) for _, v in person):
            return []
        first, last = person[0], person[-1]
        return [Span("NAME", first[0], last[0] + len(last[1]), 0.85, self.name)]

    def _composite(self, parts: list[tuple[int, str]]) -> list[Span]:
        values = [v for _, v in parts]
        if len(values) >= 6 and (values[1] in _XTN_USE or values[2] in _XTN_EQUIPMENT):
            # XTN: ^use^equipment^email^country^area^local^extension
            number = [p for p in parts[4:8] if _DIGITS.fullmatch(p[1])]
            if number:
                category = "FAX" if values[2] == "FX" else "PHONE"
                end = number[-1][0] + len(number[-1][1])
                return [Span(category, number[0][0], end, 0.85, self.name)]
        if len(values) >= 5 and _STATE.fullmatch(values[3]) and _ZIP.fullmatch(values[4]):
            # XAD: street^other^city^state^zip^country^type^other^county
            out = [
                Span(category, at, at + len(value), 0.85, self.name)
                for index, category in ((0, "ADDRESS"), (1, "ADDRESS"), (2, "LOCATION"), (4, "ZIP"))
                for at, value in (parts[index],)
                if value
            ]
            if len(parts) > 8 and parts[8][1]:
                out.append(
                    Span("LOCATION", parts[8][0], parts[8][0] + len(parts[8][1]), 0.85, self.name)
                )
            return out
        return []


def _fields(body: str, offset: int) -> Iterator[tuple[int, int, str]]:
    """(field number, offset, value) for each field after the segment name."""
    for number, (start, value) in enumerate(_split(body, "|", offset), start=1):
        yield number, start, value


def _split(value: str, sep: str, offset: int) -> Iterator[tuple[int, str]]:
    """(offset, part) for each part of ``value`` split on ``sep``."""
    at = offset
    for part in value.split(sep):
        yield at, part
        at += len(part) + len(sep)
