"""PHI marked by a cue right beside it, whatever the words themselves are.

Some identifiers are recognisable by their frame alone, even when the words are ordinary ones or
unknown: the age and sex a handoff writes after a name ("Brooke Stone, 62F"), the file names a
clinical photo log builds from the patient's surname ("CROSS_S_20250211_Lback_01.jpg"), the
initials of a double-barrelled name ("B.E.O.-L."), of a nurse before her credential
("R.T. (RN)"), of the author and typist under a letter ("AMTB/jrk"); an age after the relative
it belongs to ("maternal grandmother, 95,"); the legal date formula ("Dated this 2nd day of May,
2025"), a day of the month in words ("flew home on the tenth"), a day-month-year with a two-digit
year ("DOB 29 Feb 88"); a street named without its number before "address" ("the Jewell Ave
address"). Each of these patterns is a complete cue and needs no word list.

More frames, from rounds 11 and 12 (:func:`_framed`): initials named as such, a quoted name after
"called", a certificate number after a credential, capitalised words before ", CREDENTIAL", a
day of the month alone, month/day cells and log-line heads, an "Age" table column, Portuguese
days, titles and streets, CPF and grouped IMEI numbers, names in capitals after a title or a
relative, positions in degrees and minutes, 011 dialling, Irish counties, rural grid and tribal
route addresses. Some of these ask the English word list whether a word is ordinary
("Dr sandoval" is a name, "Dr said" is not). After every recognizer has run,
:func:`name_neighbours` adds what belongs to a name or an identifier found without it (an
initial, a particle, a nickname, a generation, the rest of a list of people, a letter code
before a number, the first street of an intersection), and :func:`lower_case_places` reads the
towns and ZIP codes of lower-case dictation where the capitals were restored.

The same frames are read in lower-case dictation, where capitals carry nothing: a relative and
the name after it ("his sister june marsh-okafor", "wade's wife, autumn,"), a name before the
relation in brackets ("spoke with wade marsh (son of decedent"), holidays ("due around labor
day"), a house number and street ("1190 old fort rd, klamath falls, or 97601"), a road driven on
("out to the cemetery on crater lake hwy").
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import lru_cache
from itertools import chain, pairwise
from typing import Final

from service.deid import lexicon as lx
from service.deid.dates import DAY_WORD, parse_date
from service.deid.gazetteer import places
from service.deid.prefix_search import any_of, ascii_digits, rare_led, trie_alternation
from service.deid.recognizers import (
    LABEL_WORDS,
    NAME_CONTEXT_WORDS,
    ORDINAL_COUNT_AFTER,
    STREET_SUFFIX,
    Recognizer,
    label_category,
    last_word,
    name_kind,
)
from service.deid.spans import Span
from service.deid.wordlist import common_words

_WORD: Final = r"[A-Z][a-z'\u2019]+(?:-[A-Z][a-z'\u2019]+)?"
_CAPS: Final = r"[A-Z]{2,}(?:[-'][A-Z]{2,})?"
_RELATION: Final = lx.RELATION_ALTERNATION
#: Month names in Title case only (``dates.MONTH`` reads any case; these cues stay with the
#: written form: "29 Feb 88", "2nd day of May").
_MONTH: Final = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
# Every scan below starts with a literal or a character class, so the regex engine skips
# ahead to where a match can begin; the context before a hit is checked afterwards in a short
# window (a leading look-behind or word boundary would make the engine try every position).

#: "Brooke Stone, 62F", "Dale Rivers, 90M", "R.S., 36M", "ROSS, ANN 91 YOF": a name, then the
#: age and sex a census or handoff line gives. The age may be anything; the name is the PHI.
#: Speed: "\d\d{0,2}" is "\d{1,3}" with a first digit the regex engine can scan for.
_AGE_SEX: Final = re.compile(r"\d\d{0,2}[ \t]?(?:[MF]|y/?o[ \t]?[mfMF]|YO[MF]|yo[mf])(?![\w/])")
#: Speed: the same scan for an ASCII note, "\d" as "[0-9]" (a cheaper test at every character).
_AGE_SEX_ASCII: Final = ascii_digits(_AGE_SEX)
_NAME_BEFORE_AGE: Final = re.compile(
    rf"(?<![\w.-])((?:{_WORD}(?:[ \t]+{_WORD}){{1,2}})|(?:{_CAPS}(?:,?[ \t]+{_CAPS}){{1,2}})"
    r"|(?:[A-Z]\.){2,3}),?[ \t]+$"
)
#: "B.E.O.-L.", "R.P.B.-N.": the initials of a hyphenated name are never anything else.
_HYPHEN_INITIALS: Final = re.compile(
    r"[A-Z]\.(?<![\w.][A-Z]\.)(?:[A-Z]\.){0,2}-(?:[A-Z]\.){1,2}(?!\w)"
)
#: "R.T. (RN)", "M.O'D. (RN)": dotted initials before a credential in brackets.
_INITIALS_CREDENTIAL: Final = re.compile(
    rf"([A-Z]\.(?:[A-Z]\.){{1,2}}|[A-Z]\.[A-Z]'[A-Z]\.)(?=[ \t]*\((?:{lx.CREDENTIALS})\))"
)
#: "AMTB/jrk", "DRS:mlw" alone on a line: the author's and the typist's initials.
#: Speed: led by the newline before the line (a literal the engine finds with a fast scan; "^"
#: is tried at every position), the first line matched on its own.
_REFERENCE_INITIALS_LINE: Final = r"[ \t]*([A-Z]{2,4})[ \t]*[/:][ \t]*([a-z]{2,3})[ \t]*$"
_REFERENCE_INITIALS: Final = re.compile("\n" + _REFERENCE_INITIALS_LINE, re.MULTILINE)
_REFERENCE_INITIALS_FIRST: Final = re.compile(_REFERENCE_INITIALS_LINE, re.MULTILINE)
#: "CROSS_S_20250211_...", "Rivers_Dale_20250304": a surname and initial or given name in a file
#: name, before the date it was taken.
_FILE_NAME: Final = re.compile(
    r"((?:[A-Z]{2,}(?:-[A-Z]{2,})?_[A-Z]{1,2})|(?:[A-Z][a-z]+_[A-Z][a-z]+))"
    r"(?=_(?:19|20)\d{6}(?![0-9]))"
)
#: "(maternal grandmother, 95, lives ...)", "his father, 93;": an age after the relative.
_COMMA_AGE: Final = re.compile(r",[ \t]+(9\d|1[01]\d)(?=[ \t]*[,;)])")
_RELATION_BEFORE: Final = re.compile(rf"(?i)\b(?:{_RELATION})\)?$")
#: "his mother Halima Warsame (~96 per pt)": an age in brackets right after a name.
_BRACKET_AGE: Final = re.compile(
    r"\(~?[ \t]*(9\d|1[01]\d)(?=[ \t]*(?:\)|,|;|per\b|y/?o\b|yrs?\b|years?\b))"
)
#: Capitalised words a reading in brackets follows ("Sat (96)", "Weight (92)").
_NOT_AGE_WORDS: Final = frozenset(
    ["sat", "sats", "spo2", "pulse", "weight", "wt", "glucose", "temp", "score", "rate", "hr"]
)
_NAME_WORD_BEFORE: Final = re.compile(r"(?<![\w.])([A-Z][a-z'\u2019]+)[ \t]*$")
#: "Dated this 2nd day of May, 2025", "on the twenty-first day of June".
_DAY_OF_MONTH: Final = re.compile(
    rf"(?i:\b(?:\d{{1,2}}(?:st|nd|rd|th)|{DAY_WORD})[ \t]+day[ \t]+of)[ \t]+{_MONTH}\b"
)
#: "flew home on the tenth and", "due by the twenty-first.": a day of the month in words,
#: after "on", "by", "until" or "before".
_THE_DAY: Final = re.compile(
    rf"[Tt][Hh][Ee][ \t]+((?i:{DAY_WORD}))(?=[ \t]*(?:[,.;)]|and\b|at\b|$))", re.MULTILINE
)
#: Its gate on an ASCII note's lower-cased copy, led by the literal "the" (a fast scan; the
#: pattern is led by a class that stops at every "t"). On ASCII text ``str.lower`` maps each
#: character to one, and ``(?i)`` matches only the ASCII cases of the day's words, so every
#: match of ``_THE_DAY`` is one of this in the copy. (Not on other text: under ``(?i)`` "\u017f"
#: is an "s" and "\u0130" an "i", which the copy does not hold as such.)
_THE_DAY_LOWER: Final = re.compile(rf"the[ \t]+(?:{DAY_WORD})")
_DAY_PREPOSITIONS: Final = frozenset(["on", "by", "until", "before"])
#: "DOB 29 Feb 88": a two-digit year after day and month (not a dose or count: nothing
#: follows on the same line but punctuation or a field separator).
_TWO_DIGIT_YEAR: Final = re.compile(
    # "\d\d?", not "\d{1,2}": a first digit to scan for (speed)
    rf"\d\d?[ \t-]{_MONTH}\.?[ \t-](\d\d)(?![\w/.:])(?=[ \t]*(?:[|,;)]|$))",
    re.MULTILINE,
)
_TWO_DIGIT_YEAR_ASCII: Final = ascii_digits(_TWO_DIGIT_YEAR)
#: "mailed to the Jewell Ave address", "at the Harmon Road house": a street named by its name.
_STREET_ADDRESS_WORD: Final = re.compile(
    rf"the[ \t]+((?:[A-Z][a-z]+[ \t]+){{1,2}}(?:{STREET_SUFFIX})\.?)"
    r"(?=[ \t]+(?:address|house|home|residence|apartment|place)\b)"
)
#: "Georgia Montgomery-Reyes", "Marguerite Ashby-Nkemelu": a capitalised word before a
#: double-barrelled family name. Not before a disease's noun ("Guillain-Barre syndrome").
_BARREL: Final = re.compile(
    r"-(?<=[a-z'\u2019]-)[A-Z][a-z'\u2019]+(?![\w-])"
    r"(?![ \t]+(?i:syndrome|disease|sign|tear|drain|tube|catheter|procedure|test|scale|score|"
    r"criteria|classification|reflex|maneuver|manoeuvre|operation|repair|fracture|"
    r"stain|shunt|valve|filter|clip|mask|needle|triad|phenomenon|disorder|dystrophy|"
    r"county|road|street|avenue|hospital|clinic|center|centre|university)\b)"
)
#: The street types as a prefix tree (each tried after a hit, not at every position).
_STREET_TREE: Final = trie_alternation(STREET_SUFFIX, word_end=True)
_TWO_WORDS_BEFORE: Final = re.compile(
    r"(?<![\w.'\u2019-])[A-Z][a-z'\u2019]+[ \t]+[A-Z][a-z'\u2019]+$"
)
#: A relative written in lower case: the cue of the three patterns after it (a prefix tree of
#: the words: most lower-case letters start one, and each is tried at every such letter).
_RELATIVE: Final = re.compile(trie_alternation(_RELATION) + r"\b")
#: "his sister June Marsh-Okafor": then two capitalised words, the second double-barrelled (a
#: month or a season as the given name included).
_RELATIVE_THEN_NAME: Final = re.compile(
    rf"[ \t]+({_WORD}[ \t]+[A-Z][a-z'\u2019]+(?:-[A-Z][a-z'\u2019]+)+)"
)
#: "wade's wife, autumn, joined": then one word between commas.
_RELATIVE_APPOSITION: Final = re.compile(
    r",[ \t]+([A-Za-z][a-z'\u2019]+(?:-[A-Za-z][a-z'\u2019]+)?)(?=,)"
)
#: "wade marsh (son of decedent;": two words, then the relation they stand in, in brackets.
_RELATION_IN_BRACKETS_AFTER: Final = re.compile(r"[ \t]+of\b|[;,)]")
_NAME_BEFORE_BRACKET: Final = re.compile(
    r"(?<![\w-])([A-Za-z][a-z'\u2019]+[ \t]+[A-Za-z][a-z'\u2019]+(?:-[A-Za-z][a-z'\u2019]+)?)"
    r"[ \t]+$"
)
#: Holidays written in lower case (the capitalised ones are read by the date recognizer).
_LOWER_HOLIDAY: Final = re.compile(
    r"(?:(?:independence|memorial|labou?r|veterans'?|presidents'?|mother'?s|father'?s|"
    r"valentine'?s|new[ \t]year'?s|christmas|thanksgiving)[ \t]day|christmas(?:[ \t]eve)?|"
    r"thanksgiving|easter(?:[ \t]sunday)?|halloween|juneteenth)\b"
)
#: Literal cues of the holidays (one C-speed ``in`` each; " day" alone is in most notes).
_HOLIDAY_CUES: Final = (
    "independence",
    "memorial",
    "labor",
    "labour",
    "veteran",
    "president",
    "mother",
    "father",
    "valentine",
    "new year",
    "christmas",
    "thanksgiving",
    "easter",
    "halloween",
    "juneteenth",
)
_LOWER_SUFFIX: Final = (
    r"rd|road|st|street|ave|avenue|blvd|boulevard|hwy|highway|ln|lane|dr|drive|way|ct|court|"
    r"pl|place|ter|terrace|pkwy|parkway|cir|circle|trl|trail|pike"
)
#: What every lower-case street match holds: " rd," or " rd.," (one scan, led by the space).
_UNIT_BEFORE_COMMA: Final = r"(?:[ \t]+(?:apt|unit|ste|suite|#)\.?[ \t]*[\w-]{1,5})?"
_STREET_CUE: Final = re.compile(rf" (?:{_LOWER_SUFFIX})\.?{_UNIT_BEFORE_COMMA},")
#: "1190 old fort rd, klamath falls": a house number, one to three words and a street type;
#: "2217 se Lambert st apt 4, portland": a unit before the comma, a name's capital restored.
_LOWER_STREET: Final = re.compile(
    rf"\d{{1,6}}[ \t]+(?:[A-Za-z][a-z]*[ \t]+){{1,3}}(?:{_LOWER_SUFFIX})\b\.?"
    rf"{_UNIT_BEFORE_COMMA}(?=,)"
)
#: "on crater lake hwy": a road named after "on", "off" or "near" (never "the road").
_LOWER_ROAD: Final = re.compile(
    r"(?:on|off|near)[ \t]+((?!(?:the|a|an|his|her|their|my|our|your|this|that|same|"
    r"main|back|dirt|gravel|icy|wet)\b)(?:[a-z]+[ \t]+){1,3}"
    r"(?:hwy|highway|rd|road|ave|avenue|blvd|boulevard|pike|parkway|pkwy))\b"
)
_ROAD_CUES: Final = (
    " hwy",
    " highway",
    " rd",
    " road",
    " ave",
    " blvd",
    " boulevard",
    " pike",
    " parkway",
    " pkwy",
)
#: Finds something exactly when one of ``_ROAD_CUES`` occurs (one scan led by their common
#: blank, in place of one ``in`` test per cue).
_ANY_ROAD_CUE: Final = re.compile(any_of(_ROAD_CUES))
#: "klamath falls, or 97601": a ZIP after a state code written in lower case.
_LOWER_STATE_ZIP: Final = re.compile(
    rf",[ \t]*(?:{lx.STATE_ABBR.lower()})\.?[ \t]+(\d{{5}}(?:-\d{{4}})?)(?![\w-])"
)
#: "lake charles la 70601": the comma before the state missing (led by the space before the
#: ZIP, the state read back from it).
_ZIP_AFTER_SPACE: Final = re.compile(r" (\d{5}(?:-\d{4})?)(?![\w-])")
_LOWER_STATE_BEFORE: Final = re.compile(rf"[a-z][ \t]+(?:{lx.STATE_ABBR.lower()})\.?$")

#: "admitted from bishop california", "lives in bend oregon": a lower-case town before its state.
_LOWER_TOWN_STATE: Final = re.compile(
    r"(?:from|in|near|to|of|outside)[ \t]+([a-z][a-z'\u2019-]+(?:[ \t][a-z][a-z'\u2019-]+)?)[ \t]+"
    # (the state may have its capital back: lower-case notes are read with names restored)
    rf"(?:{trie_alternation(lx.STATE_NAMES.lower())}|{trie_alternation(lx.STATE_NAMES)})\b"
)
#: "north main street bishop nine three five one four": a lower-case town between the street
#: and a ZIP read out.
_LOWER_TOWN_ZIP: Final = re.compile(
    rf"(?:{_LOWER_SUFFIX})\.?,?[ \t]+([a-z][a-z'\u2019-]+(?:[ \t][a-z][a-z'\u2019-]+)?),?[ \t]+"
    r"(?:(?:zero|one|two|three|four|five|six|seven|eight|nine|oh)[ \t]+){4}"
    r"(?:zero|one|two|three|four|five|six|seven|eight|nine|oh)\b"
)
_NOT_TOWN_WORDS: Final = frozenset(
    [
        "northern",
        "southern",
        "eastern",
        "western",
        "central",
        "rural",
        "coastal",
        "upstate",
        "downstate",
        "the",
        "a",
        "an",
        "his",
        "her",
        "their",
        "our",
        "my",
        "your",
        "its",
        "this",
        "that",
        "new",
        "old",
        "north",
        "south",
        "east",
        "west",
    ]
)


#: What a person does in a note ("Summer reports a fall", "June will visit", "Ivy born 36w4d"):
#: after a given name that is also a word, the verb makes it the name.
_PERSON_VERB: Final = (
    r"reports?|reported|states?|stated|says|said|will|would|was|is|has|had|called|calls|"
    r"denies|denied|asks?|asked|agrees?|agreed|verbali[sz]ed|born|came|visited|visits|wants|"
    r"wanted|feels|felt|notes|noted|requests?|requested|declines?|declined|understands|"
    r"prefers|lives|works|drives|helps|stays"
)


#: Months that are also given names ("May" is left out: "May I", "May is busy").
_MONTH_GIVEN_NAMES: Final = lx.MONTH_GIVEN_NAMES
_AUXILIARY: Final = re.compile(r"[ \t]+(?:will|would|was|is|has|had)\b")


@lru_cache(maxsize=1)
def _word_name_subject() -> re.Pattern[str]:
    """A given name that is also a word, in Title case, then a person's verb or "'s" and a
    relative ("Pearl's mother")."""
    names = sorted(
        (w.title() for w in lx.ambiguous_names() | _MONTH_GIVEN_NAMES if w != "may"),
        key=len,
        reverse=True,
    )
    # Speed: the names as a prefix tree (the same matches); a plain alternation of them is
    # tried name by name at every capital letter of the note
    return re.compile(
        rf"{trie_alternation(names)}"
        rf"(?=[ \t]+(?:{_PERSON_VERB})\b|['\u2019]s[ \t]+(?:{_RELATION})\b)"
    )


#: "initials PR", "Initials: JKT": a person's initials named as such.
_INITIALS_WORD: Final = re.compile(r"[Ii]nitials[ \t]*:?[ \t]+([A-Z]{2,3})(?![\w.])")
#: 'now called "Juniper"', "goes by 'Bea'": a name in quotes after a verb of naming.
_CALLED: Final = re.compile(
    r"(?:called|calls?[ \t]+(?:him|her|them)|nicknamed|goes[ \t]+by|known[ \t]+as|named)"
    r"[ \t]+[\"'\u201c\u2018]"
    r"([A-Z][a-z'\u2019]+(?:[ \t][A-Z][a-z'\u2019]+)?)[\"'\u201d\u2019]"
)
#: The gate of ``_CALLED``. Speed: with six to eight words (here and in ``_CRAFT_WORDS`` and
#: ``_GRID_ROADS``) an ``in`` test per word is cheaper than one regex scan for any of them (in
#: instructions and in time, measured on the bench notes: the scan stops at each letter that
#: starts a word); the longer lists below keep their one scan (``any_of``).
_NAMING_VERBS: Final = ("called", "calls ", "call ", "named", "goes by", "known as")
#: "D-ABMDI #1452", "RN #448190": a certificate's number right after the credential.
#: (led by "#", the credential read back from it)
_NUMBER_SIGN: Final = re.compile(r"#[ \t]?(\d{3,9})(?![\w-])")
_CREDENTIAL_BEFORE: Final = re.compile(rf"(?<![\w-]){lx.CREDENTIALS_TREE}[ \t]*$")
#: "G. Marsh, PharmD", "D. Bishop, MDiv": an initial and a word before a credential (the word
#: may be an ordinary one: the frame makes it a name).
#: (led by the initial's dot, a literal the engine scans for; the capital before it is checked)
_INITIAL_WORD_CREDENTIAL: Final = re.compile(
    rf"\.[ \t]?[A-Z][a-z'\u2019]+(?:-[A-Z][a-z'\u2019]+)?(?=,?[ \t]+{lx.CREDENTIALS_TREE})"
)
#: "the 10th of January": the article belongs to the date (the date rules stop at the number).
#: (Both "the" patterns are led by "he", a literal the engine scans for, the "T" or "t" checked
#: behind it.)
_THE_ORDINAL_OF_MONTH: Final = re.compile(
    rf"he(?<=[Tt]he)[ \t]+\d\d?(?:st|nd|rd|th)[ \t]+of[ \t]+{_MONTH}\b"
)
#: "second of February", "twenty third of may", "3rd of June": an ordinal day and its month
#: without "the" (dictation drops it). "may" in lower case counts only at a clause's end ("of
#: may." / "of may 2024"), not as the verb ("first of may include"); a possessive is no date
#: ("a third of May's doses"). Led by "of" and the month (a literal scan), the day read back.
_OF_MONTH: Final = re.compile(
    rf"of[ \t]+(?:{_MONTH}|(?i:january|february|march|april|june|july|august|september|"
    r"october|november|december)|may(?=[ \t]*(?:[.,;)]|$|\d)))\b(?!['\u2019])",
    re.MULTILINE,
)
_ORDINAL_DAY_BEFORE: Final = re.compile(rf"(?<![\w-])(?i:{DAY_WORD}|\d\d?(?:st|nd|rd|th))[ \t]+$")
#: "Spring 2021", "WINTER '19", "summer of 2019": a season dates an event to its quarter of a
#: year (more than the year alone). A lower-case "fall" counts only with "of" ("a fall 2021"
#: may be the event). Led by the blank and the year (a rare start), the season read back.
_YEAR_AFTER_BLANK: Final = re.compile(r"[ \t](?:(?:19|20)\d\d|['\u2019]\d\d)(?![\w/.-])")
#: Speed: the same led by a space, for a note without a tab (where ``[ \t]`` can only be the
#: space, so the matches are the same): a scan for one literal character is several times
#: faster than one for a class.
_YEAR_AFTER_SPACE: Final = re.compile(r" (?:(?:19|20)\d\d|['\u2019]\d\d)(?![\w/.-])")
_SEASON_BEFORE: Final = re.compile(
    r"(?<![\w-])(?:[Ss]pring|SPRING|[Ss]ummer|SUMMER|Fall|FALL|[Aa]utumn|AUTUMN|[Ww]inter|"
    r"WINTER|fall(?=[ \t]+of))(?:[ \t]+of)?$"
)
#: "Q2 2024", "Q3-2025", "2Q2023", "the second quarter of 2023": a quarter of a year dates an
#: event as a season with its year does (more than the year alone; the Safe Harbor list is
#: silent on quarters, and this follows the season rule above). Not a fiscal one ("FY24 Q2":
#: a reporting period, as "FY2025" is kept). Led by the literal "Q" or "quarter".
_QUARTER_YEAR: Final = re.compile(
    # Speed: led by the class of both branches' first characters, the look-behinds read after
    # it (a pattern led by a look-behind is tried at every position of the note). The same
    # matches as "(?<![\w-])(?<!FY )(?:Q[1-4]...|[1-4]Q...)": with the lead taken, the
    # look-behinds test the same characters before it, and each branch its own lead.
    r"[Q1-4](?<![\w-][Q1-4])(?<!FY [Q1-4])"
    r"(?:(?<=Q)[1-4][ \t]*[-/]?[ \t]*(?:(?:19|20)\d\d|['\u2019]\d\d)|"
    r"(?<=[1-4])Q[ \t]*(?:19|20)?\d\d)(?![\w/-])"
)
_QUARTER_HEADS: Final = ("Q1", "Q2", "Q3", "Q4", "1Q", "2Q", "3Q", "4Q")
_QUARTER_WORDS: Final = re.compile(
    r"(?i:first|second|third|fourth|1st|2nd|3rd|4th|last)[ \t]+quarter[ \t]+(?:of[ \t]+)?"
    r"(?:19|20)\d\d(?!\d)"
)
#: "3rd-5th of June", "12th-14th June", "3-5 June 2024": a range of days before its month, led
#: by the dash (the first day is read back before it).
_DAY_MONTH_AFTER_DASH: Final = (
    rf"[ \t]*([12]?\d|3[01])(?:st|nd|rd|th)?[ \t]+(?:of[ \t]+)?({_MONTH})\b"
    r"(?:,?[ \t]+(?:19|20)\d\d(?!\d))?"
)
_DASH_DAY_MONTH: Final = re.compile(r"[-\u2013]" + _DAY_MONTH_AFTER_DASH)
#: Speed: the same led by the hyphen alone, for a note with no en dash (most): a literal lead
#: is found by a fast search, where the class with the en dash is tested at every character.
_HYPHEN_DAY_MONTH: Final = re.compile("-" + _DAY_MONTH_AFTER_DASH)
_DAY_BEFORE_RANGE: Final = re.compile(r"(?<![\w/.,-])([12]?\d|3[01])(?:st|nd|rd|th)?[ \t]*$")
#: A grade, stage or dose before the first number: a range of values ("Grade 1-2 June review").
_VALUE_WORD_BEFORE: Final = re.compile(
    r"(?i:grade|stage|class|level|score|pain|take|takes|x|gtt|tabs?|doses?)[ \t:]*$"
)
#: A word after "May" that makes it the verb ("1-2 May consider").
_MAY_VERB_AFTER: Final = re.compile(r"[ \t]+[a-z]")
#: "On March the 3rd she fell": a month, "the" and a day (not "In May the 2nd dose").
_THE_DAY_ORDINAL: Final = re.compile(r"the[ \t]+(?:[12]?\d|3[01])(?:st|nd|rd|th)\b")
#: (led by "the", the month read back before it: a scan led by a literal is fast)
_MONTH_JUST_BEFORE: Final = re.compile(rf"(?<![\w]){_MONTH}\.?[ \t]+$")
#: "the corner of 5th and Main", "intersection of Pine & 3rd St": two streets that meet.
_STREET_CORNER: Final = re.compile(
    r"(?i:corner|intersection)[ \t]+of[ \t]+"
    r"((?:\d{1,3}(?:st|nd|rd|th)|[A-Z][a-z]+)(?:[ \t]+(?:St|Ave|Rd|Street|Avenue|Road|Blvd)\.?)?"
    r"[ \t]+(?:and|&)[ \t]+"
    r"(?:\d{1,3}(?:st|nd|rd|th)|[A-Z][a-z]+)(?:[ \t]+(?:St|Ave|Rd|Street|Avenue|Road|Blvd)\.?)?)"
)
_SIDES: Final = frozenset(["left", "right", "upper", "lower", "medial", "lateral"])
#: "@jrivera1990", "handle @tomcat_88": a social-media handle is a unique identifier. Clinical
#: shorthand writes "@" for "at" ("@home", "@ 0800", "@bedtime"), so a handle needs a digit or
#: an underscore in it, or a word before it that names one.
_HANDLE: Final = re.compile(r"@([A-Za-z][A-Za-z0-9_.-]{1,29}[A-Za-z0-9_])(?![\w@-])")
_HANDLE_CUE: Final = re.compile(
    r"(?i:handle|username|user[ \t]?name|screen[ \t]?name|twitter|instagram|insta|tiktok|"
    r"snapchat|snap|facebook|fb|ig|threads|reddit|discord|telegram|venmo|cash[ \t]?app|"
    r"gamertag|account|dm|posted)\W{0,3}(?:[a-z]+\W{1,3}){0,2}$"
)
#: "Drs. Whitfield, Okoro, and Vance": the doctors named after a plural title, one by one.
_DOCTORS: Final = re.compile(r"\b(?:Drs|DRS)\.?[ \t]+")
_LISTED_SURNAME: Final = re.compile(
    r"(?:,[ \t]*|,?[ \t]+(?:and|&)[ \t]+|[ \t]*/[ \t]*)?"
    r"([A-Z][a-z\u00c0-\u024f'\u2019]+(?:-[A-Z][a-z\u00c0-\u024f'\u2019]+)?|[A-Z]{2,}(?:-[A-Z]{2,})?)"
)
#: "census tract 4412.02", "Precinct 12": geographic units smaller than a state, by number;
#: "the 90210 area": a ZIP code named as an area.
_NUMBERED_AREA: Final = re.compile(
    r"(?i:census[ \t]+tract|precinct)[ \t]*(?:#|no\.?)?[ \t]*(\d{1,6}(?:\.\d{1,2})?)(?!\d|\.\d)"
)
_ZIP_AREA: Final = re.compile(
    r"\b(?:the|THE|The)[ \t]+(\d{5})(?:-\d{4})?[ \t]+(?:area|neighbou?rhood|zip[ \t]+code)\b"
)
#: "Wed 16-Oct", "16-Oct:": a day and a month joined by a hyphen.
#: (led by the hyphen, a literal the engine scans for; the day is read back from it)
_DASH_MONTH: Final = re.compile(rf"-{_MONTH}\b(?![-/.]?\d)")
_DAY_BEFORE_DASH: Final = re.compile(r"(?<![\w/.-])(?:[12]?\d|3[01])$")
_MONTH_DAY: Final = r"(?:1[0-2]|0?[1-9])/(?:3[01]|[12]\d|0?[1-9])"
#: "LABS\t9/16\t9/19\t9/22": month/day cells of one table row (two or more in the row).
_MD_CELL: Final = re.compile(rf"\t({_MONTH_DAY})(?=\t|$)", re.MULTILINE)
#: "chego no dia 14", "sexta-feira, dia 14": a day of the month in Portuguese or Spanish.
_DIA: Final = re.compile(
    # ("Dia": a dictation read with its capitals restored may have made the word a name)
    # (led by "a", a literal the engine scans for, "Di", "di" or "dí" checked behind it)
    r"a(?<=[Dd][i\u00ed]a)[ \t]+([12]?\d|3[01])(?!\d|[.,:]\d|/|[ \t]*(?:mm|cm|%|x\b))"
)
_DIA_BEFORE: Final = frozenset(
    [
        "no",
        "o",
        "el",
        "do",
        "ao",
        "al",
        "del",
        "feira",
        "este",
        "pr\u00f3ximo",
        "proximo",
        "desde",
        "at\u00e9",
        "hasta",
    ]
)
#: "123.555.789-09": a Brazilian CPF (taxpayer number) in its written form.
#: (led by its first dot, the three digits before it checked from there)
_CPF: Final = re.compile(r"\.\d{3}\.\d{3}-\d{2}(?![\w.-])")
_THREE_DIGITS_BEFORE: Final = re.compile(r"(?<![\w.-])\d{3}$")
#: "35 209108 664120 3": an IMEI in its printed groups (2-6-6-1).
#: (led by the space before the first six-digit group, the two digits before it checked)
_IMEI_GROUPS: Final = re.compile(r" \d{6} \d{6} \d(?![\w.-])")
_TWO_DIGITS_BEFORE: Final = re.compile(r"(?<![\w.-])\d\d$")
#: "Dr sandoval was great": a lower-case surname after the title in a note with capitals.
_TITLE_LOWER: Final = re.compile(r"(?:Dr|DR|Doctor)\.?[ \t]+([a-z][a-z'\u2019-]{2,})\b")
#: "told my sister bev": a relative, then a lower-case word that is not English.
#: The kinds of a known family name (``name_kind``), also one that is a word ("Young").
_FAMILY_KINDS: Final = frozenset(["last", "wordlast"])
#: Relatives in French, Spanish and Portuguese: after the French possessive "son" they are the
#: relation, not a lower-case name ("son fils Étienne").
_FOREIGN_KIN: Final = frozenset(
    [
        "fils",
        "fille",
        "mari",
        "femme",
        "frère",
        "frere",
        "soeur",
        "sœur",
        "père",
        "pere",
        "mère",
        "mere",
        "petit-fils",
        "petite-fille",
        "neveu",
        "nièce",
        "niece",
        "cousin",
        "cousine",
        "hijo",
        "hija",
        "esposo",
        "esposa",
        "filho",
        "filha",
        "marido",
        "neto",
        "neta",
    ]
)
_KIN_NAME_PART: Final = r"[A-Z\u00c0-\u00de][a-z\u00df-\u024f'\u2019]+"
_KIN_NAME_AFTER: Final = re.compile(rf"[ \t,]+({_KIN_NAME_PART}(?:-{_KIN_NAME_PART})?)")
_LOWER_WORD_AFTER: Final = re.compile(r"[ \t]+([a-z][a-z'\u2019]{2,})\b(?![-/])")
#: "end of addendum a k job number 4412": a transcriptionist's initials before the job number.
_JOB_NUMBER: Final = re.compile(r"(?i:job)[ \t]+(?i:number|no\.?|#)")
_INITIALS_BEFORE_JOB: Final = re.compile(r"(?<![\w'])([a-zA-Z])[ \t.]([a-zA-Z])\.?[ \t]+$")
#: "Seu Tião", "Dona Fátima", "a minha neta Inês": a Portuguese title or relative, then a name.
_PT_TITLE_NAME: Final = re.compile(
    r"(?:Seu|Dona|Senhor|Senhora|neta|neto|filha|filho|esposa|marido|irm\u00e3|irm\u00e3o|"
    r"m\u00e3e|av\u00f3|av\u00f4|sobrinha|sobrinho)[ \t]+"
    r"([A-Z\u00c0-\u00dd][a-z\u00df-\u00ff'\u2019]+)"
)
_FOREIGN_STREET_WORDS: Final = (
    "Rua ",
    "Avenida ",
    "Travessa ",
    "Largo ",
    "Estrada ",
    "Calle ",
    "Camino ",
    "Paseo ",
    "Carrera ",
    "Calzada ",
)
_FOREIGN_STREET_GATE: Final = re.compile(any_of(_FOREIGN_STREET_WORDS))
#: "na Rua do Farol", "Calle de la Luna 14": a street named in Portuguese or Spanish.
_FOREIGN_STREET: Final = re.compile(
    r"(?:Rua|Avenida|Travessa|Largo|Estrada|Calle|Camino|Paseo|Carrera|Calzada)[ \t]+"
    r"(?:(?:de|do|da|dos|das|del|de[ \t]la|la|las|los)[ \t]+)?"
    r"[A-Z\u00c0-\u00dd][\w'\u2019-]+(?:[ \t]+[A-Z\u00c0-\u00dd][\w'\u2019-]+)?"
)


# Facilities and streets abroad. The engine also reads a note with its accents folded
# (:mod:`service.deid.folding`), so these are written without accents: "Hôpital" is met as
# "Hopital", "Bahnhofstraße" as "Bahnhofstrase".
_WORD_ABROAD: Final = r"[A-Z][\w'\u2019-]+"
_PARTICLE_ABROAD: Final = (
    r"(?:de[ \t]la|de[ \t]l['\u2019]|de|du|des|d['\u2019]|do|da|dos|das|del|della|delle|dei|"
    r"degli|di|der)"
)
#: "Hôpital Sainte-Justine", "Clínica Alemana", "Hospital de Clínicas", "Klinikum Großhadern":
#: a hospital named in another language, its kind first.
_FACILITY_ABROAD: Final = re.compile(
    r"(?:Hopital|Centre[ \t]Hospitalier|Clinique|Clinica|Klinik|Klinikum|Krankenhaus|Ospedale|"
    r"Policlinico|Sanatorio|Spital|Ziekenhuis|Szpital|"
    r"Hospital(?=[ \t]+(?:de|do|da|del|dos|das|San|Santa|Sao|Universitario)\b))"
    rf"(?:[ \t]+(?:{_PARTICLE_ABROAD}[ \t]*)?{_WORD_ABROAD}){{1,3}}"
)
#: "12 rue Lepic", "Rue de l'Église", "Chemin des Vignes", "Via Roma 12", "Piazza Navona":
#: a street named in French or Italian, its kind first. Words that English uses too
#: ("Avenue", "Place", "Via", "Corso") count only with a particle after them or a house number
#: beside them.
_STREET_KIND: Final = re.compile(
    r"(?P<kind>Rue|rue|Chemin|chemin|Allee|allee|Impasse|impasse|Quai|quai|Boulevard|"
    r"Avenue|Place|Route|Via|Viale|Piazza|Piazzale|Corso|Vicolo)[ \t]+"
    rf"(?P<particle>{_PARTICLE_ABROAD}[ \t]*|(?:San|Santa|Saint|Sainte)[ \t]+)?"
    rf"{_WORD_ABROAD}(?:[ \t]+{_WORD_ABROAD})?"
    r"(?P<after>,?[ \t]+\d{1,4}[a-z]?\b)?"
)
#: "Bahnhofstraße 44", "44 Keizersgracht", "Storgatan 12": a Germanic or Scandinavian street,
#: its kind a suffix; it needs a house number beside it ("Hallweg" alone may be a family name).
_STREET_SUFFIXED: Final = re.compile(
    r"[A-Z][a-z]+(?:strasse|strase|gasse|platz|allee|straat|laan|gracht|plein|gatan|vagen|vej|"
    r"veien|gata|weg)\b(?P<after>,?[ \t]+\d{1,4}[a-z]?\b)?"
)
#: A house number just before a street ("12 rue", "44, Keizersgracht").
_HOUSE_NUMBER_BEFORE: Final = re.compile(r"(?<![\w])\d{1,4}(?:[ \t]?(?:bis|ter))?,?[ \t]+$")
#: The kinds that are streets whatever follows them (the rest need a particle or a number).
_STREET_KINDS_ALONE: Final = frozenset(
    [
        "Chemin",
        "chemin",
        "Allee",
        "allee",
        "Impasse",
        "impasse",
        "Quai",
        "quai",
        "Piazza",
        "Piazzale",
        "Vicolo",
    ]
)
# Speed: literal gates (a plain substring test is far cheaper than any regex scan)
_FACILITY_ABROAD_WORDS: Final = (
    "Hopital",
    "Hospitalier",
    "Clinique",
    "Clinica",
    "Klinik",
    "Krankenhaus",
    "Ospedale",
    "Policlinico",
    "Sanatorio",
    "Spital",
    "Ziekenhuis",
    "Szpital",
    "Hospital d",
    "Hospital S",
    "Hospital U",
)
_STREET_KIND_WORDS: Final = (
    "Rue ",
    "rue ",
    "hemin ",
    "llee ",
    "mpasse ",
    "uai ",
    "Boulevard ",
    "Avenue ",
    "Place ",
    "Route ",
    "Via",
    "Piazz",
    "Corso ",
    "Vicolo ",
)
_STREET_SUFFIX_WORDS: Final = (
    "stras",
    "gasse",
    "platz",
    "allee",
    "straat",
    "laan",
    "gracht",
    "plein",
    "gata",
    "vagen",
    "vej",
    "veien",
    "weg ",
    "weg,",
)
#: Speed: the three gates above at once (most notes hold none of their 43 words); one scan led
#: by each word's rarest letter is a third of the cost of the 43 ``in`` tests. Where it finds
#: none, no gate holds (and nothing is read); where it finds one, the gates decide as before.
_ABROAD_GATE: Final = re.compile(
    rare_led(_FACILITY_ABROAD_WORDS + _STREET_KIND_WORDS + _STREET_SUFFIX_WORDS)
)

#: "cc: Winterbourne; Halloran", "Copies to: Dr. Amsel, Tovey": a letter's copy line lists
#: people (and units: "PCP", "Cardiology", "File", which are words).
_CC_LINE: Final = re.compile(r"(?im)^[ \t]*(?:cc|copy[ \t]+to|copies[ \t]+to)[ \t]*:[ \t]*([^\n]+)")
#: (the separators of the copy line's items, kept by the split)
_CC_SEPARATOR: Final = re.compile(r"([;,])")
_CC_ITEM: Final = re.compile(
    r"[ \t]*(?:(?:Dr|DR|Mr|MR|Mrs|MRS|Ms|MS|Prof)\.?[ \t]+)?"
    r"([A-Z][\w'\u2019-]*(?:[ \t]+[A-Z][\w'\u2019.-]*){0,2})[ \t]*$"
)


def _copied_to(text: str) -> Iterator[Span]:
    """The people of a letter's copy line (see ``_CC_LINE``)."""
    common = common_words()
    for line in _CC_LINE.finditer(text):
        pos = line.start(1)
        for item in _CC_SEPARATOR.split(line.group(1)):
            m = _CC_ITEM.fullmatch(item) if item not in (";", ",") else None
            if m:
                words = [w.lower().rstrip(".") for w in m.group(1).split()]
                if not any(w in common or w in lx.STOP for w in words):
                    yield Span("NAME", pos + m.start(1), pos + m.end(1), 0.75, CueRecognizer.name)
            pos += len(item)


