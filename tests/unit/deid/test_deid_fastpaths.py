"""The speed-only rewrites of :mod:`service.deid`: each matches exactly what the plain form does."""

from __future__ import annotations

import random
import re

import pytest

from service.deid import context, ocr
from service.deid.context import DeidContext
from service.deid.prefix_search import any_of, ascii_cases, trie_alternation, word_led
from service.deid.spans import Span

#: Texts that put words at boundaries, inside words, at the ends, in other cases and glued to
#: their own prefixes and longer forms.
_TEXTS = (
    "",
    "home homeless Home HOME homes hom h",
    "lives in Boston; living near Salem, live at home; Lives with travel traveled travelling",
    "travel to Ohio, traveled to Maine, travelled from Texas, traveling via Rome",
    "onto on off of at and along near via & x&y a&b",
    "Clinic Clinical clinic CLINIC Care Center, Cancer Center Health Healthcare Health Care",
    "MEDICAL CENTERS Medical Centre Med Ctr. Medicine Medic",
    "fourteen four fourty fourteenth sixty six sixteen seventy seventeen seven oh often",
    "\u017fsn \u212aansas k\u0130\u0131 Kansas kansas ssn SSN s.s.n Ssn social security",
    "xNew Year's New Years NEW YEAR'S new year's Christmas Eve CHRISTMAS DAY Christmas's",
    "a\nb\tc  (d) [e] e.g. i.e. 1a 2b lived to 97 LIVED TO 98 turned 91 TuRnEd 90",
)


@pytest.mark.parametrize(
    ("words", "ignore_case"),
    [
        (["homeless", "home", "hom", "h"], False),
        (["homeless", "home", "hom", "h", "Home", "HOME"], False),
        (["lives", "living", "live", "traveled", "travelled", "traveling", "travel"], False),
        (["onto", "on", "off", "of", "at", "and", "along", "near", "via", "&", "x&y"], False),
        (["Clinic", "Care Center", "Cancer Center", "Healthcare", "Health Care", "Health"], False),
        (["MEDICAL CENTER", "Medical Centre", "Med Ctr.", "Medicine", "Med"], False),
        (["fourteen", "fourty", "four", "sixteen", "sixty", "six", "seventeen", "oh"], False),
        (["kansas", "ssn", "social security", "ss", "new year's", "new years"], True),
        (["Kansas", "SSN", "Social Security", "ss.n", "a+b", "(x)"], True),
    ],
)
def test_trie_alternation_matches_the_plain_alternation(
    words: list[str], ignore_case: bool
) -> None:
    flags = re.IGNORECASE if ignore_case else 0
    plain = "(?:" + "|".join(re.escape(w) for w in words) + ")"
    tree = trie_alternation(words, ignore_case=ignore_case)
    for suffix in ("", r"\b", r"(?:es|s)?", r"[ \t]+\w", r"(?=\W|$)"):
        a, b = re.compile(plain + suffix, flags), re.compile(tree + suffix, flags)
        for text in _TEXTS:
            for variant in (text, text.lower(), text.upper(), text.title()):
                assert [m.span() for m in a.finditer(variant)] == [
                    m.span() for m in b.finditer(variant)
                ]
                for pos in range(len(variant) + 1):
                    ma, mb = a.match(variant, pos), b.match(variant, pos)
                    assert (ma and ma.span()) == (mb and mb.span())


def test_trie_alternation_refuses_an_order_it_would_change() -> None:
    with pytest.raises(ValueError):
        trie_alternation(["homeless", "home", "homes"])
    with pytest.raises(ValueError):
        trie_alternation(["Home", "home"], ignore_case=True)
    with pytest.raises(ValueError):
        trie_alternation(["\u0130stanbul"], ignore_case=True)
    with pytest.raises(ValueError):
        trie_alternation([])
    with pytest.raises(ValueError):
        trie_alternation(["a", ""])
    # a shorter word before or after all its longer forms keeps its place
    lazy = re.match(trie_alternation(["travel", "traveled"]), "traveled")
    greedy = re.match(trie_alternation(["traveled", "travel"]), "traveled")
    assert lazy is not None and lazy.group() == "travel"
    assert greedy is not None and greedy.group() == "traveled"
    # with word_end, longer forms that go on with a letter may sit on either side
    trie_alternation(["MSN", "MS", "MSc", "MS-1"], word_end=True)
    with pytest.raises(ValueError):
        trie_alternation(["MS-2", "MS", "MS-1"], word_end=True)


