"""Staff users: create, log in, issue staff-API tokens."""

from __future__ import annotations

import re

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from takedown import clock
from takedown.audit.service import record
from takedown.auth.models import ROLE_RANK, ApiKey, Origin, Role, Scope, User
from takedown.auth.passwords import (
    MIN_PASSWORD_LENGTH,
    burn_verification_time,
    hash_password,
    needs_rehash,
    verify_password,
)
from takedown.auth.service import create_api_key
from takedown.console.models import ConsoleSession
from takedown.errors import Conflict, InvalidInput, NotFound
from takedown.ids import new_id


def has_role(role: str | None, minimum: Role) -> bool:
    """True when `role` is `minimum` or ranks above it."""
    if role is None or role not in Role._value2member_map_:
        return False
    return ROLE_RANK[Role(role)] >= ROLE_RANK[minimum]


def get_user_by_username(*, db_session: Session, username: str) -> User | None:
    return db_session.scalar(select(User).where(User.username == username))


# A username is what a person types to sign in and what single sign-on matches the provider's
# claim against (usually an email address), without regard to case (auth/oidc.py): so letters,
# digits and the characters of an email address, at most as long as the column, and unique
# without regard to case, or `rev-1` and `REV-1` would both answer one sign-in. Checked when a
# user is created or renamed; names kept from before stay as they are.
MAX_USERNAME_LENGTH = 120
USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+'-]*")


def checked_username(username: str) -> str:
    """`username` stripped, or InvalidInput (422 `invalid_username`) saying what is allowed."""
    username = username.strip()
    if not username:
        raise InvalidInput("username must not be empty", code="invalid_username")
    if len(username) > MAX_USERNAME_LENGTH:
        raise InvalidInput(
            f"a username has at most {MAX_USERNAME_LENGTH} characters", code="invalid_username"
        )
    if not USERNAME.fullmatch(username):
        raise InvalidInput(
            "a username is letters, digits and . _ @ + ' - (an email address will do), "
            "starting with a letter or digit",
            code="invalid_username",
        )
    return username


def username_holder(
    *, db_session: Session, username: str, other_than: str | None = None
) -> User | None:
    """The user whose name is `username` without regard to case (but the user `other_than`)."""
    query = select(User).where(func.lower(User.username) == username.lower())
    if other_than is not None:
        query = query.where(User.id != other_than)
    return db_session.scalars(query.limit(1)).first()


def role_named(value: Role | str) -> Role:
    """The role `value` names; InvalidInput (422 `invalid_role`) for anything else."""
    if value not in Role._value2member_map_:
        raise InvalidInput(f"unknown role {value!r}", code="invalid_role")
    return Role(value)


def user_named(*, db_session: Session, username: str) -> User:
    """The staff user `username`; NotFound (404 `user_not_found`) if there is none."""
    user = get_user_by_username(db_session=db_session, username=username)
    if user is None:
        raise NotFound(f"no user {username!r}", code="user_not_found")
    return user


def create_user(
    *,
    db_session: Session,
    username: str,
    role: Role | str,
    password: str,
    actor: str = "system",
    origin: Origin = Origin.TAKEDOWN,
) -> User:
    """Create a staff user with an argon2 password hash; usernames are unique without regard to
    case (`checked_username`). `origin`: who created them (SCIM changes only its own)."""
    username = checked_username(username)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"password must have at least {MIN_PASSWORD_LENGTH} characters", code="weak_password"
        )
    role = role_named(role)
    if (holder := username_holder(db_session=db_session, username=username)) is not None:
        same = "" if holder.username == username else " (a username is one whatever its case)"
        raise Conflict(f"user {holder.username!r} exists{same}", code="user_exists")
    user = User(
        id=new_id("usr"),
        username=username,
        password_hash=hash_password(password),
        role=role.value,
        disabled=False,
        origin=origin.value,
        created_at=clock.now(),
        last_login_at=None,
    )
    db_session.add(user)
    db_session.flush()
    record(
        db_session=db_session,
        actor=actor,
        action="user.created",
        subject=user.id,
        details={"username": username, "role": role.value, "origin": origin.value},
    )
    return user


def login_name(username: str) -> str:
    """The name a sign-in attempt is for, as typed: without surrounding white space (a no-break
    space and a tab too) and in lower case, since a username is one whatever its case. The
    sign-in looks the user up by it and the throttle counts failures against it
    (console/auth.py), so no spelling of one name gets a counter of its own."""
    return username.strip().lower()


