"""A reviewer deciding on a video sees more than eight frames: revealing it (audited, as any
reveal) also gives a muted player of the original, which plays and seeks for that console
session for a few minutes. Never without a reveal, never for another session, never cached."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta

from takedown import clock
from tests.media import slideshow, stand_in
from tests.review_support import console, make_user, reported_case, staff_headers


def _video_case(client, settings):  # type: ignore[no-untyped-def]
    original = slideshow([stand_in("chelsea"), stand_in("coffee")], seconds_each=1.0)
    answer = client.post(
        "/v1/reports",
        data={"report": json.dumps({"category": "child_sexual_abuse"})},
        files={"file": ("clip.mp4", original, "video/mp4")},
    )
    assert answer.status_code == 201, answer.text
    case_id = reported_case(client, answer.json())
    make_user(settings, "lead", "admin")
    detail = client.get(f"/v1/cases/{case_id}", headers=staff_headers(client, settings, "lead"))
    return case_id, detail.json()["media"][0]["media_id"], original


def test_revealed_video_plays_muted_for_that_reveal_only(client, app, settings):
    case_id, media_id, original = _video_case(client, settings)
    make_user(settings, "carol", "child_safety_reviewer")
    carol = console(app, "carol")
    base = f"/console/cases/{case_id}/media/{media_id}"

    page = carol.get(f"/console/cases/{case_id}").text
    assert "<video" not in page  # before a reveal: the blurred strip only
    assert carol.get(f"{base}/video").status_code == 403  # no ticket, no video

    revealed = carol.post(f"{base}/reveal", headers={"HX-Request": "true"}).text
    assert re.search(r"<video [^>]*\bmuted\b", revealed)
    src = html.unescape(re.search(r'<source src="([^"]+)" type="video/mp4">', revealed).group(1))
    played = carol.get(src)
    assert played.status_code == 200 and played.content == original
    assert played.headers["content-type"] == "video/mp4"
    assert "no-store" in played.headers["cache-control"]
    seek = carol.get(src, headers={"Range": "bytes=100-199"})
    assert seek.status_code == 206 and seek.content == original[100:200]

    ticket = src.split("ticket=", 1)[1]
    assert carol.get(f"{base}/video?ticket={ticket[:-2]}xx").status_code == 403  # tampered
    make_user(settings, "dave", "child_safety_reviewer")
    assert console(app, "dave").get(src).status_code == 403  # another session
    other = carol.get(f"/console/cases/{case_id}/media/{media_id + 1}/video?ticket={ticket}")
    assert other.status_code in (403, 404)  # another media: not this ticket's

    clock.advance(timedelta(minutes=9))
    assert carol.get(src, headers={"Range": "bytes=0-9"}).status_code == 206
    clock.advance(timedelta(minutes=2))
    assert carol.get(src).status_code == 403  # reveal again to play again


def test_revealed_image_has_no_player(client, app, settings):
    from tests.review_support import benign_image, report

    case_id = report(client, image=benign_image("rocket"))["case_id"]
    make_user(settings, "lead", "admin")
    media = client.get(f"/v1/cases/{case_id}", headers=staff_headers(client, settings, "lead"))
    media_id = media.json()["media"][0]["media_id"]
    make_user(settings, "carol", "child_safety_reviewer")
    carol = console(app, "carol")
    revealed = carol.post(f"/console/cases/{case_id}/media/{media_id}/reveal").text
    assert "data:image/jpeg;base64," in revealed and "<video" not in revealed
    assert carol.get(f"/console/cases/{case_id}/media/{media_id}/video").status_code == 403