@pytest.mark.parametrize(
    "words",
    [
        ["MD", "M.D.", "MS", "MSN", "MSW", "PA", "PA-C", "MSc", "MLS", "MLS(ASCP)", "RN", "RNFA"],
        ["DTM&H", "DTMH", "DTM", "RN", "RN-BC", "RNFA", "FNP", "FNP-BC", "NP"],
    ],
)
def test_trie_alternation_word_end_matches_before_a_non_word(words: list[str]) -> None:
    plain = "(?:" + "|".join(re.escape(w) for w in words) + ")"
    tree = trie_alternation(words, word_end=True)
    texts = [", ".join(words), " ".join(w + "x" for w in words), "-".join(words), "MLS(ASCP) PA-C"]
    for suffix in (r"(?![\w-])", r"(?!\w)", r"\b"):
        a, b = re.compile(plain + suffix), re.compile(tree + suffix)
        for text in texts:
            for pos in range(len(text) + 1):
                ma, mb = a.match(text, pos), b.match(text, pos)
                assert (ma and ma.span()) == (mb and mb.span())
    for word in [*words, *(w + "x" for w in words), *(w[:-1] for w in words), "M.D", "X"]:
        assert bool(re.fullmatch(plain, word)) == bool(re.fullmatch(tree, word))


def test_any_of_finds_exactly_the_texts_with_a_needle() -> None:
    needles = [" de ", " del ", "Noche", "No\u00ebl", "Dia ", "D\u00eda", "de"]
    gate = re.compile(any_of(needles))
    for text in (*_TEXTS, "la casa del sol", "Nochebuena", "No\u00ebl", "Dia", "dEl", ""):
        assert bool(gate.search(text)) == any(n in text for n in needles)


@pytest.mark.parametrize(
    ("alternatives", "ignore_case", "boundary"),
    [
        (
            [r"New[ \t]Year'?s", "MLK", r"Martin[ \t]Day", "Christmas(?:[ \t]Eve)?", "X-?mas"],
            False,
            True,
        ),
        (
            ["lived[ \t]+to", "liv(?:ed|ing)", "turn(?:ed|s)", "kansas", "ssn", "ss#", "i"],
            True,
            True,
        ),
        (["ending(?: in)?", "ends", "last (?:four|4)", "social"], True, False),
        (["New York", "New Jersey", "Nevada", "North Dakota", "Kansas", "Kentucky"], True, True),
        (["hom", "homeless", "home", "Home", "HOMES"], False, True),
        (["homeless", "home", "homes", "hom"], False, True),
    ],
)
def test_word_led_matches_the_boundary_form(
    alternatives: list[str], ignore_case: bool, boundary: bool
) -> None:
    plain = ("\\b" if boundary else "") + "(?:" + "|".join(alternatives) + ")"
    if ignore_case:
        plain = f"(?i:{plain})"
    a, b = (
        re.compile(plain),
        re.compile(word_led(alternatives, ignore_case=ignore_case, boundary=boundary)),
    )
    texts = (
        *_TEXTS,
        "ending in 4411 ends last four LAST 4 \u017focial xending",
        "aNew New MLK new york NEW JERSEY nevada north dakota \u212aansas kentuckyx",
    )
    for text in texts:
        for variant in (text, text.lower(), text.upper(), text.title()):
            assert [m.span() for m in a.finditer(variant)] == [
                m.span() for m in b.finditer(variant)
            ]


def test_word_led_case_class_is_complete() -> None:
    # every character that (?i) matches a letter with is in the letter's lead class
    for letter in "abcdefghijklmnopqrstuvwxyz":
        led = re.compile(word_led([letter], ignore_case=True, boundary=False))
        for code in range(0x10000):
            char = chr(code)
            assert bool(re.fullmatch(f"(?i){letter}", char)) == bool(led.fullmatch(char)), (
                letter,
                hex(code),
            )


def test_word_led_refuses_a_branch_without_a_plain_first_letter() -> None:
    for bad in ("(?:a|b)c", "a?b", "\\bx", "1st", "\u00e9t\u00e9"):
        with pytest.raises(ValueError):
            word_led([bad])


