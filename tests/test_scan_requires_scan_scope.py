"""Platform endpoints need a key: 401 without one (or with a bad one), 403 without the scope."""

from __future__ import annotations

import pytest

from tests.media import jpeg, stand_in

PDQ = "a" * 64


def _scan(client, headers):  # type: ignore[no-untyped-def]
    return client.post(
        "/v1/scan",
        files={"file": ("a.jpg", jpeg(stand_in("chelsea")), "image/jpeg")},
        data={"content_id": "x"},
        headers=headers,
    )


def test_scan_and_lookup_need_the_scan_scope(client, auth_header) -> None:
    assert _scan(client, {}).status_code == 401
    assert _scan(client, {"Authorization": "Bearer tdk_wrong"}).status_code == 401
    assert _scan(client, auth_header("banks")).status_code == 403
    assert _scan(client, auth_header("scan")).status_code == 200
    lookup = f"/v1/lookup?signal_type=pdq&value={PDQ}"
    assert client.get(lookup).status_code == 401
    assert client.get(lookup, headers=auth_header("report")).status_code == 403
    assert client.get(lookup, headers=auth_header("scan")).status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/v1/banks"),
        ("post", "/v1/banks"),
        ("patch", "/v1/banks/b"),
        ("post", "/v1/banks/b/entries"),
        ("post", "/v1/banks/b/entries/1/disable"),
        ("get", "/v1/banks/b/export"),
        ("post", "/v1/banks/b/import"),
    ],
)
def test_bank_routes_need_the_banks_scope(client, auth_header, method, path) -> None:
    response = getattr(client, method)(path)
    assert response.status_code == 401
    assert response.json()["code"] == "missing_api_key"
    response = getattr(client, method)(path, headers=auth_header("scan"))
    assert response.status_code == 403
    assert response.json()["code"] == "missing_scope"
