"""CDS Hooks 2.0: services, request/response/feedback models, prefetch, cards.

Spec: https://cds-hooks.hl7.org/2.0/ (discovery, calling a service, prefetch, cards, feedback);
hooks: https://cds-hooks.org/hooks/patient-view/ and
https://cds-hooks.org/hooks/encounter-discharge/.

Decisions:

* **One card per call**, summarising all of the patient's scored notes: the score is the
  aggregate over every window of every note, and the card's single suggestion creates **one**
  RiskAssessment whose ``basis`` lists every note. Per-note cards would flood the EHR with
  look-alike cards; the per-note detail is a ``$assess`` away. A patient with no scorable
  notes gets ``{"cards": []}`` (the spec's way of saying "nothing to show").
* **Indicator** from ``P(negative)`` with the same cut points as the qualitative risk in
  :mod:`service.interop.risk`: ``info`` below 0.50 (negligible/low/moderate), ``warning`` in
  [0.50, 0.95) ("high": more likely than not), ``critical`` from 0.95 ("certain").
* **Summary** strictly under 140 characters (the spec: "<140"); longer text is cut with "…".
* Cards carry **no note text**: only scores, counts and the model. ``detail`` is markdown.
* **Prefetch** (spec "Prefetch"): a missing key was not satisfied (the service fetches it),
  ``null`` means the EHR has no data (nothing to fetch), an OperationOutcome means the EHR
  failed to get it (the service fetches it). See :func:`prefetch_status`.
* The text-Observation query takes ``category`` ``exam``, ``survey`` and ``social-history``
  (where free-text findings, patient-reported text and social narratives live; numeric
  vitals and labs never carry note text) and ``status`` final/amended/corrected.
* A malformed request is a 400 with an OperationOutcome naming the element (the 2.0 spec
  defines only 200 and 412; 400 is common practice and the 3.0 ballot asks for the body).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote, urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from service.errors import InvalidRequest, NotFound
from service.interop.notes import patient_of, validation_message
from service.interop.risk import ModelRef, qualitative_risk

#: FHIR ``id`` (R4 datatypes): the only shape allowed for ids we substitute into URLs.
FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
USER_ID = re.compile(
    r"^(Practitioner|PractitionerRole|Patient|RelatedPerson)/[A-Za-z0-9\-.]{1,64}$"
)
_HOOK = re.compile(r"^[A-Za-z0-9\-._]{1,64}$")

SUMMARY_MAX_CHARS = 139  # the spec: "<140 characters"
#: (upper bound exclusive, indicator); aligned with the qualitative-risk cut points.
INDICATOR_THRESHOLDS: tuple[tuple[float, Literal["info", "warning", "critical"]], ...] = (
    (0.50, "info"),
    (0.95, "warning"),
    (float("inf"), "critical"),
)
TOPIC_SYSTEM = "urn:cds-sentiment:topic"
OVERRIDE_REASON_SYSTEM = "urn:cds-sentiment:override-reason"


# --------------------------------------------------------------------------------------------
# Wire models
# --------------------------------------------------------------------------------------------


class _Wire(BaseModel):
    """camelCase on the wire, snake_case in Python; unknown request fields are ignored."""

    model_config = ConfigDict(
        alias_generator=to_camel, validate_by_name=True, validate_by_alias=True, extra="ignore"
    )

    def wire(self) -> dict[str, Any]:
        """JSON-ready dict with camelCase keys and no nulls."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class _Out(_Wire):
    """Response objects: extra fields are a programming error."""

    model_config = ConfigDict(
        alias_generator=to_camel, validate_by_name=True, validate_by_alias=True, extra="forbid"
    )


class FhirAuthorization(BaseModel):
    """``fhirAuthorization``: an OAuth 2.0 bearer token for ``fhirServer`` (snake_case on
    the wire, as OAuth has it). https://cds-hooks.hl7.org/2.0/#passing-the-access-token-to-the-cds-service

    ``access_token`` is a ``SecretStr`` so that no repr, log line or error message shows it.
    """

    model_config = ConfigDict(extra="ignore")

    access_token: SecretStr
    token_type: Literal["Bearer"]
    expires_in: int = Field(ge=0)
    scope: str
    subject: str
    patient: str | None = None


