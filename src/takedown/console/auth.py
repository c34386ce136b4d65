"""Console login sessions and CSRF.

The cookie carries a random token signed with the session secret (HttpOnly, SameSite=Lax); the
server keeps SHA-256(token) with the user, a CSRF token and the last-seen time, so logout and the
idle timeout end a session for good. Every unsafe request through `require_console_user` must
carry the CSRF token (form field `csrf_token` or header `X-CSRF-Token`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, object_session

from takedown import clock
from takedown.api.deps import DB_SESSION
from takedown.api.problems import problem
from takedown.audit.models import AuditEntry
from takedown.audit.service import record
from takedown.auth import two_factor
from takedown.auth.models import Role, User
from takedown.auth.oidc import Attempt
from takedown.auth.users import has_role, login_name
from takedown.console.models import ConsoleSession
from takedown.errors import Forbidden, TakedownError, Unauthorized
from takedown.local_keys import local_key
from takedown.review.exposure import Exposure, exposure_of
from takedown.settings import Settings

SESSION_COOKIE = "takedown_session"
LOGIN_CSRF_COOKIE = "takedown_login_csrf"
# Between a right password and the second factor: the user and where to go, signed and short-lived.
SIGN_IN_COOKIE = "takedown_sign_in"
SIGN_IN_PATH = "/console/login"
SIGN_IN_SECONDS = 300
SSO_COOKIE = "takedown_sso"
SSO_SECONDS = 600  # time to sign in at the provider (and answer its own second factor)
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_secret_cache: dict[Path, bytes] = {}


@dataclass(frozen=True)
class ConsoleUser:
    """The signed-in staff member of a console request."""

    user: User
    session: ConsoleSession
    settings: Settings | None = field(default=None, compare=False, repr=False)

    @property
    def id(self) -> str:
        return self.user.id

    def exposure(self) -> Exposure | None:
        """This reviewer's exposure now, read when a page is drawn: console/base.html shows the
        break suggestion from it on every console page, whichever view renders the page."""
        db_session = object_session(self.user)
        if db_session is None or self.settings is None:
            return None
        return exposure_of(db_session, self.settings, self.user.id)

    @property
    def role(self) -> str:
        return self.user.role

    @property
    def csrf_token(self) -> str:
        return self.session.csrf_token

    @property
    def actor(self) -> str:
        return f"user:{self.user.id}"

    def has_role(self, minimum: Role) -> bool:
        return has_role(self.user.role, minimum)


class LoginRequired(Unauthorized):
    code = "login_required"


class CsrfFailed(Forbidden):
    code = "csrf_failed"


def session_secret(settings: Settings) -> bytes:
    """Settings.session_secret, else a key generated once under data_dir (local_keys). A text
    secret an earlier version generated there is read as the same bytes, so it keeps working."""
    configured = settings.session_secret.get_secret_value()
    if configured:
        return configured.encode()
    path = (settings.data_dir / "session_secret").resolve()
    if path not in _secret_cache:
        _secret_cache[path] = local_key(settings.data_dir, "session_secret", size=48)
    return _secret_cache[path]


def _serializer(settings: Settings, salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(session_secret(settings), salt=salt)


PLAYBACK_MINUTES = 10  # a revealed video plays (and seeks) this long without another reveal


def playback_ticket(settings: Settings, console_user: ConsoleUser, media_id: int) -> str:
    """What a reveal hands the video player: the original video of `media_id`, for this console
    session only, for PLAYBACK_MINUTES (the player fetches it in ranges, so not once)."""
    issued = int(clock.now().timestamp())
    return _serializer(settings, "video-playback").dumps(
        {"s": console_user.session.id, "m": media_id, "t": issued}
    )


def valid_playback_ticket(
    settings: Settings, console_user: ConsoleUser, media_id: int, ticket: str
) -> bool:
    try:
        data = _serializer(settings, "video-playback").loads(ticket)
    except BadSignature:
        return False
    age = clock.now().timestamp() - float(data.get("t", 0))
    return (
        data.get("s") == console_user.session.id
        and data.get("m") == media_id
        and 0 <= age <= PLAYBACK_MINUTES * 60
    )


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _secure_cookies(settings: Settings) -> bool:
    return settings.resolved_public_base_url.startswith("https://")


def start_session(
    *, db_session: Session, settings: Settings, user: User, response: Response
) -> ConsoleSession:
    """Create a server-side session for `user` and set its signed cookie on `response`."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    row = ConsoleSession(
        id=_token_digest(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        ended_at=None,
    )
    db_session.add(row)
    db_session.flush()
    response.set_cookie(
        SESSION_COOKIE,
        _serializer(settings, "console-session").dumps(token),
        httponly=True,
        samesite="lax",
        secure=_secure_cookies(settings),
        path="/",
    )
    return row


