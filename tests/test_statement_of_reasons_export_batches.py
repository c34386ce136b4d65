"""Statements of reasons export as JSON batches of at most 100 (the DSA Transparency Database's
batch limit), through `takedown report statements` and the staff API."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from takedown.api.app import create_app
from takedown.transparency.schemas import StatementBatch
from tests.enforcement_support import decision_with_copies
from tests.review_support import make_user, staff_headers


def test_exports_in_batches_of_at_most_100(settings, make_api_key, cli, tmp_path):
    with TestClient(create_app(settings)) as client:
        decision_with_copies(client, settings, make_api_key("scan"), copies=104)  # 105 statements
        make_user(settings, "rev", "reviewer")
        headers = staff_headers(client, settings, "rev")
        first = client.get("/v1/statements-of-reasons/export", headers=headers).json()
        second = client.get("/v1/statements-of-reasons/export?batch=2", headers=headers).json()
        assert (first["batches"], first["total"]) == (2, 105)
        assert len(first["statements"]) == 100 and len(second["statements"]) == 5
        StatementBatch.model_validate({"statements": first["statements"]})
        assert (
            client.get("/v1/statements-of-reasons/export?batch=3", headers=headers).status_code
            == 404
        )
        puids = [s["puid"] for s in first["statements"] + second["statements"]]
        assert len(set(puids)) == 105

    out = tmp_path / "sor"
    result = cli("report", "statements", "--output", str(out))
    assert result.exit_code == 0, result.output
    files = sorted(out.glob("statements-*.json"))
    assert [f.name for f in files] == ["statements-0001.json", "statements-0002.json"]
    batches = [json.loads(f.read_text()) for f in files]
    assert [len(b["statements"]) for b in batches] == [100, 5]
    for batch in batches:
        StatementBatch.model_validate(batch)
    assert [s["puid"] for b in batches for s in b["statements"]] == puids
