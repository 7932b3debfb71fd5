"""The request flow: extract text → de-identify → tokenize/window → infer → aggregate → build.

Routes call three entry points — :func:`assess_resource`, :func:`assess_bundle` and
:func:`run_hook` — with the shared :class:`Engine` and a per-request :class:`RequestRecord`
that the API layer turns into the audit row. Nothing here knows about HTTP.

CPU-heavy steps (de-identification, tokenization) run in one worker-thread hop per request
so the event loop keeps serving, except for short notes (see :data:`INLINE_MAX_CHARS`), where
the hop would cost more than the work; inference is awaited on the backend (Triton gRPC aio,
or ONNX Runtime in a thread pool).
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import anyio
import httpx
import numpy as np

from service import deid
from service.audit import AuditStore, FeedbackEntry
from service.config import Settings
from service.errors import CDSError, InvalidRequest, PrefetchUnavailable
from service.inference.backends import InferenceBackend
from service.inference.repository import ModelInfo
from service.inference.tokenization import NoteTokenizer, Window
from service.interop.cds_hooks import (
    ServiceDefinition,
    build_card,
    parse_feedback,
    parse_hook_request,
    prefetch_status,
    render_template,
)
from service.interop.fhir_client import FhirClient
from service.interop.notes import (
    Note,
    bundle_items,
    collect_notes,
    extract_note,
    parse_resource,
    search_resources,
)
from service.interop.risk import ModelRef, batch_response, build_risk_assessment
from service.observability import NOTES, WINDOWS, StageTimer, count_phi

log = logging.getLogger(__name__)

#: Resource types whose people the de-identifier should look for by name in the notes.
_PEOPLE = ("Patient", "RelatedPerson", "Practitioner", "PractitionerRole")

#: Notes totalling at most this many characters are de-identified and tokenized on the event
#: loop. Why: a worker-thread hop gives no parallelism (the work holds the GIL) and costs
#: the loop a future, a wake-up and GIL hand-overs: measured about 0.4 ms of CPU on a 3-note
#: hook call, more under contention. A thread does not keep the loop responsive either for
#: less than CPython's GIL switch interval (5 ms), which is about what this much text takes;
#: only longer inputs go to a thread, so one big note or hook call cannot stall every other
#: request on the loop for longer than that.
INLINE_MAX_CHARS = 2000


@dataclass
class Engine:
    """Everything a request needs; built once per process in the app lifespan."""

    settings: Settings
    backend: InferenceBackend
    tokenizer: NoteTokenizer
    info: ModelInfo
    audit: AuditStore
    http: httpx.AsyncClient
    operators: Mapping[str, str]

    @property
    def model(self) -> ModelRef:
        return ModelRef(name=self.info.name, version=self.info.version)


@dataclass
class RequestRecord:
    """What one request did, for the audit row and metrics. Holds no text, ever."""

    endpoint: str
    hook: str | None = None
    hook_instance: str | None = None
    patient_ref: str | None = None
    resource_refs: list[str] = field(default_factory=list)
    phi_counts: Counter[str] = field(default_factory=Counter)
    notes: int = 0
    windows: int = 0
    timer: StageTimer = field(default_factory=StageTimer)


@dataclass(frozen=True)
class ScoredNote:
    note: Note
    p_negative: float
    windows: int


@dataclass(frozen=True)
class _Prepared:
    windows: list[Window] | CDSError
    phi: Mapping[str, int]


# --- scoring ------------------------------------------------------------------------------


def _prepare(
    engine: Engine, notes: Sequence[Note], context: deid.DeidContext, timer: StageTimer
) -> list[_Prepared]:
    """De-identify and window every note (runs in a worker thread)."""
    out: list[_Prepared] = []
    for note in notes:
        with timer.stage("deidentify"):
            result = deid.deidentify(note.text, context)
        with timer.stage("tokenize"):
            try:
                windows: list[Window] | CDSError = engine.tokenizer.windows(
                    result.text, max_windows=engine.settings.max_windows_per_note
                )
            except CDSError as exc:
                windows = exc
        out.append(_Prepared(windows=windows, phi=result.counts()))
    return out


async def score_notes(
    engine: Engine,
    notes: Sequence[Note],
    context: deid.DeidContext,
    record: RequestRecord,
) -> list[ScoredNote | CDSError]:
    """Score each note; a note that cannot be scored yields its error, the others go on."""
    if not notes:
        return []
    if sum(len(n.text) for n in notes) <= INLINE_MAX_CHARS:
        prepared = _prepare(engine, notes, context, record.timer)
    else:
        prepared = await anyio.to_thread.run_sync(_prepare, engine, notes, context, record.timer)
    flat: list[Window] = []
    for item in prepared:
        record.phi_counts.update(item.phi)
        if not isinstance(item.windows, CDSError):
            flat.extend(item.windows)
    for category, count in (p for item in prepared for p in item.phi.items()):
        count_phi(category, count)
    probs = np.zeros((0, len(engine.info.labels)), dtype=np.float32)
    if flat:
        with record.timer.stage("infer"):
            probs = await engine.backend.predict(flat)
    results: list[ScoredNote | CDSError] = []
    offset = 0
    # One conversion to Python floats: notes have a few windows, where numpy's per-call
    # overhead would cost more than the arithmetic.
    p_neg: list[float] = probs[:, engine.info.negative_index].tolist()
    for note, item in zip(notes, prepared, strict=True):
        if isinstance(item.windows, CDSError):
            results.append(item.windows)
            continue
        n = len(item.windows)
        # A long note's score is the token-weighted mean over its windows, so a short tail
        # window cannot outvote the body of the note.
        weights = [w.n_tokens for w in item.windows]
        p = math.fsum(q * w for q, w in zip(p_neg[offset : offset + n], weights, strict=True))
        p /= sum(weights)
        offset += n
        results.append(ScoredNote(note=note, p_negative=p, windows=n))
    scored = [r for r in results if isinstance(r, ScoredNote)]
    record.notes += len(scored)
    record.windows += sum(s.windows for s in scored)
    NOTES.inc(len(scored))
    WINDOWS.inc(sum(s.windows for s in scored))
    return results


def deid_context(
    engine: Engine, people: Sequence[Mapping[str, Any]], subject_key: str | None
) -> deid.DeidContext:
    if not people:
        # Nothing to collect (the usual single-resource $assess): the empty context with the
        # per-patient key, as from_fhir would build it (operators were validated at startup).
        return deid.DeidContext(
            key=engine.settings.secret,
            subject_key=subject_key or "",
            operators=engine.operators,
        )
    patient = next((p for p in people if p.get("resourceType") == "Patient"), None)
    related = [p for p in people if p.get("resourceType") != "Patient"]
    ctx = deid.DeidContext.from_fhir(
        patient=dict(patient) if patient else None,
        related=[dict(r) for r in related],
        key=engine.settings.secret,
        operators=engine.operators,
    )
    if subject_key and not ctx.subject_key:
        # No Patient in the request: surrogates and date shifts are still keyed per patient.
        ctx = dataclasses.replace(ctx, subject_key=subject_key)
    return ctx


def _contained_people(resource: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    contained = resource.get("contained") or []
    return [c for c in contained if isinstance(c, dict) and c.get("resourceType") in _PEOPLE]


# --- FHIR $assess -------------------------------------------------------------------------


async def assess_resource(
    engine: Engine, payload: Any, *, resource_type: str, record: RequestRecord
) -> dict[str, Any]:
    """One DocumentReference/Observation in, one RiskAssessment out."""
    with record.timer.stage("parse"):
        resource = parse_resource(payload, allowed=(resource_type,))
        note = await extract_note(resource)
    _note_refs(record, [note])
    ctx = deid_context(engine, _contained_people(resource), note.subject)
    (result,) = await score_notes(engine, [note], ctx, record)
    if isinstance(result, CDSError):
        raise result
    with record.timer.stage("build"):
        return _risk_for([result], engine)


async def assess_bundle(engine: Engine, payload: Any, *, record: RequestRecord) -> dict[str, Any]:
    """A batch/collection Bundle in, a batch-response Bundle out (one entry per input)."""
    with record.timer.stage("parse"):
        items = bundle_items(payload, allowed=("DocumentReference", "Observation", *_PEOPLE))
    people = [
        i.value for i in items if isinstance(i.value, dict) and i.value["resourceType"] in _PEOPLE
    ]
    entries: list[dict[str, Any] | CDSError | None] = []
    notes: list[Note] = []
    positions: list[int] = []
    with record.timer.stage("parse"):
        for item in items:
            if isinstance(item.value, CDSError):
                entries.append(item.value)
                continue
            if item.value["resourceType"] in _PEOPLE:
                entries.append(None)  # context for the notes, not scored; no entry echoed
                continue
            try:
                note = await extract_note(item.value, source=item.full_url)
            except CDSError as exc:
                entries.append(exc)
                continue
            positions.append(len(entries))
            entries.append(None)
            notes.append(note)
    _note_refs(record, notes)
    by_subject: dict[str | None, list[int]] = {}
    for idx, note in enumerate(notes):
        by_subject.setdefault(note.subject, []).append(idx)
    scored: list[ScoredNote | CDSError] = [InvalidRequest()] * len(notes)
    for subject, idxs in by_subject.items():
        # One de-identification context per patient, so surrogates and date shifts are
        # consistent within a patient and independent across patients.
        ctx = deid_context(engine, _people_for(people, subject), subject)
        results = await score_notes(engine, [notes[i] for i in idxs], ctx, record)
        for i, res in zip(idxs, results, strict=True):
            scored[i] = res
    with record.timer.stage("build"):
        for pos, res in zip(positions, scored, strict=True):
            entries[pos] = res if isinstance(res, CDSError) else _risk_for([res], engine)
        out = [e for e in entries if e is not None]
        return batch_response(out)


def _people_for(
    people: Sequence[Mapping[str, Any]], subject: str | None
) -> list[Mapping[str, Any]]:
    """The Patient named by ``subject`` plus every non-patient person of the Bundle."""
    chosen: list[Mapping[str, Any]] = []
    for p in people:
        if p.get("resourceType") != "Patient" or (subject and subject == f"Patient/{p.get('id')}"):
            chosen.append(p)
    return chosen


def _note_refs(record: RequestRecord, notes: Sequence[Note]) -> None:
    record.resource_refs.extend(n.source for n in notes if n.source)
    if record.patient_ref is None:
        record.patient_ref = next((n.subject for n in notes if n.subject), None)


def _risk_for(scored: Sequence[ScoredNote], engine: Engine, **extra: Any) -> dict[str, Any]:
    """One RiskAssessment over one or more notes (mean of the note probabilities)."""
    first = scored[0].note
    p = math.fsum(s.p_negative for s in scored) / len(scored)
    return build_risk_assessment(
        subject=extra.pop("subject", None) or first.subject,
        basis=[s.note.reference() for s in scored],
        p_negative=p,
        windows=sum(s.windows for s in scored),
        model=engine.model,
        encounter=extra.pop("encounter", None) or first.encounter,
        occurrence=datetime.now(UTC),
        n_notes=len(scored),
        # The shape was validated at startup (check_risk_assessment_shape); per response
        # only on request, see Settings.validate_output.
        validate=engine.settings.validate_output,
    )


# --- CDS Hooks ----------------------------------------------------------------------------

#: Prefetch keys this service declares, and whether a hook cannot run without them.
_NEEDED = ("patient", "notes")


async def run_hook(
    engine: Engine, service: ServiceDefinition, payload: Any, *, record: RequestRecord
) -> dict[str, Any]:
    """A CDS Hooks call in, ``{"cards": [...]}`` out."""
    with record.timer.stage("parse"):
        request = parse_hook_request(payload, service)
    record.hook = request.hook
    record.hook_instance = str(request.hook_instance)
    patient_id = str(request.context["patientId"])
    record.patient_ref = f"Patient/{patient_id}"

    client: FhirClient | None = None
    if request.fhir_server:
        client = FhirClient(
            str(request.fhir_server),
            access_token=request.access_token,
            patient_id=patient_id,
            timeout=engine.settings.fhir_timeout_s,
            client=engine.http,
            # Attachments are fetched from the EHR's own FHIR server only: a hook request
            # must not be able to point the gateway at arbitrary hosts (SSRF).
            allow_external=False,
        )
    data: dict[str, Any] = {}
    with record.timer.stage("fetch"):
        for key, template in service.prefetch.items():
            status = prefetch_status(request, key)
            if status == "present":
                data[key] = (request.prefetch or {})[key]
            elif status == "none":
                data[key] = None
            elif client is not None:
                try:
                    data[key] = await client.get(render_template(template, request))
                except CDSError as exc:
                    if key in _NEEDED:
                        raise PrefetchUnavailable(
                            f"prefetch '{key}' was not provided and fetching it failed"
                        ) from exc
                    data[key] = None
            elif key in _NEEDED:
                raise PrefetchUnavailable(
                    f"prefetch '{key}' was not provided and the request has no fhirServer"
                )
            else:
                data[key] = None

    resources: list[Mapping[str, Any]] = []
    people: list[Mapping[str, Any]] = []
    for key, value in data.items():
        if not isinstance(value, dict):
            continue
        found = search_resources(value) if value.get("resourceType") == "Bundle" else [value]
        for res in found:
            if res.get("resourceType") in _PEOPLE:
                people.append(res)
            elif key != "patient":
                resources.append(res)
    patient = next((p for p in people if p.get("resourceType") == "Patient"), None)
    if patient is not None and patient.get("id") not in (None, patient_id):
        raise InvalidRequest(
            "prefetch 'patient' is not the patient in context", expression=["prefetch.patient"]
        )
    with record.timer.stage("parse"):
        notes, _skipped = await collect_notes(resources, fetcher=client)
    notes = [n for n in notes if n.subject in (None, record.patient_ref)]
    _note_refs(record, notes)
    if not notes:
        return {"cards": []}
    ctx = deid_context(engine, people, record.patient_ref)
    results = await score_notes(engine, notes, ctx, record)
    scored = [r for r in results if isinstance(r, ScoredNote)]
    if not scored:
        # Notes existed but none could be scored (e.g. all over the size limit): say so.
        raise next(r for r in results if isinstance(r, CDSError))
    with record.timer.stage("build"):
        encounter_id = request.context.get("encounterId")
        risk = _risk_for(
            scored,
            engine,
            subject=record.patient_ref,
            encounter=f"Encounter/{encounter_id}" if encounter_id else None,
        )
        p = math.fsum(s.p_negative for s in scored) / len(scored)
        card = build_card(
            p_negative=p,
            risk_assessment=risk,
            n_notes=len(scored),
            windows=sum(s.windows for s in scored),
            model=engine.model,
            source_url=engine.settings.public_base_url,
            n_skipped=len(_skipped) + len(results) - len(scored),
        )
        return {"cards": [card]}


async def store_feedback(
    engine: Engine, service: ServiceDefinition, payload: Any, *, caller: Any
) -> int:
    """Validate a feedback body and store one row per item (codes only, never comments)."""
    request = parse_feedback(payload)
    entries: list[FeedbackEntry] = []
    for i, item in enumerate(request.feedback):
        reason = item.override_reason.reason if item.override_reason else None
        try:
            entries.append(
                FeedbackEntry(
                    service_id=service.id,
                    card_uuid=item.card,
                    outcome=item.outcome,
                    outcome_timestamp=item.outcome_timestamp,
                    accepted_suggestions=tuple(a.id for a in item.accepted_suggestions or ()),
                    override_reason_system=reason.system if reason else None,
                    override_reason_code=reason.code if reason else None,
                    caller_issuer=getattr(caller, "issuer", None),
                    caller_client=getattr(caller, "client_id", None),
                    tenant=getattr(caller, "tenant", None),
                )
            )
        except ValueError:
            # e.g. an override code with spaces: refuse it rather than store free text.
            raise InvalidRequest(
                "feedback item cannot be stored (override reason must be a code)",
                expression=[f"feedback[{i}]"],
            ) from None
    for entry in entries:
        await engine.audit.record_feedback(entry)
    return len(entries)


__all__ = [
    "Engine",
    "RequestRecord",
    "ScoredNote",
    "assess_bundle",
    "assess_resource",
    "run_hook",
    "score_notes",
]
