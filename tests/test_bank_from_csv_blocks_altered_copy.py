"""Done when: a bank imported from a CSV (through the CLI) blocks a re-encoded, resized and mirrored
copy of a banked image through POST /v1/scan, and lets an unrelated image through."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from takedown.signals.service import hash_media
from tests.media import altered_copy, jpeg, stand_in


def _pdq(data: bytes, settings) -> str:  # type: ignore[no-untyped-def]
    signals = hash_media(data, settings=settings).signals
    return next(s["value"] for s in signals if s["type"] == "pdq" and s["variant"] == "original")


def test_csv_bank_blocks_altered_copy_and_allows_unrelated(
    app, cli, settings, make_api_key, tmp_path: Path
) -> None:
    banked = jpeg(stand_in("chelsea"))
    csv_file = tmp_path / "bank.csv"
    csv_file.write_text(
        "signal_type,signal_str,collab,category,tags\n"
        f"pdq,{_pdq(banked, settings)},Sample Collab,CSAM,known\n"
    )
    assert (
        cli("bank", "create", "known-csam", "--category", "csam", "--action", "block").exit_code
        == 0
    )
    imported = cli("bank", "import", "known-csam", str(csv_file), "--format", "csv")
    assert imported.exit_code == 0, imported.output

    headers = {"Authorization": f"Bearer {make_api_key('scan')}"}
    with TestClient(app) as client:  # a serving process started after the import
        copy = altered_copy(stand_in("chelsea"))
        assert copy != banked
        blocked = client.post(
            "/v1/scan",
            files={"file": ("upload.jpg", copy, "image/jpeg")},
            data={"content_id": "post-1", "account_id": "acct-9"},
            headers=headers,
        )
        assert blocked.status_code == 200, blocked.text
        body = blocked.json()
        assert body["verdict"] == "block"
        assert body["content_id"] == "post-1"
        assert body["media_type"] == "image"
        assert [m["bank"] for m in body["matches"]] == ["known-csam"]
        match = body["matches"][0]
        assert match["action"] == "block" and match["signal_type"] == "pdq"
        assert 0 <= match["distance"] <= 31

        unrelated = client.post(
            "/v1/scan",
            files={"file": ("other.jpg", jpeg(stand_in("coffee")), "image/jpeg")},
            data={"content_id": "post-2"},
            headers=headers,
        )
        assert unrelated.status_code == 200
        assert unrelated.json()["verdict"] == "allow"
        assert unrelated.json()["matches"] == []
