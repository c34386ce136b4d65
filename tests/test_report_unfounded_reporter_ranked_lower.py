"""DSA Art 23: staff can mark a reporter as submitting manifestly unfounded reports (CLI or the
admin staff API); their reports are still stored and answered, just ranked lower."""

from __future__ import annotations

from sqlalchemy import select

from takedown.auth.users import create_user, issue_staff_token
from takedown.reports.models import Report
from takedown.store.db import session_scope
from tests.reports_support import file_report
from tests.review_support import case_seen_by_staff

SPAMMER = {"name": "Spam", "email": "Spammer@Example.org"}


def ranked_lower(client, settings, answer) -> tuple[bool, bool]:  # type: ignore[no-untyped-def]
    """Whether the report, and its case, are ranked lower, as staff see the case."""
    case = case_seen_by_staff(client, settings, answer["case_id"])
    (report,) = [r for r in case["reports"] if r["report_id"] == answer["report_id"]]
    return report["ranked_lower"], case["ranked_lower"]


def test_cli_flag_ranks_later_reports_lower_but_keeps_them(client, settings, cli):
    before = file_report(client, reporter=SPAMMER, content_url="https://x.example/1")
    assert ranked_lower(client, settings, before) == (False, False)
    result = cli(
        "reporter", "flag", "--email", "spammer@example.org", "--reason", "100 false reports"
    )
    assert result.exit_code == 0, result.output
    after = file_report(client, reporter=SPAMMER, content_url="https://x.example/2")
    assert ranked_lower(client, settings, after) == (True, True)
    # Another honest reporter on the same content lifts the case out of the low rank.
    honest = file_report(
        client, content_url="https://x.example/2", reporter={"name": "H", "email": "h@example.org"}
    )
    assert honest["case_id"] == after["case_id"]
    assert ranked_lower(client, settings, honest) == (False, False)
    assert cli("reporter", "flag", "--email", "spammer@example.org", "--clear").exit_code == 0
    cleared = file_report(client, reporter=SPAMMER, content_url="https://x.example/3")
    assert ranked_lower(client, settings, cleared) == (False, False)


def test_admin_staff_api_flags_a_reporter(client, settings):
    with session_scope(settings.resolved_database_url) as db_session:
        create_user(db_session=db_session, username="root", role="admin", password="pw-pw-pw-pw-1")
        create_user(
            db_session=db_session, username="rev", role="reviewer", password="pw-pw-pw-pw-2"
        )
        admin = issue_staff_token(db_session=db_session, username="root")
        reviewer = issue_staff_token(db_session=db_session, username="rev")
    body = {"email": "spammer@example.org", "reason": "unfounded"}
    denied = client.post(
        "/v1/reporters/flags", json=body, headers={"Authorization": f"Bearer {reviewer}"}
    )
    assert denied.status_code == 403
    assert client.post("/v1/reporters/flags", json=body).status_code == 401
    made = client.post(
        "/v1/reporters/flags", json=body, headers={"Authorization": f"Bearer {admin}"}
    )
    assert made.status_code == 200 and made.json()["flagged"] is True
    answer = file_report(client, reporter=SPAMMER)
    assert ranked_lower(client, settings, answer) == (True, True)
    with session_scope(settings.resolved_database_url) as db_session:
        actions = db_session.scalars(select(Report.id)).all()
    assert answer["report_id"] in actions
