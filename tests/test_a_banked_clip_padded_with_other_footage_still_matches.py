"""Rule: a banked video inside a longer upload is a match. Under the vPDQ share rule alone
(80 % of the upload's frames, python-threatexchange's default) a banked clip padded with other
footage passes: 12 s of banked material in a 72 s upload is 17 % of its frames. At least
TAKEDOWN_VPDQ_CONTAINED_MIN_FRAMES (10) distinct frames of the upload matching one banked video
are a match whatever their share, at scan and in the search for every copy; an upload sharing
fewer frames with it (a few seconds) still passes."""

from __future__ import annotations

from fastapi.testclient import TestClient
from PIL import Image

from takedown.api.app import create_app
from tests.enforcement_support import case_enforcement, decide_violating, report_with_media, scan
from tests.media import generated_scene, video
from tests.review_support import make_user
from tests.video_support import bank_video, scan_video

FPS = 2


def _scenes(first_seed: int, seconds: int) -> list[Image.Image]:
    """One generated scene a second, `FPS` frames each."""
    scenes = [generated_scene(first_seed + second).resize((320, 240)) for second in range(seconds)]
    return [scene for scene in scenes for _ in range(FPS)]


def test_a_banked_clip_padded_with_other_footage_still_matches(client, auth_header):  # type: ignore[no-untyped-def]
    clip = _scenes(7000, 12)
    bank_video(client, auth_header("scan", "banks"), video(clip, fps=FPS))

    padded = video(_scenes(8000, 30) + clip + _scenes(8100, 30), fps=FPS)
    answer = scan_video(client, auth_header("scan"), padded, "padded")
    assert answer["verdict"] == "block"
    (match,) = answer["matches"]
    assert match["signal_type"] == "vpdq" and match["bank"] == "videos"
    assert match["query_match_percent"] < 80  # the share rule alone would have passed it

    glimpse = video(_scenes(8200, 30) + clip[: 4 * FPS] + _scenes(8300, 30), fps=FPS)
    assert scan_video(client, auth_header("scan"), glimpse, "glimpse")["verdict"] == "allow"


def test_a_padded_copy_in_the_ledger_comes_down_with_the_confirmed_video(settings, make_api_key):  # type: ignore[no-untyped-def]
    key = make_api_key("scan")
    clip = video(_scenes(7200, 12), fps=FPS)
    padded = video(_scenes(8400, 30) + _scenes(7200, 12) + _scenes(8500, 30), fps=FPS)
    with TestClient(create_app(settings)) as client:
        scan(client, key, padded, "vid-padded", "acct-b", filename="p.mp4")
        filed = report_with_media(
            client,
            clip,
            content_id="vid-reported",
            account_id="acct-a",
            category="non_consensual_intimate_imagery",
            filename="v.mp4",
        )
        decide_violating(client, settings, filed["case_id"], policy="ncii")
        make_user(settings, "viewer", "child_safety_reviewer")
        enforcement = case_enforcement(client, settings, filed["case_id"])
        assert {item["content_id"] for item in enforcement["items"]} == {
            "vid-reported",
            "vid-padded",
        }
