"""Rule: a job batch that opens cases is one transaction on SQLite too, as on PostgreSQL: a crash
half-way through a lookback batch leaves nothing of it behind, and the next run does the whole
batch. (SQLite has no row locks and Python's sqlite3 opens a transaction only at the first
write; a batch whose first write was a savepoint used to commit each case on its own.)"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from takedown import clock
from takedown.api.app import create_app
from takedown.lookback import service as lookback
from tests.enforcement_support import (  # noqa: F401 (moving_clock: fixture)
    bank_pictures,
    moving_clock,
    scan,
)
from tests.media import generated_scene, jpeg
from tests.review_support import case_reader


class Crash(Exception):
    pass


@pytest.mark.usefixtures("moving_clock")
def test_a_crash_half_way_through_a_batch_leaves_nothing_of_it(  # type: ignore[no-untyped-def]
    settings, make_api_key, monkeypatch: pytest.MonkeyPatch
):
    key = make_api_key("scan", "banks")
    auth = {"Authorization": f"Bearer {key}"}
    app = create_app(settings)
    known = [generated_scene(7501), generated_scene(7502)]
    with TestClient(app) as client:
        for n, picture in enumerate(known):
            assert scan(client, key, jpeg(picture, 85), f"live-{n}", f"acct-{n}")["verdict"] == (
                "allow"
            )
        bank_pictures(client, auth, "industry", *(jpeg(p) for p in known))
        clock.advance(timedelta(seconds=11))

        opened: list[Any] = []
        real = lookback.open_case_for_live_upload

        def crash_on_the_second(*args: Any, **kwargs: Any) -> str:
            if opened:
                raise Crash("the process died here")
            opened.append(real(*args, **kwargs))
            return str(opened[-1])

        monkeypatch.setattr(lookback, "open_case_for_live_upload", crash_on_the_second)
        with pytest.raises(Crash):
            lookback.run_lookback(settings, app.state.index)
        assert len(opened) == 1
        listed = client.get("/v1/cases?queue=all", headers=case_reader(client, settings))
        assert listed.json()["cases"] == []  # the first case went with the batch

        monkeypatch.setattr(lookback, "open_case_for_live_upload", real)
        clock.advance(lookback.LEASE + timedelta(seconds=1))
        assert lookback.run_lookback(settings, app.state.index) == 2
        listed = client.get("/v1/cases?queue=all", headers=case_reader(client, settings))
        assert len(listed.json()["cases"]) == 2
