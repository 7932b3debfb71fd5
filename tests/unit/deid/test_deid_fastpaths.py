"""The speed-only rewrites of :mod:`service.deid`: each matches exactly what the plain form does."""

from __future__ import annotations

import dataclasses
import random
import re

import pytest

from service.deid import (
    casing,
    context,
    cues,
    dates,
    frames,
    generalise,
    keeps,
    languages,
    lexicon,
    ocr,
    recognizers,
    spoken,
)
from service.deid.context import DeidContext
from service.deid.prefix_search import (
    any_of,
    ascii_cases,
    ascii_digits,
    rare_led,
    trie_alternation,
    word_led,
)
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


def test_rare_led_finds_exactly_the_texts_with_a_needle() -> None:
    needles = ["Clinique", "rue ", "Hospital U", "weg,", "vej", "Sz", "z", "a.b", "(x)", "q"]
    gate = re.compile(rare_led(needles))
    rng = random.Random(11)
    alphabet = list("Cliquerue HospitalUwg,vjSz.ab()x") + needles
    fuzz = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 10))) for _ in range(5000)]
    for text in (*_TEXTS, *fuzz, "Cliniqu", "linique", "Hospital u", "ve j", "a-b", ""):
        assert bool(gate.search(text)) == any(n in text for n in needles), text
    with pytest.raises(ValueError):
        rare_led(["ok", ""])


def test_abroad_gate_is_the_in_tests() -> None:
    words = cues._FACILITY_ABROAD_WORDS + cues._STREET_KIND_WORDS + cues._STREET_SUFFIX_WORDS
    for text in (*_TEXTS, *words, "Hopita", "Rue", "the rue de la Paix", "Hallweg,"):
        assert bool(cues._ABROAD_GATE.search(text)) == any(w in text for w in words), text


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
    # the gate is a yes/no test (``search``); where it matches does not matter
    plain = re.compile(r"[0-9][OolI]|[OolI][0-9]")
    texts = ("O4/17/1951", "2O25", "xxx-xx-O6l5", "SpO2", "O", "0", "lO", "Ol0", "10l/min", "I-10")
    rng = random.Random(7)
    fuzz = ["".join(rng.choice("0O1lIoa x") for _ in range(rng.randint(0, 8))) for _ in range(5000)]
    for text in (*texts, *_TEXTS, *fuzz):
        assert bool(plain.search(text)) == bool(ocr._GATE.search(text)), text


def test_ocr_candidate_tokens_are_the_tokens_with_a_digit_and_a_lookalike() -> None:
    def wanted(token: str) -> bool:
        return any(c.isdigit() for c in token) and any(c in "OolI" for c in token)

    texts = ("DOB: O4/17/1951", "2O25 and xxx-xx-O6l5", "SpO2 98%", "10l/min", "I-10 lot ZB48812O7")
    rng = random.Random(11)
    fuzz = [
        "".join(rng.choice("0123OolIxX*/.-a b\nZ9") for _ in range(rng.randint(0, 25)))
        for _ in range(5000)
    ]
    for text in (*texts, *_TEXTS, *fuzz):
        plain = [m.span() for m in ocr._TOKEN.finditer(text) if wanted(m.group())]
        fast = [m.span() for m in ocr._candidate_tokens(text) if wanted(m.group())]
        assert plain == fast, text


def test_reference_initials_are_the_multiline_caret_pattern() -> None:
    plain = re.compile("^" + cues._REFERENCE_INITIALS_LINE, re.MULTILINE)
    texts = (
        "AMTB/jrk",
        "Signed\nAMTB/jrk\n",
        "  DRS : mlw \nx\nAB/cd",
        "XABCD/jr\nAB/c",
        "\n\nAB:xyz",
    )
    rng = random.Random(13)
    fuzz = [
        "".join(rng.choice("ABCab \t\n/:xyz") for _ in range(rng.randint(0, 25)))
        for _ in range(5000)
    ]
    for text in (*texts, *_TEXTS, *fuzz):
        expected = [(m.span(1), m.span(2)) for m in plain.finditer(text)]
        assert [(m.span(1), m.span(2)) for m in cues._reference_initials(text)] == expected, text


