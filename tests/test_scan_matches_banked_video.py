"""A banked video (its vPDQ) matches a re-encoded copy through POST /v1/scan, with both vPDQ
shares in the answer; an unrelated video does not match."""

from __future__ import annotations

from takedown.signals.service import hash_media
from tests.media import slideshow, stand_in


def _scan(client, headers, data: bytes, content_id: str) -> dict:  # type: ignore[no-untyped-def]
    response = client.post(
        "/v1/scan",
        files={"file": ("v.mp4", data, "video/mp4")},
        data={"content_id": content_id},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_banked_video_matches_its_copy(client, auth_header, settings) -> None:
    original = slideshow([stand_in("chelsea"), stand_in("rocket")], seconds_each=2.0, fps=10)
    vpdq = next(
        s["value"] for s in hash_media(original, settings=settings).signals if s["type"] == "vpdq"
    )
    banks = auth_header("banks")
    client.post(
        "/v1/banks", json={"name": "videos", "category": "csam", "action": "block"}, headers=banks
    )
    added = client.post(
        "/v1/banks/videos/entries",
        json={"entries": [{"signal_type": "vpdq", "value": vpdq}]},
        headers=banks,
    )
    assert added.status_code == 200, added.text

    copy = slideshow([stand_in("chelsea"), stand_in("rocket")], seconds_each=2.0, fps=8)
    assert copy != original
    answer = _scan(client, auth_header("scan"), copy, "v1")
    assert answer["verdict"] == "block"
    match = answer["matches"][0]
    assert match["signal_type"] == "vpdq" and match["bank"] == "videos"
    assert match["query_match_percent"] >= settings.vpdq_query_match_percent

    unrelated = slideshow([stand_in("coffee"), stand_in("hubble_deep_field")], seconds_each=2.0)
    assert _scan(client, auth_header("scan"), unrelated, "v2")["verdict"] == "allow"
