"""Rule: a decision form the case can no longer take is refused with words that are true for the
reviewer who sent it. Sent twice (a double click, a resend after a slow answer), it says the
decision recorded meanwhile was their own, and never invites the first reviewer to give the
second review the two-person rule refuses them. Sent after another reviewer closed the case,
it promises "what you typed is kept", so the typed reason is shown, marked not recorded, even
though the case takes no decision form any more."""

from __future__ import annotations

import html
import re

from tests.review_support import console, make_user, report


def _version(browser, case_id: str) -> str:  # type: ignore[no-untyped-def]
    found = re.search(
        r'name="case_version" value="([^"]+)"', browser.get(f"/console/cases/{case_id}").text
    )
    assert found, "no decision form"
    return found.group(1)


def test_a_decision_sent_twice_says_the_first_was_the_reviewers_own(client, app, settings):
    make_user(settings, "carol", "child_safety_reviewer")
    case_id = report(client, category="child_sexual_abuse", content_id="twice")["case_id"]
    carol = console(app, "carol")
    seen = _version(carol, case_id)
    form = {"reason": "An adult, verified.", "case_version": seen}
    assert carol.decide(case_id, "no_violation", **form).status_code == 303
    again = carol.decide(case_id, "no_violation", **form)
    assert again.status_code == 409
    said = html.unescape(again.text)
    assert "yours among them: the form was sent twice" in said
    assert "a decision you send now would be the second review" not in said


def test_a_decision_refused_because_the_case_closed_meanwhile_shows_the_typed_reason(
    client, app, settings
):
    make_user(settings, "carol", "reviewer")
    make_user(settings, "bob", "reviewer")
    case_id = report(client, category="terms_violation", content_url="https://p.example/late")[
        "case_id"
    ]
    carol, bob = console(app, "carol"), console(app, "bob")
    seen_by_carol = _version(carol, case_id)
    seen_by_bob = _version(bob, case_id)
    assert (
        bob.decide(case_id, "no_violation", reason="Fine.", case_version=seen_by_bob).status_code
        == 303
    )

    reason = "Spam run from a bought account; <see> the other 40 posts."
    late = carol.decide(
        case_id, "violating", policy="spam", reason=reason, case_version=seen_by_carol
    )
    assert late.status_code == 409
    assert "what you typed is kept" in late.text
    typed = re.search(r'<textarea id="typed-reason" readonly>([^<]*)</textarea>', late.text)
    assert typed and html.unescape(typed.group(1)) == reason
    assert "not recorded" in late.text