def test_ascii_digits_spells_every_digit_class_as_a_range() -> None:
    regex = re.compile(r"[\d.]\d{2}[^\d]\D\\d[]\d]", re.MULTILINE)
    fast = ascii_digits(regex)
    assert fast.pattern == r"[0-9.][0-9]{2}[^0-9]\D\\d[]0-9]"
    assert fast.flags == regex.flags
    with pytest.raises(ValueError):
        ascii_digits(re.compile(r"\d  # a digit", re.VERBOSE))


@pytest.mark.parametrize(
    "regex",
    [cues._AGE_SEX, cues._TWO_DIGIT_YEAR, generalise._NUMBER, re.compile(r"[\d-]+(?<!\d-\d)\D\d?")],
)
def test_ascii_digits_finds_the_same_matches_in_ascii_text(regex: re.Pattern[str]) -> None:
    fast = ascii_digits(regex)
    texts = (
        "Brooke Stone, 62F; R.S., 36M ROSS, ANN 91 YOF 45 y/o m 7yo f",
        "DOB 29 Feb 88 | seen 3-Mar-24; 1 Jan 2025",
        "0471-2291863 SP 31884 #448211 12 345 678-9 1.5 3,000 4/5",
    )
    rng = random.Random(17)
    alphabet = "0123456789 -/.,:MFyoYOJanFebDec|;\t\n"
    fuzz = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(3000)]
    for text in (*texts, *_TEXTS, *fuzz):
        if not text.isascii():
            continue
        expected = [(m.span(), m.groups()) for m in regex.finditer(text)]
        assert [(m.span(), m.groups()) for m in fast.finditer(text)] == expected, text


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
    # ASCII names and initials only: a note's NAME and LOCATION values are then all found by
    # str.find, not by a regex (see context._alternation)
    DeidContext(
        names=("Kirsti Salo", "Isak", "Salo-Vik", "Jo Ann", "K. Isak"),
        initials=("KS", "KIS", "JS"),
        dates=("1948-03-14",),
        locations=("Sioux Falls", "Ironton"),
    ),
)


def _context_texts(ctx: DeidContext) -> list[str]:
    rnd = random.Random(7)
    values = [
        *ctx.names,
        *ctx.initials,
        "Q.L.A.",
        "Q. A.",
        *(".".join(letters) + "." for letters in ctx.initials),
        *(". ".join(letters) for letters in ctx.initials),
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
        groups = context._groups(context._matcher(ctx))
        plain = [
            (category, re.compile("|".join(f"(?:{v.pattern})" for v in values), re.IGNORECASE))
            for category, values in groups
        ]
        assert {category for category, _ in plain} >= {"NAME", "DATE"}
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


def test_names_found_without_a_regex_are_what_the_alternation_finds() -> None:
    # context._alternation (str.find, then the boundaries and separators checked by hand)
    # against the regex of the same values, on short random texts made of the values' own
    # letters in both cases, their initials and the characters around a word that decide a
    # match: every kind of space, the separators, word characters, and the Kelvin sign
    ctx = DeidContext(
        names=("Kai Ek", "Ek", "Ki", "Ka-Ek", "E.K. Kai", "Kai  ,Ek"),
        initials=("KE", "KAE", "EK"),
        locations=("Ek Kai",),
    )
    groups = context._groups(context._matcher(ctx))
    plain = [
        (category, re.compile("|".join(f"(?:{v.pattern})" for v in values), re.IGNORECASE))
        for category, values in groups
    ]
    pieces = [
        *"kaeKAE.,-_'1 ",
        "\t",
        "\n",
        "\u00a0",
        "\u2003",
        "\u212a",
        "\u00e9",
        "Kai",
        "Ek",
        "K.E.",
        "K. A. E",
    ]
    rnd = random.Random(23)
    for _ in range(20000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 12)))
        expected = [
            Span(category, m.start(), m.end(), 0.95, "context")
            for category, regex in plain
            for m in regex.finditer(text)
            if m.end() > m.start()
        ]
        assert context.context_spans(text, ctx) == expected, repr(text)


