"""Clinical note text out of FHIR R4 resources (DocumentReference, Observation, Bundle).

Status codes, chosen once and used everywhere in this module:

* **400** (:class:`~service.errors.InvalidRequest`): the payload is not valid FHIR, or breaks
  an invariant the ``fhir.resources`` models do not enforce: not a JSON object, unknown or
  wrong ``resourceType`` (:class:`~service.errors.UnsupportedResource`), a pydantic
  validation error, invalid base64, ``att-1`` (``data`` without ``contentType``), a Bundle
  ``type`` other than ``batch``/``collection``.
* **422** (:class:`~service.errors.UnprocessableContent`): valid FHIR that we cannot turn into
  text: unsupported content type (PDF, images, ...), unknown charset, bytes that do not decode
  in the declared charset, an attachment with neither ``data`` nor ``url``, a ``url`` with no
  FHIR server to fetch it from, or no text at all.

Messages never contain input text. Content types and charsets are named only when they are
well-formed tokens (they are metadata, not clinical content). Every error carries a FHIRPath
``expression`` pointing at the element at fault.

Spec: https://hl7.org/fhir/R4/documentreference.html, https://hl7.org/fhir/R4/observation.html,
https://hl7.org/fhir/R4/datatypes.html#Attachment (att-1), https://hl7.org/fhir/R4/bundle.html
"""

from __future__ import annotations

import base64
import binascii
import codecs
import logging
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from html.parser import HTMLParser
from typing import Any, Protocol

from pydantic import ValidationError

from service.errors import CDSError, InvalidRequest, UnprocessableContent, UnsupportedResource

log = logging.getLogger(__name__)

#: Media types we can turn into text. Markdown is read as plain text.
PLAIN_TYPES = frozenset({"text/plain", "text/markdown"})
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
SUPPORTED_TYPES = PLAIN_TYPES | HTML_TYPES

#: Bundle types accepted by :func:`bundle_entries`. ``transaction`` is refused: its
#: all-or-nothing semantics cannot be honoured by a per-entry ``batch-response``.
ACCEPTED_BUNDLE_TYPES = frozenset({"batch", "collection"})

_TOKEN = re.compile(r"^[A-Za-z0-9!#$&^_.+-]{1,64}$")
_MIME = re.compile(r"^[A-Za-z0-9!#$&^_.+-]{1,64}/[A-Za-z0-9!#$&^_.+-]{1,64}$")
_RESOURCE_TYPE = re.compile(r"^[A-Z][A-Za-z]{1,63}$")


@dataclass(frozen=True)
class Note:
    """The text of one clinical note and where it came from (never logged).

    ``source`` is a reference usable in ``RiskAssessment.basis``: ``"DocumentReference/123"``,
    the entry's ``fullUrl`` (``urn:uuid:...``) when the caller passes it, or ``None`` when the
    resource carried no id (see :meth:`reference`).
    """

    text: str
    source: str | None
    resource_type: str
    subject: str | None
    encounter: str | None
    date: str | None
    content_type: str

    def reference(self) -> dict[str, str]:
        """A FHIR ``Reference`` to the note: by ``source`` if known, else typed with a display."""
        if self.source:
            return {"reference": self.source, "type": self.resource_type}
        return {"type": self.resource_type, "display": f"{self.resource_type} submitted without id"}


class AttachmentFetcher(Protocol):
    """Fetches the bytes behind ``Attachment.url`` (``Binary/<id>`` or an absolute URL)."""

    async def fetch(self, url: str) -> tuple[bytes, str | None]:
        """Return the content and its media type (``None`` when unknown)."""
        ...


class ResourceValidationError(InvalidRequest):
    """A resource failed FHIR validation; ``issues`` holds one (expression, message) per fault.

    :func:`service.interop.risk.operation_outcome` turns each into its own ``issue``.
    """

    def __init__(self, issues: list[tuple[str, str]]) -> None:
        self.issues = issues
        shown = "; ".join(f"{expr}: {msg}" for expr, msg in issues[:5])
        more = f" (and {len(issues) - 5} more)" if len(issues) > 5 else ""
        super().__init__(f"invalid FHIR resource: {shown}{more}", expression=[e for e, _ in issues])


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