def user_for_login(*, db_session: Session, username: str) -> User | None:
    """The user a sign-in as `username` is for (`login_name`): the one whose name is exactly
    that, else the one user whose name differs only in case; None when there is none, or two
    names from before the case rule differ only in case."""
    exact = get_user_by_username(db_session=db_session, username=username.strip())
    if exact is not None:
        return exact
    alike = db_session.scalars(
        select(User).where(func.lower(User.username) == login_name(username)).limit(2)
    ).all()
    return alike[0] if len(alike) == 1 else None


def check_login(*, db_session: Session, username: str, password: str) -> User | None:
    """The user if the password is right and the account enabled; None otherwise."""
    user = user_for_login(db_session=db_session, username=username)
    if user is None:
        burn_verification_time(password)
        return None
    if not verify_password(user.password_hash, password) or user.disabled:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = clock.now()
    return user


def issue_staff_token(*, db_session: Session, username: str, actor: str = "system") -> str:
    """A bearer token for the staff API: an API key bound to the user (its role decides)."""
    user = user_named(db_session=db_session, username=username)
    row, key = create_api_key(
        db_session=db_session,
        name=f"staff token for {user.username}",
        scopes=[Scope.CASES.value],
        user_id=user.id,
    )
    record(
        db_session=db_session,
        actor=actor,
        action="user.token_issued",
        subject=user.id,
        details={"key_id": row.id},
    )
    return key


def list_users(*, db_session: Session) -> list[User]:
    return list(db_session.scalars(select(User).order_by(User.username)))


def _keep_an_admin(db_session: Session, user: User) -> None:
    """Refuse a change that would leave no enabled admin: nobody could manage staff any more."""
    if user.role != Role.ADMIN or user.disabled:
        return
    others = db_session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.role == Role.ADMIN.value, User.disabled.is_(False), User.id != user.id)
    )
    if not others:
        raise Conflict("the last enabled admin cannot be disabled or demoted", code="last_admin")


def set_disabled(*, db_session: Session, username: str, disabled: bool, actor: str) -> User:
    """Disable (or enable again) a staff user, remembering who disabled them. Disabled, sign-in
    is refused and their console sessions and staff tokens end for good: enabling them again
    revives none (they sign in again; an admin issues a new token)."""
    user = user_named(db_session=db_session, username=username)
    if disabled and not user.disabled:
        _keep_an_admin(db_session, user)
    if user.disabled != disabled:
        user.disabled = disabled
        user.disabled_by = actor if disabled else None
        details: dict[str, object] = {"username": user.username}
        if disabled:
            details |= _end_sessions_and_tokens(db_session, user)
        record(
            db_session=db_session,
            actor=actor,
            action="user.disabled" if disabled else "user.enabled",
            subject=user.id,
            details=details,
        )
    return user


def _end_sessions_and_tokens(db_session: Session, user: User) -> dict[str, object]:
    """End every console session of `user` and revoke every staff token bound to them."""
    now = clock.now()
    sessions = db_session.execute(
        update(ConsoleSession)
        .where(ConsoleSession.user_id == user.id, ConsoleSession.ended_at.is_(None))
        .values(ended_at=now)
    )
    tokens = db_session.execute(
        update(ApiKey)
        .where(ApiKey.user_id == user.id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return {"sessions_ended": sessions.rowcount, "tokens_revoked": tokens.rowcount}  # type: ignore[attr-defined]


def set_role(*, db_session: Session, username: str, role: Role | str, actor: str) -> User:
    user = user_named(db_session=db_session, username=username)
    role = role_named(role)
    if user.role != role.value:
        if role != Role.ADMIN:
            _keep_an_admin(db_session, user)
        record(
            db_session=db_session,
            actor=actor,
            action="user.role_changed",
            subject=user.id,
            details={"username": user.username, "from": user.role, "to": role.value},
        )
        user.role = role.value
    return user


def change_password(*, db_session: Session, user: User, current: str, new: str) -> None:
    """A user's own password change: the current password first, the new one as strong as
    `create_user` requires."""
    if not verify_password(user.password_hash, current):
        raise InvalidInput("the current password is wrong", code="wrong_password")
    if len(new) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"password must have at least {MIN_PASSWORD_LENGTH} characters", code="weak_password"
        )
    user.password_hash = hash_password(new)
    record(
        db_session=db_session,
        actor=f"user:{user.id}",
        action="user.password_changed",
        subject=user.id,
    )
