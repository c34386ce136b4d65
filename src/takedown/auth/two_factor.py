"""A second factor for console sign-in: TOTP (RFC 6238, pyotp) and one-time recovery codes.

The console shows case media and files legal reports, so a stolen password alone must not open
it. A user enrols once (an authenticator app scans the secret), then every sign-in takes a code.
A code is accepted one 30-second step either side of now (clock drift) and never twice: the
last accepted step is kept and older or equal steps are refused (RFC 6238, section 5.2).
Recovery codes stand in for a lost phone, each once; only their SHA-256 is kept. The TOTP
secret is stored sealed (auth/sealed_secrets.py).
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
import typing as t
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import CursorResult, delete, func, or_, select, update
from sqlalchemy.orm import Session

from takedown import clock
from takedown.audit.service import record
from takedown.auth.models import RecoveryCode, User
from takedown.auth.sealed_secrets import seal, unseal
from takedown.auth.users import user_named
from takedown.ids import new_id
from takedown.settings import Settings

ISSUER = "Takedown"
RECOVERY_CODE_COUNT = 10
_STEP = timedelta(seconds=30)
_DRIFT_STEPS = (0, -1, 1)
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


class SecondFactor(enum.StrEnum):
    TOTP = "totp"
    RECOVERY_CODE = "recovery_code"


def is_enrolled(user: User) -> bool:
    return user.two_factor_enabled_at is not None and bool(user.two_factor_secret)


def start_enrolment(user: User, settings: Settings) -> str:
    """A new secret for `user`, not yet in force: the first code from it confirms it."""
    secret = pyotp.random_base32()
    user.two_factor_secret = seal(settings, secret)
    user.two_factor_enabled_at = None
    user.two_factor_last_step = None
    return secret


def pending_secret(user: User, settings: Settings) -> str:
    """The secret of an enrolment started but not confirmed, to show the user (QR code, text)."""
    assert user.two_factor_secret and not is_enrolled(user), "start_enrolment first"
    return unseal(settings, user.two_factor_secret)


def provisioning_uri(user: User, secret: str, issuer: str = ISSUER) -> str:
    """The otpauth:// address an authenticator app reads (as a QR code or typed in)."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=issuer)


def confirm_enrolment(
    *, db_session: Session, settings: Settings, user: User, code: str
) -> list[str] | None:
    """Put the pending secret in force if `code` comes from it; the new recovery codes, or None
    when the code is wrong (the secret stays pending, so the user can try again)."""
    if not user.two_factor_secret or is_enrolled(user):
        return None
    if not _accept_totp(user, code, settings):
        return None
    user.two_factor_enabled_at = clock.now()
    record(
        db_session=db_session,
        actor=f"user:{user.id}",
        action="user.two_factor_enrolled",
        subject=user.id,
    )
    return issue_recovery_codes(db_session=db_session, user=user)


def check_totp(user: User, code: str, settings: Settings) -> bool:
    """True if `code` is a current TOTP code of an enrolled user (and now spent)."""
    return is_enrolled(user) and _accept_totp(user, code, settings)


def verify_second_factor(
    *, db_session: Session, settings: Settings, user: User, code: str
) -> SecondFactor | None:
    """Which factor `code` is for an enrolled user (a TOTP code, or an unused recovery code,
    then spent), or None."""
    if not is_enrolled(user):
        return None
    if _accept_totp(user, code, settings):
        return SecondFactor.TOTP
    row = db_session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _recovery_digest(code),
            RecoveryCode.used_at.is_(None),
        )
    )
    if row is None or not _spend(db_session, row):
        return None
    record(
        db_session=db_session,
        actor=f"user:{user.id}",
        action="user.recovery_code_used",
        subject=user.id,
        details={"remaining": remaining_recovery_codes(db_session=db_session, user=user)},
    )
    return SecondFactor.RECOVERY_CODE


def issue_recovery_codes(*, db_session: Session, user: User) -> list[str]:
    """A fresh set of recovery codes for `user`, replacing every earlier one. Shown once."""
    db_session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    now = clock.now()
    db_session.add_all(
        RecoveryCode(
            id=new_id("rcv"),
            user_id=user.id,
            code_hash=_recovery_digest(code),
            created_at=now,
            used_at=None,
        )
        for code in codes
    )
    db_session.flush()
    record(
        db_session=db_session,
        actor=f"user:{user.id}",
        action="user.recovery_codes_issued",
        subject=user.id,
        details={"count": len(codes)},
    )
    return codes


def remaining_recovery_codes(*, db_session: Session, user: User) -> int:
    count = db_session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )
    return count or 0


def reset_two_factor(*, db_session: Session, username: str, actor: str) -> User:
    """Forget `username`'s enrolment and recovery codes (a lost phone): the next sign-in
    enrols again. The caller ends the user's console sessions too."""
    user = user_named(db_session=db_session, username=username)
    user.two_factor_secret = None
    user.two_factor_enabled_at = None
    user.two_factor_last_step = None
    db_session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    record(db_session=db_session, actor=actor, action="user.two_factor_reset", subject=user.id)
    return user


def _accept_totp(user: User, code: str, settings: Settings) -> bool:
    """True, and the step remembered, if `code` is the TOTP of a step near now that is later
    than the last one accepted."""
    digits = "".join(code.split())
    # ASCII digits only: "١٢٣٤٥٦" is digits to Python too, and compare_digest refuses it.
    if not (digits.isascii() and digits.isdigit() and len(digits) == 6 and user.two_factor_secret):
        return False
    totp = pyotp.TOTP(unseal(settings, user.two_factor_secret))
    now = clock.now()
    for drift in _DRIFT_STEPS:
        moment: datetime = now + drift * _STEP
        step = totp.timecode(moment)
        if user.two_factor_last_step is not None and step <= user.two_factor_last_step:
            continue
        if hmac.compare_digest(totp.at(moment), digits):
            return _advance_step(user, step)
    return False


def _advance_step(user: User, step: int) -> bool:
    """Record `step` as the last accepted one, unless a concurrent sign-in got there first."""
    db_session = Session.object_session(user)
    assert db_session is not None
    later = or_(User.two_factor_last_step.is_(None), User.two_factor_last_step < step)
    result = db_session.execute(
        update(User).where(User.id == user.id, later).values(two_factor_last_step=step)
    )
    db_session.refresh(user, ["two_factor_last_step"])
    return bool(t.cast(CursorResult[t.Any], result).rowcount)


def _spend(db_session: Session, row: RecoveryCode) -> bool:
    """Mark a recovery code used, unless a concurrent sign-in spent it first."""
    result = db_session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
        .values(used_at=clock.now())
    )
    return bool(t.cast(CursorResult[t.Any], result).rowcount)


def _new_recovery_code() -> str:
    letters = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{letters[:5]}-{letters[5:]}"


def _recovery_digest(code: str) -> str:
    normalised = "".join(code.lower().split()).replace("-", "")
    return hashlib.sha256(normalised.encode()).hexdigest()
