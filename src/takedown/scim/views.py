"""SCIM 2.0 endpoints for the organisation's identity provider: `/scim/v2/Users` and
`/scim/v2/ServiceProviderConfig`, with an API key of scope `scim` (scim/service.py).

RFC 7644 is their description, not the OpenAPI document: they answer `application/scim+json`,
every refusal (a missing key included) as SCIM's error document, which an identity provider
reads and problem+json is not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Body, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from takedown.api.deps import DB_SESSION, get_settings
from takedown.auth.dependencies import require_scope
from takedown.auth.models import Scope
from takedown.auth.service import Principal
from takedown.errors import InvalidInput, TakedownError
from takedown.scim import service
from takedown.settings import Settings

PREFIX = "/scim/v2"
router = APIRouter(prefix=PREFIX, tags=["scim"], include_in_schema=False)
scim_scope = require_scope(Scope.SCIM)
MEDIA_TYPE = "application/scim+json"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
SCIM_TYPES = {  # RFC 7644 3.12
    "scim_uniqueness": "uniqueness",
    "scim_invalid_filter": "invalidFilter",
    "scim_invalid_value": "invalidValue",
    "invalid_username": "invalidValue",  # auth.users.checked_username
    # A user the provider did not provision, an administrator, or one staff disabled: the change
    # does not fit the user's current state (RFC 7644 3.12 "mutability"); 403 or 409 says which.
    "scim_not_provisioned": "mutability",
    "scim_disabled_by_staff": "mutability",
}


def scim_error(exc: TakedownError) -> JSONResponse:
    """A refusal as SCIM's error document (RFC 7644 3.12)."""
    status = 400 if isinstance(exc, InvalidInput) else exc.status  # SCIM's bad request
    error = {"schemas": [ERROR_SCHEMA], "status": str(status), "detail": exc.detail}
    if exc.code in SCIM_TYPES:
        error["scimType"] = SCIM_TYPES[exc.code]
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(error, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def install_error_format(app: FastAPI) -> None:
    """Refusals before a SCIM route runs (no key, the wrong scope, an unknown path under
    /scim/v2) in SCIM's format too; everything else as the handler installed before."""
    other_handler = app.exception_handlers[TakedownError]

    @app.exception_handler(TakedownError)
    async def scim_or_other(request: Request, exc: TakedownError) -> Response:
        if request.url.path == PREFIX or request.url.path.startswith(PREFIX + "/"):
            return scim_error(exc)
        return await other_handler(request, exc)  # type: ignore[misc]


def _answer(work: Callable[[], tuple[int, dict[str, Any] | None]]) -> Response:
    """Run `work` (status and body); a refusal as SCIM's error document."""
    try:
        status, body = work()
    except TakedownError as exc:
        return scim_error(exc)
    if body is None:
        return Response(status_code=status)
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE)


def _actor(principal: Principal) -> str:
    return f"scim:{principal.key_id}"


@router.get("/ServiceProviderConfig")
def service_provider_config(_: Principal = Depends(scim_scope)) -> Response:
    unsupported = {"supported": False}
    return _answer(
        lambda: (
            200,
            {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
                "patch": {"supported": True},
                "bulk": {**unsupported, "maxOperations": 0, "maxPayloadSize": 0},
                "filter": {"supported": True, "maxResults": service.MAX_RESULTS},
                "changePassword": unsupported,
                "sort": unsupported,
                "etag": unsupported,
                "authenticationSchemes": [
                    {"type": "oauthbearertoken", "name": "Bearer API key", "primary": True}
                ],
            },
        )
    )


