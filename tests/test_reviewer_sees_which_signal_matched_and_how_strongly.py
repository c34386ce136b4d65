"""Rule (issue 5): the match says which signal matched and how strongly, so a reviewer sees why.
On the console's case page each bank match names the bank, its category and action, what the
signal covers in words, the variant (trimmed, rotated), and the distance or, for a video, the
shares of frames matched; the hashes are listed once each, without the query-side variants."""

from __future__ import annotations

import json
import re

from PIL import Image

from tests.media import jpeg, slideshow, stand_in
from tests.region_support import bank_region_hashes
from tests.review_support import console, make_user, reported_case
from tests.video_support import bank_video


def _letterboxed(image: Image.Image) -> Image.Image:
    bar = image.height // 3
    canvas = Image.new("RGB", (image.width, image.height + 2 * bar), (0, 0, 0))
    canvas.paste(image, (0, bar))
    return canvas


def _report_with(client, data: bytes, filename: str) -> str:  # type: ignore[no-untyped-def]
    answer = client.post(
        "/v1/reports",
        data={"report": json.dumps({"category": "child_sexual_abuse"})},
        files={"file": (filename, data, "application/octet-stream")},
    )
    assert answer.status_code == 201, answer.text
    return reported_case(client, answer.json())


def _match_lines(html: str) -> list[str]:
    lines = re.findall(r'<li class="match">(.*?)</li>', html, flags=re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", line)).strip() for line in lines]


def test_reviewer_sees_which_signal_matched_and_how_strongly(client, app, settings, auth_header):
    scan, banks = auth_header("scan"), auth_header("scan", "banks")
    bank_region_hashes(client, scan, banks, jpeg(stand_in("chelsea")))
    case_id = _report_with(client, jpeg(_letterboxed(stand_in("chelsea")), 80), "boxed.jpg")
    make_user(settings, "rev", "child_safety_reviewer")
    page = console(app, "rev").get(f"/console/cases/{case_id}").text

    lines = _match_lines(page)
    assert lines, page
    assert all(line.startswith("known (csam, block):") for line in lines)
    trimmed = next(line for line in lines if "pdq_norm" in line)
    assert "the picture with borders and screenshot bars trimmed" in trimmed
    distance = int(re.search(r"distance (\d+)", trimmed).group(1))
    assert distance <= 31 and ("of 256 bits" in trimmed or "identical hash" in trimmed)
    # The banked whole-picture PDQ meets the upload's trimmed picture, and says so.
    assert any("the whole picture (PDQ) pdq, trimmed" in line for line in lines)
    # Hashes listed once each: one whole-picture PDQ, not its eight flips and turns.
    assert len(re.findall(r"<dt>pdq</dt>", page)) == 1
    assert "rotated" not in page.split("Hashes and matches")[1].split("Matches")[0]


def test_video_match_shows_the_shares_of_frames(client, app, settings, auth_header):
    original = slideshow([stand_in("chelsea"), stand_in("rocket")], seconds_each=2.0, fps=10)
    bank_video(client, auth_header("scan", "banks"), original, action="review")
    copy = slideshow([stand_in("chelsea"), stand_in("rocket")], seconds_each=2.0, fps=8)
    case_id = _report_with(client, copy, "copy.mp4")
    make_user(settings, "rev", "child_safety_reviewer")

    lines = _match_lines(console(app, "rev").get(f"/console/cases/{case_id}").text)
    (line,) = [line for line in lines if " vpdq" in line]
    assert line.startswith("videos (csam, review): video frames (vPDQ) vpdq")
    shares = re.search(r"([\d.]+) % of this video's frames and ([\d.]+) % of the banked", line)
    assert shares and float(shares.group(1)) >= 80 and float(shares.group(2)) >= 80
