"""A match in a review bank answers review; a disabled bank or entry stops matching (over HTTP at
once in the serving process, and from the CLI for a process started afterwards)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from takedown.signals.service import hash_media
from tests.media import altered_copy, jpeg, stand_in


def _original_pdq(data: bytes, settings) -> str:  # type: ignore[no-untyped-def]
    signals = hash_media(data, settings=settings).signals
    return next(s["value"] for s in signals if s["type"] == "pdq" and s["variant"] == "original")


def _scan(client, headers, data: bytes, content_id: str) -> dict:  # type: ignore[no-untyped-def]
    response = client.post(
        "/v1/scan",
        files={"file": ("u.jpg", data, "image/jpeg")},
        data={"content_id": content_id},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_review_bank_then_disabled_entry_then_disabled_bank(client, auth_header, settings) -> None:
    banks, scan = auth_header("banks"), auth_header("scan")
    image = stand_in("rocket")
    client.post(
        "/v1/banks",
        json={"name": "suspected", "category": "other", "action": "review"},
        headers=banks,
    )
    client.post(
        "/v1/banks", json={"name": "known", "category": "csam", "action": "block"}, headers=banks
    )
    pdq = _original_pdq(jpeg(image), settings)
    review_entry = client.post(
        "/v1/banks/suspected/entries",
        json={"entries": [{"signal_type": "pdq", "value": pdq}]},
        headers=banks,
    ).json()["entry_ids"][0]

    copy = altered_copy(image)
    answer = _scan(client, scan, copy, "c1")
    assert answer["verdict"] == "review"
    assert [(m["bank"], m["action"]) for m in answer["matches"]] == [("suspected", "review")]

    # The same hash in a block bank too: block wins.
    block_entry = client.post(
        "/v1/banks/known/entries",
        json={"entries": [{"signal_type": "pdq", "value": pdq}]},
        headers=banks,
    ).json()["entry_ids"][0]
    answer = _scan(client, scan, copy, "c2")
    assert answer["verdict"] == "block"
    assert {m["bank"] for m in answer["matches"]} == {"suspected", "known"}

    assert (
        client.post(f"/v1/banks/known/entries/{block_entry}/disable", headers=banks).status_code
        == 200
    )
    assert _scan(client, scan, copy, "c3")["verdict"] == "review"

    assert (
        client.patch("/v1/banks/suspected", json={"enabled": False}, headers=banks).status_code
        == 200
    )
    answer = _scan(client, scan, copy, "c4")
    assert answer["verdict"] == "allow" and answer["matches"] == []

    client.patch("/v1/banks/suspected", json={"enabled": True}, headers=banks)
    assert _scan(client, scan, copy, "c5")["verdict"] == "review"
    assert review_entry != block_entry


def test_cli_disabled_bank_no_longer_matches(app, cli, settings, make_api_key, tmp_path) -> None:
    image = stand_in("coffee")
    hashes = tmp_path / "hashes.txt"
    hashes.write_text(_original_pdq(jpeg(image), settings) + "\n")
    cli("bank", "create", "hashes", "--category", "csam", "--action", "block")
    assert cli("bank", "import", "hashes", str(hashes), "--signal-type", "pdq").exit_code == 0
    headers = {"Authorization": f"Bearer {make_api_key('scan')}"}
    with TestClient(app) as client:
        assert _scan(client, headers, altered_copy(image), "a")["verdict"] == "block"
    assert cli("bank", "disable", "hashes").exit_code == 0
    listed = cli("bank", "list", "--json")
    assert '"enabled": false' in listed.stdout
    with TestClient(app) as client:
        assert _scan(client, headers, altered_copy(image), "b")["verdict"] == "allow"
