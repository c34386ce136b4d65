"""A banked video (its vPDQ) matches a re-encoded copy through POST /v1/scan, with both vPDQ
shares in the answer; an unrelated video does not match."""

from __future__ import annotations

from tests.media import slideshow, stand_in
from tests.video_support import bank_video, scan_video


def test_banked_video_matches_its_copy(client, auth_header, settings) -> None:
    original = slideshow([stand_in("chelsea"), stand_in("rocket")], seconds_each=2.0, fps=10)
    bank_video(client, auth_header("scan", "banks"), original)

    copy = slideshow([stand_in("chelsea"), stand_in("rocket")], seconds_each=2.0, fps=8)
    assert copy != original
    answer = scan_video(client, auth_header("scan"), copy, "v1")
    assert answer["verdict"] == "block"
    match = answer["matches"][0]
    assert match["signal_type"] == "vpdq" and match["bank"] == "videos"
    assert match["query_match_percent"] >= settings.vpdq_query_match_percent

    unrelated = slideshow([stand_in("coffee"), stand_in("hubble_deep_field")], seconds_each=2.0)
    assert scan_video(client, auth_header("scan"), unrelated, "v2")["verdict"] == "allow"