@dataclass(frozen=True)
class PendingSignIn:
    """A sign-in whose password was right and whose second factor is still to come."""

    user_id: str
    next: str
    first_factor: str  # "password", or "provider" (single sign-on)


def start_pending_sign_in(
    *, settings: Settings, response: Response, user_id: str, next_url: str, first_factor: str
) -> None:
    token = _serializer(settings, "console-sign-in").dumps(
        {"user": user_id, "next": next_url, "first": first_factor, "at": clock.now().timestamp()}
    )
    response.set_cookie(
        SIGN_IN_COOKIE,
        token,
        max_age=SIGN_IN_SECONDS,
        httponly=True,
        samesite="lax",
        secure=_secure_cookies(settings),
        path=SIGN_IN_PATH,
    )


def pending_sign_in(request: Request, settings: Settings) -> PendingSignIn | None:
    """The sign-in this browser is half-way through, or None (none, forged, or expired)."""
    data = _fresh_cookie(request, settings, SIGN_IN_COOKIE, "console-sign-in", SIGN_IN_SECONDS)
    if data is None:
        return None
    return PendingSignIn(
        user_id=str(data["user"]),
        next=str(data["next"]),
        first_factor=str(data.get("first", "password")),  # cookies set before it was kept
    )


def end_pending_sign_in(response: Response) -> None:
    response.delete_cookie(SIGN_IN_COOKIE, path=SIGN_IN_PATH)


def start_sso_attempt(
    *, settings: Settings, response: Response, attempt: Attempt, next_url: str
) -> None:
    """Remember the single sign-on this browser was sent to the provider for (auth/oidc.py)."""
    token = _serializer(settings, "console-sso").dumps(
        {**asdict(attempt), "next": next_url, "at": clock.now().timestamp()}
    )
    response.set_cookie(
        SSO_COOKIE,
        token,
        max_age=SSO_SECONDS,
        httponly=True,
        samesite="lax",  # the provider's redirect back is a top-level GET
        secure=_secure_cookies(settings),
        path=SIGN_IN_PATH,
    )


def sso_attempt(request: Request, settings: Settings) -> tuple[Attempt, str] | None:
    """The single sign-on this browser started, and where it goes next; None when there is none,
    it is forged, or it took longer than SSO_SECONDS."""
    data = _fresh_cookie(request, settings, SSO_COOKIE, "console-sso", SSO_SECONDS)
    if data is None:
        return None
    attempt = Attempt(state=data["state"], nonce=data["nonce"], verifier=data["verifier"])
    return attempt, str(data["next"])


def end_sso_attempt(response: Response) -> None:
    response.delete_cookie(SSO_COOKIE, path=SIGN_IN_PATH)


def _fresh_cookie(
    request: Request, settings: Settings, cookie: str, salt: str, seconds: int
) -> dict[str, Any] | None:
    """The signed cookie's data when it is there, genuine and younger than `seconds` (its "at")."""
    raw = request.cookies.get(cookie)
    if not raw:
        return None
    try:
        data: dict[str, Any] = _serializer(settings, salt).loads(raw)
    except BadSignature:
        return None
    if clock.now().timestamp() - float(data["at"]) > seconds:
        return None
    return data


def end_user_sessions(*, db_session: Session, user_id: str, keep: str | None = None) -> None:
    """Sign `user_id` out everywhere (a second factor reset: the old phone may be elsewhere; a
    new password: the old one may be known), except the session `keep`."""
    db_session.execute(
        update(ConsoleSession)
        .where(
            ConsoleSession.user_id == user_id,
            ConsoleSession.ended_at.is_(None),
            ConsoleSession.id != (keep or ""),
        )
        .values(ended_at=clock.now())
    )


