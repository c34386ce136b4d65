"""Rule: a video a reviewer reveals plays in their browser whatever it was recorded in. Phones
record HEVC in QuickTime, which Chromium and Firefox do not play: the reveal's player got the
original and showed nothing. Such a video now plays as a copy in H.264 (made once, when first
played; the original is served as it is when a browser plays it), turned the way the file says
to show it, and the copy is deleted with the working copy when the case closes.

Through the console in-process, and in real headless Chromium against a real `takedown serve`."""

from __future__ import annotations

import html
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import av
import httpx
import pytest
from PIL import Image

from takedown.evidence.media import delete_closed_case_media
from takedown.store.db import session_scope
from tests.enforcement_support import decide_violating, report_with_media
from tests.media import video
from tests.review_support import (
    BROWSER_TEST_MARKS,
    console,
    console_server,
    console_server_case,
    launch_chromium,
    make_user,
    sign_in_in_browser,
    staff_headers,
)

PASSWORD = "a reviewer's password"
RED, BLUE = (220, 30, 30), (30, 30, 220)


def phone_video() -> bytes:
    """HEVC in QuickTime, 320x240 as stored, shown turned a quarter counterclockwise: its left
    half red and right half blue, so shown upright it is 240x320 with blue on top."""
    frames = []
    for n in range(20):
        frame = Image.new("RGB", (320, 240), RED)
        frame.paste(Image.new("RGB", (160, 240), BLUE), (160, 0))
        frame.paste(Image.new("RGB", (8, 8), (n * 10, n * 10, n * 10)), (0, 0))  # frames differ
        frames.append(frame)
    return video(frames, fps=10, codec="libx265", container_format="mov", rotation=90)


def first_frame(data: bytes) -> tuple[str, Image.Image, int]:
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        picture = next(container.decode(stream)).to_image()
        return stream.codec_context.name, picture, len(container.streams.audio)


def revealed(client, app, settings, original: bytes, filename: str):  # type: ignore[no-untyped-def]
    """File a report with the video, reveal it in the console as a reviewer, and play it: the
    case, the player's address and what it got."""
    filed = report_with_media(
        client,
        original,
        content_id=f"post-{filename}",
        account_id="acct-1",
        category="non_consensual_intimate_imagery",
        filename=filename,
    )
    case_id = filed["case_id"]
    make_user(settings, f"lead-{filename}", "admin")
    headers = staff_headers(client, settings, f"lead-{filename}")
    media_id = client.get(f"/v1/cases/{case_id}", headers=headers).json()["media"][0]["media_id"]
    make_user(settings, f"carol-{filename}", "reviewer")
    carol = console(app, f"carol-{filename}")
    reveal = carol.post(
        f"/console/cases/{case_id}/media/{media_id}/reveal", headers={"HX-Request": "true"}
    ).text
    found = re.search(r'<source src="([^"]+)" type="(video/[a-z0-9]+)">', reveal)
    assert found, reveal
    address = html.unescape(found.group(1))
    played = carol.get(address)
    assert played.status_code == 200 and played.headers["content-type"] == found.group(2)
    return case_id, carol, address, played


def test_a_revealed_video_plays_in_every_browser(client, app, settings):  # type: ignore[no-untyped-def]
    original = phone_video()
    assert first_frame(original)[0] == "hevc"
    case_id, carol, address, played = revealed(client, app, settings, original, "IMG_0001.MOV")
    assert played.headers["content-type"] == "video/mp4"
    codec, picture, audio_streams = first_frame(played.content)
    assert codec == "h264" and audio_streams == 0
    assert picture.size == (240, 320)  # upright, as the file says to show it
    top, bottom = picture.getpixel((120, 40)), picture.getpixel((120, 280))
    assert top[2] > 150 > top[0] and bottom[0] > 150 > bottom[2]  # blue above, red below

    copies = list(settings.media_dir.rglob("*.browser.mp4"))
    assert len(copies) == 1
    made_at = copies[0].stat().st_mtime_ns
    again = carol.get(address, headers={"Range": "bytes=0-99"})
    assert again.status_code == 206 and again.content == played.content[:100]
    assert copies[0].stat().st_mtime_ns == made_at  # made once

    decide_violating(client, settings, case_id, username="rev-1", policy="ncii")
    with session_scope(settings.resolved_database_url) as db_session:
        assert delete_closed_case_media(db_session=db_session, settings=settings) == 2
    assert not copies[0].exists()
    assert not [p for p in settings.media_dir.rglob("*") if p.is_file()]


@pytest.mark.parametrize(
    ("codec", "container_format", "pix_fmt", "as_it_is"),
    [
        ("libx264", "mp4", "yuv420p", True),
        ("libvpx-vp9", "webm", "yuv420p", True),
        ("libx264", "mp4", "yuv444p", False),  # Chromium and Firefox decode no 4:4:4 H.264
        ("libx264", "mp4", "yuv420p10le", False),  # nor 10-bit H.264
    ],
)
def test_a_video_goes_out_as_it_is_only_when_every_browser_decodes_it(  # type: ignore[no-untyped-def]
    client, app, settings, codec, container_format, pix_fmt, as_it_is
):
    frames = [Image.new("RGB", (320, 240), (n * 10, 90, 160)) for n in range(20)]
    original = video(frames, codec=codec, container_format=container_format, pix_fmt=pix_fmt)
    filename = f"clip-{codec}-{pix_fmt}.{container_format}"
    _, _, _, played = revealed(client, app, settings, original, filename)
    assert (played.content == original) is as_it_is
    with av.open(io.BytesIO(played.content)) as container:
        context = container.streams.video[0].codec_context
        assert context.pix_fmt == "yuv420p", context.pix_fmt
    assert bool(list(settings.media_dir.rglob("*.browser.mp4"))) is not as_it_is


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    with console_server(tmp_path, {"reviewer": PASSWORD}) as base:
        yield base


@BROWSER_TEST_MARKS[0]
@BROWSER_TEST_MARKS[1]
def test_a_revealed_phone_video_plays_in_chromium(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    filed = httpx.post(
        f"{server}/v1/reports",
        data={"report": json.dumps({"category": "child_sexual_abuse"})},
        files={"file": ("IMG_0002.MOV", phone_video(), "video/quicktime")},
        timeout=60,
    )
    assert filed.status_code == 201, filed.text
    case_id = console_server_case(server, tmp_path, filed.json(), "reviewer")
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            context, page = sign_in_in_browser(browser, server, "reviewer", PASSWORD)
            page.goto(f"{server}/console/cases/{case_id}")
            page.click("figure.blurred .reveal-button")
            player = page.locator("figure.revealed video")
            player.wait_for()
            # Reported half a second after it starts, or when it cannot: never a hang.
            playing = player.evaluate(
                "v => new Promise(done => {"
                " const report = () => done({time: v.currentTime, width: v.videoWidth,"
                " height: v.videoHeight, error: v.error && v.error.code});"
                " v.play().then(() => setTimeout(report, 500), report);"
                " setTimeout(report, 10000); })"
            )
            assert playing["error"] is None, playing
            assert (playing["width"], playing["height"]) == (240, 320)
            assert playing["time"] > 0
            context.close()
        finally:
            browser.close()
