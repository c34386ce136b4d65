"""Rules: known material is found whatever medium carries it. A banked picture shown in an
uploaded video (a slideshow of known pictures, a common way to pass them on) is blocked, naming
the frame that matched; a still taken from a banked video is blocked, mirrored too. Unrelated
videos and pictures pass. A picture banked after a slideshow was uploaded finds it in the
search of earlier uploads (the lookback), which opens a case for it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from PIL import ImageOps

from takedown import clock
from takedown.api.app import create_app
from takedown.lookback.service import run_lookback
from tests.enforcement_support import (  # noqa: F401 (moving_clock: fixture)
    bank_pictures,
    moving_clock,
)
from tests.media import jpeg, slideshow, stand_in
from tests.review_support import make_user, staff_headers
from tests.video_support import bank_video, scan_video


def _scan_picture(client: TestClient, headers, data: bytes, content_id: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    answer = client.post(
        "/v1/scan",
        files={"file": ("p.jpg", data, "image/jpeg")},
        data={"content_id": content_id},
        headers=headers,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def _letterboxed(name: str):  # type: ignore[no-untyped-def]
    """A stand-in fitted into a 320 x 240 frame with black bars, as slideshow makers do."""
    return ImageOps.pad(stand_in(name).convert("RGB"), (320, 240))


def test_a_banked_picture_shown_in_an_uploaded_video_is_blocked(client, auth_header):  # type: ignore[no-untyped-def]
    bank_pictures(client, auth_header("scan", "banks"), "pictures", jpeg(stand_in("rocket")))
    shown = slideshow(
        [_letterboxed(n) for n in ("chelsea", "rocket", "coffee")], seconds_each=3.0, fps=10
    )
    answer = scan_video(client, auth_header("scan"), shown, "show-1")
    assert answer["verdict"] == "block"
    (match,) = answer["matches"]
    assert match["bank"] == "pictures" and match["signal_type"] == "pdq"
    assert match["variant"].startswith("video frame at ")
    assert match["distance"] <= 31

    unrelated = slideshow(
        [_letterboxed(n) for n in ("chelsea", "coffee", "hubble_deep_field")], seconds_each=3.0
    )
    assert scan_video(client, auth_header("scan"), unrelated, "show-2")["verdict"] == "allow"


def test_a_still_of_a_banked_video_is_blocked(client, auth_header):  # type: ignore[no-untyped-def]
    bank_video(
        client,
        auth_header("scan", "banks"),
        slideshow([stand_in("chelsea"), stand_in("rocket")], seconds_each=3.0, fps=10),
    )
    still = stand_in("rocket").resize((400, 300))
    for content_id, picture in (("still", still), ("mirrored", ImageOps.mirror(still))):
        answer = _scan_picture(client, auth_header("scan"), jpeg(picture, 75), content_id)
        assert answer["verdict"] == "block", content_id
        (match,) = answer["matches"]
        assert match["bank"] == "videos" and match["signal_type"] == "vpdq"
        assert match["variant"].startswith("a still of the banked video")
        assert match["distance"] <= 31

    unrelated = _scan_picture(client, auth_header("scan"), jpeg(stand_in("coffee")), "other")
    assert unrelated["verdict"] == "allow"


@pytest.mark.usefixtures("moving_clock")
def test_a_picture_banked_after_a_slideshow_was_uploaded_finds_it_in_the_lookback(  # type: ignore[no-untyped-def]
    settings, make_api_key
):
    key = make_api_key("scan", "banks")
    auth = {"Authorization": f"Bearer {key}"}
    app = create_app(settings)
    with TestClient(app) as client:
        shown = slideshow(
            [_letterboxed(n) for n in ("coffee", "rocket", "chelsea")], seconds_each=3.0
        )
        assert scan_video(client, auth, shown, "show-early")["verdict"] == "allow"
        clock.advance(timedelta(minutes=1))
        bank_pictures(client, auth, "industry", jpeg(stand_in("rocket")))
        clock.advance(timedelta(seconds=11))
        assert run_lookback(settings, app.state.index) == 1

        make_user(settings, "csr-1", "child_safety_reviewer")
        headers = staff_headers(client, settings, "csr-1")
        listed = client.get("/v1/cases?queue=all", headers=headers).json()["cases"]
        opened = [
            case
            for case in (
                client.get(f"/v1/cases/{c['case_id']}", headers=headers).json() for c in listed
            )
            if case["content_id"] == "show-early"
        ]
        assert len(opened) == 1
