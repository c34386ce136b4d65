"""Rule: with single sign-on set up (`TAKEDOWN_OIDC_*`), staff sign in to the console through the
organisation's identity provider: the authorization code flow with PKCE, the ID token checked
(signature against the provider's keys, issuer, audience, expiry, nonce), and the person it names
must be an enabled Takedown user (an email only when the provider verified it). The provider's
sign-in stands in for Takedown's second factor only when its `amr` says it took more than one;
otherwise Takedown's own code follows. Whatever cannot be trusted signs nobody in and is audited.

Against a stand-in provider on a local port (tests/identity_provider.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr, ValidationError
from sqlalchemy import select

from takedown.api.app import create_app
from takedown.audit.models import AuditEntry
from takedown.auth.users import set_disabled
from takedown.settings import Settings
from takedown.store.db import session_scope
from tests.identity_provider import CLIENT_ID, CLIENT_SECRET, IdentityProvider, identity_provider
from tests.review_support import (
    BROWSER_TEST_MARKS,
    ConsoleBrowser,
    console,
    console_server,
    launch_chromium,
    make_user,
    user_id_of,
)

EMAIL = "alice@corp.example"


@pytest.fixture
def provider() -> Iterator[IdentityProvider]:
    with identity_provider() as provider:
        provider.person = {
            "sub": "00u-alice",
            "email": "Alice@Corp.example",  # providers do not keep an email's case
            "email_verified": True,
            "amr": ["pwd", "mfa"],
        }
        yield provider


def with_provider(settings: Settings, issuer: str, **more: Any) -> Settings:
    """`settings` with single sign-on through the provider at `issuer`."""
    return settings.model_copy(
        update={
            "oidc_issuer": issuer,
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": SecretStr(CLIENT_SECRET),
            "oidc_provider_name": "Corp SSO",
            **more,
        }
    )


@pytest.fixture
def sso_client(settings, provider: IdentityProvider) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    configured = with_provider(settings, provider.base)
    make_user(configured, EMAIL, "reviewer")
    with TestClient(create_app(configured)) as client:
        yield client


def through_the_provider(client: TestClient) -> Any:
    """Click "Sign in with ...", let the provider sign the person in, and come back: the
    console's answer to the provider's redirect."""
    start = client.get(
        "/console/login/sso?next=/console/queue%3Fqueue%3Dall", follow_redirects=False
    )
    assert start.status_code == 303, start.text
    asked = parse_qs(urlsplit(start.headers["location"]).query)
    assert asked["code_challenge_method"] == ["S256"] and asked["nonce"] and asked["state"]
    at_provider = httpx.get(start.headers["location"], follow_redirects=False)
    assert at_provider.status_code == 302
    back = urlsplit(at_provider.headers["location"])
    assert back.path == "/console/login/sso/callback"
    return client.get(f"{back.path}?{back.query}", follow_redirects=False)


def signed_in(client: TestClient) -> bool:
    return client.get("/console/queue", follow_redirects=False).status_code == 200


def failed_sign_ins(settings) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        return [
            entry.details
            for entry in db_session.scalars(
                select(AuditEntry).where(AuditEntry.action == "console.login_failed")
            )
        ]


def test_staff_sign_in_through_the_organisations_identity_provider(sso_client, settings):  # type: ignore[no-untyped-def]
    assert "Sign in with Corp SSO" in sso_client.get("/console/login").text
    assert not signed_in(sso_client)

    back = through_the_provider(sso_client)
    assert back.status_code == 303 and back.headers["location"] == "/console/queue?queue=all"
    assert signed_in(sso_client)
    with session_scope(settings.resolved_database_url) as db_session:
        login = db_session.scalars(
            select(AuditEntry).where(AuditEntry.action == "console.login")
        ).one()
        assert login.subject == user_id_of(settings, EMAIL)
        assert login.details == {"first_factor": "provider", "second_factor": "provider"}


def test_a_provider_sign_in_on_one_factor_still_asks_for_takedowns_code(  # type: ignore[no-untyped-def]
    sso_client, provider, settings
):
    provider.person["amr"] = ["pwd"]
    back = through_the_provider(sso_client)
    assert back.status_code == 303 and back.headers["location"] == "/console/login/setup"
    assert not signed_in(sso_client)  # not until Takedown's own code
    ConsoleBrowser(sso_client).second_factor("/console/login/setup", EMAIL)
    assert signed_in(sso_client)
    with session_scope(settings.resolved_database_url) as db_session:
        login = db_session.scalars(
            select(AuditEntry).where(AuditEntry.action == "console.login")
        ).one()
        assert login.details == {"first_factor": "provider", "second_factor": "totp"}


@pytest.mark.parametrize(
    ("change", "status", "stage"),
    [
        ({"person": {"email": "mallory@corp.example"}}, 403, "sso_user"),
        ({"person": {"email_verified": False}}, 401, "sso_unverified"),
        ({"token": {"aud": "another-app"}}, 401, "sso_bad_token"),
        ({"token": {"iss": "https://elsewhere.example"}}, 401, "sso_bad_token"),
        ({"token": {"nonce": "another sign-in's"}}, 401, "sso_nonce"),
        ({"token": {"exp": int(time.time()) - 3600}}, 401, "sso_bad_token"),
        ({"stranger_key": True}, 401, "sso_bad_token"),
        ({"disabled": True}, 403, "sso_user"),
    ],
    ids=["unknown", "unverified", "audience", "issuer", "nonce", "expired", "key", "disabled"],
)
def test_single_sign_on_refuses_what_it_cannot_trust(  # type: ignore[no-untyped-def]
    sso_client, provider, settings, change, status, stage
):
    provider.person |= change.get("person", {})
    provider.id_token_changes = change.get("token", {})
    provider.sign_with_stranger_key = change.get("stranger_key", False)
    if change.get("disabled"):
        with session_scope(settings.resolved_database_url) as db_session:
            set_disabled(db_session=db_session, username=EMAIL, disabled=True, actor="system")
    back = through_the_provider(sso_client)
    assert back.status_code == status, back.text
    assert "Not signed in:" in back.text
    assert not signed_in(sso_client)
    assert [details["stage"] for details in failed_sign_ins(settings)] == [stage]


def test_a_callback_that_did_not_start_here_signs_nobody_in(sso_client, provider, settings):  # type: ignore[no-untyped-def]
    start = sso_client.get("/console/login/sso", follow_redirects=False)
    at_provider = httpx.get(start.headers["location"], follow_redirects=False)
    back = urlsplit(at_provider.headers["location"])
    code = parse_qs(back.query)["code"][0]
    forged = sso_client.get(f"{back.path}?code={code}&state=someone-elses", follow_redirects=False)
    assert forged.status_code == 400 and not signed_in(sso_client)
    not_ascii = sso_client.get(
        f"{back.path}?code={code}&state=%C3%A9t%C3%A9", follow_redirects=False
    )
    assert not_ascii.status_code == 400 and not signed_in(sso_client)
    sso_client.cookies.clear()  # another browser, handed this one's link
    stolen = sso_client.get(f"{back.path}?{back.query}", follow_redirects=False)
    assert stolen.status_code == 400 and not signed_in(sso_client)


def test_without_single_sign_on_there_is_no_provider_button(client):  # type: ignore[no-untyped-def]
    assert "Sign in with" not in client.get("/console/login").text
    assert client.get("/console/login/sso", follow_redirects=False).status_code == 404


def test_a_provider_that_cannot_be_reached_leaves_the_password(settings):  # type: ignore[no-untyped-def]
    with identity_provider() as provider:
        gone = provider.base  # stops answering when the block ends
    configured = with_provider(settings, gone)
    with TestClient(create_app(configured)) as client:
        page = client.get("/console/login/sso", follow_redirects=False)
    assert page.status_code == 502
    assert "Single sign-on failed" in page.text and 'id="password"' in page.text


@BROWSER_TEST_MARKS[0]
@BROWSER_TEST_MARKS[1]
def test_single_sign_on_works_in_chromium(tmp_path, provider: IdentityProvider) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    oidc = {
        "oidc_issuer": provider.base,
        "oidc_client_id": CLIENT_ID,
        "oidc_client_secret": CLIENT_SECRET,
        "oidc_provider_name": "Corp SSO",
    }
    with (
        console_server(tmp_path, {EMAIL: "unused password of hers"}, **oidc) as server,
        sync_playwright() as playwright,
    ):
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page()
            page.goto(f"{server}/console/login")
            page.click("#sso")  # to the provider, which signs her in at once, and back
            page.wait_for_url(f"{server}/console/queue")
            assert EMAIL in page.inner_text(".whoami")
        finally:
            browser.close()


def test_with_passwords_for_administrators_only_staff_sign_in_through_the_provider(  # type: ignore[no-untyped-def]
    settings, provider
):
    configured = with_provider(settings, provider.base, console_password_sign_in="admins")
    make_user(configured, EMAIL, "child_safety_reviewer")
    make_user(configured, "lead", "admin")
    app = create_app(configured)
    with TestClient(app) as client:
        assert "Administrators only" in client.get("/console/login").text
        leaver = ConsoleBrowser(client).login(EMAIL)  # turned off at the provider, say
        assert leaver.status_code == 403 and "passwords are for administrators" in leaver.text
        assert not signed_in(client)
        assert [d["stage"] for d in failed_sign_ins(settings)] == ["password_not_allowed"]
        assert through_the_provider(client).status_code == 303 and signed_in(client)
    lead = console(app, "lead")  # the way in left
    staff_page = lead.get("/console/staff").text
    assert "the one they sign in with at Corp SSO" in staff_page and "and only there" in staff_page

    with pytest.raises(ValidationError, match="needs single sign-on"):
        Settings(data_dir=settings.data_dir, console_password_sign_in="admins")
