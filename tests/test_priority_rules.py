"""Priority from reports and content: P0 for child sexual abuse or exploitation (or intimate
imagery of a minor) with a minor subject, a victim or parent reporter, a police case number, a
bank match, or an uploader with earlier violations; P1 other child safety, NCII and designated
trusted flaggers; P2 the rest. A new report can raise a case's priority, never lower it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from takedown.cases.service import get_case
from takedown.settings import Settings
from takedown.signals.service import hash_media
from takedown.store.db import session_scope
from tests.media import altered_copy, jpeg, stand_in
from tests.reports_support import file_report
from tests.review_support import case_seen_by_staff, reported_case


def priority_of(client: TestClient, settings: Settings, case_id: str) -> str:
    return case_seen_by_staff(client, settings, case_id)["priority"]


@pytest.mark.parametrize(
    ("category", "fields"),
    [
        ("child_sexual_abuse", {"subject_is_minor": "yes"}),
        ("child_sexual_exploitation", {"reporter": {"role": "victim"}}),
        ("child_sexual_exploitation", {"reporter": {"role": "parent_or_guardian"}}),
        ("child_sexual_abuse", {"law_enforcement": {"agency": "Met", "case_number": "CR-1"}}),
        ("non_consensual_intimate_imagery", {"subject_is_minor": "yes"}),  # a minor's: CSAM
    ],
)
def test_p0_aggravating_facts(client, settings, category, fields):
    answer = file_report(client, category, **fields)
    assert priority_of(client, settings, answer["case_id"]) == "P0"


@pytest.mark.parametrize(
    ("category", "fields", "expected"),
    [
        ("child_sexual_abuse", {}, "P1"),
        ("child_sexual_exploitation", {"reporter": {"role": "bystander"}}, "P1"),
        ("child_sexual_abuse", {"law_enforcement": {"agency": "Met"}}, "P1"),
        ("other_illegal", {"subject_is_minor": "yes"}, "P1"),
        ("non_consensual_intimate_imagery", {}, "P1"),
        (  # a claimed role only: tests/test_trusted_flagger_priority_needs_a_designated_key.py
            "terms_violation",
            {"reporter": {"role": "trusted_flagger", "name": "TF", "email": "tf@example.org"}},
            "P2",
        ),
        ("terms_violation", {}, "P2"),
        ("other_illegal", {}, "P2"),
    ],
)
def test_p1_and_p2(client, settings, category, fields, expected):
    answer = file_report(client, category, **fields)
    assert priority_of(client, settings, answer["case_id"]) == expected


def test_new_report_raises_but_never_lowers(client, settings):
    low = file_report(client, "terms_violation", content_id="post-5")
    assert priority_of(client, settings, low["case_id"]) == "P2"
    with session_scope(settings.resolved_database_url) as db_session:
        p2_deadline = get_case(db_session=db_session, case_id=low["case_id"]).deadline_at
    high = file_report(client, "child_sexual_abuse", content_id="post-5", subject_is_minor="yes")
    assert high["case_id"] == low["case_id"]
    assert priority_of(client, settings, low["case_id"]) == "P0"
    with session_scope(settings.resolved_database_url) as db_session:
        case = get_case(db_session=db_session, case_id=low["case_id"])
        assert case.deadline_at < p2_deadline
        assert case.is_child_safety
    again = file_report(client, "terms_violation", content_id="post-5")
    assert again["case_id"] == low["case_id"]
    assert priority_of(client, settings, low["case_id"]) == "P0"
    assert again["deadline"] == high["deadline"]


def _pdq(data: bytes, settings) -> str:  # type: ignore[no-untyped-def]
    signals = hash_media(data, settings=settings).signals
    return next(s["value"] for s in signals if s["type"] == "pdq" and s["variant"] == "original")


@pytest.fixture
def banked_client(app, cli, settings, tmp_path):  # type: ignore[no-untyped-def]
    """A server started after a block bank holding a stand-in image was imported."""
    csv_file = tmp_path / "bank.csv"
    csv_file.write_text(
        "signal_type,signal_str,collab,category,tags\n"
        f"pdq,{_pdq(jpeg(stand_in('chelsea')), settings)},Collab,CSAM,known\n"
    )
    assert cli("bank", "create", "known", "--category", "csam", "--action", "block").exit_code == 0
    assert cli("bank", "import", "known", str(csv_file), "--format", "csv").exit_code == 0
    with TestClient(app) as client:
        yield client


def test_bank_match_of_attached_media_makes_p0(banked_client, settings):
    answer = file_report(
        banked_client,
        "child_sexual_abuse",
        file=altered_copy(stand_in("chelsea")),
        content_url=None,
    )
    answer["case_id"] = reported_case(banked_client, answer)
    seen = case_seen_by_staff(banked_client, settings, answer["case_id"])
    assert seen["priority"] == "P0" and seen["bank_match"]
    assert seen["media"][0]["matches"][0]["bank"] == "known"
    unrelated = file_report(
        banked_client, "child_sexual_abuse", file=jpeg(stand_in("coffee")), content_url=None
    )
    unrelated["case_id"] = reported_case(banked_client, unrelated)
    assert unrelated["case_id"] != answer["case_id"]
    assert priority_of(banked_client, settings, unrelated["case_id"]) == "P1"


def test_uploader_with_blocked_uploads_makes_p0(banked_client, settings, make_api_key):
    scan = banked_client.post(
        "/v1/scan",
        files={"file": ("a.jpg", jpeg(stand_in("chelsea")), "image/jpeg")},
        data={"content_id": "old-upload", "account_id": "acct-9"},
        headers={"Authorization": f"Bearer {make_api_key('scan')}"},
    )
    assert scan.json()["verdict"] == "block"
    # The ledger ties content ids to uploaders, so a public report of a new post finds them.
    banked_client.post(
        "/v1/scan",
        files={"file": ("b.jpg", jpeg(stand_in("rocket")), "image/jpeg")},
        data={"content_id": "new-post", "account_id": "acct-9"},
        headers={"Authorization": f"Bearer {make_api_key('scan')}"},
    )
    answer = file_report(banked_client, "child_sexual_exploitation", content_id="new-post")
    assert priority_of(banked_client, settings, answer["case_id"]) == "P0"
    clean = file_report(banked_client, "child_sexual_exploitation", content_id="unknown-post")
    assert priority_of(banked_client, settings, clean["case_id"]) == "P1"


def test_uploader_with_earlier_violating_case_makes_p0(client, settings, auth_header):
    from takedown.cases.models import CaseStatus
    from takedown.cases.service import set_status

    earlier = file_report(
        client,
        "child_sexual_abuse",
        content_id="c1",
        account_id="acct-7",
        headers=auth_header("report"),
    )
    assert priority_of(client, settings, earlier["case_id"]) == "P1"
    with session_scope(settings.resolved_database_url) as db_session:
        case = get_case(db_session=db_session, case_id=earlier["case_id"])
        case.outcome = "violating"
        set_status(db_session=db_session, case=case, status=CaseStatus.ACTION_TAKEN, actor="test")
    later = file_report(
        client,
        "child_sexual_abuse",
        content_id="c2",
        account_id="acct-7",
        headers=auth_header("report"),
    )
    assert priority_of(client, settings, later["case_id"]) == "P0"
