"""Staff users: create, log in, issue staff-API tokens."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.audit.service import record
from takedown.auth.models import ROLE_RANK, Role, Scope, User
from takedown.auth.passwords import (
    MIN_PASSWORD_LENGTH,
    burn_verification_time,
    hash_password,
    needs_rehash,
    verify_password,
)
from takedown.auth.service import create_api_key
from takedown.errors import Conflict, InvalidInput, NotFound
from takedown.ids import new_id


def has_role(role: str | None, minimum: Role) -> bool:
    """True when `role` is `minimum` or ranks above it."""
    if role is None or role not in Role._value2member_map_:
        return False
    return ROLE_RANK[Role(role)] >= ROLE_RANK[minimum]


def get_user_by_username(*, db_session: Session, username: str) -> User | None:
    return db_session.scalar(select(User).where(User.username == username))


def create_user(
    *, db_session: Session, username: str, role: Role | str, password: str, actor: str = "system"
) -> User:
    """Create a staff user with an argon2 password hash; usernames are unique."""
    username = username.strip()
    if not username:
        raise InvalidInput("username must not be empty", code="invalid_username")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"password must have at least {MIN_PASSWORD_LENGTH} characters", code="weak_password"
        )
    role = Role(role)
    if get_user_by_username(db_session=db_session, username=username) is not None:
        raise Conflict(f"user {username!r} exists", code="user_exists")
    user = User(
        id=new_id("usr"),
        username=username,
        password_hash=hash_password(password),
        role=role.value,
        disabled=False,
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
        details={"username": username, "role": role.value},
    )
    return user


def check_login(*, db_session: Session, username: str, password: str) -> User | None:
    """The user if the password is right and the account enabled; None otherwise."""
    user = get_user_by_username(db_session=db_session, username=username.strip())
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
    user = get_user_by_username(db_session=db_session, username=username)
    if user is None:
        raise NotFound(f"no user {username!r}", code="user_not_found")
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
