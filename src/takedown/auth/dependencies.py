"""FastAPI dependencies: who is calling, and may they."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from takedown.api.deps import DB_SESSION
from takedown.auth.models import ROLE_RANK, Role
from takedown.auth.service import Principal, authenticate, remember, remembered
from takedown.errors import Forbidden, Unauthorized


def bearer_key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def optional_principal(request: Request, db_session: Session = DB_SESSION) -> Principal | None:
    """The caller if a valid bearer key was sent; None for anonymous callers."""
    key = bearer_key(request)
    if key is None:
        return None
    return _authenticated(db_session, key)


def require_scope(scope: str) -> Callable[..., Awaitable[Principal]]:
    async def dependency(principal: Principal | None = Depends(optional_principal)) -> Principal:
        if principal is None:
            raise _missing_api_key()
        return _with_scope(principal, scope)

    return dependency


def authorize(
    *,
    db_session: Session,
    request: Request,
    scope: str,
    remember_for: float = 0.0,
    database_url: str = "",
) -> Principal:
    """What `require_scope(scope)` checks, as a plain call from a worker thread (no dependency,
    no extra thread hop): 401 or 403, or the caller. With `remember_for` > 0 a valid key is
    also kept that many seconds for `authorize_remembered` (with the same `database_url`)."""
    key = bearer_key(request)
    if key is None:
        raise _missing_api_key()
    principal = _authenticated(db_session, key)
    remember(database_url=database_url, key=key, principal=principal, seconds=remember_for)
    return _with_scope(principal, scope)


def authorize_remembered(*, request: Request, scope: str, database_url: str) -> Principal | None:
    """`authorize` from the keys checked in the last few seconds, without the database (fit for
    the event loop): the caller, 401 without a key, 403 without the scope; None when the key
    was not checked recently and `authorize` must ask the database."""
    key = bearer_key(request)
    if key is None:
        raise _missing_api_key()
    principal = remembered(database_url=database_url, key=key)
    return None if principal is None else _with_scope(principal, scope)


def require_role(minimum: Role) -> Callable[..., Awaitable[Principal]]:
    """A staff token whose user holds `minimum` or a higher role."""

    async def dependency(principal: Principal | None = Depends(optional_principal)) -> Principal:
        if principal is None:
            raise Unauthorized("send 'Authorization: Bearer <staff token>'", code="missing_token")
        if principal.role is None or ROLE_RANK[Role(principal.role)] < ROLE_RANK[minimum]:
            raise Forbidden(f"requires role {minimum.value} or above", code="insufficient_role")
        return principal

    return dependency


def _authenticated(db_session: Session, key: str) -> Principal:
    principal = authenticate(db_session=db_session, key=key)
    if principal is None:
        raise Unauthorized("invalid or revoked API key", code="invalid_api_key")
    return principal


def _with_scope(principal: Principal, scope: str) -> Principal:
    if scope not in principal.scopes and "admin" not in principal.scopes:
        raise Forbidden(f"this key lacks the '{scope}' scope", code="missing_scope")
    return principal


def _missing_api_key() -> Unauthorized:
    return Unauthorized("send 'Authorization: Bearer <API key>'", code="missing_api_key")
