"""Rule: after too many failed sign-ins for a console username within the window, that username
is refused (429), even with the right password, without checking the password; every attempt is
in the audit log; once the window has passed the reviewer signs in again."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from takedown import clock
from takedown.audit.models import AuditEntry
from takedown.store.db import session_scope
from tests.review_support import ConsoleBrowser, make_user


def _actions(settings, subject: str) -> list[str]:  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        return list(
            db_session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.subject == subject)
                .order_by(AuditEntry.seq)
            )
        )


def test_username_is_locked_after_too_many_failed_sign_ins(app, settings) -> None:  # type: ignore[no-untyped-def]
    make_user(settings, "rivka", "reviewer")
    make_user(settings, "tomas", "reviewer")
    browser = ConsoleBrowser(TestClient(app, base_url="http://testserver"))
    for _ in range(settings.console_login_failures):
        assert browser.login("rivka", "not-the-password").status_code == 401

    locked = browser.login("rivka")  # the right password
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.text
    assert browser.login("tomas").status_code == 303  # other reviewers are not affected

    actions = _actions(settings, "username:rivka")
    assert actions.count("console.login_failed") == settings.console_login_failures
    assert actions[-1] == "console.login_locked"

    clock.advance(timedelta(minutes=settings.console_login_window_minutes + 1))
    assert (
        ConsoleBrowser(TestClient(app, base_url="http://testserver")).login("rivka").status_code
        == 303
    )


def test_a_few_mistakes_do_not_lock(app, settings) -> None:  # type: ignore[no-untyped-def]
    make_user(settings, "ade", "reviewer")
    browser = ConsoleBrowser(TestClient(app, base_url="http://testserver"))
    for _ in range(settings.console_login_failures - 1):
        assert browser.login("ade", "typo").status_code == 401
    assert browser.login("ade").status_code == 303


def test_address_is_refused_after_too_many_failures_across_usernames(app, settings) -> None:  # type: ignore[no-untyped-def]
    """Password spraying: one failure each for many usernames from one address locks the address
    (not the usernames), so a valid sign-in from it is refused; another address is not."""
    settings.console_login_failures_per_address = 5
    make_user(settings, "noor", "reviewer")
    sprayer = ConsoleBrowser(
        TestClient(app, base_url="http://testserver", client=("203.0.113.7", 1))
    )
    for n in range(settings.console_login_failures_per_address):
        assert sprayer.login(f"guess-{n}", "Summer2026!").status_code == 401

    refused = sprayer.login("noor")  # right password, but from the spraying address
    assert refused.status_code == 429
    assert "from this network address" in refused.text
    elsewhere = ConsoleBrowser(
        TestClient(app, base_url="http://testserver", client=("198.51.100.4", 1))
    )
    assert elsewhere.login("noor").status_code == 303

    with session_scope(settings.resolved_database_url) as db_session:
        actors = set(
            db_session.scalars(
                select(AuditEntry.actor).where(AuditEntry.action == "console.login_failed")
            )
        )
    assert len(actors) == 1  # every failure from the one address, under one keyed hash
    (actor,) = actors
    assert actor.startswith("address:") and "203.0.113.7" not in actor

    clock.advance(timedelta(minutes=settings.console_login_window_minutes + 1))
    assert sprayer.login("noor").status_code == 303
