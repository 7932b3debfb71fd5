"""The synthetic workload: determinism, length spread (multi-window notes), valid requests."""

from __future__ import annotations

import base64
import json
import random
from collections import Counter

import pytest

from service.bench.workload import (
    ASSESS_PATH,
    LENGTH_CLASSES,
    all_notes,
    fake_patient,
    generate_note,
    generate_workload,
)
from service.inference.tokenization import NoteTokenizer
from service.interop.cds_hooks import SERVICES, parse_hook_request
from service.interop.notes import extract_note, parse_resource


def test_same_seed_gives_identical_bytes() -> None:
    a = generate_workload(60, seed=7)
    b = generate_workload(60, seed=7)
    assert [r.body for r in a] == [r.body for r in b]
    assert [r.kind for r in a] == [r.kind for r in b]


def test_other_seed_gives_other_requests() -> None:
    a = generate_workload(30, seed=7)
    b = generate_workload(30, seed=8)
    assert [r.body for r in a] != [r.body for r in b]


def test_hook_share_and_notes_per_hook() -> None:
    requests = generate_workload(400, seed=3, hook_share=0.5, notes_per_hook=3)
    kinds = Counter(r.kind for r in requests)
    assert 140 < kinds["hook"] < 260  # binomial(400, 0.5): far inside 6 sigma
    assert all(len(r.notes) == 3 for r in requests if r.kind == "hook")
    assert all(len(r.notes) == 1 for r in requests if r.kind == "assess")
    assert {r.kind for r in generate_workload(20, seed=3, hook_share=0.0)} == {"assess"}
    assert {r.kind for r in generate_workload(20, seed=3, hook_share=1.0)} == {"hook"}


@pytest.mark.parametrize("kwargs", [{"n": -1}, {"hook_share": 1.5}, {"notes_per_hook": 0}])
def test_bad_arguments(kwargs: dict[str, float]) -> None:
    args = {"n": 5, "seed": 1, **kwargs}
    n = int(args.pop("n"))
    with pytest.raises(ValueError):
        generate_workload(n, **args)  # type: ignore[arg-type]


def test_length_spread_includes_multi_window_notes(note_tokenizer: NoteTokenizer) -> None:
    requests = generate_workload(300, seed=11)
    counts = [
        note_tokenizer.window_count(len(note_tokenizer.content_ids(t))) for t in all_notes(requests)
    ]
    multi = sum(c > 1 for c in counts) / len(counts)
    # A spread: many one-window notes, a real share of long ones, and some very long ones.
    assert 0.10 < multi < 0.50
    assert max(counts) >= 4
    assert sum(c == 1 for c in counts) > len(counts) / 2
    # Every length class of the grammar shows up.
    classes = Counter(c for r in requests for c in r.length_classes)
    assert set(classes) == {name for name, *_ in LENGTH_CLASSES}


def test_short_notes_land_in_small_buckets(note_tokenizer: NoteTokenizer) -> None:
    requests = generate_workload(200, seed=5)
    buckets = Counter(
        w.bucket for t in all_notes(requests) for w in note_tokenizer.windows(t, max_windows=64)
    )
    assert len(buckets) >= 3  # 32, 64 and 128 all used


def test_notes_carry_fake_phi_of_their_patient() -> None:
    rng = random.Random(1)
    patient = fake_patient(rng)
    text, _ = generate_note(rng, patient)
    # The first sentence introduces the patient by name: de-identification has work to do.
    assert patient.family in text


def test_assess_body_is_a_valid_document_reference() -> None:
    request = next(r for r in generate_workload(20, seed=2) if r.kind == "assess")
    assert request.path("ignored") == ASSESS_PATH
    assert request.content_type == "application/fhir+json"
    payload = json.loads(request.body)
    parse_resource(payload, allowed={"DocumentReference"})
    data = payload["content"][0]["attachment"]["data"]
    assert base64.b64decode(data).decode("utf-8") == request.notes[0]
    assert payload["subject"]["reference"] == f"Patient/{request.patient.id}"


async def test_assess_note_extracts_to_the_generated_text() -> None:
    request = next(r for r in generate_workload(20, seed=2) if r.kind == "assess")
    note = await extract_note(json.loads(request.body))
    assert note.text.strip() == request.notes[0].strip()


def test_hook_body_passes_the_services_validation() -> None:
    service = next(s for s in SERVICES if s.hook == "patient-view")
    request = next(r for r in generate_workload(20, seed=2) if r.kind == "hook")
    assert request.path(service.id) == f"/cds-services/{service.id}"
    payload = json.loads(request.body)
    parsed = parse_hook_request(payload, service)
    assert parsed.patient_id == request.patient.id
    entries = payload["prefetch"]["notes"]["entry"]
    texts = [
        base64.b64decode(e["resource"]["content"][0]["attachment"]["data"]).decode()
        for e in entries
    ]
    assert texts == list(request.notes)
    # Every prefetch key of the service is answered, so it never needs a FHIR server.
    assert set(service.prefetch) <= set(payload["prefetch"])
