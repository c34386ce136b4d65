"""Rule: PDQ hashes below settings.pdq_min_quality are kept but flagged "low_quality"
(matched exactly only); ordinary photos are not flagged."""

from __future__ import annotations

from PIL import Image

from tests.media import png, stand_in


def _pdq(client, headers, data: bytes) -> list[dict]:
    response = client.post("/v1/hash", files={"file": ("x.png", data)}, headers=headers)
    assert response.status_code == 200, response.text
    return [s for s in response.json()["signals"] if s["type"] == "pdq"]


def test_flat_image_is_flagged_low_quality(client, auth_header, settings) -> None:
    headers = auth_header("scan")
    flat = _pdq(client, headers, png(Image.new("RGB", (400, 300), (128, 128, 128))))
    assert len(flat) == 8
    assert all(s["quality"] < settings.pdq_min_quality and s["low_quality"] for s in flat)

    photo = _pdq(client, headers, png(stand_in("chelsea")))
    assert all(s["quality"] >= settings.pdq_min_quality and not s["low_quality"] for s in photo)
