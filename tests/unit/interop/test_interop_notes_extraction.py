"""Text extraction from DocumentReference and Observation (service.interop.notes)."""

from __future__ import annotations

import pytest

from service.errors import InvalidRequest, UnprocessableContent, UnsupportedResource
from service.interop.notes import (
    collect_notes,
    extract_note,
    html_to_text,
    parse_content_type,
)

SECRET = "Zebulon Quartermaine"  # stands in for PHI: must never appear in an error message


def _assert_no_secret(exc: BaseException) -> None:
    assert SECRET not in str(exc)
    assert SECRET not in getattr(exc, "detail", "")


async def test_plain_text_utf8(h):
    text = "Patient Zoë reports pain resolved — ambulating well."
    note = await extract_note(
        h.docref({"contentType": "text/plain; charset=utf-8", "data": h.b64(text)})
    )
    assert note.text == text
    assert note.source == "DocumentReference/dr1"
    assert note.subject == "Patient/p1"
    assert note.resource_type == "DocumentReference"
    assert note.content_type == "text/plain"


async def test_plain_text_without_charset_defaults_to_utf8_and_drops_bom(h):
    raw = "\ufeffCafé au lait tolerated.".encode()
    note = await extract_note(h.docref({"contentType": "text/plain", "data": h.b64(raw)}))
    assert note.text == "Café au lait tolerated."


async def test_latin1_charset_is_honoured(h):
    text = "José Muñoz: náusea, ánimo bajo."
    raw = text.encode("latin-1")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the test only means something if UTF-8 would fail
    note = await extract_note(
        h.docref({"contentType": 'text/plain; charset="ISO-8859-1"', "data": h.b64(raw)})
    )
    assert note.text == text


async def test_html_is_stripped_to_text(h):
    html = (
        "<html><head><title>Secret title</title><style>p{color:red}</style></head><body>"
        "<h1>Progress note</h1><p>Pain <b>uncontrolled</b> &amp; worsening.</p>"
        "<script>alert('x')</script><ul><li>one</li><li>two</li></ul></body></html>"
    )
    note = await extract_note(
        h.docref({"contentType": "text/html; charset=utf-8", "data": h.b64(html)})
    )
    assert note.text == "Progress note\n\nPain uncontrolled & worsening.\n\none\n\ntwo"
    assert "Secret title" not in note.text
    assert "alert" not in note.text
    assert note.content_type == "text/html"


async def test_xhtml_is_stripped_to_text(h):
    xhtml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<html xmlns="http://www.w3.org/1999/xhtml"><body><p>In good spirits.</p>'
        "<p>Ambulating&#160;well.</p></body></html>"
    )
    note = await extract_note(
        h.docref({"contentType": "application/xhtml+xml", "data": h.b64(xhtml)})
    )
    assert note.text == "In good spirits.\n\nAmbulating well."


def test_html_table_cells_stay_on_one_line():
    assert html_to_text("<table><tr><td>Pain</td><td>2/10</td></tr></table>") == "Pain 2/10"


@pytest.mark.parametrize(
    ("content_type", "expected_type"),
    [
        ("application/pdf", "application/pdf"),
        ("image/png", "image/png"),
        ("application/msword", "application/msword"),
    ],
)
async def test_unsupported_content_type_is_422_with_expression(h, content_type, expected_type):
    with pytest.raises(UnprocessableContent) as info:
        await extract_note(h.docref({"contentType": content_type, "data": h.b64(SECRET)}))
    assert info.value.status_code == 422
    assert info.value.expression == ["DocumentReference.content[0].attachment.contentType"]
    assert expected_type in info.value.detail
    _assert_no_secret(info.value)


async def test_second_rendition_is_used_when_first_is_a_pdf(h):
    note = await extract_note(
        h.docref(
            {"contentType": "application/pdf", "data": h.b64(b"%PDF-1.4")},
            {"contentType": "text/plain", "data": h.b64("Recovering well.")},
        )
    )
    assert note.text == "Recovering well."


