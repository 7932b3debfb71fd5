"""Names known only by their frame: the line under a closing ("Best,\\nHope"), and the two
nurses of a handoff arrow ("RN Ebony \u2192 RN Tomasz").

A closing word alone on its line, then a line that holds only one to three capitalised words:
that line is the writer's name. The recognizers of :mod:`service.deid.recognizers` need a
known given name there, or a word that is not English, so a given name that is also a word
("Hope", "Summer", "Guy") went unseen; the closing is the signal here. A line of English words
("Thanks,\\nCardiology Team", "Regards,\\nNursing") is a team or a service and stays.

Probe 18 added more frames of the same kind (:func:`head_names` and the functions after it): a
name heading a sentence before what only a person does ("Bill is a 66M", "Aroha Ngata presents
for", "Dawn (sister) states"), a nickname after a verb of naming without quotes, chat speakers,
a closing and its name on one line, particles after a title, a typist's or a timed log line's
initials, and a scanned name with a letter read as a digit ("Dr. M0ody").

A shift handoff written as an arrow between two roles ("RN Ebony \u2192 RN Tomasz", "CNA Rose ->
CNA Will") names a person after each role, whatever the word; the arrow and the roles together
are the signal.
"""

from __future__ import annotations

import re
from typing import Final

from service.deid import lexicon as lx
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


# ---------------------------------------------------------------- probe 18: more frames