def known_resource_type(name: object) -> bool:
    """True for a resource type the R4B models know (safe to name in a message)."""
    if not isinstance(name, str) or not _RESOURCE_TYPE.match(name):
        return False
    return _model_class(name) is not None


@lru_cache(maxsize=256)
def _model_class(name: str) -> Any:
    from fhir.resources.R4B import get_fhir_model_class
    from fhir.resources.R4B.resource import Resource

    try:
        cls = get_fhir_model_class(name)
    except (ValueError, KeyError):
        return None
    # Datatypes (Quantity, HumanName...) are models too; only resources qualify.
    return cls if isinstance(cls, type) and issubclass(cls, Resource) else None


def _root(resource_type: str, prefix: str) -> str:
    return prefix or resource_type


def _fhirpath(root: str, loc: Iterable[int | str]) -> str:
    path = root
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part in ("resource_type", "resourceType"):
            path += ".resourceType"
        elif part.startswith("__"):
            continue
        else:
            path += f".{part.removesuffix('__ext')}"
    return path


# Fixed messages per pydantic error type: pydantic's own ``msg`` is safe for most types, but
# custom validators may phrase things with the input, so we never forward it verbatim.
_ERROR_MESSAGES: Mapping[str, str] = {
    "missing": "required element is missing",
    "extra_forbidden": "unknown element",
    "string_type": "expected a string",
    "int_type": "expected an integer",
    "int_parsing": "expected an integer",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "decimal_type": "expected a number",
    "decimal_parsing": "expected a number",
    "bool_type": "expected a boolean",
    "bool_parsing": "expected a boolean",
    "list_type": "expected an array",
    "dict_type": "expected an object",
    "model_type": "expected an object",
    "model_attributes_type": "expected an object",
    "base64_decode": "invalid base64",
    "bytes_type": "expected base64 data",
    "string_pattern_mismatch": "value does not match the FHIR datatype's format",
    "string_too_short": "value is empty",
    "string_too_long": "value is too long",
    "fhir-validation-wrong-resource-type": "wrong resourceType",
    "too_short": "array is empty",
    "literal_error": "value is not one of the allowed codes",
    "enum": "value is not one of the allowed codes",
    "uuid_parsing": "expected a UUID",
    "uuid_type": "expected a UUID",
    "url_parsing": "expected an absolute URL",
    "url_scheme": "expected an http or https URL",
    "url_type": "expected an absolute URL",
    "datetime_parsing": "expected an ISO 8601 date-time",
    "datetime_from_date_parsing": "expected an ISO 8601 date-time",
    "datetime_type": "expected an ISO 8601 date-time",
    "greater_than": "value is too small",
    "greater_than_equal": "value is too small",
}


def validation_message(err: Mapping[str, Any]) -> str:
    """A fixed message for one pydantic error (never its input, never a custom message)."""
    etype = str(err.get("type", ""))
    if etype in _ERROR_MESSAGES:
        return _ERROR_MESSAGES[etype]
    if etype.endswith(".missing"):  # fhir.resources' check of required primitives
        return _ERROR_MESSAGES["missing"]
    msg = str(err.get("msg", ""))
    if "but got multiple" in msg:
        return "a choice element [x] has more than one value"
    if "does not match spec regex" in msg:
        return "value does not match the FHIR datatype's format"
    if "expects resource type" in msg or "resource type" in msg.lower():
        return "wrong or unknown resourceType"
    return "invalid value"


def _validation_issues(exc: ValidationError, root: str) -> list[tuple[str, str]]:
    issues: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for err in exc.errors(include_url=False, include_input=False, include_context=False):
        item = (_fhirpath(root, err.get("loc", ())), validation_message(err))
        if item not in seen:
            seen.add(item)
            issues.append(item)
    return issues or [(root, "invalid resource")]