class CDSServiceRequest(_Wire):
    """The body of ``POST {base}/cds-services/{id}``.
    https://cds-hooks.hl7.org/2.0/#http-request_1

    ``context`` is checked per hook by :func:`parse_hook_request`; ``prefetch`` maps keys to
    a resource, ``null`` (no data) or an OperationOutcome (the EHR failed).
    """

    hook: str = Field(min_length=1)
    hook_instance: uuid.UUID
    fhir_server: str | None = None
    fhir_authorization: FhirAuthorization | None = None
    context: dict[str, Any]
    prefetch: dict[str, Any] | None = None

    @field_validator("fhir_server")
    @classmethod
    def _absolute_http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("fhirServer must be an absolute http(s) URL")
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError("fhirServer must be a base URL without query, fragment or userinfo")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _authorization_needs_server(self) -> CDSServiceRequest:
        if self.fhir_authorization is not None and self.fhir_server is None:
            raise ValueError("fhirAuthorization requires fhirServer")
        return self

    @property
    def patient_id(self) -> str:
        return str(self.context["patientId"])

    @property
    def encounter_id(self) -> str | None:
        value = self.context.get("encounterId")
        return str(value) if value else None

    @property
    def access_token(self) -> str | None:
        """The bearer token's value (hand it to the FHIR client only; never log it)."""
        auth = self.fhir_authorization
        return auth.access_token.get_secret_value() if auth else None


class Coding(_Out):
    """A FHIR Coding as CDS Hooks uses it (``source.topic``, ``overrideReasons``)."""

    system: str | None = None
    code: str
    display: str | None = None


class Source(_Out):
    """``card.source``. https://cds-hooks.hl7.org/2.0/#source"""

    label: str = Field(min_length=1)
    url: str | None = None
    icon: str | None = None
    topic: Coding | None = None


class Action(_Out):
    """``suggestion.actions[]`` and ``systemActions[]``. https://cds-hooks.hl7.org/2.0/#action"""

    type: Literal["create", "update", "delete"]
    description: str = Field(min_length=1)
    resource: dict[str, Any] | None = None
    resource_id: str | None = None

    @model_validator(mode="after")
    def _resource_for_type(self) -> Action:
        if self.type in ("create", "update") and self.resource is None:
            raise ValueError(f"a {self.type} action needs a resource")
        return self


class Suggestion(_Out):
    """``card.suggestions[]``. https://cds-hooks.hl7.org/2.0/#suggestion"""

    label: str = Field(min_length=1)
    uuid: str | None = None
    is_recommended: bool | None = None
    actions: list[Action] | None = None


class Link(_Out):
    """``card.links[]``. https://cds-hooks.hl7.org/2.0/#link"""

    label: str = Field(min_length=1)
    url: str
    type: Literal["absolute", "smart"]
    app_context: str | None = None


class Card(_Out):
    """One card. https://cds-hooks.hl7.org/2.0/#card-attributes"""

    uuid: str | None = None
    summary: str = Field(min_length=1, max_length=SUMMARY_MAX_CHARS)
    detail: str | None = None
    indicator: Literal["info", "warning", "critical"]
    source: Source
    suggestions: list[Suggestion] | None = None
    selection_behavior: Literal["at-most-one", "any"] | None = None
    override_reasons: list[Coding] | None = None
    links: list[Link] | None = None

    @model_validator(mode="after")
    def _selection_with_suggestions(self) -> Card:
        if self.suggestions and self.selection_behavior is None:
            raise ValueError("selectionBehavior is required when suggestions are present")
        return self


class CDSResponse(_Out):
    """The hook response body. https://cds-hooks.hl7.org/2.0/#cds-service-response"""

    cards: list[Card]
    system_actions: list[Action] | None = None


