"""Rule: a crop of a banked benign picture at an offset (75 % or 90 % of each side, shrunk and
re-encoded), which PDQ and every fixed region miss, is matched through POST /v1/scan by `pdq_crop`
(keypoints line it up, the PDQ of the aligned central half confirms it); the match names the
signal and the alignment; unrelated pictures, and crops of other banked pictures, are allowed.
`pdq_crop` values round-trip through bank export and import; a lookup by value alone is refused,
because the confirmation needs the picture."""

from __future__ import annotations

import pytest

from tests.crop_support import bank_crop_values, crop, picture
from tests.media import jpeg, stand_in
from tests.region_support import scan_upload


@pytest.mark.parametrize(
    ("name", "keep", "at", "shrink"),
    [
        ("chelsea", 0.75, (0.9, 0.2), 0.8),
        ("coffee", 0.75, (0.1, 0.95), 0.7),
        ("astronaut", 0.9, (0.0, 1.0), 0.6),
    ],
)
def test_cropped_copy_is_matched_by_pdq_crop(
    client, auth_header, name: str, keep: float, at: tuple[float, float], shrink: float
) -> None:
    scan, banks = auth_header("scan"), auth_header("scan", "banks")
    bank_crop_values(client, scan, banks)

    answer = scan_upload(client, scan, jpeg(crop(picture(name), keep, at, shrink), 80))
    assert answer["verdict"] == "block", answer["matches"]
    by_type = {m["signal_type"]: m for m in answer["matches"]}
    assert "pdq" not in by_type  # plain PDQ misses the crop
    match = by_type["pdq_crop"]
    assert match["distance"] <= 36
    assert match["variant"].startswith("aligned: ")
    # The keypoints are for matching; the scan answer (and the ledger) leave them out.
    assert "pdq_crop" not in {s["type"] for s in answer["signals"]}


def test_unrelated_pictures_and_their_crops_are_allowed(client, auth_header) -> None:
    scan, banks = auth_header("scan"), auth_header("scan", "banks")
    bank_crop_values(client, scan, banks)
    for name in ("rocket", "hubble_deep_field", "immunohistochemistry", "retina"):
        whole = scan_upload(client, scan, jpeg(stand_in(name), 85))
        assert whole["verdict"] == "allow" and whole["matches"] == [], name
        cropped = scan_upload(client, scan, jpeg(crop(stand_in(name), 0.75, (0.5, 0.5), 0.8)))
        assert cropped["verdict"] == "allow" and cropped["matches"] == [], name


def test_disabled_bank_stops_crop_matches(client, auth_header) -> None:
    scan, banks = auth_header("scan"), auth_header("scan", "banks")
    bank_crop_values(client, scan, banks)
    upload = jpeg(crop(stand_in("chelsea"), 0.75, (0.3, 0.6), 0.9), 80)
    assert scan_upload(client, scan, upload)["verdict"] == "block"
    assert (
        client.patch("/v1/banks/known", json={"enabled": False}, headers=banks).status_code == 200
    )
    assert scan_upload(client, scan, upload)["verdict"] == "allow"


def test_pdq_crop_lookup_by_value_needs_the_picture(client, auth_header) -> None:
    scan = auth_header("scan")
    hashed = client.post("/v1/hash", files={"file": ("a.jpg", jpeg(stand_in()))}, headers=scan)
    value = next(s["value"] for s in hashed.json()["signals"] if s["type"] == "pdq_crop")
    answer = client.get(
        "/v1/lookup", params={"signal_type": "pdq_crop", "value": value}, headers=scan
    )
    assert answer.status_code == 422
    assert answer.json()["code"] == "signal_needs_media"


def test_pdq_crop_values_round_trip_through_export_and_import(
    client, cli, auth_header, tmp_path
) -> None:
    scan = auth_header("scan")
    hashed = client.post("/v1/hash", files={"file": ("a.jpg", jpeg(stand_in()))}, headers=scan)
    value = next(s["value"] for s in hashed.json()["signals"] if s["type"] == "pdq_crop")
    source = tmp_path / "crop.txt"
    source.write_text(f"pdq_crop {value}\npdq_crop 1;10x10;{'0' * 64};not-base64!\n")
    assert cli("bank", "create", "crops", "--category", "csam", "--action", "block").exit_code == 0
    imported = cli("bank", "import", "crops", str(source), "--format", "text")
    assert "line 2" in imported.output  # the malformed value is reported by its line number
    csv_out = tmp_path / "out.csv"
    assert (
        cli("bank", "export", "crops", "--format", "csv", "--output", str(csv_out)).exit_code == 0
    )
    cli("bank", "create", "again", "--category", "csam", "--action", "block")
    assert cli("bank", "import", "again", str(csv_out)).exit_code == 0
    exported = cli("bank", "export", "again", "--format", "text").stdout.split("\n")
    assert [line for line in exported if line] == [f"pdq_crop {value}"]


def test_crop_entries_loaded_by_a_fresh_process_match_and_disabled_ones_do_not(
    client, auth_header, settings
) -> None:
    """Entries in a serving process's base (searched through faiss), not only in the delta the
    other tests exercise; a disabled entry stops matching there too."""
    from fastapi.testclient import TestClient

    from takedown.api.app import create_app

    scan, banks = auth_header("scan"), auth_header("scan", "banks")
    bank_crop_values(client, scan, banks)
    upload = jpeg(crop(stand_in("coffee"), 0.75, (0.8, 0.1), 0.75), 80)
    with TestClient(create_app(settings)) as fresh:
        index = fresh.app.state.index
        index.compact()  # what a process does once its delta grows: the entries move to the base
        view = index._views.get("pdq_crop")
        assert "pdq_crop" in index._base and (view is None or len(view.entry_ids) == 0)
        answer = scan_upload(fresh, scan, upload)
        assert answer["verdict"] == "block"
        assert {m["signal_type"] for m in answer["matches"]} == {"pdq_crop"}
        entry_id = answer["matches"][0]["entry_id"]
        disabled = fresh.post(f"/v1/banks/known/entries/{entry_id}/disable", headers=banks)
        assert disabled.status_code == 200, disabled.text
        index.refresh()
        assert scan_upload(fresh, scan, upload)["verdict"] == "allow"


def test_bank_threshold_for_pdq_crop_is_its_own(client, auth_header) -> None:
    """The bank's `signal_thresholds` sets `pdq_crop`'s threshold like any other type's."""
    scan, banks = auth_header("scan"), auth_header("scan", "banks")
    bank_crop_values(client, scan, banks)
    upload = jpeg(crop(stand_in("chelsea"), 0.75, (0.2, 0.7), 0.8), 80)
    found = scan_upload(client, scan, upload)
    distance = next(m["distance"] for m in found["matches"] if m["signal_type"] == "pdq_crop")
    tighter = {"signal_thresholds": {"pdq_crop": max(0, distance - 1)}}
    assert client.patch("/v1/banks/known", json=tighter, headers=banks).status_code == 200
    assert scan_upload(client, scan, upload)["verdict"] == "allow"
