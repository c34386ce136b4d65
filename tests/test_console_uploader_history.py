"""The case page shows the uploader's history: earlier cases of the same account and uploads the
scan blocked (from the content ledger)."""

from __future__ import annotations

from takedown import clock
from takedown.ids import new_id
from takedown.scan.models import ContentItem
from takedown.store.db import session_scope
from tests.review_support import console, make_user, report


def _blocked_upload(settings, account_id: str, content_id: str) -> None:  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        db_session.add(
            ContentItem(
                scan_id=new_id("scan"),
                content_id=content_id,
                account_id=account_id,
                media_type="image",
                size_bytes=1234,
                verdict="block",
                signals=[],
                scanned_at=clock.now(),
            )
        )


def test_case_page_lists_earlier_cases_and_blocked_uploads(client, app, settings, auth_header):
    make_user(settings, "carol", "child_safety_reviewer")
    platform = auth_header("report")
    earlier = client.post(
        "/v1/reports",
        json={"category": "child_sexual_abuse", "content_id": "old-1", "account_id": "acct-42"},
        headers=platform,
    ).json()["case_id"]
    current = client.post(
        "/v1/reports",
        json={"category": "child_sexual_abuse", "content_id": "new-2", "account_id": "acct-42"},
        headers=platform,
    ).json()["case_id"]
    stranger = report(client, category="child_sexual_abuse", content_id="other-3")["case_id"]
    _blocked_upload(settings, "acct-42", "blocked-upload-77")
    _blocked_upload(settings, "acct-99", "someone-elses-upload")

    page = console(app, "carol").get(f"/console/cases/{current}").text
    history = page[page.index('id="history-h"') :]
    assert "acct-42" in history
    assert "Earlier cases (1)" in history and earlier in history
    assert stranger not in history
    assert "Blocked uploads (1)" in history and "blocked-upload-77" in history
    assert "someone-elses-upload" not in history