def test_any_case_classes_are_the_ignore_case_classes() -> None:
    for ascii_class in ("A-Za-z0-9", "A-Za-z.", "A-Za-z"):
        plain = re.compile(f"[{ascii_class}]", re.IGNORECASE)
        fast = re.compile(context._any_case(ascii_class), re.IGNORECASE)
        for code in range(0x10000):
            char = chr(code)
            assert bool(plain.fullmatch(char)) == bool(fast.fullmatch(char)), hex(code)


def test_shop_on_is_the_blank_led_pattern() -> None:
    plain = re.compile(r"[ \t]on[ \t]+([A-Z][a-z]+(?:[ \t][A-Z][a-z]+)?)\b")
    texts = ("the branch on Main St", "on Elm on Oak\ton  Pine Hill", "Don Main, won Elm,on Oak")
    rng = random.Random(19)
    fuzz = [
        "".join(rng.choice(" \tonMaEl") for _ in range(rng.randint(0, 20))) for _ in range(5000)
    ]
    for text in (*texts, *_TEXTS, *fuzz):
        expected = [(m.start(), m.span(1)) for m in plain.finditer(text)]
        # the fast pattern starts at "on", one past the blank the plain one starts at
        found = [(m.start() - 1, m.span(1)) for m in recognizers._SHOP_ON.finditer(text)]
        assert found == expected, text


def test_letter_cases_count_the_title_word_matches() -> None:
    rng = random.Random(23)
    alphabet = "AaZz Qq\u00c9\u00e9\u0130\u0131\u212a\u017f1-\n"
    fuzz = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20))) for _ in range(5000)]
    for text in (*_TEXTS, *fuzz):
        expected = len(casing._TITLE_WORD.findall(text))
        assert text.translate(casing._LETTER_CASES).count("Aa") == expected, text


@pytest.mark.parametrize(
    ("plain", "gates", "alphabet", "texts"),
    [
        (
            re.compile(r"[NSEW]\.?[ \t]+\d{2,5}[ \t]+[NSEW]\b"),
            generalise._GRID_GATES,
            "NSEWX. \t0123x",
            ("lives at 1180 E. 400\tS.", "1180 E 400 S", "N 12 W", "X 12 W", "E 400 Sx"),
        ),
        (
            re.compile(rf"[,(][ \t]*(?:{languages._REGIONS})\b"),
            languages._REGION_GATES,
            ",( \tOntarioQuebecx",
            ("Toronto, Ontario", "(Quebec)", "Ontario", ",\tQuebecx", "( Ontario."),
        ),
        (
            re.compile(
                r"(?:unit|apt|apartment|suite|number)[ \t]+(?:zero|oh|one|two|three|four|five|six|"
                r"seven|eight|nine|ten|eleven|twelve|\w+teen|twenty|thirty|forty|fifty|sixty|"
                r"seventy|eighty|ninety)\b"
            ),
            spoken._UNIT_CUES,
            "unitaprmesubr \tonefifteno",
            (
                "unit two b",
                "apartment fifteen",
                "apt one",
                "suite oh",
                "number nineteen",
                "unit tw",
            ),
        ),
    ],
)
def test_split_gates_find_what_the_class_led_pattern_finds(
    plain: re.Pattern[str],
    gates: tuple[re.Pattern[str], ...],
    alphabet: str,
    texts: tuple[str, ...],
) -> None:
    rng = random.Random(29)
    fuzz = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24))) for _ in range(4000)]
    for text in (*texts, *_TEXTS, *fuzz):
        assert any(g.search(text) for g in gates) == bool(plain.search(text)), text


def test_road_cue_gate_is_the_in_tests() -> None:
    texts = ("out on crater lake hwy", "1190 old fort rd,", "the ave", "avenue", " Rd", "x\thwy")
    for text in (*texts, *_TEXTS):
        expected = any(cue in text for cue in cues._ROAD_CUES)
        assert bool(cues._ANY_ROAD_CUE.search(text)) == expected, text


def _plain_classify(tok: str, next_char: str) -> str:
    """``recognizers._classify`` as first written (a title is looked up with and without its
    dot per token)."""
    if len(tok) == 1:
        return "initial"
    low = tok.lower()
    if (low in lexicon.TITLES or (low + ".") in lexicon.TITLES) and next_char in ". \t":
        return "title"
    if (tok.isupper() or not tok[1:].islower()) and lexicon.CREDENTIAL_RE.fullmatch(tok):
        return "cred"
    base = low[:-2] if low.endswith(("'s", "\u2019s")) else low
    return recognizers._base_kinds().get(base, "other")