def _abroad(text: str) -> Iterator[Span]:
    """Hospitals and streets named in another language (see the patterns above)."""
    source = CueRecognizer.name
    if _ABROAD_GATE.search(text) is None:
        return
    if any(w in text for w in _FACILITY_ABROAD_WORDS):
        for m in _FACILITY_ABROAD.finditer(text):
            if _starts_word(text, m.start()):
                yield Span("LOCATION", *m.span(), 0.75, source)
    streets = chain(
        _STREET_KIND.finditer(text) if any(w in text for w in _STREET_KIND_WORDS) else (),
        _STREET_SUFFIXED.finditer(text) if any(w in text for w in _STREET_SUFFIX_WORDS) else (),
    )
    for m in streets:
        start = m.start()
        number = _HOUSE_NUMBER_BEFORE.search(text, max(0, start - 12), start)
        if not (number or m.group("after")):
            kind = m.group("kind") if m.re is _STREET_KIND else None
            # "Avenue Medical Group", "Via ambulance"; "Hallweg" alone may be a family name
            if kind is None or not (m.group("particle") or kind in _STREET_KINDS_ALONE):
                continue
        if number:
            start = number.start()
        if _starts_word(text, start):
            yield Span("ADDRESS", start, m.end(), 0.75, source)


#: "Hwang Ji-woo", "Min-jun Park": a romanised Korean or Chinese given name (a short part, a
#: hyphen, a short lower-case part), with the family name beside it.
#: (led by the hyphen and its lower-case part, the rest read around it)
_HYPHEN_LOWER: Final = re.compile(r"-[a-z]{2,4}(?![\w-])")
_GIVEN_HEAD: Final = re.compile(
    r"(?:(?P<before>[A-Z][a-z]{1,5})[ \t]+)?(?<![\w-])(?P<head>[A-Z][a-z]{1,4})$"
)
_FAMILY_AFTER: Final = re.compile(r"[ \t]+([A-Z][a-z]{1,9})(?![\w-])")
#: "Self-care", "Pre-op", "Co-pay": an English prefix, not a given name.
_HYPHEN_PREFIXES: Final = frozenset(
    [
        "non",
        "pre",
        "post",
        "re",
        "co",
        "self",
        "anti",
        "semi",
        "sub",
        "well",
        "ex",
        "multi",
        "inter",
        "intra",
        "over",
        "under",
        "mid",
        "out",
        "up",
        "bi",
        "tri",
        "de",
        "un",
        "half",
        "all",
        "low",
        "high",
        "long",
        "short",
        "x",
        "full",
        "day",
        "week",
        "year",
        "in",
        "on",
        "off",
    ]
)
#: "HOLLENBECK, WALTER AUGUST": a middle name that is also a month, after "LAST, FIRST".
_CAPS_MONTH_MIDDLE: Final = re.compile(
    r"[A-Z]{2,}(?:[-'][A-Z]{2,})?,[ \t]+[A-Z]{2,}[ \t]+(AUGUST|APRIL|JUNE|MAY|JUN)"
    r"(?=[ \t]{2,}|\t|[ \t]*$|[ \t]*[,(;])",
    re.MULTILINE,
)