#: A name-like token: a capital, then letters (any script's accented letters), an apostrophe
#: or a hyphen ("Kertész", "O'Malley", "Adebayo-Cole").
_NAME_PART: Final = r"[A-Z\u00c0-\u00de][a-z\u00df-\u024f'\u2019]+"
#: The characters of its two classes (for a check read back without a regex).
_PART_HEAD: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ" + "".join(map(chr, range(0xC0, 0xDF))))
_PART_TAIL: Final = frozenset(
    "abcdefghijklmnopqrstuvwxyz'\u2019" + "".join(map(chr, range(0xDF, 0x250)))
)
_NAME_TOKEN: Final = rf"{_NAME_PART}(?:-{_NAME_PART})?"
#: Particles inside a name ("Wiremu Te Rangi", "Zsófia de la Vega").
_IN_NAME_PARTICLE: Final = r"(?:de|da|del|della|di|van|von|der|den|la|le|du|Te|bin|bint|ibn)"
#: The relatives, longest first ("sister" is also a title word, so it is added here).
_RELATIONS: Final = lx.RELATION_ALTERNATION
#: What only a person does at the head of a sentence. Each alternative is a whole frame: an
#: age after "is a" ("Bill is a 66M", "Summer is an 8 yo", "is a pleasant 72-year-old"), a
#: verb of arriving or being seen ("presents with", "was brought in", "is here for"), a
#: patient's own act ("denies", "tolerated PO"), a mood ("was very tearful"), a relative in
#: brackets ("Dawn (sister) states") or with a possessive ("Hope and her mother"). A drug, a
#: test or a service never heads these ("Lasix was held" has none of them).
_PERSON_FRAME: Final = (
    r"[ \t]+(?:"
    r"is[ \t]+an?(?:[ \t]+[a-z]+){0,2}[ \t]+\d{1,3}(?:[ \t]*-?[ \t]*(?:y(?:ears?|rs?|/?o|\.o\.)?|"
    r"mo(?:nths?)?|w(?:ee)?ks?|days?|[MF])\b|[MF](?![\w]))"
    r"|present(?:s|ed)[ \t]+(?:with|for|to|today|after|via|from|on|w/)"
    r"|(?:was|is)[ \t]+(?:brought|seen|admitted|transferred|evaluated|here|back)\b"
    r"|(?:arrived|arrives|returns|returned|comes|came)[ \t]+(?:in|to|for|today|back|by|from|with)"
    r"|\((?:" + _RELATIONS + r")\)"
    r"|and[ \t]+(?:his|her|their)[ \t]+(?:" + _RELATIONS + r")\b"
    # acts and moods: a drug too is "tolerated" or "refused" ("Zosyn tolerated"), so these
    # count only after a given name or two name words (checked in ``head_names``)
    r"|(?P<act>(?:denies|denied|reports|endorses|endorsed|tolerated|ambulated|verbali[sz]ed|"
    r"refused|complains|c/o|declined|slept|ate|cried)\b(?![ \t]+dose)"
    r"|(?:was|is|seemed|seems|appears|appeared|became)[ \t]+(?:very[ \t]+|more[ \t]+|less[ \t]+|"
    r"quite[ \t]+)?(?:tearful|anxious|agitated|pleasant|cooperative|upset|calm|combative|"
    r"withdrawn|angry|frustrated|grateful|emotional|talkative|sleepy|lethargic|alert|"
    r"oriented|confused|ambulating|crying|smiling|awake|asleep)\b)"
    r")"
)
#: The head of a sentence: a line's start (after blanks, a bullet or a number), a full stop,
#: a question or exclamation mark, or a label's colon ("HPI: Aroha Ngata presents ...").
_HEAD: Final = r"(?:^[ \t]*(?:[-*\u2022][ \t]+|\d{1,2}[.)][ \t]+)?|(?<=[.!?:;])[ \t]+)"
#: Speed: the frames are found first (one scan; they are few), then the head read back before
#: each; one pattern with the frame as a look-ahead after every prefix of every capitalised run
#: at a sentence's head was four times slower. The scan is led by the name word just before
#: the frame (a capital, then the letters of ``_NAME_PART``'s tail, possessive): a head ends in
#: one, and a scan led by a capital tries the frame's alternation only after capitalised words,
#: not after every blank of the note (twice as fast). The frame's match is group ``f``.
#: Same frames as a scan of the frame alone, kept only where that word is before it: (1) a
#: frame's match depends only on the text after its run of blanks (no alternative starts with
#: a blank, none looks behind), so it is found at the run's first blank either way; (2) no
#: frame holds a capital and a lower-case letter before a blank (its words are lower case, its
#: relatives too, and an "M" or "F" ends it), so the frames the word test drops never overlap
#: a kept one; (3) a frame that ends in that "M" or "F" may start the next frame's word ("45
#: M's is ..."): the scan goes on from that letter (see ``head_names``).
_FRAME_SCAN: Final = re.compile(
    r"[A-Z\u00c0-\u00de][a-z\u00df-\u024f'\u2019]++(?P<f>" + _PERSON_FRAME + ")"
)
#: (``\Z``, not ``$``: under ``(?m)`` a ``$`` also matches before any newline of the window, and a
#: name-like line above the sentence was joined to its first word: "Marguerite\nShe is a ...")
_HEAD_BEFORE: Final = re.compile(
    rf"(?m){_HEAD}({_NAME_TOKEN}(?:[ \t]+(?:{_IN_NAME_PARTICLE}[ \t]+)?{_NAME_TOKEN}){{0,2}})\Z"
)
_HEAD_KINDS: Final = frozenset(["first", "amb", "last", "wordlast", "other"])
#: Given-name kinds that may stand alone at a sentence's head before a person frame.
_GIVEN_KINDS: Final = frozenset(["first", "amb"])


def head_names(text: str) -> list[Span]:
    """NAME spans for the words heading a sentence before a frame only a person fits."""
    out: list[Span] = []
    common = common_words()
    pos = 0
    while (m := _FRAME_SCAN.search(text, pos)) is not None:
        frame, pos = m.start("f"), m.end()
        if text[pos - 1] in _PART_HEAD:
            pos -= 1  # "... 45 M's is a ...": that "M" may head the next frame's word
        head = _HEAD_BEFORE.search(text, max(0, frame - 80), frame)
        if head is None:
            continue
        start = head.start(1)
        words = [w for w in head.group(1).split() if w[:1].isupper()]
        kinds = [name_kind(w) for w in words]
        if len(kinds) >= 2 and kinds[-1] == "epon" and kinds[0] in _GIVEN_KINDS:
            # "Hope Baker is a 67 yo": a given name, then a family name that is also an
            # eponym (Baker's cyst); the frame says it is a person
            kinds[-1] = "last"
        if any(k not in _HEAD_KINDS for k in kinds):
            continue  # "Patient is a 54 yo", "Mother (sister)...": a stop word, a title
        # an ordinary English word counts only as a known name ("Bill", "Moody"); "Earnest
        # Wood" or "Infant" alone is left
        if any(k == "other" and w.lower() in common for w, k in zip(words, kinds, strict=True)):
            continue
        if (
            len(words) == 1
            and kinds[0] not in _GIVEN_KINDS
            and (m.group("act") or kinds[0] != "other" or len(words[0]) < 3)
        ):
            continue  # one word: a given name, or (not before an act) a word that is no English
        out.append(Span("NAME", start, frame, 0.75, "head-frame"))
    return out