# --- fast acceptance of the common DocumentReference ----------------------------------------
#
# Building the R4B model costs 0.1-0.4 ms for a typical note (six nested models, each with
# fhir.resources' Python validators) and is the largest part of parsing an ``$assess`` call.
# The checks below accept, without the model, only a strict subset of what the model accepts:
# a fixed set of elements, each with stricter formats than the R4B datatypes (a test compares
# the two on many mutated resources). Anything else, including everything invalid, goes to the
# model, so errors (and their OperationOutcome issues) are exactly the model's.

#: ``id`` (the datatype allows 255 characters; 64 is FHIR's own limit).
_FAST_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
#: ``code``: printable ASCII words separated by single spaces (the datatype allows more).
_FAST_CODE = re.compile(r"[!-~]+(?: [!-~]+)*")
#: ``uri``: printable ASCII without spaces, not empty.
_FAST_URI = re.compile(r"[!-~]+")
#: ``string``: not empty, and no whitespace but space, tab, CR and LF (the datatype's class).
_FAST_STRING = re.compile(r"[ \r\n\t\S]+")
#: ``instant``: full date-time with seconds and a zone, at most microseconds, no leap second.
_FAST_INSTANT = re.compile(
    r"[1-9][0-9]{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])T(?:[01][0-9]|2[0-3])"
    r":[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?(?:Z|[+-](?:0[0-9]|1[0-3]):[0-5][0-9])"
)
#: The base64 alphabet, for :func:`_fast_base64`.
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/]*")
_BASE64_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


Check = Callable[[Any], bool]


def _fast_str(value: Any, pattern: re.Pattern[str]) -> bool:
    return type(value) is str and pattern.fullmatch(value) is not None


def _fast_instant(value: Any) -> bool:
    if not _fast_str(value, _FAST_INSTANT):
        return False
    try:  # the pattern allows e.g. 31 February; the calendar does not
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _fast_object(value: Any, checks: Mapping[str, Check], required: tuple[str, ...] = ()) -> bool:
    """A non-empty JSON object with known elements only, each passing its check."""
    if type(value) is not dict or not value or any(key not in value for key in required):
        return False
    for key, item in value.items():
        check = checks.get(key)
        if check is None or not check(item):
            return False
    return True


def _fast_base64(value: Any) -> bool:
    """``base64Binary``: canonical base64 (no whitespace, correct padding), not empty.

    Accepts exactly the strings of the pattern ``(?:B{4})*(?:B{4}|B{2}==|B{3}=)``, where ``B``
    is ``[A-Za-z0-9+/]`` (a test compares the two), checked as a length, one run of ``B`` and
    the last two characters: the pattern's group repetition costs about 10 µs on a note.
    """
    if type(value) is not str:
        return False
    n = len(value)
    if n == 0 or n % 4 or _BASE64_RUN.fullmatch(value, 0, n - 2) is None:
        return False
    last2, last = value[-2], value[-1]
    if last == "=":
        return last2 == "=" or last2 in _BASE64_CHARS
    return last2 in _BASE64_CHARS and last in _BASE64_CHARS


def _fast_list(value: Any, check: Check) -> bool:
    return type(value) is list and bool(value) and all(check(item) for item in value)


def _string(value: Any) -> bool:
    return _fast_str(value, _FAST_STRING)


def _uri(value: Any) -> bool:
    return _fast_str(value, _FAST_URI)


def _code(value: Any) -> bool:
    return _fast_str(value, _FAST_CODE)


_CODING: Mapping[str, Check] = {
    "system": _uri,
    "version": _string,
    "code": _code,
    "display": _string,
    "userSelected": lambda v: type(v) is bool,
}


def _fast_coding(value: Any) -> bool:
    return _fast_object(value, _CODING)


_CONCEPT: Mapping[str, Check] = {
    "coding": lambda v: _fast_list(v, _fast_coding),
    "text": _string,
}


def _fast_concept(value: Any) -> bool:
    return _fast_object(value, _CONCEPT)


