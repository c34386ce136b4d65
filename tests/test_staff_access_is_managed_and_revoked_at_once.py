"""Staff access is managed by admins and revoked at once: disabling a user stops their console
session and staff token on the next request; roles change from the console or the CLI; the last
enabled admin can be neither disabled nor demoted (nobody could manage staff any more); an admin
resets a lost authenticator from the console; a user changes their own password with the current
one, which signs their other sessions out, and can sign out everywhere else. Every change is
audited with who made it."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import select

from takedown.audit.models import AuditEntry
from takedown.auth.models import User
from takedown.store.db import session_scope
from tests.review_support import (
    PASSWORD,
    ConsoleBrowser,
    console,
    csrf_from,
    make_user,
    staff_headers,
)


def _user_id(settings, username: str) -> str:  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        return db_session.scalar(select(User.id).where(User.username == username))


def _audit(settings, action: str) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        rows = db_session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
        db_session.expunge_all()
        return list(rows)


def _in(browser: ConsoleBrowser) -> bool:
    answer = browser.get("/console/queue", headers={"accept": "application/json"})
    return answer.status_code == 200


def test_disabling_a_user_revokes_session_and_token_at_once(app, client, settings):
    make_user(settings, "ada", "admin")
    make_user(settings, "rev", "reviewer")
    boss = console(app, "ada")
    reviewer = console(app, "rev")
    token = staff_headers(client, settings, "rev")
    assert client.get("/v1/cases", headers=token).status_code == 200
    rev_id = _user_id(settings, "rev")

    answer = boss.post(f"/console/staff/{rev_id}/disabled", {"disabled": "true"})
    assert answer.status_code == 303
    assert "staff_disabled" in answer.headers["location"]
    assert not _in(reviewer)
    assert client.get("/v1/cases", headers=token).status_code in (401, 403)
    assert ConsoleBrowser(TestClient(app)).login("rev").status_code == 401
    disabled = _audit(settings, "user.disabled")
    assert [(e.subject, e.actor) for e in disabled] == [
        (rev_id, f"user:{_user_id(settings, 'ada')}")
    ]

    assert boss.post(f"/console/staff/{rev_id}/disabled", {"disabled": "false"}).status_code == 303
    assert console(app, "rev") is not None  # signs in again
    # Ended for good: enabling again revives neither the old session nor the old token.
    assert not _in(reviewer)
    assert client.get("/v1/cases", headers=token).status_code in (401, 403)


def test_the_last_admin_cannot_be_disabled_or_demoted(app, settings, cli):
    make_user(settings, "ada", "admin")
    boss = console(app, "ada")
    ada_id = _user_id(settings, "ada")
    demoted = boss.post(f"/console/staff/{ada_id}/role", {"role": "reviewer"})
    assert demoted.status_code == 409 and "last enabled admin" in demoted.text
    assert boss.post(f"/console/staff/{ada_id}/disabled", {"disabled": "true"}).status_code == 422
    assert boss.post(f"/console/staff/{ada_id}/role", {"role": "king"}).status_code == 422
    result = cli("user", "disable", "--username", "ada")
    assert result.exit_code == 1 and "last enabled admin" in result.output
    assert cli("user", "set-role", "--username", "ada", "--role", "legal").exit_code == 1

    # With a second admin, the first may step down.
    make_user(settings, "bea", "admin")
    assert cli("user", "set-role", "--username", "ada", "--role", "legal").exit_code == 0
    listed = [json.loads(line) for line in cli("user", "list", "--json").stdout.splitlines()]
    assert {row["username"]: row["role"] for row in listed} == {"ada": "legal", "bea": "admin"}
    changed = _audit(settings, "user.role_changed")
    assert [(e.details["from"], e.details["to"], e.actor) for e in changed] == [
        ("admin", "legal", "cli")
    ]
    # ada's open session now has a legal's rights, not an admin's.
    assert boss.get("/console/staff", headers={"accept": "text/html"}).status_code == 403


def test_staff_page_is_for_admins_only(app, settings):
    make_user(settings, "rev", "child_safety_reviewer")
    make_user(settings, "lee", "legal")
    reviewer = console(app, "rev")
    legal = console(app, "lee")
    assert reviewer.get("/console/staff", headers={"accept": "text/html"}).status_code == 403
    target = _user_id(settings, "rev")
    assert legal.post(f"/console/staff/{target}/role", {"role": "admin"}).status_code == 403
    assert _audit(settings, "user.role_changed") == []


def test_admin_resets_a_lost_authenticator_from_the_console(app, settings):
    make_user(settings, "ada", "admin")
    make_user(settings, "rev", "reviewer")
    boss = console(app, "ada")
    reviewer = console(app, "rev")
    page = boss.get("/console/staff").text
    assert 'data-user="rev"' in page and "Reset (lost phone)" in page
    answer = boss.post(f"/console/staff/{_user_id(settings, 'rev')}/two-factor-reset")
    assert answer.status_code == 303
    assert not _in(reviewer)  # signed out everywhere
    fresh = ConsoleBrowser(TestClient(app))
    password_step = fresh.client.get("/console/login")
    answer = fresh.client.post(
        "/console/login",
        data={"username": "rev", "password": PASSWORD, "csrf_token": csrf_from(password_step.text)},
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/console/login/setup"
    assert [e.actor for e in _audit(settings, "user.two_factor_reset")] == [
        f"user:{_user_id(settings, 'ada')}"
    ]


def test_changing_the_password_needs_the_current_one_and_signs_out_elsewhere(app, settings):
    make_user(settings, "rev", "reviewer")
    laptop = console(app, "rev")
    phone = console(app, "rev")
    wrong = laptop.post(
        "/console/account/password",
        {
            "current_password": "not my password at all",
            "new_password": "a brand new passphrase",
            "repeat_password": "a brand new passphrase",
        },
    )
    assert wrong.status_code == 422
    failures = _audit(settings, "console.login_failed")
    assert [e.details["stage"] for e in failures] == ["password_change"]
    changed = laptop.post(
        "/console/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "a brand new passphrase",
            "repeat_password": "a brand new passphrase",
        },
    )
    assert changed.status_code == 303
    assert _in(laptop) and not _in(phone)
    assert ConsoleBrowser(TestClient(app)).login("rev", PASSWORD).status_code == 401
    short = laptop.post(
        "/console/account/password",
        {
            "current_password": "a brand new passphrase",
            "new_password": "short",
            "repeat_password": "short",
        },
    )
    assert short.status_code == 422


def test_signing_out_everywhere_else_ends_the_other_sessions_only(app, settings):
    make_user(settings, "rev", "reviewer")
    laptop = console(app, "rev")
    phone = console(app, "rev")
    account = laptop.get("/console/account").text
    assert "data-other-sessions>1<" in account
    assert laptop.post("/console/account/sessions/end-others").status_code == 303
    assert _in(laptop) and not _in(phone)
    assert "data-other-sessions hidden>0<" in laptop.get("/console/account").text
    ended = _audit(settings, "console.other_sessions_ended")
    assert [e.subject for e in ended] == [_user_id(settings, "rev")]
