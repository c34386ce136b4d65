"""An exchange's PDQ within the bank's distance of a black picture's hash (all zeros) is refused,
never banked: PDQ gives any picture with detail 128 set bits, so such a hash stands for blank
pictures, not known material, and a broken or poisoned feed sharing it would block every black
upload. The refusal is counted where people look (the sync's counts, the bank's exchange totals,
the audit log), as are the feed's malformed hashes; the feed's real hashes are banked as usual."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from takedown.settings import Settings
from tests.exchange_support import (
    StopNciiState,
    following_stop_ncii,
    match_verdict,
    original_pdq,
)
from tests.media import altered_copy, jpeg, stand_in
from tests.review_support import make_user, staff_headers

BLACK_PICTURE_PDQ = "0" * 64
NEARLY_BLACK_PDQ = "0" * 56 + "ff0f0f01"  # 17 bits set: within the default distance, 31


def _png(color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), color).save(out, "PNG")
    return out.getvalue()


def test_exchange_never_banks_a_blank_pictures_hash(
    settings: Settings,
    cli: Callable[..., object],
    client,  # type: ignore[no-untyped-def]
    auth_header: Callable[..., dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    black = _png((0, 0, 0))
    assert original_pdq(black, settings) == BLACK_PICTURE_PDQ  # what a black upload hashes to
    listed = stand_in("chelsea")
    state = StopNciiState()
    state.put("ImagePDQ", BLACK_PICTURE_PDQ)
    state.put("ImagePDQ", NEARLY_BLACK_PDQ)
    state.put("ImagePDQ", "not-a-pdq")
    state.put("ImagePDQ", original_pdq(jpeg(listed), settings))
    uploads = {"black": tmp_path / "black.png", "listed": tmp_path / "listed.jpg"}
    uploads["black"].write_bytes(black)
    uploads["listed"].write_bytes(altered_copy(listed))

    banks = auth_header("banks")
    with following_stop_ncii(client, banks, state, monkeypatch):
        synced = cli("exchange", "sync", "stopncii", "--json")
        assert synced.exit_code == 0, synced.output  # type: ignore[attr-defined]
        counts = json.loads(synced.stdout)  # type: ignore[attr-defined]
        assert (counts["records"], counts["added"], counts["refused"]) == (4, 1, 3)

        assert match_verdict(cli, uploads["black"]) == "allow"
        assert match_verdict(cli, uploads["listed"]) == "block"

        again = json.loads(cli("exchange", "sync", "stopncii", "--json").stdout)  # type: ignore[attr-defined]
        assert again["added"] == 0

    bank = client.get("/v1/banks/stopncii", headers=banks).json()
    assert bank["entries_total"] == 1
    status = client.get("/v1/banks/stopncii/exchange", headers=banks).json()
    refused = 3 + again["refused"]
    assert status["totals"]["refused"] == refused
    shown = cli("exchange", "status")
    assert f"/ {refused}" in shown.stdout  # type: ignore[attr-defined]
    make_user(settings, "lead", "admin")
    lead = staff_headers(client, settings, "lead")
    audit = client.get("/v1/audit?subject=bank:stopncii", headers=lead)
    assert audit.status_code == 200, audit.text
    syncs = [e for e in audit.json()["entries"] if e["action"] == "bank.exchange.sync"]
    assert sorted(e["details"]["refused"] for e in syncs) == sorted([3, again["refused"]])
