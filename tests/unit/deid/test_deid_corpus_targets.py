"""Quality gates: the evaluation corpus meets the issue's recall and keep targets.

These assert recall and keep shares only (never timing). Splits (see tests/deid_corpus/README.md):
``dev`` to ``dev6`` are tuning splits that meet the targets (each was a held-out split until its
misses were used: ``dev5`` was ``heldout4``, ``dev6`` was ``heldout5``). ``dev7`` (ex-``heldout6``)
and ``dev8`` (ex-``heldout7``) were tuned in rounds 6 and 7 but still miss the targets: each has a
floor and a strict xfail. ``heldout8``, when present, is the untuned split: the "notes we have not
tuned to" figure (deselect with ``-k "not heldout"`` while tuning).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from service.deid import CATEGORIES
from service.deid.evaluate import EvalReport, evaluate, format_report, load_corpus, main

CORPUS = Path(__file__).resolve().parents[2] / "deid_corpus"
TUNING_SPLITS = ("dev", "dev2", "dev3", "dev4", "dev5", "dev6")
#: Tuned splits below the targets, with their floors (overall, keep) at the round-7 figures.
PARTLY_TUNED = {"dev7": (0.984, 0.982), "dev8": (0.980, 0.966)}
HELDOUT = "heldout8"
SPLITS = TUNING_SPLITS + tuple(PARTLY_TUNED) + ((HELDOUT,) if (CORPUS / HELDOUT).is_dir() else ())


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
    # round 7: dev7 0.985 (525/533), keep 0.982 (278/283); dev8 0.980 (496/506), keep 0.967
    # (320/331). Their misses were read and used; what is left is rarer forms.
    report = evaluate([CORPUS / split], timing_seconds=0)
    detail = format_report(split, report)
    overall, keep = PARTLY_TUNED[split]
    assert report.overall.recall >= overall, detail
    assert report.keep.recall >= keep, detail


@pytest.mark.parametrize("split", sorted(PARTLY_TUNED))
@pytest.mark.xfail(strict=True, reason="dev7 and dev8 still miss the targets (round 7)")
def test_partly_tuned_split_meets_targets(split: str) -> None:
    report = evaluate([CORPUS / split], timing_seconds=0)
    assert report.meets_targets(), format_report(split, report)


@pytest.mark.skipif(not (CORPUS / HELDOUT).is_dir(), reason="no untuned split in the corpus")
def test_heldout_does_not_regress() -> None:
    # Floors at the round-7 figures measured untuned (overall 0.931, keep 0.960): a change that
    # loses recall or damages clinical text on unseen notes fails here. Raise them only with a
    # new untuned measurement, never by tuning on heldout8.
    report = evaluate([CORPUS / HELDOUT], timing_seconds=0)
    detail = format_report(HELDOUT, report)
    assert report.overall.recall >= 0.930, detail  # 457/491
    assert report.keep.recall >= 0.959, detail  # 332/346


@pytest.mark.skipif(not (CORPUS / HELDOUT).is_dir(), reason="no untuned split in the corpus")
@pytest.mark.xfail(
    strict=True,
    reason=(
        "heldout8 (untuned) misses the issue's targets: overall 0.931, NAME 0.891, DATE 0.947, "
        "AGE 0.900, EMAIL 0.846, SSN 0.667, VEHICLE 0.875, LOCATION 0.877, keep 0.960 (round 7)"
    ),
)
def test_heldout_meets_targets() -> None:
    report = evaluate([CORPUS / HELDOUT], timing_seconds=0)
    assert report.meets_targets(), format_report(HELDOUT, report)


def test_eval_command_prints_the_figures(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main([str(CORPUS / "dev"), "--seconds", "0"])
    out = capsys.readouterr().out
    assert rc == 0
    for word in ("OVERALL", "KEEP", "MB/s", "NAME", "ZIP"):
        assert word in out
