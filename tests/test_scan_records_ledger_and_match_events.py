"""Every scan is recorded in the content ledger before the answer: the item, one row per
searchable signal (per-frame PDQs of videos included) and one match event per match."""

from __future__ import annotations

from sqlalchemy import select

from takedown.scan.models import ContentItem, ContentSignal, MatchEvent
from takedown.store.db import session_scope
from tests.media import altered_copy, jpeg, slideshow, stand_in


def _scan(client, headers, name: str, data: bytes, content_type: str, **form: str) -> dict:  # type: ignore[no-untyped-def]
    response = client.post(
        "/v1/scan", files={"file": (name, data, content_type)}, data=form, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_image_scan_is_in_the_ledger_with_its_match(client, auth_header, settings) -> None:
    banks, scan = auth_header("banks"), auth_header("scan")
    image = stand_in("chelsea")
    first = _scan(client, scan, "a.jpg", jpeg(image), "image/jpeg", content_id="orig")
    assert first["verdict"] == "allow"
    pdq = next(
        s["value"] for s in first["signals"] if s["type"] == "pdq" and s["variant"] == "original"
    )
    assert {s["type"] for s in first["signals"]} >= {"pdq", "md5", "sha256"}
    assert len([s for s in first["signals"] if s["type"] == "pdq"]) == 8  # every orientation

    client.post(
        "/v1/banks", json={"name": "k", "category": "csam", "action": "block"}, headers=banks
    )
    entry_id = client.post(
        "/v1/banks/k/entries",
        json={"entries": [{"signal_type": "pdq", "value": pdq}]},
        headers=banks,
    ).json()["entry_ids"][0]
    second = _scan(
        client,
        scan,
        "b.jpg",
        altered_copy(image),
        "image/jpeg",
        content_id="copy",
        account_id="acct-1",
        content_url="https://example.test/p/1",
    )
    assert second["verdict"] == "block"

    with session_scope(settings.resolved_database_url) as db:
        items = {i.content_id: i for i in db.scalars(select(ContentItem))}
        assert set(items) == {"orig", "copy"}
        copy = items["copy"]
        assert copy.scan_id == second["scan_id"]
        assert (copy.account_id, copy.content_url, copy.verdict, copy.media_type) == (
            "acct-1",
            "https://example.test/p/1",
            "block",
            "image",
        )
        assert copy.signals == second["signals"]
        rows = db.execute(
            select(ContentSignal.signal_type, ContentSignal.value).where(
                ContentSignal.content_item_id == items["orig"].id
            )
        ).all()
        # One row per signal the upload itself has: its own PDQ, not the 8 orientations.
        expected = {
            (sig["type"], sig["value"])
            for sig in first["signals"]
            if sig.get("variant", "original") == "original"
        }
        assert sorted(rows) == sorted(expected)
        assert {"md5", "sha256"} <= {kind for kind, _ in rows}
        assert [value for kind, value in rows if kind == "pdq"] == [pdq]
        events = db.scalars(select(MatchEvent)).all()
        assert [(e.content_item_id, e.entry_id, e.action) for e in events] == [
            (copy.id, entry_id, "block")
        ]
        assert events[0].distance == second["matches"][0]["distance"]


def test_video_scan_stores_every_frame_pdq(client, auth_header, settings) -> None:
    video = slideshow([stand_in("coffee"), stand_in("rocket")], seconds_each=2.0)
    answer = _scan(client, auth_header("scan"), "v.mp4", video, "video/mp4", content_id="vid")
    assert answer["media_type"] == "video"
    assert answer["verdict"] == "allow"
    with session_scope(settings.resolved_database_url) as db:
        item = db.scalar(select(ContentItem).where(ContentItem.content_id == "vid"))
        rows = db.execute(
            select(ContentSignal.signal_type, ContentSignal.value).where(
                ContentSignal.content_item_id == item.id
            )
        ).all()
    frames = [value for kind, value in rows if kind == "vpdq"]
    assert len(frames) >= 3  # about one frame a second of a 4-second video
    assert all(len(value) == 64 for value in frames)
    assert "video_md5" in {kind for kind, _ in rows}
