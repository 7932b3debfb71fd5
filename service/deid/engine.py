"""The de-identification pipeline: recognize → add context matches → resolve → operate."""

from __future__ import annotations

from typing import Final

from service.deid.casing import restore_case
from service.deid.context import (
    DeidContext,
    context_name_seeds,
    context_spans,
    propagate_names,
    propagate_places,
)
from service.deid.cues import CueRecognizer, lower_case_places, name_neighbours
from service.deid.folding import fold_letters
from service.deid.frames import (
    handoff_names,
    head_names,
    initials_names,
    nickname_names,
    ocr_names,
    signoff_names,
    speaker_names,
)
from service.deid.generalise import (
    GENERAL,
    cap_tokens,
    cut_at_tabs,
    followup_spans,
    protected_ranges,
    trim,
)
from service.deid.hl7 import Hl7Recognizer
from service.deid.languages import OtherLanguageRecognizer
from service.deid.ocr import read_digits, read_letters
from service.deid.operators import apply_operators
from service.deid.recognizers import RECOGNIZERS, Recognizer
from service.deid.scripts import OtherScriptRecognizer
from service.deid.spacing import compact_spacing
from service.deid.spans import DeidResult, Span, resolve_conflicts
from service.deid.spoken import SpokenRecognizer, lower_case_spoken
from service.deid.wordlist import common_words, proper_nouns

_NO_CONTEXT: Final = DeidContext()
#: The recognizers of :mod:`service.deid.recognizers`, then those for transcribed speech, HL7 v2
#: messages and notes in Spanish, French or Portuguese, PHI known by the cue beside it, and
#: names written in a non-Latin script (each in its own module).
_PIPELINE: Final[tuple[Recognizer, ...]] = (
    *RECOGNIZERS,
    CueRecognizer(),
    SpokenRecognizer(),
    Hl7Recognizer(),
    OtherLanguageRecognizer(),
    OtherScriptRecognizer(),
)


def find_spans(text: str, context: DeidContext | None = None) -> list[Span]:
    """Disjoint, sorted PHI spans of ``text`` (offsets into ``text``)."""
    ctx = context or _NO_CONTEXT
    # "İ" is the one character whose lower case is longer than itself ("i̇"): offsets found in a
    # lower-cased copy would slip past it (an index error, or a span beyond the note). The note
    # is read with "I", its base letter, in its place (same length, same offsets); a FHIR value
    # written with "İ" still matches it (the context patterns ignore case as the regex engine
    # does, which lower-cases "İ" to "i").
    if "\u0130" in text:
        text = text.replace("\u0130", "I")
    # a re-keyed typewriter letter ("2 / 11 / 1921 ,") is read closed up, spans moved back
    compacted = compact_spacing(text)
    if compacted is not None:
        return compacted.spans_in_input(_find_spans(compacted.text, ctx))
    return _find_spans(text, ctx)


def _find_spans(text: str, ctx: DeidContext) -> list[Span]:
    spans = _read(text, ctx)
    folded = fold_letters(text)
    if folded is not None:
        # "Kraków", "Łukasz Żółkiewski": read again with the accents off (same offsets), where
        # the ASCII word classes and lists see them, and the union kept; of the folded reading
        # only what touches a folded letter (the rest of the note reads the same both ways)
        spans = resolve_conflicts(
            [
                *spans,
                *(
                    s
                    for s in _read(folded, ctx)
                    if folded[s.start : s.end] != text[s.start : s.end]
                ),
            ]
        )
    lettered = read_letters(text)
    if lettered is not None:
        # a fax's "Boswel1", "AUGUSTlNE": read again with OCR's digits as the letters they
        # stand for (same offsets), and of that reading only what touches a changed letter
        spans = resolve_conflicts(
            [
                *spans,
                *(
                    s
                    for s in _read(lettered, ctx)
                    if lettered[s.start : s.end] != text[s.start : s.end]
                ),
            ]
        )
    return spans


def _read(text: str, ctx: DeidContext) -> list[Span]:
    # lower-case dictation is read with its capitals restored (same length, same offsets)
    reading = restore_case(text)
    # scanned text: "O4/17/1951" is read as "04/17/1951" (same length, same offsets)
    text = read_digits(reading.text)
    spans: list[Span] = list(reading.names)
    for recognizer in _PIPELINE:
        spans.extend(recognizer.analyze(text))
    tokens = cap_tokens(text)
    spans.extend(GENERAL.run(text, tokens))
    spans.extend(signoff_names(text))
    spans.extend(handoff_names(text))
    spans.extend(head_names(text))
    spans.extend(nickname_names(text))
    spans.extend(speaker_names(text))
    spans.extend(initials_names(text))
    spans.extend(ocr_names(text))
    spans.extend(context_spans(text, ctx, reading.lower))
    spans.extend(lower_case_places(text, reading.lower))
    spans.extend(lower_case_spoken(text, reading.lower))
    # protected forms (a state after a city, HGVS, a car's make) are cut out before the names
    # found so far seed propagation, and again after it
    protected = protected_ranges(text, tokens)
    spans = cut_at_tabs(text, trim(text, spans, protected))
    spans.extend(followup_spans(text, spans))
    spans.extend(propagate_places(text, spans))
    spans.extend(propagate_names(text, spans, context_name_seeds(ctx), reading.lower))
    spans.extend(name_neighbours(text, spans))
    return resolve_conflicts(trim(text, spans, protected))


def deidentify(text: str, context: DeidContext | None = None) -> DeidResult:
    """Replace every PHI span of ``text``; CPU-bound and synchronous (run it in a thread pool).

    Nothing is logged or stored: the result holds the new text and the spans (categories and
    offsets into the input), never the original values.
    """
    ctx = context or _NO_CONTEXT
    spans = find_spans(text, ctx)
    return DeidResult(apply_operators(text, spans, ctx), tuple(spans))


def prepare() -> None:
    """Load the word lists and the gazetteer and compile every pattern now (about half a
    second, once per process), so that the first request does not pay for it."""
    common_words()
    proper_nouns()
    # an ordinary note and a lower-case dictation (read apart: in one text the capitals of the
    # first would mark the whole as ordinary), so every recognizer and the case restorer run
    find_spans("Seen by Dr. Lee in Springfield on March 3.")
    find_spans("seen by dr lee in springfield today with her husband")
