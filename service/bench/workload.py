"""A seeded, synthetic clinical workload: notes and the HTTP request bodies that carry them.

Notes come from a small template grammar of clinical sentences filled with *fake* PHI (names,
dates, MRNs, phone numbers, addresses, e-mails), so the de-identifier has real work to do and
no real person is ever named. Lengths are drawn from a spread of classes, from one-sentence
notes to notes many model windows long (the model sees 128 tokens, 126 of them text), because
windowing and padding buckets drive the cost of a request.

Two request kinds, mixed by ``hook_share``:

* ``assess``: ``POST /fhir/DocumentReference/$assess`` with one note (``application/fhir+json``);
* ``hook``: ``POST /cds-services/{id}`` for ``patient-view`` with the Patient and a searchset
  Bundle of ``notes_per_hook`` DocumentReferences in ``prefetch`` (``application/json``).

Everything is a pure function of the seed: the same seed gives byte-identical bodies.
"""

from __future__ import annotations

import base64
import json
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

ASSESS_PATH = "/fhir/DocumentReference/$assess"
FHIR_JSON = "application/fhir+json"
HOOK_JSON = "application/json"

#: Length classes: (name, weight, min sentences, max sentences). A sentence is ~15-35 tokens
#: (numbers and PHI split into many word pieces), so ``long`` and ``very_long`` notes exceed one
#: 126-token window: about a quarter of the notes need 2-10 windows.
LENGTH_CLASSES: tuple[tuple[str, float, int, int], ...] = (
    ("short", 0.35, 1, 2),
    ("medium", 0.40, 3, 4),
    ("long", 0.18, 6, 10),
    ("very_long", 0.07, 14, 24),
)

# Fake identities only: common given names and surnames combined at random.
_GIVEN = (
    "Alice", "Bernard", "Carmen", "Dmitri", "Elena", "Farid", "Grace", "Hector", "Ingrid",
    "Jamal", "Keiko", "Luis", "Marta", "Nadia", "Oscar", "Priya", "Quentin", "Rosa", "Samuel",
    "Tamara", "Ulrich", "Valeria", "Walter", "Yusuf", "Zofia",
)  # fmt: skip
_FAMILY = (
    "Abernathy", "Brennan", "Castellano", "Dubois", "Eriksen", "Fontaine", "Gallagher",
    "Holloway", "Ibarra", "Jablonski", "Kowalczyk", "Lindqvist", "Moreau", "Nakamura",
    "Okafor", "Petrov", "Quintero", "Rasmussen", "Santoro", "Thornton", "Umberger",
    "Vasquez", "Whitfield", "Yamamoto", "Zielinski",
)  # fmt: skip
_CITIES = ("Springfield", "Riverton", "Lakewood", "Fairview", "Greenville", "Maplewood")
_STREETS = ("Oak Street", "Maple Avenue", "Cedar Lane", "Elm Road", "Birch Court", "Pine Drive")
_HOSPITALS = ("St. Brigid Medical Center", "Northgate General Hospital", "Lakeside Clinic")
_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip

_SYMPTOMS = (
    "chest pain", "shortness of breath", "abdominal pain", "headache", "fatigue", "nausea",
    "dizziness", "lower back pain", "productive cough", "joint swelling", "insomnia",
)  # fmt: skip
_MEDS = (
    "metoprolol", "lisinopril", "metformin", "atorvastatin", "furosemide", "apixaban",
    "sertraline", "omeprazole", "amoxicillin", "prednisone", "insulin glargine",
)  # fmt: skip
_POSITIVE = (
    "is in good spirits and eager to go home",
    "reports the pain is much better and is sleeping well",
    "is tolerating a regular diet and ambulating independently",
    "feels optimistic about the plan and is engaged in care",
    "has made excellent progress with physical therapy",
    "denies any new complaints and is pleased with the recovery",
)
_NEGATIVE = (
    "is tearful, anxious and worried about the prognosis",
    "reports worsening pain that is not controlled by current medication",
    "is frustrated, poorly sleeping and refusing some care",
    "appears distressed and states that nothing is helping",
    "has had a difficult night with escalating symptoms",
    "feels hopeless and overwhelmed by the new diagnosis",
)

