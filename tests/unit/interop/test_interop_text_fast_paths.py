"""The string checks that replaced regexes on the ``$assess`` path accept and return the same."""

from __future__ import annotations

import base64
import random
import re
import sys

import pytest

from service.errors import InvalidRequest
from service.interop.notes import _decode_base64, _fast_base64, normalize_text

#: What ``_fast_base64`` replaced (the R4B-stricter base64Binary check of the fast path).
CANONICAL_BASE64 = re.compile(
    r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{4}|[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)"
)
WS = re.compile(r"\s+")
#: Every character Python's ``\s`` matches, plus neighbours that it does not.
WHITESPACE = "".join(chr(c) for c in range(sys.maxunicode + 1) if WS.match(chr(c)))
NEAR = "\u200b\ufeff\x00\x1b_-é"


def _reference_normalize(text: str) -> str:
    lines = (WS.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n"))
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def _reference_decode(data: str) -> bytes:
    return base64.b64decode(WS.sub("", data), validate=True)


def _random_base64ish(rng: random.Random) -> str:
    alphabet = "ABab09+/=" + "-_ \n\t=é\x00"
    return "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 14)))


def test_fast_base64_accepts_exactly_the_canonical_pattern() -> None:
    rng = random.Random(20240611)
    samples = [_random_base64ish(rng) for _ in range(100_000)]
    for _ in range(5_000):
        encoded = base64.b64encode(rng.randbytes(rng.randrange(0, 48))).decode()
        samples += [encoded, encoded + "=", encoded[:-1], "=" + encoded, encoded + "AAAA"]
        samples += [encoded.replace("=", "A"), encoded[1:], encoded.replace("A", " ")]
    samples += ["", "====", "A===", "AA==", "AAA=", "AAAA", "AA=A", "A=AA", "AAAA====", "\u00c0AAA"]
    for value in samples:
        assert _fast_base64(value) == (CANONICAL_BASE64.fullmatch(value) is not None), value


@pytest.mark.parametrize("value", [None, 4, b"AAAA", ["AAAA"], {"data": "AAAA"}])
def test_fast_base64_refuses_non_strings(value: object) -> None:
    assert not _fast_base64(value)


def test_normalize_text_matches_the_regex_version() -> None:
    rng = random.Random(7)
    pieces = ["word", "Ä", "a.b", "\r\n", "\n", "\r", *WHITESPACE, *NEAR]
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 30)))
        assert normalize_text(text) == _reference_normalize(text), repr(text)


def test_base64_decoding_drops_the_same_whitespace() -> None:
    rng = random.Random(11)
    for _ in range(5_000):
        encoded = base64.b64encode(rng.randbytes(rng.randrange(0, 40))).decode()
        chars = list(encoded)
        for _ in range(rng.randrange(0, 6)):
            chars.insert(rng.randrange(0, len(chars) + 1), rng.choice(WHITESPACE + NEAR))
        data = "".join(chars)
        try:
            expected: bytes | None = _reference_decode(data)
        except ValueError:  # binascii.Error is a ValueError
            expected = None
        if expected is None:
            with pytest.raises(InvalidRequest):
                _decode_base64(data, expression="x")
        else:
            assert _decode_base64(data, expression="x") == expected
