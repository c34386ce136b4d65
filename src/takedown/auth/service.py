"""Create and check API keys. Only a SHA-256 of a key is stored; the key is shown once."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.audit.service import record
from takedown.auth.models import ApiKey, Scope, User
from takedown.errors import NotFound
from takedown.ids import new_id, new_secret_token

KEY_PREFIX = "tdk_"


@dataclass(frozen=True)
class Principal:
    """Whoever is calling: a platform key, or a staff user's token."""

    key_id: str
    name: str
    scopes: frozenset[str]
    user_id: str | None = None
    role: str | None = None

    @property
    def key_label(self) -> str:
        """How a platform key's changes are attributed in the audit log: its name and id."""
        return f"{self.name} ({self.key_id})"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(
    *, db_session: Session, name: str, scopes: list[str], user_id: str | None = None
) -> tuple[ApiKey, str]:
    """Create a key; returns the row and the plain key (never stored)."""
    unknown = set(scopes) - {s.value for s in Scope}
    if unknown:
        raise ValueError(f"unknown scope(s): {', '.join(sorted(unknown))}")
    key = KEY_PREFIX + new_secret_token(32)
    row = ApiKey(
        id=new_id("key"),
        name=name,
        key_hash=hash_key(key),
        key_prefix=key[:10],
        scopes=sorted(set(scopes)),
        user_id=user_id,
        created_at=clock.now(),
    )
    db_session.add(row)
    db_session.flush()
    return row, key


# Built once: it runs on every API request.
_PRINCIPAL_BY_KEY_HASH = (
    select(
        ApiKey.id,
        ApiKey.name,
        ApiKey.scopes,
        ApiKey.user_id,
        ApiKey.revoked_at,
        User.role,
        User.disabled,
    )
    .outerjoin(User, User.id == ApiKey.user_id)
    .where(ApiKey.key_hash == bindparam("key_hash"))
)


def authenticate(*, db_session: Session, key: str) -> Principal | None:
    """The key's principal, or None if it is unknown, revoked, or its staff user is disabled.

    One query of plain columns, nothing cached here: a revoked key or a disabled user is refused
    from the next request on, except where a route asks `remembered` first (POST /v1/scan).
    """
    connection = db_session.connection()  # plain rows: no ORM compile or identity map
    row = connection.execute(_PRINCIPAL_BY_KEY_HASH, {"key_hash": hash_key(key)}).first()
    if row is None or row.revoked_at is not None:
        return None
    if row.user_id is not None and (row.role is None or row.disabled):
        return None  # a staff token whose user is gone or disabled
    return Principal(
        key_id=row.id,
        name=row.name,
        scopes=frozenset(row.scopes),
        user_id=row.user_id,
        role=row.role if row.user_id is not None else None,
    )


# Valid keys checked in the last few seconds, by (database URL, key hash). Only valid keys go in,
# so unknown keys cannot fill it. settings.api_key_cache_seconds (at most 2 s) bounds how long a
# process that just checked a key still accepts it after it is revoked or its user disabled.
_recent: dict[tuple[str, str], tuple[float, Principal]] = {}
_RECENT_MAX = 1024


def remember(*, database_url: str, key: str, principal: Principal, seconds: float) -> None:
    """Let `remembered` answer for `key` for the next `seconds` (0: not at all)."""
    if seconds <= 0:
        return
    if len(_recent) >= _RECENT_MAX:
        _recent.clear()  # over a thousand keys within two seconds: start over, never grow
    _recent[(database_url, hash_key(key))] = (time.monotonic() + seconds, principal)


def remembered(*, database_url: str, key: str) -> Principal | None:
    """The principal `remember` kept for `key`, while it is fresh; None otherwise."""
    entry = _recent.get((database_url, hash_key(key)))
    if entry is None or entry[0] <= time.monotonic():
        return None
    return entry[1]


def list_api_keys(*, db_session: Session) -> list[ApiKey]:
    """Every key, platform keys and staff tokens, newest first (hashes and prefixes only)."""
    return list(db_session.scalars(select(ApiKey).order_by(ApiKey.created_at.desc())))


def revoke_api_key(*, db_session: Session, key_id: str, actor: str) -> ApiKey:
    """Revoke a key for good (a leak, a platform integration retired). Serving processes refuse
    it within `api_key_cache_seconds` (at most 2 s). Revoking twice changes nothing."""
    row = db_session.get(ApiKey, key_id)
    if row is None:
        raise NotFound(f"no API key {key_id!r}", code="api_key_not_found")
    if row.revoked_at is None:
        row.revoked_at = clock.now()
        record(
            db_session=db_session,
            actor=actor,
            action="api_key.revoked",
            subject=row.id,
            details={"name": row.name, "scopes": row.scopes, "user_id": row.user_id},
        )
    return row
