"""Staff users as SCIM resources: what an identity provider (Okta, Entra ID) creates, finds,
renames, turns off and on.

The provider manages who is on the team; Takedown keeps what they may do. A provisioned user gets
`TAKEDOWN_SCIM_ROLE` (never administrator) and no usable password: they sign in through the same
provider (auth/oidc.py). Turning a user off (`active: false`, or DELETE) disables them at once:
their console sessions and staff tokens end for good. Nobody is deleted: decisions and the audit
log name them.

The provider changes only the users it provisioned itself (`User.origin`), and never an
administrator: renaming a local administrator to a name the provider signs in would hand the
provider's staff the console (single sign-on matches the username). Nor does its "on" undo a
disable made by staff in Takedown. Such a change is refused (403, or 409 for the disable) and
audited as `scim.refused`; one that changes nothing is let pass, so a provider that matched an
existing user by userName keeps working.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from takedown.audit.service import record
from takedown.auth.models import Origin, Role, User
from takedown.auth.users import checked_username, create_user, set_disabled
from takedown.errors import Conflict, Forbidden, InvalidInput, NotFound
from takedown.settings import Settings

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
MAX_RESULTS = 200


@dataclass(frozen=True)
class Change:
    """What a PUT or PATCH asks for; None: leave as it is."""

    user_name: str | None = None
    active: bool | None = None


def resource(user: User, base_url: str) -> dict[str, Any]:
    return {
        "schemas": [USER_SCHEMA],
        "id": user.id,
        "userName": user.username,
        "active": not user.disabled,
        "roles": [{"value": user.role, "primary": True}],  # read-only: set in Takedown
        "meta": {
            "resourceType": "User",
            "created": user.created_at.isoformat(),
            "location": f"{base_url}/scim/v2/Users/{user.id}",
        },
    }


def user_by_id(db_session: Session, user_id: str) -> User:
    user = db_session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id!r}", code="scim_no_user")
    return user


def users_named(db_session: Session, user_name: str | None) -> list[User]:
    """Every user (oldest first), or the one whose userName is `user_name` (SCIM compares
    userName without case)."""
    query = select(User).order_by(User.created_at, User.id)
    if user_name is not None:
        query = query.where(func.lower(User.username) == user_name.lower())
    return list(db_session.scalars(query))


def provision(
    *, db_session: Session, settings: Settings, user_name: str, active: bool, actor: str
) -> User:
    """A new staff user with the provisioning role and an unusable password."""
    if users_named(db_session, user_name):
        raise Conflict(f"user {user_name!r} exists", code="scim_uniqueness")
    user = create_user(
        db_session=db_session,
        username=user_name,
        role=settings.scim_role,
        password=secrets.token_urlsafe(32),  # never told to anyone: they sign in through SSO
        actor=actor,
        origin=Origin.SCIM,
    )
    if not active:
        set_disabled(db_session=db_session, username=user.username, disabled=True, actor=actor)
    return user


class NotTheProviders(Forbidden):
    code = "scim_not_provisioned"


class DisabledByStaff(Conflict):
    code = "scim_disabled_by_staff"


def apply(*, db_session: Session, user: User, change: Change, actor: str) -> User:
    """Rename, turn off or on a user the provider provisioned (`ensure_may_change`)."""
    renames = change.user_name is not None and change.user_name != user.username
    switches = change.active is not None and change.active == user.disabled
    if not (renames or switches):
        return user
    ensure_may_change(user, change.active if switches else None)
    if renames and change.user_name is not None:
        _rename(db_session, user, change.user_name, actor)
    if switches and change.active is not None:
        set_disabled(
            db_session=db_session, username=user.username, disabled=not change.active, actor=actor
        )
    return user


def ensure_may_change(user: User, active: bool | None) -> None:
    """The provider changes only the users it provisioned, never an administrator, and turns on
    no user whom staff in Takedown turned off."""
    if user.origin != Origin.SCIM:
        raise NotTheProviders(
            f"{user.username} was created in Takedown, not provisioned through SCIM: "
            "an administrator changes them in Takedown"
        )
    if user.role == Role.ADMIN:
        raise NotTheProviders(
            f"{user.username} is a Takedown administrator: SCIM never changes an administrator"
        )
    if active and user.disabled_by is not None and not user.disabled_by.startswith("scim:"):
        raise DisabledByStaff(
            f"{user.username} was disabled in Takedown by staff ({user.disabled_by}): "
            "only an administrator enables them again"
        )


def refused(*, db_session: Session, user_id: str, code: str, detail: str, actor: str) -> None:
    """Audit a change the provider asked for and was refused."""
    record(
        db_session=db_session,
        actor=actor,
        action="scim.refused",
        subject=user_id,
        details={"code": code, "detail": detail},
    )


def _rename(db_session: Session, user: User, user_name: str, actor: str) -> None:
    user_name = checked_username(user_name)  # the rule every new user's name follows
    if any(other.id != user.id for other in users_named(db_session, user_name)):
        raise Conflict(f"user {user_name!r} exists", code="scim_uniqueness")
    record(
        db_session=db_session,
        actor=actor,
        action="user.renamed",
        subject=user.id,
        details={"from": user.username, "to": user_name},
    )
    user.username = user_name


def patch_change(operations: list[dict[str, Any]]) -> Change:
    """The change a PatchOp's operations ask for. Attributes Takedown does not keep (names,
    emails) are let pass; removing `active` or `userName` is refused."""
    user_name: str | None = None
    active: bool | None = None
    for operation in operations:
        op = str(operation.get("op", "")).lower()
        if op not in ("add", "replace"):
            raise InvalidInput(f"op {op!r} is not supported here", code="scim_invalid_value")
        path, value = operation.get("path"), operation.get("value")
        values = value if path is None and isinstance(value, dict) else {str(path): value}
        for name, given in values.items():
            if name == "active":
                active = _boolean(given)
            elif name == "userName":
                user_name = str(given)
    return Change(user_name=user_name, active=active)


def _boolean(value: object) -> bool:
    """Entra ID sends "True" and "False" as strings."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise InvalidInput(f"active must be true or false, not {value!r}", code="scim_invalid_value")


def parse_filter(expression: str | None) -> str | None:
    """The userName of `userName eq "..."`, the one filter providers send to find a user; None
    without a filter."""
    if not expression:
        return None
    attribute, _, rest = expression.strip().partition(" ")
    operator, _, operand = rest.strip().partition(" ")
    operand = operand.strip()
    if (
        attribute.lower() != "username"
        or operator.lower() != "eq"
        or len(operand) < 2
        or not (operand[0] == operand[-1] == '"')
    ):
        raise InvalidInput(
            'only the filter userName eq "..." is supported', code="scim_invalid_filter"
        )
    return operand[1:-1]