class AcceptedSuggestion(_Wire):
    """``feedback[].acceptedSuggestions[]``: the suggestion's ``uuid``."""

    id: uuid.UUID


class OverrideReason(_Wire):
    """``feedback[].overrideReason``. ``user_comment`` is free text typed by a clinician: it
    may contain PHI and must never be logged or stored in the audit log."""

    reason: Coding | None = None
    user_comment: str | None = None


class Feedback(_Wire):
    """One feedback entry. https://cds-hooks.hl7.org/2.0/#feedback"""

    card: uuid.UUID
    outcome: Literal["accepted", "overridden"]
    accepted_suggestions: list[AcceptedSuggestion] | None = None
    override_reason: OverrideReason | None = None
    outcome_timestamp: datetime

    @model_validator(mode="after")
    def _consistent(self) -> Feedback:
        if self.outcome == "accepted" and self.override_reason is not None:
            raise ValueError("overrideReason is only allowed when the outcome is overridden")
        if self.outcome == "overridden" and self.accepted_suggestions:
            raise ValueError("acceptedSuggestions is only allowed when the outcome is accepted")
        return self


class FeedbackRequest(_Wire):
    """The body of ``POST {base}/cds-services/{id}/feedback``."""

    feedback: list[Feedback] = Field(min_length=1)


# --------------------------------------------------------------------------------------------
# Services and discovery
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceDefinition:
    """One CDS service as discovery lists it, plus what its hook's context must hold.

    ``note_keys`` are the prefetch keys whose resources are scored; the service fetches them
    itself when the client did not satisfy them (missing key or OperationOutcome).
    """

    id: str
    hook: str
    title: str
    description: str
    prefetch: Mapping[str, str]
    required_context: tuple[str, ...]
    optional_context: tuple[str, ...] = ()
    note_keys: tuple[str, ...] = ("notes", "observations")
    usage_requirements: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def discovery(self) -> dict[str, Any]:
        """This service's entry in the discovery document."""
        out: dict[str, Any] = {
            "hook": self.hook,
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "prefetch": dict(self.prefetch),
        }
        if self.usage_requirements:
            out["usageRequirements"] = self.usage_requirements
        return out


_OBS_FILTER = "category=exam,survey,social-history&status=final,amended,corrected"
_USAGE = (
    "Needs read access to the patient's DocumentReference, Observation and Binary resources "
    "(SMART scopes user/DocumentReference.rs, user/Observation.rs, user/Binary.r) when "
    "prefetch is not supplied."
)

SERVICES: tuple[ServiceDefinition, ...] = (
    ServiceDefinition(
        id="note-sentiment-patient-view",
        hook="patient-view",
        title="Clinical note sentiment",
        description=(
            "Scores the sentiment of the patient's 10 most recent current clinical notes and "
            "free-text Observations with a transformer model and returns a RiskAssessment "
            "(probability of negative sentiment)."
        ),
        prefetch={
            "patient": "Patient/{{context.patientId}}",
            "notes": (
                "DocumentReference?patient={{context.patientId}}&status=current"
                "&_sort=-date&_count=10"
            ),
            "observations": (
                f"Observation?patient={{{{context.patientId}}}}&{_OBS_FILTER}&_sort=-date&_count=10"
            ),
        },
        required_context=("userId", "patientId"),
        optional_context=("encounterId",),
        usage_requirements=_USAGE,
    ),
    ServiceDefinition(
        id="note-sentiment-discharge",
        hook="encounter-discharge",
        title="Clinical note sentiment at discharge",
        description=(
            "At discharge, scores the sentiment of the current clinical notes and free-text "
            "Observations of the encounter being closed and returns a RiskAssessment "
            "(probability of negative sentiment)."
        ),
        prefetch={
            "patient": "Patient/{{context.patientId}}",
            "notes": (
                "DocumentReference?patient={{context.patientId}}"
                "&encounter={{context.encounterId}}&status=current&_sort=-date&_count=10"
            ),
            "observations": (
                "Observation?patient={{context.patientId}}&encounter={{context.encounterId}}"
                f"&{_OBS_FILTER}&_sort=-date&_count=10"
            ),
        },
        required_context=("userId", "patientId", "encounterId"),
        usage_requirements=_USAGE,
    ),
)