#: "Willa Two Crows, CPM", "W. Two Crows, CPM": up to three capitalised words before a
#: credential are a name even with an ordinary word inside (led by the comma and credential).
_COMMA_CREDENTIAL: Final = re.compile(rf",[ \t]*{lx.CREDENTIALS_TREE}")
_THREE_WORDS_BEFORE: Final = re.compile(
    r"(?<![\w.'\u2019-])([A-Z]\.|[A-Z][a-z'\u2019]+)[ \t]+([A-Z][a-z'\u2019]+)[ \t]+"
    r"([A-Z][a-z'\u2019]+(?:-[A-Z][a-z'\u2019]+)?)$"
)
#: "OBSERVER KESTREL ANAYA-BOWEN": a name in capitals, the family name double-barrelled, after
#: a role (led by the hyphen between two capitals; the words before read back from it).
_CAPS_BARREL: Final = re.compile(r"-(?<=[A-Z]{2}-)[A-Z]{2,}(?![\w-])")
_ROLE_GIVEN_FAMILY: Final = re.compile(
    r"(?<![\w-])([A-Z]{2,})[ \t]+([A-Z]{2,})[ \t]+([A-Z]{2,}[-'])$"
)
#: "QA review: E.K.M. 11/04": three dotted initials (led by the dot after the first letter).
_THREE_INITIALS: Final = re.compile(r"\.[A-Z]\.[A-Z]\.(?![\w.])")
_STATUTE_AFTER: Final = re.compile(r"[ \t]*(?:\u00a7|\d+[-.:]\d)")
#: Dotted abbreviations of three letters that are not a person's initials.
_NOT_INITIALS: Final = frozenset(
    [
        "U.S.A.",
        "A.K.A.",
        "P.R.N.",
        "B.I.D.",
        "T.I.D.",
        "Q.I.D.",
        "D.O.B.",
        "P.O.B.",
        "M.P.H.",
        "D.D.S.",
        "D.M.D.",
        "D.P.M.",
        "R.N.C.",
        "A.M.A.",
        "N.P.O.",
        "E.T.A.",
        "R.S.V.",
    ]
)


