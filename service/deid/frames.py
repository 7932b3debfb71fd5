"""Names known only by their frame: the line under a closing ("Best,\\nHope"), and the two
nurses of a handoff arrow ("RN Ebony \u2192 RN Tomasz").

A closing word alone on its line, then a line that holds only one to three capitalised words:
that line is the writer's name. The recognizers of :mod:`service.deid.recognizers` need a
known given name there, or a word that is not English, so a given name that is also a word
("Hope", "Summer", "Guy") went unseen; the closing is the signal here. A line of English words
("Thanks,\\nCardiology Team", "Regards,\\nNursing") is a team or a service and stays.

A shift handoff written as an arrow between two roles ("RN Ebony \u2192 RN Tomasz", "CNA Rose ->
CNA Will") names a person after each role, whatever the word; the arrow and the roles together
are the signal.
"""

from __future__ import annotations

import re
from typing import Final

from service.deid.recognizers import name_kind
from service.deid.spans import Span
from service.deid.wordlist import common_words

#: A closing alone on its line (a comma or a dash after it), then the next line: its words.
_SIGNOFF: Final = re.compile(
    r"(?im)^[ \t]*(?:best|thanks|thank[ \t]+you|many[ \t]+thanks|regards|best[ \t]+regards|"
    r"kind[ \t]+regards|warm[ \t]+regards|sincerely|yours[ \t]+truly|cheers|respectfully|"
    r"take[ \t]+care|with[ \t]+thanks)[ \t]*[,\u2014-]?[ \t]*\r?\n[ \t]*"
    # the name line: one to three capitalised words (an initial with its dot), then the end of
    # the line or a comma before a credential or a role
    r"((?-i:[A-Z][A-Za-z'\u2019-]*\.?)(?:[ \t]+(?-i:[A-Z][A-Za-z'\u2019-]*\.?)){0,2})"
    r"[ \t]*(?:,[^\n]*)?$"
)
_WORD: Final = re.compile(r"[A-Za-z'\u2019-]+")


def signoff_names(text: str) -> list[Span]:
    """NAME spans for the writer's name on the line after a closing."""
    # Speed: every closing above ends its line, so a note without ",\n" (or a bare closing
    # word before a line break) has none; the cheap test runs first
    if ",\n" not in text and "\u2014\n" not in text:
        return []
    out: list[Span] = []
    common = common_words()
    for m in _SIGNOFF.finditer(text):
        words = _WORD.findall(m.group(1))
        kinds = [name_kind(w) for w in words]
        if any(k not in ("first", "amb", "last", "wordlast", "other", "initial") for k in kinds):
            continue  # "Thanks,\nDr. X" is read by the title rules; a stop word is no name
        if all(
            k in ("other", "initial") and w.lower() in common
            for w, k in zip(words, kinds, strict=True)
        ):
            continue  # "Regards,\nNursing", "Thanks,\nCare Team": a service signs
        if all(k == "initial" for k in kinds):
            continue
        out.append(Span("NAME", m.start(1), m.end(1), 0.8, "signoff"))
    return out


#: A role before a capitalised word, an arrow, and another role and word ("RN Ebony -> RN
#: Tomasz"); the arrow may be "→", "->" or "=>".
_ROLE: Final = r"(?:RN|LPN|LVN|CNA|NP|PA|MD|RT|Dr\.?|Nurse)"
_HANDOFF: Final = re.compile(
    rf"\b{_ROLE}[ \t]+([A-Z][a-z'\u2019-]+)[ \t]*(?:\u2192|->|=>)[ \t]*{_ROLE}[ \t]+"
    r"([A-Z][a-z'\u2019-]+)\b"
)
_ROLE_NAME_KINDS: Final = frozenset(["first", "amb", "last", "wordlast", "other"])


def handoff_names(text: str) -> list[Span]:
    """NAME spans for the two people of a handoff arrow."""
    # Speed: the arrows are rare; the regex runs only where one is
    if "\u2192" not in text and "->" not in text and "=>" not in text:
        return []
    out: list[Span] = []
    for m in _HANDOFF.finditer(text):
        for group in (1, 2):
            if name_kind(m.group(group)) in _ROLE_NAME_KINDS:
                out.append(Span("NAME", *m.span(group), 0.8, "handoff"))
    return out
