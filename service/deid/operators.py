"""Operators: what replaces each span, chosen per category.

================  =============================================================================
``redact``        a category tag: ``[PHONE]``
``surrogate``     a consistent fake value: keyed by HMAC(key, subject_key + value), so the same
                  input gives the same surrogate within one patient and another one elsewhere.
                  Names are replaced token by token ("Smith" maps the same in "Mr. Smith" and
                  "John Smith"), keeping case and initials.
``shift``         DATE only: moved by a per-patient offset of 1-365 days (either direction) from
                  HMAC(key, subject_key), written in the same format; intervals are kept.
``generalize``    DATE: the year only; AGE: ``90+``; ZIP: the first three digits + ``XX``, and
                  ``000XX`` for the 17 restricted three-digit areas (Safe Harbor rule).
================  =============================================================================

Defaults (:data:`DEFAULT_OPERATORS`): the text goes to a sentiment model, so prose-like PHI gets
natural replacements that keep sentences grammatical (surrogate names and places, shifted dates,
``90+`` ages, three-digit ZIPs), while identifiers that carry no meaning for the model (numbers,
addresses on the wire, e-mails, URLs) become explicit tags that cannot be mistaken for real data.
Strict Safe Harbor reading: a shifted date is still a date; ``DATE=generalize`` keeps the year
only, for deployments whose privacy officer requires it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Final

from service.deid import lexicon as lx
from service.deid.context import DeidContext
from service.deid.dates import shift_date, year_of
from service.deid.scripts import OTHER_SCRIPT
from service.deid.spans import CATEGORIES, Span

OPERATORS: Final = ("redact", "surrogate", "shift", "generalize")
_EXTRA: Final[dict[str, frozenset[str]]] = {
    "DATE": frozenset({"shift", "generalize"}),
    "AGE": frozenset({"generalize"}),
    "ZIP": frozenset({"generalize"}),
}

DEFAULT_OPERATORS: Final[Mapping[str, str]] = {
    "NAME": "surrogate",
    "DATE": "shift",
    "AGE": "generalize",
    "ZIP": "generalize",
    "LOCATION": "surrogate",
    "ADDRESS": "surrogate",
    **{
        c: "redact"
        for c in CATEGORIES
        if c not in {"NAME", "DATE", "AGE", "ZIP", "LOCATION", "ADDRESS"}
    },
}

#: Three-digit ZIP areas with 20,000 people or fewer (2000 Census): always ``000``.
RESTRICTED_ZIP3: Final = frozenset(
    [
        "036",
        "059",
        "063",
        "102",
        "203",
        "556",
        "692",
        "790",
        "821",
        "823",
        "830",
        "831",
        "878",
        "879",
        "884",
        "890",
        "893",
    ]
)


def allowed_operators(category: str) -> frozenset[str]:
    """The operators that make sense for ``category``."""
    return frozenset({"redact", "surrogate"}) | _EXTRA.get(category, frozenset())


def validate_operators(operators: Mapping[str, str]) -> None:
    """Raise ``ValueError`` on an unknown category or an operator the category cannot take."""
    for category, operator in operators.items():
        if category not in CATEGORIES:
            raise ValueError(f"unknown de-identification category: {category!r}")
        if operator not in allowed_operators(category):
            raise ValueError(f"operator {operator!r} is not available for {category}")


def parse_operator_config(spec: str) -> dict[str, str]:
    """Parse ``"NAME=redact,DATE=shift"`` (``Settings.deid_operators``); validates names."""
    out: dict[str, str] = {}
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        category, sep, operator = item.partition("=")
        if not sep:
            raise ValueError(f"expected CATEGORY=operator, got {item!r}")
        out[category.strip().upper()] = operator.strip().lower()
    validate_operators(out)
    return out


# --- keyed randomness -------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _hmac_pads(key: bytes) -> tuple[hashlib._Hash, hashlib._Hash]:
    """SHA-256 states after the HMAC inner and outer key blocks (RFC 2104), computed once per
    key: a copy of each per digest is about half the cost of a one-shot ``hmac.digest``."""
    if len(key) > _SHA256_BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_SHA256_BLOCK, b"\x00")
    inner = hashlib.sha256(key.translate(_IPAD))
    outer = hashlib.sha256(key.translate(_OPAD))
    return inner, outer


_SHA256_BLOCK: Final = 64
_IPAD: Final = bytes(b ^ 0x36 for b in range(256))
_OPAD: Final = bytes(b ^ 0x5C for b in range(256))


def _digest(key: bytes, *parts: str) -> bytes:
    """HMAC-SHA256(key, parts joined by NUL); same value as ``hmac.digest``."""
    inner, outer = _hmac_pads(key)
    h = inner.copy()
    h.update("\x00".join(parts).encode())
    o = outer.copy()
    o.update(h.digest())
    return o.digest()


def date_offset(key: bytes, subject_key: str) -> int:
    """The per-patient shift in days: in [-365, -1] or [1, 365]."""
    value = int.from_bytes(_digest(key, "date-shift", subject_key)[:4], "big")
    days = value % 365 + 1
    return days if value & (1 << 31) else -days


def _keyed_chars(key: bytes, subject: str, category: str, value: str) -> str:
    """Replace every digit and letter by a keyed one, keeping the shape."""
    stream = _digest(key, category, subject, value.lower())
    while len(stream) < len(value):
        stream += _digest(key, category, subject, value.lower(), str(len(stream)))
    out = []
    for char, byte in zip(value, stream, strict=False):
        if char.isdigit():
            out.append(str(byte % 10))
        elif char.isalpha():
            letter = chr(ord("a") + byte % 26)
            out.append(letter.upper() if char.isupper() else letter)
        else:
            out.append(char)
    return "".join(out)


def _pick(pool: Sequence[str], key: bytes, *parts: str) -> str:
    return pool[int.from_bytes(_digest(key, *parts)[:4], "big") % len(pool)]


def _match_case(word: str, like: str) -> str:
    if like.isupper() and len(like) > 1:
        return word.upper()
    if like.islower():
        return word.lower()
    return word


_SAINTS: Final = frozenset(["st", "ste", "saint", "sainte", "san", "santa", "sao"])
#: A name token, accented Latin letters included ("Wiśniewski", "Ọkafọ" are replaced whole:
#: Latin-1, Extended-A and -B, and the Vietnamese and Yoruba letters of Extended Additional).
_LATIN_LETTER: Final = r"A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
#: A word in another script ("王秀英", "Петров") is one token too, replaced by a Latin surrogate.
_NAME_PART: Final = re.compile(rf"[{_LATIN_LETTER}][{_LATIN_LETTER}'\u2019]*|[{OTHER_SCRIPT}]+")


def surrogate_name(
    value: str, *, key: bytes, subject: str, memo: dict[str, str] | None = None
) -> str:
    """Token-by-token fake name: given names from the given-name list, others from surnames.

    ``memo`` (token -> fake, for one call only) saves the keyed hash of a token that recurs in
    several spans ("Harriet" and "ZELENKO, Harriet P").
    """

    firsts = lx.first_names()
    ambiguous = lx.ambiguous_names()

    def one(m: re.Match[str]) -> str:
        tok = m.group()
        if memo is not None:
            fake = memo.get(tok)
            if fake is None:
                fake = memo[tok] = fresh(tok)
            return fake
        return fresh(tok)

    def fresh(tok: str) -> str:
        base = tok[:-2] if tok.endswith(("'s", "\u2019s")) else tok
        suffix = tok[len(base) :]
        low = base.lower()
        if len(base) == 1:
            fake = chr(ord("A") + _digest(key, "NAME", subject, low)[0] % 26)
        elif low in lx.TITLES or low in _SAINTS or lx.CREDENTIAL_RE.fullmatch(base):
            return tok  # "Dr.", "MD", and the "St." of "St. Joseph's" stay as written
        elif low in firsts or low in ambiguous:
            fake = _pick(lx.first_name_list(), key, "NAME-given", subject, low)
        else:
            fake = _pick(lx.surname_list(), key, "NAME-family", subject, low)
        return _match_case(fake, base) + suffix

    return _NAME_PART.sub(one, value)


#: Speed: the patterns of ``_surrogate`` and ``_generalize`` compiled once (a ``re.search``
#: with a pattern string looks it up in the module's cache on every call).
_PLACE_SUFFIX: Final = re.compile(r"\s+(County|Parish|Hospital|Clinic|Medical Center)$", re.I)
_STREET_NUMBER: Final = re.compile(r"\s*(\d+)")
_STREET_KIND: Final = re.compile(
    r"(?i)\b(street|st|avenue|ave|road|rd|lane|ln|drive|dr|way|court|ct)\b\.?"
)
_NOT_DIGIT: Final = re.compile(r"\D")


class _CallMemo:
    """Keyed values computed once per :func:`apply_operators` call (never kept beyond it)."""

    __slots__ = ("name_tokens", "offset")

    def __init__(self) -> None:
        self.name_tokens: dict[str, str] = {}
        self.offset: int | None = None


def _surrogate(category: str, value: str, ctx: DeidContext, memo: _CallMemo | None = None) -> str:
    key, subject = ctx.key, ctx.subject_key
    if category == "NAME":
        tokens = memo.name_tokens if memo is not None else None
        return surrogate_name(value, key=key, subject=subject, memo=tokens)
    if category == "DATE":
        return _shift(value, ctx, memo)
    if category in ("AGE", "ZIP"):
        return _generalize(category, value)
    if category == "EMAIL":
        local = _keyed_chars(key, subject, category, value.split("@")[0])
        return f"{local.lower()}@example.org"
    if category == "URL":
        return "https://example.org/" + _keyed_chars(key, subject, category, "x" * 8).lower()
    if category == "IP":
        if ":" in value:
            return "2001:db8::" + format(_digest(key, category, subject, value)[0], "x")
        return f"192.0.2.{_digest(key, category, subject, value)[0] % 254 + 1}"
    if category == "LOCATION":
        suffix = _PLACE_SUFFIX.search(value)
        city = _pick(lx.cities(), key, category, subject, value.lower())
        return _match_case(city, value) + (suffix.group() if suffix else "")
    if category == "ADDRESS":
        number = _STREET_NUMBER.match(value)
        street = _pick(lx.surname_list(), key, category, subject, value.lower())
        kind = _STREET_KIND.search(value)
        parts = [_keyed_chars(key, subject, category, number.group(1))] if number else []
        parts += [street, kind.group() if kind else "Street"]
        fake = " ".join(parts)
        return fake.upper() if value.isupper() else fake
    return _keyed_chars(key, subject, category, value)


def _shift(value: str, ctx: DeidContext, memo: _CallMemo | None = None) -> str:
    if memo is None:
        offset = date_offset(ctx.key, ctx.subject_key)
    else:
        if memo.offset is None:
            memo.offset = date_offset(ctx.key, ctx.subject_key)
        offset = memo.offset
    shifted = shift_date(value, offset)
    return shifted if shifted is not None else "[DATE]"


def _generalize(category: str, value: str) -> str:
    if category == "DATE":
        return year_of(value) or "[DATE]"
    if category == "AGE":
        return "90+"
    if category == "ZIP":
        digits = _NOT_DIGIT.sub("", value)[:3]
        if len(digits) < 3:
            return "[ZIP]"
        return ("000" if digits in RESTRICTED_ZIP3 else digits) + "XX"
    return f"[{category}]"


def replacement(span: Span, value: str, ctx: DeidContext, memo: _CallMemo | None = None) -> str:
    """What replaces ``value`` (the text of ``span``) under the configured operator."""
    operator = ctx.operators.get(span.category) or DEFAULT_OPERATORS.get(span.category, "redact")
    if operator == "redact":
        return f"[{span.category}]"
    if operator == "shift":
        return _shift(value, ctx, memo)
    if operator == "generalize":
        return _generalize(span.category, value)
    return _surrogate(span.category, value, ctx, memo)


def apply_operators(text: str, spans: Sequence[Span], ctx: DeidContext) -> str:
    """The text with every (disjoint, sorted) span replaced."""
    out: list[str] = []
    memo: dict[tuple[str, str], str] = {}  # a note repeats its names: replace each once
    call = _CallMemo()
    cursor = 0
    for span in spans:
        out.append(text[cursor : span.start])
        value = text[span.start : span.end]
        key = (span.category, value)
        if key not in memo:
            memo[key] = replacement(span, value, ctx, call)
        out.append(memo[key])
        cursor = span.end
    out.append(text[cursor:])
    return "".join(out)