#: "bereavement case 25-bv-0413": an identifier with a lower-case letter code in its middle,
#: after a lower-case label word (led by the hyphen before the letters).
_LOWER_CODE_ID: Final = re.compile(r"-[a-z]{1,4}-\d{3,}(?![\w-])")
_LABELLED_NUMBER_BEFORE: Final = re.compile(
    r"(?:case|claim|file|ticket|referral|ref|account|acct|member|policy|order|auth|id)"
    r"[ \t]*(?:#|no\.?|number)?[ \t]*(\d{2,6})$"
)
#: "pt: mercer, rose a": a lower-case "last, first m" after a patient or name label.
_LOWER_LAST_FIRST: Final = re.compile(
    r"(?:pt|patient|name|client|resident)[ \t]*:[ \t]*"
    # (a dictation read with capitals restored may have given the family name its capital)
    r"([A-Za-z][a-z'\u2019-]+,[ \t]*[A-Za-z][A-Za-z'\u2019-]+(?:[ \t][a-z](?![\w'-]))?)"
)
#: "hi this is jordan hill from the hf clinic": a caller's given and family name.
_THIS_IS: Final = re.compile(
    r"this[ \t]+is[ \t]+([A-Za-z][a-z'\u2019-]+[ \t]+[a-z][a-z'\u2019-]+)"
    r"(?=[ \t]+(?:from|at|with|calling|here)\b)"
)
#: "(614) 555-\n0177": a phone number the line wrap cut (led by the newline between digits).
_WRAP: Final = re.compile(r"\n(?<=[-\d]\n)\d")
_WRAPPED_PHONE: Final = re.compile(
    r"(?:\(\d{3}\)[ \t]?|\d{3}[-.])(?=[\d\n-]{8,9}(?!\d))\d{1,3}(?:[-.]?\n?)\d{0,3}[-.]?\n?\d{1,4}"
)
#: '(dad, "DJ")', 'mom "Tootie"': a quoted name after a relative.
_RELATIVE_QUOTED: Final = re.compile(
    r"(?:mom|dad|mother|father|sister|brother|son|daughter|wife|husband|grandma|grandpa|"
    r"grandmother|grandfather|aunt|uncle|cousin|partner),?[ \t]+"
    r"[\"\u201c]([A-Z][A-Za-z]{1,12})[\"\u201d]"
)
_CRAFT_WORDS: Final = (
    "helicopter",
    "aircraft",
    "plane",
    "jet ",
    "ambulance",
    "vessel",
    "cutter",
    "boat",
)
#: "USCG helicopter CG 6017", "air ambulance N417LF": a craft's tail or hull number.
_CRAFT_NUMBER: Final = re.compile(
    r"(?:helicopter|aircraft|airplane|plane|jet|air[ \t]ambulance|vessel|cutter|boat)[ \t]+"
    r"(?:#[ \t]?)?([A-Z]{1,3}[ -]?\d{2,5}[A-Z]{0,2})(?![\w-])"
)
_CAPS_TITLES: Final = (
    "DR",
    "MR",
    "MS",
    "SGT",
    "LT",
    "CPL",
    "DET",
    "CO ",
    "OFFICER",
    "DEPUTY",
    "NURSE",
    "CAPT",
)
_CAPS_TITLE_GATE: Final = re.compile(any_of(_CAPS_TITLES))
#: "DR. OKONJO", "SGT. MARCUS THIBODEAUX", "CO LATRICE GUIDRY": a title in capitals, then one or
#: two words in capitals (a form written all in capitals).
_CAPS_TITLE_NAME: Final = re.compile(
    r"(?:DR|MR|MRS|MS|SGT|LT|CPL|DET|CO|OFFICER|DEPUTY|NURSE|CAPT)\.?[ \t]+"
    r"([A-Z]{2,}(?:[-'][A-Z]{2,})?)(?:[ \t]+([A-Z]{2,}(?:[-'][A-Z]{2,})?))?(?![\w.])"
)
_CAPS_RELATIVES: Final = (
    "MOTHER",
    "FATHER",
    "SISTER",
    "BROTHER",
    "WIFE",
    "HUSBAND",
    "SON",
    "DAUGHTER",
    "AUNT",
    "UNCLE",
    "NIECE",
    "NEPHEW",
    "COUSIN",
    "SPOUSE",
    "PARTNER",
    "GUARDIAN",
)
_CAPS_RELATIVE_GATE: Final = re.compile(any_of(_CAPS_RELATIVES))
#: "MOTHER, ODETTE BOUDREAUX,": a relative in capitals, then a name between commas.
_CAPS_RELATIVE_NAME: Final = re.compile(
    r"(?:MOTHER|FATHER|SISTER|BROTHER|WIFE|HUSBAND|SON|DAUGHTER|AUNT|UNCLE|NIECE|NEPHEW|"
    r"GRANDMOTHER|GRANDFATHER|COUSIN|SPOUSE|PARTNER|GUARDIAN),?[ \t]+"
    r"([A-Z]{2,}(?:[-'][A-Z]{2,})?[ \t]+[A-Z]{2,}(?:[-'][A-Z]{2,})?)(?=,)"
)
#: "56 12N 169 48W": a position in degrees and minutes (a ship's log, a rescue report).
#: (led by the latitude's hemisphere letter, a digit checked behind it and the latitude read
#: back from it)
_LAT_LONG: Final = re.compile(r"[NS](?<=\d[NS])[ \t]\d{1,3}[ \t]\d{2}(?:\.\d+)?[EW](?!\w)")
#: Its gate: the same pattern with the "N" and with the "S" (every match is one of the two). Two
#: scans for one literal each are faster than one for the class of both (the engine skips
#: ahead to a literal; a class it tests at every character).
_LAT_LONG_N: Final = re.compile(r"N(?<=\dN)[ \t]\d{1,3}[ \t]\d{2}(?:\.\d+)?[EW](?!\w)")
_LAT_LONG_S: Final = re.compile(r"S(?<=\dS)[ \t]\d{1,3}[ \t]\d{2}(?:\.\d+)?[EW](?!\w)")
_LATITUDE_BEFORE: Final = re.compile(r"(?<![\w.])\d{1,2}[ \t]\d{2}(?:\.\d+)?[NS]$")
#: "011 63 2 555 0147": a number dialled abroad from the US (the 011 exit code).
_EXIT_CODE_PHONE: Final = re.compile(r"(?<![\w+])011[ \t.-]\d{1,3}(?:[ \t.-]\d{1,5}){2,5}(?![\w])")
#: "Booterstown, Co. Dublin": an Irish county, and the town before it.
_IRISH_COUNTY: Final = re.compile(
    r"(?:([A-Z][a-z'\u2019-]+(?:[ \t][A-Z][a-z'\u2019-]+)?),[ \t]+)?Co\.[ \t]+([A-Z][a-z]+)"
)
#: "Shea Blvd at [Pima Rd]": the street before a street found, joined by "at", "and" or "&".
_STREET_BEFORE_JOIN: Final = re.compile(
    rf"(?<![\w'\u2019-])([A-Z][a-z'\u2019]+(?:[ \t][A-Z][a-z'\u2019]+)?[ \t](?:{_STREET_TREE})\.?)"
    r"[ \t]+(?:at|and|&)[ \t]+$"
)
_GRID_ROADS: Final = ("County R", "County H", "Hwy ", "Highway ", " Rd ", " Road ")
#: "E4417 County Road PF", "N2291 Hwy 33": a Wisconsin-style rural grid address.
_RURAL_GRID: Final = re.compile(
    # (the letter's boundary is checked behind it: a look-behind first is tried everywhere)
    r"[NSEW](?<![\w-][NSEW])\d{3,5}[ \t]+(?:County[ \t]+(?:Road|Rd|Hwy|Highway)[ \t]+[A-Z]{1,2}|"
    r"(?:State[ \t]+)?(?:Hwy|Highway|Rd|Road)[ \t]+\d{1,3})\b"
)
#: "Indian Route 9101", "Navajo Route 15": the road system's word before a route number found.
_ROUTE_SYSTEM: Final = re.compile(
    r"(?:Indian|Navajo|Tribal|BIA|County|State|Farm[ \t]to[ \t]Market)[ \t]+"
    r"(?:Route|Rte|Road)[ \t]+\d{1,5}\b"
)
#: "R.T. / M.O'D.": dotted initials joined by a slash to more initials (a handoff's two nurses;
#: led by the slash, both sides read from it).
_SLASH_INITIALS: Final = re.compile(r"/[ \t]*((?:[A-Z][.'])+[A-Z]\.)(?![\w.])")
_INITIALS_BEFORE_SLASH: Final = re.compile(r"(?<![\w.'])((?:[A-Z][.'])+[A-Z]\.)[ \t]*$")
#: A table's "Age" header cell ("| Age |", "\tAGE\t").
_AGE_HEADER: Final = re.compile(r"(?i:age)(?:[ \t]*\((?:y|yr|yrs|years)\))?")
_AGE_CELL: Final = re.compile(r"[ \t]*(9\d|1[01]\d)[ \t]*")


