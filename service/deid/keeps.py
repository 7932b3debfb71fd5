"""Keep-side forms of the probe-18 keep round: clinical text that looks like PHI but names a
device, a procedure, a billing code, a score or a setting, the same for every patient.

Each function returns ranges that :func:`service.deid.generalise.protected_ranges` cuts out of
every span. Every scan is led by a literal or gated by a cheap ``in`` test (most notes hold
none of these forms), and none of them lets a titled name, a relative's possessive or a
number without its code-system frame through.
"""

from __future__ import annotations

import re
from typing import Final

from service.deid.recognizers import name_kind

# ---------------------------------------------------------------- eponymous devices

#: Nouns after which one capitalised word names a device, procedure or physical sign, not a
#: person or a town: "Blake drain", "Glenn shunt", "Ross procedure", "Thomas splint", "Aspen
#: collar", "Boston brace", "Roth spots", "Hoffmann sign". (Each searched as a substring with its
#: blank: most notes hold none; the word before is read back from it.) Nouns that are also
#: verbs after a person ("had Sam lift", "let Maria test") are left out or guarded below.
_DEVICE_NOUNS: Final = (
    " shunt",
    " procedure",
    " operation",
    " repair",
    " drain",
    " splint",
    " collar",
    " brace",
    " spots",
    " nodes",
    " nodule",
    " maneuver",
    " manoeuvre",
    " incision",
    " forceps",
    " retractor",
    " needle",
    " blade",
    " belt",
    " sign",
    " test",
)
#: One capitalised word (or two joined by a hyphen: "Jackson-Pratt") right before the noun, with
#: an optional possessive; the character before it is no word character, dot or hyphen.
_EPONYM_BEFORE_DEVICE: Final = re.compile(
    r"(?<![\w'\u2019.-])([A-Z][a-z]+(?:-[A-Z][a-z]+)?)(['\u2019]s)?$"
)
#: A title ("Dr. Ross procedure") or a capitalised word before the eponym ("Mary Ross
#: procedure" is more likely a name than a two-word device): not a device.
_NOT_DEVICE_BEFORE: Final = re.compile(
    r"(?:(?:Dr|Mr|Mrs|Ms|Miss|Mx)\.|[A-Z][A-Za-z'\u2019-]*)[ \t]+$"
)
#: Nouns that are also verbs after a person ("had Sam drain the abscess", "let Maria test
#: her sugar", "asked Glenn to sign the consent"): read as verbs when an object follows.
_VERB_NOUNS: Final = frozenset([" drain", " repair", " brace", " sign", " test"])
_VERB_OBJECT_AFTER: Final = re.compile(
    r"[ \t]+(?:the|a|an|her|his|their|it|this|that|consent|forms?|papers|paperwork|off|up|in|"
    r"out|for|release|again)\b"
)


def device_nouns(text: str) -> list[tuple[int, str]]:
    """Every place of a noun of ``_DEVICE_NOUNS`` in ``text`` as ``(at, noun)``, noun by noun
    in the order of the tuple, each noun's places in text order (its whole-word test is left
    to :func:`eponym_devices`)."""
    out: list[tuple[int, str]] = []
    for noun in _DEVICE_NOUNS:
        at = text.find(noun)
        while at >= 0:
            out.append((at, noun))
            at = text.find(noun, at + len(noun))
    return out


def eponym_devices(text: str, nouns: list[tuple[int, str]] | None = None) -> list[tuple[int, int]]:
    """Ranges of "Eponym noun" for the nouns of ``_DEVICE_NOUNS`` (the eponym and the noun).

    ``nouns`` is what :func:`device_nouns` returns for ``text`` (the caller may have found it
    in a scan of its own: see ``generalise._blank_nouns``); by default it is found here."""
    out: list[tuple[int, int]] = []
    for at, noun in device_nouns(text) if nouns is None else nouns:
        end = at + len(noun)
        nxt = text[end : end + 1]
        if not (nxt.isalnum() or nxt == "_"):
            span = _eponym_at(text, at, end, noun)
            if span is not None:
                out.append(span)
    return out


def _eponym_at(text: str, at: int, end: int, noun: str) -> tuple[int, int] | None:
    m = _EPONYM_BEFORE_DEVICE.search(text, max(0, at - 30), at)
    if m is None:
        return None
    start = m.start()
    if _NOT_DEVICE_BEFORE.search(text, max(0, start - 10), start):
        return None
    # "Glenn's drain output": a given name's possessive is a person's
    if m.group(2) and name_kind(m.group(1)) in ("first", "amb"):
        return None
    if noun in _VERB_NOUNS:
        obj = _VERB_OBJECT_AFTER.match(text, end)
        # "Penrose drain in wound": "in" and "out" follow only "sign" and "test" as a verb's
        if obj and (noun in (" sign", " test") or obj.group().strip() not in ("in", "out")):
            return None
    return (start, end)


# ---------------------------------------------------------------- billing codes

#: A CPT or HCPCS modifier after its code: side and component letters, telehealth, the common
#: two-digit modifiers. "99214-95", "20610-RT", "93000-26", "45380-PT". Led by the hyphen (the
#: code's five digits are checked behind it).
_MODIFIER: Final = re.compile(
    r"-(?<=\d{5}-)(?:(?P<letters>RT|LT|TC|PT|GT|GQ|GA|GY|GZ|KX|QW|XE|XP|XS|XU|FA|F[1-9]|TA|"
    r"T[1-9]|E[1-4]|LC|LD|RC|LM|RI|CR|CS|AS)|(?P<digits>2[2-7]|5[0-9]|7[6-9]|8[0-2]|9[1-9]))"
    r"(?![\w-])"
)
#: A billing cue on the line before a code with a numeric modifier.
_BILLING_BEFORE: Final = re.compile(
    r"(?i)\b(?:cpt|hcpcs|bill(?:ed|ing)?|codes?|coded|modifiers?|e/m|charges?|claim line)\b"
    r"[^\n]{0,30}$"
)