def test_classify_matches_the_plain_title_lookup() -> None:
    words = [w for t in lexicon.TITLES for w in (t, t.rstrip("."), t.title(), t.upper())]
    words += ["Dr", "DR.", "Drs", "Mister", "Md", "MD", "PsyD", "Smith", "June", "O'Neil", "St"]
    words += [w.title() for w in sorted(lexicon.STOP)[:200]] + ["X", "Mr's", "Ms\u2019s"]
    for word in words:
        for next_char in ("", " ", ".", "\t", ",", "\n", "/", "-"):
            assert recognizers._classify(word, next_char) == _plain_classify(word, next_char), (
                word,
                next_char,
            )


def test_span_init_is_the_dataclass_init() -> None:
    span = Span("NAME", 3, 9, 0.8, "name")
    assert (span.category, span.start, span.end, span.score, span.source) == (
        "NAME",
        3,
        9,
        0.8,
        "name",
    )
    assert Span(category="DATE", start=0, end=1, score=0.5) == Span("DATE", 0, 1, 0.5, "x")
    assert Span("DATE", 0, 1, 0.5).source == ""
    assert hash(Span("ID", 1, 2, 0.4, "a")) == hash(Span("ID", 1, 2, 0.4, "b"))
    assert dataclasses.replace(span, end=12) == Span("NAME", 3, 12, 0.8, "name")
    assert repr(span) == "Span(category='NAME', start=3, end=9, score=0.8, source='name')"
    for start, end in ((-1, 2), (4, 4), (5, 3)):
        with pytest.raises(ValueError):
            Span("NAME", start, end, 0.5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        span.start = 4  # type: ignore[misc]


def _frames_blank_led(text: str) -> list[tuple[int, str | None]]:
    """The frames ``head_names`` reads, found as before its word-led scan: every frame after a
    blank, kept where a capital and the tail letters of a name word stand before it."""
    out = []
    for m in re.finditer(frames._PERSON_FRAME, text):
        i = m.start()
        while i and text[i - 1] in frames._PART_TAIL:
            i -= 1
        if i != m.start() and i and text[i - 1] in frames._PART_HEAD:
            out.append((m.start(), m.group("act")))
    return out


def test_head_frames_are_the_blank_led_frames() -> None:
    pieces = [
        "Bill",
        " is a 45 M",
        "'s",
        " M's",
        " presents with",
        " denies",
        " (sister)",
        " ",
        "  ",
        "\t",
        ". ",
        "\n",
        "Hope",
        "F",
        "\u00c9",
        "x",
        "\u00f7",
        "\u2019",
        " 8 yo",
        "-",
    ]
    rng = random.Random(5)
    fuzz = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 20))) for _ in range(3000)]
    for text in (*_TEXTS, *fuzz, "Tom is a 45 M's is here for", "Bill is a 66M"):
        found = []
        pos = 0
        while (m := frames._FRAME_SCAN.search(text, pos)) is not None:
            found.append((m.start("f"), m.group("act")))
            pos = m.end() - 1 if text[m.end() - 1] in frames._PART_HEAD else m.end()
        assert found == _frames_blank_led(text), text


# ---------------------------------------------------------------- speed pass 18b


def _fuzz(pieces: list[str], seed: int, count: int = 3000, most: int = 12) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(0, most))) for _ in range(count)]


def _blank_nouns_by_search(
    text: str,
) -> tuple[list[tuple[int, str]], list[int], list[tuple[int, int]], list[tuple[int, int]]]:
    """What ``_blank_nouns`` stands for: the substring searches and the species' regex."""
    diseases = []
    for noun in generalise._DISEASE_NOUNS:
        at = text.find(noun)
        while at >= 0:
            diseases.append(at)
            at = text.find(noun, at + 1)
    species = [m.span() for m in generalise._GENUS_SPECIES.finditer(text)]
    return keeps.device_nouns(text), diseases, generalise._place_term_nouns(text), species