def discovery_document(services: Sequence[ServiceDefinition] = SERVICES) -> dict[str, Any]:
    """``GET {base}/cds-services``. https://cds-hooks.hl7.org/2.0/#discovery"""
    return {"services": [s.discovery() for s in services]}


def get_service(
    service_id: str, services: Sequence[ServiceDefinition] = SERVICES
) -> ServiceDefinition:
    """The service with this id, or :class:`NotFound` (404; the id is not echoed)."""
    for service in services:
        if service.id == service_id:
            return service
    raise NotFound("no CDS service with this id", expression=["id"])


# --------------------------------------------------------------------------------------------
# Request validation
# --------------------------------------------------------------------------------------------


def _path(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "$this"


def _invalid(exc: ValidationError, what: str) -> InvalidRequest:
    pairs: list[tuple[str, str]] = []
    for err in exc.errors(include_url=False, include_input=False, include_context=False):
        path = _path(err.get("loc", ()))
        msg = validation_message(err)
        if err.get("type") == "value_error":
            # Our own validators' messages are fixed strings without input: keep them.
            msg = str(err.get("msg", msg)).removeprefix("Value error, ")
        pairs.append((path, msg))
    shown = "; ".join(f"{p}: {m}" for p, m in pairs[:5])
    return InvalidRequest(f"invalid {what}: {shown}", expression=[p for p, _ in pairs])


def _check_context(request: CDSServiceRequest, service: ServiceDefinition) -> None:
    ctx = request.context
    for key in service.required_context:
        if ctx.get(key) in (None, ""):
            raise InvalidRequest(
                f"context.{key} is required by the {service.hook} hook",
                expression=[f"context.{key}"],
            )
    for key in (*service.required_context, *service.optional_context):
        value = ctx.get(key)
        if value in (None, ""):
            continue
        pattern = USER_ID if key == "userId" else FHIR_ID
        if not isinstance(value, str) or not pattern.match(value):
            shape = "a reference like Practitioner/123" if key == "userId" else "a FHIR id"
            raise InvalidRequest(f"context.{key} must be {shape}", expression=[f"context.{key}"])
    auth = request.fhir_authorization
    if auth is not None and auth.patient is not None and auth.patient != ctx["patientId"]:
        raise InvalidRequest(
            "fhirAuthorization.patient does not match context.patientId",
            expression=["fhirAuthorization.patient"],
        )


def _check_prefetch(request: CDSServiceRequest, service: ServiceDefinition) -> None:
    prefetch = request.prefetch or {}
    for key, template in service.prefetch.items():
        if key not in prefetch or prefetch[key] is None:
            continue
        value = prefetch[key]
        where = [f"prefetch.{key}"]
        if not isinstance(value, dict) or not isinstance(value.get("resourceType"), str):
            raise InvalidRequest(
                f"prefetch.{key} must be a FHIR resource or null", expression=where
            )
        rtype = value["resourceType"]
        if rtype == "OperationOutcome":
            continue
        expected = "Bundle" if "?" in template else template.split("/", 1)[0]
        if rtype != expected:
            raise InvalidRequest(f"prefetch.{key} must be a {expected}", expression=where)
        if expected == "Bundle":
            entries = value.get("entry", [])
            if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
                raise InvalidRequest(
                    f"prefetch.{key}.entry must be an array of objects", expression=where
                )
            resources = [e["resource"] for e in entries if isinstance(e.get("resource"), dict)]
        else:
            resources = [value]
            if expected == "Patient" and value.get("id") not in (None, request.patient_id):
                raise InvalidRequest(
                    f"prefetch.{key} is not the patient in context", expression=where
                )
        for i, res in enumerate(resources):
            other = patient_of(res)
            if other is not None and other != request.patient_id:
                raise InvalidRequest(
                    f"prefetch.{key} holds a resource of another patient",
                    expression=[f"prefetch.{key}.entry[{i}]" if expected == "Bundle" else where[0]],
                )


def parse_hook_request(payload: Any, service: ServiceDefinition) -> CDSServiceRequest:
    """Validate a hook call for ``service``; raise :class:`InvalidRequest` (400) precisely.

    Checks the body's shape, that ``hook`` is the service's hook, the hook's required context
    (ids must be FHIR ids: they are substituted into FHIR URLs), that ``fhirAuthorization``
    names the same patient, and prefetch shapes (resource, ``null`` or OperationOutcome; the
    expected type; nothing about another patient).
    """
    if not isinstance(payload, dict):
        raise InvalidRequest("the CDS Hooks request must be a JSON object", expression=["$this"])
    try:
        request = CDSServiceRequest.model_validate(payload)
    except ValidationError as exc:
        raise _invalid(exc, "CDS Hooks request") from None
    if request.hook != service.hook:
        named = request.hook if _HOOK.match(request.hook) else "this hook"
        raise InvalidRequest(
            f"hook {named} does not match service {service.id}, which answers {service.hook}",
            expression=["hook"],
        )
    _check_context(request, service)
    _check_prefetch(request, service)
    return request


def parse_feedback(payload: Any) -> FeedbackRequest:
    """Validate a feedback body; :class:`InvalidRequest` (400) when malformed."""
    if not isinstance(payload, dict):
        raise InvalidRequest("the feedback body must be a JSON object", expression=["$this"])
    try:
        return FeedbackRequest.model_validate(payload)
    except ValidationError as exc:
        raise _invalid(exc, "feedback") from None


# --------------------------------------------------------------------------------------------
# Prefetch
# --------------------------------------------------------------------------------------------

PrefetchStatus = Literal["present", "none", "missing", "failed"]


def prefetch_status(request: CDSServiceRequest, key: str) -> PrefetchStatus:
    """How the client answered prefetch ``key``. https://cds-hooks.hl7.org/2.0/#prefetch-template

    ``missing`` (key absent: not satisfied, fetch it), ``none`` (``null``: no data, do not
    fetch), ``failed`` (an OperationOutcome: the client could not get it, fetch it),
    ``present`` (use it).
    """
    prefetch = request.prefetch
    if prefetch is None or key not in prefetch:
        return "missing"
    value = prefetch[key]
    if value is None:
        return "none"
    if isinstance(value, dict) and value.get("resourceType") == "OperationOutcome":
        return "failed"
    return "present"


_TOKEN_RE = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
_USER_TOKENS = {
    "userPractitionerId": "Practitioner",
    "userPractitionerRoleId": "PractitionerRole",
    "userPatientId": "Patient",
    "userRelatedPersonId": "RelatedPerson",
}


def render_template(template: str, request: CDSServiceRequest) -> str:
    """Fill ``{{context.x}}`` and ``{{userPractitionerId}}``-style tokens of a prefetch template.

    Values are URL-quoted (``/`` kept). A token the request cannot fill raises
    :class:`InvalidRequest`: the service would otherwise query the wrong data.
    """

    def fill(match: re.Match[str]) -> str:
        token = match.group(1)
        value: Any = None
        if token.startswith("context.") and token.count(".") == 1:
            value = request.context.get(token.removeprefix("context."))
        elif token in _USER_TOKENS:
            user = request.context.get("userId")
            if isinstance(user, str) and user.startswith(_USER_TOKENS[token] + "/"):
                value = user.split("/", 1)[1]
        else:
            raise InvalidRequest("unsupported prefetch token", expression=["prefetch"])
        if not isinstance(value, str | int) or isinstance(value, bool) or value == "":
            raise InvalidRequest(
                "the request context cannot fill a prefetch token", expression=["context"]
            )
        return quote(str(value), safe="/")

    return _TOKEN_RE.sub(fill, template)


# --------------------------------------------------------------------------------------------
# Cards
# --------------------------------------------------------------------------------------------


def indicator_for(p_negative: float) -> Literal["info", "warning", "critical"]:
    """Card indicator from ``P(negative)`` (thresholds in the module docstring)."""
    qualitative_risk(p_negative)  # validates the range
    for upper, indicator in INDICATOR_THRESHOLDS:
        if p_negative < upper:
            return indicator
    raise AssertionError("unreachable: the last threshold is infinite")


def _fit_summary(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_MAX_CHARS else text[: SUMMARY_MAX_CHARS - 1] + "…"


OVERRIDE_REASONS: tuple[Coding, ...] = (
    Coding(system=OVERRIDE_REASON_SYSTEM, code="not-relevant", display="Not relevant now"),
    Coding(system=OVERRIDE_REASON_SYSTEM, code="disagree", display="Disagree with the score"),
    Coding(system=OVERRIDE_REASON_SYSTEM, code="already-aware", display="Already aware"),
)


def build_card(
    *,
    p_negative: float,
    risk_assessment: Mapping[str, Any],
    n_notes: int,
    windows: int,
    model: ModelRef,
    source_label: str = "cds-sentiment",
    source_url: str | None = None,
    n_skipped: int = 0,
    links: Sequence[Link] = (),
    card_uuid: str | None = None,
) -> dict[str, Any]:
    """One card for the patient's notes (see the module docstring for the design).

    ``risk_assessment`` is the resource the suggestion's ``create`` action carries (built
    by :func:`service.interop.risk.build_risk_assessment`). Returns the wire dict.
    """
    if n_notes < 1 or windows < 1:
        raise ValueError("a card needs at least one scored note and window")
    code, display = qualitative_risk(p_negative)
    percent = round(p_negative * 100.0, 1)
    plural = "s" if n_notes != 1 else ""
    summary = _fit_summary(
        f"Note sentiment: {percent:.0f}% negative ({display.lower()}) "
        f"across {n_notes} recent note{plural}"
    )
    rows = [
        ("Probability of negative sentiment", f"{percent:.1f}%"),
        ("Qualitative risk", f"{display} (`{code}`)"),
        ("Notes scored", str(n_notes)),
        ("Token windows scored", str(windows)),
    ]
    if n_skipped:
        rows.append(("Notes skipped (no scorable text)", str(n_skipped)))
    rows.append(("Model", f"{model.name} version {model.version}"))
    detail = "\n".join(
        [
            f"**Negative sentiment: {percent:.1f}%** ({display})",
            "",
            "| | |",
            "|---|---|",
            *(f"| {k} | {v} |" for k, v in rows),
            "",
            "The probability that the language of the patient's recent clinical notes is "
            "negative, aggregated over every scored window. A signal for review, not a "
            "diagnosis. Accept the suggestion to record it as a RiskAssessment.",
        ]
    )
    card = Card(
        uuid=card_uuid or str(uuid.uuid4()),
        summary=summary,
        detail=detail,
        indicator=indicator_for(p_negative),
        source=Source(
            label=source_label,
            url=source_url,
            topic=Coding(
                system=TOPIC_SYSTEM, code="note-sentiment", display="Clinical note sentiment"
            ),
        ),
        suggestions=[
            Suggestion(
                label="Record the note sentiment assessment",
                uuid=str(uuid.uuid4()),
                is_recommended=False,
                actions=[
                    Action(
                        type="create",
                        description="Create a RiskAssessment of negative note sentiment",
                        resource=dict(risk_assessment),
                    )
                ],
            )
        ],
        selection_behavior="at-most-one",
        override_reasons=list(OVERRIDE_REASONS),
        links=list(links) or None,
    )
    return card.wire()


def cds_response(cards: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The response body; validates every card (``{"cards": []}`` when there is none)."""
    return CDSResponse.model_validate({"cards": list(cards)}).wire()
