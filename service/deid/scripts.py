"""Words written in a script other than the Latin one: "Mother (王秀英)", "Иван Петров", "김민준".

In an English (or Spanish, French, Portuguese) note a run of Chinese, Cyrillic, Arabic,
Hangul or Devanagari letters where the note names a person (after a label or a person word,
in brackets after a name or a relative, before a relative named in brackets) is that
person's name written the way the family writes it, and none of the other recognizers can
read it. Safe Harbor asks for names in any script, so such a run is removed whole, as a name.
Elsewhere it is left: a language's own name ("Mandarin (普通话)"), a sign or an instruction.
Greek is left out on purpose: clinical text writes Greek letters as symbols (a beta-blocker,
TNF-alpha, kappa light chains).
"""

from __future__ import annotations

import re
from typing import Final

from service.deid import lexicon as lx
from service.deid.recognizers import NAME_CONTEXT_WORDS, Recognizer
from service.deid.spans import Span

#: Letters and their combining signs of the scripts read here (by Unicode block): Cyrillic,
#: Armenian, Hebrew, Arabic (with its supplement and presentation forms), the Indic scripts,
#: Thai and Lao, Tibetan, Myanmar, Georgian, Hangul (jamo and syllables), Ethiopic, Khmer,
#: Hiragana and Katakana, and the CJK ideographs.
OTHER_SCRIPT: Final = (
    "\u0400-\u052f\u0530-\u058f\u0590-\u05ff\u0600-\u06ff\u0750-\u077f\u0900-\u0dff"
    "\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u10a0-\u10ff\u1100-\u11ff\u1200-\u137f"
    "\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\ufb1d-\ufdff"
    "\ufe70-\ufeff"
)
#: A run of such words, blanks and the Japanese middle dot between them.
_RUN: Final = re.compile(rf"[{OTHER_SCRIPT}]+(?:[ \t\u30fb\u00b7]+[{OTHER_SCRIPT}]+)*")


#: Languages named before a bracketed phrase in their own script ("Mandarin (普通话)"): the
#: phrase is the language's own name or a translation, not a person.
_LANGUAGES: Final = frozenset(
    [
        "mandarin",
        "cantonese",
        "chinese",
        "russian",
        "ukrainian",
        "arabic",
        "korean",
        "japanese",
        "hindi",
        "urdu",
        "bengali",
        "punjabi",
        "farsi",
        "persian",
        "pashto",
        "dari",
        "hebrew",
        "yiddish",
        "thai",
        "amharic",
        "tigrinya",
        "burmese",
        "nepali",
        "tamil",
        "telugu",
        "gujarati",
        "armenian",
        "georgian",
        "khmer",
        "lao",
        "tibetan",
        "script",
        "characters",
    ]
)
#: Labels whose value is text, not a person ("Sign reads: 出口").
_NOT_A_PERSON: Final = frozenset(
    ["reads", "says", "sign", "label", "text", "instructions", "translation", "meaning"]
)
#: What marks a run as a person's name: a label before it ("Contact: 김민준"), a person word
#: before it ("Wife 佐藤・花子", "signed as محمد علي"), a bracket after a name or relative
#: ("Mother (王秀英)"), or a relative named after it ("김민준 (son)").
_WORD_BEFORE: Final = re.compile(r"([A-Za-z][A-Za-z'\u2019-]*)\W*$")
_RELATIVE_AFTER: Final = re.compile(r"[ \t]*[(,][ \t]*([a-z][a-z-]*)")
_PERSON_WORDS: Final = NAME_CONTEXT_WORDS | {"as", "signed", "name", "named", "called", "by"}


def _named(text: str, start: int, end: int) -> bool:
    line = text.rfind("\n", 0, start) + 1
    before = text[max(line, start - 40) : start].rstrip(" \t")
    word = _WORD_BEFORE.search(before)
    last = word.group(1).lower() if word else ""
    if before.endswith(":"):
        return last not in _NOT_A_PERSON  # "Contact: 김민준", not "Sign reads: 出口"
    if last in _PERSON_WORDS:
        return True
    if before.endswith(("(", "[")) and word is not None and word.group(1)[0].isupper():
        # "Wang Xiuying (王秀英)", "Mother (王秀英)"; not "Mandarin (普通话)"
        return last not in _LANGUAGES
    after = _RELATIVE_AFTER.match(text, end)
    return after is not None and after.group(1) in lx.RELATION_WORDS


class OtherScriptRecognizer(Recognizer):
    """Names (and places) written in a non-Latin script where the note names a person there."""

    name = "script"

    def analyze(self, text: str) -> list[Span]:
        if text.isascii():
            return []
        return [
            Span("NAME", *m.span(), 0.6, self.name)
            for m in _RUN.finditer(text)
            if _named(text, *m.span())
        ]