@router.get("/Users")
def list_users(
    filter: str | None = Query(None),
    start_index: int = Query(1, alias="startIndex", ge=1),
    count: int = Query(service.MAX_RESULTS, ge=0),
    settings: Settings = Depends(get_settings),
    db_session: Session = DB_SESSION,
    _: Principal = Depends(scim_scope),
) -> Response:
    """Staff users; providers look one up with `filter=userName eq "..."`."""

    def work() -> tuple[int, dict[str, Any]]:
        found = service.users_named(db_session, service.parse_filter(filter))
        page = found[start_index - 1 : start_index - 1 + min(count, service.MAX_RESULTS)]
        base = settings.resolved_public_base_url
        return 200, {
            "schemas": [service.LIST_SCHEMA],
            "totalResults": len(found),
            "startIndex": start_index,
            "itemsPerPage": len(page),
            "Resources": [service.resource(user, base) for user in page],
        }

    return _answer(work)


@router.get("/Users/{user_id}")
def get_user(
    user_id: str,
    settings: Settings = Depends(get_settings),
    db_session: Session = DB_SESSION,
    _: Principal = Depends(scim_scope),
) -> Response:
    base = settings.resolved_public_base_url
    return _answer(lambda: (200, service.resource(service.user_by_id(db_session, user_id), base)))


@router.post("/Users")
def create_user(
    body: dict[str, Any] = Body(...),
    settings: Settings = Depends(get_settings),
    db_session: Session = DB_SESSION,
    principal: Principal = Depends(scim_scope),
) -> Response:
    """A new staff member, with `TAKEDOWN_SCIM_ROLE`; they sign in through single sign-on."""

    def work() -> tuple[int, dict[str, Any]]:
        user = service.provision(
            db_session=db_session,
            settings=settings,
            user_name=str(body.get("userName") or ""),
            active=service.patch_change([{"op": "add", "value": body}]).active is not False,
            actor=_actor(principal),
        )
        db_session.commit()
        return 201, service.resource(user, settings.resolved_public_base_url)

    return _answer(work)


@router.put("/Users/{user_id}")
def replace_user(
    user_id: str,
    body: dict[str, Any] = Body(...),
    settings: Settings = Depends(get_settings),
    db_session: Session = DB_SESSION,
    principal: Principal = Depends(scim_scope),
) -> Response:
    return _change(db_session, settings, principal, user_id, [{"op": "replace", "value": body}])


@router.patch("/Users/{user_id}")
def patch_user(
    user_id: str,
    body: dict[str, Any] = Body(...),
    settings: Settings = Depends(get_settings),
    db_session: Session = DB_SESSION,
    principal: Principal = Depends(scim_scope),
) -> Response:
    """PatchOp: `active` (true or false; "True" and "False" too) and `userName`."""
    operations = body.get("Operations")
    if not isinstance(operations, list):
        operations = [{"op": "bad"}]  # refused as an unsupported op
    return _change(db_session, settings, principal, user_id, operations)


@router.delete("/Users/{user_id}")
def delete_user(
    user_id: str,
    settings: Settings = Depends(get_settings),
    db_session: Session = DB_SESSION,
    principal: Principal = Depends(scim_scope),
) -> Response:
    """Disables the user (decisions and the audit log name them, so nobody is deleted); 204."""
    answer = _change(
        db_session,
        settings,
        principal,
        user_id,
        [{"op": "replace", "path": "active", "value": False}],
    )
    return Response(status_code=204) if answer.status_code == 200 else answer


def _change(
    db_session: Session,
    settings: Settings,
    principal: Principal,
    user_id: str,
    operations: list[dict[str, Any]],
) -> Response:
    def work() -> tuple[int, dict[str, Any]]:
        user = service.user_by_id(db_session, user_id)
        try:
            service.apply(
                db_session=db_session,
                user=user,
                change=service.patch_change(operations),
                actor=_actor(principal),
            )
        except (service.NotTheProviders, service.DisabledByStaff) as exc:
            db_session.rollback()
            service.refused(
                db_session=db_session,
                user_id=user_id,
                code=exc.code,
                detail=exc.detail,
                actor=_actor(principal),
            )
            db_session.commit()
            raise
        db_session.commit()
        return 200, service.resource(user, settings.resolved_public_base_url)

    return _answer(work)
