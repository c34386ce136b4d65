"""Rule: the sign-in throttle counts failures against the name the sign-in looks the user up by
(white space around it dropped, a no-break space and a tab too, and case ignored, as usernames
are one whatever their case): once a username is locked, no spelling of it signs in, and
failures under different spellings add up to one count."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.review_support import ConsoleBrowser, make_user

SPELLINGS = ["victimuser ", " victimuser", "victimuser\t", "\u00a0victimuser", "VictimUser"]


def browser(app) -> ConsoleBrowser:  # type: ignore[no-untyped-def]
    return ConsoleBrowser(TestClient(app, base_url="http://testserver"))


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_sign_in_lockout_counts_every_spelling_of_a_username(app, settings, spelling) -> None:  # type: ignore[no-untyped-def]
    make_user(settings, "victimuser", "reviewer")
    guesser = browser(app)
    for _ in range(settings.console_login_failures):
        assert guesser.login("victimuser", "not-the-password").status_code == 401

    locked = browser(app).login(spelling)  # the right password
    assert locked.status_code == 429, locked.text
    assert "Too many failed sign-ins for this username" in locked.text


def test_failures_under_other_spellings_add_up(app, settings) -> None:  # type: ignore[no-untyped-def]
    make_user(settings, "victimuser", "reviewer")
    assert browser(app).login(" victimuser ").status_code == 303  # a spelling that signs in
    guesser = browser(app)
    for n in range(settings.console_login_failures):
        spelling = SPELLINGS[n % len(SPELLINGS)]
        assert guesser.login(spelling, "not-the-password").status_code == 401
    assert browser(app).login("victimuser").status_code == 429
