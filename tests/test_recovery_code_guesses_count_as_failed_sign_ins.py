"""Rule: new recovery codes take a current code from the authenticator, and a wrong one is a
failed sign-in for that user (audited as `console.login_failed`, stage `recovery_codes`): after
too many within the window the account page refuses (429), even the right code, so a borrowed
session cannot guess its way to a set of codes that sign in anywhere."""

from __future__ import annotations

from sqlalchemy import select

from takedown.audit.models import AuditEntry
from takedown.store.db import session_scope
from tests.review_support import AUTHENTICATOR, console, make_user


def test_recovery_code_guesses_count_as_failed_sign_ins(app, settings) -> None:  # type: ignore[no-untyped-def]
    make_user(settings, "alice", "reviewer")
    alice = console(app, "alice")
    for guess in range(settings.console_login_failures):
        wrong = alice.post("/console/account/recovery-codes", {"code": f"{guess:06d}"})
        assert wrong.status_code == 401, wrong.text

    right = AUTHENTICATOR[(id(app), "alice")].code()
    locked = alice.post("/console/account/recovery-codes", {"code": right})
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.text
    with session_scope(settings.resolved_database_url) as db_session:
        stages = [
            entry.details["stage"]
            for entry in db_session.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == "console.login_failed",
                    AuditEntry.subject == "username:alice",
                )
            )
        ]
        assert stages == ["recovery_codes"] * settings.console_login_failures
        assert db_session.scalars(
            select(AuditEntry).where(AuditEntry.action == "console.login_locked")
        ).all()
