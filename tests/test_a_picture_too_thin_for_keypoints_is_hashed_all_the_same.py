"""Rule: a picture too thin for keypoints (a banner, a strip: 8000 x 20 px) gets every other
signal; only `pdq_crop` is left out. A scan of it matches banks by its PDQ, a report of it keeps
its hashes, and `takedown hash` prints its line (and never a traceback, for any file)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from takedown.settings import Settings
from takedown.signals import service
from tests.crop_support import bank_crop_values
from tests.media import generated_scene, png, stand_in
from tests.review_support import case_of_report, case_seen_by_staff, report

THIN = [(8000, 20), (20, 8000)]


def _thin(size: tuple[int, int]) -> bytes:
    return png(generated_scene(7, size))


@pytest.mark.parametrize("size", THIN)
def test_a_thin_picture_is_scanned_and_matched_by_its_pdq(
    client: TestClient, auth_header: Any, size: tuple[int, int]
) -> None:
    scan, banks = auth_header("scan"), auth_header("scan", "banks")
    bank_crop_values(client, scan, banks)  # a bank holds pdq_crop: scans compute keypoints
    hashed = client.post("/v1/hash", files={"file": ("strip.png", _thin(size))}, headers=scan)
    assert hashed.status_code == 200, hashed.text
    types = {s["type"] for s in hashed.json()["signals"]}
    assert {"pdq", "pdq_norm", "md5", "sha256"} <= types
    assert "pdq_crop" not in types
    pdq = next(s["value"] for s in hashed.json()["signals"] if s["type"] == "pdq")
    added = client.post(
        "/v1/banks/known/entries",
        json={"entries": [{"signal_type": "pdq", "value": pdq}]},
        headers=banks,
    )
    assert added.status_code == 200, added.text
    client.app.state.index.refresh()  # type: ignore[attr-defined]

    answer = client.post(
        "/v1/scan",
        files={"file": ("strip.png", _thin(size), "image/png")},
        data={"content_id": "banner-1"},
        headers=scan,
    )

    assert answer.status_code == 200, answer.text
    assert answer.json()["media_type"] == "image"
    assert answer.json()["verdict"] == "block"
    assert {m["signal_type"] for m in answer.json()["matches"]} >= {"pdq"}


@pytest.mark.parametrize("size", THIN)
def test_a_reported_thin_picture_keeps_its_hashes(
    client: TestClient, settings: Settings, size: tuple[int, int]
) -> None:
    ack = report(client, image=_thin(size))

    case = case_seen_by_staff(client, settings, case_of_report(client, settings, ack["report_id"]))

    [media] = case["media"]
    assert media["media_type"] == "image"
    assert media["error"] is None
    assert "pdq" in {s["type"] for s in media["signals"]}


def test_takedown_hash_prints_a_line_for_a_thin_picture_and_an_error_line_for_any_failure(
    cli: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = []
    for width, height in THIN:
        path = tmp_path / f"strip-{width}x{height}.png"
        path.write_bytes(_thin((width, height)))
        files.append(str(path))

    result = cli("hash", *files)

    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["media_type"] for line in lines] == ["image", "image"]
    assert all("pdq" in {s["type"] for s in line["signals"]} for line in lines)

    def broken(*args: Any, **kwargs: Any) -> list[Any]:
        raise RuntimeError("a signal's library failed")

    monkeypatch.setattr(service, "compute_signals", broken)
    photo = tmp_path / "photo.png"
    photo.write_bytes(png(stand_in("coffee")))

    failed = cli("hash", str(photo), files[0])

    assert failed.exit_code == 1
    lines = [json.loads(line) for line in failed.output.splitlines()]
    assert [line["error"]["code"] for line in lines] == ["hashing_failed", "hashing_failed"]
    assert "Traceback" not in failed.output