_REFERENCE: Mapping[str, Check] = {"reference": _string, "type": _uri, "display": _string}


def _fast_reference(value: Any) -> bool:
    return _fast_object(value, _REFERENCE)


_ATTACHMENT: Mapping[str, Check] = {
    "contentType": _code,
    "language": _code,
    "data": _fast_base64,
    "title": _string,
}
_CONTENT: Mapping[str, Check] = {
    "attachment": lambda v: _fast_object(v, _ATTACHMENT),
    "format": _fast_coding,
}
_CONTEXT: Mapping[str, Check] = {"encounter": lambda v: _fast_list(v, _fast_reference)}

#: Element -> check, for the DocumentReference elements the fast path knows.
_DOCUMENT_REFERENCE: Mapping[str, Check] = {
    "resourceType": lambda v: v == "DocumentReference",
    "id": lambda v: _fast_str(v, _FAST_ID),
    "status": lambda v: v in ("current", "superseded", "entered-in-error"),
    "docStatus": lambda v: v in ("preliminary", "final", "amended", "entered-in-error"),
    "type": _fast_concept,
    "category": lambda v: _fast_list(v, _fast_concept),
    "subject": _fast_reference,
    "date": _fast_instant,
    "description": _string,
    "content": lambda v: _fast_list(v, lambda c: _fast_object(c, _CONTENT, ("attachment",))),
    "context": lambda v: _fast_object(v, _CONTEXT),
}


def _plain_document_reference(payload: Mapping[str, Any]) -> bool:
    """True when ``payload`` is certainly a valid R4B DocumentReference (see above).

    ``False`` says nothing: the caller validates with the model.
    """
    return _fast_object(payload, _DOCUMENT_REFERENCE, ("resourceType", "status", "content"))


def parse_resource(
    payload: Any, *, allowed: Collection[str], expression_prefix: str = ""
) -> dict[str, Any]:
    """Validate ``payload`` as one R4 resource of a type in ``allowed``; return it unchanged.

    Raises :class:`UnsupportedResource` for a type not in ``allowed`` and
    :class:`InvalidRequest` (a :class:`ResourceValidationError` for model errors) otherwise.
    ``expression_prefix`` roots the FHIRPath expressions (e.g. ``Bundle.entry[2].resource``);
    by default they start at the resource type.
    """
    rt_expr = f"{expression_prefix}.resourceType" if expression_prefix else "resourceType"
    if not isinstance(payload, dict):
        raise InvalidRequest(
            "expected a FHIR resource (a JSON object)", expression=[expression_prefix or "$this"]
        )
    rtype = payload.get("resourceType")
    if not isinstance(rtype, str) or not rtype:
        raise InvalidRequest("resourceType is missing", expression=[rt_expr])
    accepted = ", ".join(sorted(allowed))
    if rtype not in allowed:
        named = rtype if known_resource_type(rtype) else "this resourceType"
        raise UnsupportedResource(
            f"{named} is not accepted here; expected {accepted}", expression=[rt_expr]
        )
    cls = _model_class(rtype)
    if cls is None:  # allowed by the caller but unknown to the models: a programming error
        raise UnsupportedResource(f"expected {accepted}", expression=[rt_expr])
    if rtype == "DocumentReference" and _plain_document_reference(payload):
        return payload
    root = _root(rtype, expression_prefix)
    try:
        cls.model_validate(payload)
    except ValidationError as exc:
        raise ResourceValidationError(_validation_issues(exc, root)) from None
    except (KeyError, ValueError, TypeError, AttributeError, RecursionError):
        # fhir.resources raises plain errors for e.g. an unknown resourceType inside
        # ``contained``; the message may quote input, so it is replaced.
        raise InvalidRequest(
            "invalid FHIR resource: an element has an unknown or malformed type",
            expression=[root],
        ) from None
    return payload


@dataclass(frozen=True)
class BundleItem:
    """One entry of an incoming Bundle: its index, ``fullUrl`` and resource (or the error)."""

    index: int
    full_url: str | None
    value: dict[str, Any] | CDSError


