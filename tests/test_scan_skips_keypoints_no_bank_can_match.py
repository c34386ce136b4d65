"""Rule: POST /v1/scan computes the `pdq_crop` keypoints (a quarter of an image's hashing) only
while some bank holds `pdq_crop` entries; with hash lists alone it leaves them out and blocks and
allows as before. Once a crop entry is banked, scans compute them again and crops are blocked.
POST /v1/hash always returns them (banking needs them)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from takedown.api.app import create_app
from takedown.signals import keypoints
from tests.crop_support import bank_crop_values, crop, picture
from tests.media import altered_copy, jpeg, stand_in
from tests.region_support import scan_upload


def test_scan_skips_keypoints_no_bank_can_match(settings, auth_header, monkeypatch) -> None:
    computed: list[int] = []
    original = keypoints.keypoints_of

    def counted(pixels):  # type: ignore[no-untyped-def]
        computed.append(1)
        return original(pixels)

    monkeypatch.setattr(keypoints, "keypoints_of", counted)
    scan, banks = auth_header("scan"), auth_header("scan", "banks")
    with TestClient(create_app(settings)) as client:
        created = client.post(
            "/v1/banks",
            json={"name": "list", "category": "csam", "action": "block"},
            headers=banks,
        )
        assert created.status_code == 201, created.text
        hashed = client.post(
            "/v1/hash", files={"file": ("a.jpg", jpeg(stand_in("rocket")))}, headers=scan
        ).json()
        assert any(s["type"] == "pdq_crop" for s in hashed["signals"])  # /v1/hash computes them
        pdq = next(s["value"] for s in hashed["signals"] if s["type"] == "pdq")
        added = client.post(
            "/v1/banks/list/entries",
            json={"entries": [{"signal_type": "pdq", "value": pdq}]},
            headers=banks,
        )
        assert added.status_code == 200, added.text
        client.app.state.index.refresh()

        computed.clear()
        assert scan_upload(client, scan, altered_copy(stand_in("rocket")))["verdict"] == "block"
        assert scan_upload(client, scan, jpeg(stand_in("coffee")))["verdict"] == "allow"
        assert computed == []  # no bank holds pdq_crop: no keypoints

        bank_crop_values(client, scan, banks)  # a bank with pdq_crop entries
        client.app.state.index.refresh()
        computed.clear()
        upload = jpeg(crop(picture("chelsea"), 0.75, (0.9, 0.2), 0.8), 80)
        answer = scan_upload(client, scan, upload)
        assert answer["verdict"] == "block"
        assert {m["signal_type"] for m in answer["matches"]} == {"pdq_crop"}
        assert len(computed) == 1
