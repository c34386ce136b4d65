"""Console sign-in through the organisation's identity provider (auth/oidc.py), beside the
password: "Sign in with ..." on the sign-in page when `TAKEDOWN_OIDC_ISSUER` is set.

The provider's sign-in takes the password's place. It takes the second factor's place too when
the ID token says the provider asked for more than one (`amr`); otherwise Takedown's own code
follows, as after a password, so a provider that asks for a password alone never signs anyone in
on one factor. Refusals are audited as failed sign-ins and count toward the sign-in throttle.

The provider's username claim names the Takedown user, as a typed username would
(auth.users.user_for_login: that name exactly, else the one name differing only in case). SCIM
cannot give one of the provider's people the name of a user it did not provision, nor rename an
administrator (scim/service.py), and names are unique whatever their case: so SCIM never turns
a provider's account into an existing local administrator.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from takedown.api.deps import DB_SESSION, get_settings
from takedown.auth import oidc
from takedown.auth.users import user_for_login
from takedown.console.auth import end_sso_attempt, sso_attempt, start_sso_attempt
from takedown.console.sign_in import (
    after_first_factor,
    locked_out,
    login_page,
    record_failed_sign_in,
    start_signed_in,
)
from takedown.console.views import safe_next
from takedown.errors import NotFound, TakedownError
from takedown.settings import Settings

router = APIRouter(prefix="/console", include_in_schema=False)
PROVIDER_SUBJECT = "(single sign-on)"  # who failed, when the provider named nobody
PROVIDER = "provider"  # the audit's word for a factor the identity provider checked


@router.get("/login/sso")
def start(
    request: Request,
    next: str | None = Query(None),
    settings: Settings = Depends(get_settings),
) -> Response:
    """Off to the provider, with this sign-in's state, nonce and PKCE challenge."""
    _configured(settings)
    attempt = oidc.Attempt.new()
    try:
        address = oidc.authorization_url(settings, attempt)
    except TakedownError as exc:  # the provider is down: the password still works
        message = f"Single sign-on failed: {exc}."
        return login_page(request, "login.html", exc.status, error=message, next=safe_next(next))
    response = RedirectResponse(address, status_code=303)
    start_sso_attempt(
        settings=settings, response=response, attempt=attempt, next_url=safe_next(next)
    )
    return response


@router.get("/login/sso/callback")
def callback(
    request: Request,
    code: str = Query(""),
    state: str = Query(""),
    error: str = Query(""),
    db_session: Session = DB_SESSION,
    settings: Settings = Depends(get_settings),
) -> Response:
    """Back from the provider: check the code's ID token, find the Takedown user it names."""
    _configured(settings)

    def refused(status_code: int, message: str) -> Response:
        response = login_page(request, "login.html", status_code, error=message)
        end_sso_attempt(response)
        return response

    started = sso_attempt(request, settings)
    if started is None or not hmac.compare_digest(state.encode(), started[0].state.encode()):
        return refused(400, "The sign-in took too long or did not start here. Please try again.")
    attempt, next_url = started
    if error or not code:
        return refused(401, f"{settings.oidc_provider_name} did not sign you in ({error}).")
    try:
        identity = oidc.identity_from_code(settings, attempt, code)
    except TakedownError as exc:
        record_failed_sign_in(request, db_session, settings, PROVIDER_SUBJECT, exc.code)
        return refused(exc.status, f"Single sign-on failed: {exc}.")
    throttled = locked_out(request, db_session, settings, identity.username)
    if throttled is not None:
        return refused(429, throttled)
    user = user_for_login(db_session=db_session, username=identity.username)
    if user is None or user.disabled:
        record_failed_sign_in(request, db_session, settings, identity.username, "sso_user")
        return refused(
            403,
            f"{identity.username} is not an enabled Takedown user: an administrator adds staff "
            "(and their role) before they can sign in.",
        )
    if identity.multi_factor or not settings.console_two_factor:
        response: Response = start_signed_in(
            db_session=db_session,
            settings=settings,
            user=user,
            response=RedirectResponse(next_url, status_code=303),
            first_factor=PROVIDER,
            second_factor=PROVIDER if identity.multi_factor else None,
        )
    else:
        response = after_first_factor(
            db_session=db_session,
            settings=settings,
            user=user,
            next_url=next_url,
            first_factor=PROVIDER,
        )
    end_sso_attempt(response)
    return response


def _configured(settings: Settings) -> None:
    if not oidc.configured(settings):
        raise NotFound("single sign-on is not set up", code="sso_not_configured")