async def test_invalid_base64_is_400(h):
    with pytest.raises(InvalidRequest) as info:
        await extract_note(h.docref({"contentType": "text/plain", "data": f"{SECRET}!!"}))
    assert info.value.status_code == 400
    assert info.value.expression == ["DocumentReference.content[0].attachment.data"]
    _assert_no_secret(info.value)


async def test_att1_data_without_content_type_is_400(h):
    with pytest.raises(InvalidRequest) as info:
        await extract_note(h.docref({"data": h.b64(SECRET)}))
    assert info.value.status_code == 400
    assert "att-1" in info.value.detail
    assert info.value.expression == ["DocumentReference.content[0].attachment.contentType"]


async def test_unknown_charset_is_422(h):
    with pytest.raises(UnprocessableContent) as info:
        await extract_note(
            h.docref({"contentType": "text/plain; charset=klingon-8", "data": h.b64("x")})
        )
    assert "klingon-8" in info.value.detail
    assert info.value.expression == ["DocumentReference.content[0].attachment.contentType"]


async def test_bytes_invalid_in_declared_charset_are_422(h):
    raw = "Muñoz".encode("latin-1") + SECRET.encode()
    with pytest.raises(UnprocessableContent) as info:
        await extract_note(
            h.docref({"contentType": "text/plain; charset=utf-8", "data": h.b64(raw)})
        )
    assert "utf-8" in info.value.detail
    _assert_no_secret(info.value)


async def test_malformed_content_type_is_400_and_not_echoed(h):
    with pytest.raises(InvalidRequest) as info:
        await extract_note(h.docref({"contentType": SECRET, "data": h.b64("x")}))
    assert info.value.status_code == 400
    _assert_no_secret(info.value)


async def test_whitespace_only_text_is_422(h):
    with pytest.raises(UnprocessableContent) as info:
        await extract_note(h.docref({"contentType": "text/plain", "data": h.b64("  \n\t ")}))
    assert "no text" in info.value.detail
    assert info.value.expression == ["DocumentReference.content[0].attachment"]


async def test_attachment_without_data_or_url_is_422(h):
    with pytest.raises(UnprocessableContent) as info:
        await extract_note(h.docref({"contentType": "text/plain", "title": "empty"}))
    assert info.value.expression == ["DocumentReference.content[0].attachment"]


async def test_missing_content_is_400(h):
    res = h.docref()
    with pytest.raises(InvalidRequest) as info:
        await extract_note(res)
    assert info.value.expression == ["DocumentReference.content"]


async def test_url_attachment_fetched_through_fetcher(h):
    fetcher = h.FakeFetcher({"Binary/b1": (b"Doing well today.", "text/plain; charset=utf-8")})
    note = await extract_note(h.docref({"url": "Binary/b1"}), fetcher=fetcher)
    assert note.text == "Doing well today."
    assert fetcher.calls == ["Binary/b1"]


async def test_url_attachment_declared_type_wins_and_server_charset_fills_in(h):
    raw = "Ánimo excelente.".encode("latin-1")
    fetcher = h.FakeFetcher({"https://x.test/n": (raw, "text/plain; charset=iso-8859-1")})
    note = await extract_note(
        h.docref({"contentType": "text/plain", "url": "https://x.test/n"}), fetcher=fetcher
    )
    assert note.text == "Ánimo excelente."


async def test_url_attachment_html_from_server(h):
    fetcher = h.FakeFetcher({"Binary/h": (b"<p>Stable.</p>", "text/html")})
    note = await extract_note(h.docref({"url": "Binary/h"}), fetcher=fetcher)
    assert note.text == "Stable."
    assert note.content_type == "text/html"


async def test_url_attachment_without_fetcher_is_422(h):
    with pytest.raises(UnprocessableContent) as info:
        await extract_note(h.docref({"contentType": "text/plain", "url": "Binary/b1"}))
    assert info.value.expression == ["DocumentReference.content[0].attachment.url"]


async def test_url_attachment_declared_pdf_is_not_fetched(h):
    fetcher = h.FakeFetcher({})
    with pytest.raises(UnprocessableContent):
        await extract_note(
            h.docref({"contentType": "application/pdf", "url": "Binary/b1"}), fetcher=fetcher
        )
    assert fetcher.calls == []