#: The grammar: each template is one sentence; slots are filled per note.
_TEMPLATES = (
    "{name} is a {age}-year-old {sex} seen on {date} at {hospital} for {symptom}.",
    "Patient {name} (MRN {mrn}) {mood}.",
    "Chief complaint: {symptom} for the past {n} days, rated {pain} out of 10.",
    "Vital signs: blood pressure {sys}/{dia}, heart rate {hr}, temperature {temp} C, "
    "oxygen saturation {spo2}% on room air.",
    "Current medications include {med} {dose} mg daily and {med2} as needed.",
    "The patient {mood} and was reviewed with the family at the bedside.",
    "Daughter {relname} can be reached at {phone} and asked to be called after rounds.",
    "Home address on file is {street_no} {street}, {city}; e-mail {email}.",
    "Seen in follow-up by Dr. {doctor} on {date2}; plan discussed and agreed.",
    "Labs from {date} show creatinine {cr} mg/dL and hemoglobin {hb} g/dL.",
    "Social history: lives with spouse in {city}, former smoker, drinks alcohol rarely.",
    "Assessment: {symptom} likely multifactorial; the patient {mood}.",
    "Plan: continue {med}, titrate {med2}, repeat labs in {n} days and review on {date2}.",
    "Nursing notes that {first} {mood} overnight.",
    "Insurance identifier {ssn} was verified at admission by the front desk.",
    "Physical examination is notable for mild {symptom} without acute distress.",
)


@dataclass(frozen=True)
class FakePatient:
    """A made-up patient: the id goes into FHIR references, the names into the notes."""

    id: str
    given: str
    family: str
    birth_date: str
    gender: Literal["male", "female"]

    @property
    def name(self) -> str:
        return f"{self.given} {self.family}"

    def resource(self) -> dict[str, Any]:
        return {
            "resourceType": "Patient",
            "id": self.id,
            "name": [{"family": self.family, "given": [self.given]}],
            "gender": self.gender,
            "birthDate": self.birth_date,
        }


@dataclass(frozen=True)
class BenchRequest:
    """One request of the workload: its kind, JSON body, the notes it carries and whose."""

    kind: Literal["assess", "hook"]
    body: bytes
    notes: tuple[str, ...]
    length_classes: tuple[str, ...]
    patient: FakePatient

    @property
    def content_type(self) -> str:
        return FHIR_JSON if self.kind == "assess" else HOOK_JSON

    def path(self, hook_service_id: str) -> str:
        return ASSESS_PATH if self.kind == "assess" else f"/cds-services/{hook_service_id}"


def fake_patient(rng: random.Random) -> FakePatient:
    year = rng.randint(1935, 2004)
    return FakePatient(
        id=f"bench-{rng.getrandbits(40):010x}",
        given=rng.choice(_GIVEN),
        family=rng.choice(_FAMILY),
        birth_date=f"{year:04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        gender=rng.choice(("male", "female")),
    )