#: A nickname written without quotes after a verb of naming: "prefers to be called Bubba",
#: "known as Kiki", "goes by Sunny", "nicknamed Tex", "aka Johnny". ("called" alone is left:
#: "called Rapid Response", "called Pharmacy".)
_NAMED_AS: Final = tuple(
    (literal, re.compile(rf"{lead}[ \t]+({_NAME_TOKEN}(?:[ \t]+{_NAME_TOKEN})?)"))
    for literal, lead in (
        # Speed: each pattern is led by its literal (a fast scan) and runs only where the
        # literal is in the note; "called" counts after "be" or "is" (read behind it)
        ("called", r"called(?<=\bbe[ \t]called|\bis[ \t]called)"),
        ("goes by", r"goes[ \t]+by"),
        ("known as", r"known[ \t]+as"),
        ("nicknamed", r"nicknamed"),
        ("AKA", r"AKA"),
        ("aka", r"(?<![\w.])a\.?k\.?a\.?"),
        ("calls", r"calls[ \t]+(?:him|her|them)sel(?:f|ves)"),
    )
)


def nickname_names(text: str) -> list[Span]:
    """NAME spans for a name given without quotes after a verb of naming."""
    out: list[Span] = []
    common = common_words()
    for m in (m for literal, regex in _NAMED_AS if literal in text for m in regex.finditer(text)):
        words = m.group(1).split()
        kinds = [name_kind(w) for w in words]
        # "also known as Lou Gehrig's disease", "known as Hashimoto's": an eponym, a stop word
        # or an ordinary word ("known as Baseline") is no name
        if any(k not in _HEAD_KINDS for k in kinds) or any(
            k == "other" and w.lower() in common for w, k in zip(words, kinds, strict=True)
        ):
            continue
        out.append(Span("NAME", *m.span(1), 0.75, "named-as"))
    return out


#: A chat line's speaker: "<Aiyana Redcloud> family here now" (an IRC-style display name in
#: angle brackets, no "@": an e-mail address is read elsewhere), "tomasz.wrobel: pt in 14..."
#: (a user handle "first.last" before a colon, at the line's start).
_CHAT_ANGLE: Final = re.compile(rf"<({_NAME_TOKEN}(?:[ \t]+{_NAME_TOKEN}){{0,2}})>")
#: (led by the handle's dot or underscore, its first part read back to the line's start)
_CHAT_HANDLE: Final = re.compile(r"[._](?<=[a-z][._])[a-z]{2,}(?:-[a-z]{2,})?:[ \t]")
#: Speed: the same pattern led by the dot alone, for a note without "_" (where ``[._]`` can only
#: be the dot, so it finds the same matches): a scan for one literal character is about three
#: times faster than one for a class.
_CHAT_HANDLE_DOT: Final = re.compile(r"\.(?<=[a-z]\.)[a-z]{2,}(?:-[a-z]{2,})?:[ \t]")
#: The separators of a handle's parts (compiled once, not looked up at every call).
_HANDLE_PARTS: Final = re.compile(r"[._-]")
_HANDLE_HEAD: Final = re.compile(r"(?<![^\n])[ \t]*([A-Za-z][a-z]+)$")
#: A closing and the writer's name on the same line, at its end: "Cheers - Rich", "Thanks,
#: Summer", "Best -- Hollis".
#: Gate of ``_CLOSING_SAME_LINE`` (a pattern that starts at every line): its closing words.
_CLOSING_WORDS: Final = (
    "Best",
    "best",
    "BEST",
    "hank",
    "HANK",
    "egards",
    "EGARDS",
    "heers",
    "HEERS",
    "ake care",
    "AKE CARE",
)
#: Speed: each closing word above in lower case; a note's lower-cased copy holds one wherever the
#: note holds one of them (``str.lower`` maps these ASCII letters one for one), so a note whose
#: copy holds none is passed over with five searches instead of eleven.
_CLOSING_LOWER: Final = ("best", "hank", "egards", "heers", "ake care")
_CLOSING_SAME_LINE: Final = re.compile(
    r"(?im)^[ \t]*(?:best|thanks|thank[ \t]+you|many[ \t]+thanks|regards|best[ \t]+regards|"
    r"kind[ \t]+regards|warm[ \t]+regards|cheers|take[ \t]+care|with[ \t]+thanks)"
    r"[ \t]*(?:,|-{1,2}|\u2013|\u2014)[ \t]*"
    rf"((?-i:{_NAME_TOKEN}(?:[ \t]+{_NAME_TOKEN})?))[ \t]*$"
)
#: A title, then family-name particles and the name ("Dr. van der Berg", "Dr. de la Cruz"):
#: the title rules read one capitalised word after the title, so the particles stood between.
_TITLE_PARTICLES: Final = re.compile(
    r"\b(?:Dr|Drs|Mr|Mrs|Ms|Miss|Mx|Prof|Doctor)\.?[ \t]+"
    r"((?:(?:de|da|do|dos|das|del|della|di|van|von|der|den|la|le|du|ter|ten|el|al)[ \t]+){1,2}"
    rf"{_NAME_TOKEN})"
)
#: Gate of ``_TITLE_PARTICLES``: a title, then blanks and a particle before a blank. Every match
#: of ``_TITLE_PARTICLES`` holds one, so the gate drops nothing. (Speed: led by the title's
#: capital, this scan is three times faster than one led by any blank.)
_PARTICLE_WORD: Final = re.compile(
    r"(?:Dr|Drs|Mr|Mrs|Ms|Miss|Mx|Prof|Doctor)\.?[ \t]+"
    r"(?:de|da|do|dos|das|del|della|di|van|von|der|den|la|le|du|ter|ten|el|al)[ \t]"
)


