"""API keys (platforms, automation) and staff users (reviewers, legal, admins)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from takedown.store.base import Base


class Scope(enum.StrEnum):
    SCAN = "scan"  # POST /v1/scan, /v1/hash, /v1/lookup
    REPORT = "report"  # POST /v1/reports as a platform
    # With `report`: the key's reports come from a trusted flagger the platform designated
    # (DSA Art 22) and get a trusted flagger's priority; a role claimed in a report does not.
    TRUSTED_FLAGGER = "trusted_flagger"
    BANKS = "banks"  # create, update, import, export banks
    CASES = "cases"  # the staff API (a staff token carries it; role decides the rest)
    SCIM = "scim"  # the identity provider adds, renames, turns off staff (/scim/v2, scim/)
    ADMIN = "admin"


class Role(enum.StrEnum):
    REVIEWER = "reviewer"
    CHILD_SAFETY_REVIEWER = "child_safety_reviewer"
    LEGAL = "legal"
    ADMIN = "admin"


ROLE_RANK = {
    Role.REVIEWER: 0,
    Role.CHILD_SAFETY_REVIEWER: 1,
    Role.LEGAL: 2,
    Role.ADMIN: 3,
}


class Origin(enum.StrEnum):
    """Where a staff user was created: in Takedown (the CLI, an invite), or by the identity
    provider through SCIM, which may rename, turn off or on only the users it created
    (scim/service.py)."""

    TAKEDOWN = "takedown"
    SCIM = "scim"


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(40))
    disabled: Mapped[bool] = mapped_column(default=False)
    # The actor who disabled the user (`cli`, `user:...`, `scim:...`), None while enabled: the
    # provider's "on" never undoes a disable made by staff in Takedown (scim/service.py).
    disabled_by: Mapped[str | None] = mapped_column(String(200))
    origin: Mapped[str] = mapped_column(
        String(20), default=Origin.TAKEDOWN.value, server_default=Origin.TAKEDOWN.value
    )
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]
    # TOTP (auth/two_factor.py): the secret, sealed (auth/sealed_secrets.py), set when enrolment
    # starts; the enrolment counts once confirmed with a code. The last accepted time step refuses
    # a code's replay.
    two_factor_secret: Mapped[str | None] = mapped_column(String(255))
    two_factor_enabled_at: Mapped[datetime | None]
    two_factor_last_step: Mapped[int | None]


class RecoveryCode(Base):
    """A one-time code that signs a user in instead of TOTP (a lost phone); SHA-256 only."""

    __tablename__ = "recovery_codes"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class StaffInvite(Base):
    """A single-use link that lets an invited staff member choose their password (auth.invites);
    only its SHA-256 is kept."""

    __tablename__ = "staff_invites"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the key
    key_prefix: Mapped[str] = mapped_column(String(16))  # shown in listings, not secret
    scopes: Mapped[list[str]] = mapped_column(JSON)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
