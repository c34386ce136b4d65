"""A ThreatExchange indicator blocks while some app's opinion on it is positive and this platform's
own app has not called it a false positive: our NON_MALICIOUS descriptor (or DISAGREE_WITH_TAGS
reaction) wins over everyone's MALICIOUS, an indicator only suspected (SUSPICIOUS, UNKNOWN) is
never banked, and one the group deletes (`should_delete`) or we dispute later stops blocking, as a
withdrawn StopNCII case does. A bank with `tags` takes only positive opinions carrying one of
them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from takedown.settings import get_settings
from tests.enforcement_support import picture_pdq, scan
from tests.exchange_support import ThreatExchangeState, TxDescriptor, threatexchange_graph
from tests.media import altered_copy, generated_scene, jpeg, stand_in

THIRD_APP = 1500000000000003


def _verdict(client, key: str, data: bytes, content_id: str) -> tuple[str, set[str]]:  # type: ignore[no-untyped-def]
    body = scan(client, key, data, content_id)
    return body["verdict"], {m["bank"] for m in body["matches"]}


def _sync(cli: Callable[..., Any], bank: str) -> dict[str, int]:
    result = cli("exchange", "sync", bank, "--json")
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def test_threatexchange_withdrawn_or_disputed_hash_stops_blocking(
    cli: Callable[..., Any],
    client,  # type: ignore[no-untyped-def]
    make_api_key: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    banks = {"Authorization": f"Bearer {make_api_key('banks')}"}
    scan_key = make_api_key("scan")
    scan_headers = {"Authorization": f"Bearer {scan_key}"}
    pictures = {
        "kept": stand_in("rocket"),
        "disputed_later": stand_in("chelsea"),
        "deleted_later": stand_in("coffee"),
        "suspected": stand_in("hubble_deep_field"),
        "ours_false_positive": generated_scene(11),
        "ours_disagree": generated_scene(12),
    }
    pdq = {name: picture_pdq(client, scan_headers, jpeg(image)) for name, image in pictures.items()}
    state = ThreatExchangeState()
    ours = state.app_id
    state.share("HASH_PDQ", pdq["kept"], TxDescriptor(tags=["csam"]))
    state.share("HASH_PDQ", pdq["disputed_later"], TxDescriptor(tags=["other"]))
    state.share("HASH_PDQ", pdq["deleted_later"], TxDescriptor(tags=["csam"]))
    state.share(
        "HASH_PDQ",
        pdq["suspected"],
        TxDescriptor(status="SUSPICIOUS", tags=["csam"]),
        TxDescriptor(owner=THIRD_APP, status="UNKNOWN", tags=["csam"]),
    )
    state.share(
        "HASH_PDQ",
        pdq["ours_false_positive"],
        TxDescriptor(tags=["csam"]),
        TxDescriptor(owner=THIRD_APP, tags=["csam"], reactions={"HELPFUL": [THIRD_APP + 1]}),
        TxDescriptor(owner=ours, status="NON_MALICIOUS"),
    )
    state.share(
        "HASH_PDQ", pdq["ours_disagree"], TxDescriptor(reactions={"DISAGREE_WITH_TAGS": [ours]})
    )
    for name, tags in (("tx-all", []), ("tx-csam", ["csam"])):
        client.post(
            "/v1/banks", json={"name": name, "category": "csam", "action": "block"}, headers=banks
        )
        config = {"privacy_group": state.privacy_group, "tags": tags}
        followed = client.put(
            f"/v1/banks/{name}/exchange",
            json={"exchange": "fb_threatexchange", "config": config},
            headers=banks,
        )
        assert followed.status_code == 200, followed.text

    with threatexchange_graph(state) as url:
        monkeypatch.setenv("TAKEDOWN_THREATEXCHANGE_URL", url)
        monkeypatch.setenv("TAKEDOWN_THREATEXCHANGE_ACCESS_TOKEN", state.token)
        get_settings.cache_clear()
        assert _sync(cli, "tx-all") == {
            "records": 6,
            "added": 3,
            "enabled": 0,
            "retracted": 0,
            "refused": 0,
        }
        assert _sync(cli, "tx-csam")["added"] == 2  # "other" is not a tag the bank wants
        client.app.state.index.refresh()
        uploads = {name: altered_copy(image) for name, image in pictures.items()}
        verdicts = {name: _verdict(client, scan_key, data, name) for name, data in uploads.items()}
        assert verdicts == {
            "kept": ("block", {"tx-all", "tx-csam"}),
            "disputed_later": ("block", {"tx-all"}),
            "deleted_later": ("block", {"tx-all", "tx-csam"}),
            "suspected": ("allow", set()),
            "ours_false_positive": ("allow", set()),
            "ours_disagree": ("allow", set()),
        }

        # We review it and find it benign; the group deletes another.
        state.share(
            "HASH_PDQ",
            pdq["disputed_later"],
            TxDescriptor(tags=["other"]),
            TxDescriptor(owner=ours, status="NON_MALICIOUS"),
        )
        state.delete("HASH_PDQ", pdq["deleted_later"])
        # The two updates, and the last one already seen (`start_time` is inclusive).
        assert _sync(cli, "tx-all") == {
            "records": 3,
            "added": 0,
            "enabled": 0,
            "retracted": 2,
            "refused": 0,
        }
        assert _sync(cli, "tx-csam")["retracted"] == 1
        client.app.state.index.refresh()
        assert _verdict(client, scan_key, uploads["kept"], "kept-2") == (
            "block",
            {"tx-all", "tx-csam"},
        )
        for name in ("disputed_later", "deleted_later"):
            assert _verdict(client, scan_key, uploads[name], f"{name}-2") == ("allow", set())

    bank = client.get("/v1/banks/tx-all", headers=banks).json()
    assert (bank["entries"], bank["entries_total"]) == (1, 3)
    status = client.get("/v1/banks/tx-all/exchange", headers=banks).json()
    assert status["records"] == 1 and status["totals"]["retracted"] == 2
    # Each later sync asked only for what changed since the last one.
    assert [r.get("start_time") is not None for r in state.requests] == [False, False, True, True]