def speaker_names(text: str) -> list[Span]:
    """NAME spans for chat speakers, a closing's name on its own line and a name whose
    particles follow a title."""
    out: list[Span] = []
    common = common_words()
    if "<" in text:
        for m in _CHAT_ANGLE.finditer(text):
            line_start = text.rfind("\n", 0, m.start()) + 1
            words = m.group(1).split()
            if (
                not text[line_start : m.start()].strip()
                and all(name_kind(w) in _HEAD_KINDS for w in words)
                and not all(w.lower() in common for w in words)
            ):
                out.append(Span("NAME", *m.span(1), 0.75, "chat-speaker"))
    # Speed: a handle ends in a colon, so a note without one has none (and see _CHAT_HANDLE_DOT)
    handle: re.Pattern[str] | None = None
    if ":" in text:
        handle = _CHAT_HANDLE if "_" in text else _CHAT_HANDLE_DOT
    for m in handle.finditer(text) if handle is not None else ():
        head = _HANDLE_HEAD.search(text, max(0, m.start() - 30), m.start())
        if head is None:
            continue
        end = m.end() - 2  # before ": "
        parts = _HANDLE_PARTS.split(text[head.start(1) : end].lower())
        # "e.g:", "re.check:": a handle has a part that is no English word
        if not all(p in common or p in lx.STOP for p in parts):
            out.append(Span("NAME", head.start(1), end, 0.75, "chat-speaker"))
    lower = text.lower()
    closing = any(w in lower for w in _CLOSING_LOWER) and any(w in text for w in _CLOSING_WORDS)
    for m in _CLOSING_SAME_LINE.finditer(text) if closing else ():
        words = m.group(1).split()
        kinds = [name_kind(w) for w in words]
        if any(k not in _HEAD_KINDS for k in kinds) or all(
            k == "other" and w.lower() in common for w, k in zip(words, kinds, strict=True)
        ):
            continue  # "Thanks, Team", "Thanks - Nursing": a service signs
        out.append(Span("NAME", *m.span(1), 0.75, "signoff"))
    if _PARTICLE_WORD.search(text):
        for m in _TITLE_PARTICLES.finditer(text):
            out.append(Span("NAME", *m.span(1), 0.8, "title-particle"))
    return out


