"""A reviewer whose console session ended while they wrote (idle timeout, signed out
elsewhere) and then sends the decision form is told plainly that nothing was recorded, and
is given back what they typed, with a way to sign in again to the case: not a bare JSON error
that loses a reason written over many minutes."""

from __future__ import annotations

from datetime import timedelta

from takedown import clock
from tests.review_support import case_seen_by_staff, console, make_user, report

REASON = "Adult performer, verified age record on file; <b>not</b> a minor."


def test_a_decision_sent_after_the_session_ended_gives_back_what_was_typed(client, app, settings):
    make_user(settings, "carol", "child_safety_reviewer")
    case = report(client, category="child_sexual_abuse", content_id="x")["case_id"]
    browser = console(app, "carol")
    assert browser.get(f"/console/cases/{case}").status_code == 200
    clock.advance(timedelta(minutes=settings.session_idle_minutes + 1))

    answer = browser.post(
        f"/console/cases/{case}/decisions",
        data={"outcome": "no_violation", "reason": REASON, "immediate_risk": ""},
        headers={"accept": "text/html", "referer": f"http://testserver/console/cases/{case}"},
        follow_redirects=False,
    )
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("text/html")
    assert "nothing was recorded" in answer.text
    # What was typed comes back, escaped as text (never as markup).
    assert "verified age record on file; &lt;b&gt;not&lt;/b&gt; a minor." in answer.text
    assert "<b>not</b>" not in answer.text
    assert f'href="/console/login?next=%2Fconsole%2Fcases%2F{case}"' in answer.text
    assert case_seen_by_staff(client, settings, case)["decisions"] == []


def test_an_api_client_without_a_session_still_gets_a_problem(client, app, settings):
    make_user(settings, "carol", "child_safety_reviewer")
    case = report(client, category="child_sexual_abuse", content_id="x")["case_id"]
    answer = client.post(
        f"/console/cases/{case}/decisions",
        data={"outcome": "no_violation", "reason": REASON},
        headers={"accept": "application/json"},
    )
    assert answer.status_code == 401
    assert answer.json()["code"] == "login_required"