def bundle_items(
    bundle: Any, *, allowed: Collection[str] = ("DocumentReference", "Observation")
) -> list[BundleItem]:
    """Split a ``batch``/``collection`` Bundle into per-entry resources or per-entry errors.

    The Bundle shell is validated without its entries' resources, then each resource on its
    own, so one bad entry never sinks the others. ``entry.request`` is not required (the
    operation is implied by ``$assess``) and is ignored. A Bundle whose shell is invalid, or
    whose ``type`` is not accepted, raises :class:`InvalidRequest` (400) as a whole.
    """
    # Raises for a non-object or a malformed shell (400 for the whole Bundle).
    parse_resource(_bundle_shell(bundle), allowed=("Bundle",))
    btype = bundle.get("type")
    if btype not in ACCEPTED_BUNDLE_TYPES:
        named = btype if isinstance(btype, str) and _TOKEN.match(btype) else "this type"
        raise InvalidRequest(
            f"Bundle.type {named} is not accepted; send a batch or collection Bundle",
            expression=["Bundle.type"],
        )
    items: list[BundleItem] = []
    for index, entry in enumerate(bundle.get("entry") or []):
        prefix = f"Bundle.entry[{index}].resource"
        full_url = entry.get("fullUrl") if isinstance(entry.get("fullUrl"), str) else None
        resource = entry.get("resource")
        value: dict[str, Any] | CDSError
        if resource is None:
            value = InvalidRequest(
                "the entry has no resource", expression=[f"Bundle.entry[{index}].resource"]
            )
        else:
            try:
                value = parse_resource(resource, allowed=allowed, expression_prefix=prefix)
            except CDSError as exc:
                value = exc
        items.append(BundleItem(index=index, full_url=full_url, value=value))
    return items


def bundle_entries(
    bundle: Any, *, allowed: Collection[str] = ("DocumentReference", "Observation")
) -> list[tuple[int, dict[str, Any] | CDSError]]:
    """``(index, resource or error)`` per entry, in order; see :func:`bundle_items`."""
    return [(item.index, item.value) for item in bundle_items(bundle, allowed=allowed)]


def _bundle_shell(bundle: Any) -> Any:
    if not isinstance(bundle, dict):
        return bundle
    entries = bundle.get("entry")
    if not isinstance(entries, list):
        return bundle  # the model reports the wrong type
    shell = dict(bundle)
    # An entry without its resource still validates; bad entries are reported one by one.
    shell["entry"] = [
        {k: v for k, v in e.items() if k != "resource"} if isinstance(e, dict) else e
        for e in entries
    ]
    return shell