#: A timed log line signed at its end by the writer's initials after a slash: "2200 pt
#: resting quietly /sh". The clock time leading the line is the frame; a unit after a slash
#: ("/min") is no one. (Capitals after a comma, "0300 VS stable, JKL", are left: "..., NPO",
#: "..., PRN", "..., WNL" end log lines as often.)
_LOG_SIGNED: Final = re.compile(
    r"(?m)^[ \t]*(?:[01]\d|2[0-3])(?::?[0-5]\d)\b[^\n]*?[ \t]/([a-z]{2,3})[ \t]*$"
)
#: "Transcribed by: kt", "Typed by: JRM": a typist's initials after the verb and a colon, in
#: either case (the recognizers read "by JRM" without the colon, in capitals).
_BY_COLON_INITIALS: Final = re.compile(
    r"\b(?:[Tt]ranscribed|[Tt]yped|[Dd]ictated|[Ee]ntered|[Ss]cribed)[ \t]+by[ \t]*:[ \t]*"
    r"([A-Za-z]{2,3})\b(?![ \t]*[A-Za-z])"
)
#: Units a slash may bring to a line's end ("... 2 L /min"): never initials.
_SLASH_UNITS: Final = frozenset(
    ["hr", "min", "day", "wk", "mo", "yr", "kg", "dl", "ml", "sec", "hpf", "am", "pm", "prn", "ok"]
)


def initials_names(text: str) -> list[Span]:
    """NAME spans for a timed log line's closing initials and a typist's initials."""
    out: list[Span] = []
    if " /" in text:
        for m in _LOG_SIGNED.finditer(text):
            if m.group(1) not in lx.STOP and m.group(1) not in _SLASH_UNITS:
                out.append(Span("NAME", *m.span(1), 0.7, "log-initials"))
    if "by:" in text or "by :" in text:
        for m in _BY_COLON_INITIALS.finditer(text):
            word = m.group(1)
            low = word.lower()
            if low in lx.STOP or lx.CREDENTIAL_RE.fullmatch(word.upper()):
                continue
            if word.islower() and low in common_words():
                continue  # "Typed by: me"
            out.append(Span("NAME", *m.span(1), 0.7, "log-initials"))
    return out


#: A scanned name with a letter misread as a digit: "Dr. M0ody", "Fa1th Ander5on" (0 for o, 1
#: for l or i, 5 for s between letters). Led by the digit (a rare character to scan for), the
#: word around it read back.
#: (One scan for each digit, their hits put in order: a scan led by one literal character is
#: several times faster than one led by a class. The hits are single characters, so the scans
#: together find every position the class's scan finds, and no other.)
_OCR_DIGIT_IN_WORD: Final = tuple(re.compile(rf"{d}(?<=[A-Za-z]{d})(?=[a-z])") for d in "015")
_OCR_WORD_AROUND: Final = re.compile(r"[A-Z][a-z015]*$")
_OCR_WORD_REST: Final = re.compile(r"[a-z015]*(?![\w])")
_OCR_TITLE_BEFORE: Final = re.compile(r"(?:Dr|Mr|Mrs|Ms|Miss)\.?[ \t]+$")
_OCR_READINGS: Final = (
    str.maketrans({"0": "o", "1": "l", "5": "s"}),
    str.maketrans({"0": "o", "1": "i", "5": "s"}),
)
_NAME_KINDS: Final = frozenset(["first", "amb", "last", "wordlast"])


def _match_start(m: re.Match[str]) -> int:
    return m.start()


def ocr_names(text: str) -> list[Span]:
    """NAME spans for a capitalised word that, its look-alike digits read as letters, is a
    known given or family name, or follows a title."""
    out: list[Span] = []
    hits = [m for digit in _OCR_DIGIT_IN_WORD for m in digit.finditer(text)]
    for m in sorted(hits, key=_match_start) if hits else ():
        head = _OCR_WORD_AROUND.search(text, max(0, m.start() - 20), m.start())
        if head is None or (head.start() and text[head.start() - 1].isalnum()):
            continue
        tail = _OCR_WORD_REST.match(text, m.start())
        if tail is None:
            continue
        start, end = head.start(), tail.end()
        word = text[start:end]
        titled = _OCR_TITLE_BEFORE.search(text, max(0, start - 6), start) is not None
        if titled or any(name_kind(word.translate(t)) in _NAME_KINDS for t in _OCR_READINGS):
            out.append(Span("NAME", start, end, 0.7, "ocr-name"))
    return out