def _age_column(text: str) -> Iterator[Span]:
    """ "Scr# | Initials | Age | ..." then "114-002 | R.O. | 92 | ...": an age over 89 in the
    column a table's header names "Age" (pipe- or tab-separated rows under it)."""
    lines = text.split("\n")
    offset = 0
    column, sep = -1, ""
    for line in lines:
        cells = line.split(sep) if sep else []
        if sep and sep in line and len(cells) > column:
            cell = _AGE_CELL.fullmatch(cells[column])
            if cell:
                start = offset + sum(len(c) + 1 for c in cells[:column]) + cell.start(1)
                yield Span("AGE", start, start + len(cell.group(1)), 0.75, CueRecognizer.name)
        elif sep and sep not in line:
            column, sep = -1, ""  # the table ended
        for mark in ("|", "\t"):
            parts = [c.strip() for c in line.split(mark)]
            if len(parts) > 2 and any(_AGE_HEADER.fullmatch(c) for c in parts):
                column = next(i for i, c in enumerate(parts) if _AGE_HEADER.fullmatch(c))
                sep = mark
                break
        offset += len(line) + 1


#: Words closing an identifier column's header ("Claim ID", "Acct #", "Accession No.").
_HEADER_TAIL: Final = frozenset(["#", "no", "no.", "nos", "number", "num", "nbr", "id"])
#: Identifier labels whose column holds other things too ("Unit": a ward, "Order": a rank,
#: "Visit": a kind of visit, "Plan": a care plan).
_LOOSE_HEADERS: Final = frozenset(
    ["unit", "order", "plan", "group", "access", "visit", "hospital", "record", "card", "job"]
)
#: Headers of a column of places (cities, towns, counties).
_PLACE_HEADERS: Final = frozenset(
    [
        "city",
        "town",
        "county",
        "hometown",
        "home town",
        "residence",
        "city of residence",
        "county of residence",
        "place of birth",
        "birthplace",
        "birth place",
        "municipality",
        "township",
        "parish",
        "city/town",
    ]
)
#: Headers of a column of people's names.
_NAME_HEADERS: Final = frozenset(
    [
        "name",
        "patient",
        "patient name",
        "full name",
        "last name",
        "first name",
        "surname",
        "given name",
        "family name",
        "caller",
        "provider",
        "clinician",
        "contact",
        "staff",
        "nurse",
        "physician",
        "attending",
        "guardian",
        "parent",
        "interpreter",
        "witness",
        "reviewer",
        "signed by",
        "resident",
        "client",
        "member name",
        "child",
    ]
)
#: A cell that may be an identifier: one token with 2+ digits (letters, "-", "/" and "." between).
_ID_CELL: Final = re.compile(r"[ \t]*([A-Za-z0-9][A-Za-z0-9./-]{2,24})[ \t]*")
#: A cell that may be a place or a name: 1-4 words of letters (a comma for "Last, First").
_WORD_CELL: Final = re.compile(
    r"[ \t]*([A-Za-z][A-Za-z'.\u2019-]*(?:,?[ \t]+[A-Za-z][A-Za-z'.\u2019-]*){0,3})[ \t]*"
)


#: A word of a name or place cell (its dots and apostrophes kept, a comma not).
_CELL_WORD: Final = re.compile(r"[A-Za-z][A-Za-z'.\u2019-]*")


def _header_kind(cell: str) -> str | None:
    """What the cells under a header cell are: an identifier's category, LOCATION, NAME, or
    None."""
    # an export's snake_case header ("study_id", "card_last4") reads as its words
    words = cell.lower().replace("_", " ").replace("#", " # ").replace(":", " ").split()
    if not words or len(words) > 4:
        return None
    if words[-1] == "last4" or words[-2:] == ["last", "4"]:
        # "card_last4", "SSN last 4": the last four digits of the number the rest names
        rest = " ".join(words[: -1 if words[-1] == "last4" else -2])
        return "SSN" if rest in ("ssn", "ss", "social") else "ACCOUNT"
    phrase = " ".join(words)
    if phrase in _PLACE_HEADERS:
        return "LOCATION"
    if phrase in _NAME_HEADERS:
        return "NAME"
    while len(words) > 1 and words[-1] in _HEADER_TAIL:
        words.pop()
    phrase = " ".join(words)
    if phrase in _LOOSE_HEADERS:
        return None
    category = label_category(phrase)
    if category is None and len(words) == 1 and cell.rstrip().endswith(("#", "ID", "No.")):
        category = label_category(words[0]) or "ID"  # "Intake #", "Permit ID"
    return category


#: A snake_case header cell of an export ("card_last4", "addr_line2"): digits allowed.
_SNAKE_CELL: Final = re.compile(r"[ \t]*[a-z][a-z0-9]*(?:_[a-z0-9]+)+[ \t]*")


def _csv_cells(line: str) -> list[str]:
    """The cells of one CSV row, each as written (quotes kept, so their lengths and the commas
    between them add up to the line); a comma inside double quotes does not split."""
    cells: list[str] = []
    start, quoted = 0, False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted  # an escaped quote ("") toggles twice
        elif ch == "," and not quoted:
            cells.append(line[start:i])
            start = i + 1
    cells.append(line[start:])
    return cells


def _header_columns(text: str) -> Iterator[Span]:
    """ "Member ID | Claim ID | DOS" then "W88213 | C4471 | 2/3/24": the cells of a column
    whose header names an identifier, a place or a person (pipe-, tab- or comma-separated rows
    under it, with as many cells as the header for commas)."""
    source = CueRecognizer.name
    common = common_words()
    offset = 0
    kinds: dict[int, str] = {}
    sep, width = "", 0
    for line in text.split("\n"):
        if sep:
            # a CSV export quotes a cell that holds the separator ("Okafor, Bede"): its commas
            # do not split it (else every such row ends the table)
            cells = _csv_cells(line) if sep == "," and '"' in line else line.split(sep)
            if sep in line and (sep != "," or len(cells) == width):
                pos = offset
                for i, cell in enumerate(cells):
                    kind = kinds.get(i)
                    if kind is not None:
                        inner = cell
                        if len(cell) > 1 and cell[0] == '"' and cell[-1] == '"':
                            inner = cell[1:-1]
                        yield from _column_cell(inner, pos + (inner != cell), kind, common, source)
                    pos += len(cell) + 1
                offset += len(line) + 1
                continue
            kinds, sep = {}, ""  # the table ended
        for mark in ("|", "\t", ","):
            if line.count(mark) < (2 if mark == "," else 1):
                continue
            parts = line.split(mark)
            if any(
                len(p) > 32 or (any(c.isdigit() for c in p) and not _SNAKE_CELL.fullmatch(p))
                for p in parts
            ):
                break  # a data row or prose, not a header ("card_last4" is a header's word)
            found = {i: k for i, p in enumerate(parts) if (k := _header_kind(p)) is not None}
            if found:
                kinds, sep, width = found, mark, len(parts)
            break
        offset += len(line) + 1


def _column_cell(
    cell: str, pos: int, kind: str, common: frozenset[str], source: str
) -> Iterator[Span]:
    """The span of one cell under a header that named its kind (nothing if it does not fit)."""
    if kind in ("LOCATION", "NAME"):
        m = _WORD_CELL.fullmatch(cell)
        if m is None:
            return
        value = m.group(1)
        if value.lower() in lx.STATE_WORDS or value in lx.STATE_CODES:
            return
        tokens = list(_CELL_WORD.finditer(cell, m.start(1), m.end(1)))
        while kind == "NAME" and tokens and tokens[-1].group().lower() in lx.CREDENTIALS_LOWER:
            tokens.pop()  # "K. Okafor NP": the credential after a name stays
        words = [t.group().lower() for t in tokens]
        if not words or (
            all(w in common or w in lx.STOP for w in words)
            and not (kind == "LOCATION" and value[:1].isupper())
        ):
            return  # "mother", "n/a", "PCP": a role or a note, not a name
        if (
            kind == "NAME"
            and len(words) == 1
            and words[0].strip(".'\u2019") not in lx.first_names()
            and words[0].strip(".'\u2019") not in lx.surnames()
        ):
            # one word under "Name" is a person only if it is a known given name or surname:
            # a medication list's "Name | Dose" column holds "Lisinopril"
            return
        yield Span(kind, pos + m.start(1), pos + tokens[-1].end(), 0.7, source)
        return
    m = _ID_CELL.fullmatch(cell)
    if m is None or sum(c.isdigit() for c in m.group(1)) < 2:
        return
    value = m.group(1)
    if value.count("/") == 2 or ("." in value and value.replace(".", "").isdigit()):
        return  # a date or a measurement (dates are found by their own recognizer)
    yield Span(kind, pos + m.start(1), pos + m.end(1), 0.7, source)