def test_ocr_gate_finds_every_letter_digit_contact() -> None:
    plain = re.compile(r"[0-9][OolI]|[OolI][0-9]")
    texts = ("O4/17/1951", "2O25", "xxx-xx-O6l5", "SpO2", "O", "0", "lO", "Ol0", "10l/min", "I-10")
    for text in (*texts, *_TEXTS):
        assert bool(plain.search(text)) == bool(ocr._GATE.search(text))
        assert [m.span() for m in plain.finditer(text)] == [
            m.span() for m in ocr._GATE.finditer(text)
        ]


def test_ascii_cases_are_every_character_ignore_case_matches() -> None:
    for char in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-(. '":
        cases = ascii_cases(char)
        assert cases is not None and cases[0] == char.lower()
        pattern = re.compile(re.escape(char), re.IGNORECASE)
        found = {chr(c) for c in range(0x10000) if pattern.fullmatch(chr(c))}
        assert found == set(cases), char
    assert ascii_cases("\u00e9") is None


_CONTEXTS = (
    DeidContext(
        names=("Quentin Lowell", "Abernathy", "O'Neil-Kask", "\u00c9mile Ozturk", "Jo"),
        initials=("QA", "QLA", "\u00c9O"),
        dates=("1948-03-14", "1961-11-04"),
        identifiers=(("MRN", "MRN-881 20"), ("ID", "k7731s"), ("SSN", "123-45-6789")),
        phones=("(614) 555-0155", "+1 614 555 0199", "5550123"),
        faxes=("614.555.0166",),
        emails=("q.lowell@example.com",),
        urls=("www.lowell-family.net",),
        addresses=("1187 W Belmont Ave Apt 2R", "22 Skyline Drive"),
        locations=("Kansas City", "Ironton", "(Old) Town"),
        zips=("43215",),
    ),
)


def _context_texts(ctx: DeidContext) -> list[str]:
    rnd = random.Random(7)
    values = [
        *ctx.names,
        *ctx.initials,
        "Q.L.A.",
        "Q. A.",
        *(v for iso in ctx.dates for v in context.date_variants(iso)),
        *(v for _, v in ctx.identifiers),
        *ctx.phones,
        "614-555-0155",
        "1 (614) 555-0155",
        "555 0155",
        *ctx.faxes,
        *ctx.emails,
        *ctx.urls,
        *ctx.addresses,
        "BELMONT",
        "Belmont",
        *ctx.locations,
        "43215-1234",
    ]
    glue = ["", " ", "\n", "1", "a", ".", "-", "/", ",", "_", "\u017f", "\u212a", "\u0131", "Dr "]
    texts = []
    for _ in range(300):
        parts = [rnd.choice(values) + rnd.choice(glue) for _ in range(rnd.randint(1, 8))]
        text = rnd.choice(glue) + "".join(parts)
        texts += [text, text.lower(), text.upper(), text.title()]
        # letters that (?i) matches with an ASCII letter but lower() does not turn into it
        texts += [text.replace("s", "\u017f"), text.replace("i", "\u0131").replace("I", "\u0130")]
    return texts


def test_context_spans_match_the_plain_alternation_of_every_value() -> None:
    # the led forms, prefix trees and per-note gates find exactly what one alternation of the
    # plain patterns of all the values of a category finds
    for ctx in _CONTEXTS:
        groups = context._matcher(ctx).groups
        plain = [
            (category, re.compile("|".join(f"(?:{v.pattern})" for v in values), re.IGNORECASE))
            for category, values in groups
        ]
        assert {category for category, _ in plain} >= {"NAME", "DATE", "PHONE", "ZIP", "MRN"}
        for text in _context_texts(ctx):
            expected: list[Span] = []
            for category, regex in plain:
                if category == "DATE":
                    expected += context._dates_found(text, regex, 0.95)
                    continue
                expected += [
                    Span(category, m.start(), m.end(), 0.95, "context")
                    for m in regex.finditer(text)
                    if m.end() > m.start()
                ]
            assert context.context_spans(text, ctx) == expected, text


def test_any_case_classes_are_the_ignore_case_classes() -> None:
    for ascii_class in ("A-Za-z0-9", "A-Za-z.", "A-Za-z"):
        plain = re.compile(f"[{ascii_class}]", re.IGNORECASE)
        fast = re.compile(context._any_case(ascii_class), re.IGNORECASE)
        for code in range(0x10000):
            char = chr(code)
            assert bool(plain.fullmatch(char)) == bool(fast.fullmatch(char)), hex(code)
