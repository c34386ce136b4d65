"""Rule: one reviewer's word is measured. A share of final review decisions is sampled and
decided again, blind, by a reviewer who made no decision on the case. A check that disagrees
with the outcome standing reopens the case as an appeal that neither the decider nor the checker
may decide; a third reviewer's reversal acts and the reporters hear of it. Leads see the
agreement rate by category (and, for admins, by reviewer). Staff's checks are not complaints:
the transparency report's appeals leave them out."""

from __future__ import annotations

import csv
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import select

from takedown.api.app import create_app
from takedown.notify.models import Notification
from takedown.store.db import session_scope
from tests.review_support import console, make_user, report, staff_headers

NCII = "non_consensual_intimate_imagery"
ALICE_REASON = "consensual adult content, as far as alice can tell"


def _quality(client: TestClient, headers: dict[str, str]) -> dict:  # type: ignore[type-arg]
    answer = client.get("/v1/quality", headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def _decide(client: TestClient, headers: dict[str, str], case_id: str, outcome: str, **kw: str):  # type: ignore[no-untyped-def]
    body = {"outcome": outcome, "reason": kw.pop("reason", "reviewed"), **kw}
    answer = client.post(f"/v1/cases/{case_id}/decisions", json=body, headers=headers)
    assert answer.status_code == 201, answer.text


def test_a_sample_of_decisions_is_checked_blind_by_another_reviewer(settings, cli, tmp_path):  # type: ignore[no-untyped-def]
    settings = settings.model_copy(update={"quality_sample_percent": 100})
    app = create_app(settings)
    for name, role in (("alice", "reviewer"), ("bob", "reviewer"), ("carol", "reviewer")):
        make_user(settings, name, role)
    make_user(settings, "lead", "admin")
    with TestClient(app) as client:
        alice, bob, carol, lead = (
            staff_headers(client, settings, n) for n in ("alice", "bob", "carol", "lead")
        )
        intimate = report(client, category="non_consensual_intimate_imagery", content_id="p-1")
        case_id = intimate["case_id"]
        _decide(client, alice, case_id, "no_violation", reason=ALICE_REASON)

        # The decider is not offered the check, and may not do it.
        assert _quality(client, alice)["waiting"] == []
        waiting = _quality(client, bob)["waiting"]
        assert [w["case_id"] for w in waiting] == [case_id]
        assert waiting[0]["decided_outcome"] is None  # blind until checked
        check_id = waiting[0]["check_id"]
        refused = client.post(
            f"/v1/quality/{check_id}",
            json={"outcome": "no_violation", "reason": "mine"},
            headers=alice,
        )
        assert refused.status_code == 403
        assert refused.json()["code"] == "quality_check_needs_new_reviewer"

        # Bob decides blind in the console: the page shows what was reported, not the decision.
        bob_console = console(app, "bob")
        page = bob_console.get(f"/console/quality/{check_id}").text
        assert "breaks the rules" in page  # the report's explanation
        assert ALICE_REASON not in page
        assert 'id="case-status"' not in page and "Decisions" not in page
        recorded = bob_console.post(
            f"/console/quality/{check_id}",
            {
                "outcome": "violating",
                "policy": "non_consensual_intimate_imagery",
                "reason": "the reporter says it was shared without consent",
            },
        )
        assert recorded.status_code == 303, recorded.text
        assert "notice=disagreed" in recorded.headers["location"]
        assert "differs" in bob_console.get(recorded.headers["location"]).text

        # The case is reopened as an appeal by quality review, not for alice or bob to decide.
        case = client.get(f"/v1/cases/{case_id}", headers=carol).json()
        assert case["status"] == "appealed"
        appeal = case["appeals"][0]
        assert appeal["appellant"] == "quality_review"
        assert "deciding blind, found a violation (non_consensual" in appeal["reason"]
        assert (
            "Reopened by a quality check"
            in console(app, "carol").get(f"/console/cases/{case_id}").text
        )
        # The reporter did not appeal: their page says "in review" again, with no appeal on it.
        tracked = client.get(f"/track/{intimate['tracking_token']}").text
        assert 'id="status">in review<' in tracked and "Appeal" not in tracked
        for headers in (alice, bob):
            assert client.get("/v1/cases?queue=appeals", headers=headers).json()["cases"] == []
            again = client.post(
                f"/v1/appeals/{appeal['appeal_id']}/decisions",
                json={"outcome": "overturned", "reason": "x", "policy": NCII},
                headers=headers,
            )
            assert again.json()["code"] == "appeal_needs_new_reviewer"
        overturned = client.post(
            f"/v1/appeals/{appeal['appeal_id']}/decisions",
            json={"outcome": "overturned", "reason": "shared without consent", "policy": NCII},
            headers=carol,
        )
        assert overturned.status_code == 201, overturned.text
        assert overturned.json()["case"]["status"] == "action_taken"
        with session_scope(settings.resolved_database_url) as db_session:
            told = db_session.scalars(
                select(Notification.recipient).where(
                    Notification.case_id == case_id, Notification.kind == "decision"
                )
            ).all()
        assert told == ["person@example.org", "person@example.org"]  # no action, then removed

        # A decision the check agrees with: no appeal.
        terms = report(
            client, category="terms_violation", content_id="p-2", content_url="https://e.x/2"
        )
        _decide(client, alice, terms["case_id"], "violating", policy="terms_of_service")
        second = next(
            w for w in _quality(client, bob)["waiting"] if w["case_id"] == terms["case_id"]
        )
        agreed = client.post(
            f"/v1/quality/{second['check_id']}",
            json={"outcome": "violating", "policy": "terms_of_service", "reason": "spam"},
            headers=bob,
        )
        assert agreed.status_code == 200, agreed.text
        assert agreed.json()["agrees"] is True and agreed.json()["appeal_id"] is None
        assert agreed.json()["decided_outcome"] == "violating"  # shown once checked
        done = client.post(
            f"/v1/quality/{second['check_id']}",
            json={"outcome": "violating", "policy": "terms_of_service", "reason": "again"},
            headers=carol,
        )
        assert done.json()["code"] == "quality_check_done"

        # Carol's overturning decision on an appeal is not sampled; alice's two decisions were.
        rates = _quality(client, lead)["agreement"]
        assert rates["overall"] == {"checked": 2, "agreed": 1, "rate": 0.5}
        assert rates["by_category"]["terms_violation"]["rate"] == 1.0
        assert rates["by_category"]["non_consensual_intimate_imagery"]["rate"] == 0.0
        assert rates["by_reviewer"] == {"alice": {"checked": 2, "agreed": 1, "rate": 0.5}}
        assert _quality(client, bob)["agreement"]["by_reviewer"] is None  # admins only
        lead_console = console(app, "lead")
        lead_page = lead_console.get("/console/quality").text
        assert "50.0 %" in lead_page and "Reopened as appeal" in lead_page
        case_page = lead_console.get(f"/console/cases/{case_id}").text
        assert "Checked by bob" in case_page and "the case was reopened as an appeal" in case_page
        week = client.get("/v1/overview", headers=lead).json()
        assert week["last_week"]["quality"] == {"checked": 2, "agreed": 1}
        assert week["quality_checks"]["count"] == 0

    out = tmp_path / "transparency"
    today = str(date.today())
    result = cli("report", "transparency", "--from", today, "--to", today, "--output", str(out))
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    with (out / "summary.csv").open() as handle:
        summary = {row["metric"]: row["value"] for row in csv.DictReader(handle)}
    assert summary["appeals"] == "0" and summary["reversals"] == "0"


def test_child_safety_checks_go_to_child_safety_reviewers_only(settings):  # type: ignore[no-untyped-def]
    settings = settings.model_copy(update={"quality_sample_percent": 100})
    app = create_app(settings)
    for name, role in (
        ("cs1", "child_safety_reviewer"),
        ("cs2", "child_safety_reviewer"),
        ("cs3", "child_safety_reviewer"),
        ("plain", "reviewer"),
    ):
        make_user(settings, name, role)
    with TestClient(app) as client:
        cs1, cs2, cs3, plain = (
            staff_headers(client, settings, n) for n in ("cs1", "cs2", "cs3", "plain")
        )
        filed = report(client, category="child_sexual_exploitation", content_id="g-1")
        _decide(client, cs1, filed["case_id"], "no_violation")
        assert _quality(client, cs3)["waiting"] == []  # not final: the second review is next
        _decide(client, cs2, filed["case_id"], "no_violation")
        # Both deciders are out; the plain reviewer may not see a child-safety case.
        assert _quality(client, cs1)["waiting"] == [] and _quality(client, cs2)["waiting"] == []
        assert _quality(client, plain)["waiting"] == []
        waiting = _quality(client, cs3)["waiting"]
        assert [w["case_id"] for w in waiting] == [filed["case_id"]]
        assert (
            console(app, "plain").get(f"/console/quality/{waiting[0]['check_id']}").status_code
            == 403
        )


def test_no_decision_is_sampled_when_quality_checks_are_off(settings):  # type: ignore[no-untyped-def]
    app = create_app(settings.model_copy(update={"quality_sample_percent": 0}))
    make_user(settings, "alice", "reviewer")
    make_user(settings, "bob", "reviewer")
    with TestClient(app) as client:
        alice, bob = (
            staff_headers(client, settings, "alice"),
            staff_headers(client, settings, "bob"),
        )
        filed = report(client, category="terms_violation", content_id="p-9")
        _decide(client, alice, filed["case_id"], "no_violation")
        found = _quality(client, bob)
        assert found["waiting"] == [] and found["agreement"]["waiting"] == 0


def test_a_disagreement_an_appeal_cannot_settle_goes_to_a_lead(settings):  # type: ignore[no-untyped-def]
    """Both found a violation, under policies of different categories: an appeal only upholds or
    reverses, so the case is not reopened; the check says why, for a lead."""
    settings = settings.model_copy(update={"quality_sample_percent": 100})
    app = create_app(settings)
    for name, role in (("alice", "reviewer"), ("bob", "reviewer"), ("lead", "admin")):
        make_user(settings, name, role)
    with TestClient(app) as client:
        alice, bob = (
            staff_headers(client, settings, "alice"),
            staff_headers(client, settings, "bob"),
        )
        filed = report(client, category="terms_violation", content_id="p-3")
        _decide(client, alice, filed["case_id"], "violating", policy="terms_of_service")
        check_id = _quality(client, bob)["waiting"][0]["check_id"]
        checked = client.post(
            f"/v1/quality/{check_id}",
            json={"outcome": "violating", "policy": "illegal_content", "reason": "a scam"},
            headers=bob,
        ).json()
        assert checked["agrees"] is False and checked["appeal_id"] is None
        assert "different categories" in checked["not_reopened_because"]
        assert client.get(f"/v1/cases/{filed['case_id']}", headers=bob).json()["status"] == (
            "action_taken"
        )
        page = console(app, "lead").get("/console/quality").text
        assert "Not reopened:" in page and "a lead decides" in page