def test_blank_nouns_are_the_substring_searches() -> None:
    words = [word for word, _ in generalise._BLANK_NOUN_KINDS]
    pieces = [
        *words,
        *(w.upper() for w in words[:10]),
        "rulesx",
        "ruled",
        "proteinuria",
        "nodes_",
        "coli2",
        "colix",
        "Blake",
        "\u0130",
        "\u00df",
        "\u00e9",
        " ",
        " ",
        "  ",
        "\t",
        "\n",
        ",",
        "-",
        "_",
        "x",
    ]
    texts = [*_TEXTS, *_fuzz(pieces, 18), "Blake drain, Gilbert syndrome; Candida albicans rules"]
    for text in texts:
        assert generalise._blank_nouns(text) == _blank_nouns_by_search(text), text
    text = "Blake drain and Ross procedure, Blake drain"
    assert keeps.eponym_devices(text) == keeps.eponym_devices(text, keeps.device_nouns(text))


def test_instrument_nouns_are_the_regex_matches() -> None:
    regex = re.compile(
        r"(?:[Ss]core|[Ss]cale|[Gg]auge|[Cc]riteria|[Cc]lassification|SCORE|SCALE|GAUGE|"
        r"CRITERIA|CLASSIFICATION)\b"
    )
    pieces = ["score", "SCORE", "Scale", "sCALE", "gauge", "Criteria", "CLASSIFICATION", "core"]
    pieces += ["Murray ", "\u0130", "\u212a", "s", "S", " ", "x", "_", "-", "\n"]
    for text in (*_TEXTS, *_fuzz(pieces, 19)):
        found = generalise._instrument_nouns(text)
        assert found == [m.span() for m in regex.finditer(text)], text


def _gate_holds(gate: re.Pattern[str], regex: re.Pattern[str], texts: list[str]) -> int:
    """Every text where ``regex`` finds something is one ``gate`` finds something in; returns
    how many texts ``regex`` matched (so that a test can check its fuzz reached the form)."""
    hits = 0
    for text in texts:
        if regex.search(text):
            hits += 1
            assert gate.search(text), text
    return hits


def _slots(slots: list[list[str]], seed: int, count: int = 4000) -> list[str]:
    """Texts of one option per slot (each slot's options include near misses)."""
    rng = random.Random(seed)
    return ["".join(rng.choice(options) for options in slots) for _ in range(count)]


def test_distance_gate_lets_every_distance_through() -> None:
    slots = [
        ["", "x", " ", "about ", ".", "\n"],
        ["1", "20", "3.5", "\u0663", "x", "120"],
        ["", " ", "\t", "  "],
        ["mi", "mile", "miles", "km", "kilometers", "kilometre", "min", "M", "kilo"],
        ["", "."],
        [" ", "\t", "", "  "],
        ["N of", "northwest of", "SW. of", "from", "outside", "outside of", "past", "away from"],
        [" ", "\t", ""],
        ["Pine Hollow", "Ophir", "ophir", "x"],
    ]
    texts = [*_TEXTS, *_slots(slots, 20), "10 mi N of Pine Hollow", "5 km outside Ophir"]
    assert _gate_holds(recognizers._DISTANCE_GATE, recognizers._DISTANCE_FROM, texts) > 200


def test_compass_gate_lets_every_compass_street_through() -> None:
    slots = [
        ["", " ", "x", ":", "\n"],
        ["501", "1401", "12", "7A", "\u0663\u0663\u0663", "12345"],
        [" ", "\t", "  ", ""],
        ["N", "S", "E", "W", "North", "SOUTH", "East", "west", "Ne"],
        ["", "."],
        [" ", "\t", "", "  "],
        ["Broadway", "MAIN", "3rd", "\u06633rd", "x", "Main's"],
        ["", " ", "-", "x"],
    ]
    texts = [*_TEXTS, *_slots(slots, 21), "501 S. Broadway", "1401 SOUTH MAIN"]
    assert _gate_holds(recognizers._COMPASS_GATE, recognizers._COMPASS_STREET, texts) > 200