def _framed(text: str) -> Iterator[Span]:
    """Names, dates, places and identifiers known by a frame around them (the cues added in
    rounds 11 and 12; each pattern's comment gives its frame)."""
    source = CueRecognizer.name
    if "(" in text:
        yield from _bracketed(text)
    if " / " in text:
        for m in _spaced_slash_dates(text):
            # "DOB: O5 / 3O / 1959": a form's date with spaced slashes, OCR's O and l as 0 and 1
            value = m.group().replace(" ", "").translate(_OCR_DIGITS)
            if value[-4:-2] in ("18", "19", "20") and parse_date(value) is not None:
                yield Span("DATE", *m.span(), 0.75, source)
    if "nitials" in text:
        for m in _INITIALS_WORD.finditer(text):
            if _starts_word(text, m.start()):
                yield Span("NAME", *m.span(1), 0.8, source)
    if any(w in text for w in _NAMING_VERBS):
        for m in _CALLED.finditer(text):
            if _starts_word(text, m.start()):
                yield Span("NAME", *m.span(1), 0.8, source)
    if "#" in text:
        for m in _NUMBER_SIGN.finditer(text):
            if _CREDENTIAL_BEFORE.search(text, max(0, m.start() - 16), m.start()):
                yield Span("LICENSE", *m.span(1), 0.75, source)
    for m in _INITIAL_WORD_CREDENTIAL.finditer(text):
        start = m.start() - 1
        if (
            start >= 0
            and "A" <= text[start] <= "Z"
            and _starts_word(text, start, glue=".-")
            and text[m.start() + 1 : m.end()].strip().lower() not in lx.STOP
        ):
            yield Span("NAME", start, m.end(), 0.8, source)
    if "Drs" in text or "DRS" in text:
        for m in _DOCTORS.finditer(text):
            pos = m.end()
            while (name := _LISTED_SURNAME.match(text, pos)) is not None and (
                name.group(1).lower() not in lx.STOP
            ):
                yield Span("NAME", *name.span(1), 0.8, source)
                pos = name.end()
    if "ract" in text or "RACT" in text or "recinct" in text or "RECINCT" in text:
        for m in _NUMBERED_AREA.finditer(text):
            yield Span("LOCATION", *m.span(1), 0.8, source)
    for m in (
        _ZIP_AREA.finditer(text) if " area" in text or "hood" in text or " zip" in text else ()
    ):
        yield Span("ZIP", *m.span(1), 0.75, source)
    if "orner of" in text or "ntersection of" in text or "ORNER OF" in text:
        for m in _STREET_CORNER.finditer(text):
            streets = {w.lower() for w in m.group(1).split() if w not in ("and", "&")}
            if not streets & _SIDES and not streets & lx.STOP:  # "corner of Left and Right"
                yield Span("ADDRESS", *m.span(1), 0.75, source)
    if "@" in text:
        for m in _HANDLE.finditer(text):
            if m.start() and (text[m.start() - 1].isalnum() or text[m.start() - 1] in "_.@"):
                continue  # an e-mail address
            handle = m.group(1)
            if any(c.isdigit() or c == "_" for c in handle) or _HANDLE_CUE.search(
                text, max(0, m.start() - 30), m.start()
            ):
                yield Span("ID", *m.span(), 0.75, source)
            elif handle[0].isupper() and handle.isalpha() and handle.lower() not in common_words():
                # "@Perpetua please call family": a colleague mentioned in a secure chat
                yield Span("NAME", m.start(1), m.end(), 0.7, source)
    if " the " in text:
        for m in _THE_DAY_ORDINAL.finditer(text):
            if ORDINAL_COUNT_AFTER.match(text, m.end()):
                continue  # "In May the 2nd dose was given"
            month = _MONTH_JUST_BEFORE.search(text, max(0, m.start() - 11), m.start())
            if month:
                yield Span("DATE", month.start(), m.end(), 0.8, source)
    if " of " in text:
        for m in _THE_ORDINAL_OF_MONTH.finditer(text):
            if _starts_word(text, m.start() - 1):
                yield Span("DATE", m.start() - 1, m.end(), 0.85, source)
        for m in _OF_MONTH.finditer(text):
            day = _ORDINAL_DAY_BEFORE.search(text, max(0, m.start() - 20), m.start())
            if day is not None and _starts_word(text, m.start()):
                yield Span("DATE", day.start(), m.end(), 0.8, source)
    for m in (_YEAR_AFTER_BLANK if "\t" in text else _YEAR_AFTER_SPACE).finditer(text):
        season = _SEASON_BEFORE.search(text, max(0, m.start() - 10), m.start())
        if season is not None:
            yield Span("DATE", season.start(), m.end(), 0.75, source)
    # (every match starts with one of these: "Q" and the quarter's digit, or the digit first;
    # "Q" alone is in "QID", "Q4H" and the like)
    if "Q" in text and any(head in text for head in _QUARTER_HEADS):
        for m in _QUARTER_YEAR.finditer(text):
            if "FY" not in text[max(0, m.start() - 8) : m.start()]:
                yield Span("DATE", *m.span(), 0.75, source)
    if "quarter" in text:
        for m in _QUARTER_WORDS.finditer(text):
            yield Span("DATE", *m.span(), 0.75, source)
    if "-" in text or "\u2013" in text:
        for m in (_DASH_DAY_MONTH if "\u2013" in text else _HYPHEN_DAY_MONTH).finditer(text):
            day1 = _DAY_BEFORE_RANGE.search(text, max(0, m.start() - 8), m.start())
            if (
                day1 is not None
                and int(day1.group(1)) < int(m.group(1))
                and not (m.group(2) == "May" and _MAY_VERB_AFTER.match(text, m.end()))
                and not _VALUE_WORD_BEFORE.search(text, max(0, day1.start() - 10), day1.start())
            ):
                yield Span("DATE", day1.start(), m.end(), 0.8, source)
    if "-" in text:
        for m in _DASH_MONTH.finditer(text):
            day = _DAY_BEFORE_DASH.search(text, max(0, m.start() - 3), m.start())
            if day:
                yield Span("DATE", day.start(), m.end(), 0.8, source)
        for m in _CPF.finditer(text) if "." in text else ():
            lead = _THREE_DIGITS_BEFORE.search(text, max(0, m.start() - 3), m.start())
            if lead:
                yield Span("ID", lead.start(), m.end(), 0.85, source)
    if "/" in text and "\t" in text:
        rows: dict[int, list[re.Match[str]]] = {}
        for m in _MD_CELL.finditer(text):
            rows.setdefault(text.rfind("\n", 0, m.start()), []).append(m)
        for cells in rows.values():
            if len(cells) >= 2:
                for m in cells:
                    yield Span("DATE", *m.span(1), 0.7, source)
    if "ia " in text or "\u00eda " in text:
        for m in _DIA.finditer(text):
            start = m.start() - 2
            if _starts_word(text, start) and last_word(text, start) in _DIA_BEFORE:
                yield Span("DATE", *m.span(1), 0.75, source)
    imei = "IMEI" in text or "imei" in text or "Imei" in text
    for m in _IMEI_GROUPS.finditer(text) if imei else ():
        lead = _TWO_DIGITS_BEFORE.search(text, max(0, m.start() - 2), m.start())
        if lead:
            yield Span("DEVICE", lead.start(), m.end(), 0.8, source)
    common = common_words()
    for m in _TITLE_LOWER.finditer(text):
        word = m.group(1)
        if not _starts_word(text, m.start()) or word in lx.STOP:
            continue
        # a family name that is also a word ("dr young", "doctor price") is still a name after
        # the title; other words are not ("Dr said", "doctor visit")
        if word not in common or name_kind(word.title()) in _FAMILY_KINDS:
            yield Span("NAME", *m.span(1), 0.7, source)
    if "-" in text:
        for m in _HYPHEN_LOWER.finditer(text):
            head = _GIVEN_HEAD.search(text, max(0, m.start() - 13), m.start())
            if head is None:
                continue
            first = head.group("head").lower()
            if first in _HYPHEN_PREFIXES or first in lx.STOP:
                continue
            if first in common and m.group()[1:] in common:
                continue  # "Teach-back", "Walk-ins": an English compound, both parts words
            # the family name before or after it joins the span unless it is a stop word
            start, end = head.start("head"), m.end()
            before = head.group("before")
            if before and before.lower() not in lx.STOP and _starts_word(text, head.start()):
                start = head.start("before")
            after = _FAMILY_AFTER.match(text, end)
            if after and after.group(1).lower() not in lx.STOP:
                end = after.end(1)
            yield Span("NAME", start, end, 0.7, source)
    if "AUGUST" in text or "APRIL" in text or "JUNE" in text or "MAY" in text or "JUN" in text:
        for m in _CAPS_MONTH_MIDDLE.finditer(text):
            yield Span("NAME", *m.span(1), 0.7, source)
    if "-" in text:
        for m in _CAPS_BARREL.finditer(text):
            named = _ROLE_GIVEN_FAMILY.search(text, max(0, m.start() - 60), m.start() + 1)
            if (
                named
                and named.group(1).lower() in NAME_CONTEXT_WORDS
                and named.group(2).lower() not in lx.STOP
            ):
                yield Span("NAME", named.start(2), m.end(), 0.75, source)
    if ("Age" in text or "AGE" in text) and ("|" in text or "\t" in text):
        yield from _age_column(text)
    if "\n" in text and ("|" in text or "\t" in text or "," in text):
        yield from _header_columns(text)
    for m in _COMMA_CREDENTIAL.finditer(text):
        named = _THREE_WORDS_BEFORE.search(text, max(0, m.start() - 50), m.start())
        if named and not {named.group(1).lower(), named.group(3).lower()} & lx.STOP:
            yield Span("NAME", named.start(), named.end(), 0.7, source)
    if "-" in text:
        for m in _LOWER_CODE_ID.finditer(text):
            head = _LABELLED_NUMBER_BEFORE.search(text, max(0, m.start() - 24), m.start())
            if head and _starts_word(text, head.start()):
                yield Span("ID", head.start(1), m.end(), 0.75, source)
    if ":" in text:
        for m in _LOWER_LAST_FIRST.finditer(text):
            family = m.group(1).split(",")[0].lower()
            if _starts_word(text, m.start()) and family not in common_words():
                yield Span("NAME", *m.span(1), 0.75, source)
    if "this is" in text:
        common = common_words()
        for m in _THIS_IS.finditer(text):
            first = m.group(1).split()[0].lower()
            if first not in common and first not in lx.STOP:
                yield Span("NAME", *m.span(1), 0.7, source)
    for wrap in _WRAP.finditer(text):
        for m in _WRAPPED_PHONE.finditer(text, max(0, wrap.start() - 14), wrap.end() + 5):
            if m.start() < wrap.start() < m.end() and sum(c.isdigit() for c in m.group()) == 10:
                yield Span("PHONE", *m.span(), 0.75, source)
    if '"' in text or "\u201c" in text:
        for m in _RELATIVE_QUOTED.finditer(text):
            if _starts_word(text, m.start()):
                yield Span("NAME", *m.span(1), 0.75, source)
    for m in _CRAFT_NUMBER.finditer(text) if any(w in text for w in _CRAFT_WORDS) else ():
        yield Span("VEHICLE", *m.span(1), 0.75, source)
    if _CAPS_TITLE_GATE.search(text):
        for m in _CAPS_TITLE_NAME.finditer(text):
            if not _starts_word(text, m.start(), glue="."):
                continue
            words = [g for g in m.groups() if g]
            if words[0].lower() in lx.STOP or words[0].lower() in lx.MONTH_WORDS:
                continue
            end = m.end(1) if len(words) < 2 or words[1].lower() in lx.STOP else m.end(2)
            yield Span("NAME", m.start(1), end, 0.75, source)
    for m in _CAPS_RELATIVE_NAME.finditer(text) if _CAPS_RELATIVE_GATE.search(text) else ():
        if not {w.lower() for w in m.group(1).split()} & lx.STOP:
            yield Span("NAME", *m.span(1), 0.75, source)
    lat_long = _LAT_LONG_N.search(text) or _LAT_LONG_S.search(text)
    for m in _LAT_LONG.finditer(text) if lat_long else ():
        latitude = _LATITUDE_BEFORE.search(text, max(0, m.start() - 12), m.start() + 1)
        if latitude:
            yield Span("LOCATION", latitude.start(), m.end(), 0.8, source)
    if "011" in text:
        for m in _EXIT_CODE_PHONE.finditer(text):
            if 10 <= sum(c.isdigit() for c in m.group()) <= 17:
                yield Span("PHONE", *m.span(), 0.8, source)
    if "Co." in text:
        for m in _IRISH_COUNTY.finditer(text):
            if m.group(1) and m.group(1).lower() not in lx.STOP:
                yield Span("LOCATION", *m.span(1), 0.75, source)
            yield Span("LOCATION", *m.span(2), 0.8, source)
    if any(w in text for w in _GRID_ROADS):
        for m in _RURAL_GRID.finditer(text):
            yield Span("ADDRESS", *m.span(), 0.8, source)
    if "Route" in text or "Road" in text or "Rte" in text:
        for m in _ROUTE_SYSTEM.finditer(text):
            yield Span("ADDRESS", *m.span(), 0.75, source)
    if "/" in text:
        for m in _SLASH_INITIALS.finditer(text):
            left = _INITIALS_BEFORE_SLASH.search(text, max(0, m.start() - 12), m.start())
            if left:
                yield Span("NAME", *left.span(1), 0.7, source)
                yield Span("NAME", *m.span(1), 0.7, source)
    for m in _THREE_INITIALS.finditer(text):
        start = m.start() - 1
        if start >= 0 and "A" <= text[start] <= "Z" and _starts_word(text, start, glue="."):
            dotted = text[start : m.end()]
            if (
                dotted not in _NOT_INITIALS
                and not lx.CREDENTIAL_RE.fullmatch(dotted)
                and not _STATUTE_AFTER.match(text, m.end())  # "A.R.S. 13-4503": a statute
            ):
                yield Span("NAME", start, m.end(), 0.7, source)
    if "job" in text or "JOB" in text or "Job" in text:
        for m in _JOB_NUMBER.finditer(text):
            initials = _INITIALS_BEFORE_JOB.search(text, max(0, m.start() - 8), m.start())
            if initials:
                yield Span("NAME", initials.start(1), initials.end(2), 0.7, source)
    if not text.isascii():
        for m in _PT_TITLE_NAME.finditer(text):
            if _starts_word(text, m.start()):
                yield Span("NAME", *m.span(1), 0.75, source)
    for m in _FOREIGN_STREET.finditer(text) if _FOREIGN_STREET_GATE.search(text) else ():
        if _starts_word(text, m.start()):
            yield Span("ADDRESS", *m.span(), 0.75, source)
    yield from _abroad(text)
    if "cc" in text or "CC" in text or "Cc" in text or "py to" in text or "pies to" in text:
        yield from _copied_to(text)