def search_resources(bundle: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The resources of a search-set Bundle that matched (``search.mode`` ``outcome`` and
    ``include`` entries are left out); a single resource is returned as a one-item list."""
    if not bundle:
        return []
    if bundle.get("resourceType") != "Bundle":
        return [dict(bundle)]
    out: list[dict[str, Any]] = []
    for entry in bundle.get("entry") or []:
        if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
            continue
        mode = (entry.get("search") or {}).get("mode", "match")
        if mode == "match":
            out.append(entry["resource"])
    return out


# --------------------------------------------------------------------------------------------
# Text extraction
# --------------------------------------------------------------------------------------------


def parse_content_type(value: str) -> tuple[str, dict[str, str]]:
    """``"text/plain; charset=UTF-8"`` -> ``("text/plain", {"charset": "UTF-8"})``.

    Raises ``ValueError`` for a malformed value (callers map it to an error).
    """
    head, *params = value.split(";")
    mime = head.strip().lower()
    if not _MIME.match(mime):
        raise ValueError("malformed media type")
    out: dict[str, str] = {}
    for param in params:
        if not param.strip():
            continue
        key, sep, val = param.partition("=")
        if not sep:
            raise ValueError("malformed media type parameter")
        out[key.strip().lower()] = val.strip().strip('"')
    return mime, out


def _safe_name(value: str) -> str:
    """Echo a media type only when it is a plain token (it is metadata, never note text)."""
    return value if _MIME.match(value) else "this content type"


class _TextExtractor(HTMLParser):
    """HTML/XHTML to plain text: drops markup, scripts and styles, keeps block breaks."""

    _SKIP = frozenset({"script", "style", "head", "template", "noscript"})
    _BLOCK = frozenset(
        {
            "p", "div", "br", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4",
            "h5", "h6", "section", "article", "header", "footer", "pre", "blockquote",
            "dt", "dd", "hr", "body", "td", "th",
        }
    )  # fmt: skip

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:  # noqa: ARG002
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCK:
            self.parts.append("\n" if tag not in ("td", "th") else " ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:  # noqa: ARG002
        if tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCK:
            self.parts.append("\n" if tag not in ("td", "th") else " ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Strip HTML/XHTML to readable text (whitespace normalised, paragraphs kept)."""
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    return normalize_text("".join(parser.parts))


def normalize_text(text: str) -> str:
    """Collapse runs of spaces in each line and drop blank-line runs."""
    # ``" ".join(line.split())`` is ``re.sub(r"\s+", " ", line).strip()`` (str.split and
    # the regex's \s use the same Unicode whitespace), several times faster on a long line.
    lines = (" ".join(line.split()) for line in text.replace("\r\n", "\n").split("\n"))
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def decode_text(content: bytes, content_type: str, *, expression: str) -> tuple[str, str]:
    """Decode ``content`` of ``content_type`` into text; return ``(text, mime)``.

    ``expression`` names the ``contentType`` element for error messages.
    """
    try:
        mime, params = parse_content_type(content_type)
    except ValueError:
        raise InvalidRequest(
            "contentType is not a valid media type", expression=[expression]
        ) from None
    if mime not in SUPPORTED_TYPES:
        raise UnprocessableContent(
            f"content type {_safe_name(mime)} is not supported; send text/plain, text/html "
            "or application/xhtml+xml",
            expression=[expression],
        )
    charset = params.get("charset") or "utf-8"
    try:
        codec = codecs.lookup(charset).name
    except LookupError:
        shown = charset if _TOKEN.match(charset) else "the declared charset"
        raise UnprocessableContent(
            f"charset {shown} is not supported", expression=[expression]
        ) from None
    # utf-8-sig also drops a byte order mark, which is not part of the note.
    try:
        text = content.decode("utf-8-sig" if codec == "utf-8" else codec)
    except UnicodeDecodeError:
        raise UnprocessableContent(
            f"the content is not valid {codec} text", expression=[expression]
        ) from None
    text = html_to_text(text) if mime in HTML_TYPES else normalize_text(text)
    return text, mime


def _decode_base64(data: Any, *, expression: str) -> bytes:
    if not isinstance(data, str):
        raise InvalidRequest("expected base64 data", expression=[expression])
    try:
        # FHIR base64Binary allows whitespace between quartets.
        # ``"".join(data.split())`` is ``re.sub(r"\s+", "", data)`` (the same whitespace),
        # without the regex's cost per character: about 15 µs on a typical note.
        return base64.b64decode("".join(data.split()), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidRequest("invalid base64", expression=[expression]) from None


def patient_of(resource: Mapping[str, Any]) -> str | None:
    """The patient id a resource is about (``subject``/``patient`` reference), if stated.

    Works for relative (``Patient/1``) and absolute (``https://ehr/fhir/Patient/1``) references.
    """
    for key in ("subject", "patient"):
        ref = resource.get(key)
        if isinstance(ref, dict) and isinstance(ref.get("reference"), str):
            parts = str(ref["reference"]).rstrip("/").split("/")
            if len(parts) >= 2 and parts[-2] == "Patient":
                return parts[-1]
    return None


def _ref(value: Any) -> str | None:
    if isinstance(value, dict) and isinstance(value.get("reference"), str):
        return str(value["reference"])
    return None


async def _attachment_text(
    att: Any, *, fetcher: AttachmentFetcher | None, path: str
) -> tuple[str, str]:
    if not isinstance(att, dict):
        raise InvalidRequest("attachment is missing", expression=[path])
    ctype = att.get("contentType")
    if ctype is not None and not isinstance(ctype, str):
        raise InvalidRequest("contentType must be a string", expression=[f"{path}.contentType"])
    if "data" in att:
        if not ctype:
            # att-1: "If the Attachment has data, it SHALL have a contentType".
            raise InvalidRequest(
                "att-1: an attachment with data must have a contentType",
                expression=[f"{path}.contentType"],
            )
        content = _decode_base64(att["data"], expression=f"{path}.data")
        return decode_text(content, ctype, expression=f"{path}.contentType")
    url = att.get("url")
    if isinstance(url, str) and url:
        if ctype:  # refuse a PDF before fetching it
            try:
                mime, _ = parse_content_type(ctype)
            except ValueError:
                raise InvalidRequest(
                    "contentType is not a valid media type", expression=[f"{path}.contentType"]
                ) from None
            if mime not in SUPPORTED_TYPES:
                raise UnprocessableContent(
                    f"content type {_safe_name(mime)} is not supported; send text/plain, "
                    "text/html or application/xhtml+xml",
                    expression=[f"{path}.contentType"],
                )
        if fetcher is None:
            raise UnprocessableContent(
                "the attachment is referenced by url, but no FHIR server is known to fetch "
                "it from; send the content inline as data",
                expression=[f"{path}.url"],
            )
        content, fetched_type = await fetcher.fetch(url)
        effective = _merge_content_types(ctype, fetched_type)
        if effective is None:
            raise UnprocessableContent(
                "the fetched attachment has no content type", expression=[f"{path}.contentType"]
            )
        return decode_text(content, effective, expression=f"{path}.contentType")
    raise UnprocessableContent("the attachment has neither data nor url", expression=[f"{path}"])


def _merge_content_types(declared: str | None, fetched: str | None) -> str | None:
    """The declared type wins; the server's charset fills in when none was declared."""
    if not declared:
        return fetched
    if not fetched:
        return declared
    try:
        d_mime, d_params = parse_content_type(declared)
        f_mime, f_params = parse_content_type(fetched)
    except ValueError:
        return declared
    if "charset" not in d_params and f_mime == d_mime and "charset" in f_params:
        return f"{d_mime}; charset={f_params['charset']}"
    return declared


async def _document_text(
    resource: Mapping[str, Any], *, fetcher: AttachmentFetcher | None, root: str
) -> tuple[str, str]:
    contents = resource.get("content")
    if not isinstance(contents, list) or not contents:
        raise InvalidRequest(
            "DocumentReference.content is required", expression=[f"{root}.content"]
        )
    # Several content entries are renditions of the same document: take the first that
    # yields text; if none does, report the first entry's problem.
    first_error: UnprocessableContent | None = None
    for i, content in enumerate(contents):
        path = f"{root}.content[{i}].attachment"
        att = content.get("attachment") if isinstance(content, dict) else None
        try:
            text, mime = await _attachment_text(att, fetcher=fetcher, path=path)
        except UnprocessableContent as exc:
            first_error = first_error or exc
            continue
        if text:
            return text, mime
        first_error = first_error or UnprocessableContent(
            "the attachment contains no text", expression=[path]
        )
    assert first_error is not None
    raise first_error


def _observation_text(resource: Mapping[str, Any], root: str) -> str:
    parts: list[str] = []
    if isinstance(resource.get("valueString"), str):
        parts.append(resource["valueString"])
    for comp in resource.get("component") or []:
        if isinstance(comp, dict) and isinstance(comp.get("valueString"), str):
            parts.append(comp["valueString"])
    for note in resource.get("note") or []:
        if isinstance(note, dict) and isinstance(note.get("text"), str):
            parts.append(note["text"])
    text = "\n\n".join(t for t in (normalize_text(p) for p in parts) if t)
    if not text:
        raise UnprocessableContent(
            "the Observation has no text: expected valueString, component.valueString or note.text",
            expression=[
                f"{root}.valueString",
                f"{root}.component.valueString",
                f"{root}.note.text",
            ],
        )
    return text


def _observation_date(resource: Mapping[str, Any]) -> str | None:
    for key in ("effectiveDateTime", "effectiveInstant", "issued"):
        if isinstance(resource.get(key), str):
            return str(resource[key])
    period = resource.get("effectivePeriod")
    if isinstance(period, dict) and isinstance(period.get("start"), str):
        return str(period["start"])
    return None


async def extract_note(
    resource: Mapping[str, Any],
    *,
    fetcher: AttachmentFetcher | None = None,
    expression_prefix: str = "",
    source: str | None = None,
) -> Note:
    """The note text of a DocumentReference or Observation, with its provenance.

    DocumentReference: the first ``content[].attachment`` that yields text, from base64
    ``data`` (charset from ``contentType``, default UTF-8; HTML/XHTML stripped) or from ``url``
    through ``fetcher``. Observation: ``valueString``, ``component[].valueString`` and
    ``note[].text``, joined by blank lines. ``source`` overrides the basis reference (e.g. a
    Bundle entry's ``fullUrl``). See the module docstring for the error statuses.
    """
    rtype = resource.get("resourceType")
    root = _root(str(rtype), expression_prefix)
    rid = resource.get("id")
    ref = source or (f"{rtype}/{rid}" if isinstance(rid, str) and rid else None)
    if rtype == "DocumentReference":
        text, mime = await _document_text(resource, fetcher=fetcher, root=root)
        context = resource.get("context")
        encounters = (context.get("encounter") if isinstance(context, dict) else None) or []
        encounter = _ref(encounters[0]) if isinstance(encounters, list) and encounters else None
        date = resource.get("date") if isinstance(resource.get("date"), str) else None
        return Note(
            text=text,
            source=ref,
            resource_type="DocumentReference",
            subject=_ref(resource.get("subject")),
            encounter=encounter,
            date=date,
            content_type=mime,
        )
    if rtype == "Observation":
        return Note(
            text=_observation_text(resource, root),
            source=ref,
            resource_type="Observation",
            subject=_ref(resource.get("subject")),
            encounter=_ref(resource.get("encounter")),
            date=_observation_date(resource),
            content_type="text/plain",
        )
    raise UnsupportedResource(
        "expected DocumentReference or Observation",
        expression=[f"{expression_prefix}.resourceType" if expression_prefix else "resourceType"],
    )


#: Statuses that mean "this record is void": such notes are never scored in hook flows.
VOID_STATUSES = frozenset({"entered-in-error", "superseded", "cancelled"})


async def collect_notes(
    resources: Iterable[Mapping[str, Any]], *, fetcher: AttachmentFetcher | None = None
) -> tuple[list[Note], list[tuple[int, CDSError]]]:
    """Extract every scorable note of a hook's prefetched/fetched resources.

    Unlike ``$assess`` (one resource, errors reach the caller), a patient's chart holds PDFs,
    numeric Observations and void records: those are skipped, not fatal. Returns the notes and
    the ``(position, error)`` of each skipped resource (for counting; never for display of
    content). Errors of the fetcher (:class:`~service.errors.UpstreamError` and friends)
    are reported per resource too.
    """
    notes: list[Note] = []
    skipped: list[tuple[int, CDSError]] = []
    items = list(resources)
    for i, res in enumerate(items):
        if res.get("resourceType") not in ("DocumentReference", "Observation"):
            continue
        if res.get("status") in VOID_STATUSES:
            continue
        try:
            notes.append(await extract_note(res, fetcher=fetcher))
        except CDSError as exc:
            skipped.append((i, exc))
    if skipped:
        log.info("skipped %d of %d chart resources without scorable text", len(skipped), len(items))
    return notes, skipped