def test_lat_long_gates_let_every_coordinate_through() -> None:
    either = re.compile(f"{cues._LAT_LONG_N.pattern}|{cues._LAT_LONG_S.pattern}")
    slots = [
        ["", " ", "x"],
        ["34 03", "12 5.5", "1 22", "\u0663 \u0663\u0663"],
        ["N", "S", "E", "x"],
        [" ", "\t", ""],
        ["118", "15", "\u0663"],
        [" ", "\t"],
        ["15", "15.25", "1"],
        ["E", "W", "N"],
        ["", " ", "x"],
    ]
    texts = [*_TEXTS, *_slots(slots, 22), "34 03N 118 15W"]
    assert _gate_holds(either, cues._LAT_LONG, texts) > 200


def test_the_day_gate_on_an_ascii_note_lets_every_day_through() -> None:
    slots = [
        ["", "on ", "x", "by "],
        ["the", "The", "THE", "tHe", "th"],
        [" ", "\t", "  ", ""],
        ["first", "FIRST", "Twenty-first", "thirty second", "thirteenth", "Tenth", "twenty"],
        ["", " ", "\t"],
        [",", ".", "and", "at", "\n", "", "x"],
    ]
    texts = [t for t in (*_TEXTS, *_slots(slots, 23)) if t.isascii()]
    hits = 0
    for text in texts:
        if cues._THE_DAY.search(text):
            hits += 1
            assert cues._THE_DAY_LOWER.search(text.lower()), text
    assert hits > 200
    # not on other text: the long s is an "s" to (?i), and the copy keeps it
    assert cues._THE_DAY.search("on the \u017fecond.")
    assert not cues._THE_DAY_LOWER.search("on the \u017fecond.".lower())


def test_house_number_cue_needs_the_gate_words() -> None:
    # a cue of _ADDRESS_CUE_BEFORE holds "ddr" or "esid", or ends in "at" after "Lives",
    # "living" or "Staying": the narrowed gate of _unsuffixed_streets lets each through
    pieces = ["Lives", "living", "Staying", "resides", "Residing", "Address", "addr.", "Resident"]
    pieces += [" ", "\t", " at", " with her son", ":", "44 ", "Mulberry", "x", "AT", "at "]
    hits = 0
    for text in _fuzz(pieces, 24, 6000):
        for m in recognizers._ADDRESS_CUE_BEFORE.finditer(text):
            hits += 1
            assert (
                "ddr" in text
                or "esid" in text
                or "ives" in text
                or "iving" in text
                or "taying" in text
            ), m
    assert hits > 50


def test_payers_by_head_lists_every_payer_once_in_order() -> None:
    entries = sorted(e for head in generalise._PAYERS_BY_HEAD.values() for e in head)
    assert [payer for _, payer in entries] == [payer for payer, _ in generalise._PAYER_HEADS]
    for head, payers in generalise._PAYERS_BY_HEAD.items():
        assert all(generalise._PAYER_HEADS[i] == (payer, head) for i, payer in payers)


#: Pieces of dates in the languages of ``languages._european_dates``, with the letters a
#: case-blind match also takes (the dotted capital I, the dotless i, the long s, the Kelvin
#: sign), blanks, marks and digits.
_EU_DATE_PIECES = (
    "Mai",
    "mai",
    "MAYO",
    "Mayo",
    "maju",
    "w",
    "noong",
    "Hunyo",
    "HULYO",
    "abr\u0130l",
    "ab\u0131il",
    "\u017fetyembre",
    "o\u212atubre",
    "enero",
    "agosto",
    "january",
    "Januar",
    "februari",
    "pa\u017adziernika",
    "giugno",
    "August",
    "am",
    "ika-",
    "ng",
    " ",
    "  ",
    "\t",
    "\n",
    "-",
    ".",
    ",",
    "_",
    "4",
    "12",
    "31",
    "1999",
    "2024",
    "20245",
    "x",
    "\u00e9",
)


