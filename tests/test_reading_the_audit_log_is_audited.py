"""Rule: reading the audit log is audited.

The log says who revealed, decided, disclosed; who read it (through `GET /v1/audit`, the
console's Audit log page or `takedown audit show`) is logged too, as `audit.read` with the filters
used and how many entries were shown."""

from __future__ import annotations

import json

from tests.review_support import console, make_user, staff_headers


def test_reading_the_audit_log_is_audited(app, client, settings, cli):  # type: ignore[no-untyped-def]
    make_user(settings, "lee", "legal")
    legal = staff_headers(client, settings, "lee")
    assert client.get("/v1/audit", params={"action": "user."}, headers=legal).status_code == 200
    assert (
        console(app, "lee").get("/console/audit", params={"subject": "case_x"}).status_code == 200
    )
    assert cli("audit", "show", "--limit", "3").exit_code == 0

    result = cli("audit", "show", "--action", "audit.read", "--json")
    reads = [json.loads(line) for line in result.stdout.splitlines()]  # newest first
    assert [r["actor"].split(":")[0] for r in reads] == ["cli", "user", "user"]
    assert reads[1]["details"]["subject"] == "case_x"
    assert reads[2]["details"]["action"] == "user." and reads[2]["details"]["shown"] >= 1
