"""Which label is negative comes from the checkpoint's id2label, never from its position."""

from __future__ import annotations

import pytest

from service.training.export import negative_label
from service.training.importer import ModelImportError, choose_negative_label, labels_of


@pytest.mark.parametrize(
    ("id2label", "expected"),
    [
        ({0: "NEGATIVE", 1: "POSITIVE"}, "NEGATIVE"),
        ({0: "POSITIVE", 1: "NEGATIVE"}, "NEGATIVE"),
        ({0: "neg", 1: "pos"}, "neg"),
        ({1: "negative", 0: "positive"}, "negative"),
        ({1: "pos", 0: "neg"}, "neg"),
        ({0: "sentiment_pos", 1: "sentiment_neg"}, "sentiment_neg"),
    ],
)
def test_negative_label_is_read_from_id2label(id2label: dict[int, str], expected: str) -> None:
    assert negative_label(id2label) == expected


@pytest.mark.parametrize(
    "id2label",
    [
        {0: "LABEL_0", 1: "LABEL_1"},
        {0: "bad", 1: "good"},
        {0: "very negative", 1: "negative-ish"},
    ],
)
def test_unreadable_labels_are_refused(id2label: dict[int, str]) -> None:
    with pytest.raises(ValueError, match="--negative-label"):
        negative_label(id2label)
    with pytest.raises(ModelImportError, match="--negative-label"):
        choose_negative_label(id2label, None)


def test_named_negative_label_must_exist() -> None:
    generic = {0: "LABEL_0", 1: "LABEL_1"}
    assert choose_negative_label(generic, "LABEL_1") == "LABEL_1"
    with pytest.raises(ModelImportError, match="not a label"):
        choose_negative_label(generic, "NEGATIVE")


def test_labels_default_like_transformers() -> None:
    assert labels_of({"id2label": {"1": "POSITIVE", "0": "NEGATIVE"}}) == {
        0: "NEGATIVE",
        1: "POSITIVE",
    }
    assert labels_of({"num_labels": 2}) == {0: "LABEL_0", 1: "LABEL_1"}