_WORD_SPLIT: Final = re.compile(r"[ \t-]+")


def _words(text: str, start: int, end: int) -> list[str]:
    """The lower-case words of ``text[start:end]`` (hyphenated parts apart)."""
    return _WORD_SPLIT.split(text[start:end].lower())


def _not_stop(text: str, span: tuple[int, int]) -> bool:
    """No word of the span is a stop word (a month is not one here: "sister June Okafor")."""
    return not any(w in lx.STOP and w not in lx.MONTH_WORDS for w in _words(text, *span))


def _starts_word(text: str, start: int, glue: str = "_") -> bool:
    """Nothing word-like is glued to the left of ``start``: a letter, a digit or one of
    ``glue``."""
    return start == 0 or not (text[start - 1].isalnum() or text[start - 1] in glue)


def _reference_initials(text: str) -> Iterator[re.Match[str]]:
    """The lines that are only "AMTB/jrk": ``^`` + ``_REFERENCE_INITIALS_LINE`` (multi-line)."""
    first = _REFERENCE_INITIALS_FIRST.match(text)
    return chain((first,) if first else (), _REFERENCE_INITIALS.finditer(text))


#: "05 / 30 / 1959", "O5 / 3O / 1959": month, day and a four-digit year with spaced slashes.
_SPACED_SLASH_DATE: Final = re.compile(
    r"(?<![\w/])[0-9OolI][0-9OolI]?[ \t]*/[ \t]*[0-9OolI][0-9OolI]?[ \t]*/[ \t]*"
    r"[12l][0-9OolI]{3}(?![\w/])"
)
_OCR_DIGITS: Final = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1"})
_SPACED_SLASH: Final = re.compile(r"/(?<= /)(?= )")


def _spaced_slash_dates(text: str) -> Iterator[re.Match[str]]:
    """``_SPACED_SLASH_DATE`` read around each " / " (led by the slash, a fast scan)."""
    done = -1
    for hit in _SPACED_SLASH.finditer(text):
        if hit.start() < done:
            continue
        m = _SPACED_SLASH_DATE.search(text, max(0, hit.start() - 5), hit.start() + 16)
        if m is not None and m.start() <= hit.start():
            done = m.end()
            yield m


#: In one bracket (one scan, led by the bracket): two or three capitalised words and a phone
#: number are a person and how to reach them ("(Jase Thorne, 502.555.0150)"); one town alone
#: is a place ("cc: Amelia Pell, DDS (Noblesville)").
_BRACKETED: Final = re.compile(
    r"\((?:(?P<person>[A-Z][a-z'\u2019]+(?:[ \t][A-Z][a-z'\u2019]+(?:-[A-Z][a-z'\u2019]+)?){1,2}),"
    r"[ \t]*(?=(?:\+?1[ .-]?)?\(?[2-9]\d{2}\)?[ .-]?\d{3}[ .-]\d{4}(?!\d))"
    r"|(?P<town>[A-Z][a-z]{3,}(?:[ \t][A-Z][a-z]{3,})?)\))"
)
_CAPITAL_WORD_BEFORE: Final = re.compile(r"[A-Z][A-Za-z.'\u2019-]*,?[ \t]$")
#: The last words of an office's or a service's name ("Mercy Clinic, 555-0100").
_OFFICE_WORDS: Final = frozenset(
    ["clinic", "hospital", "pharmacy", "office", "center", "centre", "line", "desk", "services"]
)


def _bracketed(text: str) -> Iterator[Span]:
    """A person with their phone number, or a town, alone in a bracket."""
    source = CueRecognizer.name
    common = common_words()
    for m in _BRACKETED.finditer(text):
        person = m.group("person")
        if person is not None:
            words = [w.lower() for w in person.split()]
            if not any(w in lx.STOP or w in _OFFICE_WORDS for w in words) and not all(
                w in common for w in words
            ):
                yield Span("NAME", *m.span("person"), 0.75, source)
            continue
        town = m.group("town")
        before = _CAPITAL_WORD_BEFORE.search(text, max(0, m.start() - 24), m.start())
        if (
            before is not None
            and town in places()
            and town.lower() not in common
            and town.lower() not in lx.first_names()
        ):
            # after a capitalised word (a name, a credential, a practice), not after a
            # generic drug name ("furosemide (Lasix)")
            yield Span("LOCATION", *m.span("town"), 0.7, source)


class CueRecognizer(Recognizer):
    """Names, ages, dates and streets recognised by the frame around them."""

    name = "cues"

    def analyze(self, text: str) -> list[Span]:
        spans: list[Span] = []
        add = spans.append
        ascii_text = text.isascii()
        for m in (_AGE_SEX_ASCII if ascii_text else _AGE_SEX).finditer(text):
            start = m.start()
            if not _starts_word(text, start):
                continue
            name = _NAME_BEFORE_AGE.search(text, max(0, start - 70), start)
            if name and _not_stop(text, name.span(1)):  # "Chest Pain, 45F" on a tracking board
                add(Span("NAME", *name.span(1), 0.8, self.name))
        if ".-" in text:
            for m in _HYPHEN_INITIALS.finditer(text):
                add(Span("NAME", *m.span(), 0.85, self.name))
        if ". (" in text or ".(" in text:
            for m in _INITIALS_CREDENTIAL.finditer(text):
                if _starts_word(text, m.start(), glue="."):
                    add(Span("NAME", *m.span(1), 0.8, self.name))
        if "/" in text or ":" in text:
            for m in _reference_initials(text):
                add(Span("NAME", *m.span(1), 0.8, self.name))
                add(Span("NAME", *m.span(2), 0.8, self.name))
        if "_" in text:
            for m in _FILE_NAME.finditer(text):
                if _starts_word(text, m.start(), glue=""):
                    add(Span("NAME", *m.span(1), 0.85, self.name))
        if "(" in text:
            for m in _BRACKET_AGE.finditer(text):
                word = _NAME_WORD_BEFORE.search(text, max(0, m.start() - 30), m.start())
                if (
                    word
                    and word.group(1).lower() not in lx.STOP
                    and word.group(1).lower() not in _NOT_AGE_WORDS
                ):
                    add(Span("AGE", *m.span(1), 0.75, self.name))
        for m in _COMMA_AGE.finditer(text):
            if _RELATION_BEFORE.search(text, max(0, m.start() - 24), m.start()):
                add(Span("AGE", *m.span(1), 0.8, self.name))
        if "day of" in text or "DAY OF" in text or "Day of" in text:
            for m in _DAY_OF_MONTH.finditer(text):
                add(Span("DATE", *m.span(), 0.85, self.name))
        # (an ASCII note first through the gate of its lower-cased copy: see _THE_DAY_LOWER)
        the_day = not ascii_text or _THE_DAY_LOWER.search(text.lower()) is not None
        for m in _THE_DAY.finditer(text) if the_day else ():
            before = text[max(0, m.start() - 8) : m.start()].split()
            if _starts_word(text, m.start()) and before and before[-1].lower() in _DAY_PREPOSITIONS:
                add(Span("DATE", *m.span(1), 0.7, self.name))
        for m in (_TWO_DIGIT_YEAR_ASCII if ascii_text else _TWO_DIGIT_YEAR).finditer(text):
            if _starts_word(text, m.start(), glue="/._"):
                add(Span("DATE", *m.span(), 0.8, self.name))
        for m in _STREET_ADDRESS_WORD.finditer(text):
            if _starts_word(text, m.start()):
                add(Span("ADDRESS", *m.span(1), 0.75, self.name))
        for m in _BARREL.finditer(text):
            words = _TWO_WORDS_BEFORE.search(text, max(0, m.start() - 40), m.start())
            if words is None:
                continue
            parts = _words(text, words.start(), m.end())
            # a month or a state may be the given name ("Jun Takahashi-Barlow", "Georgia
            # Montgomery-Reyes")
            if parts and (parts[0] in lx.MONTH_WORDS or parts[0] in lx.STATE_WORDS):
                parts = parts[1:]
            if not any(w in lx.STOP or w in lx.EPONYMS for w in parts):
                add(Span("NAME", words.start(), m.end(), 0.7, self.name))
        for m in _word_name_subject().finditer(text):
            # a sentence's first word has its capital anyway: "Hope is what keeps her going",
            # "Bill was sent" (at a line's start or after ". ")
            start = m.start()
            line_head = text[text.rfind("\n", 0, start) + 1 : start]
            if (
                _starts_word(text, start)
                and line_head.strip()
                and text[max(0, start - 2) : start] not in (". ", "? ", "! ")
            ):
                if m.group().lower() in _MONTH_GIVEN_NAMES and _AUXILIARY.match(text, m.end()):
                    continue  # "June is a busy month", "April was hard"
                add(Span("NAME", *m.span(), 0.7, self.name))
        common = common_words()
        for m in _RELATIVE.finditer(text):
            if not _starts_word(text, m.start()):
                continue
            # "told my sister bev": then a lower-case word that is not English
            after = _LOWER_WORD_AFTER.match(text, m.end())
            if after and after.group(1) in _FOREIGN_KIN:
                # "son fils Étienne", "su hija Lupita": French "son" and a relative in French,
                # Spanish or Portuguese; the name is the word after that relative
                kin_name = _KIN_NAME_AFTER.match(text, after.end())
                if kin_name and _not_stop(text, kin_name.span(1)):
                    add(Span("NAME", *kin_name.span(1), 0.7, self.name))
            elif after and after.group(1) not in common and after.group(1) not in lx.STOP:
                add(Span("NAME", *after.span(1), 0.65, self.name))
            for follow in (_RELATIVE_THEN_NAME, _RELATIVE_APPOSITION):
                name = follow.match(text, m.end())
                if name and _not_stop(text, name.span(1)):
                    add(Span("NAME", *name.span(1), 0.75, self.name))
            if text[m.start() - 1 : m.start()] == "(" and _RELATION_IN_BRACKETS_AFTER.match(
                text, m.end()
            ):
                name = _NAME_BEFORE_BRACKET.search(text, max(0, m.start() - 61), m.start() - 1)
                if name and _not_stop(text, name.span(1)):
                    add(Span("NAME", *name.span(1), 0.75, self.name))
        if any(cue in text for cue in _HOLIDAY_CUES):
            for m in _LOWER_HOLIDAY.finditer(text):
                if _starts_word(text, m.start()):
                    add(Span("DATE", *m.span(), 0.6, self.name))
        street_cue = _STREET_CUE.search(text) is not None
        for m in _LOWER_STREET.finditer(text) if street_cue else ():
            if _starts_word(text, m.start(), glue=".,/-"):
                add(Span("ADDRESS", *m.span(), 0.8, self.name))
        if _ANY_ROAD_CUE.search(text):
            for m in _LOWER_ROAD.finditer(text):
                if _starts_word(text, m.start()):
                    add(Span("ADDRESS", *m.span(1), 0.7, self.name))
        for m in _LOWER_STATE_ZIP.finditer(text):
            add(Span("ZIP", *m.span(1), 0.8, self.name))
        spans.extend(_framed(text))
        return spans


