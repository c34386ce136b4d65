"""Console login: argon2 password hashes, an HttpOnly SameSite=Lax session cookie, the idle
timeout, and logout that really ends the session."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from takedown import clock
from takedown.auth.models import User
from takedown.store.db import session_scope
from tests.review_support import PASSWORD, ConsoleBrowser, csrf_from, make_user


def test_passwords_are_stored_as_argon2id(settings):
    user_id = make_user(settings, "alice", "reviewer")
    with session_scope(settings.resolved_database_url) as db_session:
        stored = db_session.get(User, user_id).password_hash
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_console_pages_need_a_login(client):
    answer = client.get("/console/queue", headers={"accept": "text/html"}, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/console/login")
    assert client.get("/console/queue", headers={"accept": "application/json"}).status_code == 401


def test_wrong_password_is_refused(client, settings):
    make_user(settings, "alice", "reviewer")
    browser = ConsoleBrowser(client)
    answer = browser.login("alice", "not the password at all")
    assert answer.status_code == 401
    assert "takedown_session" not in client.cookies
    assert browser.login("nobody", PASSWORD).status_code == 401


def test_login_sets_a_hardened_session_cookie(client, settings):
    make_user(settings, "alice", "reviewer")
    form = client.get("/console/login")
    answer = client.post(
        "/console/login",
        data={"username": "alice", "password": PASSWORD, "csrf_token": csrf_from(form.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert "takedown_session" not in client.cookies  # the password alone is not a session
    finished = ConsoleBrowser(client).second_factor(answer.headers["location"], "alice")
    cookie = next(
        h for h in finished.headers.get_list("set-cookie") if h.startswith("takedown_session=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
    page = client.get("/console/queue")
    assert page.status_code == 200
    assert "alice" in page.text


def test_a_forged_cookie_is_not_a_session(client, settings):
    client.cookies.set("takedown_session", "forged.value")
    answer = client.get("/console/queue", headers={"accept": "application/json"})
    assert answer.status_code == 401


def test_idle_session_times_out(client, settings):
    make_user(settings, "alice", "reviewer")
    browser = ConsoleBrowser(client)
    assert browser.login("alice").status_code == 303
    clock.advance(timedelta(minutes=settings.session_idle_minutes - 1))
    assert client.get("/console/queue").status_code == 200  # activity keeps it alive
    clock.advance(timedelta(minutes=settings.session_idle_minutes - 1))
    assert client.get("/console/queue").status_code == 200
    clock.advance(timedelta(minutes=settings.session_idle_minutes + 1))
    answer = client.get("/console/queue", headers={"accept": "text/html"}, follow_redirects=False)
    assert answer.status_code == 303
    assert "/console/login" in answer.headers["location"]


def test_logout_ends_the_session_for_good(client, settings):
    make_user(settings, "alice", "reviewer")
    browser = ConsoleBrowser(client)
    browser.login("alice")
    stolen = client.cookies.get("takedown_session")
    assert browser.post("/console/logout").status_code == 303
    replay = TestClient(client.app)
    replay.cookies.set("takedown_session", stolen)
    assert replay.get("/console/queue", headers={"accept": "application/json"}).status_code == 401
