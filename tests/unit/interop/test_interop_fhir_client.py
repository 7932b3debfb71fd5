"""FhirClient against a real HTTP server on 127.0.0.1 (stdlib http.server in a thread)."""

from __future__ import annotations

import base64
import json
import logging

import pytest

from service.errors import PayloadTooLarge, PrefetchUnavailable, UnprocessableContent
from service.interop.cds_hooks import get_service, parse_hook_request, render_template
from service.interop.fhir_client import (
    FhirClient,
    FhirServerError,
    PatientScopeError,
    prefetch_unavailable,
)
from service.interop.notes import extract_note, search_resources

TOKEN = "tok-3f9a-not-a-real-token"
PID = "example-patient-1"


def _client(server, **kw):
    args = {"access_token": TOKEN, "patient_id": PID, "timeout": 2.0}
    args.update(kw)
    return FhirClient(server.base, **args)


def _searchset(*resources):
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": r, "search": {"mode": "match"}} for r in resources],
    }


async def test_hook_prefetch_templates_are_fetched_with_the_bearer_token(fresh_server, h):
    """The no-prefetch example, its templates rendered and fetched from the server."""
    server = fresh_server
    payload = h.load("hooks/patient-view-no-prefetch.json")
    payload["fhirServer"] = server.base
    service = get_service("note-sentiment-patient-view")
    request = parse_hook_request(payload, service)
    note = h.load("examples/documentreference-plain.json")
    server.json_route(f"/fhir/Patient/{PID}", h.load("examples/patient.json"))
    notes_query = render_template(service.prefetch["notes"], request)
    server.json_route(f"/fhir/{notes_query}", _searchset(note))
    async with FhirClient(
        request.fhir_server,
        access_token=request.access_token,
        patient_id=request.patient_id,
        timeout=2.0,
    ) as client:
        patient = await client.get(render_template(service.prefetch["patient"], request))
        bundle = await client.get(notes_query)
    assert patient["id"] == PID
    assert [r["id"] for r in search_resources(bundle)] == ["example-note-plain"]
    assert [r.path for r in server.requests] == [f"/fhir/Patient/{PID}", f"/fhir/{notes_query}"]
    for recorded in server.requests:
        assert recorded.headers["authorization"] == f"Bearer {request.access_token}"
        assert "application/fhir+json" in recorded.headers["accept"]


async def test_no_token_means_no_authorization_header(fresh_server, h):
    fresh_server.json_route(f"/fhir/Patient/{PID}", h.load("examples/patient.json"))
    async with _client(fresh_server, access_token=None) as client:
        await client.get(f"Patient/{PID}")
    assert "authorization" not in fresh_server.requests[0].headers


async def test_binary_json_is_decoded(fresh_server):
    text = "Patient comfortable, pain well controlled."
    fresh_server.json_route(
        "/fhir/Binary/b1",
        {
            "resourceType": "Binary",
            "contentType": "text/plain; charset=utf-8",
            "data": base64.b64encode(text.encode()).decode(),
        },
    )
    async with _client(fresh_server) as client:
        content, ctype = await client.fetch("Binary/b1")
    assert (content.decode(), ctype) == (text, "text/plain; charset=utf-8")
    assert fresh_server.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


async def test_raw_binary_through_extract_note(fresh_server, h):
    fresh_server.routes["/fhir/Binary/b2"] = h.Route(
        body=b"<p>Deteriorating, in severe distress.</p>", content_type="text/html"
    )
    async with _client(fresh_server) as client:
        note = await extract_note(h.docref({"url": "Binary/b2"}), fetcher=client)
    assert note.text == "Deteriorating, in severe distress."


async def test_absolute_url_under_fhir_server_gets_the_token(fresh_server, h):
    fresh_server.routes["/fhir/Binary/b3"] = h.Route(body=b"ok", content_type="text/plain")
    async with _client(fresh_server) as client:
        await client.fetch(f"{fresh_server.base}/Binary/b3")
    assert fresh_server.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


