"""Rule: a victim or parent holding a copy never has to send it again. A child sexual abuse or
intimate-imagery report may carry fingerprints (PDQ with its quality, SHA-256, MD5) of pictures
the reporter holds instead of an address or a file; nothing of the picture is stored. The
fingerprints go into a review bank of the category, never a blocking one: an upload matching
them, scanned before the report (lookback), after it (held for review), or public before it was
scanned (back-catalogue), joins the reporter's case. A PDQ too flat to tell pictures apart is
kept with the report but not looked for; other categories take no fingerprints."""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageOps

from takedown import clock
from takedown.api.app import create_app
from takedown.cases.blocked_uploads import open_cases_for_blocked_uploads
from takedown.lookback.service import run_lookback
from takedown.signals.pdq import pdq_hashes
from takedown.signals.service import hash_media
from tests.enforcement_support import moving_clock, scan  # noqa: F401 (moving_clock: fixture)
from tests.media import generated_scene, jpeg, video
from tests.reports_support import file_report, report_picture
from tests.review_support import case_of_report, console, make_user, staff_headers

OWN_COPY = generated_scene(9101)
UNRELATED = generated_scene(9202)


def fingerprints_of(picture: Image.Image, data: bytes) -> list[dict[str, Any]]:
    """What the report form's browser code sends for one picture: its PDQ as decoded, with the
    quality, and the SHA-256 of the file."""
    hashes, quality = pdq_hashes(picture)
    return [
        {"type": "pdq", "value": hashes[0], "quality": quality},
        {"type": "sha256", "value": hashlib.sha256(data).hexdigest()},
    ]


def by_fingerprint(
    client: TestClient, category: str, picture: Image.Image, data: bytes, **fields: Any
) -> dict[str, Any]:
    """A report by the fingerprints of a picture the reporter holds, with no address or file.
    Its answer names no case and no deadline; `case_id` is filled in as staff find it."""
    return by_fingerprints(client, category, fingerprints_of(picture, data), **fields)


def by_fingerprints(
    client: TestClient, category: str, fingerprints: list[dict[str, Any]], **fields: Any
) -> dict[str, Any]:
    """A report by these fingerprints alone. Its answer names no case and no deadline; `case_id`
    is filled in as staff find it from the report's reference."""
    ack = file_report(client, category, content_url=None, fingerprints=fingerprints, **fields)
    assert ack["case_id"] is None and ack["deadline"] is None, ack
    return ack | {"case_id": case_of_report(client, client.app.state.settings, ack["report_id"])}


