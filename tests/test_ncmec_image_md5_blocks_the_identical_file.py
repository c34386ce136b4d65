"""NCMEC shares many images by file MD5 alone (older entries carry an MD5, a SHA-1 and a PhotoDNA
hash, no PDQ). python-threatexchange maps only image PDQs and video MD5s, so such an entry was
dropped and the identical file went through. A bank following NCMEC banks the image MD5 as
Takedown's `md5`: the identical file is blocked, a re-encoded copy (other bytes) is not, and the
hashes Takedown cannot compute (PhotoDNA) or does not keep (SHA-1) are left out. Entries from
ESPs outside `only_esp_ids` are left out too."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

import pytest

from takedown.settings import get_settings
from tests.enforcement_support import scan
from tests.exchange_support import NcmecState, ncmec_hash_sharing
from tests.media import altered_copy, jpeg, stand_in


def test_ncmec_image_md5_blocks_the_identical_file(
    cli: Callable[..., object],
    client,  # type: ignore[no-untyped-def]
    make_api_key: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shared, other_esp = jpeg(stand_in("rocket")), jpeg(stand_in("coffee"))
    state = NcmecState()
    state.add(
        "image-1",
        "image",
        {
            "md5": hashlib.md5(shared).hexdigest().upper(),
            "sha1": hashlib.sha1(shared).hexdigest(),
            "pdna": "1,2,3",
        },
    )
    state.add("image-2", "image", {"md5": hashlib.md5(other_esp).hexdigest()}, member_id=7)
    banks = {"Authorization": f"Bearer {make_api_key('banks')}"}
    scan_key = make_api_key("scan")
    client.post(
        "/v1/banks", json={"name": "ncmec", "category": "csam", "action": "block"}, headers=banks
    )
    followed = client.put(
        "/v1/banks/ncmec/exchange",
        json={"exchange": "ncmec", "config": {"environment": "Industry", "only_esp_ids": [42]}},
        headers=banks,
    )
    assert followed.status_code == 200, followed.text

    with ncmec_hash_sharing(state) as url:
        monkeypatch.setenv("TAKEDOWN_NCMEC_HASH_API_URL", url)
        monkeypatch.setenv("TAKEDOWN_NCMEC_HASH_API_USERNAME", state.user)
        monkeypatch.setenv("TAKEDOWN_NCMEC_HASH_API_PASSWORD", state.password)
        get_settings.cache_clear()
        synced = cli("exchange", "sync", "ncmec", "--json")
        assert synced.exit_code == 0, synced.output  # type: ignore[attr-defined]
    assert json.loads(synced.stdout)["added"] == 1  # type: ignore[attr-defined]

    exported = client.get("/v1/banks/ncmec/export?format=text", headers=banks)
    assert exported.status_code == 200, exported.text
    assert exported.text.split() == ["md5", hashlib.md5(shared).hexdigest()]

    client.app.state.index.refresh()  # the CLI wrote from another "process": the change log
    blocked = scan(client, scan_key, shared, "identical")
    assert blocked["verdict"] == "block"
    assert [(m["bank"], m["signal_type"]) for m in blocked["matches"]] == [("ncmec", "md5")]  # type: ignore[attr-defined]
    assert scan(client, scan_key, altered_copy(stand_in("rocket")), "re-encoded")["verdict"] == (
        "allow"
    )
    assert scan(client, scan_key, other_esp, "other-esp")["verdict"] == "allow"
