"""Rule: a decision that missed child sexual abuse is never the end. Any reviewer who sees that a
decided case (no violation, or a violation of another kind) may be child sexual abuse or
exploitation refers it: the decision stands, and a case of its own about the post opens in
child-safety review, with the media while Takedown still keeps it, so it is found and reported
to NCMEC like any other. A quality check that finds child sexual abuse where the case cannot be
reopened (a violation of another kind, or the appeal window closed) refers it by itself instead
of leaving it to a lead."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from takedown import clock
from takedown.api.app import create_app
from takedown.audit.models import AuditEntry
from takedown.evidence.media import delete_closed_case_media
from takedown.store.db import session_scope
from tests.enforcement_support import moving_clock  # noqa: F401 (fixture)
from tests.media import generated_scene, jpeg
from tests.review_support import console, make_user, report, staff_headers

SAW = "a child, in a sexualised pose (benign test stand-in)"


def _decide(client: TestClient, headers: dict[str, str], case_id: str, outcome: str, **kw: str):  # type: ignore[no-untyped-def]
    body = {"outcome": outcome, "reason": kw.pop("reason", "reviewed"), **kw}
    answer = client.post(f"/v1/cases/{case_id}/decisions", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


def _refer(client: TestClient, headers: dict[str, str], case_id: str) -> dict:  # type: ignore[type-arg]
    answer = client.post(
        f"/v1/cases/{case_id}/referrals",
        json={"category": "child_sexual_abuse", "subject_is_minor": True, "reason": SAW},
        headers=headers,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


def test_a_decided_case_that_may_be_child_abuse_is_referred_to_child_safety_review(
    client, app, settings
):  # type: ignore[no-untyped-def]
    for name, role in (
        ("rita", "reviewer"),
        ("ruth", "reviewer"),
        ("cara", "child_safety_reviewer"),
    ):
        make_user(settings, name, role)
    rita, ruth, cara = (staff_headers(client, settings, n) for n in ("rita", "ruth", "cara"))
    picture = jpeg(generated_scene(91))
    filed = report(
        client,
        category="terms_violation",
        image=picture,
        content_id="post-91",
        content_url="https://platform.example/p/91",
        account_id="acct-91",
    )
    closed_id = filed["case_id"]
    _decide(client, rita, closed_id, "no_violation", reason="nothing against the rules")
    assert client.get(f"/v1/cases/{closed_id}", headers=ruth).json()["status"] == "no_action"

    # Another reviewer sees the closed case and refers it; the console offers the form there.
    assert 'id="referral-form"' in console(app, "ruth").get(f"/console/cases/{closed_id}").text
    referred = _refer(client, ruth, closed_id)
    new_id = referred["case_id"]
    assert new_id != closed_id
    assert referred["is_child_safety"] is True and referred["priority"] == "P0"
    assert client.get(f"/v1/cases/{closed_id}", headers=cara).json()["status"] == "no_action"

    new_case = client.get(f"/v1/cases/{new_id}", headers=cara).json()
    assert new_case["category"] == "child_sexual_abuse" and new_case["status"] == "open"
    assert [r["channel"] for r in new_case["reports"]] == ["reviewer_referral"]
    assert new_case["content_id"] == "post-91" and new_case["account_id"] == "acct-91"
    assert len(new_case["media"]) == 1  # the working copy, still kept
    assert [c["case_id"] for c in new_case["earlier_cases"]] == [closed_id]
    assert client.get(f"/v1/cases/{new_id}", headers=rita).status_code == 403  # child safety
    assert new_id in client.get("/v1/cases", headers=cara).text

    decided = _decide(
        client,
        cara,
        new_id,
        "violating",
        policy="child_sexual_abuse_material",
        classification="A1",
        reason="confirmed",
    )
    assert decided["case"]["status"] == "action_taken"
    filings = client.get(f"/v1/cases/{new_id}/ncmec", headers=cara).json()["filings"]
    assert len(filings) == 1  # reported to NCMEC like any child-safety finding

    # Found already: nothing more to refer.
    again = client.post(
        f"/v1/cases/{new_id}/referrals",
        json={"category": "child_sexual_abuse", "reason": "again"},
        headers=cara,
    )
    assert again.status_code == 409 and again.json()["code"] == "already_child_safety"
    with session_scope(settings.resolved_database_url) as db_session:
        (entry,) = db_session.scalars(
            select(AuditEntry).where(AuditEntry.action == "case.referred_to_child_safety")
        ).all()
        assert entry.subject == closed_id and entry.details["referred_case_id"] == new_id


def test_a_referral_after_the_media_was_deleted_opens_a_case_on_the_post(client, app, settings):  # type: ignore[no-untyped-def]
    make_user(settings, "rita", "reviewer")
    make_user(settings, "cara", "child_safety_reviewer")
    rita, cara = staff_headers(client, settings, "rita"), staff_headers(client, settings, "cara")
    filed = report(
        client,
        category="terms_violation",
        image=jpeg(generated_scene(92)),
        content_id="post-92",
        content_url="https://platform.example/p/92",
    )
    _decide(client, rita, filed["case_id"], "violating", policy="terms_of_service")
    with session_scope(settings.resolved_database_url) as db_session:
        assert delete_closed_case_media(db_session=db_session, settings=settings) == 1
    # The decided case's page says the picture is gone, rather than showing a broken one.
    page = console(app, "cara").get(f"/console/cases/{filed['case_id']}").text
    assert "was deleted from working storage when the case closed" in page
    assert "preview.jpg" not in page and "reveal-form" not in page
    referred = _refer(client, cara, filed["case_id"])
    new_case = client.get(f"/v1/cases/{referred['case_id']}", headers=cara).json()
    assert new_case["media"] == [] and new_case["content_id"] == "post-92"
    assert new_case["is_child_safety"] is True


def _checked(client: TestClient, headers: dict[str, str], **decision: str) -> dict:  # type: ignore[type-arg]
    (waiting,) = client.get("/v1/quality", headers=headers).json()["waiting"]
    answer = client.post(f"/v1/quality/{waiting['check_id']}", json=decision, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


CSAM_FINDING = {
    "outcome": "violating",
    "policy": "child_sexual_abuse_material",
    "classification": "B2",
    "reason": "the person shown is a child",
}


def test_a_quality_check_that_finds_child_abuse_in_a_violation_of_another_kind_refers_it(settings):  # type: ignore[no-untyped-def]
    settings = settings.model_copy(update={"quality_sample_percent": 100})
    app = create_app(settings)
    make_user(settings, "rita", "reviewer")
    make_user(settings, "cara", "child_safety_reviewer")
    make_user(settings, "lead", "admin")
    with TestClient(app) as client:
        rita, cara = (
            staff_headers(client, settings, "rita"),
            staff_headers(client, settings, "cara"),
        )
        filed = report(
            client,
            category="terms_violation",
            image=jpeg(generated_scene(93)),
            content_id="post-93",
            content_url="https://platform.example/p/93",
        )
        _decide(client, rita, filed["case_id"], "violating", policy="terms_of_service")
        checked = _checked(client, cara, **CSAM_FINDING)
        assert checked["agrees"] is False and checked["appeal_id"] is None
        assert "different categories" in checked["not_reopened_because"]
        assert "a lead decides" not in checked["not_reopened_because"]
        referred_id = checked["referred_case_id"]
        assert referred_id and referred_id != filed["case_id"]
        referred = client.get(f"/v1/cases/{referred_id}", headers=cara).json()
        assert referred["category"] == "child_sexual_abuse" and referred["status"] == "open"
        assert "Quality check" in referred["reports"][0]["explanation"]
        page = console(app, "lead").get("/console/quality").text
        assert "Referred to child-safety review" in page and referred_id in page


@pytest.mark.usefixtures("moving_clock")
def test_a_quality_check_that_finds_child_abuse_after_the_appeal_window_refers_it(settings):  # type: ignore[no-untyped-def]
    settings = settings.model_copy(update={"quality_sample_percent": 100})
    app = create_app(settings)
    make_user(settings, "rita", "reviewer")
    make_user(settings, "cara", "child_safety_reviewer")
    with TestClient(app) as client:
        rita, cara = (
            staff_headers(client, settings, "rita"),
            staff_headers(client, settings, "cara"),
        )
        filed = report(
            client,
            category="terms_violation",
            content_id="post-94",
            content_url="https://platform.example/p/94",
        )
        _decide(client, rita, filed["case_id"], "no_violation")
        clock.advance(timedelta(days=settings.appeal_window_days + 1))
        checked = _checked(client, cara, **CSAM_FINDING)
        assert "appeal window has closed" in checked["not_reopened_because"]
        referred = client.get(f"/v1/cases/{checked['referred_case_id']}", headers=cara).json()
        assert referred["is_child_safety"] is True and referred["status"] == "open"
        assert client.get(f"/v1/cases/{filed['case_id']}", headers=cara).json()["status"] == (
            "no_action"
        )


def test_a_decided_case_with_nothing_left_to_locate_it_says_so(client, settings):  # type: ignore[no-untyped-def]
    """A report that sent only a file names no post; once the file is deleted after close, a
    referral would have nothing to review: it is refused with the way forward."""
    for name in ("cs1", "cs2", "cs3"):
        make_user(settings, name, "child_safety_reviewer")
    cs1, cs2, cs3 = (staff_headers(client, settings, n) for n in ("cs1", "cs2", "cs3"))
    filed = report(client, category="child_sexual_exploitation", image=jpeg(generated_scene(95)))
    _decide(client, cs1, filed["case_id"], "no_violation")
    _decide(client, cs2, filed["case_id"], "no_violation")  # two-person rule: closed
    with session_scope(settings.resolved_database_url) as db_session:
        assert delete_closed_case_media(db_session=db_session, settings=settings) == 1
    refused = client.post(
        f"/v1/cases/{filed['case_id']}/referrals",
        json={"category": "child_sexual_abuse", "reason": SAW},
        headers=cs3,
    )
    assert refused.status_code == 409 and refused.json()["code"] == "nothing_to_refer"
