"""The bundled model's P(negative) moves the right way on clinical sentences (issue 3).

Pairs of notes that differ in tone only; the negative one must score higher. This is a sanity
check of direction on clinical language, not an accuracy claim (the model card says why).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from service.inference.backends import InProcessBackend
from service.inference.repository import load_model_info
from service.inference.tokenization import NoteTokenizer

REPO = Path(__file__).resolve().parents[3] / "model_repository"

PAIRS = [
    (
        "Pain resolved, in good spirits, eating well.",
        "Deteriorating, in severe distress, pain uncontrolled.",
    ),
    (
        "Recovering nicely after surgery; wound healing well and she is walking independently.",
        "Wound breakdown with worsening infection; she is exhausted, frightened and in agony.",
    ),
    (
        "Mood bright and hopeful, family pleased with progress, looking forward to going home.",
        "Tearful and hopeless, family angry about the poor care, situation is getting worse.",
    ),
    (
        "Comfortable overnight, slept well, no complaints this morning.",
        "Miserable night, could not sleep, constant vomiting and complaining of terrible pain.",
    ),
]


@pytest.fixture(scope="module")
def score() -> object:
    info = load_model_info(REPO)
    tokenizer = NoteTokenizer.from_model_info(info, buckets=(32, 64, 128), overlap=32)
    backend = InProcessBackend(info, threads=1)

    def run(text: str) -> float:
        async def go() -> float:
            await backend.start()
            try:
                probs = await backend.predict(tokenizer.windows(text, max_windows=8))
            finally:
                await backend.close()
            return float(probs[:, info.negative_index].mean())

        return asyncio.run(go())

    return run


@pytest.mark.parametrize(("positive", "negative"), PAIRS)
def test_negative_tone_scores_higher(score: object, positive: str, negative: str) -> None:
    p_pos = score(positive)  # type: ignore[operator]
    p_neg = score(negative)  # type: ignore[operator]
    assert p_neg > p_pos
    assert p_neg > 0.5 > p_pos
