"""Reports with the same content_id or the same (normalised) URL join one case; the case shows
every report, their count and the distinct reporters."""

from __future__ import annotations

from takedown.store.db import session_scope
from tests.reports_support import file_report
from tests.review_support import case_seen_by_staff


def test_same_content_id_joins_one_case(client, settings):
    a = file_report(client, "child_sexual_abuse", content_id="post-7", content_url=None)
    b = file_report(
        client,
        "terms_violation",
        content_id="post-7",
        reporter={"name": "B", "email": "b@example.org"},
    )
    c = file_report(client, "child_sexual_abuse", content_id="post-8", content_url=None)
    assert a["case_id"] == b["case_id"] != c["case_id"]
    seen = case_seen_by_staff(client, settings, a["case_id"])
    assert seen["report_count"] == len(seen["reports"]) == 2
    assert {r["report_id"] for r in seen["reports"]} == {a["report_id"], b["report_id"]}
    # The most severe category wins.
    assert seen["category"] == "child_sexual_abuse"


def test_url_variants_of_one_page_join_one_case(client, settings):
    urls = [
        "https://www.Platform.example/p/42/",
        "http://platform.example/p/42?utm_source=share",
        "https://platform.example:443/p/42#comments",
    ]
    emails = ["one@example.org", "two@example.org", "one@example.org"]
    answers = [
        file_report(client, content_url=url, reporter={"name": "X", "email": email})
        for url, email in zip(urls, emails, strict=True)
    ]
    assert len({a["case_id"] for a in answers}) == 1
    seen = case_seen_by_staff(client, settings, answers[0]["case_id"])
    assert seen["report_count"] == len(seen["reports"]) == 3
    assert seen["distinct_reporters"] == 2
    different = file_report(client, content_url="https://platform.example/p/43")
    assert different["case_id"] != answers[0]["case_id"]


def test_a_decided_case_is_not_reopened_by_a_new_report(client, settings):
    from takedown.cases.models import CaseStatus
    from takedown.cases.service import get_case, set_status

    first = file_report(client, "child_sexual_abuse", content_id="post-1", content_url=None)
    with session_scope(settings.resolved_database_url) as db_session:
        case = get_case(db_session=db_session, case_id=first["case_id"])
        set_status(db_session=db_session, case=case, status=CaseStatus.NO_ACTION, actor="test")
    second = file_report(client, "child_sexual_abuse", content_id="post-1", content_url=None)
    assert second["case_id"] != first["case_id"]
