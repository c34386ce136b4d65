"""A low-quality PDQ (quality < 50) is kept but matched exactly only, and the answer says so."""

from __future__ import annotations

from PIL import Image

from tests.media import png


def _flip_one_bit(value: str) -> str:
    return f"{int(value, 16) ^ 1:064x}"


def _scan(client, headers, data: bytes, content_id: str) -> dict:  # type: ignore[no-untyped-def]
    response = client.post(
        "/v1/scan",
        files={"file": ("f.png", data, "image/png")},
        data={"content_id": content_id},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_low_quality_pdq_is_matched_exactly_only(client, auth_header) -> None:
    flat = png(Image.new("RGB", (300, 200), (120, 130, 140)))
    scan, banks = auth_header("scan"), auth_header("banks")
    answer = _scan(client, scan, flat, "flat-1")
    pdq = next(s for s in answer["signals"] if s["type"] == "pdq" and s["variant"] == "original")
    assert pdq["quality"] < 50 and pdq["low_quality"] is True
    assert any("matched exactly only" in note for note in answer["notes"])

    client.post(
        "/v1/banks", json={"name": "near", "category": "other", "action": "block"}, headers=banks
    )
    client.post(
        "/v1/banks/near/entries",
        json={"entries": [{"signal_type": "pdq", "value": _flip_one_bit(pdq["value"])}]},
        headers=banks,
    )
    assert _scan(client, scan, flat, "flat-2")["verdict"] == "allow"  # 1 bit away: not matched

    client.post(
        "/v1/banks", json={"name": "same", "category": "other", "action": "review"}, headers=banks
    )
    client.post(
        "/v1/banks/same/entries",
        json={"entries": [{"signal_type": "pdq", "value": pdq["value"]}]},
        headers=banks,
    )
    answer = _scan(client, scan, flat, "flat-3")
    assert answer["verdict"] == "review"
    assert {m["bank"] for m in answer["matches"]} == {"same"}
