"""Shared steps of the match-quality tests: bank a benign image's region hashes from
POST /v1/hash, and scan an upload through POST /v1/scan."""

from __future__ import annotations

REGION_TYPES = ("pdq", "pdq_norm", "pdq_center", "pdq_band")


def bank_region_hashes(client, headers_scan, headers_banks, data: bytes) -> None:  # type: ignore[no-untyped-def]
    signals = client.post("/v1/hash", files={"file": ("a.jpg", data)}, headers=headers_scan)
    assert signals.status_code == 200, signals.text
    entries = [
        {"signal_type": s["type"], "value": s["value"]}
        for s in signals.json()["signals"]
        if s["type"] in REGION_TYPES and s.get("variant") in (None, "original")
    ]
    assert {e["signal_type"] for e in entries} == set(REGION_TYPES)
    assert len(entries) == len(REGION_TYPES) + 1  # pdq_band: the top and the bottom band
    created = client.post(
        "/v1/banks",
        json={"name": "known", "category": "csam", "action": "block"},
        headers=headers_banks,
    )
    assert created.status_code == 201, created.text
    added = client.post("/v1/banks/known/entries", json={"entries": entries}, headers=headers_banks)
    assert added.status_code == 200, added.text


def scan_upload(client, headers, data: bytes) -> dict:  # type: ignore[no-untyped-def]
    answer = client.post(
        "/v1/scan",
        files={"file": ("upload.jpg", data, "image/jpeg")},
        data={"content_id": f"post-{len(data)}"},
        headers=headers,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()
