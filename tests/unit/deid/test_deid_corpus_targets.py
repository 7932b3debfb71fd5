"""Quality gates: the evaluation corpus meets the issue's recall and keep targets.

These assert recall and keep shares only (never timing). Splits (see tests/deid_corpus/README.md):
``dev`` to ``dev6`` are tuning splits that meet the targets (each was a held-out split until its
misses were used: ``dev5`` was ``heldout4``, ``dev6`` was ``heldout5``). ``dev7`` (ex-``heldout6``),
``dev8`` (ex-``heldout7``), ``dev9`` (ex-``heldout8``), ``dev10`` (ex-``heldout9``) and ``dev11``
(ex-``heldout10``) were tuned in rounds 6 to 10 but still miss a target: each has a floor and a
strict xfail. ``heldout11`` and ``heldout12`` are untuned: the "notes we have not tuned to"
figure (deselect with ``-k "not heldout"`` while tuning).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from service.deid import CATEGORIES
from service.deid.evaluate import EvalReport, evaluate, format_report, load_corpus, main

CORPUS = Path(__file__).resolve().parents[2] / "deid_corpus"
TUNING_SPLITS = ("dev", "dev2", "dev3", "dev4", "dev5", "dev6")
#: Tuned splits below the targets, with their floors (overall, keep) at the round-10 figures.
PARTLY_TUNED = {
    "dev7": (0.986, 0.985),
    "dev8": (0.985, 0.966),
    "dev9": (0.991, 0.996),
    "dev10": (0.962, 0.967),
    "dev11": (0.980, 0.965),
}
#: Untuned splits (never read while tuning), with their floors at the untuned figures.
HELDOUT = {
    "heldout11": (0.910, 0.956),
    "heldout12": (0.904, 0.944),
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
    # round 10: dev7 0.987 (526/533), keep 0.986 (279/283); dev8 0.986 (499/506), keep 0.967
    # (320/331); dev9 0.992 (487/491), keep 0.997 (345/346); dev10 0.963 (592/615), keep 0.968
    # (512/529); dev11 0.981 (574/585), keep 0.966 (480/497). Their misses were read and used;
    # what is left is rarer forms (lower-case SMS, OCR'd digits, names that are words).
    report = evaluate([CORPUS / split], timing_seconds=0)
    detail = format_report(split, report)
    overall, keep = PARTLY_TUNED[split]
    assert report.overall.recall >= overall, detail
    assert report.keep.recall >= keep, detail


@pytest.mark.parametrize("split", sorted(PARTLY_TUNED))
@pytest.mark.xfail(strict=True, reason="dev7 to dev11 still miss a target (round 10)")
def test_partly_tuned_split_meets_targets(split: str) -> None:
    report = evaluate([CORPUS / split], timing_seconds=0)
    assert report.meets_targets(), format_report(split, report)


@pytest.mark.parametrize("split", sorted(HELDOUT))
def test_heldout_does_not_regress(split: str) -> None:
    # Floors at the round-9 figures measured untuned (heldout10 0.887 = 519/585, keep 0.938 =
    # 466/497; heldout11 0.911 = 544/597, keep 0.957 = 462/483; heldout12 0.905 = 543/600, keep
    # 0.945 = 497/526): a change that loses recall or
    # damages clinical text on unseen notes fails here. Raise them only with a new untuned
    # measurement, never by tuning on these splits.
    report = evaluate([CORPUS / split], timing_seconds=0)
    detail = format_report(split, report)
    overall, keep = HELDOUT[split]
    assert report.overall.recall >= overall, detail
    assert report.keep.recall >= keep, detail


@pytest.mark.parametrize("split", sorted(HELDOUT))
@pytest.mark.xfail(
    strict=True,
    reason=(
        "untuned splits miss the issue's targets (round 9): heldout10 0.887 (NAME 0.79, DATE "
        "0.88, AGE 0.85, ADDRESS 0.87), keep 0.938; heldout11 0.910 (NAME 0.88, DATE 0.87, "
        "ADDRESS 0.85, LOCATION 0.89, DEVICE 0.87), keep 0.957; heldout12 0.905 (NAME 0.88, "
        "LOCATION 0.79, ADDRESS 0.83, ID 0.86, DEVICE 0.87), keep 0.945"
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
