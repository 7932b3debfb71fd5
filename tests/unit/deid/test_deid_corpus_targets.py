"""Quality gates: the evaluation corpus meets the issue's recall and keep targets.

These assert recall and keep shares only (never timing). Splits (see tests/deid_corpus/README.md):
``dev`` to ``dev6`` are tuning splits that meet the targets (each was a held-out split until its
misses were used: ``dev5`` was ``heldout4``, ``dev6`` was ``heldout5``). ``dev7`` (ex-``heldout6``)
was tuned in round 6 but still misses the targets (mostly its all-lower-case dictation note): it
has a floor and a strict xfail. ``heldout7``, when present, is the untuned split: the "notes we
have not tuned to" figure (deselect with ``-k "not heldout"`` while tuning).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from service.deid import CATEGORIES
from service.deid.evaluate import EvalReport, evaluate, format_report, load_corpus, main

CORPUS = Path(__file__).resolve().parents[2] / "deid_corpus"
TUNING_SPLITS = ("dev", "dev2", "dev3", "dev4", "dev5", "dev6")
PARTLY_TUNED = "dev7"
HELDOUT = "heldout7"
SPLITS = TUNING_SPLITS + (PARTLY_TUNED,) + ((HELDOUT,) if (CORPUS / HELDOUT).is_dir() else ())


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


def test_partly_tuned_split_does_not_regress() -> None:
    # dev7 after round 6: overall 0.953 (508/533), keep 0.982 (278/283); 16 of its 25 misses
    # are in one all-lower-case dictation, where capitals carry no signal.
    report = evaluate([CORPUS / PARTLY_TUNED], timing_seconds=0)
    detail = format_report(PARTLY_TUNED, report)
    assert report.overall.recall >= 0.953, detail
    assert report.keep.recall >= 0.982, detail


@pytest.mark.xfail(
    strict=True,
    reason="dev7 misses the targets: NAME and DATE in an all-lower-case dictation (round 6)",
)
def test_partly_tuned_split_meets_targets() -> None:
    report = evaluate([CORPUS / PARTLY_TUNED], timing_seconds=0)
    assert report.meets_targets(), format_report(PARTLY_TUNED, report)


@pytest.mark.skipif(not (CORPUS / HELDOUT).is_dir(), reason="no untuned split in the corpus")
def test_heldout_does_not_regress() -> None:
    # Floors at the round-6 figures measured once, untuned (overall 0.945, keep 0.955): a change
    # that loses recall or damages clinical text on unseen notes fails here. Raise them only
    # with a new untuned measurement, never by tuning on heldout7.
    report = evaluate([CORPUS / HELDOUT], timing_seconds=0)
    detail = format_report(HELDOUT, report)
    assert report.overall.recall >= 0.944, detail  # 478/506
    assert report.keep.recall >= 0.954, detail  # 316/331


@pytest.mark.skipif(not (CORPUS / HELDOUT).is_dir(), reason="no untuned split in the corpus")
@pytest.mark.xfail(
    strict=True,
    reason=(
        "heldout7 (untuned) misses the issue's targets: overall 0.945, NAME 0.889, DEVICE 0.900, "
        "LOCATION 0.909, ZIP 0.941, keep 0.955 (round-6 code)"
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