def _date(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/{rng.randint(2019, 2025)}"
    return f"{rng.choice(_MONTHS)} {rng.randint(1, 28)}, {rng.randint(2019, 2025)}"


def _slots(rng: random.Random, patient: FakePatient, negative: bool) -> dict[str, str]:
    moods = _NEGATIVE if negative else _POSITIVE
    first = patient.given
    return {
        "name": patient.name
        if rng.random() < 0.7
        else f"Mr. {patient.family}"
        if patient.gender == "male"
        else f"Ms. {patient.family}",
        "first": first,
        "age": str(rng.randint(19, 92)),
        "sex": "man" if patient.gender == "male" else "woman",
        "date": _date(rng),
        "date2": _date(rng),
        "hospital": rng.choice(_HOSPITALS),
        "symptom": rng.choice(_SYMPTOMS),
        "mood": rng.choice(moods) if rng.random() < 0.85 else rng.choice(_POSITIVE + _NEGATIVE),
        "mrn": f"{rng.randint(10_000_000, 99_999_999)}",
        "n": str(rng.randint(2, 21)),
        "pain": str(rng.randint(1, 10)),
        "sys": str(rng.randint(95, 175)),
        "dia": str(rng.randint(55, 105)),
        "hr": str(rng.randint(52, 128)),
        "temp": f"{rng.uniform(36.1, 39.4):.1f}",
        "spo2": str(rng.randint(88, 100)),
        "med": rng.choice(_MEDS),
        "med2": rng.choice(_MEDS),
        "dose": str(rng.choice((5, 10, 20, 25, 40, 50, 100, 500))),
        "relname": f"{rng.choice(_GIVEN)} {patient.family}",
        "phone": f"({rng.randint(201, 989)}) 555-{rng.randint(0, 9999):04d}",
        "street_no": str(rng.randint(2, 9899)),
        "street": rng.choice(_STREETS),
        "city": rng.choice(_CITIES),
        "email": f"{first.lower()}.{patient.family.lower()}{rng.randint(1, 99)}@example.org",
        "doctor": f"{rng.choice(_GIVEN)} {rng.choice(_FAMILY)}",
        "cr": f"{rng.uniform(0.6, 3.2):.1f}",
        "hb": f"{rng.uniform(8.0, 16.5):.1f}",
        "ssn": f"{rng.randint(100, 665)}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}",
    }


def pick_length_class(rng: random.Random) -> tuple[str, int, int]:
    """Draw a length class by weight; returns (name, min sentences, max sentences)."""
    names = [c[0] for c in LENGTH_CLASSES]
    weights = [c[1] for c in LENGTH_CLASSES]
    name = rng.choices(names, weights=weights, k=1)[0]
    _, _, lo, hi = next(c for c in LENGTH_CLASSES if c[0] == name)
    return name, lo, hi


def generate_note(rng: random.Random, patient: FakePatient) -> tuple[str, str]:
    """One note about ``patient``: (text, length class). The first sentence introduces them."""
    cls, lo, hi = pick_length_class(rng)
    count = rng.randint(lo, hi)
    negative = rng.random() < 0.5
    sentences = [_TEMPLATES[0].format(**_slots(rng, patient, negative))]
    for _ in range(count - 1):
        sentences.append(rng.choice(_TEMPLATES[1:]).format(**_slots(rng, patient, negative)))
    return " ".join(sentences), cls


def document_reference(text: str, *, doc_id: str, patient: FakePatient) -> dict[str, Any]:
    """A current progress-note DocumentReference with the text as a base64 attachment."""
    return {
        "resourceType": "DocumentReference",
        "id": doc_id,
        "status": "current",
        "type": {
            "coding": [
                {"system": "http://loinc.org", "code": "11506-3", "display": "Progress note"}
            ]
        },
        "subject": {"reference": f"Patient/{patient.id}"},
        "date": "2025-01-15T10:30:00Z",
        "content": [
            {
                "attachment": {
                    "contentType": "text/plain; charset=utf-8",
                    "data": base64.b64encode(text.encode("utf-8")).decode("ascii"),
                }
            }
        ],
    }


def hook_request(rng: random.Random, patient: FakePatient, notes: Sequence[str]) -> dict[str, Any]:
    """A ``patient-view`` call with the Patient and a searchset of the notes prefetched.

    ``observations`` is ``null`` (the spec's "no data; do not fetch"), so the service never
    needs to reach a FHIR server during the benchmark.
    """
    entries = []
    for i, text in enumerate(notes):
        doc_id = f"{patient.id}-n{i}"
        entries.append(
            {
                "fullUrl": f"http://127.0.0.1/fhir/DocumentReference/{doc_id}",
                "resource": document_reference(text, doc_id=doc_id, patient=patient),
            }
        )
    return {
        "hook": "patient-view",
        "hookInstance": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "context": {"userId": "Practitioner/1", "patientId": patient.id},
        "prefetch": {
            "patient": patient.resource(),
            "notes": {
                "resourceType": "Bundle",
                "type": "searchset",
                "total": len(entries),
                "entry": entries,
            },
            "observations": None,
        },
    }


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def generate_workload(
    n: int,
    *,
    seed: int,
    hook_share: float = 0.5,
    notes_per_hook: int = 3,
) -> list[BenchRequest]:
    """``n`` requests: a ``hook_share`` fraction of patient-view calls, the rest ``$assess``."""
    if n < 0 or not 0.0 <= hook_share <= 1.0 or notes_per_hook < 1:
        raise ValueError("n >= 0, 0 <= hook_share <= 1 and notes_per_hook >= 1 are required")
    rng = random.Random(seed)
    out: list[BenchRequest] = []
    for i in range(n):
        patient = fake_patient(rng)
        if rng.random() < hook_share:
            drawn = [generate_note(rng, patient) for _ in range(notes_per_hook)]
            texts = tuple(t for t, _ in drawn)
            body = _dumps(hook_request(rng, patient, texts))
            out.append(BenchRequest("hook", body, texts, tuple(c for _, c in drawn), patient))
        else:
            text, cls = generate_note(rng, patient)
            doc = document_reference(text, doc_id=f"{patient.id}-d{i}", patient=patient)
            out.append(BenchRequest("assess", _dumps(doc), (text,), (cls,), patient))
    return out


def all_notes(requests: Sequence[BenchRequest]) -> list[str]:
    """Every note text of the workload, in request order (the raw-model and de-id benches)."""
    return [text for r in requests for text in r.notes]
