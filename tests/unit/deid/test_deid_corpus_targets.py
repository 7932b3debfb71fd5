"""Quality gates: the evaluation corpus meets the issue's recall and keep targets.

These assert recall and keep shares only (never timing). Splits (see tests/deid_corpus/README.md):
``dev`` to ``dev9`` and ``dev11`` to ``dev14`` are tuning splits that meet the targets (each was a
held-out split until its misses were used: ``dev5`` was ``heldout4``, ``dev6`` was ``heldout5``,
``dev7`` to ``dev9`` were ``heldout6`` to ``heldout8``, ``dev11`` was ``heldout10``, ``dev12`` was
``heldout11``, ``dev13`` was ``heldout12``, ``dev14`` was ``heldout13``; dev7 to dev9 and dev11
reached the targets in round 11, dev13 in round 12, dev14 in stop 17, dev16 (ex-``heldout15``)
in stop 18). ``dev10`` (ex-``heldout9``, tuned in round 9) and ``dev15`` (ex-``heldout14``, tuned
in stop 18) still miss a target: they have floors and a strict xfail.
``heldout16``, ``heldout17`` and ``heldout18`` are untuned: the "notes we have not tuned to"
figure (deselect with ``-k "not heldout"`` while tuning).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from service.deid import CATEGORIES
from service.deid.evaluate import EvalReport, evaluate, format_report, load_corpus, main

CORPUS = Path(__file__).resolve().parents[2] / "deid_corpus"
TUNING_SPLITS = (
    "dev",
    "dev2",
    "dev3",
    "dev4",
    "dev5",
    "dev6",
    "dev7",
    "dev8",
    "dev9",
    "dev11",
    "dev12",
    "dev13",
    # untuned until stop 17 (stop-16 code: 558/590 = 0.946, keep 486/524 = 0.927); its misses
    # were read in stop 17: 589/590 = 0.998, keep 511/524 = 0.975
    "dev14",
    # untuned until stop 18 (stop-17 code: 816/875 = 0.933, keep 708/722 = 0.981; NAME 0.87,
    # LOCATION 0.89); its misses were read in stop 18: 869/875 = 0.993, keep 717/722 = 0.993,
    # every category at or above 0.95
    "dev16",
)
#: Tuned splits below the targets, with their floors (overall, keep): dev10 at the round-11
#: figures; dev15 (ex-heldout14, untuned until stop 18: stop-17 code 1002/1095 = 0.915, keep
#: 707/779 = 0.908) at what stop 18 reached on it: 1060/1095 = 0.968, keep 743/779 = 0.954;
#: raised after the dev16 round of stop 18 (initials, word-like given names, dates after a
#: numbered day): 1067/1095 = 0.974, keep 744/779 = 0.955.
PARTLY_TUNED = {
    "dev10": (0.983, 0.967),
    "dev15": (0.974, 0.954),
}
#: Untuned splits (never read while tuning), with their floors at the untuned figures.
HELDOUT = {
    "heldout16": (0.939, 0.928),
    "heldout17": (0.942, 0.938),
    "heldout18": (0.926, 0.950),
}
SPLITS = TUNING_SPLITS + tuple(PARTLY_TUNED) + tuple(HELDOUT)


@pytest.fixture(scope="module")
def reports() -> dict[str, EvalReport]:
    return {split: evaluate([CORPUS / split], timing_seconds=0) for split in TUNING_SPLITS}


@pytest.mark.parametrize("split", SPLITS)
def test_corpus_loads_and_covers_every_category(split: str) -> None:
    notes = load_corpus([CORPUS / split])
    assert len(notes) >= 10
    seen = {a.category for n in notes for a in n.phi}
    assert seen == set(CATEGORIES), split
    assert sum(len(n.keep) for n in notes) >= 100


@pytest.mark.parametrize("split", TUNING_SPLITS)
def test_tuning_splits_meet_targets(reports: dict[str, EvalReport], split: str) -> None:
    report = reports[split]
    detail = format_report(split, report, show_misses=True)
    assert report.overall.recall >= 0.99, detail
    for category, tally in report.per_category.items():
        assert tally.recall >= 0.95, f"{category}\n{detail}"
    assert report.keep.recall >= 0.97, detail


@pytest.mark.parametrize("split", sorted(PARTLY_TUNED))
def test_partly_tuned_split_does_not_regress(split: str) -> None:
    # round 12: dev10 0.984 (605/615), keep 0.968 (512/529). Its misses were read and used; what
    # is left is rarer forms (lower-case SMS, OCR'd digits, names that are words).
    # stop 18: dev10 keep 0.970 (513/529), 0.985 (606/615) after the dev16 round; dev15 0.968
    # (1060/1095), keep 0.954 (743/779), 0.974 (1067/1095), keep 0.955 after the dev16 round: left
    # are given names that are words ("Faith added"), lower-case towns, facility names holding
    # a word the place rules take, and a few single forms.
    report = evaluate([CORPUS / split], timing_seconds=0)
    detail = format_report(split, report)
    overall, keep = PARTLY_TUNED[split]
    assert report.overall.recall >= overall, detail
    assert report.keep.recall >= keep, detail


@pytest.mark.parametrize("split", sorted(PARTLY_TUNED))
@pytest.mark.xfail(strict=True, reason="dev10 and dev15 still miss a target (stop 18)")
def test_partly_tuned_split_meets_targets(split: str) -> None:
    report = evaluate([CORPUS / split], timing_seconds=0)
    assert report.meets_targets(), format_report(split, report)


@pytest.mark.parametrize("split", sorted(HELDOUT))
def test_heldout_does_not_regress(split: str) -> None:
    # Floors at the figures measured untuned, once per round, with the final code of rounds 11
    # and 12 (heldout13 0.946 = 558/590, keep 0.929 = 487/524, the same in both rounds;
    # heldout14 0.911 = 998/1095, keep 0.904 = 704/779 in round 11, 0.912 = 999/1095, keep
    # 0.905 = 705/779 in round 12; heldout15 0.930 = 814/875, keep 0.981 = 708/722 in round 12).
    # Stop 16, final code (accented capitalised words read folded, facilities and streets
    # abroad, names in other scripts, handles, grouped identifiers, roles and relatives at a
    # sentence's head, ...): heldout13 558/590 = 0.946, keep 486/524 = 0.927 (one keep string
    # lost; accepted, removing more being the safer error, and the floor lowered by that one
    # string, not tuned back); heldout14 1001/1095 = 0.914, keep 705/779 = 0.905; heldout15
    # 816/875 = 0.933, keep 708/722 = 0.981.
    # Stop 17, final code (tuned on dev14, ex-heldout13; probe rounds of the engineer's own
    # sentences for places, identifiers and names; measured once): heldout14 1002/1095 =
    # 0.915, keep 707/779 = 0.908; heldout15 816/875 = 0.933, keep 708/722 = 0.981 (the same);
    # heldout16 (new, written during stop 17 by an eighth separate writer) 779/833 = 0.935,
    # keep 634/689 = 0.920.
    # Stop 18: heldout14 and heldout15 became the tuning splits dev15 and dev16 (dev15's floor
    # moved to PARTLY_TUNED; dev16 meets the targets and is in TUNING_SPLITS). heldout17 and
    # heldout18 are new (a ninth and a tenth separate writer). Final stop-18 code, measured
    # once (summary lines only, misses never read): heldout16 783/833 = 0.940, keep 640/689 =
    # 0.929; heldout17 822/872 = 0.943, keep 667/711 = 0.938 (stop-17 code: 811, 659);
    # heldout18 743/802 = 0.926, keep 755/794 = 0.951 (stop-17 code: 742, 754).
    # heldout14 and heldout15 were written during rounds 11 and 12 by a sixth and a seventh
    # separate writer. A change that loses recall or damages clinical text on unseen notes fails here.
    # Raise them only with a new untuned measurement, never by tuning on these splits.
    report = evaluate([CORPUS / split], timing_seconds=0)
    detail = format_report(split, report)
    overall, keep = HELDOUT[split]
    assert report.overall.recall >= overall, detail
    assert report.keep.recall >= keep, detail


@pytest.mark.parametrize("split", sorted(HELDOUT))
@pytest.mark.xfail(
    strict=True,
    reason=(
        "untuned splits miss the issue's targets (stop 18): heldout16 0.940 (LICENSE 0.70, AGE "
        "0.85), keep 0.929; heldout17 0.943 (AGE 0.81, LOCATION 0.88, NAME 0.90), keep 0.938; "
        "heldout18 0.926 (ADDRESS 0.79, LOCATION 0.83, DATE 0.90), keep 0.951"
    ),
)
def test_heldout_meets_targets(split: str) -> None:
    report = evaluate([CORPUS / split], timing_seconds=0)
    assert report.meets_targets(), format_report(split, report)


def test_eval_command_prints_the_figures(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main([str(CORPUS / "dev"), "--seconds", "0"])
    out = capsys.readouterr().out
    assert rc == 0
    for word in ("OVERALL", "KEEP", "MB/s", "NAME", "ZIP"):
        assert word in out