def lower_case_places(text: str, lower: Sequence[tuple[int, int]]) -> list[Span]:
    """Towns and ZIP codes of lower-case dictation ("admitted from bishop california", "main
    street bishop nine three five one four", "lake charles la 70601"): run only where
    :func:`service.deid.casing.restore_case` read lower-case prose (``lower``), because in a
    note written with capitals a lower-case word before a state is an ordinary word."""
    if not lower:
        return []
    out: list[Span] = []
    source = CueRecognizer.name
    for m in _ZIP_AFTER_SPACE.finditer(text):
        if _LOWER_STATE_BEFORE.search(text, max(0, m.start() - 6), m.start()):
            out.append(Span("ZIP", *m.span(1), 0.8, source))
    for pattern in (_LOWER_TOWN_STATE, _LOWER_TOWN_ZIP):
        for m in pattern.finditer(text):
            town = m.group(1).split()
            # ("bishop" is a title word, so the stop words are not asked here)
            if _starts_word(text, m.start()) and _NOT_TOWN_WORDS.isdisjoint(town):
                out.append(Span("LOCATION", *m.span(1), 0.7, source))
    return out


#: "m. ashby-nkemelu", "J. Okafor": a lone initial and its dot just before a name found.
_INITIAL_BEFORE: Final = re.compile(r"(?<![\w.'\u2019-])[A-Za-z]\.[ \t]$")
#: '"Peg" Van der Berg': a quoted nickname just before a name found.
_NICKNAME_BEFORE: Final = re.compile(r"[\"\u201c][A-Z][a-z]+[\"\u201d][ \t]$")
#: "de Souza Pereira", "van Houten": a family-name particle before a name found, at the start of
#: a field (after a line start, a label's colon, a comma or a tab).
_PARTICLE_BEFORE: Final = re.compile(
    r"(?<![\w'\u2019-])(?:de|da|do|dos|das|del|della|di|van|von|der|den|le|la|du|ter|ten|al|el)"
    r"[ \t]$"
)
#: "Van [der] Berg": a particle between two parts of a name found.
_PARTICLE_GAP: Final = re.compile(
    r"[ \t](?:de|da|do|dos|das|del|della|di|van|von|der|den|le|la|du|ter|ten)[ \t]"
)
#: "Thaddeus Abernathy III": a generation after a name found.
_GENERATION_AFTER: Final = re.compile(
    r",?[ \t]+(?:Jr|Sr|JR|SR)\.?(?![\w])|[ \t]+(?:II|III|IV)(?![\w])"
)
#: Categories whose value may carry a letter code before its digits ("S/N N8P 44731196").
_CODED: Final = frozenset(["ID", "MRN", "HEALTH_PLAN", "ACCOUNT", "DEVICE", "LICENSE", "VEHICLE"])
#: "badge HPD 3318", "kit TX-NBS 25-1188-430", "wristband wb 220918": the code before a number.
_CODE_BEFORE: Final = re.compile(
    r"(?<![\w-])(?:[A-Z][A-Z0-9]{1,5}(?:-[A-Z0-9]{1,6})?|[a-z]{2,4})[ \t]$"
)

#: Groups of digits after an identifier, one blank apart, that belong to it ("1188 [2293 04]"),
#: not a number with a unit or a time after it.
_DIGIT_GROUPS_AFTER: Final = re.compile(
    r"(?:[ ]\d{2,6}(?![\w/:-]|[.,]\d)"
    # a count of something ("12 pages", "45 minutes", "30 day supply", "2 visits"): a group
    # before a lower-case word counts only when the word is a small function word
    r"(?![ \t]+(?!(?:on|in|at|for|is|was|and|or|to|from|with|by|of|the|a|an|as)\b)[a-z])"
    r"(?![ \t]+(?:AM|PM|Y|YO|YRS?|MG|ML)\b))+"
)
_ONE_GROUP_AFTER: Final = re.compile(r" \d{2,6}(?![\w/:.,-])")
_DAY_MONTH_YEAR: Final = re.compile(r"(?<![\w])\d{1,2}[A-Za-z]{3}\d{2,4}$")

_WORD_BEFORE: Final = re.compile(r"([A-Za-z]+)\.?:?[ \t]+$")
_NAME_PART: Final = r"[A-Z][a-z\u00c0-\u024f'\u2019]+(?:-[A-Z][a-z\u00c0-\u024f'\u2019]+)?"
#: ", Ti-Jo Pierre-Louis" after a name, closed by a comma, a semicolon, a full stop or "and".
_LISTED_NAME: Final = re.compile(
    rf",[ \t]+({_NAME_PART}[ \t]+{_NAME_PART})(?=[ \t]*[,;.)]|[ \t]+(?:and|&)[ \t])"
)


def _label_before(text: str, start: int) -> bool:
    """A label word ends just before ``start`` ("Account\tHAR", "group GRP", "lic. RX")."""
    word = _WORD_BEFORE.search(text, max(0, start - 16), start)
    return word is not None and word.group(1).lower() in LABEL_WORDS


#: The characters a pattern of ``name_neighbours`` can end with before the blank: an initial's
#: dot, a nickname's closing quote, a particle's lower-case letter.
_BEFORE_BLANK: Final = frozenset('."\u201d' + "abcdefghijklmnopqrstuvwxyz")


def name_neighbours(text: str, spans: list[Span]) -> list[Span]:
    """What belongs to a name or an identifier found without it: the initial before it ("m.
    [ashby-nkemelu]"), a quoted nickname before it, a particle before it or between its parts
    ("de [Souza Pereira]", "[Van] der [Berg]"), a generation after it ("[Abernathy] III"), and
    the letter code before an identifier's number ("N8P [44731196]")."""
    out: list[Span] = []
    add = out.append
    source = CueRecognizer.name
    names = sorted((s for s in spans if s.category == "NAME"), key=lambda s: s.start)
    common = common_words()
    for span in names:
        start = span.start
        # Speed: each pattern is asked only where the character before the blank fits it (a
        # dot, a quote, a lower-case letter), and a generation only after a blank or a comma.
        if start >= 2 and text[start - 1] in " \t" and text[start - 2] in _BEFORE_BLANK:
            for pattern in (_INITIAL_BEFORE, _NICKNAME_BEFORE, _PARTICLE_BEFORE):
                lead = pattern.search(text, max(0, start - 12), start)
                if lead is None:
                    continue
                if pattern is _PARTICLE_BEFORE:
                    # only at the head of a field: "Name:   de [Souza]", not "un poco de [Ana]"
                    head = text[max(0, lead.start() - 40) : lead.start()].rstrip(" \t")
                    if head and head[-1] not in ":,\n\t(":
                        break
                add(Span("NAME", lead.start(), start - 1, 0.7, source))
                break
        after = (
            _GENERATION_AFTER.match(text, span.end)
            if text[span.end : span.end + 1] in ", \t"
            else None
        )
        if after:
            add(Span("NAME", span.end, after.end(), 0.7, source))
    # "bunkmates Wilson Désir, Ti-Jo Pierre-Louis, Makenson Alcé;": the rest of a list of people
    listed = list(names)
    while listed:
        span = listed.pop()
        if text[span.end : span.end + 1] != ",":
            continue
        more = _LISTED_NAME.match(text, span.end)
        if more and not any(
            w.lower() in common or w.lower() in lx.STOP for w in more.group(1).split()
        ):
            new = Span("NAME", *more.span(1), 0.65, source)
            add(new)
            listed.append(new)
    for left, right in pairwise(names):
        if not 3 < right.start - left.end <= 7:
            continue  # " de ", " van ", " della ": a particle's gap
        gap = _PARTICLE_GAP.fullmatch(text, left.end, right.start)
        if gap:
            add(Span("NAME", left.end + 1, right.start - 1, 0.7, source))
    for span in spans:
        category = span.category
        if category == "ADDRESS":
            if span.start < 8 or text[span.start - 2] not in "td&":  # "at ", "and ", "& "
                continue
            street = _STREET_BEFORE_JOIN.search(text, max(0, span.start - 45), span.start)
            if street and street.group(1).split()[0].lower() not in lx.STOP:
                add(Span("ADDRESS", *street.span(1), 0.75, source))
            continue
        if category not in _CODED:
            continue  # (speed: the rules below are for coded identifiers only)
        if (
            text[span.end : span.end + 1] == " "
            and text[span.end - 1].isalnum()
            and (tail := _DIGIT_GROUPS_AFTER.match(text, span.end))
            # "03MAR2025 0900": a clock time after a date written as one token
            and not _DAY_MONTH_YEAR.search(text, span.start, span.end)
        ):
            # "Medicaid ID 1188 2293 04": the rest of a number written in groups
            add(Span(category, span.end + 1, tail.end(), 0.7, source))
        elif (
            span.end - span.start <= 3
            and text[span.start : span.end].isdigit()
            and (group := _ONE_GROUP_AFTER.match(text, span.end))
        ):
            # "serial number 114 702 interrogation ...": three digits are too few for an
            # identifier, so the group after them is its rest, whatever word follows
            add(Span(category, span.end + 1, group.end(), 0.7, source))
        if span.start >= 3 and text[span.start - 1] in " \t" and text[span.start - 2].isalnum():
            code = _CODE_BEFORE.search(text, max(0, span.start - 14), span.start)
            if code is None:
                continue
            word = code.group().strip()
            low = word.lower()
            if low in LABEL_WORDS and not (word.isupper() and _label_before(text, code.start())):
                continue  # "MRN 20-448" keeps its label; "lic. RX 40918": a code after a label
            if (
                low in lx.STOP
                or low in common
                or low in lx.CREDENTIALS_LOWER
                or word in lx.STATE_CODES  # "DL NE H09-55-2231": the issuing state
            ):
                continue
            add(Span(category, code.start(), span.start - 1, 0.7, source))
    if "-" in text and _LETTER_PAIR.search(text):
        out.extend(_barrel_initials(text, names))
    return out


#: Two capitals joined by a hyphen, alone ("O-R"): the gate for ``_barrel_initials`` (led by
#: the hyphen, the letters read around it).
_LETTER_PAIR: Final = re.compile(r"-(?<=[^\w-][A-Z]-)[A-Z](?![\w-])")
#: A double-barrelled family name ("Okonkwo-Reyes"), whose initials ("O-R") stand for it.
_BARREL_NAME: Final = re.compile(r"([A-Z])[a-z'\u2019]+-([A-Z])[a-z'\u2019]+")


def _barrel_initials(text: str, names: list[Span]) -> list[Span]:
    """'"Baby Boy O-R"': the initials of a double-barrelled name found elsewhere in the note."""
    pairs = {
        f"{m.group(1)}-{m.group(2)}"
        for span in names
        if text.find("-", span.start, span.end) >= 0
        for m in _BARREL_NAME.finditer(text, span.start, span.end)
    }
    out: list[Span] = []
    for pair in pairs:
        pos = text.find(pair)
        while pos >= 0:
            end = pos + 3
            if (
                pos > 0
                and (
                    text[pos - 1] in "\"'(\u201c"
                    or _CAPITAL_WORD_BEFORE.search(text, max(0, pos - 24), pos)
                )
                and (end == len(text) or not (text[end].isalnum() or text[end] in "-"))
            ):
                # quoted, bracketed or after a capitalised word ("Baby Boy O-R"); "an O-R
                # time" is the operating room
                out.append(Span("NAME", pos, end, 0.7, CueRecognizer.name))
            pos = text.find(pair, pos + 1)
    return out
