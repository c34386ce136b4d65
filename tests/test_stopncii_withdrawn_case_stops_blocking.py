"""A bank that follows StopNCII blocks the hashes people submitted there, and a hash whose case
was withdrawn stops blocking: withdrawn on arrival it is never banked, withdrawn later its entry
is disabled. (python-threatexchange 1.2.17 compares the hash value with the withdrawn statuses,
so through it alone withdrawals never arrive; Takedown reads the record's status.)"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from takedown.settings import Settings
from tests.exchange_support import (
    StopNciiState,
    following_stop_ncii,
    match_verdict,
    original_pdq,
)
from tests.media import altered_copy, jpeg, stand_in


def test_stopncii_withdrawn_case_stops_blocking(
    settings: Settings,
    cli: Callable[..., object],
    client,  # type: ignore[no-untyped-def]
    auth_header: Callable[..., dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    kept, withdrawn_later, withdrawn_at_once = (
        stand_in("chelsea"),
        stand_in("rocket"),
        stand_in("coffee"),
    )
    state = StopNciiState()
    state.put("ImagePDQ", original_pdq(jpeg(kept), settings))
    state.put("ImagePDQ", original_pdq(jpeg(withdrawn_later), settings))
    state.put("ImagePDQ", original_pdq(jpeg(withdrawn_at_once), settings), status="Withdrawn")
    state.put("VideoMD5", "0cc175b9c0f1b6a831c399e269772661")
    uploads = {}
    for name, image in (("kept", kept), ("later", withdrawn_later), ("once", withdrawn_at_once)):
        uploads[name] = tmp_path / f"{name}.jpg"
        uploads[name].write_bytes(altered_copy(image))
    banks = auth_header("banks")
    with following_stop_ncii(client, banks, state, monkeypatch):
        first = cli("exchange", "sync", "stopncii", "--json")
        assert first.exit_code == 0, first.output  # type: ignore[attr-defined]
        assert json.loads(first.stdout) == {  # type: ignore[attr-defined]
            "records": 4,
            "added": 3,
            "enabled": 0,
            "retracted": 0,
            "refused": 0,
        }
        assert match_verdict(cli, uploads["kept"]) == "block"
        assert match_verdict(cli, uploads["later"]) == "block"
        assert match_verdict(cli, uploads["once"]) == "allow"

        state.put("ImagePDQ", original_pdq(jpeg(withdrawn_later), settings), status="Withdrawn")
        second = cli("exchange", "sync", "stopncii", "--json")
        assert json.loads(second.stdout)["retracted"] == 1  # type: ignore[attr-defined]
        assert match_verdict(cli, uploads["kept"]) == "block"
        assert match_verdict(cli, uploads["later"]) == "allow"

    bank = client.get("/v1/banks/stopncii", headers=banks).json()
    assert (bank["entries"], bank["entries_total"]) == (2, 3)
    status = client.get("/v1/banks/stopncii/exchange", headers=banks).json()
    assert status["records"] == 2 and status["failures"] == 0
    assert status["fetched_up_to"] is not None
    assert all("startTimestamp" in path for path in state.requests)
