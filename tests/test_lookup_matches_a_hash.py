"""GET /v1/lookup matches one hash: exact and within the bank's PDQ threshold, not beyond it;
an invalid hash is a 422 problem; `takedown match --signal-type --value` answers the same."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

BANKED = "0" * 64


def _flip(value: str, bits: int) -> str:
    number = int(value, 16) ^ ((1 << bits) - 1)
    return f"{number:064x}"


def test_lookup_over_http(client, auth_header) -> None:
    banks, scan = auth_header("banks"), auth_header("scan")
    client.post(
        "/v1/banks",
        json={"name": "b", "category": "csam", "action": "block", "threshold": 31},
        headers=banks,
    )
    client.post(
        "/v1/banks/b/entries",
        json={
            "entries": [
                {"signal_type": "pdq", "value": BANKED},
                {"signal_type": "md5", "value": "d41d8cd98f00b204e9800998ecf8427e"},
            ]
        },
        headers=banks,
    )

    exact = client.get(f"/v1/lookup?signal_type=pdq&value={BANKED}", headers=scan).json()
    assert exact["verdict"] == "block" and exact["matches"][0]["distance"] == 0

    near = client.get(f"/v1/lookup?signal_type=pdq&value={_flip(BANKED, 31)}", headers=scan)
    assert near.json()["matches"][0]["distance"] == 31
    far = client.get(f"/v1/lookup?signal_type=pdq&value={_flip(BANKED, 32)}", headers=scan)
    assert far.json() == {
        "signal_type": "pdq",
        "value": _flip(BANKED, 32),
        "matches": [],
        "verdict": "allow",
        "notes": [],
    }

    md5 = client.get(
        "/v1/lookup?signal_type=md5&value=D41D8CD98F00B204E9800998ECF8427E", headers=scan
    ).json()
    assert md5["value"] == "d41d8cd98f00b204e9800998ecf8427e"
    assert [(m["signal_type"], m["distance"]) for m in md5["matches"]] == [("md5", None)]

    bad = client.get("/v1/lookup?signal_type=pdq&value=xyz", headers=scan)
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_signal"
    unknown = client.get("/v1/lookup?signal_type=nope&value=ab", headers=scan)
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_signal_type"


def test_match_command(app, cli, make_api_key) -> None:
    headers = {"Authorization": f"Bearer {make_api_key('banks')}"}
    with TestClient(app) as client:
        client.post(
            "/v1/banks", json={"name": "r", "category": "ncii", "action": "review"}, headers=headers
        )
        client.post(
            "/v1/banks/r/entries",
            json={"entries": [{"signal_type": "pdq", "value": BANKED}]},
            headers=headers,
        )
    result = cli("match", "--signal-type", "pdq", "--value", _flip(BANKED, 5))
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["verdict"] == "review"
    assert [(m["bank"], m["distance"]) for m in answer["matches"]] == [("r", 5)]
    assert cli("match").exit_code == 2


def test_match_command_with_a_file(cli, settings, tmp_path) -> None:
    from takedown.signals.service import hash_media
    from tests.media import altered_copy, jpeg, stand_in

    original = jpeg(stand_in("retina"))
    pdq = next(
        s["value"]
        for s in hash_media(original, settings=settings).signals
        if s["type"] == "pdq" and s["variant"] == "original"
    )
    hashes = tmp_path / "bank.txt"
    hashes.write_text(f"pdq {pdq}\n")
    cli("bank", "create", "files", "--category", "csam", "--action", "block")
    cli("bank", "import", "files", str(hashes))
    upload = tmp_path / "upload.jpg"
    upload.write_bytes(altered_copy(stand_in("retina")))
    answer = json.loads(cli("match", str(upload)).stdout)
    assert answer["verdict"] == "block" and answer["media_type"] == "image"
    assert answer["matches"][0]["bank"] == "files"
    other = tmp_path / "other.jpg"
    other.write_bytes(jpeg(stand_in("rocket")))
    assert json.loads(cli("match", str(other)).stdout)["verdict"] == "allow"
