"""A bank that follows a Meta ThreatExchange privacy group blocks what the group's members share
as malicious (or found helpful): a re-encoded copy of a shared picture by its PDQ, the identical
file by its MD5; an unrelated picture goes through. Takedown's own mapping decides what is banked:
PDQ, MD5, SHA-256 and video digests (a file hash tagged `media_type_video` is a video's); TMK,
URLs and malformed hashes are left out. Set up over HTTP, synced from the command line against a
local stand-in of the Graph API (python-threatexchange's client, paged two updates at a time)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime

import pytest

from takedown.settings import get_settings
from tests.enforcement_support import picture_pdq, scan
from tests.exchange_support import (
    OTHER_APP,
    ThreatExchangeState,
    TxDescriptor,
    threatexchange_graph,
)
from tests.media import altered_copy, jpeg, stand_in

VIDEO_MD5 = "0cc175b9c0f1b6a831c399e269772661"  # a benign stand-in value
TAGGED_VIDEO_MD5 = "92eb5ffee6ae2fec3ad71c777531578f"


def test_threatexchange_privacy_group_blocks_shared_hashes(
    cli: Callable[..., object],
    client,  # type: ignore[no-untyped-def]
    make_api_key: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    banks = {"Authorization": f"Bearer {make_api_key('banks')}"}
    scan_key = make_api_key("scan")
    scan_headers = {"Authorization": f"Bearer {scan_key}"}
    shared, identical, helpful, unrelated = (
        stand_in("rocket"),
        jpeg(stand_in("coffee")),
        stand_in("chelsea"),
        stand_in("hubble_deep_field"),
    )
    shared_pdq = picture_pdq(client, scan_headers, jpeg(shared))
    state = ThreatExchangeState(page_size=2)
    state.share("HASH_PDQ", shared_pdq, TxDescriptor(tags=["csam"]))
    state.share("HASH_MD5", hashlib.md5(identical).hexdigest().upper(), TxDescriptor())
    # Another app only marked it UNKNOWN, but a third found it HELPFUL: a positive opinion.
    state.share(
        "HASH_PDQ",
        picture_pdq(client, scan_headers, jpeg(helpful)),
        TxDescriptor(status="UNKNOWN", reactions={"HELPFUL": [1234567890123]}),
    )
    state.share("HASH_VIDEO_MD5", VIDEO_MD5, TxDescriptor())
    state.share("HASH_MD5", TAGGED_VIDEO_MD5, TxDescriptor(tags=["media_type_video"]))
    # Left out: a type Takedown cannot compute, one that is no hash, and malformed hashes.
    state.share("HASH_TMK", "tmk-hash-of-a-benign-video", TxDescriptor())
    state.share("URI", "https://example.org/benign", TxDescriptor())
    state.share("HASH_PDQ", "not-a-pdq", TxDescriptor())
    state.share("HASH_MD5", "f" * 31, TxDescriptor())

    created = client.post(
        "/v1/banks", json={"name": "tx-group", "category": "csam", "action": "block"}, headers=banks
    )
    assert created.status_code == 201, created.text
    followed = client.put(
        "/v1/banks/tx-group/exchange",
        json={"exchange": "fb_threatexchange", "config": {"privacy_group": state.privacy_group}},
        headers=banks,
    )
    assert followed.status_code == 200, followed.text
    assert followed.json()["config"] == {"privacy_group": state.privacy_group}

    with threatexchange_graph(state) as url:
        monkeypatch.setenv("TAKEDOWN_THREATEXCHANGE_URL", url)
        monkeypatch.setenv("TAKEDOWN_THREATEXCHANGE_ACCESS_TOKEN", state.token)
        get_settings.cache_clear()
        synced = cli("exchange", "sync", "tx-group", "--json")
        assert synced.exit_code == 0, synced.output  # type: ignore[attr-defined]
    assert json.loads(synced.stdout) == {  # type: ignore[attr-defined]
        "records": 9,
        "added": 5,
        "enabled": 0,
        "retracted": 0,
        "refused": 2,  # the malformed PDQ and MD5
    }
    # python-threatexchange's client, through every page the server's limit makes.
    assert len(state.requests) == 5
    assert all(r["fields"].startswith("id,indicator,type,last_updated") for r in state.requests)
    assert [("after" in r, "start_time" in r) for r in state.requests[:2]] == [
        (False, False),
        (True, False),
    ]

    exported = client.get("/v1/banks/tx-group/export?format=text", headers=banks).text
    assert sorted(tuple(line.split()) for line in exported.splitlines()) == sorted(
        [
            ("pdq", shared_pdq),
            ("md5", hashlib.md5(identical).hexdigest()),
            ("pdq", picture_pdq(client, scan_headers, jpeg(helpful))),
            ("video_md5", VIDEO_MD5),
            ("video_md5", TAGGED_VIDEO_MD5),
        ]
    )
    entries = client.get("/v1/banks/tx-group/entries", headers=banks).json()
    notes = {e["value"]: e["note"] for e in entries}
    assert notes[shared_pdq].startswith(f"fb_threatexchange HASH_PDQ {shared_pdq}: app {OTHER_APP}")
    assert "descriptor" in notes[shared_pdq]
    assert notes[picture_pdq(client, scan_headers, jpeg(helpful))].endswith(
        "app 1234567890123 HELPFUL"
    )

    client.app.state.index.refresh()  # the CLI wrote from another "process": the change log
    blocked = scan(client, scan_key, altered_copy(shared), "re-encoded")
    assert blocked["verdict"] == "block"
    assert {(m["bank"], m["signal_type"]) for m in blocked["matches"]} == {("tx-group", "pdq")}
    by_md5 = scan(client, scan_key, identical, "identical")
    assert by_md5["verdict"] == "block"
    assert ("tx-group", "md5") in {(m["bank"], m["signal_type"]) for m in by_md5["matches"]}
    assert scan(client, scan_key, altered_copy(helpful), "helpful")["verdict"] == "block"
    assert scan(client, scan_key, jpeg(unrelated), "unrelated")["verdict"] == "allow"

    status = client.get("/v1/banks/tx-group/exchange", headers=banks).json()
    assert status["records"] == 5 and status["failures"] == 0 and status["last_error"] == ""
    newest = max(i.last_updated for i in state.indicators.values())
    assert datetime.fromisoformat(status["fetched_up_to"]).timestamp() == newest