def _case(client: TestClient, headers: dict[str, str], case_id: str) -> dict[str, Any]:
    answer = client.get(f"/v1/cases/{case_id}", headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _all_cases(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    return client.get("/v1/cases?queue=all", headers=headers).json()["cases"]


def _settle_and_follow(settings, app) -> None:  # type: ignore[no-untyped-def]
    """What every server's jobs do in the background: the lookback over uploads already
    scanned, the index following the bank change log, and the follower of match events on new
    uploads."""
    clock.advance(timedelta(seconds=11))
    app.state.index.refresh()
    run_lookback(settings, app.state.index)
    open_cases_for_blocked_uploads(settings, app.state.index)


@pytest.mark.usefixtures("moving_clock")
def test_fingerprint_report_needs_neither_the_picture_nor_its_address(settings, make_api_key):  # type: ignore[no-untyped-def]
    data = jpeg(OWN_COPY)
    app = create_app(settings)
    with TestClient(app) as client:
        ack = by_fingerprint(
            client, "child_sexual_abuse", OWN_COPY, data, reporter={"role": "parent_or_guardian"}
        )
        make_user(settings, "csr", "child_safety_reviewer")
        case = _case(client, staff_headers(client, settings, "csr"), ack["case_id"])
        assert case["media"] == []  # the picture never left the reporter's device
        (report,) = case["reports"]
        sent = [(f["signal_type"], f["value"]) for f in report["fingerprints"]]
        assert sent == [(f["type"], f["value"]) for f in fingerprints_of(OWN_COPY, data)]
        assert all(f["bank_entry_id"] for f in report["fingerprints"])

        track = client.get(f"/track/{ack['tracking_token']}").text
        assert "You sent the fingerprint of 1 picture or video, not the file itself." in track

        banks = client.get(
            "/v1/banks", headers={"Authorization": f"Bearer {make_api_key('banks')}"}
        ).json()
        (reported,) = [b for b in banks if b["name"] == "reported-fingerprints-csam"]
        assert (reported["action"], reported["source"], reported["category"]) == (
            "review",
            "reported",
            "csam",
        )


@pytest.mark.usefixtures("moving_clock")
def test_uploads_matching_a_fingerprint_join_the_reporters_case(settings, make_api_key):  # type: ignore[no-untyped-def]
    data = jpeg(OWN_COPY)
    key = make_api_key("scan")
    app = create_app(settings)
    with TestClient(app) as client:
        # Up before the report: a mirrored re-encode, and something unrelated.
        mirrored = jpeg(ImageOps.mirror(OWN_COPY), quality=75)
        assert scan(client, key, mirrored, "post-1", "acct-1")["verdict"] == "allow"
        assert scan(client, key, jpeg(UNRELATED), "post-2", "acct-2")["verdict"] == "allow"

        ack = by_fingerprint(client, "non_consensual_intimate_imagery", OWN_COPY, data)
        # Not yet a TAKE IT DOWN Act request: that needs where the image is published.
        track = client.get(f"/track/{ack['tracking_token']}").text
        assert 'id="legal-deadline"' not in track
        _settle_and_follow(settings, app)

        # After the report: never blocked on a reporter's word alone, held for review.
        later = scan(client, key, jpeg(OWN_COPY, quality=70), "post-3", "acct-3")
        assert later["verdict"] == "review"
        assert {m["bank"] for m in later["matches"]} == {"reported-fingerprints-ncii"}
        _settle_and_follow(settings, app)

        make_user(settings, "lead", "admin")
        staff = staff_headers(client, settings, "lead")
        (only,) = _all_cases(client, staff)  # post-2 opened nothing
        case = _case(client, staff, ack["case_id"])
        assert only["case_id"] == case["case_id"]
        by_channel = {r["channel"]: r for r in case["reports"]}
        assert set(by_channel) == {"api", "found_after_upload", "fingerprint_match"}
        assert by_channel["found_after_upload"]["content_id"] == "post-1"
        assert by_channel["fingerprint_match"]["content_id"] == "post-3"
        assert "fingerprint a reporter sent" in by_channel["fingerprint_match"]["explanation"]
        assert case["content_id"] == "post-1"  # what the reviewer now has to look at
        assert case["account_id"] == "acct-1"

        page = console(app, "lead").get(f"/console/cases/{ack['case_id']}").text
        assert "uploaded after a reporter sent its fingerprint, held for review" in page
        assert f"pdq {fingerprints_of(OWN_COPY, data)[0]['value']}" in page

        # Following again opens nothing twice.
        _settle_and_follow(settings, app)
        assert len(_case(client, staff, ack["case_id"])["reports"]) == 3


@pytest.mark.usefixtures("moving_clock")
def test_published_upload_matching_a_fingerprint_joins_the_case(settings, make_api_key):  # type: ignore[no-untyped-def]
    data = jpeg(OWN_COPY)
    key = make_api_key("scan")
    app = create_app(settings)
    with TestClient(app) as client:
        ack = by_fingerprint(client, "child_sexual_abuse", OWN_COPY, data)
        app.state.index.refresh()  # as every serving process does within the refresh interval
        answer = client.post(
            "/v1/scan",
            files={"file": ("old.jpg", jpeg(OWN_COPY, quality=80), "image/jpeg")},
            data={"content_id": "old-post", "account_id": "acct-9", "published": "true"},
            headers={"Authorization": f"Bearer {key}"},
        ).json()
        assert answer["verdict"] == "review"
        assert answer["case_id"] == ack["case_id"]


@pytest.mark.usefixtures("moving_clock")
def test_same_picture_reported_again_joins_the_fingerprint_case(settings):  # type: ignore[no-untyped-def]
    """By the same fingerprints, by a near one of a re-encoded copy, or by the file itself."""
    data = jpeg(OWN_COPY)
    app = create_app(settings)
    with TestClient(app) as client:
        first = by_fingerprint(client, "child_sexual_abuse", OWN_COPY, data)
        again = by_fingerprint(client, "child_sexual_abuse", OWN_COPY, data)
        recompressed = jpeg(OWN_COPY.resize((480, 360)), quality=60)
        decoded = Image.open(io.BytesIO(recompressed))
        near = by_fingerprint(client, "child_sexual_exploitation", decoded, recompressed)
        with_file = report_picture(client, content_url=None, file=data)
        other = by_fingerprint(client, "child_sexual_abuse", UNRELATED, jpeg(UNRELATED))
        assert {again["case_id"], near["case_id"], with_file["case_id"]} == {first["case_id"]}
        assert other["case_id"] != first["case_id"]


def test_fingerprints_are_refused_for_other_categories(client) -> None:  # type: ignore[no-untyped-def]
    data = jpeg(OWN_COPY)
    answer = client.post(
        "/v1/reports",
        json={
            "category": "terms_violation",
            "content_url": "https://platform.example/p/1",
            "explanation": "spam",
            "good_faith_statement": True,
            "reporter": {"name": "Sam", "email": "sam@example.org"},
            "fingerprints": fingerprints_of(OWN_COPY, data),
        },
    )
    assert answer.status_code == 422, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == ["fingerprints"]


def test_fingerprint_must_be_a_hash_of_its_type(client) -> None:  # type: ignore[no-untyped-def]
    for bad in (
        {"type": "pdq", "value": "ab" * 32},  # a PDQ without its quality
        {"type": "pdq", "value": "zz" * 32, "quality": 90},
        {"type": "sha256", "value": "ab" * 31},
        {"type": "photo", "value": "ab" * 32},
    ):
        answer = client.post(
            "/v1/reports",
            json={"category": "child_sexual_abuse", "fingerprints": [bad]},
        )
        assert answer.status_code == 422, (bad, answer.text)
        assert all(e["field"].startswith("fingerprints") for e in answer.json()["errors"])


@pytest.mark.usefixtures("moving_clock")
def test_low_quality_fingerprint_is_kept_but_not_looked_for(settings, make_api_key):  # type: ignore[no-untyped-def]
    flat = Image.new("RGB", (640, 480), (120, 120, 120))
    pdq, _ = fingerprints_of(flat, jpeg(flat))
    assert pdq["quality"] < settings.pdq_min_quality
    key = make_api_key("scan")
    app = create_app(settings)
    with TestClient(app) as client:
        ack = by_fingerprints(client, "child_sexual_abuse", [pdq])
        other_flat = Image.new("RGB", (640, 480), (122, 121, 119))
        assert scan(client, key, jpeg(other_flat), "grey-post", "acct-1")["verdict"] == "allow"
        _settle_and_follow(settings, app)
        make_user(settings, "csr", "child_safety_reviewer")
        case = _case(client, staff_headers(client, settings, "csr"), ack["case_id"])
        ((kept,),) = [r["fingerprints"] for r in case["reports"]]
        assert (kept["value"], kept["bank_entry_id"]) == (pdq["value"], None)
        assert len(case["reports"]) == 1
        page = console(app, "csr").get(f"/console/cases/{ack['case_id']}").text
        assert "not looked for: quality too low to tell pictures apart" in page


def test_form_keeps_fingerprints_while_another_answer_is_corrected(client) -> None:  # type: ignore[no-untyped-def]
    made = json.dumps(fingerprints_of(OWN_COPY, jpeg(OWN_COPY)))
    form = {"category": "non_consensual_intimate_imagery", "fingerprints": made}
    answer = client.post("/report", data=form)  # no signature, statement or email yet
    assert answer.status_code == 422
    assert "Fingerprints made: 1." in answer.text
    kept = re.search(r'id="fingerprints-value" value="([^"]*)"', answer.text)
    assert kept and html.unescape(kept.group(1)) == made  # sent again with the corrected form

    fixed = form | {
        "signature": "Jo Example",
        "good_faith_statement": "true",
        "reporter.email": "jo@example.org",
    }
    assert client.post("/report", data=fixed).status_code == 201


def test_form_says_when_fingerprints_cannot_be_read(client) -> None:  # type: ignore[no-untyped-def]
    for broken in ("not json", json.dumps([{"type": "pdq", "value": "00"}])):
        answer = client.post(
            "/report", data={"category": "child_sexual_abuse", "fingerprints": broken}
        )
        assert answer.status_code == 422
        assert "The fingerprints of your files could not be read." in answer.text


def _slideshow_frames(pictures: list[Image.Image]) -> list[Image.Image]:
    return [
        picture.resize((320, 240)).rotate(i * 0.3, resample=Image.Resampling.BILINEAR)
        for picture in pictures
        for i in range(20)
    ]


@pytest.mark.usefixtures("moving_clock")
def test_video_fingerprint_finds_uploads_of_the_video(settings, make_api_key):  # type: ignore[no-untyped-def]
    """A parent holding the video sends its vPDQ (made in the browser like the server makes it)."""
    frames = _slideshow_frames([OWN_COPY, generated_scene(9404), generated_scene(9505)])
    held = video(frames, fps=10)
    vpdq = next(
        s["value"] for s in hash_media(held, settings=settings).signals if s["type"] == "vpdq"
    )
    key = make_api_key("scan")
    app = create_app(settings)
    with TestClient(app) as client:
        up = client.post(
            "/v1/scan",
            files={"file": ("v.mp4", held, "video/mp4")},
            data={"content_id": "video-1", "account_id": "acct-1"},
            headers={"Authorization": f"Bearer {key}"},
        ).json()
        assert up["verdict"] == "allow"
        ack = by_fingerprints(
            client,
            "child_sexual_abuse",
            [
                {"type": "vpdq", "value": vpdq},
                {"type": "sha256", "value": hashlib.sha256(held).hexdigest()},
            ],
            subject_is_minor="yes",
        )
        _settle_and_follow(settings, app)
        reencoded = video(frames, fps=10, codec="libvpx-vp9", container_format="webm")
        later = client.post(
            "/v1/scan",
            files={"file": ("v.webm", reencoded, "video/webm")},
            data={"content_id": "video-2", "account_id": "acct-2"},
            headers={"Authorization": f"Bearer {key}"},
        ).json()
        assert later["verdict"] == "review"
        _settle_and_follow(settings, app)
        unrelated = video(_slideshow_frames([UNRELATED, generated_scene(9606)]), fps=10)
        assert scan(client, key, unrelated, "video-3", "acct-3", "u.mp4")["verdict"] == "allow"
        _settle_and_follow(settings, app)

        make_user(settings, "csr", "child_safety_reviewer")
        staff = staff_headers(client, settings, "csr")
        case = _case(client, staff, ack["case_id"])
        found = {r["content_id"]: r["channel"] for r in case["reports"] if r["content_id"]}
        assert found == {"video-1": "found_after_upload", "video-2": "fingerprint_match"}
        assert len(_all_cases(client, staff)) == 1
        page = console(app, "csr").get(f"/console/cases/{ack['case_id']}").text
        assert f"vpdq, {len(json.loads(vpdq))} frames" in page
        # Someone else reports the video by sending it: the same case.
        sent = report_picture(client, content_url=None, file=reencoded)
        assert sent["case_id"] == ack["case_id"]


@pytest.mark.usefixtures("moving_clock")
def test_reports_long_after_join_the_fingerprint_case_through_the_index(settings):  # type: ignore[no-untyped-def]
    """A watching case may wait for years, and thousands may watch: a later report finds its
    fingerprints through the match index, not by reading every open case's fingerprints."""
    data = jpeg(OWN_COPY)
    app = create_app(settings)
    with TestClient(app) as client:
        first = by_fingerprint(client, "non_consensual_intimate_imagery", OWN_COPY, data)
        by_fingerprint(client, "non_consensual_intimate_imagery", UNRELATED, jpeg(UNRELATED))
        clock.advance(timedelta(days=400))
        app.state.index.refresh()  # long since, on every server
        recompressed = jpeg(OWN_COPY.resize((480, 360)), quality=60)
        decoded = Image.open(io.BytesIO(recompressed))
        near = by_fingerprint(client, "non_consensual_intimate_imagery", decoded, recompressed)
        with_file = report_picture(client, content_url=None, file=recompressed)
        other = by_fingerprint(client, "child_sexual_abuse", generated_scene(9707), b"other")
    assert near["case_id"] == with_file["case_id"] == first["case_id"]
    assert other["case_id"] != first["case_id"]


@pytest.mark.usefixtures("moving_clock")
def test_a_file_matching_only_a_reporters_fingerprint_is_no_bank_match(settings):  # type: ignore[no-untyped-def]
    """A fingerprint is nobody's verified hash: a report whose file matches one joins the case
    but does not raise it as matching a bank of known material."""
    data = jpeg(OWN_COPY)
    app = create_app(settings)
    with TestClient(app) as client:
        first = by_fingerprint(client, "child_sexual_abuse", OWN_COPY, data)
        app.state.index.refresh()
        sent = report_picture(client, content_url=None, file=data)
        assert sent["case_id"] == first["case_id"]
        make_user(settings, "csr", "child_safety_reviewer")
        case = _case(client, staff_headers(client, settings, "csr"), first["case_id"])
    assert case["bank_match"] is False
    assert "the media matches a hash bank" not in case["priority_reasons"]
    (media,) = case["media"]
    assert {m["bank"] for m in media["matches"]} == {"reported-fingerprints-csam"}


@pytest.mark.usefixtures("moving_clock")
def test_a_match_after_the_fingerprint_case_closed_names_that_case(settings, make_api_key):  # type: ignore[no-untyped-def]
    """The reporter's case was decided; a later upload matching the same fingerprint is new
    content, so it opens a case of its own, and its explanation names the earlier case and how
    it closed, for the reviewer to see what was decided before."""
    data = jpeg(OWN_COPY)
    key = make_api_key("scan")
    app = create_app(settings)
    with TestClient(app) as client:
        ack = by_fingerprint(client, "non_consensual_intimate_imagery", OWN_COPY, data)
        _settle_and_follow(settings, app)
        assert scan(client, key, jpeg(OWN_COPY, quality=80), "post-1", "acct-1")["verdict"] == (
            "review"
        )
        _settle_and_follow(settings, app)
        make_user(settings, "rev", "reviewer")
        staff = staff_headers(client, settings, "rev")
        decided = client.post(
            f"/v1/cases/{ack['case_id']}/decisions",
            json={"outcome": "no_violation", "reason": "not the reporter's picture"},
            headers=staff,
        )
        assert decided.status_code == 201, decided.text

        assert scan(client, key, jpeg(OWN_COPY, quality=70), "post-2", "acct-2")["verdict"] == (
            "review"
        )
        _settle_and_follow(settings, app)
        (later,) = [c for c in _all_cases(client, staff) if c["case_id"] != ack["case_id"]]
        (report,) = _case(client, staff, later["case_id"])["reports"]
    assert report["channel"] == "fingerprint_match" and report["content_id"] == "post-2"
    assert (
        f"The fingerprint came with case {ack['case_id']}, closed: no action."
        in (report["explanation"])
    )