def _plain_european_dates(text: str) -> list[Span]:
    """``languages._european_dates`` as it was written: three scans of the whole note."""
    out: list[Span] = []
    for m in languages._DAY_EU_MONTH.finditer(text):
        month = m.group(1).lower()
        if (
            month in languages._NAME_LIKE_MONTHS
            and not m.group().rstrip()[-1:].isdigit()
            and languages._CAPITAL_WORD_AFTER.match(text, m.end())
        ):
            continue
        out.append(Span("DATE", *m.span(), 0.8, "languages"))
    for m in languages._EU_MONTH_YEAR.finditer(text):
        if m.group(1).lower() in languages._NAME_LIKE_MONTHS:
            words = text[max(0, m.start() - 12) : m.start()].split()
            if not words or words[-1].lower() not in languages._PREPOSITIONS_BEFORE_MONTH:
                continue
        out.append(Span("DATE", *m.span(), 0.8, "languages"))
    for m in languages._MONTH_FIRST_TL.finditer(text):
        if m.group(1).lower() in ("enero", "abril", "mayo", "agosto") and not m.group(2):
            continue
        out.append(Span("DATE", *m.span(), 0.8, "languages"))
    return out


def test_european_dates_are_the_three_scans() -> None:
    # the month-year scan led by the year, and the Tagalog scan skipped in an ASCII note
    # with none of its months, find what the plain scans find
    texts = (
        "am 4. Juni 2024, im Mai 2024; w maju 2024 noong Hunyo 4, 2024 ika-4 ng Hunyo",
        "Mayo 2019 clinic; Mayo 4 West; 2. Mai Nguyen, RN; seen January 28, 2020",
        "MAI   2024\tmai-2024 x-mai 2024 _mai 2024 mai_ 2024 Mai 1999 2024 Mai 20245",
        "ABR\u0130L 4, 2024 abr\u0131l 2024 \u017fetyembre 3 o\u212atubre 2025",
    )
    rng = random.Random(29)
    fuzz = [
        "".join(rng.choice(_EU_DATE_PIECES) for _ in range(rng.randint(0, 14))) for _ in range(6000)
    ]
    # and month, blanks, number runs, where most dates are
    words, numbers = _EU_DATE_PIECES[:23], _EU_DATE_PIECES[32:38]
    fuzz += [
        "".join(
            rng.choice(("", " ", "-", "x", "_", ". ", "\n"))
            + rng.choice(words)
            + rng.choice((" ", "  ", "\t", " \t", "\t ", "-", ""))
            + rng.choice(numbers)
            + rng.choice(("", ", 2024", " 1999", ".", "x", " West"))
            for _ in range(rng.randint(1, 4))
        )
        for _ in range(6000)
    ]
    for text in (*texts, *_TEXTS, *fuzz):
        expected = [(m.span(), m.group(1)) for m in languages._EU_MONTH_YEAR.finditer(text)]
        assert [(m.span(), m.group(1)) for m in languages._month_years(text)] == expected, text
        lowered = " " + text.lower()
        assert languages._european_dates(text, lowered) == _plain_european_dates(text), text


def _date_fuzz(seed: int, pieces: tuple[str, ...], count: int = 6000) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 10))) for _ in range(count)]


def test_day_month_pattern_shares_its_lead() -> None:
    # the day-month pattern of ``DateRecognizer`` as it was written, two branches each with
    # the digit lead and "\d?"
    lead = r"[0-9](?<![\w/.-][0-9])"
    plain = re.compile(
        lead
        + r"\d?(?:st|nd|rd|th)?(?:\s+of\s+|[\s-])"
        + dates.MONTH
        + r"(?:(?:,?\s+|-)\d{4}(?!\d)|-\d{2}(?!\d))?(?![A-Za-z])|"
        + lead
        + r"\d?(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEPT?|OCT|NOV|DEC|Jan|Feb|Mar|Apr|May|Jun|"
        r"Jul|Aug|Sept?|Oct|Nov|Dec)(?:\d{4}|\d{2})?(?![A-Za-z0-9])"
    )
    (fast,) = [p.regex for p in recognizers.DateRecognizer.PATTERNS if "JAN|FEB" in p.regex.pattern]
    pieces = (
        "0",
        "4",
        "12",
        "2024",
        "24",
        "JUN",
        "Jun",
        "jun",
        "June",
        "Sept",
        "SEP",
        "of",
        " ",
        "-",
        "th",
        "st",
        "x",
        "/",
        ".",
        "may",
        "\u0664",
        "\n",
    )
    texts = ("04JUN2024 4JUN24 11JUN 3rd of March 02-Apr-2024 14th March 2023", "1 Jun-24")
    for text in (*texts, *_TEXTS, *_date_fuzz(31, pieces)):
        assert [m.span() for m in fast.finditer(text)] == [
            m.span() for m in plain.finditer(text)
        ], text


