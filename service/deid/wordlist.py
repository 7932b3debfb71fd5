"""English word lists for reading lower-case dictation: a build step and the two loaders.

Data: SCOWL (Spell Checker Oriented Word Lists, Kevin Atkinson, http://wordlist.aspell.net),
size 50, as shipped in Debian's ``wamerican`` package (``/usr/share/dict/american-english``).
Its licence asks that the copyright and permission notice go with every copy; both data files
carry it in their header.

Why SCOWL: it writes proper nouns with their capital ("Bruce", "Oswego") and ordinary words in
lower case ("bill", "moody"), which is exactly what a note that lost its capitals no longer says.
Two derived lists are kept:

- ``english_words.txt``: every lower-case entry (an ordinary word: "bill", "rose", "moody").
- ``proper_nouns.txt``: Title-case entries whose lower-case form is not also an ordinary word
  ("bruce", "rourke", "oswego", "june"): in lower-case text such a token is a name, a place, a
  month or a brand, and is written with its capital again before the recognizers run.

``python -m service.deid.wordlist [DICT]`` (build time only; ``apt-get download wamerican`` and
``dpkg-deb -x`` give the file) writes both lists; the service reads them once per process
(``service.deid.prepare`` at gateway start-up, about 0.2 s; otherwise on first use).
"""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path
from typing import Final

from service.deid.lexicon import read_words

_COMMON: Final = "english_words.txt"
_PROPER: Final = "proper_nouns.txt"
_DEFAULT_DICT: Final = Path("/usr/share/dict/american-english")
_PER_LINE: Final = 16

_NOTICE: Final = (
    "# Derived from SCOWL size 50 (Debian wamerican 2020.12.07): python -m service.deid.wordlist",
    "# Copyright 2000-2011 by Kevin Atkinson. Permission to use, copy, modify, distribute and sell",
    "# these word lists, the associated scripts, the output created from the scripts, and its",
    "# documentation for any purpose is hereby granted without fee, provided that the above",
    "# copyright notice appears in all copies and that both that copyright notice and this",
    "# permission notice appear in supporting documentation. Kevin Atkinson makes no",
    "# representations about the suitability of this array for any purpose. It is provided",
    '# "as is" without express or implied warranty.',
)


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Ordinary English words, lower case ("bill", "rose", "moody", "avenue")."""
    return read_words(_COMMON)


@lru_cache(maxsize=1)
def proper_nouns() -> frozenset[str]:
    """Lower-cased proper nouns that are never ordinary words ("bruce", "oswego", "june")."""
    return read_words(_PROPER)


def build(dictionary: Path, out_dir: Path) -> tuple[int, int]:
    """Write both lists from a SCOWL dictionary file; (common, proper) counts."""
    entries = [w for w in dictionary.read_text(encoding="utf-8").split() if "'" not in w]
    common = {w for w in entries if w.islower()}
    proper = {w.lower() for w in entries if w[:1].isupper() and w[1:].islower()} - common
    for name, words, what in (
        (_COMMON, common, "ordinary words (lower-case SCOWL entries)"),
        (_PROPER, proper, "proper nouns that are never ordinary words, lower-cased"),
    ):
        ordered = sorted(words)
        rows = [" ".join(ordered[i : i + _PER_LINE]) for i in range(0, len(ordered), _PER_LINE)]
        header = [*_NOTICE, f"# {len(ordered)} {what}."]
        (out_dir / name).write_text("\n".join([*header, *rows]) + "\n", encoding="utf-8")
    return len(common), len(proper)


if __name__ == "__main__":  # pragma: no cover - build step
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else _DEFAULT_DICT
    n_common, n_proper = build(source, Path(__file__).parent / "data")
    sys.stdout.write(f"{n_common} ordinary words, {n_proper} proper nouns\n")