def reset_two_factor_and_sign_out(*, db_session: Session, username: str, actor: str) -> None:
    """A lost phone: forget the user's enrolment and recovery codes and end every session of
    theirs (the phone may be in someone else's hands); they enrol again at the next sign-in."""
    user = two_factor.reset_two_factor(db_session=db_session, username=username, actor=actor)
    end_user_sessions(db_session=db_session, user_id=user.id)


def other_live_sessions(*, db_session: Session, settings: Settings, me: ConsoleUser) -> int:
    """How many of `me`'s sessions besides this one are still live (not ended, not idle)."""
    idle = timedelta(minutes=settings.session_idle_minutes)
    count = db_session.scalar(
        select(func.count())
        .select_from(ConsoleSession)
        .where(
            ConsoleSession.user_id == me.id,
            ConsoleSession.ended_at.is_(None),
            ConsoleSession.id != me.session.id,
            ConsoleSession.last_seen_at > clock.now() - idle,
        )
    )
    return count or 0


def end_session(*, db_session: Session, console_user: ConsoleUser, response: Response) -> None:
    console_user.session.ended_at = clock.now()
    record(
        db_session=db_session,
        actor=console_user.actor,
        action="console.logout",
        subject=console_user.id,
    )
    response.delete_cookie(SESSION_COOKIE, path="/")


def current_console_user(
    request: Request, db_session: Session, settings: Settings
) -> ConsoleUser | None:
    """The signed-in user of this request, or None (no cookie, bad signature, ended, idle)."""
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    try:
        token = _serializer(settings, "console-session").loads(raw)
    except BadSignature:
        return None
    row = db_session.get(ConsoleSession, _token_digest(str(token)))
    if row is None or row.ended_at is not None:
        return None
    now = clock.now()
    if now - row.last_seen_at > timedelta(minutes=settings.session_idle_minutes):
        row.ended_at = now
        return None
    user = db_session.get(User, row.user_id)
    if user is None or user.disabled:
        return None
    row.last_seen_at = now
    return ConsoleUser(user=user, session=row, settings=settings)


async def _submitted_csrf_token(request: Request) -> str:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if "form" in content_type:
        form = await request.form()  # Starlette caches it; the route can still read its fields
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


def require_console_user(minimum: Role = Role.REVIEWER) -> Callable[..., Awaitable[ConsoleUser]]:
    """Dependency for console routes: a signed-in user holding `minimum` or above.

    Without a session, pages redirect to the login form. Unsafe methods (POST, ...) must carry
    the session's CSRF token, or the request is refused with 403 before the route runs.
    """

    async def dependency(request: Request, db_session: Session = DB_SESSION) -> ConsoleUser:
        settings: Settings = request.app.state.settings
        console_user = current_console_user(request, db_session, settings)
        if console_user is None:
            raise LoginRequired("sign in to the console first")
        if request.method not in SAFE_METHODS:
            submitted = await _submitted_csrf_token(request)
            if not hmac.compare_digest(submitted.encode(), console_user.csrf_token.encode()):
                raise CsrfFailed("missing or wrong CSRF token; reload the page")
        if not console_user.has_role(minimum):
            raise Forbidden(f"requires role {minimum.value} or above", code="insufficient_role")
        return console_user

    return dependency


LOGIN_FAILED = "console.login_failed"


def login_subject(username: str) -> str:
    """The audit subject of a sign-in attempt for `username`: the name the sign-in looks the user
    up by (auth.users.login_name), so " Rivka" and "RIVKA" count against rivka's throttle."""
    return f"username:{login_name(username)[:100]}"


def login_actor(address_hash: str | None) -> str:
    """The audit actor of a sign-in attempt: its client address, kept only as a keyed hash."""
    return f"address:{address_hash}" if address_hash else "public"