def test_month_day_words_and_quarters_are_their_plain_forms() -> None:
    month_day = re.compile(
        rf"{recognizers.MONTH_LED}[ \t]+(?:the[ \t]+)?(?i:{dates.DAY_WORD})\b"
        rf"|(?<![\w])may[ \t]+(?:the[ \t]+)?(?!(?:first|second)\b)(?:{dates.DAY_WORD})\b"
    )
    quarter = re.compile(
        r"(?<![\w-])(?<!FY )(?:Q[1-4][ \t]*[-/]?[ \t]*(?:(?:19|20)\d\d|['\u2019]\d\d)|"
        r"[1-4]Q[ \t]*(?:19|20)?\d\d)(?![\w/-])"
    )
    pieces = (
        "may",
        "May",
        "MAY",
        "June",
        "jun",
        "Mar",
        "the",
        "first",
        "second",
        "third",
        "twenty",
        "twenty-first",
        "Eleventh",
        " ",
        "\t",
        "x",
        "_",
        "-",
        "Q",
        "Q2",
        "2Q",
        "3",
        "FY ",
        "2024",
        "'24",
        "/",
        "FY",
        "\u2019",
        "\n",
        "\u00e9",
    )
    texts = ("may twenty third; May the 2nd; june third; may first need; Q2 2024 3Q23 FY Q2 2024",)
    rng = random.Random(43)
    # and month, day-word runs, where these dates are
    runs = [
        "".join(
            rng.choice(("", " ", "x", "_", "-", "\n", "Q", "FY "))
            + rng.choice(("may", "May", "MAY", "June", "jun", "Sept", "mar", "Q", "Q3", "3"))
            + rng.choice((" ", "\t", "  ", "", "-"))
            + rng.choice(("", "the ", "THE "))
            + rng.choice(("first", "second", "third", "twenty first", "Eleventh", "2024", "'24"))
            + rng.choice(("", " ", "x", "-", "/"))
            for _ in range(rng.randint(1, 3))
        )
        for _ in range(6000)
    ]
    for text in (*texts, *_TEXTS, *_date_fuzz(37, pieces), *runs):
        found = [m.span() for m in generalise._MONTH_DAY_WORDS.finditer(text)]
        assert found == [m.span() for m in month_day.finditer(text)], text
        found = [m.span() for m in cues._QUARTER_YEAR.finditer(text)]
        assert found == [m.span() for m in quarter.finditer(text)], text
        if not any(head in text for head in cues._QUARTER_HEADS):
            assert not found, text
        plain = [m.span() for m in cues._DASH_DAY_MONTH.finditer(text)]
        assert [m.span() for m in cues._HYPHEN_DAY_MONTH.finditer(text)] == plain, text


def test_insulin_gate_finds_every_insulin_window() -> None:
    pieces = (
        "Insulin",
        "INSULIN",
        "novolog",
        "Lispro",
        "LI\u017fPRO",
        "lyumjev",
        "Aspart",
        "in\u017fulin",
        "\u0131nsulin",
        "\u0130NSULIN",
        " ",
        ".",
        "\n",
        "4",
        "10/10/10",
        "x",
    )
    for text in (*_TEXTS, *_date_fuzz(41, pieces)):
        for start in range(len(text) + 1):
            window = text[max(0, start - 24) : start]
            if recognizers._INSULIN_BEFORE.search(text, max(0, start - 24), start):
                assert not window.isascii() or recognizers._INSULIN_NAME.search(window.lower())


def test_wordlike_words_are_the_three_lists() -> None:
    words = context._wordlike_words(lexicon.ambiguous_names())
    assert words == lexicon.ambiguous_names() | lexicon.WORDLIKE_SURNAMES | lexicon.EPONYMS
    # a name of one word of letters has no initials (the fast path of ``_name_initials``)
    for name in ("Jessup", "L\u01b0\u01a1ng", "HARTSOCK"):
        assert name.isalpha() and context._name_initials(name) == set()
    assert context._name_initials("Kalinda Jessup") == {"KJ"}
