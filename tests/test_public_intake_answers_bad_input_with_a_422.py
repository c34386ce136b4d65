"""Whatever the public sends to the report form or the report API, a mistake is a 422 that names
the field (the same shape as every validation error), never a 500; and what would watch nothing,
or locate nothing, is not taken as a report."""

from __future__ import annotations

import json

import pytest

from tests.reports_support import valid_body

UNREADABLE_ADDRESSES = [
    "https://example.com:99999/p",  # a port out of range
    "https://example.com:http/p",  # a port that is not a number
    "http://[::1/p",  # an unclosed IPv6 bracket
    "http://[bad/",
    "http://",  # no host
    "https://platform.example/p 1",  # typed around
    "https://platform.example/<script>alert(1)</script>",
]


@pytest.mark.parametrize("address", UNREADABLE_ADDRESSES)
def test_an_address_that_cannot_be_read_is_a_422_on_content_url_not_a_500(client, address):
    answer = client.post("/v1/reports", json=valid_body("child_sexual_abuse", content_url=address))
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "invalid_input"
    assert [e["field"] for e in answer.json()["errors"]] == ["content_url"]

    form = client.post("/report", data={"category": "child_sexual_abuse", "content_url": address})
    assert form.status_code == 422
    assert 'id="content_url-error"' in form.text
    assert "not a complete web address" in form.text


@pytest.mark.parametrize("address", UNREADABLE_ADDRESSES[:5])
def test_an_extra_address_that_cannot_be_read_names_its_line(client, address):
    form = client.post(
        "/report",
        data={
            "category": "child_sexual_abuse",
            "content_url": "https://platform.example/p/1",
            "more_urls": f"https://platform.example/p/2\n{address}",
        },
    )
    assert form.status_code == 422
    assert 'id="more_urls-error"' in form.text
    assert "Line 2 is not a complete web address" in form.text


def test_a_field_given_whole_and_in_parts_is_a_422_not_a_500(client):
    for data in (
        {"reporter": "x", "reporter.email": "a@b.com"},
        {"reporter.email": "a@b.com", "reporter": "x"},
    ):
        body = {"category": "child_sexual_abuse", "content_url": "https://p.example/1", **data}
        api = client.post("/v1/reports", data=body)
        assert api.status_code == 422, api.text
        assert api.json()["errors"][0]["field"] == "reporter"
        assert client.post("/report", data=body).status_code == 422


@pytest.mark.parametrize("report", ["[1]", "null", '"text"', "3"])
def test_a_report_field_that_is_not_a_json_object_is_invalid_json_on_the_form_too(client, report):
    api = client.post("/v1/reports", data={"report": report})
    assert api.status_code == 422 and api.json()["code"] == "invalid_json"
    form = client.post("/report", data={"report": report}, files={"x": ("", b"")})
    assert form.status_code == 422
    assert "Your report could not be sent" in form.text


def test_json_nested_too_deeply_is_invalid_json_not_a_500(client):
    deep = "[" * 50_000
    api = client.post(
        "/v1/reports", content=deep.encode(), headers={"Content-Type": "application/json"}
    )
    assert api.status_code == 422 and api.json()["code"] == "invalid_json"
    assert client.post("/v1/reports", data={"report": deep}).json()["code"] == "invalid_json"
    form = client.post("/report", data={"report": deep})
    assert form.status_code == 422
    fingerprints = client.post(
        "/report",
        data={
            "category": "child_sexual_abuse",
            "content_url": "https://p.example/1",
            "fingerprints": deep,
        },
    )
    assert fingerprints.status_code == 422 and 'id="fingerprints-error"' in fingerprints.text


def test_a_video_fingerprint_without_frames_is_refused_it_would_watch_nothing(client):
    body = valid_body(
        "child_sexual_abuse", content_url=None, fingerprints=[{"type": "vpdq", "value": "[]"}]
    )
    answer = client.post("/v1/reports", json=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == "fingerprints.0.value"


def test_an_idempotency_key_longer_than_255_characters_is_refused(client):
    body = valid_body("child_sexual_abuse")
    too_long = client.post("/v1/reports", json=body, headers={"Idempotency-Key": "k" * 100_000})
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["field"] == "Idempotency-Key"
    longest = client.post("/v1/reports", json=body, headers={"Idempotency-Key": "k" * 255})
    assert longest.status_code == 201

    form = client.post(
        "/report",
        data={
            "category": "child_sexual_abuse",
            "content_url": "https://p.example/2",
            "idempotency_key": "k" * 256,
        },
    )
    assert form.status_code == 422


def test_every_json_report_field_of_the_wrong_type_is_a_422(client):
    for field, value in [("content_url", 5), ("reporter", []), ("fingerprints", {"a": 1})]:
        body = valid_body("child_sexual_abuse", **{field: value})
        answer = client.post("/v1/reports", content=json.dumps(body).encode())
        assert answer.status_code == 422, (field, answer.text)
