"""Operators: redaction tags, consistent surrogates, date shifting, Safe Harbor ZIPs."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from service.deid import DEFAULT_OPERATORS, DeidContext, deidentify, parse_operator_config
from service.deid.dates import parse_date, shift_date
from service.deid.operators import RESTRICTED_ZIP3, date_offset

NOTE = "Mr. Garcia was seen on 03/14/2021 and again on 04/02/2021. Garcia lives in Boston."


def ctx(key: bytes, subject: str, **ops: str) -> DeidContext:
    return DeidContext(key=key, subject_key=subject, operators=ops)


def test_surrogates_are_consistent_within_a_patient(key: bytes) -> None:
    first = deidentify(NOTE, ctx(key, "Patient/1")).text
    again = deidentify(NOTE, ctx(key, "Patient/1")).text
    assert first == again
    names = re.findall(r"Mr\. (\w+) was seen.*\. (\w+) lives", first)
    assert names and names[0][0] == names[0][1] != "Garcia"
    assert "Garcia" not in first
    assert "Boston" not in first


def test_surrogates_differ_across_patients_and_keys(key: bytes) -> None:
    one = deidentify(NOTE, ctx(key, "Patient/1")).text
    two = deidentify(NOTE, ctx(key, "Patient/2")).text
    other_key = deidentify(NOTE, ctx(b"another-secret-key-9876543210", "Patient/1")).text
    assert one != two
    assert one != other_key


def test_date_shift_keeps_intervals_and_format(key: bytes) -> None:
    out = deidentify(NOTE, ctx(key, "Patient/1")).text
    dates = re.findall(r"\d{2}/\d{2}/\d{4}", out)
    assert len(dates) == 2
    assert "03/14/2021" not in out
    parsed = [dt.datetime.strptime(d, "%m/%d/%Y").date() for d in dates]
    assert (parsed[1] - parsed[0]).days == (dt.date(2021, 4, 2) - dt.date(2021, 3, 14)).days
    offset = date_offset(key, "Patient/1")
    assert parsed[0] - dt.date(2021, 3, 14) == dt.timedelta(days=offset)


@pytest.mark.parametrize("subject", ["Patient/1", "Patient/2", "Patient/3", ""])
def test_date_offset_is_never_zero_and_at_most_a_year(key: bytes, subject: str) -> None:
    assert 1 <= abs(date_offset(key, subject)) <= 365


@pytest.mark.parametrize(
    ("text", "days", "expected"),
    [
        ("03/14/2021", 1, "03/15/2021"),
        ("3/14/21", 30, "4/13/21"),
        ("2021-03-14", -14, "2021-02-28"),
        ("March 14, 2021", 1, "March 15, 2021"),
        ("Mar 14", 18, "Apr 1"),
        ("14th March 2023", 1, "15th March 2023"),
        ("02-Apr-2024", 29, "01-May-2024"),
        ("September 2023", 31, "October 2023"),
        ("20210314", 1, "20210315"),
        ("June 15th", 7, "June 22nd"),
    ],
)
def test_shift_date_formats(text: str, days: int, expected: str) -> None:
    assert shift_date(text, days) == expected


def test_unreadable_date_is_redacted(key: bytes) -> None:
    out = deidentify("Seen on 31/31/2021 and then.", ctx(key, "p")).text
    assert "31/31/2021" in out  # not a date: left alone
    assert parse_date("31/31/2021") is None


@pytest.mark.parametrize("prefix", sorted(RESTRICTED_ZIP3))
def test_restricted_zip3_becomes_000(key: bytes, prefix: str) -> None:
    out = deidentify(f"Lives in Somewhere, WY {prefix}45.", ctx(key, "p")).text
    assert f"{prefix}45" not in out
    assert "000XX" in out


def test_unrestricted_zip_keeps_three_digits(key: bytes) -> None:
    out = deidentify("Home: Boston, MA 02118-1234.", ctx(key, "p")).text
    assert "021XX" in out
    assert "02118" not in out


def test_redact_tags_and_overrides(key: bytes) -> None:
    text = "Mr. Garcia, MRN 4471829, seen 03/14/2021, phone 617-555-0123, age 93 y/o."
    out = deidentify(text, ctx(key, "p", NAME="redact", DATE="generalize")).text
    assert "[NAME]" in out and "Garcia" not in out
    assert "[MRN]" in out and "[PHONE]" in out
    assert "2021" in out and "03/14" not in out
    assert "90+" in out and "93" not in out


def test_defaults_cover_every_category() -> None:
    from service.deid import CATEGORIES

    assert set(DEFAULT_OPERATORS) == set(CATEGORIES)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("", {}),
        ("NAME=redact,DATE=shift", {"NAME": "redact", "DATE": "shift"}),
        (" zip = generalize , age=redact ", {"ZIP": "generalize", "AGE": "redact"}),
    ],
)
def test_parse_operator_config(spec: str, expected: dict[str, str]) -> None:
    assert parse_operator_config(spec) == expected


@pytest.mark.parametrize(
    "spec", ["NAME", "NAMES=redact", "NAME=shift", "PHONE=generalize", "DATE=x"]
)
def test_parse_operator_config_rejects(spec: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        parse_operator_config(spec)


def test_result_counts_and_input_offsets(key: bytes) -> None:
    result = deidentify(NOTE, ctx(key, "p"))
    assert result.counts() == {"NAME": 2, "DATE": 2, "LOCATION": 1}
    assert [NOTE[s.start : s.end] for s in result.spans] == [
        "Garcia",
        "03/14/2021",
        "04/02/2021",
        "Garcia",
        "Boston",
    ]
