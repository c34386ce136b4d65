"""A bank that follows NCMEC's hash sharing list blocks what the list shares, without anyone
importing a file, finds the copy posted before the list arrived (the lookback opens a P0 case),
and stops blocking an entry once NCMEC deletes it. Against a real server: the
platform sets the bank up over HTTP, the server's background job fetches (python-threatexchange's
NCMEC client, against a local stand-in with benign pictures' hashes), and uploads are scanned."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from takedown.settings import Settings
from tests.exchange_support import NcmecState, ncmec_hash_sharing, original_pdq
from tests.media import altered_copy, jpeg, stand_in
from tests.metrics_support import metrics_text
from tests.review_support import (
    free_port,
    make_user,
    run_server,
    server_env,
    staff_headers,
    stop_server,
)


def _until(check: Callable[[], Any], what: str, seconds: float = 40) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def _scan(http: httpx.Client, key: str, data: bytes, content_id: str) -> dict[str, Any]:
    answer = http.post(
        "/v1/scan",
        files={"file": ("upload.jpg", data, "image/jpeg")},
        data={"content_id": content_id},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_bank_following_ncmec_blocks_shared_hashes_until_withdrawn(
    settings: Settings, make_api_key: Callable[..., str], tmp_path: Path
) -> None:
    shared, unrelated = stand_in("rocket"), stand_in("coffee")
    state = NcmecState()
    state.add("image-1", "image", {"pdq": original_pdq(jpeg(shared), settings), "md5": "0" * 32})
    state.add("video-1", "video", {"md5": "d41d8cd98f00b204e9800998ecf8427e"})
    banks_key, scan_key = make_api_key("banks"), make_api_key("scan")
    banks = {"Authorization": f"Bearer {banks_key}"}
    with ncmec_hash_sharing(state) as ncmec_url:
        port = free_port()
        env = server_env(settings.resolved_database_url, tmp_path / "srv", port)
        env |= {
            "TAKEDOWN_NCMEC_HASH_API_URL": ncmec_url,
            "TAKEDOWN_NCMEC_HASH_API_USERNAME": state.user,
            "TAKEDOWN_NCMEC_HASH_API_PASSWORD": state.password,
        }
        process = run_server(env, tmp_path / "server.log")
        try:
            with httpx.Client(base_url=env["TAKEDOWN_PUBLIC_BASE_URL"], timeout=30) as http:
                created = http.post(
                    "/v1/banks",
                    json={"name": "ncmec-industry", "category": "csam", "action": "block"},
                    headers=banks,
                )
                assert created.status_code == 201, created.text
                # Posted before NCMEC's list reached the bank: allowed, and up.
                early = _scan(http, scan_key, altered_copy(shared), "post-0")
                assert early["verdict"] == "allow"
                followed = http.put(
                    "/v1/banks/ncmec-industry/exchange",
                    json={"exchange": "ncmec", "config": {"environment": "test_Industry"}},
                    headers=banks,
                )
                assert followed.status_code == 200, followed.text
                assert followed.json()["last_synced_at"] is None

                def synced() -> dict[str, Any] | None:
                    got = http.get("/v1/banks/ncmec-industry/exchange", headers=banks).json()
                    return got if got["last_synced_at"] else None

                first = _until(synced, "the first sync")
                assert first["records"] == 2 and first["failures"] == 0
                # The picture's PDQ and file MD5, and the video's MD5.
                assert first["totals"]["added"] == 3
                bank = http.get("/v1/banks/ncmec-industry", headers=banks).json()
                assert (bank["source"], bank["entries"]) == ("exchange", 3)

                # The index follows the change log within about a second.
                blocked = _until(
                    lambda: (
                        (a := _scan(http, scan_key, altered_copy(shared), "post-1"))["verdict"]
                        == "block"
                        and a
                    ),
                    "the shared hash to block",
                    seconds=10,
                )
                assert {m["bank"] for m in blocked["matches"]} == {"ncmec-industry"}
                assert _scan(http, scan_key, jpeg(unrelated), "post-2")["verdict"] == "allow"

                # The upload posted before the list arrived is found by the lookback: a P0 case.
                make_user(settings, "csr", "child_safety_reviewer")
                staff = staff_headers(None, settings, "csr")  # type: ignore[arg-type]

                def found_live() -> dict[str, Any] | None:
                    listed = http.get("/v1/cases?queue=all", headers=staff).json()["cases"]
                    for summary in listed:
                        case = http.get(f"/v1/cases/{summary['case_id']}", headers=staff).json()
                        if case["content_id"] == "post-0":
                            return dict(case)
                    return None

                case = _until(found_live, "the lookback to find the earlier upload", seconds=60)
                assert (case["priority"], case["category"]) == ("P0", "child_sexual_abuse")
                assert [r["channel"] for r in case["reports"]] == ["found_after_upload"]

                # NCMEC deletes the picture's entry; it must stop blocking after the next sync.
                fetched_up_to = int(datetime.fromisoformat(first["fetched_up_to"]).timestamp())
                state.delete("image-1", at=fetched_up_to + 1)
                time.sleep(7)  # the NCMEC fetch stops 5 s short of now
                asked = http.post("/v1/banks/ncmec-industry/exchange/sync", headers=banks)
                assert asked.status_code == 202, asked.text

                def withdrawn() -> dict[str, Any] | None:
                    got = http.get("/v1/banks/ncmec-industry/exchange", headers=banks).json()
                    return got if got["totals"].get("retracted") == 2 else None

                after = _until(withdrawn, "the deletion to be applied")
                assert after["records"] == 1
                bank = http.get("/v1/banks/ncmec-industry", headers=banks).json()
                assert (bank["entries"], bank["entries_total"]) == (1, 3)
                _until(
                    lambda: (
                        _scan(http, scan_key, altered_copy(shared), "post-3")["verdict"] == "allow"
                    ),
                    "the withdrawn hash to stop matching",
                    seconds=10,
                )
                metrics = metrics_text(http)
                complete = 'takedown_exchange_syncs_total{exchange="ncmec",outcome="complete"}'
                assert complete in metrics
        finally:
            stop_server(process)
    assert all(path.startswith("/v2/entries") for path in state.requests)