async def test_fetched_content_without_any_type_is_422(h):
    fetcher = h.FakeFetcher({"Binary/x": (b"text", None)})
    with pytest.raises(UnprocessableContent):
        await extract_note(h.docref({"url": "Binary/x"}), fetcher=fetcher)


async def test_expression_prefix_roots_the_path(h):
    with pytest.raises(UnprocessableContent) as info:
        await extract_note(
            h.docref({"contentType": "image/jpeg", "data": h.b64(b"\xff\xd8")}),
            expression_prefix="Bundle.entry[3].resource",
        )
    assert info.value.expression == ["Bundle.entry[3].resource.content[0].attachment.contentType"]


async def test_docref_context_encounter_and_date(h):
    res = h.docref({"contentType": "text/plain", "data": h.b64("ok")})
    res["context"] = {"encounter": [{"reference": "Encounter/e9"}]}
    res["date"] = "2026-11-20T09:30:00-05:00"
    note = await extract_note(res)
    assert (note.encounter, note.date) == ("Encounter/e9", "2026-11-20T09:30:00-05:00")


async def test_source_falls_back_and_can_be_overridden(h):
    res = h.docref({"contentType": "text/plain", "data": h.b64("ok")}, rid=None)
    note = await extract_note(res)
    assert note.source is None
    assert note.reference() == {
        "type": "DocumentReference",
        "display": "DocumentReference submitted without id",
    }
    note = await extract_note(res, source="urn:uuid:0f6c7f8e-1111-4a4a-8b8b-123456789abc")
    assert note.reference()["reference"] == "urn:uuid:0f6c7f8e-1111-4a4a-8b8b-123456789abc"


def _observation(**fields):
    return {
        "resourceType": "Observation",
        "id": "o1",
        "status": "final",
        "code": {"text": "Nursing note"},
        "subject": {"reference": "Patient/p1"},
        "encounter": {"reference": "Encounter/e1"},
        "effectiveDateTime": "2026-11-17T23:40:00-05:00",
        **fields,
    }


async def test_observation_joins_value_components_and_notes():
    obs = _observation(
        valueString="Restless overnight.",
        component=[{"code": {"text": "Mood"}, "valueString": "Anxious."}, {"code": {"text": "HR"}}],
        note=[{"text": "Paged the resident."}],
    )
    note = await extract_note(obs)
    assert note.text == "Restless overnight.\n\nAnxious.\n\nPaged the resident."
    assert note.source == "Observation/o1"
    assert (note.subject, note.encounter) == ("Patient/p1", "Encounter/e1")
    assert note.date == "2026-11-17T23:40:00-05:00"


async def test_observation_note_only():
    note = await extract_note(_observation(note=[{"text": "Comfortable."}]))
    assert note.text == "Comfortable."


async def test_observation_without_text_is_422():
    obs = _observation(valueQuantity={"value": 98.6})
    with pytest.raises(UnprocessableContent) as info:
        await extract_note(obs)
    assert info.value.status_code == 422
    assert "Observation.valueString" in info.value.expression


async def test_other_resource_type_is_unsupported():
    with pytest.raises(UnsupportedResource):
        await extract_note({"resourceType": "Patient", "id": "p1"})


def test_parse_content_type():
    assert parse_content_type('Text/HTML; Charset="UTF-8"') == ("text/html", {"charset": "UTF-8"})
    with pytest.raises(ValueError):
        parse_content_type("not a type")


async def test_collect_notes_skips_unscorable_and_void(h):
    good = h.docref({"contentType": "text/plain", "data": h.b64("Improving.")})
    pdf = h.docref({"contentType": "application/pdf", "data": h.b64(b"%PDF")}, rid="dr2")
    void = h.docref({"contentType": "text/plain", "data": h.b64("x")}, rid="dr3")
    void["status"] = "entered-in-error"
    numeric = _observation(valueQuantity={"value": 1})
    notes, skipped = await collect_notes([good, pdf, void, numeric, {"resourceType": "Patient"}])
    assert [n.source for n in notes] == ["DocumentReference/dr1"]
    assert [i for i, _ in skipped] == [1, 3]
    assert all(isinstance(e, UnprocessableContent) for _, e in skipped)
