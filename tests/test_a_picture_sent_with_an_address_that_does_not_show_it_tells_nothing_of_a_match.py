"""Rule: a report from the public that sends a picture (the file or its fingerprints) with an
address where the platform did not scan that picture tells its reporter nothing that depends on
a match.

A report by fingerprint alone already tells nothing (its own test). Adding a made-up address, or
the address of any other post, must not undo that: otherwise anyone holding a photo of someone
could send it with an address and learn from the answer (a case reference older than the report)
and from the tracking page (the case's status, its decision) that a victim had reported it, or
that it is on the platform. A reporter who names the post that holds the picture is told
everything, as every reporter of an address is: they already know where it is.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from takedown.api.app import create_app
from tests.enforcement_support import bank_pictures, moving_clock  # noqa: F401
from tests.media import generated_scene, jpeg
from tests.reports_support import file_report
from tests.review_support import case_of_report, case_seen_by_staff, without_references
from tests.test_reporters_can_report_by_a_fingerprint_of_their_own_copy import (
    by_fingerprint,
    fingerprints_of,
)

VICTIMS_PICTURE = generated_scene(9811)
SOMETHING_ELSE = generated_scene(9822)
CAT_PICTURE = generated_scene(9833)
CSAM = "child_sexual_abuse"
NCII = "non_consensual_intimate_imagery"
VICTIM = {"role": "victim", "name": "Jo", "email": "jo@example.org"}


def _with_file(client: TestClient, picture: bytes, **fields: Any) -> dict[str, Any]:
    body = {"category": CSAM, "subject_is_minor": "yes", **fields}
    answer = client.post(
        "/v1/reports",
        data={"report": json.dumps(body)},
        files={"file": ("copy.jpg", picture, "application/octet-stream")},
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def _page(client: TestClient, ack: dict[str, Any]) -> str:
    answer = client.get(f"/track/{ack['tracking_token']}")
    assert answer.status_code == 200, answer.text
    return without_references(answer.text, ack)


@pytest.mark.usefixtures("moving_clock")
def test_a_file_sent_with_a_made_up_address_does_not_tell_of_the_victims_case(
    settings,
):  # type: ignore[no-untyped-def]
    app = create_app(settings)
    with TestClient(app) as client:
        victim = by_fingerprint(
            client, CSAM, VICTIMS_PICTURE, jpeg(VICTIMS_PICTURE), subject_is_minor="yes"
        )
        acks = {
            name: _with_file(client, jpeg(picture, quality=85), content_url=address)
            for name, picture, address in (
                ("holds the victim's picture", VICTIMS_PICTURE, "https://made-up.example/a"),
                ("holds something else", SOMETHING_ELSE, "https://made-up.example/b"),
            )
        }
        for ack in acks.values():
            assert ack["case_id"] is None and ack["deadline"] is None, ack
        # Staff see what the sender is not told: the picture joined the victim's case.
        joined = case_of_report(client, settings, acks["holds the victim's picture"]["report_id"])
        assert joined == victim["case_id"]
        assert (
            case_of_report(client, settings, acks["holds something else"]["report_id"])
            != (victim["case_id"])
        )
        pages = {name: _page(client, ack) for name, ack in acks.items()}
        assert pages["holds the victim's picture"] == pages["holds something else"]
        assert victim["case_id"] not in pages["holds the victim's picture"]
        assert 'id="status">received<' in pages["holds the victim's picture"]


@pytest.mark.usefixtures("moving_clock")
def test_fingerprints_sent_with_another_posts_address_do_not_tell_of_the_victims_case(
    settings, make_api_key
):  # type: ignore[no-untyped-def]
    key = make_api_key("scan")
    app = create_app(settings)
    with TestClient(app) as client:
        # A real post, of something else: its address proves nothing about the victim's picture.
        cat_address = "https://platform.example/p/cat"
        client.post(
            "/v1/scan",
            files={"file": ("cat.jpg", jpeg(CAT_PICTURE), "application/octet-stream")},
            data={"content_id": "post-cat", "content_url": cat_address},
            headers={"Authorization": f"Bearer {key}"},
        ).raise_for_status()
        victim = by_fingerprint(
            client,
            NCII,
            VICTIMS_PICTURE,
            jpeg(VICTIMS_PICTURE),
            reporter=VICTIM,
        )
        stranger = file_report(
            client,
            NCII,
            content_url=cat_address,
            fingerprints=fingerprints_of(VICTIMS_PICTURE, jpeg(VICTIMS_PICTURE, quality=80)),
            reporter={"role": "bystander", "name": "S", "email": "s@example.org"},
        )
        assert stranger["case_id"] is None and stranger["deadline"] is None, stranger
        assert case_of_report(client, settings, stranger["report_id"]) == victim["case_id"]
        assert victim["case_id"] not in _page(client, stranger)


@pytest.mark.usefixtures("moving_clock")
def test_a_reporter_who_names_the_post_holding_the_picture_follows_its_case(settings, make_api_key):  # type: ignore[no-untyped-def]
    key = make_api_key("scan")
    app = create_app(settings)
    with TestClient(app) as client:
        address = "https://platform.example/p/42"
        client.post(
            "/v1/scan",
            files={"file": ("p.jpg", jpeg(VICTIMS_PICTURE), "application/octet-stream")},
            data={"content_id": "post-42", "account_id": "acct-9", "content_url": address},
            headers={"Authorization": f"Bearer {key}"},
        ).raise_for_status()
        # The victim's own copy, re-encoded: near, not identical, to what the platform holds.
        by_file = _with_file(client, jpeg(VICTIMS_PICTURE, quality=70), content_url=address)
        assert by_file["case_id"] and by_file["deadline"], by_file
        by_prints = file_report(
            client,
            NCII,
            content_url=address + "/",
            fingerprints=fingerprints_of(VICTIMS_PICTURE, jpeg(VICTIMS_PICTURE, quality=80)),
            reporter=VICTIM,
        )
        assert by_prints["case_id"] == by_file["case_id"]
        page = client.get(f"/track/{by_prints['tracking_token']}").text
        assert by_file["case_id"] in page


def test_the_web_form_with_a_picture_and_a_made_up_address_names_no_case(client):  # type: ignore[no-untyped-def]
    page = client.post(
        "/report",
        data={
            "category": CSAM,
            "content_url": "https://made-up.example/c",
            "subject_is_minor": "yes",
        },
        files={"file": ("photo.jpg", jpeg(SOMETHING_ELSE), "image/jpeg")},
    )
    assert page.status_code == 201, page.text
    assert 'id="case-reference"' not in page.text and "case_" not in page.text
    assert 'id="sealed"' in page.text


@pytest.mark.usefixtures("moving_clock")
def test_the_address_a_hidden_report_gave_finds_nothing_its_picture_matched(settings, make_api_key):  # type: ignore[no-untyped-def]
    """A second report naming only the made-up address (no picture, so it follows its case) must
    not find the case the first one's picture joined, nor the priority a bank match gave it."""
    banked_picture = generated_scene(9844)
    app = create_app(settings)
    with TestClient(app) as client:
        banks = {"Authorization": f"Bearer {make_api_key('banks', 'scan')}"}
        bank_pictures(client, banks, "known", jpeg(banked_picture))
        client.app.state.index.refresh()
        victim = by_fingerprint(
            client, CSAM, VICTIMS_PICTURE, jpeg(VICTIMS_PICTURE), subject_is_minor="yes"
        )
        answers = {}
        for name, picture in (
            ("the victim's picture", VICTIMS_PICTURE),
            ("a banked picture", banked_picture),
            ("a picture nowhere", SOMETHING_ELSE),
        ):
            address = f"https://made-up.example/{name.replace(' ', '-')}"
            hidden = _with_file(client, jpeg(picture, quality=85), content_url=address)
            assert hidden["case_id"] is None
            answers[name] = file_report(client, CSAM, content_url=address, subject_is_minor="yes")
        for answer in answers.values():
            assert answer["case_id"] and answer["case_id"] != victim["case_id"]
            # Its own new case: made at the moment of the report, with the ordinary deadline.
            assert case_seen_by_staff(client, settings, answer["case_id"])["report_count"] == 1
        deadlines = {
            datetime.fromisoformat(a["deadline"]) - datetime.fromisoformat(a["received_at"])
            for a in answers.values()
        }
        assert len(deadlines) == 1, deadlines
