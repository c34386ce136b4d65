"""Per-category rules with field-level 422 errors.

Child-safety reports may be anonymous and never need ID, explanation or contact (DSA Art 16(2)(c));
an NCII report is a valid TAKE IT DOWN Act request only with signature, location, good-faith
statement and contact; other categories need what DSA Art 16(2) lists."""

from __future__ import annotations

import pytest

from tests.reports_support import valid_body


def fields_of(answer) -> set[str]:  # type: ignore[no-untyped-def]
    assert answer.status_code == 422, answer.text
    return {e["field"] for e in answer.json()["errors"]}


@pytest.mark.parametrize("category", ["child_sexual_abuse", "child_sexual_exploitation"])
def test_child_safety_reports_may_be_anonymous(client, category):
    answer = client.post(
        "/v1/reports", json={"category": category, "content_url": "https://x.example/a"}
    )
    assert answer.status_code == 201, answer.text


def test_child_safety_report_still_needs_to_say_where_the_content_is(client):
    answer = client.post("/v1/reports", json={"category": "child_sexual_abuse"})
    assert fields_of(answer) == {"content_url"}


@pytest.mark.parametrize(
    ("missing", "field"),
    [
        ("signature", "signature"),
        ("good_faith_statement", "good_faith_statement"),
        ("reporter", "reporter.email"),
        ("content_url", "content_url"),
    ],
)
def test_ncii_request_needs_each_take_it_down_element(client, missing, field):
    body = valid_body("non_consensual_intimate_imagery")
    body.pop(missing)
    assert field in fields_of(client.post("/v1/reports", json=body))


def test_complete_ncii_request_is_accepted(client):
    answer = client.post("/v1/reports", json=valid_body("non_consensual_intimate_imagery"))
    assert answer.status_code == 201, answer.text


def test_ncii_location_cannot_be_only_a_file(client):
    body = valid_body("non_consensual_intimate_imagery")
    body.pop("content_url")
    import json

    from tests.media import generated_scene, jpeg

    answer = client.post(
        "/v1/reports",
        data={"report": json.dumps(body)},
        files={"file": ("a.jpg", jpeg(generated_scene(1)), "image/jpeg")},
    )
    assert fields_of(answer) == {"content_url"}


@pytest.mark.parametrize("category", ["other_illegal", "terms_violation"])
def test_other_categories_follow_dsa_article_16(client, category):
    answer = client.post("/v1/reports", json={"category": category})
    assert fields_of(answer) == {
        "explanation",
        "content_url",
        "reporter.name",
        "reporter.email",
        "good_faith_statement",
    }
    assert client.post("/v1/reports", json=valid_body(category)).status_code == 201


def test_invalid_values_name_their_field(client):
    body = valid_body(
        "terms_violation",
        reporter={"name": "x", "email": "not-an-email", "role": "king"},
        subject_is_minor="maybe",
    )
    assert fields_of(client.post("/v1/reports", json=body)) == {
        "reporter.email",
        "reporter.role",
        "subject_is_minor",
    }