async def test_token_is_not_sent_outside_fhir_server(fresh_server, h):
    # Same host and port, but outside the base path ...
    fresh_server.routes["/other/note.txt"] = h.Route(body=b"Fine.", content_type="text/plain")
    # ... and a "FHIR server" on another origin (the same server, named by another host).
    fresh_server.routes["/fhir/Binary/x"] = h.Route(body=b"Fine.", content_type="text/plain")
    async with _client(fresh_server) as client:
        await client.fetch(f"{fresh_server.origin}/other/note.txt")
        await client.fetch(f"http://localhost:{fresh_server.port}/fhir/Binary/x")
    assert len(fresh_server.requests) == 2
    for recorded in fresh_server.requests:
        assert "authorization" not in recorded.headers


async def test_external_urls_can_be_refused(fresh_server):
    async with _client(fresh_server, allow_external=False) as client:
        with pytest.raises(UnprocessableContent):
            await client.fetch(f"{fresh_server.origin}/other/note.txt")
    assert fresh_server.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "Patient/someone-else",
        "Patient/someone-else/DocumentReference",
        "DocumentReference?patient=someone-else",
        "DocumentReference?subject=Patient/someone-else",
        f"DocumentReference?patient={PID},someone-else",
        "DocumentReference?subject:Patient=someone-else",
        "DocumentReference?patient.name=Smith",
        "DocumentReference?status=current",  # not limited to the patient at all
        "Patient?name=Smith",
        "{base}/DocumentReference/../Patient/someone-else",
        "{base}/DocumentReference/%2e%2e/Patient/someone-else",
    ],
)
async def test_other_patient_requests_are_refused_before_sending(fresh_server, url):
    async with _client(fresh_server) as client:
        with pytest.raises(PatientScopeError):
            await client.get(url.format(base=fresh_server.base))
    assert fresh_server.requests == []


@pytest.mark.parametrize(
    "url",
    [
        f"Patient/{PID}",
        f"DocumentReference?patient={PID}&status=current",
        f"Observation?subject=Patient/{PID}",
        f"Observation?subject:Patient={PID}",
        f"Patient?_id={PID}",
        "DocumentReference/d1",
    ],
)
async def test_own_patient_requests_are_allowed(fresh_server, url):
    fresh_server.json_route(
        f"/fhir/{url}", {"resourceType": "Bundle", "type": "searchset", "entry": []}
    )
    async with _client(fresh_server) as client:
        await client.get(url)
    assert len(fresh_server.requests) == 1


async def test_resource_of_another_patient_is_refused_after_reading(fresh_server, h):
    note = h.load("examples/documentreference-plain.json")
    note["subject"] = {"reference": "Patient/someone-else"}
    fresh_server.json_route("/fhir/DocumentReference/leak", note)
    async with _client(fresh_server) as client:
        with pytest.raises(PatientScopeError):
            await client.get("DocumentReference/leak")


async def test_search_entries_of_another_patient_are_dropped(fresh_server, h, caplog):
    mine = h.load("examples/documentreference-plain.json")
    theirs = h.load("examples/documentreference-html.json")
    theirs["subject"] = {"reference": "Patient/someone-else"}
    query = f"DocumentReference?patient={PID}"
    fresh_server.json_route(f"/fhir/{query}", _searchset(mine, theirs))
    with caplog.at_level(logging.DEBUG, logger="service.interop"):
        async with _client(fresh_server) as client:
            bundle = await client.get(query)
    assert [r["id"] for r in search_resources(bundle)] == ["example-note-plain"]
    assert TOKEN not in caplog.text and PID not in caplog.text


async def test_next_links_are_followed_up_to_the_cap(fresh_server, h):
    query = f"DocumentReference?patient={PID}"
    first = _searchset(h.load("examples/documentreference-plain.json"))
    first["link"] = [{"relation": "next", "url": f"{fresh_server.base}/{query}&page=2"}]
    second = _searchset(h.load("examples/documentreference-html.json"))
    fresh_server.json_route(f"/fhir/{query}", first)
    fresh_server.json_route(f"/fhir/{query}&page=2", second)
    async with _client(fresh_server) as client:
        one = await client.get(query)
        two = await client.get(query, max_pages=2)
    assert len(one["entry"]) == 1
    assert [e["resource"]["id"] for e in two["entry"]] == [
        "example-note-plain",
        "example-note-html",
    ]