def billing_codes(text: str) -> list[tuple[int, int]]:
    """A five-digit procedure code with its modifier: a letter modifier anywhere; a numeric one
    ("12345-59" could be a case number) on an E/M code (992xx-994xx) or after a billing cue."""
    out: list[tuple[int, int]] = []
    for m in _MODIFIER.finditer(text):
        start = m.start() - 5
        if start > 0 and (text[start - 1].isalnum() or text[start - 1] in "-/."):
            continue
        if m.group("digits"):
            code = text[start : m.start()]
            em = code[:3] in ("992", "993", "994")
            if not em and not _BILLING_BEFORE.search(
                text, max(text.rfind("\n", 0, start) + 1, start - 40), start
            ):
                continue
        out.append((start, m.end()))
    return out


# ---------------------------------------------------------------- oxygen settings

#: A flow and its oxygen share: "HFNC 40L/60%", "40 L/60%", "15Lpm/100%". Led by the slash
#: (after "L" or "m"), the flow read back from it.
_FIO2_AFTER_FLOW: Final = re.compile(r"/(?<=L/|m/|M/)\d{2,3}%")
_FLOW_BEFORE: Final = re.compile(r"(?<![\w.])\d{1,2}(?:\.\d)?[ \t]?(?:L|Lpm|LPM)$")


def oxygen_settings(text: str) -> list[tuple[int, int]]:
    """High-flow settings (a litre flow over an FiO2 percentage), never an identifier."""
    out: list[tuple[int, int]] = []
    for m in _FIO2_AFTER_FLOW.finditer(text):
        flow = _FLOW_BEFORE.search(text, max(0, m.start() - 8), m.start())
        if flow is not None:
            out.append((flow.start(), m.end()))
    return out


# ---------------------------------------------------------------- subtest scores

#: The parts of a cognitive or developmental test scored one by one: "Naming 3/3, Recall 2/5",
#: "Similarities 11/19, Digit Span 8/16", "Understanding 9/16". None of them names an event,
#: so "Label n/m" after one is a score, not the month and day of a timeline.
_SUBTEST_LABELS: Final = (
    r"visuospatial|executive|naming|attention|language|abstraction|(?:delayed[ \t]+)?recall|"
    r"orientation|registration|calculation|repetition|fluency|similarities|vocabulary|"
    r"comprehension|understanding|information|block[ \t]+design|digit[ \t]+span|"
    r"matrix[ \t]+reasoning|coding|symbol[ \t]+search|arithmetic|picture[ \t]+concepts|"
    r"letter-number[ \t]+sequencing|visual[ \t]+puzzles|figure[ \t]+weights|cancellation|"
    r"immediate[ \t]+memory|working[ \t]+memory|serial[ \t]+7s|clock(?:[ \t]+draw(?:ing)?)?|"
    r"cube|trails(?:[ \t]+[AB])?|expressive|receptive|gross[ \t]+motor|fine[ \t]+motor|"
    r"problem[ \t]+solving|personal-social|communication"
)
#: A score's slash: one or two digits after it, a digit before it (led by the slash).
_SLASH_SCORE: Final = re.compile(r"/(?<=\d/)(\d{1,2})(?![\d/])")
_SUBTEST_BEFORE: Final = re.compile(
    rf"(?i)(?<![\w-])(?:{_SUBTEST_LABELS})[ \t]*[:=]?[ \t]*(\d{{1,2}})$"
)
#: Instruments scored by part, named on the line: one labelled part is then enough.
_PART_SCORED: Final = re.compile(
    r"(?i)\b(?:moca|mmse|slums|wais|wisc|wppsi|rbans|ace-?iii|cognistat|mini-?cog|asq|bayley|"
    r"subtests?|subscales?|domains?|index)\b"
)


def subtest_scores(text: str) -> list[tuple[int, int]]:
    """ "Label n/m" where the label is a test's part and n is at most m, on a line that scores
    two such parts or names the instrument ("MoCA: ... Recall 2/5")."""
    found: list[tuple[int, int, int]] = []  # (start, end, line start)
    for m in _SLASH_SCORE.finditer(text):
        at = m.start()
        line_start = text.rfind("\n", 0, at) + 1
        label = _SUBTEST_BEFORE.search(text, max(line_start, at - 32), at)
        if label is None or int(label.group(1)) > int(m.group(1)):
            continue
        found.append((label.start(), m.end(), line_start))
    out: list[tuple[int, int]] = []
    for start, end, line_start in found:
        line_end = text.find("\n", end)
        line = text[line_start : line_end if line_end >= 0 else len(text)]
        if sum(1 for f in found if f[2] == line_start) >= 2 or _PART_SCORED.search(line):
            out.append((start, end))
    return out


# ---------------------------------------------------------------- limbs

#: A limb's abbreviation beside a motor grade ("LUE 4/5", "4+/5 RLE"): "Lue" is also a given
#: name, so only beside the grade.
_LIMB_GRADE: Final = re.compile(
    r"(?<![\w-])(?:[LRB](?:UE|LE)[ \t]*:?[ \t]*[0-5][+-]?/5"
    r"|[0-5][+-]?/5[ \t]+(?:in[ \t]+)?[LRB](?:UE|LE))(?![\w-])"
)


def limb_grades(text: str) -> list[tuple[int, int]]:
    """A motor grade with the limb it is for."""
    if "/5" not in text:
        return []
    return [m.span() for m in _LIMB_GRADE.finditer(text)]
