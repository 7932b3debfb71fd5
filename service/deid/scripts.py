"""Words written in a script other than the Latin one: "Mother (王秀英)", "Иван Петров", "김민준".

In an English (or Spanish, French, Portuguese) note a run of Chinese, Cyrillic, Arabic,
Hangul or Devanagari letters is, nearly always, a person's name or a place written the way the
family writes it, and none of the other recognizers can read it. Safe Harbor asks for names in
any script, so such a run is removed whole, as a name. Greek is left out on purpose: clinical
text writes Greek letters as symbols (a beta-blocker, TNF-alpha, kappa light chains).
"""

from __future__ import annotations

import re
from typing import Final

from service.deid.recognizers import Recognizer
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


class OtherScriptRecognizer(Recognizer):
    """Names (and places) written in a non-Latin script, removed whole as names."""

    name = "script"

    def analyze(self, text: str) -> list[Span]:
        if text.isascii():
            return []
        return [Span("NAME", *m.span(), 0.6, self.name) for m in _RUN.finditer(text)]
