"""Regex alternations of literal words rebuilt as prefix trees (speed only).

Python's regex engine tries the branches of ``(?:County|Clinic|College|...)`` one after another
at every position whose character may start one of them; with a hundred words that is a
hundred checks per capital letter of a note. :func:`trie_alternation` writes the same set of
words as a prefix tree, ``C(?:ounty|linic|ollege)``, so each character is looked at once.

The tree matches exactly the same words. Where one word is a prefix of others ("home",
"homeless", "homes") the plain alternation tries them in the order written, so the tree must
too: a word written after every longer word it starts becomes a greedy optional ending
(``home(?:less|s)?``), one written before all of them a lazy one (``home(?:less|s)??``). A word
written between two of them has no such tree, and :func:`trie_alternation` refuses it. Words
that branch apart never match at the same position, so their order does not matter.
Under ``(?i)`` two words that differ only in case would be two branches of the tree that match
the same text, so a case-insensitive alternation is built from lower-case words
(``ignore_case=True``) and the ordering is checked on them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_WORD_CHAR = re.compile(r"\w")


def trie_alternation(
    words: str | Sequence[str], *, ignore_case: bool = False, word_end: bool = False
) -> str:
    """A non-capturing regex that behaves exactly like ``(?:w1|w2|...)`` of the escaped words
    (a list, or one string of them joined by ``|``).

    With ``ignore_case`` the words (ASCII only) are lower-cased first: the result is for use
    under ``(?i)`` (it is then equivalent to the plain alternation under ``(?i)``).
    ``word_end`` says that the pattern only goes on after a word where no letter, digit or
    underscore follows it (``\\b``, ``(?!\\w)``) or that it is used with ``fullmatch``: then
    the order of a word and its longer forms that go on with such a character does not matter
    (the word alone cannot succeed where one of them matches) and is not checked.

    Raises ``ValueError`` for an empty list, an empty or repeated word, or a word written
    between two longer words that start with it (no tree tries the three in that order).
    """
    if isinstance(words, str):
        words = words.split("|")
    if not words:
        raise ValueError("no words")
    if ignore_case and not all(word.isascii() for word in words):
        # "İ".lower() is two characters: lower-casing is the same as (?i) only for ASCII
        raise ValueError("ignore_case needs ASCII words")
    keys = [word.lower() if ignore_case else word for word in words]
    if not all(keys) or len(set(keys)) != len(keys):
        raise ValueError("an empty or repeated word")
    # the words tried before all the longer words they start (the others: after all of them)
    first: set[str] = set()
    for i, key in enumerate(keys):
        longer = [
            j
            for j, other in enumerate(keys)
            if other != key
            and other.startswith(key)
            and not (word_end and _WORD_CHAR.match(other, len(key)))
        ]
        if longer and min(longer) > i:
            first.add(key)
        elif longer and max(longer) > i:
            raise ValueError(f"{words[i]!r} is written between longer words that start with it")
    body = _node(keys, "", first)
    return body if _is_group(body) else f"(?:{body})"


def _node(words: list[str], prefix: str, first: set[str]) -> str:
    """The regex for the tails ``words`` of the words that start with ``prefix`` (``""``: the
    word ``prefix`` itself ends here; in ``first``: it is tried before its longer forms)."""
    ends_here = "" in words
    groups: dict[str, list[str]] = {}
    for word in words:
        if word:
            groups.setdefault(word[0], []).append(word[1:])
    branches: list[str] = []
    for lead, tails in groups.items():
        if len(tails) == 1:
            branches.append(re.escape(lead + tails[0]))
            continue
        # a shared first character: follow the chain of characters every tail shares
        common = lead
        while all(t and t[0] == tails[0][0] for t in tails):
            common += tails[0][0]
            tails = [t[1:] for t in tails]
        branches.append(re.escape(common) + _node(tails, prefix + common, first))
    if not branches:
        return ""
    if len(branches) == 1 and not ends_here:
        return branches[0]
    alt = f"(?:{'|'.join(branches)})"
    if not ends_here:
        return alt
    return f"{alt}??" if prefix in first else f"{alt}?"


def _is_group(body: str) -> bool:
    """Whether ``body`` is one non-capturing group (not "(?:a)b(?:c)", which only looks so)."""
    if not (body.startswith("(?:") and body.endswith(")")):
        return False
    depth = 0
    escaped = False
    for i, char in enumerate(body):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i == len(body) - 1
    return False


#: Characters other than a letter's two cases that ``(?i)`` matches it with (``(?i)k`` matches
#: the Kelvin sign); checked against the regex engine by the unit tests.
_EXTRA_CASES: dict[str, str] = {"i": "\u0130\u0131", "k": "\u212a", "s": "\u017f"}


def ascii_cases(char: str) -> str | None:
    """Every character that ``(?i)`` matches the one ASCII ``char`` with (lower case first), or
    ``None`` for a character that is not ASCII (its case partners are not listed here)."""
    if len(char) != 1 or not char.isascii():
        return None
    if not char.isalpha():
        return char
    low = char.lower()
    return low + low.upper() + _EXTRA_CASES.get(low, "")


def word_led(
    alternatives: Sequence[str], *, ignore_case: bool = False, boundary: bool = True
) -> str:
    """``\\b(?:a1|a2|...)`` (each ``a`` a regex that starts with a plain ASCII letter) written so
    that the regex engine can scan for the first letters.

    A pattern that starts with ``\\b`` (or with ``(?i)`` letters) gives the engine no first
    character to look for, so it is tried at every position of the text. Here a class of the
    first letters comes first and the boundary is checked behind it; each branch then checks
    which letter it was (``(?<=N)ew Year...``), keeping the order of the branches that start
    with the same letter. With ``ignore_case`` the result holds ``(?i:...)`` after the class and
    the class holds every character that ``(?i)`` matches the letters with. With
    ``boundary=False`` it is ``(?:a1|a2|...)``, without the ``\\b``.
    """
    groups: dict[str, list[str]] = {}
    for alt in alternatives:
        first = alt[:1]
        if not (first.isascii() and first.isalpha()) or alt[1:2] in ("?", "*", "+", "{"):
            raise ValueError(f"branch does not start with a plain letter: {alt!r}")
        groups.setdefault(first.lower() if ignore_case else first, []).append(alt[1:])
    lead = ""
    for first in groups:
        lead += first + first.upper() + _EXTRA_CASES.get(first, "") if ignore_case else first
    branches = [f"(?<={first}){_tails(tails, ignore_case)}" for first, tails in groups.items()]
    body = f"(?:{'|'.join(branches)})"
    if ignore_case:
        body = f"(?i:{body})"
    return f"[{lead}](?<!\\w[{lead}]){body}" if boundary else f"[{lead}]{body}"


def any_of(needles: Sequence[str]) -> str:
    """A regex that finds something in a text exactly when one of ``needles`` occurs in it.

    For a gate: one scan of the text in place of one ``in`` test per needle (a regex search
    is the cheaper of the two from about a dozen needles up).
    """
    # longest first, so that no needle comes after a shorter one it starts with
    return trie_alternation(sorted(dict.fromkeys(needles), key=len, reverse=True))


#: Characters of a note's prose, the most frequent first (counted over the bench notes and the
#: tuning splits; see :func:`rare_led`); any character not listed counts as rarer than all.
_FREQUENT = " eaitnrosldhmc.021upg-fy,5bw4:3C\nA/SRv8N97MPkEDITLO6HB)(x;FGVW|UzKYJq'@%\"jXQ\t#Z["


def _rarity(char: str) -> int:
    at = _FREQUENT.find(char)
    return len(_FREQUENT) if at < 0 else at


def rare_led(needles: Sequence[str]) -> str:
    """A regex that finds something in a text exactly when one of ``needles`` occurs in it,
    each needle led by its rarest character (``_FREQUENT``) with the characters before it
    checked behind: ``Clinique`` is ``q(?<=Cliniq)ue``.

    For a gate over many needles whose first letters are common ("rue ", "hemin ", "llee "):
    the engine scans for the class of the lead characters and tries a needle only where its
    rare character is, in place of one ``in`` test per needle. A needle ``w`` led by its
    character ``k`` matches at ``p`` exactly when ``w`` occurs at ``p - k``, so a search finds
    a match exactly when some needle occurs.
    """
    groups: dict[str, list[str]] = {}
    for needle in dict.fromkeys(needles):
        if not needle:
            raise ValueError("an empty needle")
        k = max(range(len(needle)), key=lambda i: _rarity(needle[i]))
        behind = f"(?<={re.escape(needle[: k + 1])})" if k else ""
        groups.setdefault(needle[k], []).append(behind + re.escape(needle[k + 1 :]))
    return "(?:" + "|".join(f"{re.escape(c)}(?:{'|'.join(b)})" for c, b in groups.items()) + ")"


def _tails(tails: list[str], ignore_case: bool) -> str:
    """The branches after one first letter: a prefix tree where all are plain words."""
    if len(tails) == 1:
        return tails[0]
    if all(tail and not set(tail) & set(".^$*+?{}[]\\|()") for tail in tails):
        try:
            return trie_alternation(tails, ignore_case=ignore_case)
        except ValueError:
            pass  # an order no tree keeps: the plain alternation
    return f"(?:{'|'.join(tails)})"


def ascii_digits(regex: re.Pattern[str]) -> re.Pattern[str]:
    """``regex`` with every ``\\d`` written ``[0-9]``: the same matches on an ASCII text.

    In a ``str`` pattern ``\\d`` is any Unicode decimal digit, which the engine tests with a
    category lookup at every character it scans; ``[0-9]`` is a plain range test. On a text for
    which ``str.isascii()`` holds the two classes hold the same characters, so the rewritten
    pattern finds exactly what ``regex`` finds there (the caller picks it only for such texts).
    Inside a character class ``\\d`` becomes the range ``0-9``.
    """
    if regex.flags & re.VERBOSE:
        raise ValueError("verbose patterns are not rewritten")  # a comment could hold "\\d"
    src = regex.pattern
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(src):
        char = src[i]
        if char == "\\":
            pair = src[i : i + 2]
            out.append(("0-9" if in_class else "[0-9]") if pair == "\\d" else pair)
            i += 2
            continue
        out.append(char)
        i += 1
        if char == "[" and not in_class:
            in_class = True
            # "[^]...]", "[]...]": a "]" right after the opening is a literal, not the end
            for lead in ("^", "]"):
                if src[i : i + 1] == lead:
                    out.append(lead)
                    i += 1
        elif char == "]" and in_class:
            in_class = False
    return re.compile("".join(out), regex.flags)
