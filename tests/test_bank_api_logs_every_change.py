"""Banks over HTTP (scope `banks`): create, list, update, add and disable entries; 404/409/422 as
problems; and every entry insert, enable/disable and bank change appends an IndexChange row."""

from __future__ import annotations

from sqlalchemy import select

from takedown.banks.models import IndexChange
from takedown.store.db import session_scope

PDQ_A = "f" * 64
PDQ_B = "0f" * 32


def _changes(settings) -> list[tuple[int | None, str]]:  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db:
        rows = db.execute(select(IndexChange.entry_id, IndexChange.op).order_by(IndexChange.seq))
        return [(entry_id, op) for entry_id, op in rows]


def test_bank_lifecycle_over_http(client, auth_header, settings) -> None:
    headers = auth_header("banks")
    created = client.post(
        "/v1/banks",
        json={
            "name": "ncii-hashes",
            "category": "ncii",
            "action": "review",
            "threshold": 20,
            "description": "victim-submitted",
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    assert created.json()["threshold"] == 20 and created.json()["enabled"] is True
    assert _changes(settings) == [(None, "bank")]

    duplicate = client.post(
        "/v1/banks",
        json={"name": "ncii-hashes", "category": "ncii", "action": "review"},
        headers=headers,
    )
    assert duplicate.status_code == 409
    assert duplicate.headers["content-type"].startswith("application/problem+json")

    bad_category = client.post(
        "/v1/banks", json={"name": "x", "category": "spam", "action": "block"}, headers=headers
    )
    assert bad_category.status_code == 422

    added = client.post(
        "/v1/banks/ncii-hashes/entries",
        json={
            "entries": [
                {
                    "signal_type": "pdq",
                    "value": PDQ_A.upper(),
                    "external_id": "case-1",
                    "note": "n",
                },
                {"signal_type": "md5", "value": "d41d8cd98f00b204e9800998ecf8427e"},
            ]
        },
        headers=headers,
    )
    assert added.status_code == 200, added.text
    assert added.json()["added"] == 2
    entry_ids = added.json()["entry_ids"]
    again = client.post(
        "/v1/banks/ncii-hashes/entries",
        json={"entries": [{"signal_type": "pdq", "value": PDQ_A}]},
        headers=headers,
    )
    assert again.json() == {"added": 0, "skipped": 1, "entry_ids": []}

    invalid = client.post(
        "/v1/banks/ncii-hashes/entries",
        json={
            "entries": [
                {"signal_type": "pdq", "value": PDQ_B},
                {"signal_type": "pdq", "value": "xyz"},
            ]
        },
        headers=headers,
    )
    assert invalid.status_code == 422
    assert invalid.json()["code"] == "invalid_signal"

    entries = client.get("/v1/banks/ncii-hashes/entries", headers=headers).json()
    assert [e["value"] for e in entries] == [PDQ_A, "d41d8cd98f00b204e9800998ecf8427e"]
    assert entries[0]["external_id"] == "case-1" and entries[0]["added_by"].startswith("test")

    disabled = client.post(f"/v1/banks/ncii-hashes/entries/{entry_ids[0]}/disable", headers=headers)
    assert disabled.status_code == 200 and disabled.json()["enabled"] is False
    assert (
        client.post("/v1/banks/ncii-hashes/entries/999999/disable", headers=headers).status_code
        == 404
    )

    patched = client.patch(
        "/v1/banks/ncii-hashes", json={"action": "block", "threshold": 10}, headers=headers
    )
    assert patched.status_code == 200
    assert patched.json()["action"] == "block" and patched.json()["threshold"] == 10
    assert patched.json()["entries"] == 1 and patched.json()["entries_total"] == 2
    assert (
        client.patch("/v1/banks/nope", json={"enabled": False}, headers=headers).status_code == 404
    )
    # A misspelt setting is refused, never a 200 that changed nothing.
    misspelt = client.patch("/v1/banks/ncii-hashes", json={"pdq_threshold": 31}, headers=headers)
    assert misspelt.status_code == 422
    assert misspelt.json()["errors"][0]["field"] == "pdq_threshold"
    # A higher threshold matches more: logged for the lookback (`widen`) beside `bank`.
    widened = client.patch("/v1/banks/ncii-hashes", json={"threshold": 12}, headers=headers)
    assert widened.status_code == 200, widened.text

    listed = client.get("/v1/banks", headers=headers).json()
    assert [b["name"] for b in listed] == ["ncii-hashes"]

    assert _changes(settings) == [
        (None, "bank"),
        (entry_ids[0], "add"),
        (entry_ids[1], "add"),
        (entry_ids[0], "disable"),
        (None, "bank"),
        (None, "bank"),
        (None, "widen"),
    ]


def test_failed_add_leaves_no_entries_and_no_changes(client, auth_header, settings) -> None:
    headers = auth_header("banks")
    client.post(
        "/v1/banks", json={"name": "b", "category": "other", "action": "block"}, headers=headers
    )
    before = _changes(settings)
    response = client.post(
        "/v1/banks/b/entries",
        json={
            "entries": [
                {"signal_type": "pdq", "value": PDQ_A},
                {"signal_type": "nope", "value": "1"},
            ]
        },
        headers=headers,
    )
    assert response.status_code == 422
    assert client.get("/v1/banks/b/entries", headers=headers).json() == []
    assert _changes(settings) == before
