"""Staff invites: an admin adds a reviewer from the console (or the host) without ever knowing
their password. The invite is a single-use link, valid for `INVITE_HOURS`; the invited person
chooses their password there and, with two-factor sign-in on, sets up their authenticator in
the same sitting, so nobody else can enrol in their place. Only the link's SHA-256 is kept."""

from __future__ import annotations

import hashlib
import secrets
import typing as t
from datetime import timedelta

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from takedown import clock
from takedown.audit.service import record
from takedown.auth.models import Role, StaffInvite, User
from takedown.auth.passwords import MIN_PASSWORD_LENGTH, hash_password
from takedown.auth.users import create_user, user_named
from takedown.errors import Conflict, InvalidInput
from takedown.ids import new_id

INVITE_HOURS = 72


def invite_path(token: str) -> str:
    return f"/console/invite/{token}"


def invite(*, db_session: Session, username: str, role: Role | str, actor: str) -> str:
    """Create `username` with `role` and an unusable password; the invite token (shown once)."""
    user = create_user(
        db_session=db_session,
        username=username,
        role=role,
        password=secrets.token_urlsafe(32),  # nobody knows it; the invite sets the real one
        actor=actor,
    )
    return _new_invite(db_session, user, actor)


def reinvite(*, db_session: Session, username: str, actor: str) -> str:
    """A new link for someone who has not accepted yet (the old one lost or expired); earlier
    links stop working."""
    user = user_named(db_session=db_session, username=username)
    if user.last_login_at is not None:
        raise Conflict(f"{username!r} has signed in already", code="invite_not_needed")
    return _new_invite(db_session, user, actor)


def pending_invite_user_ids(*, db_session: Session) -> set[str]:
    now = clock.now()
    return set(
        db_session.scalars(
            select(StaffInvite.user_id).where(
                StaffInvite.used_at.is_(None), StaffInvite.expires_at > now
            )
        )
    )


def invited_user(*, db_session: Session, token: str) -> User | None:
    """The user a live invite token is for, or None (unknown, used, expired, user disabled)."""
    row = _live(db_session, token)
    if row is None:
        return None
    user = db_session.get(User, row.user_id)
    return None if user is None or user.disabled else user


def accept(*, db_session: Session, token: str, password: str) -> User:
    """Set the invited user's password and spend the invite (once, even if sent twice at once)."""
    row = _live(db_session, token)
    user = db_session.get(User, row.user_id) if row is not None else None
    if row is None or user is None or user.disabled:
        raise InvalidInput("this invite link is used, expired or withdrawn", code="invite_invalid")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"password must have at least {MIN_PASSWORD_LENGTH} characters", code="weak_password"
        )
    spent = db_session.execute(
        update(StaffInvite)
        .where(StaffInvite.id == row.id, StaffInvite.used_at.is_(None))
        .values(used_at=clock.now())
    )
    if not t.cast(CursorResult[t.Any], spent).rowcount:
        raise InvalidInput("this invite link is used, expired or withdrawn", code="invite_invalid")
    user.password_hash = hash_password(password)
    record(
        db_session=db_session,
        actor=f"user:{user.id}",
        action="user.invite_accepted",
        subject=user.id,
        details={"invite_id": row.id},
    )
    return user


def _new_invite(db_session: Session, user: User, actor: str) -> str:
    now = clock.now()
    db_session.execute(
        update(StaffInvite)
        .where(StaffInvite.user_id == user.id, StaffInvite.used_at.is_(None))
        .values(expires_at=now)
    )
    token = secrets.token_urlsafe(32)
    row = StaffInvite(
        id=new_id("inv"),
        user_id=user.id,
        token_hash=_digest(token),
        created_by=actor,
        created_at=now,
        expires_at=now + timedelta(hours=INVITE_HOURS),
        used_at=None,
    )
    db_session.add(row)
    db_session.flush()
    record(
        db_session=db_session,
        actor=actor,
        action="user.invited",
        subject=user.id,
        details={"username": user.username, "role": user.role, "invite_id": row.id},
    )
    return token


def _live(db_session: Session, token: str) -> StaffInvite | None:
    return db_session.scalar(
        select(StaffInvite).where(
            StaffInvite.token_hash == _digest(token),
            StaffInvite.used_at.is_(None),
            StaffInvite.expires_at > clock.now(),
        )
    )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
