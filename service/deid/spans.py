"""Spans, results and the one conflict-resolution function.

A :class:`Span` is what a recognizer reports: a category, a half-open ``[start, end)`` range of the
*input* text and a confidence. Recognizers are allowed to overlap; :func:`resolve_conflicts` turns
their union into disjoint spans before any operator runs.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Final

#: Every category a recognizer may report (the 18 Safe Harbor identifiers as they occur in text).
CATEGORIES: Final[tuple[str, ...]] = (
    "NAME",
    "DATE",
    "AGE",
    "PHONE",
    "FAX",
    "EMAIL",
    "SSN",
    "MRN",
    "HEALTH_PLAN",
    "ACCOUNT",
    "LICENSE",
    "VEHICLE",
    "DEVICE",
    "URL",
    "IP",
    "ADDRESS",
    "LOCATION",
    "ZIP",
    "ID",
)


_SET: Final = object.__setattr__


@dataclass(frozen=True, slots=True, init=False)
class Span:
    """One piece of PHI found in the input: ``text[start:end]`` is of ``category``."""

    category: str
    start: int
    end: int
    score: float
    #: Name of the recognizer that found it (diagnostics only; never the matched text).
    source: str = field(default="", compare=False)

    def __init__(self, category: str, start: int, end: int, score: float, source: str = "") -> None:
        # Speed: the generated frozen ``__init__`` and its ``__post_init__`` hook, in one
        # call (recognizers make thousands of spans per note); the same fields and check.
        _SET(self, "category", category)
        _SET(self, "start", start)
        _SET(self, "end", end)
        _SET(self, "score", score)
        _SET(self, "source", source)
        if not 0 <= start < end:
            raise ValueError("a span needs 0 <= start < end")


@dataclass(frozen=True, slots=True)
class DeidResult:
    """The de-identified text and the spans that were replaced (offsets into the input text)."""

    text: str
    spans: tuple[Span, ...]

    def counts(self) -> dict[str, int]:
        """Spans per category, for the audit log (categories and counts only, never text)."""
        return dict(Counter(span.category for span in self.spans))


def resolve_conflicts(spans: list[Span]) -> list[Span]:
    """Make spans disjoint: overlapping spans become one span over their union.

    The union is taken so that no character any recognizer flagged is left behind (a partial
    overlap resolved by dropping one side would leak its tail). The merged span takes the
    category of its strongest member: highest score, then longest, then earliest.
    """
    if not spans:
        return []
    ordered = sorted(spans, key=lambda s: (s.start, -s.end))
    merged: list[Span] = []
    group_start, group_end = ordered[0].start, ordered[0].end
    best = ordered[0]
    for span in ordered[1:]:
        if span.start < group_end:
            group_end = max(group_end, span.end)
            if _stronger(span, best):
                best = span
            continue
        merged.append(_as_group(best, group_start, group_end))
        group_start, group_end, best = span.start, span.end, span
    merged.append(_as_group(best, group_start, group_end))
    return merged


def _stronger(a: Span, b: Span) -> bool:
    return (a.score, a.end - a.start) > (b.score, b.end - b.start)


def _as_group(best: Span, start: int, end: int) -> Span:
    if best.start == start and best.end == end:
        return best
    return Span(best.category, start, end, best.score, best.source)


def token_occurrences(text: str, word: str, *, glue_after: str = "") -> list[int]:
    """Start offsets of ``word`` in ``text`` as a whole token: no letter, digit, apostrophe or
    hyphen before it, no letter or digit (nor a character of ``glue_after``) after it."""
    out = []
    pos = text.find(word)
    while pos >= 0:
        end = pos + len(word)
        if (pos == 0 or not (text[pos - 1].isalnum() or text[pos - 1] in "'\u2019-")) and (
            end >= len(text) or not (text[end].isalnum() or text[end] in glue_after)
        ):
            out.append(pos)
        pos = text.find(word, end)
    return out
