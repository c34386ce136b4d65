"""/metrics counts scans by verdict and media type, matches by bank, and times scans."""

from __future__ import annotations

import re

from tests.media import jpeg, stand_in
from tests.metrics_support import metrics_text


def _value(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_scan_metrics_move(client, auth_header) -> None:
    banks, scan = auth_header("banks"), auth_header("scan")
    data = jpeg(stand_in("immunohistochemistry"))
    before = metrics_text(client)
    first = client.post(
        "/v1/scan",
        files={"file": ("a.jpg", data, "image/jpeg")},
        data={"content_id": "m1"},
        headers=scan,
    ).json()
    md5 = next(s["value"] for s in first["signals"] if s["type"] == "md5")
    client.post(
        "/v1/banks",
        json={"name": "metrics-bank", "category": "other", "action": "block"},
        headers=banks,
    )
    client.post(
        "/v1/banks/metrics-bank/entries",
        json={"entries": [{"signal_type": "md5", "value": md5}]},
        headers=banks,
    )
    client.post(
        "/v1/scan",
        files={"file": ("a.jpg", data, "image/jpeg")},
        data={"content_id": "m2"},
        headers=scan,
    )
    after = metrics_text(client)

    def moved(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert moved("takedown_scans_total", verdict="allow", media_type="image") == 1
    assert moved("takedown_scans_total", verdict="block", media_type="image") == 1
    assert moved("takedown_scan_matches_total", bank="metrics-bank") == 1
    assert moved("takedown_scan_seconds_count") == 2
    assert moved("takedown_scan_hash_seconds_count") == 2
    assert re.search(r"takedown_scan_seconds_bucket\{le=\"0\.5\"\}", after)