async def test_next_link_outside_the_server_is_refused(fresh_server, h):
    query = f"DocumentReference?patient={PID}"
    page = _searchset()
    page["link"] = [{"relation": "next", "url": "http://127.0.0.1:1/evil"}]
    fresh_server.json_route(f"/fhir/{query}", page)
    async with _client(fresh_server) as client:
        with pytest.raises(FhirServerError):
            await client.get(query, max_pages=3)


async def test_timeout_is_an_upstream_error(fresh_server, h, caplog):
    fresh_server.routes[f"/fhir/Patient/{PID}"] = h.Route(body=b"{}", delay=1.0)
    with caplog.at_level(logging.DEBUG, logger="service.interop"):
        async with _client(fresh_server, timeout=0.2) as client:
            with pytest.raises(FhirServerError) as info:
                await client.get(f"Patient/{PID}")
    assert info.value.status_code == 502
    assert "in time" in info.value.detail
    assert TOKEN not in caplog.text


@pytest.mark.parametrize(
    ("status", "upstream"), [(503, 503), (500, 500), (404, 404), (401, 401), (302, 302)]
)
async def test_error_statuses_are_upstream_errors(fresh_server, h, status, upstream):
    fresh_server.routes[f"/fhir/Patient/{PID}"] = h.Route(
        status=status, body=b"{}", headers={"Location": "http://127.0.0.1:1/"}
    )
    async with _client(fresh_server) as client:
        with pytest.raises(FhirServerError) as info:
            await client.get(f"Patient/{PID}")
    assert info.value.upstream_status == upstream
    assert len(fresh_server.requests) == 1  # the redirect was not followed


async def test_connection_refused_is_an_upstream_error():
    client = FhirClient("http://127.0.0.1:1/fhir", access_token=TOKEN, patient_id=PID, timeout=1)
    async with client:
        with pytest.raises(FhirServerError, match="could not be reached") as info:
            await client.get(f"Patient/{PID}")
    assert TOKEN not in str(info.value)
    # ... which a hook route turns into the spec's 412.
    err = prefetch_unavailable(info.value, "patient")
    assert isinstance(err, PrefetchUnavailable) and err.status_code == 412
    assert err.expression == ["prefetch.patient"]


@pytest.mark.parametrize(
    "body", [b"not json", b"[1, 2]", json.dumps({"no": "resourceType"}).encode()]
)
async def test_non_fhir_body_is_an_upstream_error(fresh_server, h, body):
    fresh_server.routes[f"/fhir/Patient/{PID}"] = h.Route(body=body)
    async with _client(fresh_server) as client:
        with pytest.raises(FhirServerError):
            await client.get(f"Patient/{PID}")


async def test_oversized_attachment_is_refused(fresh_server, h):
    fresh_server.routes["/fhir/Binary/big"] = h.Route(body=b"x" * 5000, content_type="text/plain")
    async with _client(fresh_server, max_bytes=1000) as client:
        with pytest.raises(PayloadTooLarge):
            await client.fetch("Binary/big")


@pytest.mark.parametrize("url", ["#contained", "//evil.example/x", "file:///etc/passwd", "../x"])
async def test_unresolvable_references(fresh_server, url):
    async with _client(fresh_server) as client:
        with pytest.raises(UnprocessableContent):
            await client.fetch(url)
    assert fresh_server.requests == []


def test_repr_hides_the_token(fhir_server):
    client = _client(fhir_server, client=object())  # never used: only repr
    assert TOKEN not in repr(client)


async def test_injected_client_is_not_closed(fresh_server, h):
    import httpx

    fresh_server.json_route(f"/fhir/Patient/{PID}", h.load("examples/patient.json"))
    async with httpx.AsyncClient(trust_env=False) as shared:
        async with _client(fresh_server, client=shared) as client:
            await client.get(f"Patient/{PID}")
        assert not shared.is_closed
