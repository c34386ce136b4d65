"""Rule: with `TAKEDOWN_LEDGER_RETENTION_DAYS` set, the hourly ledger-retention job deletes
allowed scans older than that (with their signal rows) and keeps blocked scans, scans with match
events, scans a case enforced against, and anything younger; each batch is audited. At 0 (the
default) nothing is deleted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from takedown import clock
from takedown.api.app import create_app
from takedown.audit.models import AuditEntry
from takedown.scan.models import ContentItem, ContentSignal
from takedown.scan.retention import purge_expired
from takedown.store.db import session_scope
from tests.enforcement_support import (  # noqa: F401
    decide_violating,
    moving_clock,
    report_with_media,
)
from tests.erasure_support import database_files_hold
from tests.media import altered_copy, generated_scene, jpeg, stand_in


def _scan(client: TestClient, headers: dict[str, str], data: bytes, content_id: str) -> dict:
    answer = client.post(
        "/v1/scan",
        files={"file": ("a.jpg", data)},
        data={"content_id": content_id, "account_id": "acct-1"},
        headers=headers,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def _ledger(settings) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """content_id -> number of signal rows, for every scan in the ledger."""
    with session_scope(settings.resolved_database_url) as db_session:
        rows = db_session.execute(
            select(ContentItem.content_id, func.count(ContentSignal.id))
            .outerjoin(ContentSignal, ContentSignal.content_item_id == ContentItem.id)
            .group_by(ContentItem.content_id)
        ).all()
    return {content_id: count for content_id, count in rows}


@pytest.mark.usefixtures("moving_clock")
def test_ledger_retention_purges_old_allowed_scans(settings, auth_header) -> None:
    scan, banks = auth_header("scan"), auth_header("scan", "banks")
    keeping = settings.model_copy(update={"ledger_retention_days": 30})
    with TestClient(create_app(settings)) as client:
        assert (
            client.post(
                "/v1/banks",
                json={"name": "list", "category": "csam", "action": "block"},
                headers=banks,
            ).status_code
            == 201
        )
        banked = jpeg(stand_in("rocket"))
        pdq = next(
            s["value"]
            for s in client.post(
                "/v1/hash", files={"file": ("a.jpg", banked)}, headers=scan
            ).json()["signals"]
            if s["type"] == "pdq"
        )
        client.post(
            "/v1/banks/list/entries",
            json={"entries": [{"signal_type": "pdq", "value": pdq}]},
            headers=banks,
        )
        client.app.state.index.refresh()

        assert _scan(client, scan, jpeg(generated_scene(61)), "old-allowed")["verdict"] == "allow"
        assert (
            _scan(client, scan, altered_copy(stand_in("rocket")), "old-blocked")["verdict"]
            == "block"
        )
        enforced = jpeg(generated_scene(62))
        assert _scan(client, scan, enforced, "old-enforced")["verdict"] == "allow"
        # Reported and confirmed: the scan is a case's enforced item (case_copies) from now on.
        case = report_with_media(client, enforced, content_id="old-enforced", account_id="acct-1")
        decide_violating(client, settings, case["case_id"], classification="B2")
        clock.advance(timedelta(days=20))
        assert _scan(client, scan, jpeg(generated_scene(63)), "young-allowed")["verdict"] == "allow"
        clock.advance(timedelta(days=11))  # the first three are 31 days old, the last 11

    before = _ledger(settings)
    assert set(before) == {"old-allowed", "old-blocked", "old-enforced", "young-allowed"}
    assert before["old-allowed"] > 0  # its signal rows
    assert purge_expired(settings) == 0  # retention 0: keep everything
    assert _ledger(settings) == before

    assert purge_expired(keeping) == 1
    after = _ledger(settings)
    assert set(after) == {"old-blocked", "old-enforced", "young-allowed"}
    if settings.resolved_database_url.startswith("sqlite"):
        assert not database_files_hold(settings, "old-allowed")  # nor in the files
    with session_scope(settings.resolved_database_url) as db_session:
        orphans = db_session.scalar(
            select(func.count())
            .select_from(ContentSignal)
            .where(~ContentSignal.content_item_id.in_(select(ContentItem.id)))
        )
        assert orphans == 0
        audited = db_session.scalars(
            select(AuditEntry).where(AuditEntry.action == "ledger.purged")
        ).all()
        assert len(audited) == 1 and audited[0].details["scans"] == 1
    assert purge_expired(keeping) == 0  # nothing more is due
