"""An admin adds a staff member without ever knowing their password: the invite link works once,
for a limited time; on it the invited person chooses their password and then sets up their
authenticator in the same sitting (so nobody else enrols in their place). A new link replaces
the old; reviewers cannot invite."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from takedown import clock
from takedown.audit.models import AuditEntry
from takedown.auth.invites import INVITE_HOURS
from takedown.auth.models import User
from takedown.store.db import session_scope
from tests.review_support import Authenticator, ConsoleBrowser, console, csrf_from, make_user

_LINK = re.compile(r"data-invite-link>http://testserver(/console/invite/[A-Za-z0-9_\-]+)<")
NEW_PASSWORD = "my own new passphrase"


def _invite(admin: ConsoleBrowser, username: str, role: str = "child_safety_reviewer") -> str:
    page = admin.post("/console/staff/invite", {"username": username, "role": role})
    assert page.status_code == 200, page.text
    link = _LINK.search(page.text)
    assert link, page.text[:2000]
    return link.group(1)


def _accept(client: TestClient, path: str, password: str = NEW_PASSWORD):  # type: ignore[no-untyped-def]
    form = client.get(path)
    assert form.status_code == 200, form.text
    return client.post(
        path,
        data={
            "new_password": password,
            "repeat_password": password,
            "csrf_token": csrf_from(form.text),
        },
        follow_redirects=False,
    )


def test_invite_link_sets_the_password_then_the_authenticator(app, settings):
    make_user(settings, "ada", "admin")
    admin = console(app, "ada")
    path = _invite(admin, "newbie")
    staff_page = admin.get("/console/staff").text
    assert "(invited)" in staff_page and path not in staff_page  # the link is shown once

    newcomer = TestClient(app)
    answer = _accept(newcomer, path)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/login/setup"
    setup = newcomer.get("/console/login/setup")
    secret = re.search(r"data-secret>([A-Z2-7 ]+)<", setup.text).group(1).replace(" ", "")
    done = newcomer.post(
        "/console/login/setup",
        data={"code": Authenticator(secret).code(), "csrf_token": csrf_from(setup.text)},
        follow_redirects=False,
    )
    assert done.status_code == 200
    assert newcomer.get("/console/queue").status_code == 200

    # Used once: the link is dead, and the chosen password is the one that signs in.
    assert newcomer.get(path).status_code == 410
    assert _accept_status(TestClient(app), path) == 410
    later = TestClient(app)
    form = later.get("/console/login")
    signed = later.post(
        "/console/login",
        data={"username": "newbie", "password": NEW_PASSWORD, "csrf_token": csrf_from(form.text)},
        follow_redirects=False,
    )
    assert signed.headers["location"] == "/console/login/code"  # enrolled, password right
    with session_scope(settings.resolved_database_url) as db_session:
        role = db_session.scalar(select(User.role).where(User.username == "newbie"))
        actions = list(db_session.scalars(select(AuditEntry.action)))
    assert role == "child_safety_reviewer"
    assert "user.invited" in actions and "user.invite_accepted" in actions


def _accept_status(client: TestClient, path: str) -> int:
    return client.post(
        path, data={"new_password": NEW_PASSWORD, "repeat_password": NEW_PASSWORD}
    ).status_code


def test_an_expired_or_replaced_link_does_not_work(app, settings, cli):
    make_user(settings, "ada", "admin")
    admin = console(app, "ada")
    first = _invite(admin, "slow")
    clock.advance(timedelta(hours=INVITE_HOURS + 1))
    assert TestClient(app).get(first).status_code == 410
    with session_scope(settings.resolved_database_url) as db_session:
        user_id = db_session.scalar(select(User.id).where(User.username == "slow"))
    admin = console(app, "ada")  # the old session timed out while the clock moved
    renewed = admin.post(f"/console/staff/{user_id}/invite")
    second = _LINK.search(renewed.text).group(1)
    third = json.loads(
        cli("user", "invite", "--username", "other", "--role", "legal", "--json").stdout
    )
    assert "/console/invite/" in third["link"]
    again = admin.post(f"/console/staff/{user_id}/invite")
    newest = _LINK.search(again.text).group(1)
    assert TestClient(app).get(second).status_code == 410  # replaced by the newest
    assert _accept(TestClient(app), newest).status_code == 303


def test_invite_refuses_weak_or_mismatched_passwords_and_non_admins(app, settings):
    make_user(settings, "ada", "admin")
    make_user(settings, "rev", "reviewer")
    admin = console(app, "ada")
    path = _invite(admin, "newbie")
    visitor = TestClient(app)
    assert _accept(visitor, path, "short").status_code == 422
    form = visitor.get(path)
    mismatched = visitor.post(
        path,
        data={
            "new_password": NEW_PASSWORD,
            "repeat_password": NEW_PASSWORD + "!",
            "csrf_token": csrf_from(form.text),
        },
    )
    assert mismatched.status_code == 422
    assert visitor.get(path).status_code == 200  # still usable after a refused attempt
    reviewer = console(app, "rev")
    refused = reviewer.post("/console/staff/invite", {"username": "sneaky", "role": "admin"})
    assert refused.status_code == 403
    duplicate = admin.post("/console/staff/invite", {"username": "rev", "role": "reviewer"})
    assert duplicate.status_code == 409
