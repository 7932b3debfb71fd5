"""Measure de-identification on the annotated corpus: recall per category, keep share, MB/s.

Corpus format (``tests/deid_corpus/<split>/*.json``, one note per file)::

    {"id": "...", "style": "...", "lines": ["note text", "one line per item"],
     "patient": {FHIR Patient}?,                      # optional: evaluated with that context
     "phi": [["NAME", "Teresa Kowalczyk"], ["AGE", "92", "AGE: 92Y"], ...],
     "keep": ["BP 132/84", "Parkinson's disease", ...]}

The text is ``"\\n".join(lines)``. Offsets are computed at load time, never written by hand:
``[CATEGORY, s]`` marks every occurrence of ``s`` that is not glued to a letter or digit of the
same kind (so "92" in "92Y" counts, "92" in "1992" does not); ``[CATEGORY, s, anchor]`` marks
``s`` only inside each occurrence of the longer string ``anchor``. An annotation contained in
another annotation of the same category is dropped (counted once). A PHI string that cannot be
found is an error in the corpus.

Matching rule: an annotated PHI span counts as **found** when every one of its letters and
digits lies inside some removed span, whatever category the recognizer gave it (what matters
for privacy is that nothing is left; the category only picks the replacement). Spaces and
punctuation left between removed parts identify no one: the hyphen of a date range whose two
dates are shifted one by one ("2/26-3/10"), the quotes around a removed nickname. (Until round 8
the rule was "every non-space character"; the change moved four annotations of dev10 and none
of dev-dev9.)
A keep string counts as **preserved** when no removed span overlaps any of its characters.
Recall per category = found / annotated for that category; overall = over all annotations.
Throughput = bytes of note text (UTF-8) / seconds spent in ``deidentify`` on one thread,
over as many passes over the corpus as fit in about one second.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.deid.context import DeidContext
from service.deid.engine import deidentify
from service.deid.spans import CATEGORIES


@dataclass(frozen=True)
class Annotation:
    category: str
    start: int
    end: int


@dataclass(frozen=True)
class Note:
    """One corpus note with offsets resolved."""

    id: str
    split: str
    text: str
    phi: tuple[Annotation, ...]
    keep: tuple[tuple[int, int], ...]
    patient: dict[str, Any] | None = None


class CorpusError(ValueError):
    """A corpus file is malformed or annotates text that is not in the note."""


def _boundary_ok(text: str, start: int, end: int) -> bool:
    def same_kind(a: str, b: str) -> bool:
        return (a.isdigit() and b.isdigit()) or (a.isalpha() and b.isalpha())

    if start > 0 and same_kind(text[start - 1], text[start]):
        return False
    return not (end < len(text) and same_kind(text[end - 1], text[end]))


def find_all(text: str, needle: str) -> list[tuple[int, int]]:
    """Occurrences of ``needle`` in ``text`` that are not glued to same-kind characters."""
    out = []
    for m in re.finditer(re.escape(needle), text):
        if _boundary_ok(text, m.start(), m.end()):
            out.append((m.start(), m.end()))
    return out


def load_note(path: Path, split: str) -> Note:
    raw = json.loads(path.read_text(encoding="utf-8"))
    text = "\n".join(raw["lines"])
    found: list[Annotation] = []
    for entry in raw["phi"]:
        category, needle = entry[0], entry[1]
        if category not in CATEGORIES:
            raise CorpusError(f"{path.name}: unknown category {category}")
        if len(entry) > 2:
            anchor = entry[2]
            offset = anchor.find(needle)
            hits = [(a + offset, a + offset + len(needle)) for a, _ in find_all(text, anchor)]
        else:
            hits = find_all(text, needle)
        if not hits:
            raise CorpusError(f"{path.name}: PHI string #{len(found)} of {category} not found")
        found.extend(Annotation(category, s, e) for s, e in hits)
    unique = sorted(set(found), key=lambda a: (a.start, -a.end))
    phi = tuple(
        a
        for a in unique
        if not any(
            b != a and b.category == a.category and b.start <= a.start and a.end <= b.end
            for b in unique
        )
    )
    keep: list[tuple[int, int]] = []
    for needle in raw.get("keep", []):
        hits = find_all(text, needle)
        if not hits:
            raise CorpusError(f"{path.name}: keep string {needle!r} not found")
        keep.extend(hits)
    return Note(raw["id"], split, text, phi, tuple(keep), raw.get("patient"))


def load_corpus(paths: Sequence[Path]) -> list[Note]:
    """Notes from JSON files or folders of them (the folder name is the split)."""
    notes: list[Note] = []
    for path in paths:
        if path.is_dir():
            notes.extend(load_note(p, path.name) for p in sorted(path.rglob("*.json")))
        else:
            notes.append(load_note(path, path.parent.name))
    return notes


@dataclass
class Tally:
    found: int = 0
    total: int = 0

    @property
    def recall(self) -> float:
        return self.found / self.total if self.total else 1.0


@dataclass
class EvalReport:
    """Recall per category and overall, keep share, throughput; plus what was missed."""

    per_category: dict[str, Tally] = field(default_factory=dict)
    overall: Tally = field(default_factory=Tally)
    keep: Tally = field(default_factory=Tally)
    notes: int = 0
    bytes: int = 0
    mb_per_s: float = 0.0
    #: (note id, category, missed text, context) for the misses: corpus text is synthetic.
    misses: list[tuple[str, str, str]] = field(default_factory=list)
    damaged: list[tuple[str, str]] = field(default_factory=list)

    def meets_targets(self) -> bool:
        return (
            self.overall.recall >= 0.99
            and all(t.recall >= 0.95 for t in self.per_category.values())
            and self.keep.recall >= 0.97
        )


def _context_for(note: Note) -> DeidContext | None:
    if note.patient is None:
        return None
    return DeidContext.from_fhir(patient=note.patient, key=b"evaluation-key")


def score_notes(notes: Sequence[Note]) -> EvalReport:
    report = EvalReport(notes=len(notes))
    for note in notes:
        result = deidentify(note.text, _context_for(note))
        covered = bytearray(len(note.text))
        for span in result.spans:
            covered[span.start : span.end] = b"\x01" * (span.end - span.start)
        for ann in note.phi:
            tally = report.per_category.setdefault(ann.category, Tally())
            ok = all(covered[i] or not note.text[i].isalnum() for i in range(ann.start, ann.end))
            tally.total += 1
            report.overall.total += 1
            if ok:
                tally.found += 1
                report.overall.found += 1
            else:
                report.misses.append((note.id, ann.category, note.text[ann.start : ann.end]))
        for start, end in note.keep:
            report.keep.total += 1
            if any(covered[start:end]):
                report.damaged.append((note.id, note.text[start:end]))
            else:
                report.keep.found += 1
    return report


def measure_throughput(notes: Sequence[Note], *, seconds: float = 1.0) -> tuple[int, float]:
    """(bytes per pass, MB/s) of ``deidentify`` on this thread, in CPU time.

    CPU time (``time.process_time``) rather than wall time: the figure is what one core does,
    and it stays meaningful on a machine shared with other work.
    """
    contexts = [_context_for(n) for n in notes]
    size = sum(len(n.text.encode()) for n in notes)
    passes, elapsed = 0, 0.0
    while elapsed < seconds or passes < 3:
        t0 = time.process_time()
        for note, ctx in zip(notes, contexts, strict=True):
            deidentify(note.text, ctx)
        elapsed += time.process_time() - t0
        passes += 1
    return size, size * passes / elapsed / 1e6


def evaluate(corpus_paths: Sequence[Path], *, timing_seconds: float = 1.0) -> EvalReport:
    """Score the corpus at ``corpus_paths`` and time it (``timing_seconds=0``: one timed pass)."""
    notes = load_corpus(corpus_paths)
    report = score_notes(notes)
    report.bytes, report.mb_per_s = measure_throughput(notes, seconds=timing_seconds)
    return report


def format_report(name: str, report: EvalReport, *, show_misses: bool = False) -> str:
    lines = [f"== {name}: {report.notes} notes, {report.overall.total} PHI, {report.bytes} bytes"]
    for category in CATEGORIES:
        tally = report.per_category.get(category)
        if tally:
            lines.append(f"  {category:<12} {tally.recall:6.3f}  ({tally.found}/{tally.total})")
    lines.append(
        f"  {'OVERALL':<12} {report.overall.recall:6.3f}  "
        f"({report.overall.found}/{report.overall.total})"
    )
    lines.append(
        f"  {'KEEP':<12} {report.keep.recall:6.3f}  ({report.keep.found}/{report.keep.total})"
    )
    lines.append(f"  throughput   {report.mb_per_s:6.2f} MB/s (one core)")
    lines.append(f"  targets met: {'yes' if report.meets_targets() else 'NO'}")
    if show_misses:
        lines.extend(f"  missed {c} in {i}: {t!r}" for i, c, t in report.misses)
        lines.extend(f"  damaged keep in {i}: {t!r}" for i, t in report.damaged)
    return "\n".join(lines)


DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "tests" / "deid_corpus"


def main(argv: Sequence[str] | None = None) -> int:
    """``cds-service deid-eval [PATHS]``: print the figures; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(prog="deid-eval", description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, help="corpus folders or JSON files")
    parser.add_argument("--show-misses", action="store_true", help="list missed PHI (synthetic)")
    parser.add_argument("--seconds", type=float, default=1.0, help="timing budget per split")
    args = parser.parse_args(argv)
    paths: list[Path] = args.paths or sorted(p for p in DEFAULT_CORPUS.iterdir() if p.is_dir())
    ok = True
    for path in paths:
        report = evaluate([path], timing_seconds=args.seconds)
        ok &= report.meets_targets()
        sys.stdout.write(format_report(path.name, report, show_misses=args.show_misses) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