def login_locked(
    *, db_session: Session, settings: Settings, username: str, address_hash: str | None
) -> str | None:
    """Why this sign-in is refused before its password is checked, or None: too many failed
    sign-ins within the window for `username` (online guessing against one reviewer's account,
    which stops there even with the right password) or from this client address (guessing
    across many accounts). Counted from the audit log, so every serving process agrees."""
    since = clock.now() - timedelta(minutes=settings.console_login_window_minutes)
    recent_failures = (
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == LOGIN_FAILED, AuditEntry.at > since)
    )
    by_username = db_session.scalar(
        recent_failures.where(AuditEntry.subject == login_subject(username))
    )
    if (by_username or 0) >= settings.console_login_failures:
        return "username"
    if address_hash is not None:
        by_address = db_session.scalar(
            recent_failures.where(AuditEntry.actor == login_actor(address_hash))
        )
        if (by_address or 0) >= settings.console_login_failures_per_address:
            return "address"
    return None


def new_login_csrf(settings: Settings) -> tuple[str, str]:
    """(token for the hidden field, signed cookie value) for the login form (double submit)."""
    token = secrets.token_urlsafe(24)
    return token, _serializer(settings, "login-csrf").dumps(token)


def set_login_csrf_cookie(settings: Settings, response: Response, cookie: str, path: str) -> None:
    """The login form's CSRF cookie, Secure as the session cookie is (an https public URL)."""
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        cookie,
        httponly=True,
        samesite="lax",
        secure=_secure_cookies(settings),
        path=path,
    )


def check_login_csrf(settings: Settings, cookie_value: str | None, submitted: str) -> bool:
    if not cookie_value or not submitted:
        return False
    try:
        expected = str(_serializer(settings, "login-csrf").loads(cookie_value))
    except BadSignature:
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode())


# What a reviewer typed into a console form: shown back when the session ended before it was
# sent, so a reason written over ten minutes is not lost to an idle timeout.
TYPED_FIELDS = {
    "reason": "Reason",
    "immediate_risk": "A child is at immediate risk: why",
    "text": "Note",
}


async def _session_ended_page(request: Request, exc: LoginRequired) -> Response:
    """A form sent after the session ended: nothing was recorded; here is what was typed."""
    from takedown.web.templating import render

    try:
        form = await request.form()
        typed = [
            (label, str(form[name]))
            for name, label in TYPED_FIELDS.items()
            if isinstance(form.get(name), str) and str(form[name]).strip()
        ]
    except Exception:  # a body that is not a form: nothing typed to give back
        typed = []
    came_from = urlsplit(request.headers.get("referer", ""))
    back = came_from.path if came_from.path.startswith("/console/") else "/console/queue"
    if came_from.query and back != "/console/queue":
        back += "?" + came_from.query
    context = {
        "me": None,
        "typed": typed,
        "login_url": "/console/login?next=" + quote(back, safe=""),
        "problem": exc,
        "error": None,
        "notice": None,
    }
    return render(request, "console/session_ended.html", context, status_code=exc.status)


def install_login_redirect(app: FastAPI) -> None:
    """Send browsers without a session to the login page (htmx gets an HX-Redirect)."""

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        login_url = "/console/login?next=" + quote(target, safe="")
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": login_url})
        wants_html = "text/html" in request.headers.get("accept", "")
        if request.method in SAFE_METHODS and wants_html:
            return RedirectResponse(login_url, status_code=303)
        if wants_html and request.url.path.startswith("/console"):
            return await _session_ended_page(request, exc)
        return problem(exc.status, exc.code, exc.title, exc.detail)

    api_handler = app.exception_handlers.get(TakedownError)

    @app.exception_handler(TakedownError)
    async def console_error_page(request: Request, exc: TakedownError) -> Response:
        """Browsers on /console get an error page; everyone else the usual problem+json."""
        wants_html = "text/html" in request.headers.get("accept", "")
        if request.url.path.startswith("/console") and wants_html:
            from takedown.web.templating import render

            context = {"me": None, "problem": exc, "error": None, "notice": None}
            return render(request, "console/error.html", context, status_code=exc.status)
        if api_handler is not None:
            return await api_handler(request, exc)  # type: ignore[misc]
        return problem(exc.status, exc.code, exc.title, exc.detail, **exc.extra)
