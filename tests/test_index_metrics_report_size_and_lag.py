"""/metrics reports the index's entries per signal type and its refresh lag."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.metrics_support import metrics_text


def test_metrics_show_index_entries_and_lag(
    client: TestClient, auth_header: Callable[..., dict[str, str]]
) -> None:
    auth = auth_header("banks")
    created = client.post(
        "/v1/banks", json={"name": "m", "category": "csam", "action": "block"}, headers=auth
    )
    assert created.status_code == 201, created.text
    values = [f"{i:02x}" * 32 for i in (1, 2, 3)] + ["ab" * 16]
    added = client.post(
        "/v1/banks/m/entries",
        json={
            "entries": [{"signal_type": "pdq", "value": v} for v in values[:3]]
            + [{"signal_type": "md5", "value": values[3]}]
        },
        headers=auth,
    )
    assert added.status_code == 200, added.text
    text = metrics_text(client)
    assert re.search(r'takedown_index_entries\{signal_type="pdq"\} 3\.0', text)
    assert re.search(r'takedown_index_entries\{signal_type="md5"\} 1\.0', text)
    lag = re.search(r"^takedown_index_refresh_lag_seconds (\S+)$", text, re.MULTILINE)
    assert lag is not None and 0 <= float(lag.group(1)) < 5
