"""Console sign-in takes a second factor: a password alone never opens the console (it shows
case material and files legal reports). A user enrols at the first sign-in (authenticator app,
recovery codes shown once); each TOTP code works once; recovery codes work once each; wrong codes
count toward the sign-in throttle; an administrator's reset makes the user enrol again and ends
their sessions."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
from sqlalchemy import select

from takedown import clock
from takedown.audit.models import AuditEntry
from takedown.settings import Settings
from takedown.store.db import session_scope
from tests.review_support import (
    PASSWORD,
    Authenticator,
    ConsoleBrowser,
    csrf_from,
    make_user,
)

_RECOVERY = re.compile(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>")


def _password_step(client, username: str = "alice", password: str = PASSWORD):  # type: ignore[no-untyped-def]
    form = client.get("/console/login")
    return client.post(
        "/console/login",
        data={"username": username, "password": password, "csrf_token": csrf_from(form.text)},
        follow_redirects=False,
    )


def _enter(client, step: str, code: str):  # type: ignore[no-untyped-def]
    page = client.get(step)
    return client.post(
        step, data={"code": code, "csrf_token": csrf_from(page.text)}, follow_redirects=False
    )


def _signed_in(client) -> bool:  # type: ignore[no-untyped-def]
    answer = client.get("/console/queue", headers={"accept": "application/json"})
    return answer.status_code == 200


def _enrolled(client, username: str = "alice") -> tuple[Authenticator, list[str]]:  # type: ignore[no-untyped-def]
    """Sign `username` in for the first time; their authenticator and recovery codes."""
    assert _password_step(client, username).headers["location"] == "/console/login/setup"
    setup = client.get("/console/login/setup")
    secret = re.search(r"data-secret>([A-Z2-7 ]+)<", setup.text).group(1).replace(" ", "")
    authenticator = Authenticator(secret)
    finished = client.post(
        "/console/login/setup",
        data={"code": authenticator.code(), "csrf_token": csrf_from(setup.text)},
        follow_redirects=False,
    )
    assert finished.status_code == 200, finished.text
    return authenticator, _RECOVERY.findall(finished.text)


def _sign_out(client) -> None:  # type: ignore[no-untyped-def]
    queue = client.get("/console/queue")
    client.post("/console/logout", data={"csrf_token": csrf_from(queue.text)})


def test_a_password_alone_does_not_open_the_console(client, settings):
    make_user(settings, "alice", "child_safety_reviewer")
    answer = _password_step(client)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/login/setup"
    assert "takedown_session" not in client.cookies
    assert not _signed_in(client)
    # A made-up code does not finish it either.
    assert _enter(client, "/console/login/setup", "000000").status_code == 401
    assert not _signed_in(client)


def test_first_sign_in_enrols_an_authenticator_and_shows_recovery_codes_once(client, settings):
    make_user(settings, "alice", "child_safety_reviewer")
    _password_step(client)
    setup = client.get("/console/login/setup")
    assert "<svg" in setup.text  # the QR code an authenticator app scans
    # A reload keeps the secret an app may already have scanned.
    again = client.get("/console/login/setup")
    secret = re.search(r"data-secret>([A-Z2-7 ]+)<", setup.text).group(1)
    assert secret in again.text
    finished = client.post(
        "/console/login/setup",
        data={
            "code": pyotp.TOTP(secret.replace(" ", "")).at(clock.now()),
            "csrf_token": csrf_from(again.text),
        },
        follow_redirects=False,
    )
    assert finished.status_code == 200
    codes = _RECOVERY.findall(finished.text)
    assert len(set(codes)) == 10
    assert _signed_in(client)
    assert "Recovery codes left" in client.get("/console/account").text
    with session_scope(settings.resolved_database_url) as db_session:
        actions = set(db_session.scalars(select(AuditEntry.action)))
        stored = " ".join(
            str(details) for details in db_session.scalars(select(AuditEntry.details))
        )
    assert {"user.two_factor_enrolled", "user.recovery_codes_issued", "console.login"} <= actions
    assert not any(code in stored for code in codes)
    # The next sign-in asks for a code, not a new enrolment.
    _sign_out(client)
    assert _password_step(client).headers["location"] == "/console/login/code"


def test_a_code_signs_in_once(client, settings):
    make_user(settings, "alice", "child_safety_reviewer")
    authenticator, _ = _enrolled(client)
    _sign_out(client)
    _password_step(client)
    code = authenticator.code()
    assert _enter(client, "/console/login/code", code).status_code == 303
    assert _signed_in(client)
    _sign_out(client)
    # Someone who saw the code over a shoulder, within the same 30 seconds: refused.
    _password_step(client)
    assert _enter(client, "/console/login/code", code).status_code == 401
    assert not _signed_in(client)


def test_a_code_from_minutes_away_is_refused(client, settings):
    make_user(settings, "alice", "child_safety_reviewer")
    authenticator, _ = _enrolled(client)
    _sign_out(client)
    clock.advance(timedelta(minutes=10))  # later than the enrolment's code, so no replay
    totp = pyotp.TOTP(authenticator.secret)
    _password_step(client)
    stale = totp.at(clock.now() - timedelta(minutes=2))
    if stale != totp.at(clock.now()):  # one in a million, the same six digits
        assert _enter(client, "/console/login/code", stale).status_code == 401
    # One step of clock drift is allowed (RFC 6238): the phone 30 s ahead still works.
    ahead = totp.at(clock.now() + timedelta(seconds=30))
    assert _enter(client, "/console/login/code", ahead).status_code == 303


def test_a_code_in_other_digits_is_refused_not_an_error(client, settings):  # type: ignore[no-untyped-def]
    """Arabic-Indic digits are digits to Python, and compare_digest refuses non-ASCII text."""
    make_user(settings, "alice", "child_safety_reviewer")
    _enrolled(client)
    _sign_out(client)
    _password_step(client)
    assert _enter(client, "/console/login/code", "١٢٣٤٥٦").status_code == 401
    assert not _signed_in(client)


def test_a_recovery_code_signs_in_once(client, settings):
    make_user(settings, "alice", "child_safety_reviewer")
    _, codes = _enrolled(client)
    _sign_out(client)
    _password_step(client)
    answer = _enter(client, "/console/login/code", codes[3].upper().replace("-", " "))
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/console/account")
    account = client.get(answer.headers["location"]).text
    assert "recovery code" in account and "data-recovery-codes-left>9<" in account
    _sign_out(client)
    _password_step(client)
    assert _enter(client, "/console/login/code", codes[3]).status_code == 401
    assert not _signed_in(client)


def test_wrong_codes_count_toward_the_sign_in_throttle(client, settings: Settings):
    make_user(settings, "alice", "child_safety_reviewer")
    authenticator, _ = _enrolled(client)
    _sign_out(client)
    _password_step(client)
    for _ in range(settings.console_login_failures):
        assert _enter(client, "/console/login/code", "123456").status_code in (401, 303)
    # Locked: even the right code is refused until the window has passed.
    assert _enter(client, "/console/login/code", authenticator.code()).status_code == 429
    assert not _signed_in(client)
    clock.advance(timedelta(minutes=settings.console_login_window_minutes + 1))
    _password_step(client)
    assert _enter(client, "/console/login/code", authenticator.code()).status_code == 303


def test_a_half_finished_sign_in_expires(client, settings):
    make_user(settings, "alice", "child_safety_reviewer")
    authenticator, _ = _enrolled(client)
    _sign_out(client)
    _password_step(client)
    clock.advance(timedelta(minutes=6))
    answer = _enter(client, "/console/login/code", authenticator.code())
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/login?notice=sign_in_expired"
    assert not _signed_in(client)


def test_reset_two_factor_ends_sessions_and_enrols_again(client, settings, cli):
    make_user(settings, "alice", "child_safety_reviewer")
    _enrolled(client)
    assert _signed_in(client)
    result = cli("user", "reset-two-factor", "--username", "alice")
    assert result.exit_code == 0, result.output
    assert not _signed_in(client)  # the lost phone's owner is signed out everywhere
    assert _password_step(client).headers["location"] == "/console/login/setup"
    assert cli("user", "reset-two-factor", "--username", "nobody").exit_code == 1


def test_new_recovery_codes_need_a_current_code_and_replace_the_old(client, settings):
    make_user(settings, "alice", "child_safety_reviewer")
    authenticator, old_codes = _enrolled(client)
    account = client.get("/console/account")
    refused = client.post(
        "/console/account/recovery-codes",
        data={"code": old_codes[0], "csrf_token": csrf_from(account.text)},
    )
    assert refused.status_code == 401  # a recovery code does not mint new ones
    made = client.post(
        "/console/account/recovery-codes",
        data={"code": authenticator.code(), "csrf_token": csrf_from(account.text)},
    )
    assert made.status_code == 200
    new_codes = _RECOVERY.findall(made.text)
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    _sign_out(client)
    _password_step(client)
    assert _enter(client, "/console/login/code", old_codes[1]).status_code == 401
    assert _enter(client, "/console/login/code", new_codes[1]).status_code == 303


def test_two_factor_off_signs_in_with_the_password(settings):
    from fastapi.testclient import TestClient

    from takedown.api.app import create_app

    make_user(settings, "alice", "child_safety_reviewer")
    relaxed = settings.model_copy(update={"console_two_factor": False})
    with TestClient(create_app(relaxed)) as client:
        answer = ConsoleBrowser(client).login("alice")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/console/queue"
        assert _signed_in(client)
